"""mx.compile: caching, captured state, errors, and composition with the
other transforms. The oracle is the same function run without compile
(itself checked against numpy elsewhere) or numpy directly."""

import gc
import os
import subprocess
import sys
import threading
from functools import partial

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx import _compile


def counted(fun):
    """fun, plus a list that grows by one each time fun's body runs."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        return fun(*args, **kwargs)

    return wrapper, calls


def test_matches_uncompiled_and_caches(rng):
    def f(x, y):
        return mx.exp(-x) * y + mx.sin(x)

    g, calls = counted(f)
    cg = mx.compile(g)
    x = mx.array(rng.standard_normal((3, 4)).astype(np.float32))
    y = mx.array(rng.standard_normal((4,)).astype(np.float32))
    expected = np.exp(-np.asarray(x)) * np.asarray(y) + np.sin(np.asarray(x))
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(cg(x, y)), expected, rtol=1e-5, atol=1e-6)
    assert len(calls) == 1
    # The cache is shared by wrappers of the same function.
    mx.compile(g)(x, y)
    assert len(calls) == 1


def test_retraces_on_shape_dtype_and_structure():
    f, calls = counted(lambda x, n: x * n)
    cf = mx.compile(f)
    cf(mx.ones((2,)), 2)
    cf(mx.ones((2,)), 2)
    assert len(calls) == 1
    cf(mx.ones((3,)), 2)  # shape
    cf(mx.ones((3,), dtype=mx.int32), 2)  # dtype
    cf(mx.ones((3,), dtype=mx.int32), 3)  # constant argument
    assert len(calls) == 4
    assert cf(mx.ones((3,), dtype=mx.int32), 3).tolist() == [3, 3, 3]


def test_shapeless_reuses_one_trace():
    f, calls = counted(lambda x: mx.abs(x) * 2 + mx.mean(x))
    cf = mx.compile(f, shapeless=True)
    for n in (2, 5, 9):
        x = mx.arange(n, dtype=mx.float32) - 3
        np.testing.assert_allclose(np.asarray(cf(x)), np.asarray(f(x)), rtol=1e-6)
    assert len(calls) == 4  # three compiled calls traced once, plus the oracle calls
    cf(mx.ones((2, 2)))  # a new number of dimensions traces again
    assert len(calls) == 5


def test_shapeless_shape_rules_follow_new_shapes():
    def f(x):
        y = mx.expand_dims(x, 0).flatten()
        z = mx.unflatten(x, 0, (2, -1)).squeeze(axis=-1) if x.shape[1] == 1 else x
        return y * 2, z.sum(), mx.var(x, axis=0), mx.mean(x.reshape(-1))

    cf = mx.compile(f, shapeless=True)
    for rows in (4, 6, 10):
        x = mx.arange(rows, dtype=mx.float32).reshape(rows, 1)
        for got, want in zip(cf(x), f(x)):
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


def test_shapeless_element_counts_under_vmap_and_grad():
    # mean/var count elements with an op in shapeless traces; it must batch
    # (vmap) and carry no gradient of its own.
    mapped = lambda x: mx.mean(x) * x  # noqa: E731
    cv = mx.compile(mx.vmap(mapped), shapeless=True)
    cg = mx.compile(mx.grad(lambda x: mx.var(x) + mx.mean(x * x)), shapeless=True)
    eg = mx.grad(lambda x: mx.var(x) + mx.mean(x * x))
    for n in (3, 5, 8):
        x = mx.arange(2 * n, dtype=mx.float32).reshape(2, n) / 7
        np.testing.assert_allclose(np.asarray(cv(x)), np.asarray(mx.vmap(mapped)(x)), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(cg(x)), np.asarray(eg(x)), rtol=1e-5, atol=1e-7)


def test_shapeless_never_returns_stale_results():
    # A slice has a fixed output shape, so the trace is keyed by shape.
    f, calls = counted(lambda x: x[1:] * 3)
    cf = mx.compile(f, shapeless=True)
    for n in (3, 5, 3):
        x = mx.arange(n)
        assert cf(x).tolist() == (np.arange(n)[1:] * 3).tolist()
    assert len(calls) == 2


def test_shapeless_impossible_reshape_raises():
    cf = mx.compile(lambda x: x.reshape(x.shape[0] * x.shape[1], -1), shapeless=True)
    assert cf(mx.zeros((2, 3, 4))).shape == (6, 4)
    assert cf(mx.zeros((2, 3, 8))).shape == (6, 8)
    with pytest.raises(ValueError, match=r"\[reshape\]"):
        cf(mx.zeros((5, 5, 5)))


def test_constants_are_captured_at_trace_time():
    state = [mx.array(1.0)]
    cf = mx.compile(lambda x: x + state[0])
    assert cf(mx.array(1.0)).item() == 2.0
    state[0] = mx.array(5.0)
    assert cf(mx.array(1.0)).item() == 2.0


def test_inputs_and_outputs_capture():
    state = {"w": mx.array([1.0, 2.0]), "step": mx.array(0)}

    @partial(mx.compile, inputs=state, outputs=state)
    def step(g):
        state["w"] = state["w"] - 0.5 * g
        state["step"] = state["step"] + 1
        return state["w"].sum()

    total = step(mx.array([2.0, 2.0]))
    assert total.item() == 1.0
    step(mx.array([2.0, 0.0]))
    assert state["w"].tolist() == [-1.0, 1.0]
    assert state["step"].item() == 2
    # The captured input is read at every call.
    state["w"] = mx.array([10.0, 10.0])
    assert step(mx.array([0.0, 0.0])).item() == 20.0


def test_outputs_capture_appended_state():
    state = []

    @partial(mx.compile, outputs=state)
    def f(x, y):
        z = x + y
        state.append(z)
        return mx.exp(z)

    f(mx.array(1.0), mx.array(2.0))
    assert len(state) == 1 and state[0].item() == 3.0


def test_random_state_capture():
    @partial(mx.compile, inputs=mx.random.state, outputs=mx.random.state)
    def sample():
        return mx.random.uniform(shape=(8,))

    mx.random.seed(3)
    a, b = sample(), sample()
    assert not np.allclose(np.asarray(a), np.asarray(b))
    mx.random.seed(3)
    np.testing.assert_array_equal(np.asarray(sample()), np.asarray(a))
    # Without capture the key is a constant of the trace.
    frozen = mx.compile(lambda: mx.random.uniform(shape=(8,)))
    np.testing.assert_array_equal(np.asarray(frozen()), np.asarray(frozen()))


def test_training_step_matches_eager():
    def run(compiled):
        mx.random.seed(0)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
        opt = optim.Adam(learning_rate=1e-2)
        x = mx.random.normal((32, 6))
        y = mx.random.randint(0, 3, (32,))

        def loss_fn(model, x, y):
            return nn.losses.cross_entropy(model(x), y, reduction="mean")

        def step(x, y):
            loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
            opt.update(model, grads)
            return loss

        state = [model.state, opt.state, mx.random.state]
        if compiled:
            step = partial(mx.compile, inputs=state, outputs=state)(step)
        losses = []
        for _ in range(5):
            losses.append(step(x, y).item())
            mx.eval(state)
        return losses, model.parameters()

    eager_losses, eager_params = run(False)
    comp_losses, comp_params = run(True)
    np.testing.assert_allclose(comp_losses, eager_losses, rtol=1e-5)
    from mlx.utils import tree_flatten

    for (k, a), (_, b) in zip(tree_flatten(eager_params), tree_flatten(comp_params)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6, err_msg=k)


def test_composes_with_transforms(rng):
    def f(x):
        return mx.sum(mx.tanh(x) * mx.exp(-x * x))

    x = mx.array(rng.standard_normal(5).astype(np.float32))
    want = np.asarray(mx.grad(f)(x))
    np.testing.assert_allclose(np.asarray(mx.compile(mx.grad(f))(x)), want, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(mx.grad(mx.compile(f))(x)), want, rtol=1e-5)
    g = lambda x: mx.tanh(x) * x  # noqa: E731
    xb = mx.array(rng.standard_normal((3, 4)).astype(np.float32))
    np.testing.assert_allclose(
        np.asarray(mx.vmap(mx.compile(g))(xb)), np.asarray(mx.vmap(g)(xb)), rtol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(mx.compile(mx.vmap(g))(xb)), np.asarray(mx.vmap(g)(xb)), rtol=1e-6
    )
    t = mx.ones_like(x)
    _, jc = mx.jvp(mx.compile(g), (x,), (t,))
    _, je = mx.jvp(g, (x,), (t,))
    np.testing.assert_allclose(np.asarray(jc[0]), np.asarray(je[0]), rtol=1e-5)


def test_nested_compiled_functions():
    inner = mx.compile(lambda x: mx.exp(-mx.abs(x)))
    outer = mx.compile(lambda x: inner(inner(x)) + 1)
    x = mx.array([-1.0, 0.5])
    want = np.exp(-np.abs(np.exp(-np.abs(np.asarray(x))))) + 1
    np.testing.assert_allclose(np.asarray(outer(x)), want, rtol=1e-6)


def test_disable_and_enable():
    f, calls = counted(lambda x: x + 1)
    cf = mx.compile(f)
    mx.disable_compile()
    try:
        cf(mx.array(1.0))
        cf(mx.array(1.0))
        assert len(calls) == 2  # run directly each time
    finally:
        mx.enable_compile()
    cf(mx.array(1.0))
    cf(mx.array(1.0))
    assert len(calls) == 3


def test_environment_variable_disables_compile():
    code = (
        "import mlx.core as mx\n"
        "@mx.compile\n"
        "def f(x):\n"
        "    print(x + 1)\n"  # printing works only without compile
        "    return x\n"
        "f(mx.array(1.0))\n"
    )
    env = dict(os.environ, MLX_DISABLE_COMPILE="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "array(2" in out.stdout


def test_impure_use_raises_clear_errors():
    @mx.compile
    def prints(x):
        print(x * 2)
        return x

    with pytest.raises(ValueError, match=r"\[compile\]"):
        prints(mx.array(1.0))

    with pytest.raises(ValueError, match=r"\[compile\].*return"):
        mx.compile(lambda x: object())(mx.array(1.0))
    with pytest.raises(ValueError, match=r"\[compile\]"):
        mx.compile(lambda x, y: x)(mx.array(1.0), object())
    x = mx.array([1.0, 2.0]) + 1
    with pytest.raises(ValueError, match=r"\[compile\]"):
        mx.compile(lambda a: a + x)(x)
    # Nothing of the failed traces leaks into later calls.
    assert mx.compile(lambda a: a * 2)(mx.array(2.0)).item() == 4.0


def test_state_is_restored_when_the_trace_fails():
    state = [mx.array(1.0)]

    @partial(mx.compile, inputs=state, outputs=state)
    def bad(x):
        state[0] = state[0] + x
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        bad(mx.array(1.0))
    assert state[0].item() == 1.0


def test_output_containers_keep_their_types():
    from typing import NamedTuple

    class Pair(NamedTuple):
        a: mx.array
        b: mx.array

    cf = mx.compile(lambda p: {"s": Pair(p.a + 1, p.b * 2), "n": None, "k": 3})
    out = cf(Pair(mx.array(1), mx.array(2)))
    assert isinstance(out["s"], Pair) and out["s"].a.item() == 2 and out["s"].b.item() == 4
    assert out["n"] is None and out["k"] == 3


def test_threads_share_a_compiled_function():
    cf = mx.compile(lambda x: mx.sin(x) * 2 + 1)
    errors, results = [], []

    def worker(i):
        try:
            x = mx.full((64,), float(i))
            results.append((i, np.asarray(cf(x))))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, r in results:
        np.testing.assert_allclose(r, np.sin(np.float32(i)) * 2 + 1, rtol=1e-6)


def test_cache_entry_released_with_the_last_wrapper():
    def f(x):
        return x + 1

    cf = mx.compile(f)
    cf(mx.array(1.0))
    assert any(k[0] == id(f) for k in _compile._entries)
    del cf
    gc.collect()
    assert not any(k[0] == id(f) for k in _compile._entries)


def test_compiled_preserves_metadata():
    def documented(x, y: int = 2):
        """Doc."""
        return x

    c = mx.compile(documented)
    assert c.__name__ == "documented" and c.__doc__ == "Doc."
    import inspect

    assert inspect.signature(c) == inspect.signature(documented)


@pytest.mark.parametrize(
    "fun, shapes",
    [
        (lambda x: mx.arange(x.shape[0]) * x, [(3,), (5,)]),
        (lambda x: mx.linspace(0, 1, x.shape[0]) + x, [(3,), (5,)]),
        (lambda x: mx.tri(x.shape[0]) * x, [(2, 2), (3, 3)]),
        (lambda x: mx.ones_like(x) + mx.full(x.shape, 2.0), [(3,), (5,)]),
        (lambda x: x + mx.zeros(x.shape), [(3,), (2, 4)]),
        (lambda x: mx.triu(mx.full((x.shape[0], x.shape[0]), -1.0), k=1) + x, [(2, 2), (4, 4)]),
    ],
)
def test_shapeless_compile_of_shape_dependent_constructors(fun, shapes):
    # Constructors sized from the input shapes are re-traced for new shapes,
    # never replayed at the traced size (numpy computes the reference).
    compiled = mx.compile(fun, shapeless=True)
    rng = np.random.default_rng(0)
    for shape in shapes + shapes[:1]:
        x = rng.standard_normal(shape).astype(np.float32)
        want = np.array(fun(mx.array(x)))
        got = compiled(mx.array(x))
        assert got.shape == want.shape
        np.testing.assert_allclose(np.array(got), want, rtol=1e-6)


def test_shapeless_matmul_follows_new_broadcast_batches():
    # Batch dimensions broadcast against the other operand's on every call,
    # so one shapeless trace serves new batch shapes (vmapped too).
    rng = np.random.default_rng(0)
    traces = [0]

    def fn(x, y):
        traces[0] += 1
        return mx.matmul(x, y)

    cf = mx.compile(fn, shapeless=True)
    for xs, ys in [((2, 1, 4, 5), (3, 5, 6)), ((3, 1, 4, 5), (2, 5, 6)), ((1, 2, 4, 5), (2, 1, 5, 6))]:
        x = rng.standard_normal(xs).astype(np.float32)
        y = rng.standard_normal(ys).astype(np.float32)
        np.testing.assert_allclose(np.array(cf(mx.array(x), mx.array(y))), x @ y, rtol=1e-5, atol=1e-5)
    # One trace per combination of ranks: the first two calls share one.
    assert traces[0] == 2
    vf = mx.compile(mx.vmap(fn, in_axes=(0, 1)), shapeless=True)
    for xs, ys in [((2, 3, 1, 4, 5), (1, 2, 5, 6)), ((3, 2, 1, 4, 5), (2, 3, 5, 6))]:
        x = rng.standard_normal(xs).astype(np.float32)
        y = rng.standard_normal(ys).astype(np.float32)
        want = np.stack([x[i] @ y[:, i] for i in range(x.shape[0])])
        np.testing.assert_allclose(np.array(vf(mx.array(x), mx.array(y))), want, rtol=1e-5, atol=1e-5)


def test_broadcast_batch_gradients():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 1, 3, 4))
    y = rng.standard_normal((5, 4, 2))
    gx, gy = mx.grad(lambda a, b: (a @ b).sum(), argnums=(0, 1))(mx.array(x), mx.array(y))
    ones = np.ones((2, 5, 3, 2))
    np.testing.assert_allclose(np.array(gx), (ones @ np.swapaxes(np.broadcast_to(y, (2, 5, 4, 2)), -1, -2)).sum(1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(np.array(gy), (np.swapaxes(np.broadcast_to(x, (2, 5, 3, 4)), -1, -2) @ ones).sum(0), rtol=1e-5)
