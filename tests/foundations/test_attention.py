"""Attention (48-53), the causal mask (§3.15.8) and the pre-LN transformer block (Fig. 12) against Keras."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from redes.foundations.attention import (
    causal_mask,
    multi_head_attention,
    scaled_dot_product_attention,
    self_attention,
    transformer_block,
)
from redes.foundations.attention_checks import (
    CAUSAL_INDEPENDENCE_TOLERANCE,
    KERAS_FLOAT32_TOLERANCE,
    attention_checks,
    causal_attention_example,
    random_multi_head_attention_weights,
    random_transformer_block_weights,
)
from redes.foundations.checks import Check
from redes.foundations.params import AttentionParams

EXPECTED_CHECKS = {
    "attention_single_head": ("(48-50)", KERAS_FLOAT32_TOLERANCE),
    "attention_multi_head": ("(51-53)", KERAS_FLOAT32_TOLERANCE),
    "attention_causal_mask": ("§3.15.8", KERAS_FLOAT32_TOLERANCE),
    "attention_transformer_block": ("Fig. 12", KERAS_FLOAT32_TOLERANCE),
    "attention_causal_independence": ("§3.15.8", CAUSAL_INDEPENDENCE_TOLERANCE),
}

# d_k = d_model / h in the first, d_k ≠ d_model / h in the second: the Keras kernel mapping must hold for both.
CHECK_SIZES = [
    {"batch_size": 2, "sequence_length": 6, "model_size": 16, "heads": 4, "key_size": 4, "mlp_size": 32},
    {"batch_size": 3, "sequence_length": 5, "model_size": 6, "heads": 2, "key_size": 5, "mlp_size": 12},
]
# The sizes of the heatmap example; batch_size and mlp_size play no part in it.
EXAMPLE_SIZES = {"batch_size": 1, "sequence_length": 4, "model_size": 4, "heads": 2, "key_size": 2, "mlp_size": 1}


@pytest.fixture(scope="module", params=list(enumerate(CHECK_SIZES)), ids=["even_heads", "free_key_size"])
def checks(request: pytest.FixtureRequest) -> dict[str, Check]:
    seed, sizes = request.param
    return {check.name: check for check in attention_checks(AttentionParams(**sizes), seed)}


def test_checks_are_the_expected_ones(checks: dict[str, Check]) -> None:
    assert set(checks) == set(EXPECTED_CHECKS)
    for name, (equation, tolerance) in EXPECTED_CHECKS.items():
        assert checks[name].equation == equation
        assert checks[name].tolerance == tolerance


@pytest.mark.parametrize("name", EXPECTED_CHECKS)
def test_each_check_is_within_its_tolerance(checks: dict[str, Check], name: str) -> None:
    check = checks[name]
    assert check.max_rel_error <= EXPECTED_CHECKS[name][1], f"{name}: {check.max_rel_error:.3e}"
    assert check.passed


def test_single_token_with_causal_mask_attends_to_itself_only() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 1, 6))
    query_weights, key_weights, value_weights = (rng.standard_normal((6, 4)) for _ in range(3))
    output, weights = self_attention(x, query_weights, key_weights, value_weights, causal=True)
    assert weights.shape == (2, 1, 1)
    assert np.all(weights == 1.0)
    np.testing.assert_array_equal(output, x @ value_weights)

    attention = random_multi_head_attention_weights(model_size=6, heads=3, key_size=2, rng=rng)
    output, weights = multi_head_attention(x, attention, causal=True)
    assert weights.shape == (2, 3, 1, 1)
    assert np.all(weights == 1.0)
    value_heads = np.einsum("bnd,hdk->bnhk", x, attention.value_weights) + attention.value_biases
    value_projection = value_heads.reshape(2, 1, 6) @ attention.output_weights + attention.output_biases
    np.testing.assert_allclose(output, value_projection, rtol=1e-14, atol=0.0)


def test_causal_weights_are_exactly_zero_above_the_diagonal_and_rows_sum_to_one() -> None:
    params = AttentionParams(**{**EXAMPLE_SIZES, "sequence_length": 7, "model_size": 8, "key_size": 4})
    weights = causal_attention_example(params, seed=0)
    assert weights.shape == (2, 7, 7)
    above_diagonal = ~causal_mask(7)
    assert np.all(weights[:, above_diagonal] == 0.0)
    assert np.all(weights[:, ~above_diagonal] > 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0.0, atol=1e-12)


def test_causal_attention_example_is_reproducible_from_its_seed() -> None:
    params = AttentionParams(**EXAMPLE_SIZES)
    first = causal_attention_example(params, seed=5)
    np.testing.assert_array_equal(first, causal_attention_example(params, seed=5))
    assert not np.array_equal(first, causal_attention_example(params, seed=6))


def test_without_the_mask_later_tokens_reach_earlier_outputs() -> None:
    """The causal independence check would see a leak: without the mask, position 0 moves."""
    rng = np.random.default_rng(4)
    weights = random_transformer_block_weights(model_size=8, heads=2, key_size=4, mlp_size=16, rng=rng)
    x = rng.standard_normal((1, 5, 8))
    perturbed = x.copy()
    perturbed[:, 1:] = rng.standard_normal((1, 4, 8))
    unmasked_change = (
        transformer_block(perturbed, weights, causal=False)[:, 0] - transformer_block(x, weights, causal=False)[:, 0]
    )
    masked_change = (
        transformer_block(perturbed, weights, causal=True)[:, 0] - transformer_block(x, weights, causal=True)[:, 0]
    )
    assert np.max(np.abs(unmasked_change)) > 1e-3
    assert np.all(masked_change == 0.0)


def test_attention_weights_are_a_softmax_of_scaled_scores() -> None:
    """(49) by hand on one row: weights ∝ exp(q·k_j / √d_k)."""
    queries = np.array([[1.0, 0.0, 2.0, 0.0]])
    keys = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    values = np.eye(3)
    output, weights = scaled_dot_product_attention(queries, keys, values, causal=False)
    expected = np.exp(np.array([1.0, 2.0, 0.0]) / 2.0)
    expected /= expected.sum()
    np.testing.assert_allclose(weights[0], expected, rtol=1e-15)
    np.testing.assert_allclose(output[0], expected, rtol=1e-15)


def test_model_size_not_divisible_by_heads_is_rejected() -> None:
    with pytest.raises(ValueError, match="not divisible"):
        AttentionParams(batch_size=1, sequence_length=3, model_size=6, heads=4, key_size=2, mlp_size=8)


@pytest.mark.parametrize("size", ["batch_size", "sequence_length", "model_size", "heads", "key_size", "mlp_size"])
def test_non_positive_sizes_are_rejected(size: str) -> None:
    sizes = {**CHECK_SIZES[0], size: 0}
    with pytest.raises(ValueError, match=size):
        AttentionParams(**sizes)


def test_bad_shapes_are_rejected() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4))
    square = rng.standard_normal((4, 4))
    with pytest.raises(ValueError, match="query weights"):
        self_attention(x, rng.standard_normal((5, 4)), square, square, causal=False)
    with pytest.raises(ValueError, match="tokens must be"):
        self_attention(np.ones(4), square, square, square, causal=False)
    with pytest.raises(ValueError, match="key size"):
        scaled_dot_product_attention(np.ones((3, 4)), np.ones((3, 2)), np.ones((3, 2)), causal=False)
    with pytest.raises(ValueError, match="same length"):
        scaled_dot_product_attention(np.ones((3, 4)), np.ones((3, 4)), np.ones((2, 4)), causal=False)
    with pytest.raises(ValueError, match="as many queries as keys"):
        scaled_dot_product_attention(np.ones((2, 4)), np.ones((3, 4)), np.ones((3, 4)), causal=True)

    attention = random_multi_head_attention_weights(model_size=4, heads=2, key_size=2, rng=rng)
    with pytest.raises(ValueError, match="d_model = 4"):
        multi_head_attention(rng.standard_normal((2, 3, 5)), attention, causal=False)
    with pytest.raises(ValueError, match="output_weights"):
        dataclasses.replace(attention, output_weights=np.ones((4, 5)))
    with pytest.raises(ValueError, match="key_biases"):
        dataclasses.replace(attention, key_biases=np.ones((2, 3)))

    block = random_transformer_block_weights(model_size=4, heads=2, key_size=2, mlp_size=6, rng=rng)
    with pytest.raises(ValueError, match="hidden weights"):
        dataclasses.replace(block, hidden_weights=np.ones((5, 6)))
    with pytest.raises(ValueError, match="mlp_norm_shift"):
        dataclasses.replace(block, mlp_norm_shift=np.ones(3))
    with pytest.raises(ValueError, match="sequence_length"):
        causal_mask(0)
