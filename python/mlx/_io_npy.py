"""The .npy and .npz formats (NumPy's NEP 1 layout) for mlx arrays."""

import ast
import re
import struct
import warnings
import zipfile
import zlib

from mlx import core as mx
from mlx._io_common import (
    CARRIER,
    Source,
    dtype_name,
    element_count,
    raw_bytes,
)

MAGIC = b"\x93NUMPY"
# numpy refuses longer headers by default too; real ones are tiny.
MAX_HEADER = 100_000
# npy 'descr' (kind, item size) for each dtype; bfloat16 as 2-byte void,
# which numpy reads back as raw bytes.
_KIND = {
    "bool": ("b", 1),
    "uint8": ("u", 1),
    "uint16": ("u", 2),
    "uint32": ("u", 4),
    "uint64": ("u", 8),
    "int8": ("i", 1),
    "int16": ("i", 2),
    "int32": ("i", 4),
    "int64": ("i", 8),
    "float16": ("f", 2),
    "bfloat16": ("V", 2),
    "float32": ("f", 4),
    "float64": ("f", 8),
    "complex64": ("c", 8),
}
_NAME_OF_KIND = {v: k for k, v in _KIND.items()}
_DESCR_RE = re.compile(r"([<>|=]?)([buifcV])(\d+)")
# Deflate expands at most ~1032x; a member claiming more is lying.
_MAX_DEFLATE_RATIO = 1100


def descr_of(name):
    kind, size = _KIND[name]
    return f"{'|' if size == 1 else '<'}{kind}{size}"


def write_npy(f, a):
    """Writes array a to file object f as a version 1.0 (or 2.0 for huge
    headers) .npy with a 64-byte aligned data start."""
    name = dtype_name(a.dtype)
    header = (
        f"{{'descr': '{descr_of(name)}', 'fortran_order': False, "
        f"'shape': {tuple(a.shape)!r}, }}"
    )
    # Version 1.0 stores the header length in 2 bytes, 2.0 in 4.
    major, len_fmt = (1, "<H") if len(header) < 0xFF00 else (2, "<I")
    prefix_len = len(MAGIC) + 2 + struct.calcsize(len_fmt)
    pad = -(prefix_len + len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode("latin1")
    f.write(MAGIC + bytes((major, 0)) + struct.pack(len_fmt, len(header)))
    f.write(header)
    f.write(raw_bytes(a))


def _parse_header(src):
    """(dtype name, numpy dtype as stored, fortran_order, shape)."""
    if src.read(len(MAGIC), "the magic string") != MAGIC:
        src.fail("not a .npy file (bad magic string)")
    major = src.read(2, "the version")[0]
    if major == 1:
        (hlen,) = struct.unpack("<H", src.read(2, "the header length"))
    elif major in (2, 3):
        (hlen,) = struct.unpack("<I", src.read(4, "the header length"))
    else:
        src.fail(f"unsupported .npy version {major}")
    if hlen > MAX_HEADER:
        src.fail(f"header length {hlen} is larger than {MAX_HEADER}")
    raw = src.read(hlen, "the header")
    try:
        # A hostile header may hold bad escapes; they are errors, not warnings.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = ast.literal_eval(raw.decode("utf8" if major == 3 else "latin1"))
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        src.fail("the header is not a valid Python literal")
    if not isinstance(header, dict) or set(header) != {
        "descr",
        "fortran_order",
        "shape",
    }:
        src.fail("the header must hold exactly descr, fortran_order and shape")
    descr, fortran, shape = (
        header["descr"],
        header["fortran_order"],
        header["shape"],
    )
    if not isinstance(fortran, bool):
        src.fail(f"fortran_order must be a bool, got {fortran!r}")
    if not isinstance(shape, tuple):
        src.fail(f"shape must be a tuple, got {shape!r}")
    match = _DESCR_RE.fullmatch(descr) if isinstance(descr, str) else None
    name = match and _NAME_OF_KIND.get((match[2], int(match[3])))
    if not name:
        src.fail(f"unsupported dtype {descr!r}")
    stored = CARRIER[name]
    if match[1] == ">":
        stored = stored.newbyteorder(">")
    return name, stored, fortran, shape


def read_npy(src):
    """The array stored in a .npy file, read from Source src."""
    name, stored, fortran, shape = _parse_header(src)
    count = element_count(shape, stored.itemsize, src.fail)
    what = f"{count} elements of data"
    if fortran:
        # Column-major data is the row-major data of the reversed shape.
        return mx.transpose(src.array(src.pos, shape[::-1], name, stored, what))
    return src.array(src.pos, shape, name, stored, what)


def write_npz(f, arrays, compressed):
    """Writes a dict of name -> array as a zip of <name>.npy members."""
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(f, "w", compression=method, allowZip64=True) as zf:
        for key, a in arrays.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as member:
                write_npy(member, a)


# What zipfile may raise on a corrupt archive, beyond ValueError.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    OverflowError,
    struct.error,
)


def _member_size(src, info):
    """The member's uncompressed size, checked against the archive size."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        src.fail(f"member {info.filename!r} uses unsupported compression")
    if info.compress_size > src.size:
        src.fail(f"member {info.filename!r} is larger than the archive")
    if info.compress_type == zipfile.ZIP_STORED:
        limit = info.compress_size
    else:
        limit = info.compress_size * _MAX_DEFLATE_RATIO + 1024
    if info.file_size > limit:
        src.fail(f"member {info.filename!r} claims an impossible size")
    return info.file_size


def read_npz(src):
    """A dict of name -> array from a .npz archive (file object in src)."""
    out = {}
    try:
        with zipfile.ZipFile(src.f) as zf:
            for info in zf.infolist():
                # An empty name is a member too (MLX loads it as key ''):
                # ZipInfo.is_dir() would index past its end.
                if info.filename.endswith("/"):
                    continue
                size = _member_size(src, info)
                key = info.filename.removesuffix(".npy")
                with zf.open(info) as member:
                    out[key] = read_npy(Source(member, src.prefix, size))
    except _ZIP_ERRORS as e:
        src.fail(f"corrupt .npz archive: {e}")
    return out
