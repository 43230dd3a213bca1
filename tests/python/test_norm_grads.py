"""Gradients of mx.fast.layer_norm and mx.fast.rms_norm. float32 goes
through the fused NormVJP kernel (backend/cpu/fast.cpp); the oracles are
the closed form in float64 numpy and the float64 composition's vjp."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import roundtrip

EPS = 1e-5


def np_norm_grads(x, w, g, center):
    """dx, dw, db of y = norm(x) * w + b for the cotangent g, in float64."""
    x, g = x.astype(np.float64), g.astype(np.float64)
    w = np.ones(x.shape[-1]) if w is None else w.astype(np.float64)
    mu = x.mean(-1, keepdims=True) if center else 0.0
    inv = 1.0 / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + EPS)
    xh = (x - mu) * inv
    gw = g * w
    dx = gw - (gw * xh).mean(-1, keepdims=True) * xh
    if center:
        dx -= gw.mean(-1, keepdims=True)
    rows = tuple(range(x.ndim - 1))
    return inv * dx, (g * xh).sum(rows), g.sum(rows)


def norm(center, x, w, b):
    if center:
        return mx.fast.layer_norm(x, w, b, EPS)
    y = mx.fast.rms_norm(x, w, EPS)
    return y if b is None else y + b


def grads(center, x, w, b, g):
    """The vjp of norm(center) at (x, w, b) for g, for the inputs given."""
    args = [a for a in (x, w, b) if a is not None]

    def f(*a):
        it = iter(a)
        return norm(center, next(it), next(it) if w is not None else None,
                    next(it) if b is not None else None)

    return mx.vjp(f, args, [g])[1]


def data(rng, shape, scale=3.0):
    x = (rng.standard_normal(shape) * scale + 1.0).astype(np.float32)
    w = rng.uniform(0.5, 1.5, shape[-1]).astype(np.float32)
    b = rng.standard_normal(shape[-1]).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    return x, w, b, g


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("d", [1, 7, 16, 17, 64, 100, 256])
@pytest.mark.parametrize("with_w,with_b", [(True, True), (True, False), (False, True),
                                           (False, False)])
def test_norm_grads_match_float64(center, d, with_w, with_b):
    rng = np.random.default_rng(d * 4 + 2 * with_w + with_b)
    x, w, b, g = data(rng, (3, 5, d))
    w = w if with_w else None
    got = grads(center, mx.array(x), None if w is None else mx.array(w),
                mx.array(b) if with_b else None, mx.array(g))
    dx, dw, db = np_norm_grads(x, w, g, center)
    want = [dx] + ([dw] if with_w else []) + ([db] if with_b else [])
    assert len(got) == len(want)
    for a, e in zip(got, want):
        assert a.dtype == mx.float32
        np.testing.assert_allclose(np.asarray(a), e, rtol=1e-4, atol=1e-4)
    # The float64 composition (another code path) agrees too.
    wide = grads(center, mx.array(x).astype(mx.float64),
                 None if w is None else mx.array(w).astype(mx.float64),
                 mx.array(b).astype(mx.float64) if with_b else None,
                 mx.array(g).astype(mx.float64))
    for a, e in zip(got, wide):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("center", [True, False])
def test_long_columns_keep_their_accuracy(center):
    # 20,000 rows: dw and db sum across many flush blocks and both threads.
    rng = np.random.default_rng(7)
    x, w, b, g = data(rng, (20000, 24))
    _, dw, db = grads(center, mx.array(x), mx.array(w), mx.array(b), mx.array(g))
    _, want_w, want_b = np_norm_grads(x, w, g, center)
    np.testing.assert_allclose(np.asarray(dw), want_w, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(np.asarray(db), want_b, rtol=1e-5, atol=1e-3)


def test_constant_rows_and_empty_arrays():
    # A constant row has xhat 0: dx is (g*w - mean(g*w)) / sqrt(eps).
    x = np.full((2, 8), 3.0, np.float32)
    rng = np.random.default_rng(1)
    w, g = rng.uniform(0.5, 1.5, 8).astype(np.float32), rng.standard_normal((2, 8)).astype(np.float32)
    dx, dw = grads(True, mx.array(x), mx.array(w), None, mx.array(g))
    want_dx, want_dw, _ = np_norm_grads(x, w, g, True)
    np.testing.assert_allclose(np.asarray(dx), want_dx, rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(np.asarray(dw), want_dw, atol=1e-6)
    dx, dw, db = grads(True, mx.zeros((0, 8)), mx.ones((8,)), mx.zeros((8,)), mx.zeros((0, 8)))
    assert dx.shape == (0, 8)
    np.testing.assert_array_equal(np.asarray(dw), np.zeros(8))
    np.testing.assert_array_equal(np.asarray(db), np.zeros(8))


def test_non_contiguous_inputs():
    rng = np.random.default_rng(3)
    x, w, b, g = data(rng, (40, 6))
    xt, gt = mx.array(x.T.copy()).T, mx.array(g)[::-1][::-1]
    got = grads(True, xt, mx.array(w), mx.array(b), gt)
    for a, e in zip(got, np_norm_grads(x, w, g, True)):
        np.testing.assert_allclose(np.asarray(a), e, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("center", [True, False])
def test_second_order_through_the_fallback(center):
    # grad of a function of the gradient: the NormVJP node's own vjp goes
    # through its composition; compared with the float64 path.
    rng = np.random.default_rng(11)
    x, w, _, g = data(rng, (4, 12))

    def h(x, w):
        dx, dw = grads(center, x, w, None, mx.array(g).astype(x.dtype))
        return (dx * dx).sum() + (dw * dw).sum()

    got = mx.grad(h, argnums=(0, 1))(mx.array(x), mx.array(w))
    wide = mx.grad(h, argnums=(0, 1))(mx.array(x).astype(mx.float64),
                                      mx.array(w).astype(mx.float64))
    for a, e in zip(got, wide):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=2e-3, atol=2e-3)


def test_vmap_and_jvp_of_the_gradient():
    rng = np.random.default_rng(12)
    x, w, _, g = data(rng, (3, 4, 10))
    grad_x = lambda x, g: grads(True, x, mx.array(w), None, g)[0]
    got = mx.vmap(grad_x)(mx.array(x), mx.array(g))
    np.testing.assert_allclose(np.asarray(got), np_norm_grads(x, w, g, True)[0],
                               rtol=1e-4, atol=1e-4)
    t = rng.standard_normal(x.shape).astype(np.float32)
    _, (tan,) = mx.jvp(lambda x: grad_x(x, mx.array(g)), [mx.array(x)], [mx.array(t)])
    step = 1e-4
    plus = np_norm_grads(x.astype(np.float64) + step * t, w, g, True)[0]
    minus = np_norm_grads(x.astype(np.float64) - step * t, w, g, True)[0]
    np.testing.assert_allclose(np.asarray(tan), (plus - minus) / (2 * step), rtol=1e-3,
                               atol=1e-3)


def test_export_round_trip_of_the_gradient(tmp_path):
    rng = np.random.default_rng(13)
    x, w, b, g = data(rng, (6, 20))

    def fun(x, w, b, g):
        return tuple(grads(True, x, w, b, g))

    args = [mx.array(a) for a in (x, w, b, g)]
    back = roundtrip(tmp_path, fun, *args)(*args)
    for a, e in zip(back, fun(*args)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(e))


def test_layer_norm_module_training_step():
    import mlx.nn as nn

    rng = np.random.default_rng(14)
    x, _, _, g = data(rng, (8, 32))
    layer = nn.LayerNorm(32)
    loss = lambda m, x: (m(x) * mx.array(g)).sum()
    _, gr = nn.value_and_grad(layer, loss)(layer, mx.array(x))
    _, dw, db = np_norm_grads(x, np.asarray(layer.weight), g, True)
    np.testing.assert_allclose(np.asarray(gr["weight"]), dw, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(gr["bias"]), db, rtol=1e-4, atol=1e-4)
