"""Argument forms and Python protocols of MLX 0.32's API listing."""

import threading
import weakref

import numpy as np
import pytest

import mlx.core as mx


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like"])
def test_like_constructors_take_a_dtype(name):
    a = mx.array([[1, 2, 3]], mx.int32)
    fn = getattr(mx, name)
    assert fn(a).dtype == mx.int32
    for dt in (mx.float16, mx.float32, mx.bool_):
        out = fn(a, dt)
        assert out.dtype == dt and out.shape == a.shape
        assert fn(a, dtype=dt).dtype == dt
    want = np.ones if name == "ones_like" else np.zeros
    np.testing.assert_array_equal(np.array(fn(a, mx.float32)), want((1, 3)))


@pytest.mark.parametrize(
    "kwargs, numpy_args",
    [
        ({"stop": 5}, (5,)),
        ({"start": 1, "stop": 7, "step": 2}, (1, 7, 2)),
        ({"start": 2.5, "stop": 4}, (2.5, 4)),
    ],
)
def test_arange_by_keyword(kwargs, numpy_args):
    np.testing.assert_allclose(np.array(mx.arange(**kwargs)), np.arange(*numpy_args))


def test_arange_positional_forms():
    np.testing.assert_array_equal(np.array(mx.arange(5, step=2)), np.arange(0, 5, 2))
    np.testing.assert_array_equal(np.array(mx.arange(5, None)), np.arange(5))
    assert mx.arange(1.0, 5).dtype == mx.float32
    assert mx.arange(3, dtype=mx.float16).dtype == mx.float16
    with pytest.raises(TypeError):
        mx.arange("a")
    with pytest.raises(TypeError):
        mx.arange(None)


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_std_var_correction(correction):
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    a = mx.array(x)
    for axis in (None, 0, 1):
        want_var = np.var(x.astype(np.float64), axis=axis, ddof=correction)
        np.testing.assert_allclose(
            np.array(a.var(axis=axis, correction=correction)), want_var, rtol=1e-5
        )
        np.testing.assert_allclose(
            np.array(mx.std(a, axis=axis, correction=correction)),
            np.sqrt(want_var),
            rtol=1e-5,
        )
    # correction wins over ddof.
    np.testing.assert_allclose(
        np.array(a.std(ddof=5, correction=correction)),
        np.std(x.astype(np.float64), ddof=correction),
        rtol=1e-5,
    )


def test_from_dlpack_copies():
    src = np.arange(6, dtype=np.float32).reshape(2, 3)
    for copy in (None, True):
        out = mx.from_dlpack(src, copy=copy) if copy else mx.from_dlpack(src)
        src_before = src.copy()
        src[0, 0] = 99
        np.testing.assert_array_equal(np.array(out), src_before)
        src[0, 0] = 0
    with pytest.raises(ValueError):
        mx.from_dlpack(src, copy=False)
    with pytest.raises(TypeError):
        mx.from_dlpack([1, 2])
    strided = np.arange(10, dtype=np.int16)[::2]
    np.testing.assert_array_equal(np.array(mx.from_dlpack(strided)), strided)


class _Wrapper:
    def __init__(self, values):
        self.values = values

    def __mlx_array__(self):
        return mx.array(self.values)


def test_array_like_protocol():
    w = _Wrapper([1, 2, 3])
    np.testing.assert_array_equal(np.array(mx.array(w)), [1, 2, 3])
    np.testing.assert_array_equal(np.array(mx.array([1, 1, 1]) + w), [2, 3, 4])
    np.testing.assert_allclose(np.array(mx.exp(mx.ArrayLike(w))), np.exp([1, 2, 3]), rtol=1e-6)
    assert mx.array(w, mx.float16).dtype == mx.float16
    np.testing.assert_array_equal(np.array(mx.array([1, 2, 4]) == w), [True, True, False])


def test_weak_references():
    a = mx.array([1.0, 2.0])
    ref = weakref.ref(a)
    assert ref() is a
    del a
    assert ref() is None
    cache = weakref.WeakValueDictionary()
    b = mx.ones(3)
    cache["b"] = b
    assert cache["b"] is b


def test_bytes_and_python2_division():
    a = mx.array([[1, 2], [3, 4]], mx.uint8)
    assert bytes(a) == np.array([[1, 2], [3, 4]], np.uint8).tobytes()
    assert bytes(a.T) == np.array([[1, 3], [2, 4]], np.uint8).tobytes()
    assert bytes(mx.array(1.0)) == np.float32(1.0).tobytes()
    x = mx.array([1, 2])
    np.testing.assert_allclose(np.array(x.__div__(2)), [0.5, 1.0])
    np.testing.assert_allclose(np.array(x.__rdiv__(2)), [2.0, 1.0])


