"""Spatial resampling of channels-last inputs: nearest, linear and cubic.

Every mode is separable: the input is resampled along one spatial axis at a
time. Along an axis of length n resized to m, each output sample is a
weighted sum of a few input samples ("taps"), described by an index table
and a weight table of shape (m, taps); nearest neighbour is the one-tap case
with weight 1. Tables depend only on the sizes, so they are built once per
call and applied with take + multiply + sum, which are differentiable.

Coordinates: with ``align_corners`` the first and last samples of input
and output coincide; otherwise output sample i sits at ``i / scale`` input
steps from the first one, and the sampled span is centred on the input
(for integer output sizes this is the usual ``(i + 0.5) / scale - 0.5``).
"""

import math
from typing import Callable, Literal, Tuple, Union

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Upsample"]

# Keys cubic convolution parameter: OpenCV's for plain interpolation,
# Pillow's (and PyTorch's) for the antialiased filter.
_CUBIC_A = -0.75
_CUBIC_A_ANTIALIAS = -0.5


def _source_coords(n_in: int, n_out: int, scale: float, align_corners: bool):
    """Position in input samples of every output sample, float32 (n_out,)."""
    i = mx.arange(n_out, dtype=mx.float32)
    if align_corners:
        if n_out <= 1:
            return mx.zeros((n_out,), dtype=mx.float32)
        return i * ((n_in - 1) / (n_out - 1))
    step = 1.0 / scale
    offset = ((n_out - 1) * step - n_in + 1) / 2
    return i * step - offset


