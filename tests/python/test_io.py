"""mx.save / savez / savez_compressed / save_safetensors / save_gguf / load.

Oracles: numpy (np.save, np.load) for .npy/.npz, the safetensors package for
.safetensors, and for GGUF a writer, a parser and block dequantizers written
here from the format's definition."""

import io
import json
import os
import struct

import numpy as np
import pytest
import safetensors
import safetensors.numpy as stnp

import mlx._io_gguf
import mlx._io_npy
import mlx._io_safetensors
import mlx.core as mx

DTYPES = [
    "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
    "int64", "float16", "bfloat16", "float32", "float64", "complex64",
]  # fmt: skip
NUMPY_DTYPES = [d for d in DTYPES if d != "bfloat16"]
SHAPES = [(), (0,), (3, 0, 2), (7,), (2, 3, 4), (17, 33)]
GGUF_DTYPES = ["float16", "bfloat16", "float32", "float64", "int8", "int16"]
GGUF_DTYPES += ["int32", "int64"]
ST_TAGS = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "uint16": "U16"}
ST_TAGS |= {"int16": "I16", "uint32": "U32", "int32": "I32", "uint64": "U64"}
ST_TAGS |= {"int64": "I64", "float16": "F16", "bfloat16": "BF16", "float32": "F32"}
ST_TAGS |= {"float64": "F64", "complex64": "C64"}


def mxdt(name):
    return getattr(mx, "bool_" if name == "bool" else name)


def sample(name, shape, rng):
    """(numpy array holding the bits, mx.array) of random data; bfloat16
    travels as its uint16 bit pattern."""
    if name == "bfloat16":
        a = mx.array(rng.standard_normal(shape).astype(np.float32))
        a = a.astype(mx.bfloat16)
        return np.asarray(a.view(mx.uint16)), a
    if name == "bool":
        x = rng.integers(0, 2, shape).astype(bool)
    elif name == "complex64":
        x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(
            np.complex64
        )
    elif name.startswith("float"):
        x = (rng.standard_normal(shape) * 100).astype(name)
    else:
        info = np.iinfo(name)
        x = rng.integers(info.min, info.max, shape, dtype=name, endpoint=True)
    x = np.asarray(x)
    return x, mx.array(x, dtype=mxdt(name))


def bits(a):
    """An mx.array's data as numpy (bfloat16 as its uint16 bits)."""
    if a.dtype == mx.bfloat16:
        a = a.view(mx.uint16)
    return np.asarray(a)


def same(a, expected_bits, name):
    assert a.dtype == mxdt(name)
    assert a.shape == expected_bits.shape
    np.testing.assert_array_equal(bits(a), expected_bits)


# ---- .npy ------------------------------------------------------------------


@pytest.mark.parametrize("name", DTYPES)
def test_npy_round_trip_and_numpy_reads_ours(name, tmp_path, rng):
    for i, shape in enumerate(SHAPES):
        x, a = sample(name, shape, rng)
        path = tmp_path / f"a{i}.npy"
        mx.save(path, a)
        same(mx.load(path), x, name)
        theirs = np.load(path)
        if name == "bfloat16":
            # numpy sees bfloat16 as 2-byte void; the bytes must match.
            assert theirs.dtype == np.dtype("V2")
            theirs = theirs.view("<u2")
        np.testing.assert_array_equal(theirs, x)
        assert theirs.shape == x.shape


@pytest.mark.parametrize("name", NUMPY_DTYPES)
def test_npy_we_read_numpy_files(name, tmp_path, rng):
    for shape in SHAPES:
        x, _ = sample(name, shape, rng)
        variants = {"c": x}
        if x.dtype.itemsize > 1:
            variants["be"] = x.astype(x.dtype.newbyteorder(">"))
        if x.ndim >= 2:
            # asfortranarray would make a 0-d array 1-d.
            variants["f"] = np.asfortranarray(x)
            variants["fbe"] = np.asfortranarray(x.astype(x.dtype.newbyteorder(">")))
        for tag, v in variants.items():
            np.save(tmp_path / f"{tag}.npy", v)
            same(mx.load(str(tmp_path / f"{tag}.npy")), x, name)


