"""Zero padding read inside the Convolution primitive (ops/conv.cpp,
backend/cpu/conv*.cpp) against float64 evaluations of the definition:
asymmetric and negative padding, padding wider than the kernel, large
kernels (short blocks of tiles), every kernel path (direct float32, the
padded copy for float64 and groups, im2col under EMBER_CPU_ISA=avx2), and
the gradient, jvp and vmap rules against finite differences."""

import itertools

import numpy as np
import pytest
from oracle import outputs_under_isa

import mlx.core as mx


def reference(x, w, stride, lo, hi, dilation, groups=1):
    """Cross-correlation of x padded by lo/hi (negative crops), NHWC."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    d = x.ndim - 2
    crop = tuple(slice(max(-a, 0), x.shape[i + 1] - max(-b, 0))
                 for i, (a, b) in enumerate(zip(lo, hi)))
    x = x[(slice(None), *crop)]
    x = np.pad(x, [(0, 0)] + [(max(a, 0), max(b, 0)) for a, b in zip(lo, hi)] + [(0, 0)])
    cin, cout, ksp = x.shape[-1], w.shape[0], w.shape[1:-1]
    cg, cog = cin // groups, cout // groups
    osp = [(x.shape[1 + i] - (ksp[i] - 1) * dilation[i] - 1) // stride[i] + 1 for i in range(d)]
    out = np.zeros([x.shape[0], *osp, cout])
    for o in itertools.product(*[range(k) for k in osp]):
        for k in itertools.product(*[range(k) for k in ksp]):
            pos = tuple(o[i] * stride[i] + k[i] * dilation[i] for i in range(d))
            xv = x[(slice(None), *pos)]
            for g in range(groups):
                ws = w[(slice(g * cog, (g + 1) * cog), *k)]
                out[(slice(None), *o, slice(g * cog, (g + 1) * cog))] += (
                    xv[:, g * cg:(g + 1) * cg] @ ws.T)
    return out


CASES = [
    # (x shape, w shape, stride, lo, hi, dilation, groups)
    ((2, 7, 6, 5), (4, 3, 3, 5), (1, 1), (2, 0), (0, 3), (1, 1), 1),
    ((1, 6, 6, 3), (5, 3, 3, 3), (2, 1), (4, 5), (4, 1), (1, 2), 1),  # wider than the kernel
    ((1, 9, 8, 2), (3, 3, 2, 2), (1, 2), (-2, 1), (1, -3), (1, 1), 1),  # crop and pad
    ((2, 17, 19, 4), (6, 13, 11, 4), (1, 1), (6, 5), (6, 5), (1, 1), 1),  # short tile blocks
    ((1, 8, 8, 70), (66, 3, 3, 70), (1, 1), (1, 1), (1, 1), (1, 1), 1),  # two panels
    # Whole 64-channel panels, taps in three passes, a short last tile.
    ((1, 5, 6, 200), (128, 3, 3, 200), (1, 1), (1, 1), (1, 1), (1, 1), 1),
    ((2, 11, 3), (4, 4, 3), (3,), (5,), (2,), (2,), 1),
    ((1, 7, 6, 4), (6, 3, 3, 2), (1, 1), (1, 2), (2, 1), (1, 1), 2),  # groups: padded copy
]


def run_conv(x, w, stride, lo, hi, dilation, groups, dtype=mx.float32):
    return mx.conv_general(mx.array(x, dtype), mx.array(w, dtype), stride, (list(lo), list(hi)),
                           dilation, 1, groups)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_definition(case):
    xs, ws, stride, lo, hi, dilation, groups = case
    rng = np.random.default_rng(len(str(case)))
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    want = reference(x, w, stride, lo, hi, dilation, groups)
    got = run_conv(x, w, stride, lo, hi, dilation, groups)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4)
    got64 = run_conv(x, w, stride, lo, hi, dilation, groups, mx.float64)
    np.testing.assert_allclose(np.asarray(got64), want, rtol=1e-10, atol=1e-10)


def test_im2col_path_agrees():
    # float32 without AVX-512: the padded copy and im2col + gemm.
    code = (
        "import sys, numpy as np, mlx.core as mx\n"
        "r = np.random.default_rng(5)\n"
        "x = mx.array(r.standard_normal((2, 9, 7, 6)), mx.float32)\n"
        "w = mx.array(r.standard_normal((5, 3, 3, 6)), mx.float32)\n"
        "for pad in (1, ([2, 0], [1, 3])):\n"
        "    np.save(sys.stdout.buffer, np.array(mx.conv_general(x, w, 1, pad)))\n"
    )
    im2col, direct = outputs_under_isa(code, "avx2"), outputs_under_isa(code, "avx512")
    assert len(im2col) == len(direct) == 2
    for a, b in zip(im2col, direct):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_border_outputs_see_only_padding():
    # Outputs whose window lies wholly in the padding are exactly zero.
    x = mx.ones((1, 2, 2, 3))
    w = mx.ones((2, 2, 2, 3))
    y = np.asarray(mx.conv2d(x, w, padding=3))
    assert y.shape == (1, 7, 7, 2)
    assert (y[:, :2] == 0).all() and (y[:, -2:] == 0).all()
    assert y[0, 3, 3, 0] == 12.0


def fd_grad(f, x, eps=0.5):  # the loss is linear: no truncation error
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


@pytest.mark.parametrize("stride,lo,hi,dilation", [
    ((1, 1), (1, 2), (2, 0), (1, 1)),
    ((2, 1), (3, 1), (0, 2), (1, 2)),
    ((1, 2), (-1, 1), (1, -1), (2, 1)),
])
def test_gradients_match_finite_differences(stride, lo, hi, dilation):
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((4, 2, 3, 3))
    cot = rng.standard_normal(reference(x, w, stride, lo, hi, dilation).shape)

    def loss(xa, wa):
        y = mx.conv_general(xa, wa, stride, (list(lo), list(hi)), dilation)
        return mx.sum(y * mx.array(cot, xa.dtype))

    gx, gw = mx.grad(loss, argnums=(0, 1))(mx.array(x, mx.float64), mx.array(w, mx.float64))
    fx = fd_grad(lambda v: (reference(v, w, stride, lo, hi, dilation) * cot).sum(), x)
    fw = fd_grad(lambda v: (reference(x, v, stride, lo, hi, dilation) * cot).sum(), w)
    np.testing.assert_allclose(np.asarray(gx), fx, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.asarray(gw), fw, rtol=1e-9, atol=1e-9)
    # The float32 kernels (direct on AVX-512) give the same gradients.
    gx32, gw32 = mx.grad(loss, argnums=(0, 1))(mx.array(x, mx.float32), mx.array(w, mx.float32))
    np.testing.assert_allclose(np.asarray(gx32), fx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(gw32), fw, rtol=1e-4, atol=2e-4)


def test_jvp_and_vmap():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((3, 2, 5, 4, 2)), rng.standard_normal((3, 3, 2, 2))
    tx, tw = rng.standard_normal(x.shape[1:]), rng.standard_normal(w.shape)

    def f(xa, wa):
        return mx.conv2d(xa, wa, stride=(1, 2), padding=(2, 1))

    _, (jv,) = mx.jvp(f, [mx.array(x[0]), mx.array(w)], [mx.array(tx), mx.array(tw)])
    want = (reference(tx, w, (1, 2), (2, 1), (2, 1), (1, 1))
            + reference(x[0], tw, (1, 2), (2, 1), (2, 1), (1, 1)))
    np.testing.assert_allclose(np.asarray(jv), want, rtol=1e-4, atol=1e-4)
    # Batched inputs, shared kernel; then batched kernels too.
    got = mx.vmap(f, in_axes=(0, None))(mx.array(x), mx.array(w))
    want = np.stack([reference(xi, w, (1, 2), (2, 1), (2, 1), (1, 1)) for xi in x])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4)
    ws = rng.standard_normal((3, *w.shape))
    got = mx.vmap(f, in_axes=(0, 0))(mx.array(x), mx.array(ws))
    want = np.stack([reference(xi, wi, (1, 2), (2, 1), (2, 1), (1, 1)) for xi, wi in zip(x, ws)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4)


def test_export_keeps_padding(tmp_path):
    rng = np.random.default_rng(4)
    x, w = mx.array(rng.standard_normal((1, 5, 6, 2)), mx.float32), mx.array(
        rng.standard_normal((3, 3, 3, 2)), mx.float32)

    def f(a):
        return mx.conv_general(a, w, 1, ([2, 0], [1, 3]))

    path = str(tmp_path / "conv.mlxfn")
    mx.export_function(path, f, x)
    (got,) = mx.import_function(path)(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(f(x)), rtol=1e-6, atol=1e-6)
