// AirCalc's page: write on the pad (mouse, finger or pen, through Pointer Events), in the air
// before the camera, or upload a photo; the server reads the writing, and this script shows the
// expression, the exact result and a box around each symbol it read, with its token and confidence.
"use strict";

// After the pen lifts, wait this long for the next stroke before reading: the second stroke of
// a + or a 4 usually starts within it, and reading half a symbol would only flicker.
const READ_DELAY_MS = 600;
// In the air the pen lifts between strokes for longer (a hand leaves the frame, fingers part).
const CAMERA_READ_DELAY_MS = 1500;
const FRAME_WIDTH = 640; // camera frames are sent at most this wide: what the tracker is timed on
const SVG = "http://www.w3.org/2000/svg";

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const padOverlay = $("overlay");
const photoView = $("photo-view");
const photoOverlay = $("photo-overlay");
const context = pad.getContext("2d");

let strokes = []; // each stroke a list of [x, y] in the canvas's own pixels, as the API takes them
let current = null; // the stroke being written
let activePointer = null; // one pen at a time: a second finger on the pad is ignored
let readTimer = null;
let generation = 0; // bumped by every change, so an answer to an older request is dropped
// The camera mode: `camera` while the webcam streams to the server; the strokes the server's hand
// tracker wrote stay on the pad (in frame pixels, `cameraSize`) until cleared or written over.
let camera = null;
let cameraStrokes = [];
let cameraTrail = [];
let cameraTip = null;
let cameraSize = null;

// ---- The pad: its own pixels and the ink on it ----

function pixelRatio() {
  return window.devicePixelRatio || 1;
}

function penWidth() {
  return 3 * pixelRatio();
}

// The canvas holds CSS size × devicePixelRatio pixels, so ink is sharp on any screen. Strokes
// already written are scaled with it, so they stay where they were drawn.
function fitPad() {
  const rect = pad.getBoundingClientRect();
  const width = Math.max(1, Math.round(rect.width * pixelRatio()));
  const height = Math.max(1, Math.round(rect.height * pixelRatio()));
  if (width === pad.width && height === pad.height) return;
  if (cameraSize) {
    // Camera strokes are in frame pixels: only their drawing scales.
    pad.width = width;
    pad.height = height;
    redraw();
    return;
  }
  const sx = width / pad.width;
  const sy = height / pad.height;
  strokes = strokes.map((stroke) => stroke.map(([x, y]) => [x * sx, y * sy]));
  pad.width = width;
  pad.height = height;
  redraw();
  if (strokes.length > 0) {
    clearBoxes(padOverlay);
    scheduleRead();
  }
}

// A pointer event's position in the canvas's pixels: CSS pixels from its corner, scaled by the
// ratio of its pixels to its CSS size (devicePixelRatio and any CSS scaling alike), kept inside it.
function toPad(event) {
  const rect = pad.getBoundingClientRect();
  const x = ((event.clientX - rect.left) * pad.width) / rect.width;
  const y = ((event.clientY - rect.top) * pad.height) / rect.height;
  const inside = (value, end) => Math.round(Math.min(Math.max(value, 0), end) * 100) / 100;
  return [inside(x, pad.width), inside(y, pad.height)];
}

function startInk() {
  context.lineCap = "round";
  context.lineJoin = "round";
  context.lineWidth = penWidth();
  context.strokeStyle = "#1b1f24";
  context.fillStyle = "#1b1f24";
}

function drawDot([x, y]) {
  context.beginPath();
  context.arc(x, y, penWidth() / 2, 0, 2 * Math.PI);
  context.fill();
}

function drawLine(from, to) {
  context.beginPath();
  context.moveTo(from[0], from[1]);
  context.lineTo(to[0], to[1]);
  context.stroke();
}

function redraw() {
  context.clearRect(0, 0, pad.width, pad.height);
  startInk();
  if (cameraSize) {
    drawCamera();
    return;
  }
  for (const stroke of strokes) drawStroke(stroke);
  pad.dataset.strokes = String(strokes.length);
}

function drawStroke(stroke) {
  drawDot(stroke[0]);
  for (let i = 1; i < stroke.length; i += 1) drawLine(stroke[i - 1], stroke[i]);
}

