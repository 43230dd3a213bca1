"""A batch of matrices times one matrix (x @ W.T in nn.Linear on 3-D input)
runs as one gemm over all rows without broadcasting the matrix
(ops/matmul.cpp): values, both gradients, vmap over either operand,
non-contiguous batches, and shapeless export, against numpy in float64."""

import os
import tempfile

import numpy as np
import pytest

import mlx.core as mx


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("lead", [(3,), (2, 3), (1,), (4, 0)])
def test_values_and_gradients(lead):
    a, w = rand(*lead, 5, 7), rand(6, 7, seed=1)
    g = rand(*lead, 5, 6, seed=2)
    f = lambda a, w: a @ w.T
    out, vjps = mx.vjp(f, [mx.array(a), mx.array(w)], [mx.array(g)])
    a64, w64, g64 = a.astype(np.float64), w.astype(np.float64), g.astype(np.float64)
    np.testing.assert_allclose(np.asarray(out[0]), a64 @ w64.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(vjps[0]), g64 @ w64, rtol=1e-5, atol=1e-5)
    want_w = g64.reshape(-1, 6).T @ a64.reshape(-1, 7)
    np.testing.assert_allclose(np.asarray(vjps[1]), want_w, rtol=1e-5, atol=1e-4)


def test_non_contiguous_batch():
    a = mx.array(rand(5, 3, 7)).transpose(1, 0, 2)  # (3, 5, 7), strided
    w = rand(7, 4, seed=3)
    np.testing.assert_allclose(np.asarray(a @ mx.array(w)),
                               np.asarray(a).astype(np.float64) @ w, rtol=1e-5, atol=1e-5)


def test_vmap_over_either_operand():
    a, w = rand(6, 2, 5, 7), rand(6, 7, 4, seed=1)
    # The matrix batched: each w[i] is shared by a[i]'s batch of two.
    got = mx.vmap(lambda a, w: a @ w)(mx.array(a), mx.array(w))
    want = np.stack([a[i].astype(np.float64) @ w[i] for i in range(6)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    # Only the batch of matrices batched.
    got = mx.vmap(lambda a: a @ mx.array(w[0]))(mx.array(a))
    np.testing.assert_allclose(np.asarray(got), a.astype(np.float64) @ w[0], rtol=1e-5, atol=1e-5)
    # Only the shared matrix batched.
    got = mx.vmap(lambda w: mx.array(a[0]) @ w)(mx.array(w))
    want = np.stack([a[0].astype(np.float64) @ w[i] for i in range(6)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)


def test_shapeless_export_follows_new_sequence_lengths():
    w = mx.array(rand(6, 7, seed=4))
    f = lambda x: x @ w.T
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "linear.mlxfn")
        mx.export_function(path, f, mx.array(rand(2, 5, 7)), shapeless=True)
        g = mx.import_function(path)
        for seq in (5, 9):
            x = rand(2, seq, 7, seed=seq)
            (out,) = g(mx.array(x))
            np.testing.assert_allclose(np.asarray(out), x.astype(np.float64) @ np.asarray(w).T,
                                       rtol=1e-5, atol=1e-5)
