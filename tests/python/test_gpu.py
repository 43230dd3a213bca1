"""The CUDA backend: devices, transfers, streams, memory and the kernels of
the first GPU issue, against numpy. Without a GPU these skip; they run on
the GPU machine through scripts/gpu.sh."""

import numpy as np
import pytest

import mlx.core as mx

pytestmark = pytest.mark.skipif(
    not mx.cuda.is_available(),
    reason="no GPU here: these run on the GPU machine through scripts/gpu.sh",
)

FLOATS = [mx.float32, mx.float16, mx.bfloat16]
TOL = {mx.float32: 1e-5, mx.float16: 2e-3, mx.bfloat16: 2e-2, mx.float64: 1e-12}


def host(a):
    return np.array(a.astype(mx.float32) if a.dtype == mx.bfloat16 else a)


def test_device_facts():
    assert mx.default_device() == mx.gpu
    info = mx.device_info(mx.gpu)
    assert info["memory_size"] > 2**30
    assert info["architecture"].startswith("sm_")
    assert info["device_name"]
    assert mx.device_count(mx.gpu) >= 1


def test_host_data_moves_to_the_gpu_and_back(rng):
    x = rng.standard_normal((33, 17)).astype(np.float32)
    a = mx.array(x)
    y = mx.exp(a) + 1
    np.testing.assert_allclose(np.array(y), np.exp(x) + 1, rtol=1e-6)
    assert mx.sum(y).item() == pytest.approx(float((np.exp(x) + 1).sum()), rel=1e-5)
    assert len(y.tolist()) == 33
    # Printing reads the data on the host too.
    assert "array" in repr(y)


def test_a_cpu_op_reads_a_gpu_array(rng):
    x = rng.standard_normal(1000).astype(np.float32)
    g = mx.sin(mx.array(x))  # on the GPU
    c = mx.multiply(g, 2.0, stream=mx.cpu)
    np.testing.assert_allclose(np.array(c), 2 * np.sin(x), rtol=1e-5, atol=1e-6)
    # And back: a GPU op reading the CPU result.
    np.testing.assert_allclose(np.array(c + g), 3 * np.sin(x), rtol=1e-5, atol=1e-6)


def test_streams_order_their_dependencies(rng):
    s1, s2 = mx.new_stream(mx.gpu), mx.new_stream(mx.gpu)
    x = rng.standard_normal((512, 512)).astype(np.float32)
    a = mx.multiply(mx.array(x), 3.0, stream=s1)
    b = mx.add(a, 1.0, stream=s2)
    c = mx.sum(b, stream=s1)
    assert c.item() == pytest.approx(float((3 * x + 1).sum()), rel=1e-4)
    mx.synchronize(s1)
    mx.synchronize(s2)


def test_async_eval_returns_and_reads_wait(rng):
    x = mx.array(rng.standard_normal((2048, 2048)).astype(np.float32))
    y = x @ x
    mx.async_eval(y)
    ref = np.array(x, dtype=np.float64) @ np.array(x, dtype=np.float64)
    np.testing.assert_allclose(np.array(y), ref, rtol=2e-3, atol=2e-2)


@pytest.mark.parametrize("dtype", FLOATS + [mx.int32, mx.uint8, mx.bool_])
def test_casts_and_strided_copies(rng, dtype):
    x = rng.standard_normal((6, 7, 8)).astype(np.float32) * 50
    a = mx.array(x).astype(dtype)
    t = mx.transpose(a, (2, 0, 1))[:, ::2, 1:]
    expect = np.array(a.astype(mx.float32)).transpose(2, 0, 1)[:, ::2, 1:]
    np.testing.assert_array_equal(host(mx.contiguous(t)), expect)


