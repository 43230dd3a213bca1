"""mx.load on 10,000 mutated files: each load returns arrays or raises
ValueError, never anything else, and memory stays bounded.

Seeds are valid .npy, .npz, .safetensors and .gguf files; mutations are byte
flips, truncations, interesting integers written over length, count, shape
and offset fields, and rewritten numbers inside the text headers (with the
length field fixed up, so the parsed header reaches the shape checks).
Before them, a table of hand-made hostile files, one per kind of lie. A
tenth of the cases also go through paths, whose data is read at eval."""

import io
import json
import re
import resource
import struct

import numpy as np
import pytest
from test_io import gguf_bytes, gguf_str, make_blocks

import mlx.core as mx

N_CASES = 10_000
RSS_LIMIT_KB = 256 * 1024

INTERESTING = [0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 127, 128, 255, 256]
INTERESTING += [0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000]
INTERESTING += [0xFFFFFFFF, 1 << 32, (1 << 62), (1 << 63) - 1, 1 << 63]
INTERESTING += [(1 << 64) - 1]


def _st_blob(header, data=b""):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def _npy_blob(header, data=b""):
    text = header.encode()
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def _st(dtype, shape, offsets):
    return {"t": {"dtype": dtype, "shape": shape, "data_offsets": offsets}}


HOSTILE = {
    "st_header_len": ("safetensors", struct.pack("<Q", 2**63) + b"{}"),
    "st_offsets_past_end": ("safetensors", _st_blob(_st("F32", [2], [0, 8]))),
    "st_size_mismatch": ("safetensors", _st_blob(_st("F32", [2, 2], [0, 4]), bytes(4))),
    "st_negative_dim": ("safetensors", _st_blob(_st("F32", [-1], [0, 0]))),
    "st_unknown_dtype": ("safetensors", _st_blob(_st("F4", [1], [0, 1]), bytes(1))),
    "st_absurd_shape": ("safetensors", _st_blob(_st("U8", [2**40, 2**40], [0, 0]))),
    "st_bool_dim": ("safetensors", _st_blob(_st("U8", [True], [0, 1]), bytes(1))),
    "st_not_object": ("safetensors", _st_blob([1, 2])),
    "st_deep_json": ("safetensors", _st_blob({"t": [[[[[[[]]]]]]]})),
    "npy_huge_shape": (
        "npy",
        _npy_blob("{'descr': '<f4', 'fortran_order': False, 'shape': (10**12,), }"),
    ),
    "npy_negative_dim": (
        "npy",
        _npy_blob("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }"),
    ),
    "npy_header_past_end": ("npy", b"\x93NUMPY\x01\x00\xff\xff{}"),
    "npy_code": ("npy", _npy_blob("__import__('os').system('true')")),
    "npy_float_dim": (
        "npy",
        _npy_blob("{'descr': '<f4', 'fortran_order': False, 'shape': (1.0,), }"),
    ),
    "gguf_string_len": ("gguf", b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 2**60) + b"k"),
    "gguf_tensor_count": ("gguf", b"GGUF" + struct.pack("<IQQ", 3, 2**62, 0)),
    "gguf_rank": ("gguf", gguf_bytes(tensors=[("t", [1] * 1000, 0, bytes(4))])),
    "gguf_huge_dims": ("gguf", gguf_bytes(tensors=[("t", [2**40, 2**40], 0, b"")])),
    "gguf_offset_past_end": ("gguf", gguf_bytes(tensors=[("t", [4], 0, bytes(8))])),
    "gguf_value_type": ("gguf", gguf_bytes(kvs=[("k", 99, b"")])),
    "gguf_array_len": (
        "gguf",
        gguf_bytes(kvs=[("k", 9, struct.pack("<IQ", 6, 2**61))]),
    ),
    "gguf_version": ("gguf", b"GGUF" + struct.pack("<IQQ", 1, 0, 0)),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_files_raise_value_error(case):
    fmt, blob = HOSTILE[case]
    with pytest.raises(ValueError, match=r"^\[load"):
        mx.load(io.BytesIO(blob), format=fmt)


def _npy(a):
    buf = io.BytesIO()
    mx.save(buf, a)
    return buf.getvalue()


