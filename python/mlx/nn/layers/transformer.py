"""Multi-head attention and the Transformer encoder/decoder stacks."""

import math
from typing import Any, Callable, Optional

import mlx.core as mx
from mlx.nn.layers.activations import relu
from mlx.nn.layers.base import Module
from mlx.nn.layers import dropout as _dropout
from mlx.nn.layers import normalization as _norm
from mlx.nn.layers.linear import Linear
from mlx.nn.utils import checkpoint as _checkpoint

__all__ = [
    "MultiHeadAttention",
    "TransformerEncoderLayer",
    "TransformerEncoder",
    "TransformerDecoderLayer",
    "TransformerDecoder",
    "Transformer",
]


def _run_stack(stack, x, *args):
    """x through each layer of an encoder/decoder stack (checkpointed if the
    stack asks), then its final layer norm."""
    for layer in stack.layers:
        x = (_checkpoint(layer) if stack.checkpoint else layer)(x, *args)
    return stack.ln(x)


class MultiHeadAttention(Module):
    """Scaled dot-product attention over num_heads heads, with input and
    output projections. An additive mask must broadcast to (batch, heads,
    queries, keys)."""

    def __init__(
        self,
        dims: int,
        num_heads: int,
        query_input_dims: Optional[int] = None,
        key_input_dims: Optional[int] = None,
        value_input_dims: Optional[int] = None,
        value_dims: Optional[int] = None,
        value_output_dims: Optional[int] = None,
        bias: bool = False,
    ):
        super().__init__()
        if num_heads <= 0 or dims % num_heads != 0:
            raise ValueError(
                f"[MultiHeadAttention] dims ({dims}) must be divisible by num_heads ({num_heads})."
            )
        query_input_dims = query_input_dims or dims
        key_input_dims = key_input_dims or dims
        value_input_dims = value_input_dims or key_input_dims
        value_dims = value_dims or dims
        value_output_dims = value_output_dims or dims
        if value_dims % num_heads != 0:
            raise ValueError(
                f"[MultiHeadAttention] value_dims ({value_dims}) must be divisible by num_heads ({num_heads})."
            )
        self.num_heads = num_heads
        self.query_proj = Linear(query_input_dims, dims, bias=bias)
        self.key_proj = Linear(key_input_dims, dims, bias=bias)
        self.value_proj = Linear(value_input_dims, value_dims, bias=bias)
        self.out_proj = Linear(value_dims, value_output_dims, bias=bias)

    def _heads(self, x):
        b, n, _ = x.shape
        return x.reshape(b, n, self.num_heads, -1).transpose(0, 2, 1, 3)

    def __call__(self, queries, keys, values, mask=None):
        q = self._heads(self.query_proj(queries))
        k = self._heads(self.key_proj(keys))
        v = self._heads(self.value_proj(values))
        scale = 1.0 / math.sqrt(q.shape[-1])
        out = mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)
        b, _, n, _ = out.shape
        return self.out_proj(out.transpose(0, 2, 1, 3).reshape(b, n, -1))

    @staticmethod
    def create_additive_causal_mask(N: int, dtype: mx.Dtype = mx.float32):
        """(N, N) mask: 0 where a query may attend, the dtype's lowest
        finite value above the diagonal (finite, so no inf - inf = nan)."""
        idx = mx.arange(N)
        future = idx[:, None] < idx[None, :]
        return mx.where(future, mx.finfo(dtype).min, 0).astype(dtype)


class TransformerEncoderLayer(Module):
    """Self-attention then an MLP, each in a residual branch, with layer
    norm before (norm_first) or after each branch."""

    def __init__(
        self,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = relu,
        norm_first: bool = True,
    ):
        super().__init__()
        mlp_dims = mlp_dims or 4 * dims
        self.attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = _norm.LayerNorm(dims)
        self.ln2 = _norm.LayerNorm(dims)
        self.linear1 = Linear(dims, mlp_dims)
        self.linear2 = Linear(mlp_dims, dims)
        self.dropout1 = _dropout.Dropout(dropout)
        self.dropout2 = _dropout.Dropout(dropout)
        self.activation = activation
        self.norm_first = norm_first

    def _mlp(self, x):
        return self.linear2(self.dropout2(self.activation(self.linear1(x))))

    def __call__(self, x, mask):
        if self.norm_first:
            y = self.ln1(x)
            x = x + self.dropout1(self.attention(y, y, y, mask))
            return x + self._mlp(self.ln2(x))
        x = self.ln1(x + self.dropout1(self.attention(x, x, x, mask)))
        return self.ln2(x + self._mlp(x))


