"""export_function, import_function, exporter and export_to_dot.

A function is exported by calling it on example arrays and writing the
graph from its inputs to its outputs (csrc/transforms/export.cpp makes the
bytes). One file holds one or more traces (different argument counts,
keyword names, shapes or dtypes) and the constants they use, each stored
once. Importing gives a callable that picks the trace matching its
arguments and replays it.

File layout: 8-byte magic, u64 little-endian header length, a JSON header,
then the data section the header points into (graph bytes and constants).
An exported function is a program: import only files you trust, as with
pickle. The reader still checks every length and offset, so a damaged file
raises ValueError.
"""

import json
import struct

import numpy as np

from mlx import core as mx
from mlx._io_common import (
    CARRIER,
    Source,
    dtype_name,
    element_count,
    from_numpy,
    open_for_reading,
    raw_bytes,
    write_to,
)

_MAGIC = b"EMBERFN1"
_MAX_HEADER = 1 << 28


def _normalize_args(args, kwargs, prefix):
    """(positional arrays, keyword arrays) from either *args/**kwargs or a
    tuple/list of arrays optionally followed by a dict of arrays."""
    if not kwargs and args and isinstance(args[0], (list, tuple)):
        if len(args) == 1 or (len(args) == 2 and isinstance(args[1], dict)):
            kwargs = args[1] if len(args) == 2 else {}
            args = tuple(args[0])
    elif not kwargs and len(args) == 1 and isinstance(args[0], dict):
        args, kwargs = (), args[0]
    for i, a in enumerate(args):
        if not isinstance(a, mx.array):
            raise ValueError(
                f"[{prefix}] Positional argument {i} is a {type(a).__name__}; "
                "only arrays can be inputs."
            )
    for k, a in kwargs.items():
        if not isinstance(k, str) or not isinstance(a, mx.array):
            raise ValueError(f"[{prefix}] Keyword argument {k!r} must be an array.")
    return tuple(args), dict(kwargs)


def _flat_inputs(args, kwargs):
    return list(args) + [kwargs[k] for k in sorted(kwargs)]


def _outputs(result, prefix):
    if isinstance(result, mx.array):
        return [result]
    if isinstance(result, (list, tuple)) and all(isinstance(o, mx.array) for o in result):
        return list(result)
    raise ValueError(
        f"[{prefix}] The function must return an array or a list or tuple of arrays."
    )


def _signature(args, kwargs):
    return {
        "n_args": len(args),
        "kwargs": sorted(kwargs),
        "inputs": [[list(a.shape), dtype_name(a.dtype)] for a in _flat_inputs(args, kwargs)],
    }


class _Traces:
    """Traces of one function and the constants they share."""

    def __init__(self, fun, shapeless, prefix):
        if not callable(fun):
            raise ValueError(f"[{prefix}] fun must be callable.")
        self.fun = fun
        self.shapeless = bool(shapeless)
        self.prefix = prefix
        self.traces = []
        self.constants = []  # arrays, kept alive so their ids stay unique
        self.constant_index = {}

    def add(self, args, kwargs):
        args, kwargs = _normalize_args(args, kwargs, self.prefix)
        outputs = _outputs(self.fun(*args, **kwargs), self.prefix)
        graph, consts, ids = mx._export_graph(_flat_inputs(args, kwargs), outputs)
        refs = []
        for c, i in zip(consts, ids):
            if i not in self.constant_index:
                self.constant_index[i] = len(self.constants)
                self.constants.append(c)
            refs.append(self.constant_index[i])
        trace = _signature(args, kwargs)
        trace["graph"] = graph
        trace["constants"] = refs
        self.traces.append(trace)

    def write(self, f, metadata):
        blobs, header = [], {"shapeless": self.shapeless, "metadata": metadata}
        offset = 0

        def place(data):
            nonlocal offset
            blobs.append(data)
            start, offset = offset, offset + len(data)
            return [start, len(data)]

        header["constants"] = [
            {"shape": list(c.shape), "dtype": dtype_name(c.dtype), "data": place(raw_bytes(c))}
            for c in self.constants
        ]
        header["traces"] = []
        for t in self.traces:
            entry = {k: v for k, v in t.items() if k != "graph"}
            entry["graph"] = place(t["graph"])
            header["traces"].append(entry)
        text = json.dumps(header).encode()
        f.write(_MAGIC + struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)


