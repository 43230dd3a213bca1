"""The Python surface of mx.array: operators, conversions, properties, methods."""

import operator

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close, random_array

FLOAT_OPERATORS = [
    operator.add,
    operator.sub,
    operator.mul,
    operator.truediv,
    operator.floordiv,
    operator.mod,
    operator.pow,
]
INT_OPERATORS = FLOAT_OPERATORS[:3] + [
    operator.floordiv,
    operator.mod,
    operator.and_,
    operator.or_,
    operator.xor,
    operator.lshift,
    operator.rshift,
]
COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge]
COMPARISONS += [operator.eq, operator.ne]


def _reference(op, x, y):
    """float64 oracle, except for the discontinuous ops: same precision."""
    if op in (operator.floordiv, operator.mod):
        return op(np.float32(x), np.float32(y))
    return op(np.float64(x), np.float64(y))


@pytest.mark.parametrize("op", FLOAT_OPERATORS, ids=lambda f: f.__name__)
def test_float_operators(rng, op):
    a, a_np = random_array(rng, (3, 5), mx.float32, 0.5, 3)
    b, b_np = random_array(rng, (5,), mx.float32, 0.5, 3)
    expected = _reference(op, a_np, b_np)
    assert_close(op(a, b), expected)
    # Python scalars on either side, and numpy arrays on the right.
    assert_close(op(a, 2.0), _reference(op, a_np, 2.0))
    assert_close(op(1.5, a), _reference(op, 1.5, a_np))
    assert_close(op(a, b_np), expected)


@pytest.mark.parametrize("op", INT_OPERATORS, ids=lambda f: f.__name__)
def test_int_operators(rng, op):
    a, a_np = random_array(rng, (3, 5), mx.int32, 0, 100)
    b, b_np = random_array(rng, (3, 5), mx.int32, 1, 5)
    out = op(a, b)
    assert out.dtype == mx.int32
    np.testing.assert_array_equal(np.array(out), op(a_np, b_np))
    np.testing.assert_array_equal(np.array(op(a, 3)), op(a_np, np.int32(3)))
    np.testing.assert_array_equal(np.array(op(7, b)), op(np.int32(7), b_np))


def test_matmul_and_unary_operators(rng):
    a, a_np = random_array(rng, (3, 4), mx.float32)
    b, b_np = random_array(rng, (4, 2), mx.float32)
    wide_a = a_np.astype(np.float64)
    assert_close(a @ b, wide_a @ b_np.astype(np.float64), rtol=1e-5, atol=1e-5)
    assert_close(-a, -wide_a)
    assert_close(+a, wide_a)
    assert_close(abs(a), np.abs(wide_a))
    i = mx.array([0, 5, -3])
    assert (~i).tolist() == [-1, -6, 2]
    assert (~mx.array([True, False])).tolist() == [False, True]


def test_int_true_division_gives_float():
    out = mx.array(5) / mx.array(2)
    assert out.dtype == mx.float32 and out.item() == 2.5
    assert (mx.array(5) // mx.array(2)).item() == 2


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda f: f.__name__)
def test_comparison_operators(rng, op):
    a_np = rng.integers(0, 3, (4, 4)).astype(np.float32)
    b_np = rng.integers(0, 3, (4,)).astype(np.float32)
    a, b = mx.array(a_np), mx.array(b_np)
    out = op(a, b)
    assert out.dtype == mx.bool_
    np.testing.assert_array_equal(np.array(out), op(a_np, b_np))
    np.testing.assert_array_equal(np.array(op(a, 1)), op(a_np, 1))
    np.testing.assert_array_equal(np.array(op(1, a)), op(1, a_np))


def test_equality_with_non_arrays():
    a = mx.array([1, 2, 3])
    assert (a == (1, 2, 3)) is False
    assert (a != [1, 2, 3]) is True
    # MLX refuses None (a TypeError), unlike numpy's elementwise False.
    with pytest.raises(TypeError):
        a == None  # noqa: E711, B015
    with pytest.raises(TypeError):
        a != None  # noqa: E711, B015
    assert mx.all(a == 2).item() is False
    assert mx.any(a == 2).item() is True


INPLACE = [
    ("__iadd__", operator.add),
    ("__isub__", operator.sub),
    ("__imul__", operator.mul),
    ("__ifloordiv__", operator.floordiv),
    ("__imod__", operator.mod),
    ("__ipow__", operator.pow),
    ("__ixor__", operator.xor),
    ("__iand__", operator.and_),
    ("__ior__", operator.or_),
    ("__ilshift__", operator.lshift),
    ("__irshift__", operator.rshift),
]


@pytest.mark.parametrize("method, op", INPLACE)
def test_in_place_operators_update_the_same_object(method, op):
    a = mx.array([1, 2, 3])
    alias, ident = a, id(a)
    result = getattr(a, method)(3)
    assert result is a or id(result) == ident
    np.testing.assert_array_equal(np.array(alias), op(np.array([1, 2, 3]), 3))


def test_in_place_statements():
    a = mx.array([2.0, 4.0])
    ident, alias = id(a), a
    a += 1
    a *= mx.array(2.0)
    a -= 1
    a /= 2
    a **= 2
    assert id(a) == ident
    expected = (((np.array([2.0, 4.0]) + 1) * 2 - 1) / 2) ** 2
    assert_close(alias, expected)
    with pytest.raises(ValueError):
        b = mx.array([1])
        b /= 1


