"""Embedding: a lookup table of learned vectors."""

import math
from typing import Optional

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """Maps integer ids in [0, num_embeddings) to vectors of size dims,
    initialized normal with standard deviation 1/sqrt(dims)."""

    def __init__(self, num_embeddings: int, dims: int):
        super().__init__()
        for key, value in (("num_embeddings", num_embeddings), ("dims", dims)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"[Embedding] {key} must be a positive integer; got {value!r}.")
        scale = math.sqrt(1.0 / dims)
        self.weight = mx.random.normal((num_embeddings, dims), scale=scale)

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, {self.weight.shape[1]}"

    def __call__(self, x):
        return self.weight[x]

    def as_linear(self, x):
        """x @ weight^T: the table used as an output projection (weight tying)."""
        return x @ self.weight.T

    def to_quantized(
        self,
        group_size: Optional[int] = None,
        bits: Optional[int] = None,
        mode: str = "affine",
        quantize_input: bool = False,
    ):
        """A QuantizedEmbedding copy of this layer."""
        from mlx.nn.layers.quantized import QuantizedEmbedding

        if quantize_input:
            raise ValueError("[Embedding] Quantized input is not supported for Embedding.")
        return QuantizedEmbedding.from_embedding(self, group_size, bits, mode)
