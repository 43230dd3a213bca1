"""Lazy evaluation: eval/async_eval, deep graphs, threads."""

import threading

import numpy as np
import pytest

import mlx.core as mx


def test_eval_accepts_arrays_and_trees():
    a, b, c = mx.arange(3) + 1, mx.ones((2,)) * 2, mx.zeros((1,)) - 1
    mx.eval(a)
    mx.eval(a, b)
    mx.eval([a, (b, c)])
    mx.eval({"a": a, "nested": {"b": [b, c]}})
    assert a.tolist() == [1, 2, 3]
    assert b.tolist() == [2.0, 2.0]
    assert c.tolist() == [-1.0]
    mx.eval()
    mx.eval([])


def test_eval_is_idempotent():
    x = mx.array([1.0, 2.0])
    y = mx.exp(x)
    mx.eval(y)
    first = np.array(y)
    mx.eval(y)
    mx.eval(y, y)
    np.testing.assert_array_equal(np.array(y), first)
    np.testing.assert_allclose(first, np.exp([1.0, 2.0]), rtol=1e-6)


def test_async_eval():
    x = mx.arange(1000).astype(mx.float32)
    y = mx.sum(x * x)
    mx.async_eval(y)
    assert y.item() == pytest.approx(float(np.sum(np.arange(1000.0) ** 2)), rel=1e-6)
    z = [mx.sqrt(x), mx.max(x)]
    mx.async_eval(z)
    mx.synchronize()
    assert z[1].item() == 999.0


def test_shared_subgraph_evaluates_once_consistently():
    x = mx.array([1.0, 2.0, 3.0])
    shared = mx.exp(x)
    left, right = shared + 1, shared * 2
    total = left + right
    mx.eval(left)
    expected = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(np.array(total), 3 * expected + 1, rtol=1e-6)
    np.testing.assert_allclose(np.array(right), 2 * expected, rtol=1e-6)


def test_deep_chain_evaluates():
    x = mx.array(0)
    for _ in range(10**6):
        x = x + 1
    mx.eval(x)
    assert x.item() == 10**6


def test_deep_chain_destroyed_without_eval():
    x = mx.array([1.0, 2.0])
    for _ in range(10**6):
        x = x + 1
    del x
    y = mx.array([1.0, 2.0])
    for _ in range(100_000):
        y = y + y
    del y
    # Multi-output ops in the chain.
    z = mx.array([1, 2])
    for _ in range(100_000):
        z = mx.concatenate(mx.split(z, 2))
    del z


def test_deep_chain_of_unary_ops_with_eval():
    x = mx.array([0.5, 1.0])
    expected = np.array([0.5, 1.0], np.float32)
    for _ in range(100_000):
        x = mx.sin(x)
    for _ in range(100_000):
        expected = np.sin(expected)
    np.testing.assert_allclose(np.array(x), expected, rtol=1e-3)


def test_repeated_eval_inside_loop():
    w = mx.zeros((4,))
    for i in range(1000):
        w = w + mx.full((4,), i)
        if i % 100 == 0:
            mx.eval(w)
    assert w.tolist() == [sum(range(1000))] * 4


def test_build_on_one_thread_eval_on_another():
    x = mx.arange(100).astype(mx.float32)
    y = mx.sum(x * 2)
    result = {}

    def worker():
        result["value"] = y.item()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert result["value"] == 9900.0


def test_concurrent_evals():
    base = mx.arange(10_000).astype(mx.float32)
    errors, results = [], {}

    def worker(k):
        try:
            y = base
            for _ in range(50):
                y = y * 1.0 + k
            results[k] = mx.sum(y).item()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(4):
        expected = float(np.sum(np.arange(10_000.0) + 50 * k))
        assert abs(results[k] - expected) <= 1e-5 * expected


def test_async_eval_error_surfaces_at_synchronize():
    bad = mx.linalg.inv(mx.array([[1.0, 2.0], [2.0, 4.0]]))  # singular
    mx.async_eval(bad)
    with pytest.raises(RuntimeError):
        mx.synchronize()
    mx.synchronize()  # the error is reported once
    with pytest.raises(RuntimeError):
        mx.eval(bad)
