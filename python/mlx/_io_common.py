"""Pieces shared by the io formats: dtype conversion between mlx and numpy,
bounded reads from untrusted files, and atomic writes."""

import contextlib
import functools
import io
import math
import os
import secrets
import shutil
import stat
import tempfile

import numpy as np

from mlx import core as mx

# numpy dtype that carries each mlx dtype's bytes; bfloat16 has no numpy
# dtype, so its bits travel as uint16.
CARRIER = {
    "bool": np.dtype(np.bool_),
    "uint8": np.dtype("<u1"),
    "uint16": np.dtype("<u2"),
    "uint32": np.dtype("<u4"),
    "uint64": np.dtype("<u8"),
    "int8": np.dtype("<i1"),
    "int16": np.dtype("<i2"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
    "float16": np.dtype("<f2"),
    "bfloat16": np.dtype("<u2"),
    "float32": np.dtype("<f4"),
    "float64": np.dtype("<f8"),
    "complex64": np.dtype("<c8"),
}

# Largest byte count we accept for one array or header field; keeps numpy's
# own size arithmetic clear of overflow for hostile shapes.
MAX_BYTES = 1 << 62
# numpy, like MLX, caps the number of dimensions.
MAX_NDIM = 64


class LoadError(ValueError, RuntimeError):
    """A file that cannot be loaded: a ValueError, as Ember raises for bad
    input, and a RuntimeError, as MLX raises for corrupt files."""


@functools.cache
def _os_error_class(cls):
    """cls (an OSError subclass) made also a RuntimeError, as MLX raises for
    a file it cannot open."""
    return type(cls.__name__, (cls, RuntimeError), {"__module__": __name__})


def _os_error(e, path, prefix, what="Failed to open"):
    """The OSError e as MLX words it, of e's type and also a RuntimeError."""
    err = _os_error_class(type(e))(
        f"[{prefix}] {what} file {os.fsdecode(path)}: {e.strerror or e}"
    )
    err.errno = e.errno
    return err


def open_path(path, prefix, buffering=-1):
    """A binary file object for path; failures raise an OSError of the
    usual subclass that is also a RuntimeError."""
    try:
        return open(path, "rb", buffering=buffering)
    except OSError as e:
        raise _os_error(e, path, prefix) from None


def dtype_name(dtype):
    """'float32' for mx.float32, 'bool' for mx.bool_."""
    return str(dtype).rsplit(".", 1)[-1]


def mx_dtype(name):
    return getattr(mx, "bool_" if name == "bool" else name)


def as_array(value, prefix, what):
    """value as an mx.array; anything mx.array() accepts is allowed."""
    if isinstance(value, mx.array):
        return value
    try:
        return mx.array(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"[{prefix}] {what} is not an array: {e}") from None


def _contiguous(arr):
    # np.ascontiguousarray would turn a 0-d array into a 1-d one.
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def to_numpy(a):
    """a's data as a C-contiguous little-endian numpy array of its carrier
    dtype (evaluates a)."""
    name = dtype_name(a.dtype)
    if name == "bfloat16":
        a = a.view(mx.uint16)
    out = _contiguous(np.asarray(a))
    want = CARRIER[name]
    if out.dtype != want:
        out = out.astype(want)
    return out


def raw_bytes(a):
    """A flat uint8 view of a's data, ready for file.write."""
    return memoryview(to_numpy(a).reshape(-1).view(np.uint8))


def from_numpy(arr, name):
    """An mx.array of dtype `name` from a numpy array of its carrier dtype
    (any byte order)."""
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    arr = _contiguous(arr)
    if name == "bfloat16":
        return mx.array(arr.view(np.uint16)).view(mx.bfloat16)
    if name == "bool":
        # Bytes other than 0 and 1 would be invalid bools downstream.
        return mx.array(arr.view(np.uint8) != 0)
    return mx.array(arr, dtype=mx_dtype(name))


def element_count(shape, itemsize, fail):
    """Product of shape, refused (via fail) when the bytes it describes,
    counting empty dims as 1, could not be a real array."""
    if len(shape) > MAX_NDIM:
        fail(f"too many dimensions ({len(shape)})")
    count, bound = 1, itemsize
    for d in shape:
        if not isinstance(d, int) or isinstance(d, bool) or d < 0:
            fail(f"invalid dimension {d!r} in shape {list(shape)!r}")
        count *= d
        bound *= max(d, 1)
        if bound > MAX_BYTES:
            fail(f"shape {list(shape)!r} is too large")
    return count


def _short_data(path, offset, nbytes, got, prefix):
    return LoadError(
        f"[{prefix}] Unable to read from file {os.fsdecode(path)}: {nbytes} "
        f"bytes of data at offset {offset}, but the file ends {got} bytes "
        "after it."
    )


def _check_size(path, offset, nbytes, prefix):
    """Raises unless path holds nbytes bytes from offset."""
    try:
        size = os.stat(path).st_size
    except OSError as e:
        raise _os_error(e, path, prefix) from None
    if size < offset + nbytes:
        raise _short_data(path, offset, nbytes, max(size - offset, 0), prefix)


def _read_data(path, offset, out, prefix):
    """Fills the writable memoryview out with the bytes of path at offset."""
    # Unbuffered: the bytes go straight into the array's memory.
    with open_path(path, prefix, buffering=0) as f:
        f.seek(offset)
        got = 0
        while got < len(out):
            n = f.readinto(out[got:])
            if not n:
                break
            got += n
    if got < len(out):
        raise _short_data(path, offset, len(out), got, prefix)


def _fix_data(out, name, stored):
    """Rewrites the bytes in out, as stored in the file, as mlx holds them."""
    if stored.byteorder == ">":
        np.frombuffer(out, stored).byteswap(inplace=True)
    if name == "bool":
        # Bytes other than 0 and 1 would be invalid bools downstream.
        raw = np.frombuffer(out, np.uint8)
        np.not_equal(raw, 0, out=raw.view(np.bool_))


def lazy_array(path, offset, shape, name, stored, prefix):
    """An array of shape and dtype `name` whose elements, of numpy dtype
    `stored`, are read from path at offset when it is evaluated."""

    nbytes = math.prod(shape) * stored.itemsize

    def read(out):
        _read_data(path, offset, out, prefix)
        _fix_data(out, name, stored)

    def check():
        _check_size(path, offset, nbytes, prefix)

    return mx._lazy_load(tuple(shape), mx_dtype(name), read, check=check)


class Source:
    """Reads from a binary file object, checking every length against the
    bytes left before allocating, so a lying header costs nothing. With a
    path, arrays are read from it when they are evaluated."""

    def __init__(self, f, prefix, size=None, path=None):
        self.f = f
        self.prefix = prefix
        self.path = path
        self.pos = 0
        if size is None:
            self.start = f.tell()
            self.size = f.seek(0, io.SEEK_END) - self.start
            f.seek(self.start)
        else:
            self.start, self.size = None, size

    def fail(self, message):
        raise LoadError(f"[{self.prefix}] {message}")

    def remaining(self):
        return self.size - self.pos

    def need(self, nbytes, what):
        if nbytes < 0 or nbytes > self.remaining():
            self.fail(
                f"{what} needs {nbytes} bytes but only {self.remaining()} "
                "remain in the file"
            )

    def seek(self, pos):
        if self.start is None:
            self.fail("internal: seek on a sequential source")
        if pos < 0 or pos > self.size:
            self.fail(f"offset {pos} is outside the file")
        self.f.seek(self.start + pos)
        self.pos = pos

    def read(self, nbytes, what):
        self.need(nbytes, what)
        data = self.f.read(nbytes)
        # Raw streams may return less than asked without being at the end.
        while len(data) < nbytes:
            more = self.f.read(nbytes - len(data))
            if not more:
                self.fail(f"unexpected end of file while reading {what}")
            data += more
        self.pos += nbytes
        return bytes(data)

    def read_array(self, dtype, count, what):
        """A 1-D numpy array of `count` elements of dtype read from here."""
        dtype = np.dtype(dtype)
        self.need(count * dtype.itemsize, what)
        buf = np.empty(count * dtype.itemsize, np.uint8)
        self._fill(buf, what)
        return buf.view(dtype)

    def array(self, pos, shape, name, stored, what):
        """The array of shape and dtype `name` whose elements, of numpy
        dtype `stored`, start at pos: read now from a file object, or when
        it is evaluated from a path (the caller checked the file's size)."""
        if self.path is not None:
            offset = self.start + pos
            return lazy_array(self.path, offset, shape, name, stored, self.prefix)
        if pos != self.pos:
            self.seek(pos)
        data = self.read_array(stored, math.prod(shape), what)
        return from_numpy(data.reshape(shape), name)

    def _fill(self, buf, what):
        view = memoryview(buf)
        got, total = 0, len(buf)
        readinto = getattr(self.f, "readinto", None)
        while got < total:
            if readinto is not None:
                n = readinto(view[got:])
            else:
                chunk = self.f.read(total - got)
                n = len(chunk)
                view[got : got + n] = chunk
            if not n:
                self.fail(f"unexpected end of file while reading {what}")
            got += n
        self.pos += total


@contextlib.contextmanager
def open_for_reading(file, prefix):
    """A seekable binary file object for a path or a readable file object."""
    if isinstance(file, (str, bytes, os.PathLike)):
        with open_path(file, prefix) as f:
            yield f
        return
    if not callable(getattr(file, "read", None)):
        raise TypeError(
            f"[{prefix}] file must be a path or a binary file object, "
            f"got {type(file).__name__}"
        )
    seekable = getattr(file, "seekable", None)
    if callable(seekable) and seekable():
        yield file
        return
    # A pipe or socket: take what it holds (bounded by what really arrives).
    data = file.read()
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"[{prefix}] file must be opened in binary mode")
    yield io.BytesIO(data)