@pytest.mark.parametrize(
    "name", ["exp", "log1p", "sin", "tanh", "sigmoid", "abs", "sqrt", "erf", "floor"]
)
@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_ops(rng, name, dtype):
    x = np.abs(rng.standard_normal((64, 65))).astype(np.float32) + 0.1
    a = mx.array(x).astype(dtype)
    got = host(getattr(mx, name)(a))
    ref = getattr(mx, name)(a, stream=mx.cpu)
    np.testing.assert_allclose(got, host(ref), rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "maximum",
                                  "power", "remainder", "floor_divide", "less", "equal"])
@pytest.mark.parametrize("dtype", [mx.float32, mx.int32, mx.int64, mx.bfloat16])
def test_binary_ops_with_broadcasting(rng, name, dtype):
    a = mx.array(rng.integers(1, 9, (16, 1, 9)).astype(np.float32)).astype(dtype)
    b = mx.array(rng.integers(1, 9, (5, 9)).astype(np.float32)).astype(dtype)
    got = getattr(mx, name)(a, b)
    ref = getattr(mx, name)(a, b, stream=mx.cpu)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    np.testing.assert_allclose(host(got), host(ref), rtol=TOL.get(dtype, 0))


@pytest.mark.parametrize("axes", [None, 0, 1, 2, (0, 2), (1, 2)])
@pytest.mark.parametrize("op", ["sum", "max", "min", "prod", "mean", "all", "any"])
def test_reductions(rng, op, axes):
    x = rng.standard_normal((37, 41, 29)).astype(np.float32)
    a = mx.array(x)
    got = getattr(mx, op)(a, axis=axes)
    ref = getattr(mx, op)(a, axis=axes, stream=mx.cpu)
    np.testing.assert_allclose(np.array(got), np.array(ref), rtol=1e-4, atol=1e-5)


def test_large_sums_and_integer_sums(rng):
    x = rng.standard_normal(10_000_000).astype(np.float32)
    assert mx.sum(mx.array(x)).item() == pytest.approx(float(x.astype(np.float64).sum()),
                                                       abs=1e-2)
    i = rng.integers(-100, 100, (1000, 1000)).astype(np.int8)
    got = mx.sum(mx.array(i), axis=0)
    assert got.dtype == mx.int32
    np.testing.assert_array_equal(np.array(got), i.astype(np.int32).sum(axis=0))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_argmax_argmin_take_the_first_and_nan(rng, axis):
    x = rng.integers(0, 5, (50, 60)).astype(np.float32)
    x[3, 7] = np.nan
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(mx.argmax(a, axis=axis)), np.argmax(x, axis=axis))
    np.testing.assert_array_equal(np.array(mx.argmin(a, axis=axis)), np.argmin(x, axis=axis))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_norms(rng, dtype, axis):
    x = rng.standard_normal((96, 300)).astype(np.float32)
    a = mx.array(x).astype(dtype)
    got = mx.softmax(a, axis=axis)
    ref = mx.softmax(a, axis=axis, stream=mx.cpu)
    np.testing.assert_allclose(host(got), host(ref), rtol=TOL[dtype], atol=TOL[dtype])
    w, b = mx.array(rng.standard_normal(300).astype(np.float32)).astype(dtype), None
    for f in [lambda s: mx.fast.rms_norm(a, w, 1e-5, stream=s),
              lambda s: mx.fast.layer_norm(a, w, b, 1e-5, stream=s)]:
        np.testing.assert_allclose(host(f(mx.gpu)), host(f(mx.cpu)), rtol=TOL[dtype] * 4,
                                   atol=TOL[dtype] * 4)


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])
@pytest.mark.parametrize("shapes", [((64, 32), (32, 48)), ((3, 64, 32), (32, 16)),
                                    ((2, 3, 8, 5), (2, 3, 5, 7)), ((7,), (7, 3))])
def test_matmul(rng, dtype, shapes):
    xa = rng.standard_normal(shapes[0]).astype(np.float32)
    xb = rng.standard_normal(shapes[1]).astype(np.float32)
    a, b = mx.array(xa).astype(dtype), mx.array(xb).astype(dtype)
    got = host(a @ b)
    ref = host(a.astype(mx.float32)) @ host(b.astype(mx.float32))
    tol = {mx.float32: 1e-4, mx.float16: 1e-2, mx.bfloat16: 5e-2}[dtype]
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * 4)
    if a.ndim == 2 and b.ndim == 2:
        # Transposed operands are read in place.
        np.testing.assert_allclose(host(b.T @ a.T), ref.T, rtol=tol, atol=tol * 4)