def _seeds():
    """(format, bytes) of each valid seed file."""
    rng = np.random.default_rng(0)
    seeds = []
    for a in [
        mx.arange(12, dtype=mx.int32).reshape(3, 4),
        mx.array(rng.standard_normal((2, 3, 2)).astype(np.float32)).astype(mx.bfloat16),
        mx.array([True, False, True]),
        mx.array(3.5, dtype=mx.float64),
        mx.zeros((0, 4), dtype=mx.complex64),
    ]:
        seeds.append(("npy", _npy(a)))
    buf = io.BytesIO()
    np.save(buf, np.asfortranarray(np.arange(24, dtype=">i4").reshape(4, 6)))
    seeds.append(("npy", buf.getvalue()))
    arrays = {
        "w": mx.arange(20, dtype=mx.float16).reshape(4, 5),
        "b": mx.ones((3,), dtype=mx.uint64),
        "e": mx.zeros((0, 2), dtype=mx.int8),
        "s": mx.array(7, dtype=mx.int16),
    }
    for saver in (mx.savez, mx.savez_compressed):
        buf = io.BytesIO()
        saver(buf, **arrays)
        seeds.append(("npz", buf.getvalue()))
    buf = io.BytesIO()
    mx.save_safetensors(buf, arrays, {"format": "mlx", "k": "v"})
    seeds.append(("safetensors", buf.getvalue()))
    meta = {
        "name": "seed",
        "vocab": ["a", "bb", "ccc"],
        "ids": mx.array([1, 2, 3], dtype=mx.uint32),
        "eps": mx.array(1e-5),
        "flag": mx.array(True),
    }
    gg = {k: v for k, v in arrays.items() if k != "b"}
    buf = io.BytesIO()
    mx.save_gguf(buf, gg, meta)
    seeds.append(("gguf", buf.getvalue()))
    for ttype, qname in [(2, "Q4_0"), (3, "Q4_1"), (8, "Q8_0")]:
        raw, _ = make_blocks(qname, 4, rng)
        kvs = [("general.alignment", 4, struct.pack("<I", 32))]
        names = struct.pack("<IQ", 8, 2) + gguf_str("x") + gguf_str("y")
        kvs.append(("names", 9, names))
        tensors = [("q.weight", [64, 2], ttype, raw), ("f", [3], 0, bytes(12))]
        seeds.append(("gguf", gguf_bytes(kvs, tensors)))
    return seeds


def _gguf_fields(blob):
    """(offset, size) of every integer field of a valid GGUF file: counts,
    string lengths, value types, array lengths, ranks, dims, tensor types
    and data offsets."""
    fields, pos = [], 8

    def field(size):
        nonlocal pos
        fields.append((pos, size))
        pos += size
        return int.from_bytes(blob[pos - size : pos], "little")

    def string():
        nonlocal pos
        pos += field(8)

    def value(vtype):
        nonlocal pos
        if vtype == 8:
            string()
        elif vtype == 9:
            etype, count = field(4), field(8)
            for _ in range(count):
                value(etype)
        else:
            pos += {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1}.get(vtype, 8)

    n_tensors, n_kv = field(8), field(8)
    for _ in range(n_kv):
        string()
        value(field(4))
    for _ in range(n_tensors):
        string()
        for _ in range(field(4)):
            field(8)
        field(4)
        field(8)
    return fields


def _fields(fmt, blob):
    """Length, count, shape and offset fields that a mutation may target."""
    if fmt == "gguf":
        return _gguf_fields(blob)
    if fmt == "npy":
        return [(8, 2 if blob[6] == 1 else 4)]
    if fmt == "safetensors":
        return [(0, 8)]
    return []


def _write_int(blob, rng, fields):
    """Writes an interesting integer over a known field, or as u8/u16/u32/
    u64 at a random spot near the start."""
    if fields and rng.random() < 0.7:
        pos, size = fields[int(rng.integers(len(fields)))]
    else:
        size = int(rng.choice([1, 2, 4, 8]))
        pos = int(rng.integers(0, max(min(len(blob), 160) - size, 0) + 1))
    if pos + size > len(blob):
        return
    value = int(rng.choice(INTERESTING + [len(blob), len(blob) - pos]))
    value += int(rng.integers(-1, 2))
    value %= 1 << (8 * size)
    blob[pos : pos + size] = value.to_bytes(size, "little")


