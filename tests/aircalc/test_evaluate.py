"""AirCalc's scores: symbols one by one and composed expressions read end to end, with the tiny recogniser."""

from __future__ import annotations

import numpy as np

from redes.aircalc.data import AircalcSplits
from redes.aircalc.evaluate import pools_of_test_split, score_expressions, score_symbols
from redes.aircalc.recognize import Recognizer
from redes.aircalc.symbols import CLASS_INDEX, TOKENS
from tests.helpers.aircalc import synthetic_pools


def _test_split_only(pools: dict[str, list[np.ndarray]]) -> AircalcSplits:
    x = np.stack([image for images in pools.values() for image in images])[..., np.newaxis]
    y = np.array([CLASS_INDEX[token] for token, images in pools.items() for _ in images], dtype=np.uint8)
    forms = np.array(
        ["digit" if token.isdigit() else f"form-{token}" for token, images in pools.items() for _ in images]
    )
    empty = np.zeros((0, 28, 28, 1), np.float32)
    no_labels = np.zeros(0, np.uint8)
    return AircalcSplits(empty, no_labels, forms[:0], empty, no_labels, forms[:0], x, y, forms)


def test_symbol_and_expression_scores_agree_with_a_recount(recognizer: Recognizer) -> None:
    splits = _test_split_only(synthetic_pools(6, seed=11))
    scores = score_symbols(recognizer, splits)
    predicted = recognizer.model.predict(splits.x_test, verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(scores.predictions, predicted)
    report = scores.to_dict()
    assert report["test_accuracy"] == np.mean(predicted == splits.y_test)
    assert set(scores.per_class_recall) == set(TOKENS)  # every class has test images here
    assert scores.per_form_recall["form-+"] == scores.per_class_recall["+"]
    tables = scores.recall_tables()
    assert list(tables["per_class_recall.csv"]["symbol"]) == list(TOKENS)
    assert tables["per_form_recall.csv"].set_index("form")["recall"].to_dict() == scores.per_form_recall

    pools = pools_of_test_split(splits)
    assert sum(len(images) for images in pools.values()) == len(splits.y_test)
    expressions = score_expressions(recognizer, pools, count=12, seed=3, min_symbols=3, max_symbols=7)
    exact = sum(r.recognition.text == r.written.text for r in expressions.read)
    assert expressions.count == 12 and expressions.exact_match == exact / 12
    assert expressions.value_accuracy <= expressions.exact_match  # every right value here came from a right reading
    assert 0 < expressions.symbol_accuracy <= 1
    assert len(expressions.failures()) == sum(not (r.exact and r.value_right) for r in expressions.read)
    latency = expressions.latency_ms()
    assert 0 < latency["median"] <= latency["p95"]
    assert expressions.to_dict() == {
        "exact_match": expressions.exact_match,
        "value_accuracy": expressions.value_accuracy,
        "symbol_accuracy_in_context": expressions.symbol_accuracy,
    }
