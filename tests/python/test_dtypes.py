"""Dtypes: promotion, casts, views, finfo/iinfo and categories."""

import itertools
import warnings

import numpy as np
import pytest

import mlx.core as mx
from oracle import ALL_DTYPES, INT_DTYPES, NP_DTYPE, assert_close, name_of, np_dtype

FLOAT_RANK = {"float16": 1, "bfloat16": 1, "float32": 2, "float64": 3}


def mlx_promote(a: mx.Dtype, b: mx.Dtype) -> str:
    """MLX's promotion, stated as numpy's rule plus MLX's departures."""
    na, nb = name_of(a), name_of(b)
    if "complex64" in (na, nb):
        return "complex64"
    if na in FLOAT_RANK and nb in FLOAT_RANK:
        if {na, nb} == {"float16", "bfloat16"}:
            return "float32"
        return max(na, nb, key=FLOAT_RANK.get)
    # A float wins over any integer whatever their sizes.
    if na in FLOAT_RANK or nb in FLOAT_RANK:
        return na if na in FLOAT_RANK else nb
    signed = {"int8", "int16", "int32", "int64"}
    # uint64 with a signed integer has no exact integer type.
    if "uint64" in (na, nb) and (na in signed or nb in signed):
        return "float32"
    return str(np.promote_types(NP_DTYPE[na], NP_DTYPE[nb]))


@pytest.mark.parametrize(
    "a, b", list(itertools.product(ALL_DTYPES, ALL_DTYPES)), ids=str
)
def test_array_array_promotion(a, b):
    out = mx.ones((2,), dtype=a) + mx.ones((2,), dtype=b)
    assert name_of(out.dtype) == mlx_promote(a, b)
    assert name_of(mx.result_type(a, b)) == mlx_promote(a, b)


def test_promotion_spot_checks():
    def promoted(a, b):
        return (mx.zeros((1,), a) * mx.zeros((1,), b)).dtype

    assert promoted(mx.int8, mx.uint8) == mx.int16
    assert promoted(mx.uint64, mx.int64) == mx.float32
    assert promoted(mx.float16, mx.bfloat16) == mx.float32
    assert promoted(mx.int32, mx.float16) == mx.float16
    assert promoted(mx.uint32, mx.int32) == mx.int64
    assert promoted(mx.bool_, mx.int8) == mx.int8
    assert promoted(mx.float32, mx.float64) == mx.float64


def scalar_result(dtype: mx.Dtype, scalar) -> str:
    """Python scalars are weak: they only lift the array to their kind."""
    name = name_of(dtype)
    if isinstance(scalar, bool):
        return name
    if isinstance(scalar, int):
        return "int32" if name == "bool" else name
    if isinstance(scalar, float):
        return name if name in FLOAT_RANK or name == "complex64" else "float32"
    return "complex64"


@pytest.mark.parametrize("scalar", [False, 0, 1.0, 2j], ids=repr)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_python_scalar_promotion(dtype, scalar):
    x = mx.zeros((3,), dtype=dtype)
    assert name_of((x * scalar).dtype) == scalar_result(dtype, scalar)
    assert name_of((scalar * x).dtype) == scalar_result(dtype, scalar)


def test_python_scalar_spot_checks():
    assert (mx.array([1, 2], mx.int32) + 1.5).dtype == mx.float32
    assert (mx.array([1, 2], mx.float16) + 1.5).dtype == mx.float16
    assert (mx.array([1, 2], mx.int8) + 1).dtype == mx.int8
    assert (mx.array([1, 2], mx.uint8) + 1).dtype == mx.uint8
    assert (mx.array([1, 2], mx.bfloat16) * 0.5).dtype == mx.bfloat16
    assert (mx.array(True) + 1).dtype == mx.int32


def test_scalar_out_of_range_raises():
    with pytest.raises(ValueError):
        mx.array(2_000_000_000, mx.int32) + 3_000_000_000


@pytest.mark.parametrize("scalar", [True, 7, -3, 2**40 + 1], ids=repr)
@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float32, mx.float64,
                                   mx.complex64, mx.int64], ids=str)
def test_python_int_scalar_values(dtype, scalar):
    # Bool and int scalars are made directly in the array's dtype: the
    # value is the scalar cast to it, as numpy casts.
    x = mx.zeros((2,), dtype=dtype)
    got = x + scalar
    assert got.dtype == dtype
    if dtype == mx.bfloat16:  # numpy has none: float32, to bfloat16's precision
        got, want = got.astype(mx.float32), np.float32(scalar)
    else:
        with np.errstate(over="ignore"):
            want = np.asarray(scalar).astype(np_dtype(dtype))
    np.testing.assert_allclose(np.asarray(got), np.full(2, want), rtol=2**-7)


def test_ints_past_int64_raise():
    for make in (lambda: mx.array(2**70), lambda: mx.array([[1, -(2**64)]]),
                 lambda: mx.array([1.0]) + 2**70, lambda: mx.array([1]) + 2**70):
        with pytest.raises(ValueError):
            make()


CAST_DTYPES = [mx.bool_, mx.uint8, mx.int16, mx.int32, mx.int64, mx.uint32]
CAST_DTYPES += [mx.float16, mx.float32, mx.float64, mx.complex64]