def export_function(file_or_callback, fun, *args, shapeless=False, metadata=None, **kwargs):
    """Trace a function on example arrays and save its graph.

    The saved function can be loaded with :func:`import_function` and run
    without the Python code that defined it. Only the traced computation
    is kept: Python control flow is fixed by the example inputs. The
    inputs may be given as separate arguments, or as one tuple or list of
    arrays optionally followed by a dict of keyword arrays.

    Args:
        file_or_callback (str or Callable): A path or writable binary file
            to save to, or a callable that is handed a description of the
            graph instead, one record (a dict) at a time: the inputs, the
            keyword inputs, the outputs, the constants, then each
            operation.
        fun (Callable): The function to export; it takes and returns
            arrays.
        *args (array): Example positional inputs.
        shapeless (bool, optional): Let the imported function accept inputs
            of other shapes (same dtypes and ranks). Default: ``False``.
        metadata (str, optional): Text stored with the function and
            returned by ``import_function(..., return_metadata=True)``.
            Only with a file. Default: ``None``.
        **kwargs (array): Example keyword inputs.

    Returns:
        None
    """
    traces = _Traces(fun, shapeless, "export_function")
    traces.add(args, kwargs)
    if callable(file_or_callback):
        if metadata is not None:
            raise ValueError("[export_function] metadata needs a file, not a callback.")
        _describe(file_or_callback, fun, args, kwargs)
        return
    _check_metadata(metadata)
    write_to(file_or_callback, "", "export_function", lambda f: traces.write(f, metadata))


def _letters(n):
    """Spreadsheet-style names: A, B, ..., Z, AA, AB, ..."""
    name = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(ord("A") + r) + name
    return name


def _describe(callback, fun, args, kwargs):
    """Hands the traced graph to callback one record at a time, as MLX
    does: the inputs, the keyword inputs, the outputs, the constants, then
    each operation in evaluation order. Every array is named A, B, ..."""
    args, kwargs = _normalize_args(args, kwargs, "export_function")
    outputs = _outputs(fun(*args, **kwargs), "export_function")
    inputs = _flat_inputs(args, kwargs)
    steps, constants = mx._graph_steps(inputs, outputs)
    names = {}

    def name(node_id):
        if node_id not in names:
            names[node_id] = _letters(len(names))
        return names[node_id]

    # Inputs and outputs are named first, then constants, then the rest.
    in_ids = [mx._node_id(a) for a in inputs]
    out_ids = [mx._node_id(a) for a in outputs]
    for i in in_ids + out_ids:
        name(i)
    callback({
        "type": "inputs",
        "inputs": [(name(i), a.shape, a.dtype) for i, a in zip(in_ids, inputs)],
    })
    keyword_ids = in_ids[len(args):]
    callback({
        "type": "keyword_inputs",
        "keywords": [(k, name(i)) for k, i in zip(sorted(kwargs), keyword_ids)],
    })
    callback({
        "type": "outputs",
        "outputs": [(name(i), a.shape, a.dtype) for i, a in zip(out_ids, outputs)],
    })
    callback({"type": "constants", "constants": [(name(i), c) for i, c in constants]})
    shapes = {i: (a.shape, a.dtype) for i, a in zip(in_ids, inputs)}
    shapes.update({i: (c.shape, c.dtype) for i, c in constants})
    for op_name, op_inputs, op_outputs in steps:
        for i, shape, dtype in op_outputs:
            shapes[i] = (shape, dtype)
        callback({
            "type": "primitive",
            "name": op_name,
            "inputs": [(name(i), *shapes[i]) for i in op_inputs],
            "outputs": [(name(i), shape, dtype) for i, shape, dtype in op_outputs],
            "arguments": [],
        })


def _check_metadata(metadata):
    if metadata is not None and not isinstance(metadata, str):
        raise ValueError("[export_function] metadata must be a string.")


