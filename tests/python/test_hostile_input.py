"""Hostile input raises a clear exception instead of crashing or hanging.

Each test covers a class of defect (issue 19): index arithmetic near the
ends of every index dtype, shapes whose byte count overflows, builders
reading the dimensions of an argument of the wrong rank, and containers
that hold themselves or nest absurdly deep. The oracle for the in-range
cases is numpy.
"""

import numpy as np
import pytest

import mlx.core as mx

INDEX_DTYPES = [
    mx.int8,
    mx.int16,
    mx.int32,
    mx.int64,
    mx.uint8,
    mx.uint16,
    mx.uint32,
    mx.uint64,
]


def extremes(dtype):
    """The extreme values of an integer dtype, as that dtype's numpy values."""
    info = np.iinfo(np.dtype(str(dtype).split(".")[-1]))
    values = {info.min, info.max, info.min + 1, info.max - 1, 0, 1}
    if info.min < 0:
        values |= {-1, -2}
    return sorted(values)


def index_array(values, dtype):
    np_dtype = np.dtype(str(dtype).split(".")[-1])
    return mx.array(np.array(values, dtype=np_dtype))


@pytest.mark.parametrize("dtype", INDEX_DTYPES)
def test_gather_and_scatter_check_every_extreme_index(dtype):
    n = 5
    src = np.arange(n, dtype=np.float32)
    for v in extremes(dtype):
        idx = index_array([v], dtype)
        in_range = -n <= int(v) < n
        ops = {
            "gather": lambda idx=idx: mx.arange(float(n))[idx],
            "take": lambda idx=idx: mx.take(mx.arange(float(n)), idx),
            "scatter_add": lambda idx=idx: mx.arange(float(n)).at[idx].add(100.0),
            "scatter_min": lambda idx=idx: mx.arange(float(n)).at[idx].minimum(-1.0),
            "scatter_prod": lambda idx=idx: mx.arange(float(n)).at[idx].multiply(2.0),
            "scatter": lambda idx=idx: _setitem(mx.arange(float(n)), idx, 7.0),
        }
        for name, op in ops.items():
            if in_range:
                got = np.array(op())
                j = int(v) % n
                want = src.copy()
                if name == "gather" or name == "take":
                    want = src[[j]]
                elif name == "scatter_add":
                    want[j] += 100.0
                elif name == "scatter_min":
                    want[j] = min(want[j], -1.0)
                elif name == "scatter_prod":
                    want[j] *= 2.0
                else:
                    want[j] = 7.0
                np.testing.assert_array_equal(got, want, err_msg=f"{name} {v}")
            else:
                # take and item assignment are built on gather and scatter.
                expected = {"take": "gather"}.get(name, name)
                with pytest.raises(IndexError, match=r"^\[" + expected + r"\]"):
                    mx.eval(op())


def _setitem(x, idx, v):
    x[idx] = v
    return x


def test_scatter_errors_name_their_kind():
    x = mx.zeros(3)
    idx = mx.array([9])
    for method, name in [
        ("add", "scatter_add"),
        ("multiply", "scatter_prod"),
        ("maximum", "scatter_max"),
        ("minimum", "scatter_min"),
    ]:
        with pytest.raises(IndexError, match=r"^\[" + name + r"\]"):
            mx.eval(getattr(x.at[idx], method)(1.0))


def test_integer_index_near_int64_max_in_two_axes():
    x = mx.zeros((3, 3), dtype=mx.int8)
    with pytest.raises(IndexError):
        mx.eval(x.at[2, 2**63 - 1].minimum(1))
    with pytest.raises(IndexError):
        mx.eval(x[mx.array([2]), mx.array([2**63 - 1])])


@pytest.mark.parametrize(
    "make",
    [
        lambda: mx.zeros((2**31, 2**31)),
        lambda: mx.zeros((2**62,), mx.int32),
        lambda: mx.ones((2**61,), mx.complex64),
        lambda: mx.random.normal((2**62,)),
        lambda: mx.random.uniform(shape=(2**31, 2**31)),
        lambda: mx.broadcast_to(mx.array(1.0), (2**40, 2**30)) + 1,
        lambda: mx.tile(mx.ones(4), (2**61,)),
        lambda: mx.full((2**32, 2**32), 1),
    ],
)
def test_shapes_whose_bytes_overflow_raise_value_error(make):
    with pytest.raises(ValueError, match=r"^\["):
        mx.eval(make())


def test_a_possible_but_unallocatable_shape_raises_memory_error():
    with pytest.raises(MemoryError, match=r"^\["):
        mx.eval(mx.zeros((2**50,), mx.uint8))


