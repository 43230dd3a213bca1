"""Basic indexing (ints, slices, None, Ellipsis) against numpy."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import assert_close

DATA = np.arange(4 * 5 * 6, dtype=np.int32).reshape(4, 5, 6)

INDICES = [
    np.s_[0],
    np.s_[3],
    np.s_[-1],
    np.s_[-4],
    np.s_[1, 2],
    np.s_[1, 2, 3],
    np.s_[-1, -2, -3],
    np.s_[1:3],
    np.s_[:],
    np.s_[::2],
    np.s_[::-1],
    np.s_[::-2],
    np.s_[3:0:-1],
    np.s_[-1:-4:-1],
    np.s_[5:1:-1],
    np.s_[-100:100],
    np.s_[100:],
    np.s_[2:2],
    np.s_[1:3, ::2, 4],
    np.s_[:, ::-1, 1:5:2],
    np.s_[..., 1],
    np.s_[..., ::-3],
    np.s_[1, ...],
    np.s_[1, ..., 2],
    np.s_[...],
    np.s_[None],
    np.s_[None, 1],
    np.s_[:, None, 2],
    np.s_[..., None],
    np.s_[None, ..., None, 0],
    np.s_[1, None, ::-1, None],
    np.s_[()],
]


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_getitem_matches_numpy(index):
    a = mx.array(DATA)
    got = a[index]
    want = DATA[index]
    assert got.shape == want.shape
    assert got.dtype == mx.int32
    np.testing.assert_array_equal(np.array(got), want)


@pytest.mark.parametrize("index", INDICES[:20], ids=repr)
def test_views_feed_ops(index):
    data = DATA.astype(np.float32)
    view = mx.array(data)[index]
    assert_close(view * 2 + 1, data[index].astype(np.float64) * 2 + 1)
    assert_close(mx.sum(view), np.sum(data[index], dtype=np.float64))


def test_chained_indexing():
    a = mx.array(DATA)
    want = DATA[::-1][1:][:, ::2]
    np.testing.assert_array_equal(np.array(a[::-1][1:][:, ::2]), want)
    np.testing.assert_array_equal(np.array(a[1][2][3]), DATA[1][2][3])
    np.testing.assert_array_equal(np.array(a.T[::2, 1]), DATA.T[::2, 1])


def test_integer_index_gives_scalar():
    a = mx.array([10, 20, 30])
    assert a[1].shape == ()
    assert a[1].item() == 20
    assert a[-1].item() == 30
    assert mx.array([1])[...].shape == (1,)


def test_numpy_and_mx_integer_scalars_as_indices():
    a = mx.array(DATA)
    np.testing.assert_array_equal(np.array(a[np.int64(2)]), DATA[2])
    np.testing.assert_array_equal(np.array(a[1, np.int32(-1)]), DATA[1, -1])


@pytest.mark.parametrize(
    "index", [np.s_[4], np.s_[-5], np.s_[0, 5], np.s_[0, 0, 6], np.s_[0, 0, -7]]
)
def test_out_of_range_index_raises(index):
    with pytest.raises(IndexError):
        mx.array(DATA)[index]


def test_too_many_indices_raises():
    with pytest.raises(IndexError):
        mx.array(DATA)[0, 0, 0, 0]
    with pytest.raises(IndexError):
        mx.array(5)[0]


def test_two_ellipses_raise():
    with pytest.raises((IndexError, ValueError)):
        mx.array(DATA)[..., 0, ...]


def test_zero_step_raises():
    with pytest.raises((IndexError, ValueError)):
        mx.array(DATA)[::0]


def test_indexing_does_not_modify_source():
    a = mx.array(DATA)
    b = a[::-1]
    b += 1
    np.testing.assert_array_equal(np.array(a), DATA)
    np.testing.assert_array_equal(np.array(b), DATA[::-1] + 1)