def test_npy_header_layout(tmp_path):
    # numpy's own header reader is the oracle for our header.
    mx.save(tmp_path / "a.npy", mx.zeros((2, 3), dtype=mx.int16))
    with open(tmp_path / "a.npy", "rb") as f:
        assert np.lib.format.read_magic(f) == (1, 0)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        assert (shape, fortran, dtype) == ((2, 3), False, np.dtype("<i2"))
        assert f.tell() % 64 == 0


def test_save_appends_extensions(tmp_path):
    a = mx.arange(3)
    mx.save(str(tmp_path / "plain"), a)
    mx.savez(tmp_path / "arch", a)
    mx.save_safetensors(tmp_path / "st", {"a": a})
    mx.save_gguf(tmp_path / "gg", {"a": a})
    names = {"plain.npy", "arch.npz", "st.safetensors", "gg.gguf"}
    assert set(os.listdir(tmp_path)) == names


def test_npy_unsupported_dtypes_refused(tmp_path):
    for x in [np.ones(3, np.complex128), np.array([None, 1], dtype=object)]:
        np.save(tmp_path / "x.npy", x, allow_pickle=True)
        with pytest.raises(ValueError, match=r"^\[load\]"):
            mx.load(tmp_path / "x.npy")


# ---- .npz ------------------------------------------------------------------


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_both_ways(compressed, tmp_path, rng):
    ours = mx.savez_compressed if compressed else mx.savez
    theirs = np.savez_compressed if compressed else np.savez
    data = {name: sample(name, (2, 5), rng) for name in DTYPES}
    pos_x, pos_a = sample("float32", (0, 3), rng)
    ours(tmp_path / "m.npz", pos_a, **{k: a for k, (_, a) in data.items()})
    loaded = mx.load(tmp_path / "m.npz")
    assert set(loaded) == set(data) | {"arr_0"}
    same(loaded["arr_0"], pos_x, "float32")
    with np.load(tmp_path / "m.npz") as npz:
        np.testing.assert_array_equal(npz["arr_0"], pos_x)
        for k, (x, _) in data.items():
            same(loaded[k], x, k)
            got = npz[k].view("<u2") if k == "bfloat16" else npz[k]
            np.testing.assert_array_equal(got, x)
    plain = {k: x for k, (x, _) in data.items() if k != "bfloat16"}
    theirs(tmp_path / "n.npz", pos_x, **plain)
    loaded = mx.load(tmp_path / "n.npz")
    same(loaded["arr_0"], pos_x, "float32")
    for k, x in plain.items():
        same(loaded[k], x, k)


def test_npz_name_clash():
    with pytest.raises(ValueError, match=r"^\[savez\]"):
        mx.savez(io.BytesIO(), mx.ones(1), arr_0=mx.ones(2))


# ---- .safetensors ------------------------------------------------------------


