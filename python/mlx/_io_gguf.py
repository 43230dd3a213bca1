"""The GGUF format (v2/v3 read, v3 written): header, typed metadata
key/values, tensor infos, then aligned tensor data. Q4_0, Q4_1 and Q8_0
tensors load as MLX affine-quantized (weight, scales, biases) triplets."""

import struct

import numpy as np

from mlx import core as mx
from mlx._io_common import (
    CARRIER,
    MAX_NDIM,
    as_array,
    dtype_name,
    element_count,
    from_numpy,
    raw_bytes,
    to_numpy,
)

MAGIC = b"GGUF"
VERSION = 3
DEFAULT_ALIGNMENT = 32
ALIGNMENT_KEY = "general.alignment"

# Metadata value types: id -> dtype name for the fixed-size ones.
_VALUE_NAME = {
    0: "uint8",
    1: "int8",
    2: "uint16",
    3: "int16",
    4: "uint32",
    5: "int32",
    6: "float32",
    7: "bool",
    10: "uint64",
    11: "int64",
    12: "float64",
}
_VALUE_ID = {v: k for k, v in _VALUE_NAME.items()}
STRING, ARRAY = 8, 9
# Nested arrays are legal but never deep in practice.
_MAX_NESTING = 8

# Tensor types stored as plain elements: ggml type id -> dtype name.
_TENSOR_NAME = {
    0: "float32",
    1: "float16",
    24: "int8",
    25: "int16",
    26: "int32",
    27: "int64",
    28: "float64",
    30: "bfloat16",
}
_TENSOR_ID = {v: k for k, v in _TENSOR_NAME.items()}
# Block-quantized types: id -> (name, bits, bytes per block of 32).
_QUANT = {2: ("Q4_0", 4, 18), 3: ("Q4_1", 4, 20), 8: ("Q8_0", 8, 34)}
_BLOCK = 32
_OTHER_TYPES = {
    6: "Q5_0",
    7: "Q5_1",
    9: "Q8_1",
    10: "Q2_K",
    11: "Q3_K",
    12: "Q4_K",
    13: "Q5_K",
    14: "Q6_K",
    15: "Q8_K",
}


# ---- writing -------------------------------------------------------------


def _string(s):
    data = s.encode("utf8")
    return struct.pack("<Q", len(data)) + data


def _encode_value(key, value, prefix):
    """The type id and payload of one metadata value."""
    if isinstance(value, str):
        return struct.pack("<I", STRING) + _string(value)
    if isinstance(value, (list, tuple)):
        if not all(isinstance(s, str) for s in value):
            raise ValueError(f"[{prefix}] metadata list {key!r} must hold only str")
        body = b"".join(_string(s) for s in value)
        return struct.pack("<IIQ", ARRAY, STRING, len(value)) + body
    a = as_array(value, prefix, f"metadata value {key!r}")
    vtype = _VALUE_ID.get(dtype_name(a.dtype))
    if vtype is None or a.ndim > 1:
        raise ValueError(
            f"[{prefix}] metadata {key!r} must be a str, a list of str, or a "
            f"scalar or 1-D array of an integer, float32/float64 or bool dtype; "
            f"got a {a.ndim}-D {dtype_name(a.dtype)} array"
        )
    data = to_numpy(a).tobytes()
    if a.ndim == 0:
        return struct.pack("<I", vtype) + data
    return struct.pack("<IIQ", ARRAY, vtype, a.size) + data


def _alignment(metadata, prefix):
    value = metadata.get(ALIGNMENT_KEY)
    if value is None:
        return DEFAULT_ALIGNMENT
    a = as_array(value, prefix, ALIGNMENT_KEY)
    if a.ndim != 0 or "int" not in dtype_name(a.dtype) or a.item() <= 0:
        raise ValueError(f"[{prefix}] {ALIGNMENT_KEY} must be a positive integer")
    return int(a.item())


