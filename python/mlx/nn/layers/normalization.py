"""Normalization layers: layer, RMS, group, instance and batch norm.

All of them take channels-last inputs: the feature axis is the last one.
"""

import math

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm", "InstanceNorm", "BatchNorm"]


def _check_eps(layer: str, eps: float):
    # eps sits under a square root: zero or negative values give NaN rows.
    if not eps > 0:
        raise ValueError(f"[{layer}] 'eps' must be positive but got {eps}.")


def _stats_dtype(dtype: mx.Dtype) -> mx.Dtype:
    """float32 for half precision inputs, whose squares overflow easily."""
    return mx.float32 if dtype in (mx.float16, mx.bfloat16) else dtype


class LayerNorm(Module):
    r"""Layer normalization over the last axis.

    Computes :math:`y = \frac{x - E[x]}{\sqrt{Var[x] + \epsilon}} \gamma + \beta`
    with per-feature :math:`\gamma` (ones) and :math:`\beta` (zeros).

    Args:
        dims (int): Size of the last axis.
        eps (float): Added to the variance. Default: ``1e-5``.
        affine (bool): Learn :math:`\gamma` (and :math:`\beta`). Default: ``True``.
        bias (bool): With ``affine``, also learn :math:`\beta`. Default: ``True``.
    """

    def __init__(
        self, dims: int, eps: float = 1e-5, affine: bool = True, bias: bool = True
    ):
        super().__init__()
        _check_eps("LayerNorm", eps)
        if affine:
            self.weight = mx.ones((dims,))
            if bias:
                self.bias = mx.zeros((dims,))
        self.eps = eps
        self.dims = dims

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x):
        return mx.fast.layer_norm(x, self.get("weight"), self.get("bias"), self.eps)


class RMSNorm(Module):
    r"""Root mean square normalization over the last axis.

    Computes :math:`y = \frac{x}{\sqrt{E[x^2] + \epsilon}} \gamma` with a
    per-feature :math:`\gamma` (ones); the mean is accumulated in float32.

    Args:
        dims (int): Size of the last axis.
        eps (float): Added to the mean square. Default: ``1e-5``.
    """

    def __init__(self, dims: int, eps: float = 1e-5):
        super().__init__()
        _check_eps("RMSNorm", eps)
        self.weight = mx.ones((dims,))
        self.eps = eps

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, eps={self.eps}"

    def __call__(self, x):
        return mx.fast.rms_norm(x, self["weight"], self.eps)


class GroupNorm(Module):
    r"""Group normalization.

    The features (last axis) are split into ``num_groups`` groups; each
    group is normalized over its features and all spatial positions (the
    axes between the first and the last) of each sample, then the
    per-feature affine transform is applied.

    By default feature ``c`` belongs to group ``c % num_groups``; with
    ``pytorch_compatible`` groups are contiguous blocks of features, as in
    PyTorch.

    Args:
        num_groups (int): Number of groups; must divide ``dims``.
        dims (int): Number of features.
        eps (float): Added to the variance. Default: ``1e-5``.
        affine (bool): Learn a per-feature scale and shift. Default: ``True``.
        pytorch_compatible (bool): Group contiguous features. Default: ``False``.
    """

    def __init__(
        self,
        num_groups: int,
        dims: int,
        eps: float = 1e-5,
        affine: bool = True,
        pytorch_compatible: bool = False,
    ):
        super().__init__()
        if num_groups <= 0:
            raise ValueError(
                f"[GroupNorm] The number of groups ({num_groups}) must be a "
                "positive integer."
            )
        if dims <= 0:
            raise ValueError(
                f"[GroupNorm] The number of features ({dims}) must be a positive "
                "integer."
            )
        if dims % num_groups != 0:
            raise ValueError(
                f"[GroupNorm] The number of features ({dims}) must be evenly "
                f"divisible by the number of groups ({num_groups})."
            )
        _check_eps("GroupNorm", eps)
        if affine:
            self.bias = mx.zeros((dims,))
            self.weight = mx.ones((dims,))
        self.num_groups = num_groups
        self.dims = dims
        self.eps = eps
        self.pytorch_compatible = pytorch_compatible

    def _extra_repr(self):
        return (
            f"{self.num_groups}, {self.dims}, eps={self.eps}, "
            f"affine={'weight' in self}, pytorch_compatible={self.pytorch_compatible}"
        )

    def _normalize(self, x):
        batch, shape, groups = x.shape[0], x.shape, self.num_groups
        if self.pytorch_compatible:
            # (B, positions, groups, features per group) -> one row per group.
            x = x.reshape(batch, -1, groups, self.dims // groups)
            x = x.transpose(0, 2, 1, 3).reshape(batch, groups, -1)
            x = mx.fast.layer_norm(x, None, None, self.eps)
            x = x.reshape(batch, groups, -1, self.dims // groups)
            return x.transpose(0, 2, 1, 3).reshape(shape)
        # Feature c lands in column c % groups of the (B, -1, groups) view.
        x = x.reshape(batch, -1, groups).swapaxes(1, 2)
        x = mx.fast.layer_norm(x, None, None, self.eps)
        return x.swapaxes(1, 2).reshape(shape)

    def __call__(self, x):
        if x.ndim < 2 or x.shape[-1] != self.dims:
            raise ValueError(
                f"[GroupNorm] Expected an input of shape (N, ..., {self.dims}) "
                f"but got {x.shape}."
            )
        x = self._normalize(x)
        if "weight" in self:
            x = self.weight * x + self.bias
        return x


class InstanceNorm(Module):
    r"""Instance normalization: each feature of each sample is normalized
    over the spatial axes (all axes but the first and the last).

    Statistics of half precision inputs are computed in float32.

    Args:
        dims (int): Number of features ``C`` of inputs shaped ``(N, ..., C)``
            with at least one spatial axis.
        eps (float): Added to the variance. Default: ``1e-5``.
        affine (bool): Learn a per-feature scale (ones) and shift (zeros).
            Default: ``False``.
    """

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = False):
        super().__init__()
        _check_eps("InstanceNorm", eps)
        if affine:
            self.weight = mx.ones((dims,))
            self.bias = mx.zeros((dims,))
        self.dims = dims
        self.eps = eps

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x: mx.array) -> mx.array:
        if x.ndim < 3:
            raise ValueError(
                "[InstanceNorm] Expected inputs with at least 3 dimensions "
                f"(N, ..., C) but the input has {x.ndim} dimensions."
            )
        axes = tuple(range(1, x.ndim - 1))
        xs = x.astype(_stats_dtype(x.dtype))
        mean = mx.mean(xs, axis=axes, keepdims=True)
        var = mx.var(xs, axis=axes, keepdims=True)
        x = ((xs - mean) * mx.rsqrt(var + self.eps)).astype(x.dtype)
        if "weight" in self:
            x = self.weight * x + self.bias
        return x