def _writable_path(file, extension, prefix):
    """(path, None) for a path, with the extension added if missing, or
    (None, file) for a writable file object."""
    if isinstance(file, (str, bytes, os.PathLike)):
        path = os.fsdecode(os.fspath(file))
        if not path.endswith(extension):
            path += extension
        return path, None
    if callable(getattr(file, "write", None)):
        return None, file
    raise TypeError(
        f"[{prefix}] file must be a path or a writable binary file object, "
        f"got {type(file).__name__}"
    )


# Temporaries are named .<name>.ember-<pid>-<token>.tmp, so that a later
# save of the same path can tell those left by a process that died mid-write.
_TMP_TAG = ".ember-"


def _remove_stale_temporaries(directory, base):
    """Deletes temporaries of earlier saves of `base` whose writer is gone."""
    prefix = f".{base}{_TMP_TAG}"
    with contextlib.suppress(OSError):
        for name in os.listdir(directory):
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            pid = name[len(prefix):].split("-", 1)[0]
            if not pid.isdigit() or _process_alive(int(pid)):
                continue
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _write_direct(path, prefix, write):
    """Writes into an existing file that is not a regular one (a device, a
    FIFO): MLX writes there, and replacing it would destroy it. The formats
    seek while writing, which a stream cannot do: the bytes are assembled
    in a spooled temporary first."""
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as staging:
        write(staging)
        staging.seek(0)
        try:
            with open(path, "wb") as f:
                shutil.copyfileobj(staging, f, 1 << 20)
        except OSError as e:
            raise _os_error(e, path, prefix, "Unable to write") from None


def write_to(file, extension, prefix, write):
    """Calls write(f) on a file object, or on a temporary file beside the
    target path that replaces the target only once write has succeeded.
    OS failures raise an OSError of the usual subclass that is also a
    RuntimeError (MLX raises RuntimeError), naming the op and the path."""
    path, fobj = _writable_path(file, extension, prefix)
    if fobj is not None:
        write(fobj)
        return
    # Write through a symbolic link to its target, as MLX does.
    target = os.path.realpath(path)
    try:
        special = not stat.S_ISREG(os.stat(target).st_mode)
    except OSError:
        special = False  # no such file yet
    if special:
        return _write_direct(target, prefix, write)
    directory, base = os.path.split(target)
    _remove_stale_temporaries(directory, base)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        token = f"{os.getpid()}-{secrets.token_hex(6)}"
        tmp = os.path.join(directory, f".{base}{_TMP_TAG}{token}.tmp")
        try:
            # Mode 0o666 lets the umask decide, as for a plain open().
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as e:
            raise _os_error(e, path, prefix, "Unable to write") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and not isinstance(e, RuntimeError):
            raise _os_error(e, path, prefix, "Unable to write") from None
        raise