def test_bool():
    assert bool(mx.array(True)) is True
    assert bool(mx.array(0.0)) is False
    assert bool(mx.array([3])) is True
    with pytest.raises(ValueError):
        bool(mx.array([1, 2]))
    if mx.array([1]) == mx.array([1]):
        pass
    else:
        pytest.fail("size-1 comparison should be truthy")


def test_len_and_iteration(rng):
    a, a_np = random_array(rng, (3, 4), mx.float32)
    assert len(a) == 3
    rows = list(a)
    assert len(rows) == 3
    for row, want in zip(rows, a_np):
        assert isinstance(row, mx.array)
        assert_close(row, want)
    _, y, _ = mx.array([[1, 2], [3, 4], [5, 6]])
    assert y.tolist() == [3, 4]
    assert [v.item() for v in mx.array([7, 8, 9])] == [7, 8, 9]
    with pytest.raises(TypeError):
        len(mx.array(1))


@pytest.mark.parametrize(
    "dtype, pytype",
    [
        (mx.bool_, bool),
        (mx.uint8, int),
        (mx.int32, int),
        (mx.int64, int),
        (mx.uint64, int),
        (mx.float16, float),
        (mx.bfloat16, float),
        (mx.float32, float),
        (mx.float64, float),
        (mx.complex64, complex),
    ],
    ids=str,
)
def test_item_and_tolist_types(dtype, pytype):
    x = mx.array([[1, 0], [1, 1]], dtype=dtype)
    values = x.tolist()
    assert values == np.array([[1, 0], [1, 1]]).astype(pytype).tolist()
    assert all(type(v) is pytype for row in values for v in row)
    assert type(x[0, 0].item()) is pytype
    assert type(x[1, 1].tolist()) is pytype


def test_item_values_and_errors():
    assert mx.array(2.5).item() == 2.5
    assert mx.array(-7).item() == -7
    assert mx.array(2**40).item() == 2**40
    assert mx.array(39.14223403241, mx.float64).item() == 39.14223403241
    assert mx.array([3.0]).item() == 3.0
    with pytest.raises(ValueError):
        mx.array([1, 2]).item()


def test_python_number_conversions():
    assert int(mx.array(7)) == 7
    assert float(mx.array(2.5)) == 2.5
    assert complex(mx.array(1 + 2j)) == 1 + 2j
    assert [10, 20, 30][mx.array(1)] == 20
    assert f"{mx.array(0.35487):.1f}" == "0.4"


def test_tolist_nested(rng):
    data = rng.integers(-5, 5, (2, 3, 4)).astype(np.int32)
    assert mx.array(data).tolist() == data.tolist()
    assert mx.array([]).tolist() == []
    assert mx.array(data).T.tolist() == data.T.tolist()


def test_properties():
    a = mx.zeros((2, 3, 4), mx.float16)
    assert a.shape == (2, 3, 4) and isinstance(a.shape, tuple)
    assert a.ndim == 3
    assert a.size == 24
    assert a.dtype == mx.float16
    assert a.itemsize == 2
    assert a.nbytes == 48
    assert a.T.shape == (4, 3, 2)
    s = mx.array(1)
    assert (s.shape, s.ndim, s.size, s.itemsize, s.nbytes) == ((), 0, 1, 4, 4)


def test_method_forms(rng):
    a, a_np = random_array(rng, (2, 3, 4), mx.float32, 0.5, 2)
    wide = a_np.astype(np.float64)
    assert_close(a.sum(), wide.sum())
    assert_close(a.sum(axis=1, keepdims=True), wide.sum(axis=1, keepdims=True))
    assert_close(a.prod(axis=(0, 2)), wide.prod(axis=(0, 2)), scale=4)
    assert_close(a.max(axis=0), wide.max(axis=0))
    assert_close(a.min(), wide.min())
    assert_close(a.mean(axis=-1), wide.mean(axis=-1))
    assert_close(a.std(ddof=1), wide.std(ddof=1), scale=4)
    assert_close(a.logsumexp(axis=2), np.log(np.exp(wide).sum(axis=2)), scale=4)
    assert a.argmax(axis=1).tolist() == a_np.argmax(axis=1).tolist()
    assert a.argmin().item() == a_np.argmin()
    assert (a > 1).all().item() == bool((a_np > 1).all())
    assert (a > 1).any(axis=0).tolist() == (a_np > 1).any(axis=0).tolist()
    assert_close(a.reshape(6, 4), wide.reshape(6, 4))
    assert_close(a.reshape((4, -1)), wide.reshape(4, -1))
    assert_close(a.transpose(2, 0, 1), wide.transpose(2, 0, 1))
    assert_close(a.flatten(), wide.flatten())
    assert_close(a[:, :1].squeeze(1), wide[:, 0])
    assert a.astype(mx.int32).dtype == mx.int32
    assert a.astype(mx.int32).tolist() == a_np.astype(np.int32).tolist()
    assert_close(a.round(1), np.round(a_np, 1))
    assert [p.shape for p in a.split(2, axis=2)] == [(2, 3, 2), (2, 3, 2)]


def test_repr_of_huge_empty_array_is_summarized():
    # 2^40 rows of nothing: printing must not visit every row.
    text = repr(mx.zeros((2**40, 0)))
    assert "..." in text and text.endswith("dtype=float32)")
    assert repr(mx.zeros((3, 0))) == "array([[],\n       [],\n       []], dtype=float32)"