@pytest.mark.parametrize(
    "call",
    [
        lambda: mx.conv_transpose1d(mx.zeros((1, 3, 4)), 1.0),
        lambda: mx.conv_transpose2d(mx.zeros((1, 3, 3, 4)), 1.0),
        lambda: mx.conv_transpose3d(mx.zeros((1, 3, 3, 3, 4)), mx.zeros((2, 2))),
        lambda: mx.conv1d(mx.zeros((1, 3, 4)), 1.0),
        lambda: mx.conv2d(mx.zeros((1, 3, 3, 4)), mx.zeros(3)),
        lambda: mx.block_masked_mm(mx.ones((4, 4)), 1.0, 32),
        lambda: mx.block_masked_mm(1.0, mx.ones((4, 4)), 32),
    ],
)
def test_builders_check_rank_before_reading_dimensions(call):
    with pytest.raises(ValueError, match=r"^\["):
        call()


def test_containers_that_hold_themselves_raise():
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match=r"^\[array\]"):
        mx.array(cyclic)
    with pytest.raises(ValueError, match=r"^\[eval\]"):
        mx.eval(cyclic)
    d = {}
    d["self"] = d
    with pytest.raises(ValueError, match=r"^\[eval\]"):
        mx.eval(d)
    pair = [mx.ones(2)]
    pair.append(pair)
    with pytest.raises(ValueError, match=r"^\[array\]"):
        mx.array(pair)


def test_very_deep_nesting_raises_instead_of_overflowing_the_stack():
    for leaf in (1.0, mx.ones(1)):
        deep = [leaf]
        for _ in range(100_000):
            deep = [deep]
        with pytest.raises(ValueError, match=r"^\[array\]"):
            mx.array(deep)
        with pytest.raises(ValueError, match=r"^\[eval\]"):
            mx.eval(deep)


def test_moderate_nesting_still_converts():
    nested = 2.5
    for _ in range(40):
        nested = [nested]
    a = mx.array(nested)
    assert a.shape == (1,) * 40
    assert a.item() == 2.5


@pytest.mark.parametrize(
    "op, call",
    [
        ("cumsum", lambda: mx.cumsum(mx.ones((2, 2)), axis=[0, 1])),
        ("full", lambda: mx.full(2**64, 1)),
        (
            "conv2d",
            lambda: mx.conv2d(
                mx.ones((1, 4, 4, 1)), mx.ones((1, 3, 3, 1)), padding="abc"
            ),
        ),
        ("reshape", lambda: mx.reshape(mx.ones(4), [2, "2"])),
        ("transpose", lambda: mx.transpose(mx.ones((2, 2)), axes=["a", "b"])),
    ],
)
def test_arguments_of_the_wrong_kind_name_the_op(op, call):
    with pytest.raises(TypeError, match=r"^\[" + op + r"\]"):
        call()


@pytest.mark.parametrize(
    "decompose",
    [
        lambda a: mx.linalg.svd(a, stream=mx.cpu),
        lambda a: mx.linalg.svd(a, compute_uv=False, stream=mx.cpu),
        lambda a: mx.linalg.pinv(a, stream=mx.cpu),
        lambda a: mx.linalg.norm(a, ord="nuc", stream=mx.cpu),
        lambda a: mx.linalg.norm(a, ord=2, stream=mx.cpu),
        lambda a: mx.linalg.eig(a, stream=mx.cpu),
        lambda a: mx.linalg.eigvals(a, stream=mx.cpu),
        lambda a: mx.linalg.eigh(a, stream=mx.cpu),
        lambda a: mx.linalg.eigvalsh(a, stream=mx.cpu),
    ],
)
@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_iterative_decompositions_refuse_non_finite_input(decompose, bad):
    a = mx.full((8, 8), 1.0) + mx.eye(8)
    a = mx.where(mx.eye(8) > 0, bad, a)
    with pytest.raises(ValueError, match=r"^\[.*NaN or infinity"):
        mx.eval(decompose(a))
    # Finite input still decomposes (oracle: numpy's singular values).
    good = np.random.default_rng(0).standard_normal((8, 8)).astype(np.float32)
    s = mx.linalg.svd(mx.array(good), compute_uv=False, stream=mx.cpu)
    np.testing.assert_allclose(
        np.array(s), np.linalg.svd(good, compute_uv=False), rtol=1e-4
    )


def test_buffer_export_of_an_unallocatable_array_raises_memory_error(tmp_path):
    huge = mx.zeros((2**50,), mx.uint8)
    with pytest.raises(MemoryError, match=r"^\["):
        np.array(huge)
    with pytest.raises(MemoryError, match=r"^\["):
        mx.savez(str(tmp_path / "big"), a=huge)
    assert not list(tmp_path.iterdir())


