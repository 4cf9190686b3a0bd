"""Self-attention (48-53), the causal mask (§3.15.8) and the transformer block (Fig. 12), checked against Keras.

Single-head scaled dot-product attention (48-50) projects the tokens X (n, d_model) to
Q = X W_q, K = X W_k, V = X W_v and mixes the values with the row-wise softmax weights
A = softmax(Q Kᵀ / sqrt(d_k)). Multi-head attention (51-53) runs h such heads, each with its
own projections and biases, concatenates their outputs and projects them back with W_o.
The causal mask lets position n attend only to positions ≤ n: the masked scores are set to
-∞, so their softmax weight is exactly 0 and nothing after n can reach the output at n.

Sequences sit on the second-to-last axis and features on the last, any leading axes being
batch axes; attention weights come out as (..., heads, n, n), Keras' layout. Every head has
value size = key size (d_v = d_k), as keras.layers.MultiHeadAttention by default.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import keras
import numpy as np

from redes.foundations.activations import gelu, softmax
from redes.foundations.checks import Check, compare, float32_exact, require_positive
from redes.foundations.normalization import layer_norm

Array = np.ndarray

# Keras computes in float32 (unit roundoff 6e-8); the projections, the softmax and the MLP sum
# a few dozen products each, which loses a few ulps, two orders of magnitude below this.
KERAS_FLOAT32_TOLERANCE = 1e-5

# Both sides in float64 and a masked weight exactly 0, so the output before n should not move
# at all; this only leaves room for round-off, should a BLAS ever sum in a data-dependent order.
CAUSAL_INDEPENDENCE_TOLERANCE = 1e-12

# ε of both LayerNorms of the block, given to keras.layers.LayerNormalization too (its default is 1e-3).
LAYER_NORM_EPSILON = 1e-5

# Size of the random biases and of the LayerNorm γ - 1 and β: small next to the projections, but
# far from zero so a bias mapped to the wrong place in Keras shows up.
PARAMETER_OFFSET_SCALE = 0.1


def causal_mask(sequence_length: int) -> Array:
    """Boolean (n, n), True where query position i may attend to key position j, i.e. j ≤ i (§3.15.8)."""
    if sequence_length < 1:
        raise ValueError(f"sequence_length must be at least 1, got {sequence_length}")
    return np.tril(np.ones((sequence_length, sequence_length), dtype=bool))


def scaled_dot_product_attention(queries: Array, keys: Array, values: Array, causal: bool) -> tuple[Array, Array]:
    """A = softmax(Q Kᵀ / sqrt(d_k)) row-wise and the output A V (49-50); returns (output, A).

    `queries` is (..., n_q, d_k), `keys` (..., n_k, d_k), `values` (..., n_k, d_v). With `causal`,
    scores above the diagonal become -∞ (§3.15.8), which the softmax turns into weights of exactly 0.
    """
    queries = np.asarray(queries, dtype=np.float64)
    keys = np.asarray(keys, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if queries.ndim < 2 or keys.ndim < 2 or values.ndim < 2:
        raise ValueError("queries, keys and values need a sequence axis and a feature axis")
    if queries.shape[-1] != keys.shape[-1]:
        raise ValueError(f"queries and keys must share the key size d_k, got {queries.shape} and {keys.shape}")
    if keys.shape[-2] != values.shape[-2]:
        raise ValueError(f"keys and values must have the same length, got {keys.shape} and {values.shape}")
    scores = queries @ np.swapaxes(keys, -1, -2) / math.sqrt(queries.shape[-1])
    if causal:
        if queries.shape[-2] != keys.shape[-2]:
            raise ValueError(
                f"the causal mask needs as many queries as keys (self-attention), got {queries.shape[-2]} "
                f"and {keys.shape[-2]}"
            )
        # The diagonal is never masked, so each row keeps a finite maximum and softmax's shift stays finite.
        scores = np.where(causal_mask(queries.shape[-2]), scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return weights @ values, weights


def self_attention(
    x: Array, query_weights: Array, key_weights: Array, value_weights: Array, causal: bool
) -> tuple[Array, Array]:
    """Single-head self-attention (48-50): Q = X W_q, K = X W_k, V = X W_v, output A V; returns (output, A).

    `x` is (..., n, d_model); W_q and W_k are (d_model, d_k), W_v is (d_model, d_v); A is (..., n, n).
    """
    x = _tokens(x)
    model_size = x.shape[-1]
    for name, weights in (("query", query_weights), ("key", key_weights), ("value", value_weights)):
        if np.ndim(weights) != 2 or np.shape(weights)[0] != model_size:
            raise ValueError(f"{name} weights must be (d_model={model_size}, size), got shape {np.shape(weights)}")
    return scaled_dot_product_attention(x @ query_weights, x @ key_weights, x @ value_weights, causal)


@dataclass(frozen=True)
class MultiHeadAttentionWeights:
    """W_q^i, W_k^i, W_v^i and their biases for heads i = 1..h, and W_o, b_o acting on the concatenation (51-53)."""

    query_weights: Array  # (heads, model_size, key_size)
    query_biases: Array  # (heads, key_size)
    key_weights: Array  # (heads, model_size, key_size)
    key_biases: Array  # (heads, key_size)
    value_weights: Array  # (heads, model_size, key_size)
    value_biases: Array  # (heads, key_size)
    output_weights: Array  # (heads · key_size, model_size), rows head by head as the heads are concatenated
    output_biases: Array  # (model_size,)

    def __post_init__(self) -> None:
        if np.ndim(self.query_weights) != 3:
            raise ValueError(f"query weights must be (heads, model_size, key_size), got {np.shape(self.query_weights)}")
        heads, model_size, key_size = np.shape(self.query_weights)
        expected = {
            "query_biases": (heads, key_size),
            "key_weights": (heads, model_size, key_size),
            "key_biases": (heads, key_size),
            "value_weights": (heads, model_size, key_size),
            "value_biases": (heads, key_size),
            "output_weights": (heads * key_size, model_size),
            "output_biases": (model_size,),
        }
        for name, shape in expected.items():
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(f"{name} must have shape {shape}, got {np.shape(getattr(self, name))}")

    @property
    def heads(self) -> int:
        return int(np.shape(self.query_weights)[0])

    @property
    def model_size(self) -> int:
        return int(np.shape(self.query_weights)[1])

    @property
    def key_size(self) -> int:
        return int(np.shape(self.query_weights)[2])


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


def multi_head_attention(x: Array, weights: MultiHeadAttentionWeights, causal: bool) -> tuple[Array, Array]:
    """Multi-head self-attention (51-53): Concat(head_1, ..., head_h) W_o + b_o; returns (output, A).

    head_i is the attention (49-50) of Q_i = X W_q^i + b_q^i, K_i = X W_k^i + b_k^i,
    V_i = X W_v^i + b_v^i. `x` is (..., n, d_model); the output is (..., n, d_model) and the
    weights A are (..., heads, n, n).
    """
    x = _tokens(x)
    if x.shape[-1] != weights.model_size:
        raise ValueError(f"tokens have {x.shape[-1]} features, the weights expect d_model = {weights.model_size}")
    queries, keys, values = (
        np.einsum("...nd,hdk->...hnk", x, projection) + bias[:, np.newaxis, :]
        for projection, bias in (
            (weights.query_weights, weights.query_biases),
            (weights.key_weights, weights.key_biases),
            (weights.value_weights, weights.value_biases),
        )
    )
    head_outputs, attention_weights = scaled_dot_product_attention(queries, keys, values, causal)
    # (..., h, n, d_k) -> (..., n, h·d_k): head i fills columns i·d_k to (i+1)·d_k, the rows of W_o it meets.
    concatenated = np.moveaxis(head_outputs, -3, -2).reshape(*x.shape[:-1], weights.heads * weights.key_size)
    return concatenated @ weights.output_weights + weights.output_biases, attention_weights


@dataclass(frozen=True)
class TransformerBlockWeights:
    """Parameters of the Fig. 12 block: the attention, two LayerNorms (γ, β) and the two-layer GELU MLP."""

    attention: MultiHeadAttentionWeights
    attention_norm_scale: Array  # γ of the LayerNorm before the attention, (model_size,)
    attention_norm_shift: Array  # β, (model_size,)
    mlp_norm_scale: Array  # γ of the LayerNorm before the MLP, (model_size,)
    mlp_norm_shift: Array  # β, (model_size,)
    hidden_weights: Array  # (model_size, mlp_size)
    hidden_biases: Array  # (mlp_size,)
    output_weights: Array  # (mlp_size, model_size)
    output_biases: Array  # (model_size,)

    def __post_init__(self) -> None:
        model_size = self.attention.model_size
        if np.ndim(self.hidden_weights) != 2 or np.shape(self.hidden_weights)[0] != model_size:
            raise ValueError(
                f"hidden weights must be (model_size={model_size}, mlp_size), got {np.shape(self.hidden_weights)}"
            )
        mlp_size = np.shape(self.hidden_weights)[1]
        expected = {
            "attention_norm_scale": (model_size,),
            "attention_norm_shift": (model_size,),
            "mlp_norm_scale": (model_size,),
            "mlp_norm_shift": (model_size,),
            "hidden_biases": (mlp_size,),
            "output_weights": (mlp_size, model_size),
            "output_biases": (model_size,),
        }
        for name, shape in expected.items():
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(f"{name} must have shape {shape}, got {np.shape(getattr(self, name))}")


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


def transformer_block(x: Array, weights: TransformerBlockWeights, causal: bool) -> Array:
    """The transformer block of Fig. 12 in its pre-LN arrangement: LayerNorm before each sublayer.

    x ← x + MHSA(LN₁(x)), then x ← x + MLP(LN₂(x)) with MLP(z) = GELU(z W₁ + b₁) W₂ + b₂
    (exact, erf-based GELU); the residual path itself is never normalised. `x` is (..., n, d_model).
    """
    attended, _ = multi_head_attention(
        layer_norm(x, weights.attention_norm_scale, weights.attention_norm_shift, LAYER_NORM_EPSILON),
        weights.attention,
        causal,
    )
    x = _tokens(x) + attended
    normalized = layer_norm(x, weights.mlp_norm_scale, weights.mlp_norm_shift, LAYER_NORM_EPSILON)
    hidden = gelu(normalized @ weights.hidden_weights + weights.hidden_biases)
    return x + hidden @ weights.output_weights + weights.output_biases


def causal_attention_example(seed: int, sequence_length: int, model_size: int, heads: int, key_size: int) -> Array:
    """Causal attention weights (heads, n, n) of one random sequence under random weights, for a heatmap."""
    _require_sizes(sequence_length=sequence_length, model_size=model_size, heads=heads, key_size=key_size)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((sequence_length, model_size))
    _, attention_weights = multi_head_attention(
        x, random_multi_head_attention_weights(model_size, heads, key_size, rng), causal=True
    )
    return attention_weights


def attention_checks(
    seed: int, batch_size: int, sequence_length: int, model_size: int, heads: int, key_size: int, mlp_size: int
) -> list[Check]:
    """Single-head, multi-head and causal attention and the Fig. 12 block against Keras, and causality in float64."""
    _require_sizes(
        batch_size=batch_size,
        sequence_length=sequence_length,
        model_size=model_size,
        heads=heads,
        key_size=key_size,
        mlp_size=mlp_size,
    )
    rng = np.random.default_rng(seed)
    x = float32_exact(rng.standard_normal((batch_size, sequence_length, model_size)))
    block = random_transformer_block_weights(model_size, heads, key_size, mlp_size, rng)
    return [
        _single_head_check(x, rng, key_size),
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


def _tokens(x: Array) -> Array:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"tokens must be (..., sequence_length, model_size), got shape {x.shape}")
    return x


def _random_weights(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> Array:
    return float32_exact(rng.standard_normal(shape) / math.sqrt(fan_in))


def _random_offsets(rng: np.random.Generator, shape: tuple[int, ...], center: float = 0.0) -> Array:
    return float32_exact(center + PARAMETER_OFFSET_SCALE * rng.standard_normal(shape))


def _float32_list(*arrays: Array) -> list[Array]:
    return [np.asarray(array, dtype=np.float32) for array in arrays]


def _require_sizes(model_size: int, heads: int, **sizes: int) -> None:
    """Positive sizes, and d_model split evenly among the heads as the notes do.

    The key size (Keras' key_dim) stays free, so the weight mapping is also checked with d_k ≠ d_model / h.
    """
    require_positive(model_size=model_size, heads=heads, **sizes)
    if model_size % heads:
        raise ValueError(f"model_size {model_size} is not divisible by heads {heads}")
