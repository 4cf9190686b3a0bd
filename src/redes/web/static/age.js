// The face-aging page: sends the photo to POST /api/age and shows the face at every age group.
"use strict";

const $ = (id) => document.getElementById(id);

// A base64 PNG from the server as a blob: URL (the page's policy allows no data: images).
function pngUrl(base64) {
  const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
}

function face(src, caption) {
  const item = document.createElement("li");
  const figure = document.createElement("figure");
  const image = document.createElement("img");
  image.src = src;
  image.alt = `The face, ${caption}`;
  const text = document.createElement("figcaption");
  text.textContent = caption;
  figure.append(image, text);
  item.append(figure);
  return item;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

async function render(event) {
  event.preventDefault();
  const form = new FormData($("age-form"));
  form.set("aligned", $("aligned").checked ? "true" : "false");
  $("error").hidden = true;
  $("status").textContent = "Rendering…";
  $("render").disabled = true;
  let answer;
  try {
    const response = await fetch("/api/age", { method: "POST", body: form });
    answer = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
  } catch (error) {
    answer = { error: "the server cannot be reached: is `redes aircalc serve` still running?" };
  }
  $("render").disabled = false;
  $("status").textContent = "";
  if (answer.error || !Array.isArray(answer.ages)) {
    showError(typeof answer.error === "string" ? answer.error : "the server's answer could not be understood");
    return;
  }
  for (const image of $("ages").querySelectorAll("img")) URL.revokeObjectURL(image.src);
  const faces = [face(pngUrl(answer.face), "as given")];
  answer.groups.forEach((group, index) => faces.push(face(pngUrl(answer.ages[index]), group)));
  $("ages").replaceChildren(...faces);
  $("result").hidden = false;
}

$("age-form").addEventListener("submit", render);