@pytest.mark.parametrize("name", DTYPES)
def test_safetensors_both_ways(name, tmp_path, rng):
    samples = {f"t{i}": sample(name, s, rng) for i, s in enumerate(SHAPES)}
    path = tmp_path / "a.safetensors"
    mx.save_safetensors(path, {k: a for k, (_, a) in samples.items()})
    loaded = mx.load(path)
    assert set(loaded) == set(samples)
    # The library's raw view (dtype tag, shape, bytes) covers bfloat16 too.
    raw = dict(safetensors.deserialize(path.read_bytes()))
    for k, (x, _) in samples.items():
        same(loaded[k], x, name)
        assert raw[k]["dtype"] == ST_TAGS[name]
        assert raw[k]["shape"] == list(x.shape)
        assert bytes(raw[k]["data"]) == x.astype(x.dtype.newbyteorder("<")).tobytes()
    if name == "bfloat16":
        if not hasattr(safetensors, "TensorSpec"):
            return  # older safetensors cannot write raw bfloat16 from numpy
        specs = {
            k: safetensors.TensorSpec(
                dtype="bfloat16",
                shape=list(x.shape),
                data_ptr=x.ctypes.data,
                data_len=x.nbytes,
            )
            for k, (x, _) in samples.items()
        }
        (tmp_path / "b.safetensors").write_bytes(safetensors.serialize(specs))
    else:
        np_read = stnp.load_file(str(path))
        for k, (x, _) in samples.items():
            np.testing.assert_array_equal(np_read[k], x)
        plain = {k: x for k, (x, _) in samples.items()}
        stnp.save_file(plain, tmp_path / "b.safetensors")
    loaded = mx.load(tmp_path / "b.safetensors")
    for k, (x, _) in samples.items():
        same(loaded[k], x, name)


def test_safetensors_metadata(tmp_path):
    path = tmp_path / "m.safetensors"
    meta = {"format": "mlx", "note": "héllo"}
    mx.save_safetensors(path, {"w": mx.ones((2, 2))}, meta)
    with safetensors.safe_open(str(path), framework="np") as f:
        assert f.metadata() == meta
    assert mx.load(path, return_metadata=True)[1] == meta
    stnp.save_file({"w": np.ones(2, np.float32)}, path, metadata={"k": "v"})
    assert mx.load(path, return_metadata=True)[1] == {"k": "v"}
    stnp.save_file({"w": np.ones(2, np.float32)}, path)
    assert mx.load(path, return_metadata=True)[1] == {}
    for bad in [{"k": 0}, {1: "v"}, ["k"]]:
        with pytest.raises(ValueError, match=r"^\[save_safetensors\]"):
            mx.save_safetensors(path, {"w": mx.ones(1)}, bad)
    with pytest.raises(ValueError):
        mx.save_safetensors(path, {"__metadata__": mx.ones(1)})


def test_safetensors_fp8_loads_as_raw_bytes():
    header = {"t": {"dtype": "F8_E4M3", "shape": [2, 2], "data_offsets": [0, 4]}}
    text = json.dumps(header).encode()
    blob = struct.pack("<Q", len(text)) + text + bytes([0, 0x38, 0xB8, 0x7E])
    out = mx.load(io.BytesIO(blob), format="safetensors")["t"]
    assert out.dtype == mx.uint8
    np.testing.assert_array_equal(np.asarray(out), [[0, 0x38], [0xB8, 0x7E]])


# ---- GGUF: a writer and a parser from the spec, as oracles ------------------

# Value type ids and struct codes from the GGUF specification.
GGUF_SCALARS = {
    "uint8": (0, "B"), "int8": (1, "b"), "uint16": (2, "H"), "int16": (3, "h"),
    "uint32": (4, "I"), "int32": (5, "i"), "float32": (6, "f"), "bool": (7, "?"),
    "uint64": (10, "Q"), "int64": (11, "q"), "float64": (12, "d"),
}  # fmt: skip
GGUF_STRING, GGUF_ARRAY = 8, 9
GGML_TYPES = {"float32": 0, "float16": 1, "int8": 24, "int16": 25, "int32": 26}
GGML_TYPES |= {"int64": 27, "float64": 28, "bfloat16": 30}


