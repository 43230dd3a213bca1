"""Assignment through basic indices, and the complex-part accessors."""

import numpy as np
import pytest
from oracle import assert_close, random_array

import mlx.core as mx

INDICES = [
    1,
    -1,
    slice(None),
    slice(1, 3),
    slice(None, None, -1),
    slice(3, 0, -2),
    (0, slice(None)),
    (slice(None), 2),
    (Ellipsis, 1),
    (None, 1),
    (slice(None, None, 2), slice(1, None, 2)),
]


@pytest.mark.parametrize("index", INDICES, ids=str)
@pytest.mark.parametrize("value_kind", ["scalar", "array", "broadcast"])
def test_setitem_matches_numpy(rng, index, value_kind):
    a, a_np = random_array(rng, (4, 5), mx.float32)
    a_np = a_np.copy()
    target_shape = a_np[index].shape
    if value_kind == "scalar":
        value_np = np.float32(7.5)
        value = 7.5
    elif value_kind == "array":
        value_np = rng.standard_normal(target_shape).astype(np.float32)
        value = mx.array(value_np)
    else:
        value_np = rng.standard_normal(target_shape[-1:]).astype(np.float32)
        value = mx.array(value_np)
    a_np[index] = value_np
    a[index] = value
    assert_close(a, a_np)


def test_setitem_keeps_dtype_and_identity():
    a = mx.zeros((3,), dtype=mx.int32)
    ident = id(a)
    a[1] = 2.7  # converted to the array's dtype, as numpy does
    assert a.dtype == mx.int32
    assert id(a) == ident
    assert a.tolist() == [0, 2, 0]


def test_setitem_does_not_touch_other_references():
    a = mx.arange(6)
    b = a
    view = a[1:4]
    a[2] = 100
    # `b` is the same Python object as `a`; `view` was taken before.
    assert b.tolist() == [0, 1, 100, 3, 4, 5]
    assert view.tolist() == [1, 2, 3]


def test_setitem_from_overlapping_view():
    a_np = np.arange(8, dtype=np.float32)
    a = mx.array(a_np)
    a[1:] = a[:-1]
    a_np[1:] = a_np[:-1].copy()
    assert_close(a, a_np)


def test_setitem_errors():
    a = mx.zeros((2, 3))
    with pytest.raises(IndexError):
        a[2] = 1.0
    with pytest.raises(ValueError):
        a[0] = mx.ones((4,))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_real_imag(rng, shape):
    re = rng.standard_normal(shape).astype(np.float32)
    im = rng.standard_normal(shape).astype(np.float32)
    z_np = (re + 1j * im).astype(np.complex64)
    z = mx.array(z_np)
    assert z.real.dtype == mx.float32
    assert_close(z.real, z_np.real)
    assert_close(mx.imag(z), z_np.imag)
    x = mx.array(re)
    assert_close(mx.real(x), re)
    assert_close(x.imag, np.zeros_like(re))


def test_matrix_transpose_property(rng):
    a, a_np = random_array(rng, (2, 3, 4), mx.float32)
    assert_close(a.mT, np.swapaxes(a_np, -1, -2))
    with pytest.raises(ValueError):
        mx.array([1.0, 2.0]).mT
