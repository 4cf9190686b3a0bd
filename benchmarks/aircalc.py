"""Benchmark: our recogniser against an OCR route like the PyPI `aircalc`'s, on the same expressions.

The PyPI `aircalc` turns a fingertip's trail into an image and hands it to Tesseract. Here both
routes read the same composed test expressions (the evaluation's: `aircalc.expressions` of
params.yaml, written from test-split symbols only), as the same ink images, black on white for
Tesseract as it expects: Debian's Tesseract 5 (`apt-get install tesseract-ocr`) through
pytesseract, one line of text (`--psm 7`), only the characters of arithmetic allowed. Its text
is parsed by our own parser, so × written x or * and ÷ written / or : all count. Scored: exact
match (every token right) and wall time per expression, and the ratios.
Needs the trained recogniser: run `dvc repro aircalc_train` first.

    uv run python benchmarks/aircalc.py   # or: make benchmark
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytesseract
from scoring import ratio
from tqdm import tqdm

from redes.aircalc.compose import compose, random_tokens
from redes.aircalc.data import load_splits
from redes.aircalc.evaluate import pools_of_test_split, score_expressions
from redes.aircalc.expression import ExpressionError, parse_text
from redes.aircalc.recognize import Recognizer
from redes.files import write_json
from redes.paths import Workspace
from redes.provenance import machine
from redes.sections import load_all_params

TESSERACT_CONFIG = "--psm 7 -c tessedit_char_whitelist=0123456789+-x*/:"


def tesseract_reads(image: np.ndarray) -> tuple[tuple[str, ...] | None, str]:
    """Tesseract's reading of ink (1 on 0) as tokens, None when its text is no expression; and the text."""
    paper = ((1.0 - image) * 255).astype(np.uint8)  # black ink on white paper
    text = pytesseract.image_to_string(paper, config=TESSERACT_CONFIG).strip()
    try:
        return tuple(parse_text(text)), text
    except ExpressionError:
        return None, text


def main() -> None:
    workspace = Workspace(Path.cwd())
    params = load_all_params(workspace.params_file).aircalc
    splits = load_splits(workspace.processed("aircalc") / "aircalc.npz")
    pools = pools_of_test_split(splits)
    recognizer = Recognizer.load(
        workspace.models("aircalc", "recognizer") / "model.keras", min_confidence=params.reading.min_confidence
    )
    spec = params.expressions
    print(f"ours: {spec.count} composed test expressions")
    ours = score_expressions(
        recognizer, pools, count=spec.count, seed=spec.seed, min_symbols=spec.min_symbols, max_symbols=spec.max_symbols
    )

    print(f"Tesseract {pytesseract.get_tesseract_version()}: the same expressions")
    # The same draws as score_expressions: its warm-up expression first, then each written one.
    rng = np.random.default_rng(spec.seed)
    compose(["1", "+", "1"], pools, rng)
    right, seconds, examples = 0, [], []
    for read in tqdm(ours.read, unit="expr", mininterval=5):
        written = compose(random_tokens(rng, spec.min_symbols, spec.max_symbols), pools, rng)
        assert written.tokens == read.written.tokens, "the two routes must read the same expressions"
        started = time.perf_counter()
        tokens, text = tesseract_reads(written.image)
        seconds.append(time.perf_counter() - started)
        right += tokens == written.tokens
        if len(examples) < 10:
            examples.append({"written": written.text, "tesseract": text, "ours": read.recognition.text})

    tesseract = {"exact_match": right / spec.count, "ms_per_expression": 1000 * float(np.mean(seconds))}
    results = {
        "expressions": spec.count,
        "ours": {"exact_match": ours.exact_match, "ms_per_expression": ours.latency_ms()["mean"]},
        "tesseract": tesseract,
        "examples": examples,
        "machine": machine(),
    }
    results["ratios"] = {
        "exact_match_ours_over_tesseract": ratio(results["ours"]["exact_match"], tesseract["exact_match"]),
        "time_ours_over_tesseract": ratio(results["ours"]["ms_per_expression"], tesseract["ms_per_expression"]),
    }
    out = write_json(workspace.root / "reports" / "benchmarks" / "aircalc.json", results)
    print(f"wrote {out}")
    for name in ("ours", "tesseract"):
        print(f"{name:>9}: exact match {results[name]['exact_match']:.2%}, {results[name]['ms_per_expression']:.1f} ms")


if __name__ == "__main__":
    main()
