"""The attention of `attention.py` against keras.layers.MultiHeadAttention and a Keras transformer block.

Keras runs in float32; our side runs in float64 on the same float32-representable tokens and
weights, so a difference is Keras' rounding alone, and a weight mapped to the wrong place in
Keras' kernels fails a check. Causality is checked in float64 on our side alone: redrawing the
tokens after position n must not move the output at n. `causal_attention_example` draws the
causal weights the report's heatmap shows.
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np

from redes.foundations.attention import (
    LAYER_NORM_EPSILON,
    MultiHeadAttentionWeights,
    TransformerBlockWeights,
    multi_head_attention,
    self_attention,
    transformer_block,
)
from redes.foundations.checks import Check, compare, float32_exact, require_positive
from redes.foundations.params import AttentionParams

Array = np.ndarray

# Keras computes in float32 (unit roundoff 6e-8); the projections, the softmax and the MLP sum
# a few dozen products each, which loses a few ulps, two orders of magnitude below this.
KERAS_FLOAT32_TOLERANCE = 1e-5

# Both sides in float64 and a masked weight exactly 0, so the output before n should not move
# at all; this only leaves room for round-off, should a BLAS ever sum in a data-dependent order.
CAUSAL_INDEPENDENCE_TOLERANCE = 1e-12

# Size of the random biases and of the LayerNorm γ - 1 and β: small next to the projections, but
# far from zero so a bias mapped to the wrong place in Keras shows up.
PARAMETER_OFFSET_SCALE = 0.1


def random_multi_head_attention_weights(
    model_size: int, heads: int, key_size: int, rng: np.random.Generator
) -> MultiHeadAttentionWeights:
    """Gaussian W with variance 1/fan_in, so the scores are of order 1, and small Gaussian biases.

    Values are rounded to float32 so that Keras, which computes in float32, receives exactly the
    same weights and a check measures only its arithmetic.
    """
    require_positive(model_size=model_size, heads=heads, key_size=key_size)
    projection_shape = (heads, model_size, key_size)
    return MultiHeadAttentionWeights(
        query_weights=_random_weights(rng, projection_shape, model_size),
        query_biases=_random_offsets(rng, (heads, key_size)),
        key_weights=_random_weights(rng, projection_shape, model_size),
        key_biases=_random_offsets(rng, (heads, key_size)),
        value_weights=_random_weights(rng, projection_shape, model_size),
        value_biases=_random_offsets(rng, (heads, key_size)),
        output_weights=_random_weights(rng, (heads * key_size, model_size), heads * key_size),
        output_biases=_random_offsets(rng, (model_size,)),
    )


def random_transformer_block_weights(
    model_size: int, heads: int, key_size: int, mlp_size: int, rng: np.random.Generator
) -> TransformerBlockWeights:
    """Random block parameters, float32-representable like `random_multi_head_attention_weights`."""
    require_positive(mlp_size=mlp_size)
    return TransformerBlockWeights(
        attention=random_multi_head_attention_weights(model_size, heads, key_size, rng),
        attention_norm_scale=_random_offsets(rng, (model_size,), center=1.0),
        attention_norm_shift=_random_offsets(rng, (model_size,)),
        mlp_norm_scale=_random_offsets(rng, (model_size,), center=1.0),
        mlp_norm_shift=_random_offsets(rng, (model_size,)),
        hidden_weights=_random_weights(rng, (model_size, mlp_size), model_size),
        hidden_biases=_random_offsets(rng, (mlp_size,)),
        output_weights=_random_weights(rng, (mlp_size, model_size), mlp_size),
        output_biases=_random_offsets(rng, (model_size,)),
    )


def causal_attention_example(params: AttentionParams, seed: int) -> Array:
    """Causal attention weights (heads, n, n) of one random sequence under random weights, for a heatmap."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((params.sequence_length, params.model_size))
    weights = random_multi_head_attention_weights(params.model_size, params.heads, params.key_size, rng)
    _, attention_weights = multi_head_attention(x, weights, causal=True)
    return attention_weights


def attention_checks(params: AttentionParams, seed: int) -> list[Check]:
    """Single-head, multi-head and causal attention and the Fig. 12 block against Keras, and causality in float64."""
    rng = np.random.default_rng(seed)
    x = float32_exact(rng.standard_normal((params.batch_size, params.sequence_length, params.model_size)))
    block = random_transformer_block_weights(params.model_size, params.heads, params.key_size, params.mlp_size, rng)
    return [
        _single_head_check(x, rng, params.key_size),
        _multi_head_check(x, block.attention, causal=False),
        _multi_head_check(x, block.attention, causal=True),
        _transformer_block_check(x, block),
        _causal_independence_check(x, block, rng),
    ]