def gguf_str(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def gguf_bytes(kvs=(), tensors=(), alignment=32, version=3):
    """A GGUF file. kvs: (key, value type id, encoded payload); tensors:
    (name, dims in GGUF order, ggml type id, raw bytes), placed in order at
    aligned offsets."""
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, vtype, payload in kvs:
        head += gguf_str(key) + struct.pack("<I", vtype) + payload
    body, offsets = b"", []
    for _, _, _, raw in tensors:
        body += b"\0" * (-len(body) % alignment)
        offsets.append(len(body))
        body += raw
    for (name, dims, ttype, _), off in zip(tensors, offsets, strict=True):
        fields = struct.pack(f"<I{len(dims)}QIQ", len(dims), *dims, ttype, off)
        head += gguf_str(name) + fields
    return head + b"\0" * (-len(head) % alignment) + body


def parse_gguf(blob):
    """(kvs {key: (type, value)}, tensors {name: (dims, type, bytes at
    offset)}, data start) of a GGUF v3 file."""
    pos = 0

    def take(fmt):
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, blob, pos)
        pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def string():
        nonlocal pos
        n = take("Q")
        pos += n
        return blob[pos - n : pos].decode()

    def value(vtype):
        if vtype == GGUF_STRING:
            return string()
        if vtype == GGUF_ARRAY:
            etype, n = take("I"), take("Q")
            return (etype, [value(etype) for _ in range(n)])
        return take(next(c for t, c in GGUF_SCALARS.values() if t == vtype))

    assert blob[:4] == b"GGUF" and take("4xI") == 3
    n_tensors, n_kv = take("Q"), take("Q")
    kvs = {}
    for _ in range(n_kv):
        key = string()
        vtype = take("I")
        kvs[key] = (vtype, value(vtype))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        infos.append((name, dims, take("I"), take("Q")))
    align = kvs.get("general.alignment", (4, 32))[1]
    start = pos + (-pos % align)
    return kvs, {n: (d, t, blob[start + o :]) for n, d, t, o in infos}, start


@pytest.mark.parametrize("name", GGUF_DTYPES)
def test_gguf_round_trip_and_layout(name, tmp_path, rng):
    samples = {f"t{i}": sample(name, s, rng) for i, s in enumerate(SHAPES)}
    path = tmp_path / "a.gguf"
    mx.save_gguf(path, {k: a for k, (_, a) in samples.items()})
    loaded = mx.load(path)
    _, tensors, start = parse_gguf(path.read_bytes())
    assert start % 32 == 0
    for k, (x, _) in samples.items():
        same(loaded[k], x, name)
        dims, ttype, data = tensors[k]
        assert dims == list(reversed(x.shape)) and ttype == GGML_TYPES[name]
        assert data[: x.nbytes] == x.tobytes()
        assert (len(path.read_bytes()) - len(data)) % 32 == 0


def test_gguf_refuses_dtypes_it_cannot_hold(tmp_path):
    for name in ["bool", "uint8", "uint32", "complex64"]:
        with pytest.raises(ValueError, match=r"^\[save_gguf\]"):
            mx.save_gguf(tmp_path / "x.gguf", {"a": mx.ones(2, dtype=mxdt(name))})
    assert not os.listdir(tmp_path)


def test_gguf_metadata_every_value_type(tmp_path, rng):
    meta = {"s": "héllo", "empty_s": "", "strs": ["a", "bc", ""], "none": []}
    for name in GGUF_SCALARS:
        meta[f"scalar_{name}"] = sample(name, (), rng)[1]
        meta[f"vec_{name}"] = sample(name, (5,), rng)[1]
    mx.save_gguf(tmp_path / "m.gguf", {"w": mx.ones(3)}, meta)
    kvs, _, _ = parse_gguf((tmp_path / "m.gguf").read_bytes())
    for name, (vtype, _) in GGUF_SCALARS.items():
        assert kvs[f"scalar_{name}"][0] == vtype
        assert kvs[f"vec_{name}"][0] == GGUF_ARRAY
        assert kvs[f"vec_{name}"][1][0] == vtype
        np.testing.assert_array_equal(
            np.array(kvs[f"vec_{name}"][1][1], dtype=name),
            np.asarray(meta[f"vec_{name}"]),
        )
    assert kvs["strs"] == (GGUF_ARRAY, (GGUF_STRING, ["a", "bc", ""]))
    _, back = mx.load(tmp_path / "m.gguf", return_metadata=True)
    assert set(back) == set(meta)
    for k, v in meta.items():
        if isinstance(v, mx.array):
            assert back[k].dtype == v.dtype and back[k].shape == v.shape
            np.testing.assert_array_equal(np.asarray(back[k]), np.asarray(v))
        else:
            assert back[k] == v
    with pytest.raises(ValueError):
        mx.save_gguf(tmp_path / "m.gguf", {}, {"x": mx.ones((2, 2))})
    with pytest.raises(ValueError):
        mx.save_gguf(tmp_path / "m.gguf", {}, {"x": mx.ones(2, dtype=mx.float16)})