class TransformerEncoder(Module):
    """num_layers encoder layers followed by a layer norm."""

    def __init__(
        self,
        num_layers: int,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation=relu,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__()
        self.layers = [
            TransformerEncoderLayer(dims, num_heads, mlp_dims, dropout, activation, norm_first)
            for _ in range(num_layers)
        ]
        self.ln = _norm.LayerNorm(dims)
        self.checkpoint = checkpoint

    def __call__(self, x, mask):
        return _run_stack(self, x, mask)


class TransformerDecoderLayer(Module):
    """Self-attention, cross-attention over memory, then an MLP, each in a
    residual branch with layer norm before (norm_first) or after."""

    def __init__(
        self,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = relu,
        norm_first: bool = True,
    ):
        super().__init__()
        mlp_dims = mlp_dims or 4 * dims
        self.self_attention = MultiHeadAttention(dims, num_heads)
        self.cross_attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = _norm.LayerNorm(dims)
        self.ln2 = _norm.LayerNorm(dims)
        self.ln3 = _norm.LayerNorm(dims)
        self.linear1 = Linear(dims, mlp_dims)
        self.linear2 = Linear(mlp_dims, dims)
        self.dropout1 = _dropout.Dropout(dropout)
        self.dropout2 = _dropout.Dropout(dropout)
        self.dropout3 = _dropout.Dropout(dropout)
        self.activation = activation
        self.norm_first = norm_first

    def _mlp(self, x):
        return self.linear2(self.dropout3(self.activation(self.linear1(x))))

    def __call__(self, x, memory, x_mask, memory_mask):
        if self.norm_first:
            y = self.ln1(x)
            x = x + self.dropout1(self.self_attention(y, y, y, x_mask))
            y = self.ln2(x)
            x = x + self.dropout2(self.cross_attention(y, memory, memory, memory_mask))
            return x + self._mlp(self.ln3(x))
        x = self.ln1(x + self.dropout1(self.self_attention(x, x, x, x_mask)))
        x = self.ln2(x + self.dropout2(self.cross_attention(x, memory, memory, memory_mask)))
        return self.ln3(x + self._mlp(x))


class TransformerDecoder(Module):
    """num_layers decoder layers followed by a layer norm."""

    def __init__(
        self,
        num_layers: int,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation=relu,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__()
        self.layers = [
            TransformerDecoderLayer(dims, num_heads, mlp_dims, dropout, activation, norm_first)
            for _ in range(num_layers)
        ]
        self.ln = _norm.LayerNorm(dims)
        self.checkpoint = checkpoint

    def __call__(self, x, memory, x_mask, memory_mask):
        return _run_stack(self, x, memory, x_mask, memory_mask)


class Transformer(Module):
    """An encoder over src and a decoder over tgt that attends to the
    encoder's output. custom_encoder / custom_decoder replace the stacks."""

    def __init__(
        self,
        dims: int = 512,
        num_heads: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = relu,
        custom_encoder: Optional[Any] = None,
        custom_decoder: Optional[Any] = None,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__()
        self.encoder = (
            custom_encoder
            if custom_encoder is not None
            else TransformerEncoder(
                num_encoder_layers, dims, num_heads, mlp_dims, dropout,
                activation, norm_first, checkpoint,
            )
        )
        self.decoder = (
            custom_decoder
            if custom_decoder is not None
            else TransformerDecoder(
                num_decoder_layers, dims, num_heads, mlp_dims, dropout,
                activation, norm_first, checkpoint,
            )
        )

    def __call__(self, src, tgt, src_mask, tgt_mask, memory_mask):
        memory = self.encoder(src, src_mask)
        return self.decoder(tgt, memory, tgt_mask, memory_mask)