def write_gguf(f, arrays, metadata, prefix):
    """Writes tensors (dict name -> array) and metadata as GGUF v3."""
    for key, a in arrays.items():
        if dtype_name(a.dtype) not in _TENSOR_ID:
            raise ValueError(
                f"[{prefix}] array {key!r} has dtype {dtype_name(a.dtype)}, "
                f"which GGUF cannot hold; supported: {sorted(_TENSOR_ID)}"
            )
    for key in metadata:
        if not isinstance(key, str):
            raise ValueError(f"[{prefix}] metadata keys must be str")
    align = _alignment(metadata, prefix)
    if ALIGNMENT_KEY in metadata:
        # Readers such as llama.cpp expect this key as a uint32.
        metadata = {**metadata, ALIGNMENT_KEY: mx.array(align, dtype=mx.uint32)}
    parts = [MAGIC, struct.pack("<IQQ", VERSION, len(arrays), len(metadata))]
    parts += [_string(k) + _encode_value(k, v, prefix) for k, v in metadata.items()]
    offsets, offset = [], 0
    for key, a in arrays.items():
        offset += -offset % align
        offsets.append(offset)
        # GGUF lists dims fastest-varying first.
        dims = struct.pack(f"<{a.ndim}Q", *reversed(a.shape))
        tid = _TENSOR_ID[dtype_name(a.dtype)]
        parts.append(_string(key) + struct.pack("<I", a.ndim) + dims)
        parts.append(struct.pack("<IQ", tid, offset))
        offset += a.nbytes
    head = b"".join(parts)
    f.write(head + b"\0" * (-len(head) % align))
    written = 0
    for a, start in zip(arrays.values(), offsets, strict=True):
        f.write(b"\0" * (start - written))
        f.write(raw_bytes(a))
        written = start + a.nbytes


# ---- reading -------------------------------------------------------------


def _u32(src, what):
    return struct.unpack("<I", src.read(4, what))[0]


def _u64(src, what):
    return struct.unpack("<Q", src.read(8, what))[0]


def _read_string(src, what):
    n = _u64(src, f"the length of {what}")
    return src.read(n, what).decode("utf8", errors="replace")


def _read_array_value(src, key, depth):
    etype = _u32(src, f"the element type of {key!r}")
    count = _u64(src, f"the length of {key!r}")
    if etype in _VALUE_NAME:
        name = _VALUE_NAME[etype]
        return from_numpy(src.read_array(CARRIER[name], count, repr(key)), name)
    if etype == STRING:
        # Every string costs at least its 8-byte length.
        src.need(count * 8, f"{count} strings of {key!r}")
        return [_read_string(src, f"a string of {key!r}") for _ in range(count)]
    if etype == ARRAY:
        if depth >= _MAX_NESTING:
            src.fail(f"metadata {key!r} nests arrays too deeply")
        src.need(count * 12, f"{count} arrays of {key!r}")
        return [_read_array_value(src, key, depth + 1) for _ in range(count)]
    src.fail(f"metadata {key!r} has unknown element type {etype}")


def _read_value(src, key):
    vtype = _u32(src, f"the type of {key!r}")
    if vtype in _VALUE_NAME:
        name = _VALUE_NAME[vtype]
        data = src.read_array(CARRIER[name], 1, repr(key))
        return from_numpy(data.reshape(()), name)
    if vtype == STRING:
        return _read_string(src, repr(key))
    if vtype == ARRAY:
        return _read_array_value(src, key, 0)
    src.fail(f"metadata {key!r} has unknown type {vtype}")


def _read_header(src):
    """(metadata dict, list of (name, dims, type, offset))."""
    if src.read(4, "the magic") != MAGIC:
        src.fail("not a GGUF file (bad magic)")
    version = _u32(src, "the version")
    if version not in (2, 3):
        src.fail(f"unsupported GGUF version {version}")
    n_tensors = _u64(src, "the tensor count")
    n_kv = _u64(src, "the metadata count")
    # Smallest tensor info: 8 + 4 + 4 + 8 bytes; smallest key/value: 13.
    src.need(n_tensors * 24 + n_kv * 13, f"{n_tensors} tensors and {n_kv} keys")
    metadata = {}
    for _ in range(n_kv):
        key = _read_string(src, "a metadata key")
        metadata[key] = _read_value(src, key)
    infos = []
    for _ in range(n_tensors):
        name = _read_string(src, "a tensor name")
        n_dims = _u32(src, f"the rank of {name!r}")
        if n_dims > MAX_NDIM:
            src.fail(f"tensor {name!r} has {n_dims} dimensions")
        dims = src.read_array("<u8", n_dims, f"the dims of {name!r}").tolist()
        ttype = _u32(src, f"the type of {name!r}")
        offset = _u64(src, f"the offset of {name!r}")
        infos.append((name, dims, ttype, offset))
    return metadata, infos


