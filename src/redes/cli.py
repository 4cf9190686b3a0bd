"""The `redes` command: the trained models of the course for people to use by hand.

One subcommand group per project (`redes aircalc ...`, `redes age`), and the checks of a
reproduction on another machine (`redes doctor`, `redes reproduce check`); each group adds its own
commands in its `add_*_commands` function, and each command sets `handler`, the function that runs it and
returns the exit code. Models load lazily, inside the handlers, so `redes --help` answers at
once instead of after TensorFlow's import.

Exit codes: 0 done, 1 an error the message explains (a missing model, photo or video; a
reproduction that fails the gate, a machine that fails the doctor), 2 a writing that could not be
read as an expression (and argparse's usage errors).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redes.errors import RedesError
from redes.paths import Workspace

if TYPE_CHECKING:
    from redes.aircalc.recognize import Recognition

EXIT_OK, EXIT_ERROR, EXIT_UNREADABLE = 0, 1, 2


def aircalc_model() -> Path:
    """Where `dvc repro aircalc_train` saves the recogniser, from the current directory."""
    return Workspace(Path()).models("aircalc", "recognizer") / "model.keras"


def ager_model() -> Path:
    """Where `dvc repro aging_train` saves the face ager (encoder and generator), from the current directory."""
    return Workspace(Path()).models("aging", "caae")


def hand_model() -> Path:
    """Where `dvc repro aircalc_download` puts MediaPipe's hand model, from the current directory."""
    return Workspace(Path()).raw("aircalc") / "hand_landmarker.task"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="redes", description="Use the course's trained models.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    add_aircalc_commands(commands)
    add_aging_commands(commands)
    add_reproduction_commands(commands)
    return parser


