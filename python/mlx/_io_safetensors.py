"""The .safetensors format: an 8-byte little-endian header length, a JSON
header of name -> {dtype, shape, data_offsets}, then the raw tensor bytes."""

import json
import struct

from mlx._io_common import CARRIER, dtype_name, element_count, raw_bytes

_TAG_OF_NAME = {
    "bool": "BOOL",
    "uint8": "U8",
    "int8": "I8",
    "uint16": "U16",
    "int16": "I16",
    "uint32": "U32",
    "int32": "I32",
    "uint64": "U64",
    "int64": "I64",
    "float16": "F16",
    "bfloat16": "BF16",
    "float32": "F32",
    "float64": "F64",
    "complex64": "C64",
}
_NAME_OF_TAG = {v: k for k, v in _TAG_OF_NAME.items()}
# fp8 tensors come back as their raw bytes; mx.from_fp8 converts them.
_NAME_OF_TAG["F8_E4M3"] = "uint8"
# The safetensors library refuses larger headers as well.
MAX_HEADER = 100_000_000
METADATA_KEY = "__metadata__"


def check_metadata(metadata, prefix):
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise ValueError(f"[{prefix}] metadata must be a dict of str to str")
    return metadata


def write_safetensors(f, arrays, metadata):
    """Writes a dict of name -> array (names checked by the caller)."""
    header = {METADATA_KEY: metadata} if metadata else {}
    offset = 0
    for key, a in arrays.items():
        header[key] = {
            "dtype": _TAG_OF_NAME[dtype_name(a.dtype)],
            "shape": list(a.shape),
            "data_offsets": [offset, offset + a.nbytes],
        }
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf8")
    # Pad with spaces so the data starts 8-byte aligned.
    text += b" " * (-len(text) % 8)
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for a in arrays.values():
        f.write(raw_bytes(a))


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _parse_header(src):
    (hlen,) = struct.unpack("<Q", src.read(8, "the header length"))
    if hlen > MAX_HEADER:
        src.fail(f"header length {hlen} is larger than {MAX_HEADER}")
    raw = src.read(hlen, "the header")
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError) as e:
        src.fail(f"the header is not valid JSON: {e}")
    if not isinstance(header, dict):
        src.fail("the header must be a JSON object")
    metadata = header.pop(METADATA_KEY, None)
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(v, str) for v in metadata.values())
    ):
        src.fail("__metadata__ must map strings to strings")
    return header, metadata or {}


def _entry(src, key, entry, data_size):
    """(dtype name, shape, count, begin) of one validated header entry."""
    if not isinstance(entry, dict):
        src.fail(f"entry {key!r} must be an object")
    tag, shape = entry.get("dtype"), entry.get("shape")
    offsets = entry.get("data_offsets")
    name = _NAME_OF_TAG.get(tag) if isinstance(tag, str) else None
    if name is None:
        src.fail(f"tensor {key!r} has unsupported dtype {tag!r}")
    if not isinstance(shape, list):
        src.fail(f"tensor {key!r} has invalid shape {shape!r}")
    itemsize = CARRIER[name].itemsize
    count = element_count(shape, itemsize, src.fail)
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(_is_int(x) for x in offsets)
        and 0 <= offsets[0] <= offsets[1]
    ):
        src.fail(f"tensor {key!r} has invalid data_offsets {offsets!r}")
    if offsets[1] > data_size:
        src.fail(
            f"tensor {key!r} has data_offsets {offsets!r} past the end of the "
            f"file ({data_size} bytes of data); it may be truncated"
        )
    if offsets[1] - offsets[0] != count * itemsize:
        src.fail(
            f"tensor {key!r} of shape {shape} and dtype {tag} needs "
            f"{count * itemsize} bytes, but its data_offsets span "
            f"{offsets[1] - offsets[0]}"
        )
    return name, tuple(shape), count, offsets[0]


def read_safetensors(src):
    """(dict of name -> array, metadata dict) from a .safetensors file."""
    header, metadata = _parse_header(src)
    data_start = src.pos
    data_size = src.remaining()
    entries = [(k, _entry(src, k, e, data_size)) for k, e in header.items()]
    out = {}
    for key, (name, shape, _, begin) in entries:
        stored = CARRIER[name]
        out[key] = src.array(data_start + begin, shape, name, stored, f"tensor {key!r}")
    return out, metadata