def _nearest_indices(n_in: int, n_out: int):
    """Input index of every output sample, in exact integer arithmetic.

    Growing: the input sample nearest to the output centre
    (i + 1/2) * n_in / n_out - 1/2, ties to even. Shrinking or equal:
    floor(i * n_in / n_out), the first sample of each output cell.
    """
    if n_out <= n_in:
        return [(i * n_in) // n_out for i in range(n_out)]
    indices = []
    den = 2 * n_out
    for i in range(n_out):
        q, r = divmod((2 * i + 1) * n_in - n_out, den)
        if 2 * r > den or (2 * r == den and q % 2 == 1):
            q += 1
        indices.append(min(max(q, 0), n_in - 1))
    return indices


def _cubic_kernel(t: mx.array, a: float) -> mx.array:
    """Keys' cubic convolution kernel with parameter a (support [-2, 2])."""
    t = mx.abs(t)
    near = ((a + 2) * t - (a + 3)) * t * t + 1
    far = (((t - 5) * t + 8) * t - 4) * a
    return mx.where(t <= 1, near, mx.where(t < 2, far, 0.0))


def _triangle_kernel(t: mx.array) -> mx.array:
    """The linear interpolation kernel (support [-1, 1])."""
    return mx.maximum(1 - mx.abs(t), 0.0)


def _linear_taps(n_in, n_out, scale, align_corners):
    c = _source_coords(n_in, n_out, scale, align_corners)
    left = mx.floor(c)
    t = (c - left)[:, None]
    idx = left.astype(mx.int32)[:, None] + mx.arange(2)[None, :]
    weights = mx.concatenate([1 - t, t], axis=1)
    return mx.clip(idx, 0, n_in - 1), weights


def _cubic_taps(n_in, n_out, scale, align_corners):
    c = _source_coords(n_in, n_out, scale, align_corners)
    left = mx.floor(c)
    offsets = mx.arange(-1, 3)
    # Distance from the sample position to each of the 4 taps.
    dist = (c - left)[:, None] - offsets[None, :].astype(mx.float32)
    idx = left.astype(mx.int32)[:, None] + offsets[None, :]
    return mx.clip(idx, 0, n_in - 1), _cubic_kernel(dist, _CUBIC_A)


def _antialias_taps(n_in, n_out, scale, kernel, radius):
    """Taps of a filter widened by 1/scale when shrinking, so every input
    sample contributes (PyTorch's antialias=True). Taps outside the input
    are dropped and the remaining weights renormalised."""
    step = 1.0 / scale
    support = radius * step if step >= 1 else float(radius)
    stretch = 1.0 / step if step >= 1 else 1.0
    center = _source_coords(n_in, n_out, scale, False) + 0.5
    count = int(math.ceil(2 * support)) + 1
    first = mx.floor(center - support + 0.5).astype(mx.int32)
    idx = first[:, None] + mx.arange(count)[None, :]
    dist = (idx.astype(mx.float32) - center[:, None] + 0.5) * stretch
    inside = (idx >= 0) & (idx < n_in)
    weights = mx.where(inside, kernel(dist), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    weights = weights / mx.where(total == 0, 1.0, total)
    return mx.clip(idx, 0, n_in - 1), weights


def _linear_antialias_taps(n_in, n_out, scale, align_corners):
    if scale >= 1:
        # The widened triangle is the plain one when growing.
        return _linear_taps(n_in, n_out, scale, align_corners)
    return _antialias_taps(n_in, n_out, scale, _triangle_kernel, 1)


def _antialias_cubic_kernel(t: mx.array) -> mx.array:
    return _cubic_kernel(t, _CUBIC_A_ANTIALIAS)


def _cubic_antialias_taps(n_in, n_out, scale, align_corners):
    return _antialias_taps(n_in, n_out, scale, _antialias_cubic_kernel, 2)


def _check_scales(x: mx.array, scale_factor: Tuple, name: str) -> Tuple:
    dims = x.ndim - 2
    if dims < 1:
        raise ValueError(
            f"[{name}] Expected an input with a batch, at least one spatial and "
            f"a channel dimension but got shape {x.shape}."
        )
    scale_factor = tuple(scale_factor)
    if len(scale_factor) != dims:
        raise ValueError(
            f"[{name}] One scale per spatial dimension is required but "
            f"scale_factor={scale_factor} and the number of spatial dimensions "
            f"were {dims}"
        )
    return scale_factor


def _resample(x: mx.array, scale_factor: Tuple, taps_fn: Callable, align_corners):
    """Apply taps_fn's (index, weight) tables along every spatial axis."""
    for axis, scale in enumerate(scale_factor, start=1):
        n_in = x.shape[axis]
        idx, weights = taps_fn(n_in, int(n_in * scale), scale, align_corners)
        gathered = mx.take(x, idx, axis=axis)  # axis becomes (n_out, taps)
        weights = weights.reshape(weights.shape + (1,) * (x.ndim - axis - 1))
        x = (gathered * weights).sum(axis=axis + 1)
    return x


def upsample_nearest(x: mx.array, scale_factor: Tuple) -> mx.array:
    """Nearest neighbour resampling of the spatial axes of x.

    Args:
        x (array): Input of shape ``(N, *spatial, C)``.
        scale_factor (tuple): One multiplier per spatial axis; each output
            size is ``int(size * scale)``.
    """
    scale_factor = _check_scales(x, scale_factor, "upsample_nearest")
    for axis, scale in enumerate(scale_factor, start=1):
        n_in = x.shape[axis]
        idx = _nearest_indices(n_in, int(n_in * scale))
        x = mx.take(x, mx.array(idx, dtype=mx.int32), axis=axis)
    return x


def _validate_antialias(name: str, align_corners: bool, antialias: bool):
    if antialias and align_corners:
        raise ValueError(
            f"[{name}] antialias=True with align_corners=True is not supported. "
            "Use align_corners=False for antialiased interpolation."
        )


def upsample_linear(
    x: mx.array,
    scale_factor: Tuple,
    align_corners: bool = False,
    antialias: bool = False,
) -> mx.array:
    """Linear (bilinear, trilinear, ...) resampling of the spatial axes of x.

    Args:
        x (array): Input of shape ``(N, *spatial, C)``.
        scale_factor (tuple): One multiplier per spatial axis.
        align_corners (bool): Map the corner samples of input and output onto
            each other. Default: ``False``.
        antialias (bool): Widen the filter when shrinking so that every input
            sample contributes. Default: ``False``.
    """
    scale_factor = _check_scales(x, scale_factor, "upsample_linear")
    _validate_antialias("upsample_linear", align_corners, antialias)
    taps = _linear_antialias_taps if antialias else _linear_taps
    return _resample(x, scale_factor, taps, align_corners)


def upsample_cubic(
    x: mx.array,
    scale_factor: Tuple,
    align_corners: bool = False,
    antialias: bool = False,
) -> mx.array:
    """Cubic (bicubic, ...) resampling of the spatial axes of x.

    Args:
        x (array): Input of shape ``(N, *spatial, C)``.
        scale_factor (tuple): One multiplier per spatial axis.
        align_corners (bool): Map the corner samples of input and output onto
            each other. Default: ``False``.
        antialias (bool): Widen the filter when shrinking and use the cubic
            parameter ``a=-0.5`` instead of ``-0.75``. Default: ``False``.
    """
    scale_factor = _check_scales(x, scale_factor, "upsample_cubic")
    _validate_antialias("upsample_cubic", align_corners, antialias)
    taps = _cubic_antialias_taps if antialias else _cubic_taps
    return _resample(x, scale_factor, taps, align_corners)


class Upsample(Module):
    """Resample the spatial axes (``1`` to ``ndim - 2``) of the input.

    The first axis is the batch and the last the channels, so an audio
    signal is 3-D with one spatial axis, an image 4-D with two, and so on.
    ``"linear"`` and ``"cubic"`` interpolate along every spatial axis
    (bilinear, bicubic, trilinear, ...).

    Args:
        scale_factor (float or tuple): Multiplier of the spatial sizes, one for
            all axes or one per spatial axis; output sizes are
            ``int(size * scale)``.
        mode (str): ``"nearest"``, ``"linear"`` or ``"cubic"``.
            Default: ``"nearest"``.
        align_corners (bool): For ``"linear"`` and ``"cubic"``, map the corner
            samples of input and output onto each other instead of the corners
            of their cells. Default: ``False``.
        antialias (bool): For ``"linear"`` and ``"cubic"``, low-pass filter
            when shrinking (as PyTorch's ``antialias=True``); in ``"cubic"``
            mode it also switches the kernel to ``a=-0.5``. Not allowed with
            ``"nearest"`` or ``align_corners=True``. Default: ``False``.
    """

    def __init__(
        self,
        scale_factor: Union[float, Tuple],
        mode: Literal["nearest", "linear", "cubic"] = "nearest",
        align_corners: bool = False,
        antialias: bool = False,
    ):
        super().__init__()
        if mode not in ("nearest", "linear", "cubic"):
            raise ValueError(f"[Upsample] Got unsupported upsampling algorithm: {mode}")
        if antialias and mode == "nearest":
            raise ValueError(
                "[Upsample] Antialiasing is not supported for nearest neighbor "
                "upsampling"
            )
        _validate_antialias("Upsample", align_corners, antialias)
        if isinstance(scale_factor, (list, tuple)):
            self.scale_factor = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor)
        self.mode = mode
        self.align_corners = align_corners
        self.antialias = antialias

    def _extra_repr(self) -> str:
        text = (
            f"scale_factor={self.scale_factor}, mode={self.mode!r}, "
            f"align_corners={self.align_corners}"
        )
        return text + (", antialias=True" if self.antialias else "")

    def __call__(self, x: mx.array) -> mx.array:
        dims = x.ndim - 2
        scale = self.scale_factor
        if not isinstance(scale, tuple):
            scale = (scale,) * max(dims, 1)
        scale = _check_scales(x, scale, "Upsample")
        if self.mode == "nearest":
            return upsample_nearest(x, scale)
        resample = upsample_linear if self.mode == "linear" else upsample_cubic
        return resample(x, scale, self.align_corners, self.antialias)
