"""Bad arguments raise Python exceptions of the right type, tagged "[op]"."""

import numpy as np
import pytest

import mlx.core as mx


def z(*shape):
    return mx.zeros(shape)


# (tag the message must start with, call that must raise ValueError)
VALUE_ERRORS = [
    ("reshape", lambda: mx.reshape(z(2, 3), (4,))),
    ("reshape", lambda: z(2, 3).reshape(-1, -1)),
    ("transpose", lambda: mx.transpose(z(2, 3), (0, 2))),
    ("swapaxes", lambda: mx.swapaxes(z(2, 3), 0, 2)),
    ("moveaxis", lambda: mx.moveaxis(z(2, 3), 3, 0)),
    ("squeeze", lambda: mx.squeeze(z(2, 3), 0)),
    ("expand_dims", lambda: mx.expand_dims(z(2, 3), 4)),
    ("flatten", lambda: mx.flatten(z(2, 3), 2, 3)),
    ("broadcast_to", lambda: mx.broadcast_to(z(2, 3), (3, 3))),
    ("concatenate", lambda: mx.concatenate([z(2, 3), z(3, 3)], axis=1)),
    ("stack", lambda: mx.stack([z(2), z(3)])),
    ("split", lambda: mx.split(z(5), 2)),
    ("sum", lambda: mx.sum(z(2, 3), axis=2)),
    ("max", lambda: mx.max(z(2, 3), axis=-3)),
    ("mean", lambda: mx.mean(z(2, 3), axis=(0, 0))),
    ("argmax", lambda: mx.argmax(z(2, 3), axis=5)),
    ("softmax", lambda: mx.softmax(z(2, 3), axis=2)),
    ("matmul", lambda: mx.matmul(z(2, 3), z(2, 3))),
    ("add", lambda: mx.add(z(2, 3), z(4))),
    ("where", lambda: mx.where(z(2) > 0, z(3), z(4))),
    ("full", lambda: mx.full((2, 2), mx.array([1, 2, 3]))),
]


@pytest.mark.parametrize(
    "tag, call", VALUE_ERRORS, ids=[f"{i}-{t}" for i, (t, _) in enumerate(VALUE_ERRORS)]
)
def test_value_errors(tag, call):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith("["), message
    # Aliases may forward to a core op; most messages carry their own name.
    if tag in ("reshape", "sum", "matmul", "transpose", "concatenate"):
        assert message.startswith(f"[{tag}]"), message


def test_reshape_message():
    with pytest.raises(ValueError, match=r"^\[reshape\]"):
        mx.reshape(mx.zeros((2, 3)), (4,))


def test_negative_dimension_raises():
    with pytest.raises(ValueError):
        mx.zeros((2, -1))
    with pytest.raises(ValueError):
        mx.ones((-3,))


def test_index_errors():
    a = mx.arange(5)
    for bad in (5, -6, 100):
        with pytest.raises(IndexError):
            a[bad]
    with pytest.raises(IndexError):
        mx.zeros((2, 3))[0, 3]


def test_type_errors():
    with pytest.raises((TypeError, ValueError)):
        mx.array([1, 2]) + "a"
    with pytest.raises(TypeError):
        mx.zeros((2,), dtype="float32")
    with pytest.raises(ValueError):
        mx.array([[1, 2], ["x", 3]])


def test_errors_leave_arrays_usable():
    a = mx.ones((2, 3))
    with pytest.raises(ValueError):
        mx.reshape(a, (7,))
    assert mx.sum(a).item() == 6.0
    np.testing.assert_array_equal(np.array(a), np.ones((2, 3), np.float32))
