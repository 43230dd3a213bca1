"""nn.Upsample and the upsample_* helpers against torch.nn.functional.interpolate
(values and gradients) and, for sizes torch rounds differently, against a
float64 numpy model of the sampling rule."""

import math
from fractions import Fraction

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.nn.layers import upsample as U

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_MODE = {
    ("linear", 1): "linear",
    ("linear", 2): "bilinear",
    ("linear", 3): "trilinear",
    ("cubic", 2): "bicubic",
    ("nearest", 1): "nearest",
    ("nearest", 2): "nearest",
    ("nearest", 3): "nearest",
}


def torch_interpolate(x, scale, mode, align_corners, antialias=False, grad_of=None):
    """interpolate on the channels-first copy of x; returns channels-last
    output and, given a cotangent, the channels-last input gradient."""
    d = x.ndim - 2
    xt = torch.from_numpy(np.moveaxis(x, -1, 1).copy()).requires_grad_(True)
    yt = F.interpolate(
        xt,
        scale_factor=scale,
        mode=TORCH_MODE[(mode, d)],
        align_corners=None if mode == "nearest" else align_corners,
        antialias=antialias,
    )
    y = np.moveaxis(yt.detach().numpy(), 1, -1)
    if grad_of is None:
        return y
    (yt * torch.from_numpy(np.moveaxis(grad_of, -1, 1).copy())).sum().backward()
    return y, np.moveaxis(xt.grad.numpy(), 1, -1)


# (input spatial size, scale): all give integer output sizes, where the
# sampling positions of MLX and torch coincide.
INTEGER_CASES = [
    ((2, 2), (1.0, 1.0)),
    ((2, 2), (1.5, 1.5)),
    ((4, 4), (0.5, 0.5)),
    ((7, 5), (2.0, 3.0)),
    ((10, 10), (0.3, 0.2)),
    ((6, 4), (0.5, 2.5)),
]


# align_corners does not apply to nearest.
MODES = [
    ("nearest", False),
    ("linear", False),
    ("linear", True),
    ("cubic", False),
    ("cubic", True),
]


@pytest.mark.parametrize("mode, align_corners", MODES)
@pytest.mark.parametrize("size, scale", INTEGER_CASES)
def test_2d_matches_torch(mode, align_corners, size, scale, rng):
    x = rng.standard_normal((2, *size, 3)).astype(np.float32)
    layer = nn.Upsample(scale_factor=scale, mode=mode, align_corners=align_corners)
    y = layer(mx.array(x))
    cot = rng.standard_normal(y.shape).astype(np.float32)
    ty, tg = torch_interpolate(x, scale, mode, align_corners, grad_of=cot)
    assert y.shape == ty.shape
    np.testing.assert_allclose(np.array(y), ty, atol=1e-5)
    g = mx.grad(lambda a: (layer(a) * mx.array(cot)).sum())(mx.array(x))
    np.testing.assert_allclose(np.array(g), tg, atol=1e-5)


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize(
    "size, scale",
    [
        ((8, 8), (0.5, 0.5)),
        ((12, 12), (0.25, 0.25)),
        ((16, 8), (0.5, 0.25)),
        ((10, 6), (0.5, 2.0)),  # one axis shrinks, the other grows
        ((8, 8), (2.0, 3.0)),
    ],
)
def test_antialias_matches_torch(mode, size, scale, rng):
    x = rng.standard_normal((2, *size, 3)).astype(np.float32)
    layer = nn.Upsample(scale_factor=scale, mode=mode, antialias=True)
    y = layer(mx.array(x))
    cot = rng.standard_normal(y.shape).astype(np.float32)
    ty, tg = torch_interpolate(x, scale, mode, False, antialias=True, grad_of=cot)
    assert y.shape == ty.shape
    np.testing.assert_allclose(np.array(y), ty, atol=1e-5)
    g = mx.grad(lambda a: (layer(a) * mx.array(cot)).sum())(mx.array(x))
    np.testing.assert_allclose(np.array(g), tg, atol=1e-5)


@pytest.mark.parametrize("mode, align_corners", MODES[:3])
def test_1d_and_3d_match_torch(mode, align_corners, rng):
    for shape, scale in (((2, 6, 3), (2.0,)), ((1, 3, 4, 2, 2), (2.0, 0.5, 3.0))):
        x = rng.standard_normal(shape).astype(np.float32)
        layer = nn.Upsample(scale_factor=scale, mode=mode, align_corners=align_corners)
        y = layer(mx.array(x))
        ty = torch_interpolate(x, scale, mode, align_corners)
        np.testing.assert_allclose(np.array(y), ty, atol=1e-5)


# -- sizes that are not integers: a float64 model of the sampling rule -------


def model_positions(n_in, n_out, scale, align_corners):
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        return np.zeros(n_out) if n_out == 1 else i * (n_in - 1) / (n_out - 1)
    # Output sample i is i / scale input steps after the first one, and the
    # sampled span is centred on the input.
    return i / scale - ((n_out - 1) / scale - n_in + 1) / 2


def keys_kernel(t, a):
    t = np.abs(t)
    return np.where(
        t <= 1,
        (a + 2) * t**3 - (a + 3) * t**2 + 1,
        np.where(t < 2, a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a, 0.0),
    )


