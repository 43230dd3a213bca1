"""mx.save, savez, savez_compressed, save_safetensors, save_gguf and load.

Formats live in _io_npy, _io_safetensors and _io_gguf; this module checks
arguments, picks the format and attaches the functions to mlx.core. Saves
to a path are atomic; loads treat every file as untrusted.
"""

import os

from mlx._io_common import (
    CARRIER,
    Source,
    as_array,
    dtype_name,
    open_for_reading,
    write_to,
)
from mlx._io_gguf import read_gguf, write_gguf
from mlx._io_npy import read_npy, read_npz, write_npy, write_npz
from mlx._io_safetensors import (
    METADATA_KEY,
    check_metadata,
    read_safetensors,
    write_safetensors,
)

FORMATS = ("npy", "npz", "safetensors", "gguf")


def _array_dict(arrays, prefix):
    """A checked copy of a dict of str -> array."""
    if not isinstance(arrays, dict):
        raise ValueError(f"[{prefix}] arrays must be a dict of str to array")
    out = {}
    for key, value in arrays.items():
        if not isinstance(key, str):
            raise ValueError(f"[{prefix}] array names must be str, got {key!r}")
        out[key] = as_array(value, prefix, f"value for {key!r}")
        if dtype_name(out[key].dtype) not in CARRIER:
            raise ValueError(f"[{prefix}] unsupported dtype {out[key].dtype}")
    return out


def _npz_dict(args, kwargs, prefix):
    """Names positional arrays arr_0, arr_1, ... as numpy.savez does."""
    arrays = {}
    for i, value in enumerate(args):
        arrays[f"arr_{i}"] = value
    for key, value in kwargs.items():
        if key in arrays:
            raise ValueError(
                f"[{prefix}] cannot use un-named arrays and the keyword {key}"
            )
        arrays[key] = value
    return _array_dict(arrays, prefix)


def save(file, arr) -> None:
    """Saves an array to a ``.npy`` file (the extension is added to a path
    without it).

    Args:
        file (str, pathlib.Path, file): Path or binary file object.
        arr (array): Array to save.

    Returns:
        None
    """
    arr = _array_dict({"arr": arr}, "save")["arr"]
    write_to(file, ".npy", "save", lambda f: write_npy(f, arr))


def savez(file, *args, **kwargs) -> None:
    """Saves arrays to an uncompressed ``.npz`` archive. Positional arrays
    are named ``arr_0``, ``arr_1``, ...; keyword arrays by their keyword.

    Args:
        file (str, pathlib.Path, file): Path or binary file object.
        *args (array): Arrays to save.
        **kwargs (array): Arrays to save under the given names.

    Returns:
        None
    """
    arrays = _npz_dict(args, kwargs, "savez")
    write_to(file, ".npz", "savez", lambda f: write_npz(f, arrays, False))


def savez_compressed(file, *args, **kwargs) -> None:
    """Saves arrays to a compressed ``.npz`` archive (see :func:`savez`).

    Args:
        file (str, pathlib.Path, file): Path or binary file object.
        *args (array): Arrays to save.
        **kwargs (array): Arrays to save under the given names.

    Returns:
        None
    """
    arrays = _npz_dict(args, kwargs, "savez_compressed")
    write_to(file, ".npz", "savez_compressed", lambda f: write_npz(f, arrays, True))


def save_safetensors(file, arrays, metadata=None) -> None:
    """Saves a dict of arrays to a ``.safetensors`` file.

    Args:
        file (str, pathlib.Path, file): Path or binary file object.
        arrays (dict(str, array)): Names to arrays.
        metadata (dict(str, str), optional): Metadata to store.

    Returns:
        None
    """
    prefix = "save_safetensors"
    arrays = _array_dict(arrays, prefix)
    if METADATA_KEY in arrays:
        raise ValueError(f"[{prefix}] {METADATA_KEY!r} is reserved for metadata")
    metadata = check_metadata(metadata, prefix)
    write_to(
        file,
        ".safetensors",
        prefix,
        lambda f: write_safetensors(f, arrays, metadata),
    )


def save_gguf(file, arrays, metadata=None) -> None:
    """Saves a dict of arrays, and metadata, to a ``.gguf`` file (v3).

    Args:
        file (str, pathlib.Path, file): Path or binary file object.
        arrays (dict(str, array)): Names to arrays.
        metadata (dict(str, array | str | list(str)), optional): Metadata;
          arrays must be scalars or 1-D.

    Returns:
        None
    """
    prefix = "save_gguf"
    arrays = _array_dict(arrays, prefix)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValueError(f"[{prefix}] metadata must be a dict")
    write_to(file, ".gguf", prefix, lambda f: write_gguf(f, arrays, metadata, prefix))


def _format_of(file, format):
    if format is not None:
        if format not in FORMATS:
            raise ValueError(
                f"[load] unknown format {format!r}; expected one of {FORMATS}"
            )
        return format
    if isinstance(file, (str, bytes, os.PathLike)):
        name = os.fsdecode(os.fspath(file))
    else:
        name = getattr(file, "name", None)
        if not isinstance(name, str):
            raise ValueError(
                "[load] cannot infer the format of a file object without a "
                "name; pass format="
            )
    ext = os.path.splitext(name)[1][1:].lower()
    if ext not in FORMATS:
        raise ValueError(
            f"[load] cannot infer the format from {name!r}; use one of the "
            f"extensions {FORMATS} or pass format="
        )
    return ext


def load(file, /, format=None, return_metadata=False, *, stream=None):
    """Loads arrays from a ``.npy``, ``.npz``, ``.safetensors`` or ``.gguf``
    file. From a path, headers are checked now and the data is read when
    the arrays are evaluated (``.npz`` archives and file objects are read
    now). Errors are ValueError or OSError, and also RuntimeError (as in
    MLX).

    Args:
        file (str, pathlib.Path, file): Path or binary file object.
        format (str, optional): ``npy``, ``npz``, ``safetensors`` or
          ``gguf``; inferred from the file name when ``None``.
        return_metadata (bool): Also return the metadata (safetensors and
          gguf only).

    Returns:
        array, dict, or tuple: An array for ``.npy``; a dict of names to
        arrays otherwise; ``(arrays, metadata)`` with ``return_metadata``.
    """
    # Files are read on the host; stream is accepted for MLX compatibility.
    del stream
    fmt = _format_of(file, format)
    if return_metadata and fmt in ("npy", "npz"):
        raise ValueError(f"[load] metadata is not supported for format {fmt}")
    path = None
    if fmt != "npz" and isinstance(file, (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fspath(file))
    with open_for_reading(file, "load") as f:
        if fmt == "npy":
            return read_npy(Source(f, "load", path=path))
        if fmt == "npz":
            return read_npz(Source(f, "load"))
        if fmt == "safetensors":
            src = Source(f, "load_safetensors", path=path)
            arrays, metadata = read_safetensors(src)
        else:
            arrays, metadata = read_gguf(Source(f, "load_gguf", path=path))
    return (arrays, metadata) if return_metadata else arrays


def _install(core):
    for fn in (save, savez, savez_compressed, save_safetensors, save_gguf, load):
        fn.__module__ = "mlx.core"
        setattr(core, fn.__name__, fn)
