"""Self-attention (48-53), the causal mask (§3.15.8) and the transformer block (Fig. 12), in NumPy.

Single-head scaled dot-product attention (48-50) projects the tokens X (n, d_model) to
Q = X W_q, K = X W_k, V = X W_v and mixes the values with the row-wise softmax weights
A = softmax(Q Kᵀ / sqrt(d_k)). Multi-head attention (51-53) runs h such heads, each with its
own projections and biases, concatenates their outputs and projects them back with W_o.
The causal mask lets position n attend only to positions ≤ n: the masked scores are set to
-∞, so their softmax weight is exactly 0 and nothing after n can reach the output at n.

Sequences sit on the second-to-last axis and features on the last, any leading axes being
batch axes; attention weights come out as (..., heads, n, n), Keras' layout. Every head has
value size = key size (d_v = d_k), as keras.layers.MultiHeadAttention by default.
`attention_checks.py` compares all of it with Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from redes.foundations.activations import gelu, softmax
from redes.foundations.normalization import layer_norm

Array = np.ndarray

# ε of both LayerNorms of the block (keras.layers.LayerNormalization's default is 1e-3).
LAYER_NORM_EPSILON = 1e-5


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


def _tokens(x: Array) -> Array:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"tokens must be (..., sequence_length, model_size), got shape {x.shape}")
    return x