pad.addEventListener("pointerdown", (event) => {
  if (activePointer !== null || camera || (event.pointerType === "mouse" && event.button !== 0)) return;
  event.preventDefault();
  if (cameraSize) leaveCamera(); // writing on the pad again: the camera's strokes go
  pad.setPointerCapture(event.pointerId); // the stroke goes on when the pen strays off the pad
  activePointer = event.pointerId;
  clearTimeout(readTimer);
  generation += 1; // an answer about the writing before this stroke is out of date
  closePhoto();
  current = [toPad(event)];
  strokes.push(current);
  pad.dataset.strokes = String(strokes.length);
  startInk();
  drawDot(current[0]);
});

pad.addEventListener("pointermove", (event) => {
  if (event.pointerId !== activePointer) return;
  // Every position the pen reported since the last frame, not only the last one: smooth curves.
  const coalesced = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const each of coalesced.length > 0 ? coalesced : [event]) {
    const point = toPad(each);
    drawLine(current[current.length - 1], point);
    current.push(point);
  }
});

function endStroke(event) {
  if (event.pointerId !== activePointer) return;
  activePointer = null;
  current = null;
  scheduleRead();
}

pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

function scheduleRead(delay = READ_DELAY_MS) {
  clearTimeout(readTimer);
  readTimer = setTimeout(readPad, delay);
}

// Reads what the pad shows: the pen's strokes in canvas pixels, or the camera's in frame pixels.
function readPad() {
  clearTimeout(readTimer);
  const written = cameraSize ? cameraStrokes : strokes;
  if (written.length === 0) {
    clearAnswer();
    setStatus("Nothing written yet.");
    return;
  }
  read(
    "/api/aircalc/strokes",
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ strokes: written }) },
    padOverlay,
    cameraSize || [pad.width, pad.height],
  );
}

$("read").addEventListener("click", readPad);

$("undo").addEventListener("click", () => {
  if (camera) {
    cameraCommand("undo");
    return;
  }
  if (cameraSize) {
    cameraStrokes.pop();
    generation += 1;
    redraw();
    clearAnswer();
    if (cameraStrokes.length > 0) scheduleRead();
    return;
  }
  if (activePointer !== null || strokes.length === 0) return;
  strokes.pop();
  generation += 1;
  redraw();
  clearAnswer();
  if (strokes.length > 0) scheduleRead();
});

$("clear").addEventListener("click", () => {
  if (activePointer !== null) return;
  if (camera) cameraCommand("clear");
  else if (cameraSize) leaveCamera();
  strokes = [];
  generation += 1;
  clearTimeout(readTimer);
  redraw();
  clearAnswer();
  closePhoto();
});

// ---- The camera: webcam frames to the server's hand tracker, its strokes onto the pad ----

const cameraView = $("camera-view");
const cameraButton = $("camera");
const padSurface = $("pad-surface");

cameraButton.addEventListener("click", () => (camera ? stopCamera() : startCamera()));

async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showError("this browser gives no camera to this page (it needs https, or this machine's own address)");
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (error) {
    showError(`the camera cannot be opened: ${error.message || error.name}`);
    return;
  }
  cameraView.srcObject = stream;
  cameraView.hidden = false;
  await cameraView.play();
  const width = Math.min(FRAME_WIDTH, cameraView.videoWidth);
  const frame = document.createElement("canvas");
  frame.width = width;
  frame.height = Math.round((width * cameraView.videoHeight) / cameraView.videoWidth);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const rule = $("pen-rule").value;
  const socket = new WebSocket(`${scheme}://${location.host}/api/aircalc/camera?rule=${rule}`);
  socket.binaryType = "arraybuffer";
  strokes = [];
  clearAnswer();
  closePhoto();
  camera = { stream, socket, frame, down: false };
  cameraStrokes = [];
  cameraTrail = [];
  cameraTip = null;
  cameraSize = [frame.width, frame.height];
  padSurface.classList.add("camera");
  cameraButton.setAttribute("aria-pressed", "true");
  cameraButton.textContent = "Stop camera";
  $("pen-rule").disabled = true;
  fitPad();
  const how = rule === "pinch" ? "touch thumb and index to write, part them to lift" : "take the hand away to lift";
  setStatus(`Camera on: write with your index fingertip; ${how}.`);
  socket.addEventListener("open", () => nextFrame(camera));
  socket.addEventListener("message", (event) => onCameraAnswer(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    if (camera && camera.socket === socket) {
      if (event.reason) showError(event.reason);
      stopCamera();
    }
  });
}

