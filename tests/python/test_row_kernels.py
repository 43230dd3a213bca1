"""The vectorized float32 row kernels (sum and argmax/argmin in backend/cpu/
reduce.cpp; rms_norm/layer_norm and attention's softmax in
backend/cpu/fast.cpp) against numpy: row lengths around the 16- and 64-lane
loops, NaN (the first wins, as in numpy), ties (the first wins), rows all
-inf, and float64 references for the norms and attention."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import outputs_under_isa

LENGTHS = [1, 15, 16, 17, 31, 63, 64, 65, 80, 100, 4099]


def special_rows(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((12, n)).astype(np.float32)
    x[1, :] = -np.inf
    x[2, :] = 3.0  # all tied
    x[3, ::3] = 9.0  # ties spread over lanes
    x[4, n // 2] = np.nan
    x[5, -1] = np.nan
    x[6, 0] = np.nan
    x[7, :] = np.inf
    x[8, n // 3] = np.inf
    x[8, -1] = np.nan
    x[9, :] = np.nan
    return x


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_reductions_match_numpy(n, name):
    x = special_rows(n, n)
    got = np.asarray(getattr(mx, name)(mx.array(x), axis=-1))
    np.testing.assert_array_equal(got, getattr(np, name)(x, axis=-1))
    # The same rows as columns go through the general loop.
    got_t = np.asarray(getattr(mx, name)(mx.array(x).T, axis=0))
    np.testing.assert_array_equal(got_t, getattr(np, name)(x, axis=-1))


SUM_LENGTHS = LENGTHS + [4095, 4096, 4097, 3 * 4096 + 17]


@pytest.mark.parametrize("n", SUM_LENGTHS)
def test_sums_match_float64(n):
    # Runs around the lanes and the 4096-value blocks, with large and small
    # values mixed, so a dropped or doubled lane or block shows.
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((6, n)) * 10.0 ** rng.integers(-3, 4, (6, n))).astype(np.float32)
    wide = x.astype(np.float64)
    tol = 1e-6 * np.abs(wide).sum(axis=-1)
    np.testing.assert_allclose(np.asarray(mx.sum(mx.array(x), axis=-1)), wide.sum(axis=-1),
                               rtol=0, atol=tol.max())
    assert abs(mx.sum(mx.array(x)).item() - wide.sum()) <= 1e-6 * np.abs(wide).sum()
    half = x.astype(np.float16)
    np.testing.assert_allclose(np.asarray(mx.sum(mx.array(half)[0])),
                               half[0].astype(np.float64).sum(), rtol=2e-3, atol=1e-2 * n)


def test_sum_kernels_agree_across_isas():
    code = (
        "import sys, numpy as np, mlx.core as mx\n"
        "x = np.random.default_rng(5).standard_normal((3, 3 * 4096 + 17)).astype(np.float32)\n"
        "for out in (mx.sum(mx.array(x), axis=-1), mx.sum(mx.array(x))):\n"
        "    np.save(sys.stdout.buffer, np.asarray(out, dtype=np.float64))\n")
    want = np.random.default_rng(5).standard_normal((3, 3 * 4096 + 17)).astype(np.float32)
    want = want.astype(np.float64)
    for isa in ("base", "avx2", "avx512"):
        rows, total = outputs_under_isa(code, isa)
        np.testing.assert_allclose(rows, want.sum(axis=-1), rtol=0, atol=1e-3)
        np.testing.assert_allclose(total, want.sum(), rtol=0, atol=1e-3)


def norm64(x, w, b, center, eps):
    x = x.astype(np.float64)
    mu = x.mean(axis=-1, keepdims=True) if center else 0.0
    y = (x - mu) / np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("with_w,with_b", [(True, True), (True, False), (False, True), (False, False)])
def test_norms_match_float64(n, with_w, with_b):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((5, 3, n)) * 3 + 1).astype(np.float32)
    w = rng.standard_normal(n).astype(np.float32) if with_w else None
    b = rng.standard_normal(n).astype(np.float32) if with_b else None
    mw = mx.array(w) if with_w else None
    mb = mx.array(b) if with_b else None
    got = np.asarray(mx.fast.layer_norm(mx.array(x), mw, mb, 1e-5))
    np.testing.assert_allclose(got, norm64(x, w, b, True, 1e-5), rtol=2e-5, atol=2e-5)
    if not with_b:
        got = np.asarray(mx.fast.rms_norm(mx.array(x), mw, 1e-5))
        np.testing.assert_allclose(got, norm64(x, w, None, False, 1e-5), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("tq,tk", [(1, 1), (7, 300), (300, 7), (257, 513)])
@pytest.mark.parametrize("mask", [None, "causal", "bool"])
def test_attention_matches_float64(tq, tk, mask):
    rng = np.random.default_rng(tq * 1000 + tk)
    q = rng.standard_normal((2, 4, tq, 16)).astype(np.float32)
    k = rng.standard_normal((2, 2, tk, 16)).astype(np.float32)  # grouped heads
    v = rng.standard_normal((2, 2, tk, 8)).astype(np.float32)
    scale = 0.25
    s = np.einsum("bhqd,bhkd->bhqk", q.astype(np.float64), np.repeat(k, 2, axis=1)) * scale
    m = None
    if mask == "causal":
        keep = np.arange(tk)[None, :] <= np.arange(tq)[:, None] + tk - tq
        s = np.where(keep, s, -np.inf)
        m = "causal"
    elif mask == "bool":
        keep = rng.uniform(size=(tq, tk)) < 0.7
        keep[:, 0] = True
        s = np.where(keep, s, -np.inf)
        m = mx.array(keep)
    with np.errstate(invalid="ignore"):
        p = np.exp(s - s.max(axis=-1, keepdims=True))
        p = p / p.sum(axis=-1, keepdims=True)
    want = np.einsum("bhqk,bhkd->bhqd", p, np.repeat(v, 2, axis=1))
    got = mx.fast.scaled_dot_product_attention(
        mx.array(q), mx.array(k), mx.array(v), scale=scale, mask=m)
    got = np.asarray(got)
    ok = ~np.isnan(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=2e-5, atol=2e-6)