class SelfNest:
    """A sequence of length 1 whose item is itself: iterating it by
    __getitem__ never ends (it never raises IndexError)."""

    def __len__(self):
        return 1

    def __getitem__(self, i):
        return self


class HugeLen:
    """A sequence that claims 2**62 items."""

    def __len__(self):
        return 2**62

    def __getitem__(self, i):
        return 1


@pytest.mark.parametrize("lying", [SelfNest, HugeLen])
@pytest.mark.parametrize(
    "op, call",
    [
        ("ones", lambda s: mx.ones(shape=s)),
        ("transpose", lambda s: mx.ones((2, 2)).transpose(s)),
        ("min", lambda s: mx.min(mx.ones((2, 2)), axis=s)),
        ("bits", lambda s: mx.random.bits(s)),
        ("concatenate", lambda s: mx.concatenate(s)),
        ("depends", lambda s: mx.depends(mx.ones(1), s)),
        ("pad", lambda s: mx.pad(mx.ones(2), s)),
        ("pad", lambda s: mx.pad(mx.ones((2, 2)), [(1, 1), s])),
    ],
)
def test_sequences_that_lie_about_their_items_raise(lying, op, call):
    # TypeError from the op, or ValueError where an item reaches conversion.
    with pytest.raises((TypeError, ValueError), match=r"^\[(" + op + r"|array)\]"):
        mx.eval(call(lying()))


def test_tensordot_axes_that_hold_themselves_raise():
    with pytest.raises((TypeError, ValueError), match=r"^\[tensordot\]"):
        mx.tensordot(mx.ones((2, 2)), mx.ones((2, 2)), axes=SelfNest())


@pytest.mark.parametrize("axes", [[1], [[1], [0], [0]], []])
def test_tensordot_axes_that_are_not_a_pair_raise(axes):
    with pytest.raises(ValueError, match=r"^\[tensordot\]"):
        mx.tensordot(mx.ones((2, 2)), mx.ones((2, 2)), axes=axes)


@pytest.mark.parametrize(
    "exc, call",
    [
        (ValueError, lambda a: a[::0]),
        (TypeError, lambda a: a["x":2]),
        (ValueError, lambda a: a.__setitem__(slice(None, None, 0), 1.0)),
        (ValueError, lambda a: a.at[::0].add(1.0)),
    ],
)
def test_python_slice_errors_name_the_op(exc, call):
    with pytest.raises(exc, match=r"^\[getitem\] slice"):
        call(mx.arange(4.0))


def test_numpy_refusing_an_array_like_names_the_op():
    class NotAnArray:
        def __array__(self, *args, **kwargs):
            return 3  # numpy insists on an ndarray here

    with pytest.raises(ValueError, match=r"^\[array\].*NotAnArray"):
        mx.sin(NotAnArray())

    class Fails:
        def __array__(self, *args, **kwargs):
            raise KeyError("mine")

    with pytest.raises(KeyError):  # the user's own error passes unchanged
        mx.sin(Fails())


@pytest.mark.parametrize("name", ["vmap", "grad", "vjp", "compile", "save"])
def test_argument_errors_of_python_functions_name_them(name):
    with pytest.raises(TypeError, match=r"^" + name + r"\(\)"):
        getattr(mx, name)(bogus=1)


def test_sequence_objects_that_tell_the_truth_still_convert():
    class Items:
        def __init__(self, *items):
            self.items = items

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            return self.items[i]  # IndexError past the end

    assert mx.ones(shape=Items(2, 3)).shape == (2, 3)
    np.testing.assert_array_equal(
        np.array(mx.sum(mx.ones((2, 3)), axis=Items(0, 1))), 6.0
    )
    parts = Items(mx.ones(2), mx.zeros(1))
    np.testing.assert_array_equal(np.array(mx.concatenate(parts)), [1.0, 1.0, 0.0])


@pytest.mark.parametrize(
    "dtype", [mx.uint8, mx.int16, mx.int32, mx.float16, mx.float32]
)
def test_gradients_through_broadcasts_and_slices_keep_the_input_dtype(dtype):
    # The cotangent of a broadcast is a sum, which widens small integers; a
    # widened cotangent once flowed into a slice update of the narrow type
    # and wrote past its buffer.
    a = mx.array([[4, 6, 2], [0, 1, 4]]).astype(dtype)
    g = mx.grad(lambda v: mx.sum(mx.broadcast_to(v[0:1, 0:1], (2, 3))))(a)
    assert g.dtype == dtype
    np.testing.assert_array_equal(
        np.array(g.astype(mx.float32)), [[6, 0, 0], [0, 0, 0]]
    )
    g = mx.grad(lambda v: mx.sum(mx.where(v > 2, v, v[0:1, 0:1])))(a)
    assert g.dtype == dtype
    mask = np.array(a.astype(mx.float32)) > 2
    want = mask.astype(np.float32)
    want[0, 0] += (~mask).sum()
    np.testing.assert_array_equal(np.array(g.astype(mx.float32)), want)


