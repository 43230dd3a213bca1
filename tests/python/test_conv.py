"""Convolutions against a direct float64 evaluation of their definition."""

import itertools

import numpy as np
import pytest
from oracle import assert_close

import mlx.core as mx


def reference_conv(x, w, stride, padding, dilation, groups):
    """Cross-correlation in NHWC layout, straight from the definition."""
    d = x.ndim - 2
    x = np.pad(x, [(0, 0)] + [(p, p) for p in padding] + [(0, 0)])
    n, cin = x.shape[0], x.shape[-1]
    cout, ksp = w.shape[0], w.shape[1:-1]
    cg, cog = cin // groups, cout // groups
    osp = [
        (x.shape[1 + i] - (ksp[i] - 1) * dilation[i] - 1) // stride[i] + 1
        for i in range(d)
    ]
    out = np.zeros([n, *osp, cout])
    for o in itertools.product(*[range(k) for k in osp]):
        for k in itertools.product(*[range(k) for k in ksp]):
            pos = tuple(o[i] * stride[i] + k[i] * dilation[i] for i in range(d))
            xv = x[(slice(None), *pos)]  # (n, cin)
            for g in range(groups):
                xs = xv[:, g * cg : (g + 1) * cg]
                ws = w[(slice(g * cog, (g + 1) * cog), *k)]  # (cog, cg)
                out[(slice(None), *o, slice(g * cog, (g + 1) * cog))] += xs @ ws.T
    return out


CASES = [
    # (input shape, weight shape, stride, padding, dilation, groups)
    ((2, 9, 3), (4, 3, 3), (1,), (0,), (1,), 1),
    ((1, 11, 4), (6, 3, 2), (2,), (1,), (2,), 2),
    ((2, 7, 8, 3), (5, 3, 2, 3), (1, 2), (1, 0), (1, 1), 1),
    ((1, 9, 9, 4), (4, 3, 3, 1), (2, 2), (1, 1), (1, 2), 4),
    ((2, 6, 6, 8), (8, 1, 1, 8), (1, 1), (0, 0), (1, 1), 1),
    ((1, 5, 6, 5, 2), (3, 2, 3, 2, 2), (1, 2, 1), (1, 1, 0), (1, 1, 2), 1),
    # Wide channel counts: partial output panels (70 = 64 + 6), several
    # taps per pass, pixel counts that leave a short last tile.
    ((3, 5, 7, 33), (70, 3, 3, 33), (1, 1), (1, 1), (1, 1), 1),
    ((1, 4, 5, 200), (17, 3, 2, 200), (2, 1), (1, 0), (1, 1), 1),
    ((2, 13, 5), (129, 4, 5), (3,), (2,), (2,), 1),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_conv_matches_definition(rng, case):
    xs, ws, stride, padding, dilation, groups = case
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    fn = {3: mx.conv1d, 4: mx.conv2d, 5: mx.conv3d}[len(xs)]
    got = fn(mx.array(x), mx.array(w), stride, padding, dilation, groups)
    want = reference_conv(x.astype(np.float64), w.astype(np.float64), stride,
                          padding, dilation, groups)
    assert_close(got, want.astype(np.float32), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("stride,padding,out_pad", [(1, 0, 0), (2, 1, 1), (3, 2, 0)])
def test_conv_transpose_is_the_adjoint(rng, stride, padding, out_pad):
    # <conv(y), x> = <y, conv_transpose(x)> for the same kernel.
    w = mx.array(rng.standard_normal((2, 4, 3)), dtype=mx.float64)
    x = mx.array(rng.standard_normal((1, 6, 3)), dtype=mx.float64)
    t = mx.conv_transpose1d(x, w, stride=stride, padding=padding,
                            output_padding=out_pad)
    y = mx.array(rng.standard_normal(t.shape), dtype=mx.float64)
    c = mx.conv1d(y, mx.swapaxes(w, 0, 2), stride=stride, padding=padding)
    lhs = mx.sum(c[:, : x.shape[1]] * x).item()
    rhs = mx.sum(y * t).item()
    assert lhs == pytest.approx(rhs, rel=1e-9)


def test_convolve_matches_numpy(rng):
    a = rng.standard_normal(9)
    v = rng.standard_normal(4)
    for mode in ("full", "same", "valid"):
        got = mx.convolve(mx.array(a, dtype=mx.float64), mx.array(v, dtype=mx.float64),
                          mode)
        np.testing.assert_allclose(np.array(got), np.convolve(a, v, mode), rtol=1e-10)


def test_conv_errors():
    x = mx.zeros((1, 5, 4))
    with pytest.raises(ValueError):
        mx.conv1d(x, mx.zeros((2, 3, 3)))  # channel mismatch
    with pytest.raises(ValueError):
        mx.conv1d(x, mx.zeros((2, 9, 4)))  # kernel larger than input
    with pytest.raises(ValueError):
        mx.conv1d(x, mx.zeros((3, 3, 2)), groups=2)  # cout not divisible
    with pytest.raises(ValueError):
        mx.conv2d(x, mx.zeros((2, 3, 4)))  # rank mismatch