def test_gguf_hand_built_metadata_and_alignment():
    kvs = [
        ("general.alignment", 4, struct.pack("<I", 64)),
        ("u64", 10, struct.pack("<Q", 2**64 - 1)),
        ("flag", 7, b"\x01"),
        ("names", 9, struct.pack("<IQ", 8, 2) + gguf_str("x") + gguf_str("yz")),
        ("f64s", 9, struct.pack("<IQ2d", 12, 2, 0.5, -2.0)),
        ("nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ2h", 3, 2, -1, 7)),
    ]
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    y = np.arange(5, dtype=np.int16)
    tensors = [("x", [4, 3], 0, x.tobytes()), ("y", [5], 25, y.tobytes())]
    blob = gguf_bytes(kvs, tensors, alignment=64)
    arrays, meta = mx.load(io.BytesIO(blob), format="gguf", return_metadata=True)
    same(arrays["x"], x, "float32")
    same(arrays["y"], y, "int16")
    assert meta["general.alignment"].item() == 64
    assert meta["u64"].dtype == mx.uint64 and meta["u64"].item() == 2**64 - 1
    assert meta["flag"].dtype == mx.bool_ and meta["flag"].item() is True
    assert meta["names"] == ["x", "yz"]
    np.testing.assert_array_equal(np.asarray(meta["f64s"]), [0.5, -2.0])
    np.testing.assert_array_equal(np.asarray(meta["nested"][0]), [-1, 7])
    # Version 2 has the same layout for these types.
    v2 = b"GGUF" + struct.pack("<I", 2) + blob[8:]
    same(mx.load(io.BytesIO(v2), format="gguf")["x"], x, "float32")


# ---- GGUF quantized blocks -------------------------------------------------

# From the GGML block definitions: (type id, bits, bytes per block of 32).
QTYPES = {"Q4_0": (2, 4, 18), "Q4_1": (3, 4, 20), "Q8_0": (8, 8, 34)}


def make_blocks(qname, n_blocks, rng):
    """Random blocks (n_blocks, block bytes) and their dequantized values,
    element by element as the GGML reference defines them."""
    d = (rng.uniform(-4, 4, n_blocks)).astype(np.float16)
    m = (rng.uniform(-4, 4, n_blocks)).astype(np.float16)
    out = np.zeros((n_blocks, 32), np.float32)
    blocks = []
    for b in range(n_blocks):
        dd, mm = np.float32(d[b]), np.float32(m[b])
        if qname == "Q8_0":
            qs = rng.integers(-128, 128, 32).astype(np.int8)
            out[b] = qs.astype(np.float32) * dd
            blocks.append(d[b].tobytes() + qs.tobytes())
            continue
        qs = rng.integers(0, 256, 16).astype(np.uint8)
        for j in range(16):
            lo, hi = np.float32(qs[j] & 0xF), np.float32(qs[j] >> 4)
            if qname == "Q4_0":
                out[b, j], out[b, j + 16] = (lo - 8) * dd, (hi - 8) * dd
            else:
                out[b, j], out[b, j + 16] = lo * dd + mm, hi * dd + mm
        extra = m[b].tobytes() if qname == "Q4_1" else b""
        blocks.append(d[b].tobytes() + extra + qs.tobytes())
    return b"".join(blocks), out