def _rewrite_number(blob, fmt, rng):
    """Replaces a number in a text header (npy dict or safetensors JSON)
    and fixes the header length so the header still parses."""
    if fmt == "npy":
        start = 10 if blob[6] == 1 else 12
        length_at, length_fmt = 8, "<H" if blob[6] == 1 else "<I"
        (hlen,) = struct.unpack_from(length_fmt, blob, length_at)
    else:
        start, length_at, length_fmt = 8, 0, "<Q"
        (hlen,) = struct.unpack_from(length_fmt, blob, 0)
    header = bytes(blob[start : start + hlen])
    numbers = list(re.finditer(rb"\d+", header))
    if not numbers:
        return blob
    m = numbers[int(rng.integers(len(numbers)))]
    value = int(rng.choice(INTERESTING)) + int(rng.integers(-2, 3))
    header = header[: m.start()] + str(value).encode() + header[m.end() :]
    try:
        new_len = struct.pack(length_fmt, len(header))
    except struct.error:
        return blob
    out = bytearray(blob[:start] + header + blob[start + hlen :])
    out[length_at : length_at + len(new_len)] = new_len
    return out


def _mutate(fmt, data, fields, rng):
    blob = bytearray(data)
    rounds = 1 if rng.random() < 0.75 else int(rng.integers(2, 4))
    for _ in range(rounds):
        kind = rng.random()
        if kind < 0.25:
            for _ in range(int(rng.integers(1, 5))):
                if blob:
                    blob[int(rng.integers(len(blob)))] = int(rng.integers(256))
        elif kind < 0.35:
            blob = blob[: int(rng.integers(0, len(blob) + 1))]
        elif kind > 0.55 and fmt in ("npy", "safetensors") and len(blob) >= 16:
            blob = _rewrite_number(blob, fmt, rng)
        else:
            _write_int(blob, rng, fields)
    return bytes(blob)


def _touch(out):
    """Looks at every loaded array (shape, dtype, and evaluates it)."""
    if isinstance(out, tuple):
        out = out[0]
    arrays = out.values() if isinstance(out, dict) else [out]
    for a in arrays:
        assert isinstance(a, mx.array)
        mx.eval(a)


def test_mutated_files_load_or_raise_value_error():
    seeds = _seeds()
    for fmt, data in seeds:
        _touch(mx.load(io.BytesIO(data), format=fmt))
    fields = [_fields(fmt, data) for fmt, data in seeds]
    rng = np.random.default_rng(20240611)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    bad, outcomes = [], {"ok": 0, "ValueError": 0}
    for case in range(N_CASES):
        fmt, data = seeds[case % len(seeds)]
        blob = _mutate(fmt, data, fields[case % len(seeds)], rng)
        try:
            _touch(mx.load(io.BytesIO(blob), format=fmt, return_metadata=False))
            outcomes["ok"] += 1
        except ValueError:
            outcomes["ValueError"] += 1
        except Exception as e:  # noqa: BLE001 - anything else is the bug
            bad.append((case, fmt, f"{type(e).__name__}: {e}"[:200], blob[:64]))
    rss_delta = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert not bad, f"{len(bad)} loads raised other errors, e.g. {bad[:5]}"
    # Both paths must be exercised, or the mutations are too weak or too strong.
    assert outcomes["ok"] > 100 and outcomes["ValueError"] > N_CASES // 2
    assert rss_delta < RSS_LIMIT_KB, f"max RSS grew by {rss_delta} KB"


def test_mutated_files_from_paths_raise_value_and_runtime_errors(tmp_path):
    """The same mutations loaded from paths, where data is read at eval:
    every failure, at load or at eval, is a ValueError and a RuntimeError."""
    seeds = _seeds()
    fields = [_fields(fmt, data) for fmt, data in seeds]
    rng = np.random.default_rng(20250101)
    bad, outcomes = [], {"ok": 0, "error": 0}
    for case in range(N_CASES // 10):
        fmt, data = seeds[case % len(seeds)]
        blob = _mutate(fmt, data, fields[case % len(seeds)], rng)
        path = tmp_path / f"m.{fmt}"
        path.write_bytes(blob)
        try:
            _touch(mx.load(path))
            outcomes["ok"] += 1
        except ValueError as e:
            outcomes["error"] += 1
            if not isinstance(e, RuntimeError):
                bad.append((case, fmt, f"not a RuntimeError: {e}"[:200]))
        except Exception as e:  # noqa: BLE001 - anything else is the bug
            bad.append((case, fmt, f"{type(e).__name__}: {e}"[:200], blob[:64]))
    assert not bad, f"{len(bad)} loads raised other errors, e.g. {bad[:5]}"
    assert outcomes["ok"] > 10 and outcomes["error"] > N_CASES // 20
