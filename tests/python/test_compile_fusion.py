"""Fused elementwise kernels of mx.compile: random expression graphs over
several dtypes, layouts (transposed, strided, broadcast, reversed) and
graph shapes (shared intermediates, several outputs, values used by
unfused ops in between) give the same values as the unfused ops."""

import io

import numpy as np
import pytest

import mlx.core as mx

UNARY = [mx.abs, mx.negative, mx.exp, mx.tanh, mx.sin, mx.sigmoid, mx.square, mx.floor]
BINARY = [mx.add, mx.subtract, mx.multiply, mx.maximum, mx.minimum]


def random_graph(seed, n_inputs, n_ops):
    """A function of n_inputs arrays built from n_ops random elementwise
    ops, returning the last value and one intermediate."""
    rng = np.random.default_rng(seed)
    plan = []
    for i in range(n_ops):
        kind = rng.integers(3)
        if kind == 0:
            plan.append(("u", int(rng.integers(len(UNARY))), int(rng.integers(n_inputs + i))))
        elif kind == 1:
            a, b = rng.integers(n_inputs + i, size=2)
            plan.append(("b", int(rng.integers(len(BINARY))), int(a), int(b)))
        else:
            plan.append(("c", float(rng.uniform(-2, 2)), int(rng.integers(n_inputs + i))))

    def f(*xs):
        vals = list(xs)
        for step in plan:
            if step[0] == "u":
                v = UNARY[step[1]](vals[step[2]])
            elif step[0] == "b":
                v = BINARY[step[1]](vals[step[2]], vals[step[3]])
            else:
                v = vals[step[2]] * step[1] + 0.5
            # Keep magnitudes tame so exp does not overflow.
            vals.append(mx.tanh(v) if step[0] == "u" and step[1] == 2 else v)
        return vals[-1], vals[len(vals) // 2]

    return f


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs_match_unfused(seed):
    f = random_graph(seed, 3, 14)
    rng = np.random.default_rng(100 + seed)
    xs = [
        mx.array(rng.standard_normal((4, 5)).astype(np.float32)),
        mx.array(rng.standard_normal((5,)).astype(np.float32)),
        mx.array(rng.standard_normal((4, 1)).astype(np.float32)),
    ]
    want = f(*xs)
    got = mx.compile(f)(*xs)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float64, mx.int32, mx.int64])
def test_dtypes(dtype):
    def f(x, y):
        return mx.maximum(x * y + x, y) - mx.abs(x)

    x = (mx.arange(24).reshape(4, 6) - 12).astype(dtype)
    y = (mx.arange(6) % 4).astype(dtype)
    np.testing.assert_array_equal(
        np.asarray(mx.compile(f)(x, y).astype(mx.float32)),
        np.asarray(f(x, y).astype(mx.float32)),
    )


def test_casts_compares_and_select():
    def f(x):
        m = x > 0.5
        i = (x * 10).astype(mx.int32)
        return mx.where(m, i.astype(mx.float32), -x), mx.logical_not(m), mx.isinf(x / 0.0)

    x = mx.array(np.linspace(-1, 1, 37, dtype=np.float32))
    for g, w in zip(mx.compile(f)(x), f(x)):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


def test_noncontiguous_inputs():
    def f(a, b):
        return mx.exp(a) * b + 1

    base = mx.array(np.arange(48, dtype=np.float32).reshape(6, 8) / 48)
    for a, b in [
        (base.T, base.T),
        (base[::-1, ::2], base[:, 1::2]),
        (base[::2], mx.array(2.0)),
        (mx.broadcast_to(base[:1], (6, 8)), base),
    ]:
        np.testing.assert_allclose(
            np.asarray(mx.compile(f)(a, b)), np.asarray(f(a, b)), rtol=1e-6
        )


def test_value_shared_with_an_unfused_op():
    # y feeds a reduction whose result flows back into the elementwise
    # chain: fusing y with the final product would be a cycle.
    def f(x):
        y = mx.exp(x) + 1
        s = mx.sum(y, axis=-1, keepdims=True)
        return mx.sin(y) * s + y

    x = mx.array(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
    np.testing.assert_allclose(np.asarray(mx.compile(f)(x)), np.asarray(f(x)), rtol=1e-6)


def test_many_inputs_and_outputs():
    def f(*xs):
        outs = [xs[0]]
        for x in xs[1:]:
            outs.append(outs[-1] * 0.5 + x)
        return outs

    xs = [mx.full((3, 3), float(i)) for i in range(40)]
    for g, w in zip(mx.compile(f)(*xs), f(*xs)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6)


def test_large_inputs_use_several_tiles():
    x = mx.array(np.random.default_rng(0).standard_normal(300_001).astype(np.float32))

    def gelu(x):
        return x * 0.5 * (1 + mx.tanh(0.79788456 * (x + 0.044715 * x**3)))

    xn = np.asarray(x).astype(np.float64)
    want = xn * 0.5 * (1 + np.tanh(0.79788456 * (xn + 0.044715 * xn**3)))
    np.testing.assert_allclose(np.asarray(mx.compile(gelu)(x)), want, rtol=2e-6, atol=2e-7)


def test_fused_graph_is_named_after_its_ops():
    def f(x, y, z):
        yy = mx.broadcast_to(y, z.shape)
        return x + yy * z, yy.sum()

    a, c = mx.ones((4, 4)), mx.ones((4, 4))
    d = mx.compile(f)(a, mx.array(0.5), c)
    s = io.StringIO()
    mx.export_to_dot(s, d1=d[0], d2=d[1])
    assert "CompiledBroadcastMultiplyAdd" in s.getvalue()
    assert d[0].tolist() == [[1.5] * 4] * 4 and d[1].item() == 8.0


def test_output_reuses_a_donated_input():
    cf = mx.compile(lambda x: mx.sin(x) + 1)
    x = mx.arange(16, dtype=mx.float32)
    mx.eval(x)
    ptr = np.asarray(x, copy=False).__array_interface__["data"][0]
    out = cf(x)
    del x
    mx.eval(out)
    assert np.asarray(out, copy=False).__array_interface__["data"][0] == ptr
    np.testing.assert_allclose(np.asarray(out), np.sin(np.arange(16)) + 1, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n", [1, 15, 16, 17, 1000, 4099])
@pytest.mark.parametrize("dtype", [mx.bool_, mx.int8, mx.uint16, mx.int32, mx.float16])
def test_fused_casts_to_float32(n, dtype):
    # A mask or small integers used as float32 weights (ReLU's gradient):
    # casts into float32 run the vector variants, across their tails.
    rng = np.random.default_rng(n)
    x = rng.integers(-3, 4, n)
    g = rng.standard_normal(n).astype(np.float32)
    src = mx.array(x > 0) if dtype == mx.bool_ else mx.array(np.abs(x)).astype(dtype)
    want = g * (x > 0 if dtype == mx.bool_ else np.abs(x)).astype(np.float32)
    f = mx.compile(lambda s, g: g * s.astype(mx.float32) + 0.0)
    np.testing.assert_array_equal(np.asarray(f(src, mx.array(g))), want)