// One frame in flight at a time, and only a new one: the server tracks as fast as it can, never behind.
function nextFrame(session) {
  if (camera !== session) return;
  if (cameraView.requestVideoFrameCallback) cameraView.requestVideoFrameCallback(() => sendFrame(session));
  else setTimeout(() => sendFrame(session), 1000 / 30);
}

function sendFrame(session) {
  if (camera !== session || session.socket.readyState !== WebSocket.OPEN) return;
  const { frame } = session;
  const drawing = frame.getContext("2d");
  // Mirrored, as people see themselves: a 7 written before the camera reaches it backwards.
  drawing.setTransform(-1, 0, 0, 1, frame.width, 0);
  drawing.drawImage(cameraView, 0, 0, frame.width, frame.height);
  frame.toBlob(
    (blob) => {
      if (camera === session && blob) session.socket.send(blob);
    },
    "image/jpeg",
    0.85,
  );
}

function onCameraAnswer(answer) {
  if (!camera) return;
  if (Array.isArray(answer.strokes)) {
    const changed = answer.strokes.length !== cameraStrokes.length;
    cameraStrokes = answer.strokes;
    cameraTrail = answer.trail;
    cameraTip = answer.tip;
    camera.down = answer.down;
    redraw();
    if (changed) {
      generation += 1; // the reading shown is of other strokes now
      clearAnswer();
      if (cameraStrokes.length > 0) scheduleRead(CAMERA_READ_DELAY_MS);
    }
    if (answer.down) clearTimeout(readTimer); // writing again: read once the pen stays up
  } else if (answer.error) {
    showError(answer.error);
  }
  if (answer.frame) nextFrame(camera); // an answer to a frame, not to undo or clear
}

function cameraCommand(command) {
  if (camera && camera.socket.readyState === WebSocket.OPEN) camera.socket.send(JSON.stringify({ command }));
}

// The camera off; what it wrote stays on the pad to read, undo or clear.
function stopCamera() {
  if (!camera) return;
  const { stream, socket } = camera;
  camera = null;
  for (const track of stream.getTracks()) track.stop();
  if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close();
  cameraView.srcObject = null;
  cameraView.hidden = true;
  cameraTrail = [];
  cameraTip = null;
  cameraButton.setAttribute("aria-pressed", "false");
  cameraButton.textContent = "Camera";
  $("pen-rule").disabled = false;
  redraw();
  if (cameraStrokes.length === 0) leaveCamera();
}

// Back to the pen: the camera's strokes go and the pad takes its own shape again.
function leaveCamera() {
  stopCamera();
  cameraStrokes = [];
  cameraSize = null;
  padSurface.classList.remove("camera");
  generation += 1;
  clearAnswer();
  fitPad();
  redraw();
}

function drawCamera() {
  const scale = pad.width / cameraSize[0];
  const toPadPixels = (stroke) => stroke.map(([x, y]) => [x * scale, y * scale]);
  for (const stroke of cameraStrokes) drawStroke(toPadPixels(stroke));
  if (cameraTrail.length > 0) drawStroke(toPadPixels(cameraTrail));
  if (cameraTip) {
    // The fingertip: a filled dot while the pen is down, a ring while it is up.
    const [x, y] = toPadPixels([cameraTip])[0];
    context.beginPath();
    context.arc(x, y, 3 * penWidth(), 0, 2 * Math.PI);
    if (camera && camera.down) context.fill();
    else context.stroke();
  }
  pad.dataset.strokes = String(cameraStrokes.length);
}

// ---- A photo: uploaded, shown, read by the same API ----

const photoInput = $("photo");

photoInput.addEventListener("change", async () => {
  const file = photoInput.files[0];
  photoInput.value = ""; // choosing the same file again reads it again
  if (!file) return;
  closePhoto();
  photoView.src = URL.createObjectURL(file);
  $("photo-name").textContent = file.name;
  $("photo-source").hidden = false;
  // The boxes need the photo's own size; a format the browser cannot show still gets its reading.
  const shown = photoView.decode().then(
    () => [photoView.naturalWidth, photoView.naturalHeight],
    () => null,
  );
  const form = new FormData();
  form.append("file", file);
  read("/api/aircalc/image", { method: "POST", body: form }, photoOverlay, shown);
});

