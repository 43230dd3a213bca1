"""Gradients of mx.fast.scaled_dot_product_attention. float32 without sinks
or mask arrays goes through the fused AttentionVJP node (backend/cpu/
fast_attention.cpp); the oracles are the closed-form backward in float64
numpy and the float64 composition's vjp."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import np_attention, outputs_under_isa, roundtrip


def np_attention_grads(q, k, v, scale, mask, g):
    """dq, dk, dv of attention for the cotangent g, in float64."""
    q, k, v, g = (a.astype(np.float64) for a in (q, k, v, g))
    rep = q.shape[1] // k.shape[1]
    kr, vr = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
    s = q @ np.swapaxes(kr, -1, -2) * scale
    tq, tk = q.shape[2], k.shape[2]
    keep = np.ones((tq, tk), bool)
    if mask == "causal":
        keep = np.arange(tq)[:, None] + tk - tq >= np.arange(tk)[None]
        s = np.where(keep, s, -np.finfo(np.float32).max)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    dv = np.swapaxes(p, -1, -2) @ g
    dp = g @ np.swapaxes(vr, -1, -2)
    # Hidden scores are constants: no gradient flows through them.
    ds = np.where(keep, p * (dp - (dp * p).sum(-1, keepdims=True)), 0.0)
    dq = ds @ kr * scale
    dk = np.swapaxes(ds, -1, -2) @ q * scale

    def groups(x):
        b, _, t, d = x.shape
        return x.reshape(b, k.shape[1], rep, t, d).sum(2)

    return dq, groups(dk), groups(dv)


def attention_vjp(q, k, v, g, scale, mask=None):
    f = lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)
    return mx.vjp(f, [q, k, v], [g])[1]


def data(rng, b, hq, hk, tq, tk, d, dv):
    q = rng.standard_normal((b, hq, tq, d)).astype(np.float32)
    k = rng.standard_normal((b, hk, tk, d)).astype(np.float32)
    v = rng.standard_normal((b, hk, tk, dv)).astype(np.float32)
    g = rng.standard_normal((b, hq, tq, dv)).astype(np.float32)
    return q, k, v, g


@pytest.mark.parametrize("tq,tk", [(1, 1), (7, 300), (300, 7), (130, 129), (257, 513)])
@pytest.mark.parametrize("mask", [None, "causal"])
@pytest.mark.parametrize("heads", [(2, 2), (4, 2)])
def test_attention_grads_match_float64(tq, tk, mask, heads):
    # (300, 7) and (257, 513) take several query blocks; (4, 2) adds the
    # query heads of a group into one key head's gradient.
    rng = np.random.default_rng(tq * 1000 + tk + heads[0])
    q, k, v, g = data(rng, 2, heads[0], heads[1], tq, tk, 16, 24)
    got = attention_vjp(*(mx.array(a) for a in (q, k, v, g)), 0.3, mask)
    want = np_attention_grads(q, k, v, 0.3, mask, g)
    for a, e in zip(got, want):
        assert a.dtype == mx.float32 and a.shape == e.shape
        np.testing.assert_allclose(np.asarray(a), e, rtol=2e-4, atol=2e-4)
    wide = attention_vjp(*(mx.array(a).astype(mx.float64) for a in (q, k, v, g)), 0.3, mask)
    for a, e in zip(got, wide):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=2e-4, atol=2e-4)


def test_transformer_sized_heads_and_loss_gradient():
    rng = np.random.default_rng(5)
    q, k, v, g = data(rng, 3, 4, 4, 128, 128, 64, 64)
    got = attention_vjp(*(mx.array(a) for a in (q, k, v, g)), 0.125)
    for a, e in zip(got, np_attention_grads(q, k, v, 0.125, None, g)):
        np.testing.assert_allclose(np.asarray(a), e, rtol=2e-4, atol=2e-4)
    # mx.grad of a scalar loss takes the same path; check it against the
    # loss's own finite difference in float64.
    loss = lambda q: (mx.fast.scaled_dot_product_attention(q, mx.array(k), mx.array(v),
                                                         scale=0.125) * mx.array(g)).sum()
    dq = np.asarray(mx.grad(loss)(mx.array(q)))
    t = rng.standard_normal(q.shape)
    step = 1e-3
    f = lambda x: (np_attention(x, k.astype(np.float64), v.astype(np.float64), 0.125) * g).sum()
    fd = (f(q + step * t) - f(q - step * t)) / (2 * step)
    assert abs((dq * t).sum() - fd) <= 1e-3 * abs(fd) + 1e-3


def test_mask_arrays_and_sinks_keep_the_composition():
    rng = np.random.default_rng(6)
    q, k, v, g = data(rng, 1, 2, 2, 9, 11, 16, 16)
    keep = rng.uniform(size=(9, 11)) < 0.7
    keep[:, 0] = True
    f = lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.5,
                                                           mask=mx.array(keep))
    got = mx.vjp(f, [mx.array(a) for a in (q, k, v)], [mx.array(g)])[1]
    wide = mx.vjp(f, [mx.array(a).astype(mx.float64) for a in (q, k, v)],
                  [mx.array(g).astype(mx.float64)])[1]
    for a, e in zip(got, wide):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=2e-4, atol=2e-4)


def test_no_query_rows_gives_zero_key_gradients():
    q, k, v, g = (mx.zeros(s) for s in [(1, 2, 0, 16), (1, 2, 5, 16), (1, 2, 5, 16),
                                         (1, 2, 0, 16)])
    dq, dk, dv = attention_vjp(q, k, v, g, 0.5)
    assert dq.shape == (1, 2, 0, 16)
    np.testing.assert_array_equal(np.asarray(dk), np.zeros((1, 2, 5, 16)))
    np.testing.assert_array_equal(np.asarray(dv), np.zeros((1, 2, 5, 16)))


def test_second_order_vmap_and_export(tmp_path):
    rng = np.random.default_rng(8)
    q, k, v, g = data(rng, 1, 2, 2, 6, 5, 16, 16)
    ka, va, ga = mx.array(k), mx.array(v), mx.array(g)

    def h(q):
        dq, dk, dv = attention_vjp(q, ka.astype(q.dtype), va.astype(q.dtype),
                                   ga.astype(q.dtype), 0.4, "causal")
        return (dq * dq).sum() + (dk * dv).sum()

    got = mx.grad(h)(mx.array(q))
    wide = mx.grad(h)(mx.array(q).astype(mx.float64))
    np.testing.assert_allclose(np.asarray(got), np.asarray(wide), rtol=2e-3, atol=2e-3)

    batched = mx.vmap(lambda q: attention_vjp(q, ka, va, ga, 0.4)[0])(mx.array(q)[None])
    np.testing.assert_allclose(np.asarray(batched)[0],
                               np_attention_grads(q, k, v, 0.4, None, g)[0],
                               rtol=2e-4, atol=2e-4)

    fun = lambda q, k, v, g: tuple(attention_vjp(q, k, v, g, 0.4, "causal"))
    args = [mx.array(a) for a in (q, k, v, g)]
    back = roundtrip(tmp_path, fun, *args)(*args)
    for a, e in zip(back, fun(*args)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=1e-6, atol=1e-6)


def layouts(rng):
    """(name, q, k, v, g) with q, k, v and the cotangent as strided views:
    transposed from (B, T, H, D) as multi-head attention makes them, every
    other row, a head broadcast, and a non-contiguous last axis (copied)."""
    b, t, h, d = 2, 9, 3, 16
    base = [rng.standard_normal((b, t, h, d)).astype(np.float32) for _ in range(4)]
    yield "transposed", [mx.array(x).transpose(0, 2, 1, 3) for x in base]
    wide = [rng.standard_normal((b, h, 2 * t, d)).astype(np.float32) for _ in range(4)]
    yield "every other row", [mx.array(x)[:, :, ::2] for x in wide]
    one = rng.standard_normal((b, 1, t, d)).astype(np.float32)
    yield "broadcast head", [mx.array(base[0]).transpose(0, 2, 1, 3),
                             mx.broadcast_to(mx.array(one), (b, h, t, d)),
                             mx.broadcast_to(mx.array(one), (b, h, t, d)),
                             mx.array(base[3]).transpose(0, 2, 1, 3)]
    last = [rng.standard_normal((b, h, d, t)).astype(np.float32) for _ in range(4)]
    yield "strided last axis", [mx.array(x).swapaxes(2, 3) for x in last]


@pytest.mark.parametrize("mask", [None, "causal"])
def test_strided_views_are_read_in_place(mask):
    rng = np.random.default_rng(9)
    for name, (q, k, v, g) in layouts(rng):
        qn, kn, vn, gn = (np.asarray(a) for a in (q, k, v, g))
        f = lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.3, mask=mask)
        out, grads = mx.vjp(f, [q, k, v], [g])
        np.testing.assert_allclose(np.asarray(out[0]),
                                   np_attention(qn.astype(np.float64), kn, vn, 0.3, mask),
                                   rtol=2e-5, atol=2e-5, err_msg=name)
        for a, e in zip(grads, np_attention_grads(qn, kn, vn, 0.3, mask, gn)):
            np.testing.assert_allclose(np.asarray(a), e, rtol=2e-4, atol=2e-4, err_msg=name)


def test_strided_views_on_the_blas_path():
    # Under EMBER_CPU_ISA=avx2 the products go to OpenBLAS with the views'
    # row strides; both ISAs against the closed form.
    code = (
        "import sys, numpy as np, mlx.core as mx\n"
        "r = np.random.default_rng(4)\n"
        "x = [mx.array(r.standard_normal((2, 9, 3, 16)).astype(np.float32)).transpose(0, 2, 1, 3)"
        " for _ in range(4)]\n"
        "f = lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.3)\n"
        "for a in mx.vjp(f, x[:3], [x[3]])[1]:\n"
        "    np.save(sys.stdout.buffer, np.asarray(a))\n")
    r = np.random.default_rng(4)
    x = [r.standard_normal((2, 9, 3, 16)).astype(np.float32).transpose(0, 2, 1, 3)
         for _ in range(4)]
    want = np_attention_grads(x[0], x[1], x[2], 0.3, None, x[3])
    for isa in ("avx2", "avx512"):
        for a, e in zip(outputs_under_isa(code, isa), want):
            np.testing.assert_allclose(a, e, rtol=2e-4, atol=2e-4)


def test_key_gradients_accumulate_on_both_isas():
    # Two query heads per key head and two query blocks: dk and dv add four
    # contributions through gemm's accumulate, on gemm_f32 and on OpenBLAS.
    code = (
        "import sys, numpy as np, mlx.core as mx\n"
        "r = np.random.default_rng(6)\n"
        "s = [(1, 4, 300, 16), (1, 2, 7, 16), (1, 2, 7, 8), (1, 4, 300, 8)]\n"
        "x = [mx.array(r.standard_normal(t).astype(np.float32)) for t in s]\n"
        "f = lambda q, k, v: mx.fast.scaled_dot_product_attention(q, k, v, scale=0.3)\n"
        "for a in mx.vjp(f, x[:3], [x[3]])[1]:\n"
        "    np.save(sys.stdout.buffer, np.asarray(a))\n")
    r = np.random.default_rng(6)
    x = [r.standard_normal(t).astype(np.float32)
         for t in [(1, 4, 300, 16), (1, 2, 7, 16), (1, 2, 7, 8), (1, 4, 300, 8)]]
    want = np_attention_grads(x[0], x[1], x[2], 0.3, None, x[3])
    for isa in ("avx2", "avx512"):
        got = outputs_under_isa(code, isa)
        assert len(got) == 3
        for a, e in zip(got, want):
            np.testing.assert_allclose(a, e, rtol=2e-4, atol=2e-4)
