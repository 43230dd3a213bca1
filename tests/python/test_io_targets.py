"""Where saves write: temporaries left by a killed writer are cleaned up,
devices and FIFOs are written in place (never replaced by a regular file),
symbolic links are written through, and OS failures name the op."""

import io
import os
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

import mlx.core as mx

SAVERS = {
    "npy": lambda p, a: mx.save(p, a),
    "npz": lambda p, a: mx.savez(p, a=a),
    "safetensors": lambda p, a: mx.save_safetensors(p, {"a": a}),
    "gguf": lambda p, a: mx.save_gguf(p, {"a": a}),
}


def loaded(path, fmt):
    out = mx.load(str(path))
    return np.array(out if fmt == "npy" else out["a"])


def test_a_save_killed_mid_write_leaves_a_temporary_the_next_save_removes(tmp_path):
    target = tmp_path / "weights.npz"
    writer = textwrap.dedent(f"""
        import time, mlx.core as mx, mlx._io_npy as m
        real = m.raw_bytes
        def slow(a):
            data = real(a)
            print("writing", flush=True)
            time.sleep(60)
            return data
        m.raw_bytes = slow
        mx.savez({str(target)!r}, a=mx.zeros(1 << 16))
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and not target.exists()

    mx.savez(str(target), a=mx.arange(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]
    np.testing.assert_array_equal(np.array(mx.load(str(target))["a"]), np.arange(3))


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    mine = tmp_path / f".x.npy.ember-{os.getpid()}-abc.tmp"
    mine.write_bytes(b"partial")
    mx.save(str(tmp_path / "x.npy"), mx.ones(2))
    assert mine.exists()


@pytest.mark.parametrize("fmt", list(SAVERS))
def test_devices_and_fifos_are_written_in_place(fmt, tmp_path):
    null = tmp_path / f"null.{fmt}"
    full = tmp_path / f"full.{fmt}"
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("creating device nodes needs root")
    SAVERS[fmt](str(null), mx.ones(3))
    assert stat.S_ISCHR(os.stat(null).st_mode)
    with pytest.raises(OSError, match=r"^\[") as info:
        SAVERS[fmt](str(full), mx.ones(3))
    assert isinstance(info.value, RuntimeError)
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([null.name, full.name])


def test_a_fifo_receives_the_file(tmp_path):
    fifo = tmp_path / "pipe.npy"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    mx.save(str(fifo), mx.arange(5))
    data, _ = reader.communicate(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    (tmp_path / "copy.npy").write_bytes(data)
    np.testing.assert_array_equal(np.load(tmp_path / "copy.npy"), np.arange(5))


@pytest.mark.parametrize("fmt", list(SAVERS))
def test_symbolic_links_are_written_through(fmt, tmp_path):
    real = tmp_path / f"real.{fmt}"
    link = tmp_path / f"link.{fmt}"
    SAVERS[fmt](str(real), mx.zeros(2))
    os.symlink(real, link)
    SAVERS[fmt](str(link), mx.arange(4))
    assert link.is_symlink()
    np.testing.assert_array_equal(loaded(real, fmt), np.arange(4))


@pytest.mark.parametrize("fmt", list(SAVERS))
def test_os_failures_name_the_op_and_the_path(fmt, tmp_path):
    missing = tmp_path / "no" / "such" / f"dir.{fmt}"
    with pytest.raises(FileNotFoundError, match=r"^\[save") as info:
        SAVERS[fmt](str(missing), mx.ones(2))
    assert isinstance(info.value, RuntimeError)
    assert str(missing) in str(info.value)
    assert not (tmp_path / "no").exists()
    # The written file stays loadable after a failed attempt elsewhere.
    good = tmp_path / f"good.{fmt}"
    SAVERS[fmt](str(good), mx.ones(2))
    np.testing.assert_array_equal(loaded(good, fmt), np.ones(2))


def test_an_npz_member_with_an_empty_name_loads_as_the_empty_key(tmp_path):
    # Built by hand: zipfile refuses to write an empty member name.
    buf = io.BytesIO()
    np.save(buf, np.arange(3.0))
    data = buf.getvalue()
    crc = zlib.crc32(data) & 0xFFFFFFFF
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data), len(data), 0, 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        0,
        0,
        0,
        crc,
        len(data),
        len(data),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    )
    eocd = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0
    )
    path = tmp_path / "empty.npz"
    path.write_bytes(local + data + central + eocd)
    out = mx.load(str(path))
    assert list(out) == [""]
    np.testing.assert_array_equal(np.array(out[""]), np.arange(3.0))