@pytest.mark.parametrize("dst", CAST_DTYPES, ids=str)
@pytest.mark.parametrize("src", CAST_DTYPES, ids=str)
def test_astype(rng, src, dst):
    data = rng.uniform(0, 100, (4, 6)).astype(np.float32)
    data[0, :3] = [0.0, 1.0, 0.5]
    src_np = data.astype(np_dtype(src))
    x = mx.array(src_np, dtype=src)
    y = x.astype(dst)
    assert y.dtype == dst
    # complex to real keeps the real part, as in numpy (which warns).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = src_np.astype(np_dtype(dst))
    assert_close(y, expected)
    assert_close(mx.astype(x, dst), expected)


def test_astype_truncates_toward_zero():
    x = mx.array([-1.7, -0.2, 0.9, 2.5, -3.5])
    assert x.astype(mx.int32).tolist() == [-1, 0, 0, 2, -3]


def test_bfloat16_roundtrip(rng):
    data = rng.uniform(-100, 100, 257).astype(np.float32)
    back = np.array(mx.array(data).astype(mx.bfloat16).astype(mx.float32))
    np.testing.assert_allclose(back, data, rtol=2**-8)
    ints = np.arange(-256, 257).astype(np.float32)
    exact = mx.array(ints).astype(mx.bfloat16).astype(mx.float32)
    np.testing.assert_array_equal(np.array(exact), ints)


@pytest.mark.parametrize(
    "src, dst",
    [
        ("float32", "int32"),
        ("float32", "uint8"),
        ("int32", "float32"),
        ("uint8", "int16"),
        ("int16", "float16"),
        ("float64", "int64"),
        ("uint8", "float32"),
    ],
)
def test_view(rng, src, dst):
    data = rng.uniform(-50, 50, (3, 8)).astype(NP_DTYPE[src])
    x = mx.array(data, dtype=getattr(mx, src))
    y = x.view(getattr(mx, dst))
    expected = data.view(NP_DTYPE[dst])
    assert name_of(y.dtype) == dst
    assert y.shape == expected.shape
    got = np.array(y)
    np.testing.assert_array_equal(got.view(np.uint8), expected.view(np.uint8))
    assert mx.view(x, getattr(mx, dst)).shape == expected.shape


def test_view_bad_last_dim_raises():
    with pytest.raises(ValueError):
        mx.array([1, 2, 3], mx.uint8).view(mx.float32)


def _finfo_from_layout(mantissa_bits: int, exponent_bits: int):
    bias = 2 ** (exponent_bits - 1) - 1
    eps = 2.0**-mantissa_bits
    return eps, (2 - eps) * 2.0**bias, 2.0 ** (1 - bias)


@pytest.mark.parametrize(
    "dtype, layout",
    [
        (mx.float16, (10, 5)),
        (mx.float32, (23, 8)),
        (mx.float64, (52, 11)),
        (mx.bfloat16, (7, 8)),
    ],
    ids=str,
)
def test_finfo(dtype, layout):
    info = mx.finfo(dtype)
    eps, biggest, smallest_normal = _finfo_from_layout(*layout)
    assert info.dtype == dtype
    assert info.bits == 8 * dtype.size
    assert info.eps == eps
    assert info.max == biggest
    assert info.min == -biggest
    assert info.smallest_normal == smallest_normal
    if dtype != mx.bfloat16:
        ref = np.finfo(np_dtype(dtype))
        assert (info.eps, info.max, info.min) == (ref.eps, ref.max, ref.min)


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_iinfo(dtype):
    info, ref = mx.iinfo(dtype), np.iinfo(np_dtype(dtype))
    assert (info.min, info.max) == (ref.min, ref.max)
    assert info.dtype == dtype


def test_iinfo_rejects_floats():
    with pytest.raises(ValueError):
        mx.iinfo(mx.float32)


CATEGORIES = [
    ("generic", np.generic),
    ("number", np.number),
    ("integer", np.integer),
    ("signedinteger", np.signedinteger),
    ("unsignedinteger", np.unsignedinteger),
    ("inexact", np.inexact),
    ("floating", np.floating),
    ("complexfloating", np.complexfloating),
]


@pytest.mark.parametrize("category, np_category", CATEGORIES)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_issubdtype_dtype_category(dtype, category, np_category):
    got = mx.issubdtype(dtype, getattr(mx, category))
    # bfloat16 behaves like numpy's float16 here.
    ref_dtype = np.float16 if dtype == mx.bfloat16 else np_dtype(dtype)
    assert got == np.issubdtype(ref_dtype, np_category)


@pytest.mark.parametrize("a, np_a", CATEGORIES)
@pytest.mark.parametrize("b, np_b", CATEGORIES)
def test_issubdtype_category_category(a, np_a, b, np_b):
    assert mx.issubdtype(getattr(mx, a), getattr(mx, b)) == np.issubdtype(np_a, np_b)


def test_issubdtype_dtype_dtype():
    assert mx.issubdtype(mx.float32, mx.float32)
    assert not mx.issubdtype(mx.float32, mx.float64)
    assert not mx.issubdtype(mx.int32, mx.uint32)


def test_dtype_objects():
    for dtype in ALL_DTYPES:
        assert str(dtype) == "mlx.core." + name_of(dtype)
        attr = "bool_" if name_of(dtype) == "bool" else name_of(dtype)
        assert dtype == getattr(mx, attr)
        expected = 2 if dtype == mx.bfloat16 else np.dtype(np_dtype(dtype)).itemsize
        assert dtype.size == expected
    assert len({*ALL_DTYPES}) == len(ALL_DTYPES)
    assert mx.float32 != mx.float64
    assert isinstance(mx.float32, mx.Dtype)
    assert isinstance(mx.floating, mx.DtypeCategory)
