"""The memory API: active/peak/cache accounting and limits."""

import gc

import numpy as np
import pytest

import mlx.core as mx

MB = 1 << 20


@pytest.fixture(autouse=True)
def restore_limits():
    """Each test may change limits; put the defaults back afterwards."""
    cache_limit = mx.set_cache_limit(1 << 40)
    mx.set_cache_limit(cache_limit)
    memory_limit = mx.set_memory_limit(1 << 40)
    mx.set_memory_limit(memory_limit)
    yield
    mx.set_cache_limit(cache_limit)
    mx.set_memory_limit(memory_limit)


def _settle():
    gc.collect()
    mx.synchronize()


def test_returns_ints():
    for fn in (mx.get_active_memory, mx.get_peak_memory, mx.get_cache_memory):
        assert isinstance(fn(), int) and fn() >= 0


def test_active_memory_tracks_live_arrays():
    _settle()
    before = mx.get_active_memory()
    a = mx.zeros((4 * MB // 4,))
    mx.eval(a)
    assert mx.get_active_memory() >= before + 4 * MB
    del a
    _settle()
    assert mx.get_active_memory() <= before + 64 * 1024


def test_freed_arrays_do_not_change_active_memory():
    a = mx.zeros((4096,))
    mx.eval(a)
    _settle()
    active = mx.get_active_memory()
    b = mx.zeros((4096,))
    mx.eval(b)
    del b
    _settle()
    assert mx.get_active_memory() == active
    del a


def test_peak_memory():
    mx.reset_peak_memory()
    assert mx.get_peak_memory() == 0
    a = mx.ones((2 * MB,))
    mx.eval(a)
    assert mx.get_peak_memory() >= 8 * MB
    del a
    _settle()
    assert mx.get_peak_memory() >= 8 * MB
    mx.reset_peak_memory()
    assert mx.get_peak_memory() == 0


def test_cache_is_reused_and_cleared():
    mx.clear_cache()
    assert mx.get_cache_memory() == 0
    a = mx.ones((MB,))
    mx.eval(a)
    del a
    _settle()
    cached = mx.get_cache_memory()
    assert cached >= 4 * MB
    # A buffer of the same size comes out of the cache.
    b = mx.ones((MB,))
    mx.eval(b)
    assert mx.get_cache_memory() <= cached - 4 * MB
    del b
    mx.clear_cache()
    assert mx.get_cache_memory() == 0


def test_zero_cache_limit_frees_immediately():
    old = mx.set_cache_limit(0)
    assert isinstance(old, int)
    a = mx.zeros((4096,))
    mx.eval(a)
    del a
    _settle()
    assert mx.get_cache_memory() == 0
    assert mx.set_cache_limit(old) == 0
    assert mx.set_cache_limit(old) == old


def test_memory_limit_roundtrip():
    old = mx.set_memory_limit(10 * MB)
    assert isinstance(old, int) and old > 0
    assert mx.set_memory_limit(old) == 10 * MB
    assert mx.set_memory_limit(old) == old


def test_many_temporaries_stay_bounded():
    _settle()
    before = mx.get_active_memory()
    x = mx.ones((MB,))
    for _ in range(50):
        x = mx.exp(x * 0.5) - 1
        mx.eval(x)
    del x
    _settle()
    assert mx.get_active_memory() <= before + 64 * 1024


def test_huge_allocation_raises_memory_error():
    # 4 EiB: no machine has it; the error must surface, not crash.
    with pytest.raises(MemoryError):
        mx.eval(mx.zeros((1 << 62,), dtype=mx.uint8) + 1)


def test_small_blocks_are_cached_by_size():
    # Blocks below a page are cached per power-of-two size; the counts
    # stay exact through reuse, a cache limit and clear_cache.
    mx.clear_cache()
    sizes = [1, 15, 16, 17, 100, 300, 511, 1000]  # float32 elements: 4 B to 4000 B
    arrays = [mx.ones((n,)) for n in sizes * 4]
    mx.eval(arrays)
    active = mx.get_active_memory()
    del arrays
    _settle()
    cached = mx.get_cache_memory()
    assert cached > 0 and mx.get_active_memory() < active
    again = [mx.full((n,), 2.0) for n in sizes * 4]
    mx.eval(again)
    assert mx.get_cache_memory() < cached
    assert all(float(a.sum()) == 2.0 * n for a, n in zip(again, sizes * 4))
    del again
    _settle()
    old = mx.set_cache_limit(1024)
    assert mx.get_cache_memory() <= 1024
    mx.set_cache_limit(old)
    mx.clear_cache()
    assert mx.get_cache_memory() == 0


N_DONATE = 1 << 20


def _evaluated(values=None):
    x = mx.ones(N_DONATE) if values is None else mx.array(values)
    mx.eval(x)
    return x


def _peak_buffers(fn):
    """Peak memory while fn runs, in float32 buffers of N_DONATE elements
    beyond what was live before."""
    _settle()
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    keep = fn()  # noqa: F841 - the result stays live until measured
    return (mx.get_peak_memory() - base) / (4 * N_DONATE)


def _exp_of_ones():
    y = mx.exp(mx.ones(N_DONATE))
    mx.eval(y)
    return y


def _times_two_after_del():
    x = _evaluated()
    y = x * 2
    del x
    mx.eval(y)
    return y


def _loop_dropping_references():
    x = _evaluated()
    for _ in range(8):
        x = x + 1
    mx.eval(x)
    return x


def _astype_same_size():
    x = _evaluated()
    y = x.astype(mx.int32)
    del x
    mx.eval(y)
    return y


def _where_takes_a_value_input():
    x = _evaluated()
    keep = x > 0
    mx.eval(keep)
    y = mx.where(keep, x, 0.0)
    del x, keep
    mx.eval(y)
    return y


@pytest.mark.parametrize(
    "fn",
    [
        _exp_of_ones,
        _times_two_after_del,
        _loop_dropping_references,
        _astype_same_size,
        _where_takes_a_value_input,
    ],
)
def test_inputs_only_the_graph_holds_are_donated(fn):
    # The output reuses its input's memory: one buffer at the peak (and the
    # bool mask, a quarter of one, for where); two without donation.
    assert _peak_buffers(fn) < 1.3


def test_donated_kernels_compute_the_same_values():
    rng = np.random.default_rng(0)
    v = (rng.standard_normal(4096) * 50).astype(np.float32)
    w = rng.standard_normal(4096).astype(np.float32)
    x = _evaluated(v)
    y = x.astype(mx.int32)
    del x
    np.testing.assert_array_equal(np.array(y), v.astype(np.int32))
    x, z = _evaluated(v), _evaluated(w)
    y = mx.where(_evaluated(v > 0), x, z)
    del x, z
    np.testing.assert_array_equal(np.array(y), np.where(v > 0, v, w))
    # The second value input can take the output too; the caller's array
    # is never overwritten.
    held = _evaluated(v)
    z = _evaluated(w)
    y = mx.where(_evaluated(v > 0), held, z)
    del z
    np.testing.assert_array_equal(np.array(y), np.where(v > 0, v, w))
    np.testing.assert_array_equal(np.array(held), v)


def test_held_inputs_are_not_donated():
    x = _evaluated()

    def times_two():
        y = x * 2
        mx.eval(y)
        return y

    assert _peak_buffers(times_two) > 0.9
    np.testing.assert_array_equal(np.array(x[:4]), np.ones(4))