function closePhoto() {
  if (photoView.src) URL.revokeObjectURL(photoView.src);
  photoView.removeAttribute("src");
  $("photo-source").hidden = true;
  clearBoxes(photoOverlay);
}

// ---- Reading and showing the answer: every source of writing comes through here ----

// POSTs a request to the API and shows the reading on `overlay`, whose pixels are `size` [w, h]
// (or a promise of it). An answer that arrives after the writing changed is dropped.
async function read(url, options, overlay, size) {
  generation += 1;
  const mine = generation;
  setStatus("Reading…");
  let answer;
  try {
    const response = await fetch(url, options);
    answer = await response.json().catch(() => ({}));
    if (!response.ok && typeof answer.error !== "string") {
      answer = { error: `the server answered ${response.status} ${response.statusText}` };
    }
  } catch {
    answer = { error: "the server cannot be reached: is `redes aircalc serve` still running?" };
  }
  const pixels = await size;
  if (mine !== generation) return;
  show(answer, overlay, pixels);
}

function show(answer, overlay, pixels) {
  clearAnswer();
  if (!Array.isArray(answer.symbols)) {
    // The request itself failed (a damaged photo, too many requests): its message is the answer.
    showError(answer.error || "the server's answer could not be understood");
    return;
  }
  $("expression").textContent = answer.expression;
  const offending = answer.error ? answer.error.position : null;
  if (answer.value) {
    // The integer as text (the fraction's text when whole): JSON numbers past 2^53 lose digits in JavaScript.
    $("integer").textContent = answer.value.integer === null ? "not a whole number" : answer.value.fraction;
    $("fraction").textContent = answer.value.fraction;
    $("decimal").textContent = answer.value.decimal;
    $("result").hidden = false;
  }
  if (answer.error) showError(answer.error.message);
  const list = $("symbols");
  answer.symbols.forEach((symbol, index) => {
    if (symbol.token === undefined) return;
    const item = document.createElement("li");
    item.textContent = `${symbol.token} ${percent(symbol.confidence)}`;
    if (index === offending) item.classList.add("offending");
    list.append(item);
  });
  if (pixels) drawBoxes(overlay, answer.symbols, offending, pixels);
}

function percent(confidence) {
  return `${Math.round(confidence * 100)}%`;
}

function drawBoxes(overlay, symbols, offending, [width, height]) {
  overlay.setAttribute("viewBox", `0 0 ${width} ${height}`);
  overlay.setAttribute("preserveAspectRatio", "none");
  // Labels 13 CSS pixels high, whatever the scale of the pixels the boxes are given in.
  const fontSize = (13 * width) / (overlay.getBoundingClientRect().width || width);
  symbols.forEach((symbol, index) => {
    const [x0, y0, x1, y1] = symbol.box;
    const wrong = index === offending ? " offending" : "";
    const box = document.createElementNS(SVG, "rect");
    box.setAttribute("class", `box${wrong}`);
    box.setAttribute("x", x0);
    box.setAttribute("y", y0);
    box.setAttribute("width", x1 - x0);
    box.setAttribute("height", y1 - y0);
    box.setAttribute("vector-effect", "non-scaling-stroke");
    box.setAttribute("stroke-width", 2);
    overlay.append(box);
    if (symbol.token === undefined) return;
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("class", `box-label${wrong}`);
    label.setAttribute("x", x0);
    // Above the box, or below it when there is no room above.
    const above = y0 - fontSize * 0.3;
    label.setAttribute("y", above >= fontSize ? above : y1 + fontSize);
    label.setAttribute("font-size", fontSize);
    label.textContent = `${symbol.token} ${percent(symbol.confidence)}`;
    overlay.append(label);
  });
}

function clearBoxes(overlay) {
  overlay.replaceChildren();
}

function clearAnswer() {
  $("expression").textContent = "";
  $("result").hidden = true;
  for (const id of ["integer", "fraction", "decimal"]) $(id).textContent = "";
  $("error").hidden = true;
  $("error").textContent = "";
  $("symbols").replaceChildren();
  clearBoxes(padOverlay);
  clearBoxes(photoOverlay);
  setStatus("");
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function setStatus(text) {
  $("status").textContent = text;
}

// The pad's CSS size follows the window; devicePixelRatio follows the browser's zoom.
new ResizeObserver(fitPad).observe(pad);
window.addEventListener("resize", fitPad);
fitPad();