@pytest.mark.parametrize(
    "shape, axis", [((0,), 0), ((0, 3), 0), ((3, 0), 1), ((3, 0), 0)]
)
def test_sorting_an_empty_axis_is_empty(shape, axis):
    x = np.zeros(shape, np.float32)
    assert mx.sort(mx.array(x), axis=axis).shape == np.sort(x, axis=axis).shape
    assert mx.argsort(mx.array(x), axis=axis).shape == np.argsort(x, axis=axis).shape
    assert (
        mx.take(mx.array(x), mx.array([], mx.int32), axis=axis).shape
        == np.take(x, np.array([], np.int32), axis=axis).shape
    )


def test_solvers_refuse_a_complex_right_hand_side():
    for solve in (mx.linalg.solve, mx.linalg.solve_triangular):
        with pytest.raises(ValueError, match=r"^\[linalg::solve"):
            mx.eval(solve(mx.eye(2), mx.array([1 + 1j, 2]), stream=mx.cpu))


@pytest.mark.parametrize(
    "call",
    [
        lambda: mx.pad(mx.ones((2, 2)), 2**63 - 1),
        lambda: mx.pad(mx.ones(3), [(2**62, 2**62)]),
        lambda: mx.concatenate([mx.broadcast_to(mx.zeros(1), (2**62, 0))] * 4),
    ],
)
def test_dimension_sums_that_overflow_raise(call):
    # They once wrapped around to a small size and the kernel wrote before
    # the start of the output buffer.
    with pytest.raises(ValueError, match=r"^\[(pad|concatenate)\]"):
        mx.eval(call())


def test_solvers_take_a_vector_right_hand_side_with_batched_matrices():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((1, 2, 4, 4)) + 4 * np.eye(4)
    b = rng.standard_normal(4)
    x = mx.linalg.solve(mx.array(a, mx.float64), mx.array(b, mx.float64), stream=mx.cpu)
    np.testing.assert_allclose(np.array(x), np.linalg.solve(a, b), rtol=1e-10)
    lower = np.tril(a)
    x = mx.linalg.solve_triangular(
        mx.array(lower, mx.float64), mx.array(b, mx.float64), upper=False, stream=mx.cpu
    )
    want = np.linalg.solve(lower, np.broadcast_to(b, (1, 2, 4))[..., None])[..., 0]
    np.testing.assert_allclose(np.array(x), want, rtol=1e-10)
    with pytest.raises(ValueError, match=r"^\[linalg::solve"):
        mx.linalg.solve(mx.eye(2), mx.array(1.0), stream=mx.cpu)


def test_direct_factorizations_propagate_nan_as_numpy_does():
    # LAPACKE's NaN scan once made these raise "Invalid LAPACK argument".
    a = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
    b = np.array([np.nan, 1.0, 2.0])
    x = mx.linalg.solve(mx.array(a, mx.float64), mx.array(b, mx.float64), stream=mx.cpu)
    np.testing.assert_array_equal(
        np.isnan(np.array(x)), np.isnan(np.linalg.solve(a, b))
    )
    bad = a.copy()
    bad[1, 1] = np.nan
    for op in (mx.linalg.inv, mx.linalg.cholesky, mx.linalg.qr, mx.linalg.lu_factor):
        out = op(mx.array(bad, mx.float64), stream=mx.cpu)
        first = out[0] if isinstance(out, (tuple, list)) else out
        assert np.isnan(np.array(first)).any(), op.__name__


def test_tiled_shapes_that_overflow_raise():
    with pytest.raises(ValueError, match=r"^\[tile\]"):
        mx.tile(mx.ones(4), (2**62,))


def test_from_dlpack_of_a_dtype_dlpack_cannot_carry_raises_type_error():
    for bad in (np.zeros(3, np.longdouble), np.zeros(2, dtype="i4,f4")):
        with pytest.raises(TypeError, match=r"^\[from_dlpack\]"):
            mx.from_dlpack(bad)
    np.testing.assert_array_equal(
        np.array(mx.from_dlpack(np.arange(3.0))), np.arange(3.0)
    )
