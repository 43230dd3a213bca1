"""mx.load from a path reads headers at load and data at eval, as MLX does:
a truncated .npy loads and raises at eval, a file rewritten between load
and eval gives the new data, and every load error is both Ember's type
(ValueError, FileNotFoundError, ...) and MLX's (RuntimeError)."""

import os
import struct
import threading

import numpy as np
import pytest

import mlx.core as mx

SAVERS = {
    "npy": lambda p, a: mx.save(p, a),
    "safetensors": lambda p, a: mx.save_safetensors(p, {"a": a}),
    "gguf": lambda p, a: mx.save_gguf(p, {"a": a}),
}


def _load(path, fmt):
    out = mx.load(str(path))
    return out if fmt == "npy" else out["a"]


@pytest.mark.parametrize("fmt", list(SAVERS))
def test_data_is_read_at_eval(fmt, tmp_path):
    path = tmp_path / f"a.{fmt}"
    SAVERS[fmt](path, mx.arange(6, dtype=mx.float32).reshape(2, 3))
    before = mx.get_active_memory()
    a = _load(path, fmt)
    assert mx.get_active_memory() == before
    assert a.shape == (2, 3) and a.dtype == mx.float32
    # Same layout, new values: the eval reads what the file holds then.
    SAVERS[fmt](path, mx.arange(6, dtype=mx.float32).reshape(2, 3) + 10)
    np.testing.assert_array_equal(np.array(a), np.arange(6).reshape(2, 3) + 10)


def test_truncated_npy_loads_and_raises_at_eval(tmp_path):
    path = tmp_path / "t.npy"
    expected = np.arange(16, dtype=np.float32)
    np.save(path, expected)
    os.truncate(path, os.path.getsize(path) - 8)
    a = mx.load(str(path))
    assert a.shape == (16,)
    for kind in (RuntimeError, ValueError):
        with pytest.raises(kind, match=r"^\[load\] Unable to read"):
            mx.eval(a)
    # The failed array is still lazy: once the data is there it evaluates.
    np.save(path, expected)
    np.testing.assert_array_equal(np.array(a), expected)


def test_file_removed_before_eval(tmp_path):
    path = tmp_path / "gone.npy"
    mx.save(path, mx.ones(3))
    a = mx.load(path)
    os.remove(path)
    with pytest.raises(FileNotFoundError, match=r"^\[load\] Failed to open file"):
        mx.eval(a)
    with pytest.raises(RuntimeError):
        mx.eval(a)


@pytest.mark.parametrize("fmt", ["safetensors", "gguf"])
def test_truncated_data_raises_at_load_where_the_header_says_so(fmt, tmp_path):
    # As in MLX, tensors reaching past the end of the file are refused at load.
    path = tmp_path / f"t.{fmt}"
    SAVERS[fmt](path, mx.arange(100, dtype=mx.float32))
    os.truncate(path, os.path.getsize(path) - 40)
    for kind in (RuntimeError, ValueError):
        with pytest.raises(kind, match=rf"^\[load_{fmt}\]"):
            mx.load(str(path))


def test_open_errors_are_also_runtime_errors(tmp_path):
    missing = tmp_path / "missing.npy"
    for kind in (FileNotFoundError, RuntimeError):
        with pytest.raises(kind, match=r"^\[load\] Failed to open file .*missing"):
            mx.load(missing)
    try:
        mx.load(missing)
    except FileNotFoundError as e:
        assert e.errno == 2
    (tmp_path / "d.npy").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        mx.load(tmp_path / "d.npy")
    assert isinstance(info.value, RuntimeError)


def test_corrupt_files_are_value_and_runtime_errors(tmp_path):
    path = tmp_path / "bad.npy"
    path.write_bytes(b"not an npy file at all")
    for kind in (RuntimeError, ValueError):
        with pytest.raises(kind, match=r"^\[load\]"):
            mx.load(path)
    path = tmp_path / "bad.npz"
    path.write_bytes(b"PK not a zip")
    with pytest.raises(RuntimeError, match=r"^\[load\]"):
        mx.load(path)