class BatchNorm(Module):
    r"""Batch normalization over inputs shaped ``NC``, ``NLC`` or ``NHWC``.

    Each feature (last axis) is normalized with the mean and variance over
    all other axes. In training mode the batch statistics are used and, with
    ``track_running_stats``, folded into ``running_mean`` and
    ``running_var`` (unbiased variance) with the given momentum; in eval
    mode the running statistics are used instead. The running statistics
    are saved with the parameters but are never trainable.

    Args:
        num_features (int): Number of features ``C``.
        eps (float): Added to the variance. Default: ``1e-5``.
        momentum (float): Weight of the new batch in the running statistics.
            Default: ``0.1``.
        affine (bool): Learn a per-feature scale and shift. Default: ``True``.
        track_running_stats (bool): Keep running statistics. Default: ``True``.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ):
        super().__init__()
        _check_eps("BatchNorm", eps)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = mx.ones((num_features,))
            self.bias = mx.zeros((num_features,))
        if track_running_stats:
            self.running_mean = mx.zeros((num_features,))
            self.running_var = mx.ones((num_features,))
            self.freeze(keys=["running_mean", "running_var"], recurse=False)

    def unfreeze(self, *args, **kwargs):
        """Unfreeze like Module.unfreeze; the running statistics stay frozen."""
        super().unfreeze(*args, **kwargs)
        if self.track_running_stats:
            self.freeze(keys=["running_mean", "running_var"], recurse=False)
        return self

    def _extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={'weight' in self}, "
            f"track_running_stats={self.track_running_stats}"
        )

    def __call__(self, x: mx.array) -> mx.array:
        if not 2 <= x.ndim <= 4:
            raise ValueError(
                "[BatchNorm] Expected input tensor to have 2, 3 or 4 dimensions, "
                f"but got {x.ndim}"
            )
        axes = tuple(range(x.ndim - 1))
        count = math.prod(x.shape[:-1])
        if self.training and count <= 1:
            raise ValueError(
                "[BatchNorm] training requires more than one value per channel."
            )
        if self.training or not self.track_running_stats:
            mean = mx.mean(x, axis=axes)
            var = mx.var(x, axis=axes)
            if self.training and self.track_running_stats:
                m = self.momentum
                batch_mean = mx.stop_gradient(mean)
                batch_var = mx.stop_gradient(var) * (count / (count - 1))
                self.running_mean = (1 - m) * self.running_mean + m * batch_mean
                self.running_var = (1 - m) * self.running_var + m * batch_var
        else:
            mean, var = self.running_mean, self.running_var
        x = (x - mean) * mx.rsqrt(var + self.eps)
        if "weight" in self:
            x = self.weight * x + self.bias
        return x
