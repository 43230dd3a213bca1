"""float32 3x3 stride-1 convolutions with channel counts that are multiples
of 16, which AVX-512 CPUs run by Winograd's F(2x2, 3x3)
(backend/cpu/conv_winograd.cpp), against float64 evaluations of the
definition: odd output sizes (partial 2x2 tiles), every padding, tile
counts around the 56-tile blocks, wide channels, and the gradient."""

import numpy as np
import pytest
from test_conv_padding import reference

import mlx.core as mx

CASES = [
    # (x shape, cout, lo, hi); each has 16 or more 2x2 output tiles and
    # cin * cout <= 8192, so it takes the Winograd kernel.
    ((2, 8, 8, 16), 16, (0, 0), (0, 0)),
    ((2, 9, 7, 32), 48, (1, 1), (1, 1)),
    ((1, 8, 10, 16), 32, (2, 0), (1, 3)),  # asymmetric, odd output
    ((3, 15, 17, 16), 16, (1, 1), (1, 1)),  # 216 tiles: 28-tile blocks and a short one
    ((2, 3, 3, 16), 16, (2, 2), (2, 2)),  # outputs that see only padding
    ((1, 9, 8, 128), 64, (1, 1), (1, 1)),  # wide input channels
    ((1, 9, 7, 16), 496, (1, 0), (0, 1)),  # wide output channels, partial panel
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_definition(case):
    xs, cout, lo, hi = case
    rng = np.random.default_rng(sum(xs) + cout)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((cout, 3, 3, xs[-1])).astype(np.float32)
    got = mx.conv_general(mx.array(x), mx.array(w), 1, (list(lo), list(hi)))
    want = reference(x, w, (1, 1), lo, hi, (1, 1))
    assert got.shape == want.shape
    # F(2x2, 3x3) rounds a little differently from the direct sum.
    scale = np.sqrt(xs[-1] * 9)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=2e-6 * scale)


def test_special_values_spread_like_the_definition():
    # An inf reaches exactly the outputs whose window holds it (as NaN or
    # inf); finite outputs elsewhere stay finite.
    x = np.zeros((1, 8, 8, 16), np.float32)
    x[0, 3, 4, 2] = np.inf
    w = np.ones((16, 3, 3, 16), np.float32)
    got = np.asarray(mx.conv2d(mx.array(x), mx.array(w), padding=1))
    finite = np.isfinite(got[0, :, :, 0])
    window = np.zeros((8, 8), bool)
    window[2:5, 3:6] = True
    # Winograd tiles mix an inf into the 2x2 block's other outputs (as NaN):
    # allow those, but nothing outside the inf's tiles.
    tiles = np.zeros((8, 8), bool)
    tiles[2:6, 2:6] = True
    assert not finite[window].any()
    assert finite[~tiles].all()


def test_gradients():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 6, 7, 16))
    w = rng.standard_normal((16, 3, 3, 16)) * 0.2
    cot = rng.standard_normal((2, 6, 7, 16))

    def loss(xa, wa):
        return mx.sum(mx.conv2d(xa, wa, padding=1) * mx.array(cot, xa.dtype))

    gx32, gw32 = mx.grad(loss, argnums=(0, 1))(mx.array(x, mx.float32),
                                              mx.array(w, mx.float32))
    gx64, gw64 = mx.grad(loss, argnums=(0, 1))(mx.array(x, mx.float64),
                                              mx.array(w, mx.float64))
    np.testing.assert_allclose(np.asarray(gx32), np.asarray(gx64), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(gw32), np.asarray(gw64), rtol=1e-4, atol=1e-4)
    # The float64 gradient (direct kernels) against the definition.
    eps = 0.5  # the loss is linear in x
    i = (1, 2, 3, 4)
    xp, xm = x.copy(), x.copy()
    xp[i] += eps
    xm[i] -= eps
    fd = ((reference(xp, w, (1, 1), (1, 1), (1, 1), (1, 1)) * cot).sum()
          - (reference(xm, w, (1, 1), (1, 1), (1, 1), (1, 1)) * cot).sum()) / (2 * eps)
    assert np.asarray(gx64)[i] == pytest.approx(fd, rel=1e-9)