class FunctionExporter:
    """Collect traces of a function and write them to one file.

    Each call traces the function on the given example inputs; the traces
    are written when the exporter is closed (or its ``with`` block ends),
    and the imported function picks the trace that matches its inputs.
    Create one with :func:`exporter`.

    Args:
        file (str or file): The path or writable binary file to save to.
        fun (Callable): The function to export.
        shapeless (bool, optional): Let the traces accept inputs of other
            shapes. Default: ``False``.
        metadata (str, optional): Text stored with the function. Default:
            ``None``.
    """

    def __init__(self, file, fun, shapeless=False, metadata=None):
        _check_metadata(metadata)
        self._file = file
        self._metadata = metadata
        self._traces = _Traces(fun, shapeless, "exporter")
        self._closed = False

    def __call__(self, *args, **kwargs):
        if self._closed:
            raise RuntimeError("[exporter] The exporter is closed; no more traces can be added.")
        self._traces.add(args, kwargs)

    def close(self):
        """Write the collected traces to the file; later calls add nothing.

        Returns:
            None
        """
        if not self._closed:
            self._closed = True
            write_to(self._file, "", "exporter", lambda f: self._traces.write(f, self._metadata))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._closed = True
        return False


def exporter(file, fun, *, shapeless=False, metadata=None):
    """Make an exporter that saves several traces of a function to one file.

    Call the returned object with example inputs once per input signature
    the imported function should support, then close it (or use it in a
    ``with`` block).

    Args:
        file (str or file): The path or writable binary file to save to.
        fun (Callable): The function to export.
        shapeless (bool, optional): Let the traces accept inputs of other
            shapes (same dtypes and ranks). Default: ``False``.
        metadata (str, optional): Text stored with the function. Default:
            ``None``.

    Returns:
        FunctionExporter: The exporter.
    """
    return FunctionExporter(file, fun, shapeless=shapeless, metadata=metadata)


def _fail(message):
    raise ValueError(f"[import_function] {message}")


def _span(entry, size, what):
    """A [start, length] pair that must lie inside the data section."""
    if (
        not isinstance(entry, list)
        or len(entry) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in entry)
        or entry[0] + entry[1] > size
    ):
        _fail(f"{what} points outside the file.")
    return entry