def affine_dequantize(w, scales, biases, bits):
    """MLX affine layout: codes packed low bits first into uint32 words,
    one (scale, bias) per group of 32."""
    w = np.asarray(w).astype(np.uint64)
    per_word = 32 // bits
    shifts = np.arange(per_word, dtype=np.uint64) * bits
    codes = (w[..., None] >> shifts) & ((1 << bits) - 1)
    codes = codes.reshape(w.shape[:-1] + (w.shape[-1] * per_word,))
    codes = codes.astype(np.float32)
    s = np.repeat(np.asarray(scales).astype(np.float32), 32, axis=-1)
    b = np.repeat(np.asarray(biases).astype(np.float32), 32, axis=-1)
    return s * codes + b


@pytest.mark.parametrize("qname", list(QTYPES))
@pytest.mark.parametrize("shape", [(2, 64), (3, 2, 32), (96,), (0, 32)])
def test_gguf_quantized_blocks(qname, shape, rng):
    ttype, bits, _ = QTYPES[qname]
    n = int(np.prod(shape)) // 32
    raw, expected = make_blocks(qname, n, rng)
    blob = gguf_bytes(tensors=[("blk.0.weight", list(reversed(shape)), ttype, raw)])
    out = mx.load(io.BytesIO(blob), format="gguf")
    w, s, b = out["blk.0.weight"], out["blk.0.scales"], out["blk.0.biases"]
    groups = shape[:-1] + (shape[-1] // 32,)
    assert w.dtype == mx.uint32 and w.shape == shape[:-1] + (shape[-1] * bits // 32,)
    assert s.dtype == b.dtype == mx.float16 and s.shape == b.shape == groups
    got = affine_dequantize(w, s, b, bits)
    np.testing.assert_array_equal(got, expected.reshape(shape))
    if hasattr(mx, "dequantize"):
        # mx.dequantize works in float16: allow a few roundings of the terms.
        deq = mx.dequantize(w, s, b, group_size=32, bits=bits)
        sf = np.repeat(np.abs(np.asarray(s).astype(np.float32)), 32, axis=-1)
        bf = np.repeat(np.abs(np.asarray(b).astype(np.float32)), 32, axis=-1)
        tol = 2.0**-9 * (sf * 2**bits + bf)
        err = np.abs(np.asarray(deq).astype(np.float32) - got)
        assert np.all(err <= tol)


def test_gguf_quantized_name_without_weight_suffix_and_bad_rows(rng):
    raw, _ = make_blocks("Q8_0", 1, rng)
    blob = gguf_bytes(tensors=[("emb", [32], 8, raw)])
    out = mx.load(io.BytesIO(blob), format="gguf")
    assert set(out) == {"emb", "emb.scales", "emb.biases"}
    blob = gguf_bytes(tensors=[("emb", [16, 2], 8, raw)])
    with pytest.raises(ValueError, match=r"^\[load_gguf\]"):
        mx.load(io.BytesIO(blob), format="gguf")
    blob = gguf_bytes(tensors=[("k", [256], 12, bytes(144))])  # Q4_K
    with pytest.raises(ValueError, match="Q4_K"):
        mx.load(io.BytesIO(blob), format="gguf")


# ---- atomic writes, file objects, argument errors ---------------------------

SAVERS = {
    "npy": (mlx._io_npy, lambda p, d: mx.save(p, d["a"])),
    "npz": (mlx._io_npy, lambda p, d: mx.savez(p, **d)),
    "safetensors": (mlx._io_safetensors, lambda p, d: mx.save_safetensors(p, d)),
    "gguf": (mlx._io_gguf, lambda p, d: mx.save_gguf(p, d)),
}


@pytest.mark.parametrize("fmt", list(SAVERS))
def test_failed_write_keeps_old_file(fmt, tmp_path, monkeypatch):
    module, save = SAVERS[fmt]
    path = tmp_path / f"x.{fmt}"
    save(path, {"a": mx.arange(10), "b": mx.ones(4)})
    before = path.read_bytes()
    real, calls = module.raw_bytes, []

    def failing(a):
        # The first array goes out; the second conversion fails.
        calls.append(a)
        if len(calls) == 2 or fmt == "npy":
            raise RuntimeError("simulated failure")
        return real(a)

    monkeypatch.setattr(module, "raw_bytes", failing)
    big = {"a": mx.zeros(1000, dtype=mx.int32), "b": mx.zeros(1000, dtype=mx.int32)}
    with pytest.raises(RuntimeError, match="simulated"):
        save(path, big)
    assert calls
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


@pytest.mark.parametrize("fmt", list(SAVERS))
def test_file_objects(fmt, tmp_path, rng):
    _, save = SAVERS[fmt]
    x, a = sample("int32", (3, 4), rng)
    buf = io.BytesIO()
    save(buf, {"a": a})
    buf.seek(0)
    out = mx.load(buf, format=fmt)
    same(out if fmt == "npy" else out["a"], x, "int32")
    # An open file: the format comes from its name.
    with open(tmp_path / f"f.{fmt}", "wb") as f:
        save(f, {"a": a})
    with open(tmp_path / f"f.{fmt}", "rb") as f:
        out = mx.load(f)
    same(out if fmt == "npy" else out["a"], x, "int32")

    class Pipe(io.RawIOBase):
        """A readable stream that cannot seek."""

        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self.inner.readinto(b)

    out = mx.load(Pipe(buf.getvalue()), format=fmt)
    same(out if fmt == "npy" else out["a"], x, "int32")


def test_npy_file_object_holds_several_arrays(rng):
    xs = [sample(n, (2, 3), rng) for n in ["int8", "float64", "bfloat16"]]
    buf = io.BytesIO()
    for _, a in xs:
        mx.save(buf, a)
    buf.seek(0)
    for x, a in xs:
        same(mx.load(buf, format="npy"), x, str(a.dtype).split(".")[-1])


def test_argument_errors(tmp_path):
    mx.save(tmp_path / "a.npy", mx.ones(2))
    with pytest.raises(ValueError, match=r"^\[load\]"):
        mx.load(tmp_path / "a.npy", format="pickle")
    with pytest.raises(ValueError, match=r"^\[load\]"):
        mx.load(tmp_path / "a.npy", return_metadata=True)
    os.rename(tmp_path / "a.npy", tmp_path / "a.data")
    with pytest.raises(ValueError, match=r"^\[load\]"):
        mx.load(tmp_path / "a.data")
    assert mx.load(tmp_path / "a.data", format="npy").shape == (2,)
    with pytest.raises(ValueError, match=r"^\[load\]"):
        mx.load(io.BytesIO(b""))
    with pytest.raises(FileNotFoundError):
        mx.load(tmp_path / "missing.npy")
    with pytest.raises(TypeError):
        mx.save(3, mx.ones(1))
    with pytest.raises(ValueError):
        mx.save_safetensors(tmp_path / "b", {1: mx.ones(1)})


@pytest.mark.parametrize("fmt", ["npy", "safetensors", "gguf"])
def test_truncated_files_raise_value_error(fmt, tmp_path):
    _, save = SAVERS[fmt]
    buf = io.BytesIO()
    save(buf, {"a": mx.arange(100)})
    blob = buf.getvalue()
    for cut in range(0, len(blob) - 1, 7):
        with pytest.raises(ValueError, match=r"^\[load"):
            mx.load(io.BytesIO(blob[:cut]), format=fmt)


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_header_versions(version, rng):
    x = rng.standard_normal((3, 2)).astype(np.float32)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, x, version=version)
    buf.seek(0)
    same(mx.load(buf, format="npy"), x, "float32")