def test_comparison_with_none_and_objects():
    a = mx.array([1, 2])
    with pytest.raises(TypeError):
        a == None  # noqa: E711, B015
    assert (a == object()) is False
    assert (a != object()) is True
    assert (a == [1, 2]) is False


def test_print_options():
    opts = mx.get_printoptions()
    assert isinstance(opts, mx.PrintOptions) and opts.precision == -1
    x = mx.array([1.0 / 3, 2.0])
    with mx.printoptions(precision=2):
        assert mx.get_printoptions().precision == 2
        assert "0.33," in repr(x)
    assert mx.get_printoptions().precision == -1
    assert "0.333333" in repr(x)
    mx.set_printoptions(precision=3)
    try:
        assert "0.333," in repr(x)
    finally:
        mx.set_printoptions()
    assert mx.PrintOptions(precision=4).precision == 4


def test_repr_summarizes_long_axes():
    assert repr(mx.arange(6)) == "array([0, 1, 2, 3, 4, 5], dtype=int32)"
    assert repr(mx.arange(7)) == "array([0, 1, 2, ..., 4, 5, 6], dtype=int32)"
    lines = repr(mx.arange(14).reshape(7, 2)).split("\n")
    assert lines[0] == "array([[0, 1]," and lines[3].strip() == "...,"
    assert lines[-1].strip() == "[12, 13]], dtype=int32)"
    assert repr(mx.zeros((0, 2000))) == "array([], dtype=float32)"


def test_thread_local_stream():
    tls = mx.new_thread_local_stream(mx.cpu)
    assert isinstance(tls, mx.ThreadLocalStream)
    assert tls == tls and tls != mx.new_thread_local_stream(mx.cpu)
    assert tls.device == mx.cpu
    seen = {}

    def worker(name):
        with mx.stream(tls):
            seen[name] = mx.default_stream(mx.cpu)
            np.testing.assert_array_equal(np.array(mx.ones(2) + 1), [2, 2])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    worker("main")
    assert seen[0] != seen[1] and seen["main"] not in (seen[0], seen[1])
    # The same thread gets the same stream each time.
    with mx.stream(tls):
        assert mx.default_stream(mx.cpu) == seen["main"]
    np.testing.assert_array_equal(np.array(mx.add(mx.ones(2), 1, stream=tls)), [2, 2])


def test_stream_context_is_per_thread():
    s = mx.new_stream(mx.cpu)
    default = mx.default_stream(mx.cpu)
    inside = threading.Event()
    release = threading.Event()
    observed = []

    def worker():
        with mx.StreamContext(s):
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    observed.append(mx.default_stream(mx.cpu))
    release.set()
    t.join()
    assert observed == [default]
    with mx.stream(s):
        assert mx.default_stream(mx.cpu) == s
    assert mx.default_stream(mx.cpu) == default
    with pytest.raises(TypeError):
        mx.StreamContext(3)


def test_device_info_and_metal_namespace():
    info = mx.device_info()
    assert set(info) >= {"device_name", "architecture"}
    assert mx.device_info(mx.cpu) == info
    assert mx.device_info(d=mx.Device(mx.cpu)) == info
    assert mx.metal.is_available() is False
    assert mx.metal.device_info() == {}
    assert mx.metal.get_active_memory() == mx.get_active_memory()
    assert mx.metal.get_peak_memory() == mx.get_peak_memory()
    with pytest.raises(RuntimeError):
        mx.metal.start_capture("/tmp/x.gputrace")


def test_version_and_extension_module():
    major, minor, _ = mx.__version__.split(".")
    assert (int(major), int(minor)) == (0, 32)
    from mlx.extension import CMakeBuild, CMakeExtension

    ext = CMakeExtension("pkg._ext", sourcedir=".")
    assert ext.name == "pkg._ext" and ext.sourcedir
    assert issubclass(CMakeBuild, object)


def test_grad_result_structure_follows_mlx():
    def f(x, y):
        return (x * y).sum()

    x, y = mx.array(2.0), mx.array(3.0)
    # One differentiated position gives its gradient alone, in any container.
    for argnums in (0, (0,), [0]):
        g = mx.grad(f, argnums=argnums)(x, y)
        assert isinstance(g, mx.array) and g.item() == 3.0
    gx, gy = mx.grad(f, argnums=[0, 1])(x, y)
    assert (gx.item(), gy.item()) == (3.0, 2.0)
    # Only keywords differentiated: the positional part is None.
    pos, kw = mx.grad(f, argnames="y")(x, y=y)
    assert pos is None and kw["y"].item() == 2.0
    pos, kw = mx.value_and_grad(f, argnums=[], argnames=["y"])(x, y=y)[1]
    assert pos is None and kw["y"].item() == 2.0
    # The value with auxiliary outputs must come in a tuple.
    with pytest.raises(ValueError):
        mx.value_and_grad(lambda a: [a.sum(), a])(x)