def _read_file(file):
    with open_for_reading(file, "import_function") as f:
        src = Source(f, "import_function")
        if src.read(8, "the magic number") != _MAGIC:
            _fail("The file is not a function exported by Ember.")
        (n,) = struct.unpack("<Q", src.read(8, "the header length"))
        if n > _MAX_HEADER:
            _fail("The header is too large.")
        try:
            header = json.loads(src.read(n, "the header"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            _fail(f"The header is not valid JSON: {e}")
        if not isinstance(header, dict):
            _fail("The header is not a JSON object.")
        base, size = src.pos, src.remaining()

        def blob(entry, what):
            start, length = _span(entry, size, what)
            src.seek(base + start)
            return start, length

        constants = []
        for c in _list(header.get("constants"), "constants"):
            if not isinstance(c, dict) or c.get("dtype") not in CARRIER:
                _fail("A constant has no valid dtype.")
            shape = c.get("shape")
            if not isinstance(shape, list):
                _fail("A constant has no valid shape.")
            carrier = CARRIER[c["dtype"]]
            count = element_count(shape, carrier.itemsize, _fail)
            _, length = blob(c.get("data"), "A constant")
            if length != count * carrier.itemsize:
                _fail("A constant's byte count does not match its shape.")
            arr = src.read_array(carrier, count, "a constant").reshape(shape)
            constants.append(from_numpy(arr, c["dtype"]))

        traces = []
        for t in _list(header.get("traces"), "traces"):
            if not isinstance(t, dict):
                _fail("A trace is not an object.")
            _, length = blob(t.get("graph"), "A trace's graph")
            refs = _list(t.get("constants"), "a trace's constants")
            if not all(isinstance(r, int) and 0 <= r < len(constants) for r in refs):
                _fail("A trace refers to a missing constant.")
            inputs = _list(t.get("inputs"), "a trace's inputs")
            for entry in inputs:
                if (
                    not isinstance(entry, list)
                    or len(entry) != 2
                    or not isinstance(entry[0], list)
                    or entry[1] not in CARRIER
                ):
                    _fail("A trace's input description is invalid.")
            names = _list(t.get("kwargs"), "a trace's keyword names")
            n_args = t.get("n_args")
            if not isinstance(n_args, int) or n_args + len(names) != len(inputs):
                _fail("A trace's argument counts do not add up.")
            traces.append(
                {
                    "n_args": n_args,
                    "kwargs": names,
                    "inputs": inputs,
                    "graph": src.read(length, "a trace's graph"),
                    "constants": [constants[r] for r in refs],
                }
            )
        metadata = header.get("metadata")
        if metadata is not None and not isinstance(metadata, str):
            _fail("The metadata is not a string.")
        return bool(header.get("shapeless", False)), traces, metadata


def _list(value, what):
    if not isinstance(value, list):
        _fail(f"The file has no valid list of {what}.")
    return value


class ImportedFunction:
    """A function read from an exported file. Call it like the original
    (or with a tuple of arrays and a dict of keyword arrays); it returns a
    tuple of arrays."""

    def __init__(self, shapeless, traces):
        self._shapeless = shapeless
        self._traces = traces

    def _match(self, args, kwargs):
        flat = _flat_inputs(args, kwargs)
        names = sorted(kwargs)
        candidates = []
        for t in self._traces:
            if t["n_args"] != len(args) or t["kwargs"] != names:
                continue
            recorded = t["inputs"]
            if any(
                dtype_name(a.dtype) != d or len(a.shape) != len(s)
                for a, (s, d) in zip(flat, recorded)
            ):
                continue
            if all(list(a.shape) == s for a, (s, _) in zip(flat, recorded)):
                return t, flat
            candidates.append(t)
        if self._shapeless and candidates:
            return candidates[0], flat
        _fail(
            "No exported trace matches the given inputs (their number, keyword "
            "names, types" + ("" if self._shapeless else " or shapes") + ")."
        )

    def __call__(self, *args, **kwargs):
        args, kwargs = _normalize_args(args, kwargs, "import_function")
        trace, flat = self._match(args, kwargs)
        return tuple(mx._replay_graph(trace["graph"], flat, trace["constants"]))


def import_function(file, return_metadata=False):
    """Load a function saved by :func:`export_function` or :func:`exporter`.

    The loaded function is called like the original (or with a tuple of
    arrays and a dict of keyword arrays). It runs the saved trace that
    matches the number, keyword names, dtypes and shapes of its inputs
    (shapes may differ for a shapeless export) and returns a tuple of
    arrays.

    Args:
        file (str or file): The path or readable binary file to load.
        return_metadata (bool, optional): Also return the metadata saved
            with the function. Default: ``False``.

    Returns:
        Callable or tuple(Callable, str): The function, or the function and
        its metadata (``None`` if there was none).
    """
    shapeless, traces, metadata = _read_file(file)
    fn = ImportedFunction(shapeless, traces)
    return (fn, metadata) if return_metadata else fn


def export_to_dot(file, *args, **kwargs):
    """Write the computation graph behind some arrays in Graphviz DOT format.

    The arrays should not be evaluated yet, or there is no graph left to
    draw.

    Args:
        file (str or file): A path, or a text file object to write to.
        *args (array): The arrays whose graph is drawn.
        **kwargs (array): More arrays, labelled in the drawing by their
            keyword names.

    Returns:
        None
    """
    outputs = list(args) + list(kwargs.values())
    for a in outputs:
        if not isinstance(a, mx.array):
            raise ValueError("[export_to_dot] Arguments must be arrays.")
    text = mx._graph_to_dot(outputs, list(kwargs), list(kwargs.values()))
    if callable(getattr(file, "write", None)):
        file.write(text)
        return
    write_to(file, "", "export_to_dot", lambda f: f.write(text.encode()))


def _install(core):
    core.export_function = export_function
    core.import_function = import_function
    core.exporter = exporter
    core.export_to_dot = export_to_dot
    core.FunctionExporter = FunctionExporter