def _file_alignment(src, metadata):
    value = metadata.get(ALIGNMENT_KEY, DEFAULT_ALIGNMENT)
    if isinstance(value, mx.array) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        src.fail(f"{ALIGNMENT_KEY} must be a positive integer")
    return value


def _dequant_parts(blocks, qname):
    """MLX affine parts of GGML blocks (n, block bytes) of uint8: the
    unsigned codes (n, 32), and float16 scales and biases (n,) with
    value = scale * code + bias."""
    d = blocks[:, 0:2].copy().view(np.float16)[:, 0]
    if qname == "Q8_0":
        # Signed codes shifted by 128 become unsigned; the bias undoes it.
        codes = blocks[:, 2:34] ^ np.uint8(0x80)
        return codes, d, (d.astype(np.float32) * -128).astype(np.float16)
    packed = blocks[:, 2:18] if qname == "Q4_0" else blocks[:, 4:20]
    # A byte j holds element j in its low nibble and element j + 16 high.
    codes = np.concatenate([packed & 0x0F, packed >> 4], axis=1)
    if qname == "Q4_0":
        return codes, d, (d.astype(np.float32) * -8).astype(np.float16)
    m = blocks[:, 2:4].copy().view(np.float16)[:, 0]
    return codes, d, m


def _pack_codes(codes, bits):
    """Packs unsigned codes (n, 32) into uint32 words low bits first."""
    if bits == 8:
        return np.ascontiguousarray(codes).view("<u4")
    nibbles = codes.reshape(codes.shape[0], 4, 8).astype(np.uint32)
    shifts = np.arange(8, dtype=np.uint32) * 4
    return np.bitwise_or.reduce(nibbles << shifts, axis=2)


def _read_tensor(src, name, dims, ttype, start):
    """{name: array}, or the weight, scales and biases of a quantized one."""
    shape = tuple(reversed(dims))
    if ttype in _TENSOR_NAME:
        dname = _TENSOR_NAME[ttype]
        stored = CARRIER[dname]
        count = element_count(shape, stored.itemsize, src.fail)
        what = f"tensor {name!r}"
        src.seek(start)
        src.need(count * stored.itemsize, what)
        return {name: src.array(start, shape, dname, stored, what)}
    if ttype not in _QUANT:
        kind = _OTHER_TYPES.get(ttype, f"type {ttype}")
        src.fail(f"tensor {name!r} has unsupported tensor type {kind}")
    qname, bits, block_bytes = _QUANT[ttype]
    if not shape or shape[-1] % _BLOCK:
        src.fail(f"{qname} tensor {name!r} needs rows of a multiple of 32")
    count = element_count(shape, 1, src.fail)
    src.seek(start)
    raw = src.read_array(np.uint8, count // _BLOCK * block_bytes, repr(name))
    # A huge scale gives an infinite bias, as it would in float16 anyway.
    with np.errstate(over="ignore", invalid="ignore"):
        codes, scales, biases = _dequant_parts(raw.reshape(-1, block_bytes), qname)
    groups = shape[:-1] + (shape[-1] // _BLOCK,)
    base = name.removesuffix(".weight")
    words = shape[:-1] + (shape[-1] * bits // 32,)
    return {
        name: mx.array(_pack_codes(codes, bits).reshape(words)),
        base + ".scales": mx.array(scales.reshape(groups)),
        base + ".biases": mx.array(biases.reshape(groups)),
    }


def read_gguf(src):
    """(dict of name -> array, metadata dict) from a GGUF file."""
    metadata, infos = _read_header(src)
    align = _file_alignment(src, metadata)
    data_start = src.pos + (-src.pos % align)
    out = {}
    for name, dims, ttype, offset in infos:
        if data_start + offset > src.size:
            src.fail(f"tensor {name!r} starts past the end of the file")
        for key, a in _read_tensor(src, name, dims, ttype, data_start + offset).items():
            if key in out:
                src.fail(f"tensor name {key!r} appears twice")
            out[key] = a
    return out, metadata