def test_random_bits_match_the_cpu():
    key = mx.random.key(7)
    for shape in [(1,), (5,), (1000,), (3, 7)]:
        g = mx.random.bits(shape, key=key)
        c = mx.random.bits(shape, key=key, stream=mx.cpu)
        np.testing.assert_array_equal(np.array(g), np.array(c))
    np.testing.assert_array_equal(
        np.array(mx.random.normal((100,), key=key)),
        np.array(mx.random.normal((100,), key=key, stream=mx.cpu)),
    )


def test_creation_and_shape_ops(rng):
    np.testing.assert_array_equal(np.array(mx.arange(3, 30, 4)), np.arange(3, 30, 4))
    np.testing.assert_array_equal(np.array(mx.full((3, 4), 2.5)), np.full((3, 4), 2.5))
    x = rng.standard_normal((4, 5)).astype(np.float32)
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(mx.concatenate([a, a * 2], axis=1)),
                                  np.concatenate([x, x * 2], axis=1))
    np.testing.assert_array_equal(np.array(mx.pad(a, [(1, 2), (0, 1)])),
                                  np.pad(x, [(1, 2), (0, 1)]))
    b = mx.array(x)
    b[1:3, ::2] = 7.0
    y = x.copy()
    y[1:3, ::2] = 7.0
    np.testing.assert_array_equal(np.array(b), y)
    np.testing.assert_array_equal(np.array(mx.where(a > 0, a, 0.0)), np.where(x > 0, x, 0))


def test_gradients_run_on_the_gpu(rng):
    x = rng.standard_normal((8, 16)).astype(np.float32)
    w = rng.standard_normal((16, 4)).astype(np.float32)

    def loss(w):
        return mx.sum(mx.tanh(mx.array(x) @ w) ** 2)

    g = mx.grad(loss)(mx.array(w))
    with mx.stream(mx.cpu):
        g_cpu = mx.grad(loss)(mx.array(w))
    np.testing.assert_allclose(np.array(g), np.array(g_cpu), rtol=1e-4, atol=1e-5)


def test_memory_api_counts_gpu_memory():
    mx.synchronize()
    before = mx.get_active_memory()
    a = mx.zeros((64, 2**20), dtype=mx.float32)  # 256 MiB
    mx.eval(a)
    assert mx.get_active_memory() >= before + 256 * 2**20
    peak = mx.get_peak_memory()
    del a
    mx.synchronize()
    assert mx.get_active_memory() < before + 2**20
    assert mx.get_peak_memory() >= peak
    mx.clear_cache()
    assert mx.get_cache_memory() >= 0


def test_an_impossible_allocation_raises_memory_error():
    with pytest.raises(MemoryError):
        mx.eval(mx.zeros((2**46,), dtype=mx.uint8))
    # The device still works afterwards.
    assert mx.sum(mx.ones(10)).item() == 10


def test_a_primitive_without_a_gpu_kernel_says_so():
    with pytest.raises(RuntimeError, match=r"has no GPU kernel yet"):
        mx.eval(mx.sort(mx.array([3.0, 1.0, 2.0])))


def test_fused_primitives_run_through_their_composition(rng):
    q = mx.array(rng.standard_normal((1, 2, 8, 16)).astype(np.float32))
    got = mx.fast.rope(q, 16, traditional=False, base=10000.0, scale=1.0, offset=0)
    ref = mx.fast.rope(q, 16, traditional=False, base=10000.0, scale=1.0, offset=0,
                       stream=mx.cpu)
    np.testing.assert_allclose(np.array(got), np.array(ref), rtol=1e-5, atol=1e-5)