def _single_head_check(x: Array, rng: np.random.Generator, key_size: int) -> Check:
    model_size = x.shape[-1]
    query_weights, key_weights, value_weights = (
        _random_weights(rng, (model_size, key_size), model_size) for _ in range(3)
    )
    ours, our_weights = self_attention(x, query_weights, key_weights, value_weights, causal=False)
    # (48-50) have neither biases nor an output projection: Keras' are switched off and W_o = I (d_k, d_k).
    layer = keras.layers.MultiHeadAttention(
        num_heads=1, key_dim=key_size, use_bias=False, output_shape=key_size, dtype="float32"
    )
    layer(x.astype(np.float32), x.astype(np.float32))
    # Keras' projection kernels are (d_model, heads, key_dim): our W (d_model, d_k) with a heads axis of 1.
    layer.query_dense.set_weights([query_weights[:, np.newaxis, :].astype(np.float32)])
    layer.key_dense.set_weights([key_weights[:, np.newaxis, :].astype(np.float32)])
    layer.value_dense.set_weights([value_weights[:, np.newaxis, :].astype(np.float32)])
    layer.output_dense.set_weights([np.eye(key_size, dtype=np.float32)[np.newaxis]])
    theirs, their_weights, theirs_fused = _keras_attention(layer, x, causal=False)
    return compare(
        "attention_single_head",
        "(48-50)",
        "single-head self-attention output and weights softmax(QKᵀ/√d_k) vs Keras (1 head, no biases, W_o = I)",
        "keras.layers.MultiHeadAttention(num_heads=1), float32",
        [(ours, theirs), (ours, theirs_fused), (our_weights, their_weights[:, 0])],
        KERAS_FLOAT32_TOLERANCE,
    )


def _multi_head_check(x: Array, weights: MultiHeadAttentionWeights, causal: bool) -> Check:
    ours, our_weights = multi_head_attention(x, weights, causal)
    layer = _keras_multi_head_attention(weights)
    layer(x.astype(np.float32), x.astype(np.float32))
    _set_keras_attention_weights(layer, weights)
    theirs, their_weights, theirs_fused = _keras_attention(layer, x, causal)
    pairs = [(ours, theirs), (ours, theirs_fused), (our_weights, their_weights)]
    if causal:
        return compare(
            "attention_causal_mask",
            "§3.15.8",
            "causal multi-head self-attention output and weights vs Keras with use_causal_mask=True",
            "keras.layers.MultiHeadAttention(use_causal_mask=True), float32",
            pairs,
            KERAS_FLOAT32_TOLERANCE,
        )
    return compare(
        "attention_multi_head",
        "(51-53)",
        "multi-head self-attention (h heads, biases, output projection) output and weights vs Keras",
        "keras.layers.MultiHeadAttention, float32",
        pairs,
        KERAS_FLOAT32_TOLERANCE,
    )


def _transformer_block_check(x: Array, weights: TransformerBlockWeights) -> Check:
    pairs = []
    for causal in (False, True):
        model = _keras_transformer_block(weights, x.shape[-2], causal)
        theirs = keras.ops.convert_to_numpy(model(x.astype(np.float32), training=False))
        pairs.append((transformer_block(x, weights, causal), theirs))
    return compare(
        "attention_transformer_block",
        "Fig. 12",
        "pre-LN transformer block x + MHSA(LN(x)), x + MLP_GELU(LN(x)), without and with the causal mask, vs Keras",
        "Keras functional LayerNormalization, MultiHeadAttention, Dense(gelu exact), Add; float32",
        pairs,
        KERAS_FLOAT32_TOLERANCE,
    )


def _causal_independence_check(x: Array, weights: TransformerBlockWeights, rng: np.random.Generator) -> Check:
    pairs = []
    for layer_output in (
        lambda tokens: multi_head_attention(tokens, weights.attention, causal=True)[0],
        lambda tokens: transformer_block(tokens, weights, causal=True),
    ):
        output = layer_output(x)
        scale = np.max(np.abs(output))
        for position in range(x.shape[-2]):
            perturbed = x.copy()
            perturbed[:, position + 1 :] = rng.standard_normal(perturbed[:, position + 1 :].shape)
            change = layer_output(perturbed)[:, : position + 1] - output[:, : position + 1]
            # The reference is "no change": against zeros `compare` reports the absolute change, so it
            # is given here in units of max|output|.
            pairs.append((change / scale, np.zeros_like(change)))
    return compare(
        "attention_causal_independence",
        "§3.15.8",
        "max change of the output at positions ≤ n when every token after n is redrawn, over max|output|",
        "no change (exact causality), float64",
        pairs,
        CAUSAL_INDEPENDENCE_TOLERANCE,
    )


