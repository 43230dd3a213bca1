"""The memory API: active/peak/cache accounting and limits."""

import gc

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