def model_matrix(n_in, scale, mode, align_corners, antialias):
    """(n_out, n_in) float64 matrix resampling one axis."""
    n_out = int(n_in * scale)
    m = np.zeros((n_out, n_in))
    if mode == "nearest":
        ratio = Fraction(n_in, n_out)  # exact, so ties are real ties
        for i in range(n_out):
            if n_out > n_in:  # nearest to the centre, ties to even
                j = round((i + Fraction(1, 2)) * ratio - Fraction(1, 2))
            else:
                j = math.floor(i * ratio)
            m[i, min(max(j, 0), n_in - 1)] = 1
        return m
    pos = model_positions(n_in, n_out, scale, align_corners)
    if antialias and not (mode == "linear" and scale >= 1):
        radius, a = (1, None) if mode == "linear" else (2, -0.5)
        stretch = min(scale, 1.0)
        for i in range(n_out):
            j = np.arange(n_in)
            t = (j - pos[i]) * stretch
            w = np.maximum(1 - np.abs(t), 0) if radius == 1 else keys_kernel(t, a)
            m[i] = w / w.sum()
        return m
    for i in range(n_out):
        left = math.floor(pos[i])
        t = pos[i] - left
        taps = [(left, 1 - t), (left + 1, t)] if mode == "linear" else [
            (left + k, keys_kernel(t - k, -0.75)) for k in (-1, 0, 1, 2)
        ]
        for j, w in taps:
            m[i, min(max(j, 0), n_in - 1)] += w
    return m


@pytest.mark.parametrize(
    "mode, align_corners, antialias",
    [
        ("nearest", False, False),
        ("linear", False, False),
        ("linear", True, False),
        ("cubic", False, False),
        ("cubic", True, False),
        ("linear", False, True),
        ("cubic", False, True),
    ],
)
@pytest.mark.parametrize(
    "size, scale", [((5, 7), (1.3, 0.7)), ((11, 4), (1.7, 2.5)), ((10, 9), (0.75, 0.3))]
)
def test_non_integer_sizes_match_model(
    mode, align_corners, antialias, size, scale, rng
):
    x = rng.standard_normal((2, *size, 2)).astype(np.float32)
    layer = nn.Upsample(
        scale, mode=mode, align_corners=align_corners, antialias=antialias
    )
    y = layer(mx.array(x))
    mh = model_matrix(size[0], scale[0], mode, align_corners, antialias)
    mw = model_matrix(size[1], scale[1], mode, align_corners, antialias)
    expected = np.einsum("ph,qw,nhwc->npqc", mh, mw, x.astype(np.float64))
    assert y.shape == expected.shape
    np.testing.assert_allclose(np.array(y), expected, atol=2e-5)


def test_documented_examples():
    x = mx.arange(1, 5).reshape((1, 2, 2, 1))
    y = nn.Upsample(scale_factor=2, mode="nearest")(x)
    assert y.dtype == mx.int32
    np.testing.assert_array_equal(
        np.array(y).squeeze(), [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    )
    y = nn.Upsample(scale_factor=2, mode="linear", align_corners=True)(x)
    assert y.dtype == mx.float32
    third = 1 / 3
    row = np.array([1, 1 + third, 1 + 2 * third, 2])
    expected = [row, row + 2 * third, row + 4 * third, row + 2]
    np.testing.assert_allclose(np.array(y).squeeze(), expected, atol=1e-6)
    # Shrinking to a single sample with align_corners keeps the first one.
    y = nn.Upsample(scale_factor=(0.5, 2), mode="linear", align_corners=True)(x)
    np.testing.assert_allclose(np.array(y).ravel(), [1, 4 / 3, 5 / 3, 2], atol=1e-6)


def test_linear_antialias_is_a_noop_when_growing(rng):
    x = mx.array(rng.standard_normal((1, 4, 5, 3)).astype(np.float32))
    for scale in (1.0, 2.0, 3.0):
        a = nn.Upsample(scale, mode="linear", antialias=True)(x)
        b = nn.Upsample(scale, mode="linear")(x)
        assert mx.array_equal(a, b).item()


def test_helpers_match_layer(rng):
    x = mx.array(rng.standard_normal((2, 3, 4, 2)).astype(np.float32))
    nearest = U.upsample_nearest(x, (2.0, 1.5))
    assert mx.array_equal(nearest, nn.Upsample((2, 1.5))(x)).item()
    assert mx.allclose(
        U.upsample_linear(x, (2.0, 2.0), align_corners=True),
        nn.Upsample(2, mode="linear", align_corners=True)(x),
    ).item()
    assert mx.allclose(
        U.upsample_cubic(x, (0.5, 0.5), antialias=True),
        nn.Upsample(0.5, mode="cubic", antialias=True)(x),
    ).item()


def test_errors_and_repr():
    with pytest.raises(ValueError, match=r"\[Upsample\].*unsupported"):
        nn.Upsample(2, mode="area")
    with pytest.raises(ValueError, match=r"\[Upsample\]"):
        nn.Upsample(2, mode="nearest", antialias=True)
    with pytest.raises(ValueError, match=r"\[Upsample\]"):
        nn.Upsample(2, mode="linear", antialias=True, align_corners=True)
    with pytest.raises(ValueError, match=r"\[Upsample\] One scale per spatial"):
        nn.Upsample((2, 2), mode="linear")(mx.ones((1, 2, 1)))
    assert repr(nn.Upsample(scale_factor=2)) == (
        "Upsample(scale_factor=2.0, mode='nearest', align_corners=False)"
    )
    assert repr(nn.Upsample(scale_factor=(2, 3), mode="cubic", antialias=True)) == (
        "Upsample(scale_factor=(2.0, 3.0), mode='cubic', align_corners=False, "
        "antialias=True)"
    )