def _npy_file(path, descr, shape, data, fortran=False):
    header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}"
    header = header.encode() + b" " * (-(len(header) + 11) % 64) + b"\n"
    path.write_bytes(
        b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data
    )


def test_lazy_data_conversions(tmp_path):
    # Bytes other than 0 and 1 are True; big-endian data is swapped;
    # column-major data is transposed.
    path = tmp_path / "b.npy"
    _npy_file(path, "|b1", (4,), bytes([0, 1, 2, 255]))
    np.testing.assert_array_equal(np.array(mx.load(path)), [False, True, True, True])
    x = (np.arange(12, dtype=np.float32) * 1.5 - 3).reshape(3, 4)
    for v in (
        x.astype(">f4"),
        np.asfortranarray(x),
        np.asfortranarray(x.astype(">f4")),
    ):
        np.save(path, v)
        a = mx.load(path)
        assert a.dtype == mx.float32
        np.testing.assert_array_equal(np.array(a), x)
    c = (np.arange(6) + 1j * np.arange(6)[::-1]).astype(">c8")
    np.save(path, c)
    np.testing.assert_array_equal(np.array(mx.load(path)), c.astype("<c8"))


def test_quantized_gguf_loads_from_a_path(tmp_path):
    # Q8_0 blocks are converted at load; plain tensors beside them are lazy.
    from test_io import gguf_bytes, make_blocks

    raw, values = make_blocks("Q8_0", 2, np.random.default_rng(0))
    tensors = [
        ("q.weight", [32, 2], 8, raw),
        ("f", [3], 0, np.arange(3, dtype="<f4").tobytes()),
    ]
    path = tmp_path / "q.gguf"
    path.write_bytes(gguf_bytes([], tensors))
    out = mx.load(path)
    assert set(out) == {"q.weight", "q.scales", "q.biases", "f"}
    np.testing.assert_array_equal(np.array(out["f"]), [0, 1, 2])
    w = mx.dequantize(
        out["q.weight"], out["q.scales"], out["q.biases"], group_size=32, bits=8
    )
    np.testing.assert_allclose(np.array(w), values.reshape(2, 32), rtol=1e-3, atol=1e-3)


def test_loaded_array_is_donated(tmp_path):
    # Only the graph holds the loaded array, so the product takes its memory.
    path = tmp_path / "d.npy"
    mx.save(path, mx.random.normal((1 << 16,)))
    scale = mx.array(2.0)
    mx.eval(scale)
    mx.reset_peak_memory()
    y = mx.load(path)
    mx.eval(y)
    load_only = mx.get_peak_memory()
    y = mx.load(path) * scale
    mx.eval(y)
    assert mx.get_peak_memory() == load_only


def test_eval_on_threads_does_not_deadlock(tmp_path):
    # The reader takes the GIL inside eval; evals (and mx.random, which
    # evaluates) on other threads must release it while they wait.
    paths = []
    for i in range(4):
        paths.append(tmp_path / f"{i}.npy")
        np.save(paths[-1], np.full((256, 256), i, np.float32))
    errors = []

    def work(i):
        try:
            for _ in range(20):
                a = mx.load(paths[i]) + mx.random.uniform(shape=(256, 256))
                assert float(mx.min(a)) >= i
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "eval deadlocked"
    assert not errors, errors


def test_lazy_load_binding_contract():
    def fill(view):
        view[:] = np.arange(6, dtype=np.int16).tobytes()

    a = mx._lazy_load((2, 3), mx.int16, fill)
    np.testing.assert_array_equal(np.array(a), np.arange(6).reshape(2, 3))
    assert mx._lazy_load((0, 4), mx.float32, lambda v: None).shape == (0, 4)

    def fail(view):
        raise KeyError("reader failed")

    with pytest.raises(KeyError, match="reader failed"):
        mx.eval(mx._lazy_load((3,), mx.float32, fail))
    with pytest.raises(ValueError):
        mx._lazy_load((-1,), mx.float32, fill)