def test_transform_arguments_are_type_checked():
    with pytest.raises(TypeError):
        mx.vjp(lambda a: a, mx.array(1.0), mx.array(1.0))
    with pytest.raises(TypeError):
        mx.vjp(lambda a: a, [1.0], [mx.array(1.0)])
    with pytest.raises(TypeError):
        mx.jvp(lambda a: a, [mx.array(1.0)], mx.array(1.0))
    with pytest.raises(TypeError):
        mx.grad(3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: mx.sum(mx.ones((2, 3)), axis=5),
        lambda: mx.cumsum(mx.ones((2, 3)), axis=-3),
        lambda: mx.transpose(mx.ones((2, 3)), (0, 2)),
        lambda: mx.split(mx.ones((2, 3)), 2, axis=3),
        lambda: mx.moveaxis(mx.ones((2, 3)), 0, 5),
        lambda: mx.ones((2,))[0, 0],
        lambda: mx.array(1.0)[0],
        lambda: mx.ones((2,))["a"],
        lambda: mx.ones((2,))[mx.array([0.5])],
    ],
)
def test_axis_and_index_argument_errors_are_value_and_index_errors(call):
    # numpy's AxisError convention: catchable as ValueError or IndexError.
    for kind in (ValueError, IndexError):
        with pytest.raises(kind):
            call()


def test_dtype_errors_are_also_runtime_errors():
    for kind in (TypeError, ValueError, RuntimeError):
        with pytest.raises(kind):
            mx.left_shift(mx.ones(2), 1)


@pytest.mark.parametrize(
    "start, end, shape",
    [(0, 5, (24,)), (-5, 1, (6, 4)), (0, -1, (24,)), (1, 1, (2, 3, 4))],
)
def test_flatten_clips_axes(start, end, shape):
    assert mx.ones((2, 3, 4)).flatten(start, end).shape == shape


@pytest.mark.parametrize("start, end", [(1, 0), (5, 6), (-1, -2)])
def test_flatten_rejects_empty_ranges(start, end):
    with pytest.raises(ValueError):
        mx.flatten(mx.ones((2, 3, 4)), start, end)


def test_cross_of_two_vectors_and_norm_axes():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    want = np.cross(np.append(a, 0.0), b)
    np.testing.assert_allclose(np.array(mx.linalg.cross(mx.array(a), mx.array(b))), want)
    np.testing.assert_allclose(
        np.array(mx.linalg.cross(mx.array(a), mx.array(a[::-1]))),
        np.cross(np.append(a, 0.0), np.append(a[::-1], 0.0)),
    )
    with pytest.raises(ValueError):
        mx.linalg.cross(mx.ones(4), mx.ones(4))
    with pytest.raises(ValueError):
        mx.linalg.norm(mx.ones((2, 2, 2)), ord=2)
    x = np.random.default_rng(1).standard_normal((2, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(
        np.array(mx.linalg.norm(mx.array(x), ord="fro", axis=(1, 2))),
        np.linalg.norm(x, ord="fro", axis=(1, 2)),
        rtol=1e-5,
    )


def test_to_fp8_saturates():
    # e4m3's largest finite value is 448: larger magnitudes saturate there.
    big = mx.array([500.0, 1e6, -1e6, float("inf"), 448.0, 1.0])
    back = np.array(mx.from_fp8(mx.to_fp8(big), mx.float32))
    np.testing.assert_array_equal(back, [448.0, 448.0, -448.0, 448.0, 448.0, 1.0])
    assert np.isnan(np.array(mx.from_fp8(mx.to_fp8(mx.array([float("nan")])), mx.float32)))[0]


@pytest.mark.parametrize("axis", [0, 1, (0, 2), None])
def test_prod_gradient_is_the_product_of_the_others(axis):
    # No division: zeros are handled and two factors give each other exactly.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 2))
    x[1, 2, 0] = 0.0
    x[0, 1, 1] = 0.0
    x[2, 1, 1] = 0.0
    g = np.array(mx.grad(lambda a: mx.prod(a, axis=axis).sum())(mx.array(x, mx.float64)))
    eps = 1e-6
    want = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        want[idx] = (np.prod(up, axis=axis).sum() - np.prod(down, axis=axis).sum()) / (2 * eps)
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)
    z = mx.array([1.5 + 2j, -0.5 + 1j], mx.complex64)
    ct = mx.array(0.25 - 1j, mx.complex64)
    (vjp,) = mx.vjp(lambda a: a.prod(axis=0), [z], [ct])[1]
    assert mx.array_equal(vjp, mx.stack([mx.conj(z[1]) * ct, mx.conj(z[0]) * ct]))


def test_permutation_of_an_integer_is_uint32_indices():
    p = mx.random.permutation(10, key=mx.random.key(7))
    assert p.dtype == mx.uint32
    assert sorted(p.tolist()) == list(range(10))
