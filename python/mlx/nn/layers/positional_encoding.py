"""Positional encodings: rotary (RoPE), sinusoidal, and ALiBi biases."""

import math
from typing import Optional

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["RoPE", "SinusoidalPositionalEncoding", "ALiBi"]


class RoPE(Module):
    """Rotary positional encoding of the first dims features (mx.fast.rope).

    traditional rotates consecutive pairs; the default rotates feature i
    with feature i + dims/2. Positions are multiplied by scale; frequencies
    are base ** (-2i / dims)."""

    def __init__(self, dims: int, traditional: bool = False, base: float = 10000, scale: float = 1.0):
        super().__init__()
        if not isinstance(dims, int) or dims <= 0 or dims % 2:
            raise ValueError(f"[RoPE] dims must be a positive even integer; got {dims!r}.")
        self.dims = dims
        self.traditional = traditional
        self.base = base
        self.scale = scale

    def _extra_repr(self):
        return f"{self.dims}, traditional={self.traditional}"

    def __call__(self, x, offset: int = 0):
        return mx.fast.rope(
            x, self.dims, traditional=self.traditional, base=self.base,
            scale=self.scale, offset=offset,
        )


class SinusoidalPositionalEncoding(Module):
    """Embeds positions x as scale * [sin(x w), cos(x w)] (or cos first)
    with dims/2 frequencies w spaced geometrically from max_freq down to
    min_freq (times 2 pi with full_turns)."""

    def __init__(
        self,
        dims: int,
        min_freq: float = 0.0001,
        max_freq: float = 1,
        scale: Optional[float] = None,
        cos_first: bool = False,
        full_turns: bool = False,
    ):
        super().__init__()
        if not isinstance(dims, int) or dims < 4 or dims % 2:
            raise ValueError(
                f"[SinusoidalPositionalEncoding] dims must be an even integer >= 4; got {dims!r}."
            )
        half = dims // 2
        frac = mx.arange(half, dtype=mx.float32) / (half - 1)
        lo, hi = math.log(min_freq), math.log(max_freq)
        freqs = mx.exp(hi - frac * (hi - lo))
        if full_turns:
            freqs = freqs * (2 * math.pi)
        self._freqs = freqs
        self.scale = scale if scale is not None else math.sqrt(2 / dims)
        self.cos_first = cos_first

    def __call__(self, x):
        angles = x[..., None] * self._freqs
        parts = [mx.cos(angles), mx.sin(angles)]
        if not self.cos_first:
            parts.reverse()
        return mx.concatenate(parts, axis=-1) * self.scale


class ALiBi(Module):
    """Adds -m_h |i - j| to the attention scores of head h, query i and
    key j, with slopes m_h = 2 ** (-8 (h + 1) / num_heads)."""

    @staticmethod
    def create_alibi_slope(num_heads: int, dtype: mx.Dtype = mx.float32) -> mx.array:
        exponents = mx.arange(1, num_heads + 1, dtype=mx.float32) * (-8.0 / num_heads)
        return mx.power(2.0, exponents).astype(dtype).reshape(num_heads, 1, 1)

    @staticmethod
    def create_alibi_matrix(
        q_sequence_length: int,
        k_sequence_length: int,
        num_heads: int,
        offset: int = 0,
        dtype: mx.Dtype = mx.float32,
    ) -> mx.array:
        queries = mx.arange(offset, q_sequence_length, dtype=mx.float32)
        keys = mx.arange(k_sequence_length, dtype=mx.float32)
        distance = mx.abs(queries[:, None] - keys[None, :])
        slopes = ALiBi.create_alibi_slope(num_heads, mx.float32)
        return (-distance[None] * slopes).astype(dtype)

    def __call__(self, attention_scores: mx.array, offset: int = 0, mask: Optional[mx.array] = None) -> mx.array:
        if attention_scores.ndim < 3:
            raise ValueError("[ALiBi] attention_scores must be (..., heads, queries, keys).")
        heads, q_len, k_len = attention_scores.shape[-3:]
        bias = self.create_alibi_matrix(q_len + offset, k_len, heads, offset, attention_scores.dtype)
        if mask is not None:
            bias = bias + mask
        return attention_scores + bias
