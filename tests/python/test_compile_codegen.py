"""Generated machine code for fused float32 kernels (csrc/backend/cpu/
compiled_jit*.cpp, used on CPUs with AVX-512): every op it lowers gives the
unfused op's values on special inputs (NaN, infinities, signed zeros,
subnormals), sizes that are not a multiple of 16 lanes, broadcast and
strided inputs, single-value inputs that change between calls, graphs too
big for the registers, and the same values as the tile interpreter
(EMBER_JIT=0)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mlx.core as mx

SPECIAL = np.array(
    [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 1e-40, 1e-38, -1e-38,
     1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3e38, -3e38, 88.7, 89.0, -103.9, -104.5],
    dtype=np.float32,
)


def values(n=1000 + 7, seed=0):
    """n values: the special ones, then a spread over many magnitudes."""
    rng = np.random.default_rng(seed)
    spread = rng.standard_normal(n) * np.exp(rng.uniform(-8, 8, n))
    return np.concatenate([SPECIAL, spread.astype(np.float32)])[:n]


def same_bits(got, want):
    """Equal values, NaN where NaN, and the same sign on zeros."""
    got, want = np.asarray(got), np.asarray(want)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan], want[~nan])
    zero = want == 0
    assert np.array_equal(np.signbit(got[zero]), np.signbit(want[zero]))


UNARY_EXACT = [mx.abs, mx.negative, mx.square, mx.sqrt, mx.rsqrt, mx.reciprocal,
               mx.floor, mx.ceil, mx.round, mx.stop_gradient]
UNARY_MATH = [mx.exp, mx.tanh, mx.sigmoid, mx.log]


@pytest.mark.parametrize("op", UNARY_EXACT, ids=lambda f: f.__name__)
def test_unary_ops_match_unfused_exactly(op):
    x = mx.array(values())
    f = lambda x: op(x) * 1.0  # two ops: one fused kernel
    with np.errstate(all="ignore"):
        same_bits(mx.compile(f)(x), f(x))


@pytest.mark.parametrize("op", UNARY_MATH, ids=lambda f: f.__name__)
def test_math_ops_match_unfused(op):
    # The same formulas as the eager kernels, but those are built for the
    # baseline ISA, without fused multiply-adds, so the roundings differ a
    # little (test_simd_math.py bounds both against float64).
    x = mx.array(values())
    f = lambda x: op(x) * 1.0
    got, want = np.asarray(mx.compile(f)(x)), np.asarray(f(x))
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_max_ulp(got[ok], want[ok], maxulp=3)


BINARY = [mx.add, mx.subtract, mx.multiply, mx.divide, mx.maximum, mx.minimum]


@pytest.mark.parametrize("op", BINARY, ids=lambda f: f.__name__)
def test_binary_ops_match_unfused_exactly(op):
    # Every pairing of special values, both orders (NaN and signed-zero
    # rules of maximum/minimum included).
    a, b = np.meshgrid(SPECIAL, SPECIAL)
    a, b = mx.array(a.ravel()), mx.array(b.ravel())
    f = lambda a, b: op(a, b) * 1.0
    same_bits(mx.compile(f)(a, b), f(a, b))
    same_bits(mx.compile(f)(b, a), f(b, a))


@pytest.mark.parametrize(
    "cmp", [mx.greater, mx.greater_equal, mx.less, mx.less_equal, mx.equal, mx.not_equal],
    ids=lambda f: f.__name__)
def test_compare_and_where(cmp):
    a, b = np.meshgrid(SPECIAL, SPECIAL)
    a, b = mx.array(a.ravel()), mx.array(b.ravel())
    f = lambda a, b: mx.where(cmp(a, b), a * 2.0, b - 1.0)
    same_bits(mx.compile(f)(a, b), f(a, b))


def test_where_with_bool_input_and_bool_output():
    # Bool arrays in or out take the interpreter; results are the same.
    x = mx.array(values())
    c = x > 0.5
    f = lambda c, x: (mx.where(c, x, -x) * 2.0, mx.logical_not(c))
    for g, w in zip(mx.compile(f)(c, x), f(c, x)):
        same_bits(g, w)


@pytest.mark.parametrize("exponent", [2.0, 3.0, 2.5, -1.0])
def test_power_by_a_single_value_that_changes(exponent):
    x = mx.array(np.abs(values()) + 0.5)
    f = mx.compile(lambda x, e: mx.power(x, e) + 1.0)
    for e in [exponent, 2.0, exponent]:  # the value, not the trace, decides
        e = mx.array(e)
        got, want = np.asarray(f(x, e)), np.asarray(mx.power(x, e) + 1.0)
        # x ** 3 fused is x * x * x (as in the interpreter), within two
        # roundings of pow.
        np.testing.assert_array_max_ulp(got, want, maxulp=2)


def test_single_value_inputs_are_read_each_call():
    x = mx.array(values())
    f = mx.compile(lambda x, s: x * s + s)
    for s in [1.5, -2.0, 0.25]:
        same_bits(f(x, mx.array(s)), x * s + s)


@pytest.mark.parametrize("n", [1, 15, 16, 17, 33, 1024, 1029, 70_001, 300_007])
def test_sizes_and_tails(n):
    x = mx.array(np.resize(values(), n))
    f = lambda x: mx.tanh(x * 0.7 + 0.1) * x
    got = np.asarray(mx.compile(f)(x))
    want = np.asarray(f(x))
    np.testing.assert_array_max_ulp(np.nan_to_num(got), np.nan_to_num(want), maxulp=2)


def test_broadcast_strided_and_reversed_inputs():
    rng = np.random.default_rng(1)
    a = mx.array(rng.standard_normal((37, 1)).astype(np.float32))
    b = mx.array(rng.standard_normal((1, 53)).astype(np.float32))
    c = mx.array(rng.standard_normal((53, 37)).astype(np.float32)).T  # transposed
    d = mx.array(rng.standard_normal((37, 106)).astype(np.float32))[::-1, ::2]
    f = lambda a, b, c, d: mx.maximum(a * b + c, d) - mx.sigmoid(d)
    got, want = np.asarray(mx.compile(f)(a, b, c, d)), np.asarray(f(a, b, c, d))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_several_outputs():
    x = mx.array(values(5000))
    f = lambda x: (x * 2.0, mx.abs(x) + 1.0, mx.where(x > 0, x, 0.0))
    for g, w in zip(mx.compile(f)(x), f(x)):
        same_bits(g, w)


def test_graphs_beyond_the_registers():
    # Constants and live values past the 32 registers (constants then become
    # memory operands), past 30 live values (the interpreter runs it), and
    # 40 outputs.
    rng = np.random.default_rng(2)
    x = mx.array(rng.uniform(-1, 1, 4099).astype(np.float32))

    def chain(x, k):
        terms = [x * (i + 0.5) + i for i in range(k)]
        out = terms[-1]
        for t in reversed(terms[:-1]):
            out = out * 0.5 + t
        return out

    def wide(x, k):
        # Every term is used twice, far apart: all are live at once.
        terms = [x * (i + 0.5) + i for i in range(k)]
        total, prod = terms[0], terms[-1]
        for t in terms[1:]:
            total = total + t
        for t in reversed(terms[:-1]):
            prod = prod * t * 0.9
        return total * prod

    def outputs(x, k):
        return tuple(x * (i + 0.5) + i for i in range(k))

    for f, k in [(chain, 24), (wide, 12), (wide, 40), (outputs, 40)]:
        got, want = mx.compile(lambda x: f(x, k))(x), f(x, k)
        for g, w in zip(got if isinstance(got, tuple) else [got],
                        want if isinstance(want, tuple) else [want]):
            np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6, atol=1e-30)


def test_generated_code_matches_the_interpreter():
    # The same script with and without generated code gives the same bits
    # (math functions within a rounding step).
    script = textwrap.dedent("""
        import sys, numpy as np, mlx.core as mx
        x = mx.array(np.linspace(-30, 30, 10_007, dtype=np.float32))
        y = mx.array(np.linspace(3, -2, 10_007, dtype=np.float32))
        f = mx.compile(lambda x, y: (
            mx.maximum(x, y) * mx.minimum(x, y) - mx.floor(x) / (mx.abs(y) + 1.0),
            mx.where(x >= y, mx.exp(x * 0.1), mx.log(mx.abs(y) + 0.5)),
            mx.tanh(x) * mx.sigmoid(y) + x ** 2))
        np.save(sys.argv[1], np.stack([np.asarray(o) for o in f(x, y)]))
    """)
    outs = []
    for env in ({}, {"EMBER_JIT": "0"}):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"codegen_{os.getpid()}_{len(outs)}.npy")
        subprocess.run([sys.executable, "-c", script, path], check=True,
                       env={**os.environ, **env})
        outs.append(np.load(path))
        os.remove(path)
    same_bits(outs[0][0], outs[1][0])
    np.testing.assert_array_max_ulp(outs[0][1:], outs[1][1:], maxulp=1)


@pytest.mark.parametrize("n", [16, 1000, 100003])
def test_donated_inputs_in_place_and_not(n):
    """An output may take a dead input's memory. The code reads it in place
    when it loads that input before storing the output (the optimizer
    pattern), and through a copy when it stores first."""
    rng = np.random.default_rng(n)
    xn, yn, zn = (rng.standard_normal(n).astype(np.float32) for _ in range(3))

    def address(a):
        return np.asarray(a, copy=False).__array_interface__["data"][0]

    # Only x can be given away (y stays held), so output 0 takes x's memory
    # and is stored before x is loaded.
    x, y = mx.array(xn), mx.array(yn)
    mx.eval(x, y)
    x_at = address(x)
    out = mx.compile(lambda x, y: (y * 2.0, x + y * 2.0))(x, y)
    del x
    mx.eval(out)
    assert address(out[0]) == x_at
    np.testing.assert_allclose(np.asarray(out[0]), 2 * yn, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(out[1]), xn + 2 * yn, rtol=1e-6, atol=1e-6)

    # The optimizer pattern: each output is stored after its donor is loaded.
    def update(p, m, g):
        m2 = m * 0.9 + g * 0.1
        return p - m2 * 0.01, m2

    held = [mx.array(a) for a in (xn, yn, zn)]
    mx.eval(held)
    at = {address(a) for a in held}
    out = mx.compile(update)(*held)
    del held
    mx.eval(out)
    assert {address(o) for o in out} <= at
    m2 = yn * 0.9 + zn * 0.1
    np.testing.assert_allclose(np.asarray(out[0]), xn - m2 * 0.01, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(out[1]), m2, rtol=1e-6, atol=1e-6)
