"""The float32 attention kernel (backend/cpu/fast_attention.cpp) against
float64 numpy: head sizes that fill its tiles partly, key counts around its
32-key panels, query counts around its row tiles and blocks, every mask
kind, grouped heads, and the special values that reach its exp."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import np_attention, outputs_under_isa


def run(q, k, v, scale, mask=None):
    m = mx.array(mask) if isinstance(mask, np.ndarray) else mask
    out = mx.fast.scaled_dot_product_attention(
        *(mx.array(a, mx.float32) for a in (q, k, v)), scale=scale, mask=m)
    return np.array(out).astype(np.float64)


def inputs(rng, heads, tq, tk, dq, dv, batch=1):
    hq, hk = heads
    q = rng.standard_normal((batch, hq, tq, dq))
    k = rng.standard_normal((batch, hk, tk, dq))
    v = rng.standard_normal((batch, hk, tk, dv))
    # Rounded to float32 first, so the oracle sees what the kernel sees.
    return (a.astype(np.float32).astype(np.float64) for a in (q, k, v))


@pytest.mark.parametrize("dv", [16, 48, 64, 80, 144])
@pytest.mark.parametrize("dq", [5, 64, 100])
def test_head_sizes(rng, dq, dv):
    q, k, v = inputs(rng, (2, 2), 20, 45, dq, dv)
    np.testing.assert_allclose(run(q, k, v, dq**-0.5), np_attention(q, k, v, dq**-0.5),
                               rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("tk", [1, 15, 31, 32, 33, 64, 100, 1031])
@pytest.mark.parametrize("tq", [1, 6, 13, 14, 15, 57, 130])
def test_lengths(rng, tq, tk):
    q, k, v = inputs(rng, (2, 1), tq, tk, 32, 32, batch=2)
    np.testing.assert_allclose(run(q, k, v, 0.2), np_attention(q, k, v, 0.2),
                               rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("lens", [(1, 40), (40, 40), (57, 200), (130, 70), (70, 130)])
@pytest.mark.parametrize("mask", ["causal", "bool", "additive"])
@pytest.mark.parametrize("heads", [(4, 4), (4, 2)])
def test_masks(rng, lens, mask, heads):
    tq, tk = lens
    q, k, v = inputs(rng, heads, tq, tk, 16, 32, batch=2)
    m = mask
    if mask == "bool":
        m = rng.random((2, heads[0], tq, tk)) > 0.4
        m[0, 1, tq // 2] = False  # a row that sees no key
    elif mask == "additive":
        m = rng.standard_normal((1, heads[0], tq, tk)).astype(np.float32)
        m[0, 0, tq // 2, : tk // 2] = -np.inf
    np.testing.assert_allclose(run(q, k, v, 0.25, m), np_attention(q, k, v, 0.25, m),
                               rtol=2e-5, atol=2e-5)


def test_causal_rows_that_see_nothing(rng):
    # More queries than keys: the first rows see no key and average them all.
    q, k, v = inputs(rng, (2, 2), 100, 30, 16, 16)
    got = run(q, k, v, 0.5, "causal")
    np.testing.assert_allclose(got, np_attention(q, k, v, 0.5, "causal"), rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(got[0, 0, 0], v[0, 0].mean(0), rtol=2e-5, atol=2e-5)


def test_large_scores_underflow_cleanly(rng):
    # Scores hundreds apart: most weights are exactly zero, some subnormal.
    q, k, v = inputs(rng, (2, 2), 30, 70, 16, 32)
    got = run(q * 40, k, v, 1.0)
    np.testing.assert_allclose(got, np_attention(q * 40, k, v, 1.0), rtol=1e-4, atol=1e-4)
    assert np.isfinite(got).all()


def test_nan_and_inf(rng):
    q, k, v = inputs(rng, (2, 2), 20, 40, 16, 16)
    q[0, 0, 3, 0] = np.nan  # one query row
    k[0, 1, 7, 0] = np.nan  # one key: every row of that head
    got = run(q, k, v, 0.5)
    assert np.isnan(got[0, 0, 3]).all()
    assert np.isfinite(np.delete(got[0, 0], 3, axis=0)).all()
    assert np.isnan(got[0, 1]).all()
    q, k, v = inputs(rng, (2, 2), 20, 40, 16, 16)
    v[0, 0, 5, 2] = np.inf  # a value: only that column
    got = run(q, k, v, 0.5)
    assert np.isposinf(got[0, 0, :, 2]).all()
    assert np.isfinite(np.delete(got[0, 0], 2, axis=1)).all()


def test_strided_inputs_and_grad(rng):
    q, k, v = inputs(rng, (2, 2), 24, 40, 16, 32)
    qa = mx.array(np.swapaxes(q, 1, 2).copy(), mx.float32).swapaxes(1, 2)
    got = mx.fast.scaled_dot_product_attention(qa, mx.array(k, mx.float32),
                                               mx.array(v, mx.float32), scale=0.3)
    np.testing.assert_allclose(np.array(got), np_attention(q, k, v, 0.3), rtol=2e-5, atol=2e-5)

    def loss(qm):
        return mx.fast.scaled_dot_product_attention(
            qm, mx.array(k, mx.float32), mx.array(v, mx.float32), scale=0.3).sum()

    g = np.array(mx.grad(loss)(mx.array(q, mx.float32))).astype(np.float64)
    eps, i = 1e-3, (0, 1, 5, 3)
    qp, qm = q.copy(), q.copy()
    qp[i] += eps
    qm[i] -= eps
    fd = (np_attention(qp, k, v, 0.3).sum() - np_attention(qm, k, v, 0.3).sum()) / (2 * eps)
    np.testing.assert_allclose(g[i], fd, rtol=1e-3, atol=1e-4)


def test_generic_path_agrees():
    # The same problems on the gemm path (EMBER_CPU_ISA=avx2).
    code = (
        "import numpy as np, mlx.core as mx\n"
        "r = np.random.default_rng(3)\n"
        "q, k, v = (mx.array(r.standard_normal((1, 4, 77, 64)), mx.float32) for _ in range(3))\n"
        "for m in (None, 'causal'):\n"
        "    o = mx.fast.scaled_dot_product_attention(q, k, v, scale=0.125, mask=m)\n"
        "    np.save(__import__('sys').stdout.buffer, np.array(o))\n"
    )
    generic, fast = outputs_under_isa(code, "avx2"), outputs_under_isa(code, "avx512")
    assert len(generic) == len(fast) == 2
    for a, b in zip(generic, fast):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