def _keras_multi_head_attention(weights: MultiHeadAttentionWeights) -> keras.layers.MultiHeadAttention:
    return keras.layers.MultiHeadAttention(num_heads=weights.heads, key_dim=weights.key_size, dtype="float32")


def _set_keras_attention_weights(layer: keras.layers.MultiHeadAttention, weights: MultiHeadAttentionWeights) -> None:
    """Our weights into a built Keras layer.

    Keras' query/key/value kernels are (d_model, heads, key_dim) with biases (heads, key_dim): ours
    (heads, d_model, d_k) with the first two axes swapped. Its output kernel is (heads, value_dim,
    d_model): our W_o (h·d_k, d_model) cut into the h blocks of rows that each head's output meets.
    """
    for dense, projection, bias in (
        (layer.query_dense, weights.query_weights, weights.query_biases),
        (layer.key_dense, weights.key_weights, weights.key_biases),
        (layer.value_dense, weights.value_weights, weights.value_biases),
    ):
        dense.set_weights([np.transpose(projection, (1, 0, 2)).astype(np.float32), bias.astype(np.float32)])
    output_kernel = weights.output_weights.reshape(weights.heads, weights.key_size, weights.model_size)
    layer.output_dense.set_weights([output_kernel.astype(np.float32), weights.output_biases.astype(np.float32)])


def _keras_attention(layer: keras.layers.MultiHeadAttention, x: Array, causal: bool) -> tuple[Array, Array, Array]:
    """(output, weights) from Keras' explicit-softmax path, and the output of its fused dot_product_attention path.

    Keras only materialises the weights when asked for them, and otherwise runs a different kernel,
    so both are compared.
    """
    tokens = x.astype(np.float32)
    output, attention_weights = layer(
        tokens, tokens, return_attention_scores=True, use_causal_mask=causal, training=False
    )
    fused_output = layer(tokens, tokens, use_causal_mask=causal, training=False)
    return tuple(keras.ops.convert_to_numpy(array) for array in (output, attention_weights, fused_output))


def _keras_transformer_block(weights: TransformerBlockWeights, sequence_length: int, causal: bool) -> keras.Model:
    model_size = weights.attention.model_size
    mlp_size = np.shape(weights.hidden_weights)[1]
    inputs = keras.Input(shape=(sequence_length, model_size), dtype="float32")
    attention_norm = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, dtype="float32")
    attention = _keras_multi_head_attention(weights.attention)
    mlp_norm = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, dtype="float32")
    exact_gelu = functools.partial(keras.activations.gelu, approximate=False)
    hidden_layer = keras.layers.Dense(mlp_size, activation=exact_gelu, dtype="float32")
    output_layer = keras.layers.Dense(model_size, dtype="float32")
    normalized = attention_norm(inputs)
    residual = keras.layers.Add(dtype="float32")([inputs, attention(normalized, normalized, use_causal_mask=causal)])
    mlp_output = output_layer(hidden_layer(mlp_norm(residual)))
    model = keras.Model(inputs, keras.layers.Add(dtype="float32")([residual, mlp_output]))
    attention_norm.set_weights(_float32_list(weights.attention_norm_scale, weights.attention_norm_shift))
    _set_keras_attention_weights(attention, weights.attention)
    mlp_norm.set_weights(_float32_list(weights.mlp_norm_scale, weights.mlp_norm_shift))
    hidden_layer.set_weights(_float32_list(weights.hidden_weights, weights.hidden_biases))
    output_layer.set_weights(_float32_list(weights.output_weights, weights.output_biases))
    return model


def _random_weights(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> Array:
    return float32_exact(rng.standard_normal(shape) / math.sqrt(fan_in))


def _random_offsets(rng: np.random.Generator, shape: tuple[int, ...], center: float = 0.0) -> Array:
    return float32_exact(center + PARAMETER_OFFSET_SCALE * rng.standard_normal(shape))


def _float32_list(*arrays: Array) -> list[Array]:
    return [np.asarray(array, dtype=np.float32) for array in arrays]