def add_aircalc_commands(projects: argparse._SubParsersAction) -> None:
    aircalc = projects.add_parser(
        "aircalc", help="the handwriting calculator", description="Read and compute handwritten arithmetic."
    )
    commands = aircalc.add_subparsers(title="commands", metavar="COMMAND", required=True)
    model = argparse.ArgumentParser(add_help=False)
    model.add_argument(
        "--model", type=Path, default=aircalc_model(), help="the trained recogniser (default: %(default)s)"
    )
    hand = argparse.ArgumentParser(add_help=False)
    hand.add_argument(
        "--hand-model", type=Path, default=hand_model(), help="MediaPipe's hand landmarker (default: %(default)s)"
    )

    image = commands.add_parser(
        "image",
        parents=[model],
        help="read the expression in a photo and compute it",
        description="Read the expression written in a photo or scan and compute it exactly. "
        "Exit code 0: computed; 2: the writing is not a valid expression; 1: other errors.",
    )
    image.add_argument("photo", type=Path, help="a photo or scan of one line of arithmetic")
    image.add_argument(
        "--ink",
        choices=("auto", "dark", "light"),
        default="auto",
        help="dark: pen on paper; light: chalk on a board; auto: the background is the majority (default)",
    )
    image.add_argument("--json", action="store_true", help="print the full reading as JSON")
    image.set_defaults(handler=aircalc_image)

    video = commands.add_parser(
        "video",
        parents=[model, hand],
        help="read an expression written in the air with a fingertip, from a video file or a camera",
        description="Track the index fingertip in a video file or a webcam, turn its trail into pen strokes "
        "and compute the expression they write. A window shows the trail when a display exists "
        "(q or Esc: done, u: undo a stroke, c: clear; Ctrl+C also ends the writing and keeps it); "
        "without one the video is read headless. Exit codes as for `image`.",
    )
    source = video.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", type=Path, help="a video file OpenCV reads (mp4, avi, mkv, ...)")
    source.add_argument("--camera", type=int, metavar="N", help="read webcam number N (0: the first) instead")
    video.add_argument(
        "--rule",
        choices=("pinch", "presence"),
        help="when the pen is down. pinch: while thumb and index tips touch (real use; the default "
        "with a camera). presence: while a hand is in view, the pen lifted by taking the hand out "
        "of the frame (what a recorded video can do; the default with a file)",
    )
    video.add_argument("--no-window", action="store_true", help="never open a window, even with a display")
    video.add_argument("--json", action="store_true", help="print the full reading as JSON")
    video.set_defaults(handler=aircalc_video)

    serve = commands.add_parser(
        "serve",
        parents=[model, hand],
        help="the calculator's web page: write with a mouse, finger or pen",
        description="Serve the calculator's web page and its API; --hand-model serves its camera mode, "
        "--ager-model the face-aging page at /age.",
    )
    serve.add_argument(
        "--ager-model",
        type=Path,
        default=ager_model(),
        help="the trained face ager for the page at /age, served when it exists (default: %(default)s)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s, this machine)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    serve.set_defaults(handler=aircalc_serve)


def aircalc_image(args: argparse.Namespace) -> int:
    from redes.aircalc.recognize import Recognizer
    from redes.photo import read_photo

    pixels = read_photo(args.photo)  # before the model: a mistyped name should not wait for TensorFlow
    return _report(Recognizer.load(args.model).read_image(pixels, ink=args.ink), args.json)


def aircalc_video(args: argparse.Namespace) -> int:
    from redes.aircalc.airwriting import HandTracker, PinchRule, PresenceRule, read_video
    from redes.aircalc.recognize import Recognizer

    camera = args.camera is not None
    if not camera and not args.file.is_file():  # before the models: a mistyped name should not wait for them
        raise RedesError(f"{args.file}: no such video file")
    rule = {"pinch": PinchRule, "presence": PresenceRule}[args.rule or ("pinch" if camera else "presence")]()
    recognizer = Recognizer.load(args.model)
    with HandTracker(args.hand_model) as tracker:
        writing = read_video(args.camera if camera else args.file, tracker, rule, show=not args.no_window)
    if not args.no_window and not writing.shown:
        print("redes: no display here, so no window: the video was read headless", file=sys.stderr)
    print(
        f"{writing.frames} frames ({writing.fps:.0f} per second), a hand in {writing.hand_frames}, "
        f"{len(writing.strokes)} strokes{', stopped by Ctrl+C' if writing.interrupted else ''}",
        file=sys.stderr,
    )
    return _report(recognizer.read_strokes(writing.strokes), args.json)


def _report(recognition: Recognition, as_json: bool) -> int:
    """Print a reading as a person or a program wants it; the exit code says whether it computed."""
    if as_json:
        print(json.dumps(recognition.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(describe(recognition))
    if recognition.error is not None:
        print(f"redes: {recognition.error}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK


def describe(recognition: Recognition) -> str:
    """The reading as a person reads it: the expression, each symbol's confidence, then the result."""
    reading = recognition.to_dict()
    lines = [f"expression: {reading['expression'] or '(nothing written)'}"]
    for number, symbol in enumerate(reading["symbols"], start=1):
        if "token" in symbol:
            lines.append(f"  {number:>2}. {symbol['token']}  {symbol['confidence']:6.1%}  box {symbol['box']}")
    value: dict[str, Any] | None = reading["value"]
    if value is not None:
        integer = value["integer"] if value["integer"] is not None else "(not a whole number)"
        lines += [f"integer:  {integer}", f"fraction: {value['fraction']}", f"decimal:  {value['decimal']}"]
    return "\n".join(lines)


def aircalc_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from redes.aging.render import GENERATOR_FILE, Ager
    from redes.aircalc.recognize import Recognizer
    from redes.web import create_app

    ager = Ager.load(args.ager_model) if (args.ager_model / GENERATOR_FILE).exists() else None
    app = create_app(Recognizer.load(args.model), hand_model=args.hand_model, ager=ager)
    host = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address in a URL is bracketed
    print(f"AirCalc: open http://{host}:{args.port}/ (Ctrl+C stops it)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port)
    return EXIT_OK


def add_aging_commands(projects: argparse._SubParsersAction) -> None:
    from redes.aging.groups import GENDERS, GROUP_NAMES  # no TensorFlow in these

    age = projects.add_parser(
        "age",
        help="render a face at another age",
        description="Find the face in a photo, crop it as UTKFace's faces are cropped, and render it at "
        "another age group (--to) or at all ten (--all) with the conditional adversarial autoencoder "
        "that `dvc repro` trained. Writes a PNG.",
    )
    age.add_argument("photo", type=Path, help="a photo with one face seen from the front")
    target = age.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", choices=GROUP_NAMES, metavar="GROUP", help=f"the age group: {', '.join(GROUP_NAMES)}")
    target.add_argument("--all", action="store_true", help="every age group, in a row after the face itself")
    age.add_argument("--gender", choices=GENDERS, required=True, help="the gender to render (UTKFace's labels)")
    age.add_argument("--aligned", action="store_true", help="the photo already is a UTKFace-style crop of the face")
    age.add_argument("--output", type=Path, help="the PNG to write (default: PHOTO's name with the group, here)")
    age.add_argument("--scale", type=int, default=4, help="enlarge each face this many times (default: %(default)s)")
    age.add_argument(
        "--model", type=Path, default=ager_model(), help="the trained encoder and generator (default: %(default)s)"
    )
    age.set_defaults(handler=age_photo)


def age_photo(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image

    from redes.aging.groups import GROUP_NAMES
    from redes.aging.photo import crop_face
    from redes.aging.render import Ager, gender_index, group_index
    from redes.photo import read_photo

    if args.scale < 1:
        raise RedesError(f"--scale {args.scale}: enlarge by 1 or more")
    pixels = read_photo(args.photo)  # before the model: a mistyped name should not wait for TensorFlow
    ager = Ager.load(args.model)
    face = crop_face(pixels, ager.image_size, aligned=args.aligned, name=str(args.photo))
    gender = np.array([gender_index(args.gender)])
    if args.all:
        tiles = [face, *ager.render_every_group(face[np.newaxis], gender)[0]]
        print("left to right: the face as cropped, then " + ", ".join(GROUP_NAMES))
    else:
        tiles = [ager.render(face[np.newaxis], gender, np.array([group_index(args.to)]))[0]]
    side = ager.image_size * args.scale
    row = np.concatenate(
        [np.asarray(Image.fromarray(t).resize((side, side), Image.Resampling.BICUBIC)) for t in tiles], axis=1
    )
    output = args.output or Path(f"{args.photo.stem}_{'all_ages' if args.all else args.to}.png")
    try:
        Image.fromarray(row).save(output, format="PNG")
    except OSError as error:
        raise RedesError(f"{output} cannot be written: {error.strerror or error}") from None
    print(f"wrote {output}")
    return EXIT_OK


def add_reproduction_commands(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="what TensorFlow sees here: backend, build, GPUs, determinism",
        description="Print the Keras backend, the TensorFlow build, the visible GPUs and the determinism settings "
        "(base.seed and base.deterministic of params.yaml, as every stage applies them), and train a small "
        "net twice from one seed to see that the two agree bit for bit. Exit code 1 on a problem.",
    )
    doctor.add_argument(
        "--params", type=Path, default=Path("params.yaml"), help="the params file (default: %(default)s)"
    )
    doctor.add_argument("--require-gpu", action="store_true", help="a problem if TensorFlow sees no GPU (cloud runs)")
    doctor.set_defaults(handler=run_doctor)

    reproduce = commands.add_parser(
        "reproduce", help="judge a reproduction", description="Judge a reproduction of the committed results."
    )
    checks = reproduce.add_subparsers(title="commands", metavar="COMMAND", required=True)
    check = checks.add_parser(
        "check",
        help="compare reports/metrics with a git revision's, within tolerances.yaml",
        description="Compare each reports/metrics/<project>.json of the working tree with the one committed at "
        "a git revision, metric by metric within the allowances of tolerances.yaml, and print one table. "
        "Exit code 1 if a metric misses its allowance, is not a number, or disappeared.",
    )
    check.add_argument(
        "--rev", default="HEAD", help="the git revision holding the committed results (default: %(default)s)"
    )
    check.add_argument(
        "--tolerances", type=Path, default=Path("tolerances.yaml"), help="the allowances (default: %(default)s)"
    )
    check.add_argument("--markdown", type=Path, help="also write the table and its verdict to this Markdown file")
    check.set_defaults(handler=check_reproduction)


def run_doctor(args: argparse.Namespace) -> int:
    from redes.machine import checkup

    found = checkup(args.params, require_gpu=args.require_gpu)
    print("\n".join(found.lines))
    for problem in found.problems:
        print(f"problem: {problem}", file=sys.stderr)
    return EXIT_ERROR if found.problems else EXIT_OK


def check_reproduction(args: argparse.Namespace) -> int:
    from redes.reproduce import check, committed_metrics, load_tolerances, summary, table, workspace_metrics

    root = Path.cwd()
    rows = check(committed_metrics(root, args.rev), workspace_metrics(root), load_tolerances(args.tolerances))
    report = f"{table(rows)}\n\n{summary(rows)}"
    print(report)
    if args.markdown:
        try:
            args.markdown.write_text(f"{report}\n")
        except OSError as error:
            raise RedesError(f"{args.markdown} cannot be written: {error.strerror or error}") from None
    return EXIT_ERROR if any(row.fails for row in rows) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except RedesError as error:  # says what to do; a traceback would only bury it
        print(f"redes: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
