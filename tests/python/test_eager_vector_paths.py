"""The eager fast path for dense float32 elementwise ops (backend/cpu/
compiled_tiles.cpp: vector_unary/vector_binary, loops chosen for the CPU
that runs): results equal the generic kernels' (EMBER_CPU_ISA=base, run in
a subprocess) bit for bit on exact ops (x ** 3 is not one: the fast path
multiplies, the generic one calls pow), comparisons give bools, single
values broadcast to the output's shape are read once, and inputs the op
may overwrite (donation) do not change what the caller sees."""

import os
import subprocess
import sys
import textwrap

import numpy as np

import mlx.core as mx

SCRIPT = textwrap.dedent("""
    import sys, numpy as np, mlx.core as mx
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(1000) * 10,
                        [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40]]).astype(np.float32)
    y = rng.standard_normal(x.size).astype(np.float32)
    a, b = mx.array(x), mx.array(y)
    half = mx.broadcast_to(mx.array(0.5), a.shape)
    outs = [a + b, a - b, a * b, a / b, mx.maximum(a, b), mx.minimum(a, half),
            a ** 2, mx.square(a), mx.abs(a), -a, mx.sqrt(mx.abs(a)),
            mx.floor(a), a * half, half - a,
            (a >= b).astype(mx.float32), (a < half).astype(mx.float32),
            (a == a).astype(mx.float32), (a != half).astype(mx.float32)]
    # Broadcast rows and columns (the row-wise path), 40 x 25.
    m = a[:1000].reshape(40, 25)
    row, col = b[:25], b[:40].reshape(40, 1)
    for o in [m * row, m - col, mx.maximum(row, m), col / m, (m > col).astype(mx.float32)]:
        outs.append(mx.concatenate([o.reshape(-1), mx.zeros(a.size - 1000)]))
    np.save(sys.argv[1], np.stack([np.asarray(o) for o in outs]))
""")


def run(env):
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"vecpath_{os.getpid()}_{len(env)}.npy")
    subprocess.run([sys.executable, "-c", SCRIPT, path], check=True, env={**os.environ, **env})
    try:
        return np.load(path)
    finally:
        os.remove(path)


def test_vector_paths_match_the_generic_kernels_bitwise():
    fast, generic = run({}), run({"EMBER_CPU_ISA": "base"})
    assert fast.shape == generic.shape
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(generic))
    ok = ~np.isnan(generic)
    np.testing.assert_array_equal(fast[ok], generic[ok])
    np.testing.assert_array_equal(np.signbit(fast[ok]), np.signbit(generic[ok]))


def test_comparisons_give_bools_like_numpy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(5000).astype(np.float32)
    x[::7] = np.nan
    y = rng.standard_normal(5000).astype(np.float32)
    a, b = mx.array(x), mx.array(y)
    zero = mx.broadcast_to(mx.array(0.0), a.shape)
    m, row = a.reshape(100, 50), b[:50]
    for got, want in [(a >= b, x >= y), (a < zero, x < 0), (a == a, x == x),
                      (a != b, x != y), (a > 0.25, x > 0.25),
                      (m <= row, x.reshape(100, 50) <= y[:50])]:
        assert got.dtype == mx.bool_
        np.testing.assert_array_equal(np.asarray(got), want)


def test_donated_inputs_do_not_change_what_the_caller_holds():
    x = mx.array(np.arange(4096, dtype=np.float32))
    y = mx.exp(x * 0.001)  # x * 0.001 is a temporary that may be overwritten
    z = x * 2.0
    np.testing.assert_array_equal(np.asarray(x), np.arange(4096, dtype=np.float32))
    scaled = (np.arange(4096, dtype=np.float32) * np.float32(0.001)).astype(np.float64)
    np.testing.assert_allclose(np.asarray(y), np.exp(scaled), rtol=2.5e-7)
    np.testing.assert_array_equal(np.asarray(z), np.arange(4096, dtype=np.float32) * 2)
