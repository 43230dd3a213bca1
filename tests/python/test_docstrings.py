"""Every public function of mlx.core, mlx.core.random/linalg/fft/fast and
every public method of mx.array documents its arguments and its result in
the Google style MLX uses:

    Summary line.

    Args:
        a (array): ...
        stream (Stream, optional): ...

    Returns:
        array: ...

An "Args:" section is required when the function takes parameters other
than ``self`` and ``stream``, and each such parameter must be named in it;
a "Returns:" section is always required.
"""

import inspect
import re

import pytest

import mlx.core as mx

MODULES = {
    "mlx.core": mx,
    "mlx.core.random": mx.random,
    "mlx.core.linalg": mx.linalg,
    "mlx.core.fft": mx.fft,
    "mlx.core.fast": mx.fast,
}

# Parameters that need no entry in Args: the bound object, and the stream
# argument (documented where present, but not required).
UNDOCUMENTED_PARAMS = {"self", "stream"}

# Deliberate exceptions, by qualified name, with the reason (none today).
EXCEPTIONS = {}
# Classes (mx.array, mx.Dtype, mx.Device, mx.custom_function, ...) are not
# functions: their docstring describes the type, and they are skipped.


def _split_params(text):
    """Top-level comma-separated pieces of a parameter list."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _nb_params(sig):
    """Parameter names of one nanobind signature string 'def f(...) -> T'."""
    start = sig.index("(") + 1
    depth, end = 1, start
    while depth:
        depth += {"(": 1, ")": -1}.get(sig[end], 0)
        end += 1
    names = []
    for piece in _split_params(sig[start:end - 1]):
        name = re.split(r"[:=]", piece, maxsplit=1)[0].strip()
        name = name.lstrip("*")
        if name and name != "/":
            names.append(name)
    return names


def _params(fn):
    """The parameter names of a function (all overloads together)."""
    if hasattr(fn, "__nb_signature__"):
        names = []
        for sig, *_ in fn.__nb_signature__:
            names += [n for n in _nb_params(sig) if n not in names]
        return names
    return list(inspect.signature(fn).parameters)


def _public_functions():
    seen = set()
    for mod_name, mod in MODULES.items():
        for name in sorted(dir(mod)):
            if name.startswith("_"):
                continue
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or inspect.isclass(obj) or not callable(obj):
                continue
            qual = f"{mod_name}.{name}"
            # Aliases (acos/arccos, concat/concatenate) are checked once.
            if id(obj) in seen and qual not in EXCEPTIONS:
                continue
            seen.add(id(obj))
            yield qual, obj
    for name in sorted(dir(mx.array)):
        if name.startswith("_"):
            continue
        obj = getattr(mx.array, name)
        if isinstance(obj, property) or not callable(obj):
            continue
        yield f"mlx.core.array.{name}", obj


FUNCTIONS = list(_public_functions())


def test_the_walk_finds_the_api():
    names = {q for q, _ in FUNCTIONS}
    for expected in ("mlx.core.zeros", "mlx.core.random.normal",
                     "mlx.core.linalg.svd", "mlx.core.fft.rfft",
                     "mlx.core.fast.rms_norm", "mlx.core.array.sum",
                     "mlx.core.grad", "mlx.core.compile"):
        assert expected in names
    assert len(FUNCTIONS) > 250


def _section(doc, title):
    """The text of a Google-style section, or None when it is missing. An
    overloaded function has one docstring per overload: their sections of
    that title are joined."""
    found = None
    for m in re.finditer(rf"^\s*{title}:\s*$", doc, re.MULTILINE):
        rest = doc[m.end():]
        nxt = re.search(r"^\s*(?:[A-Z][A-Za-z ]*:\s*$|\d+\. ``)", rest,
                        re.MULTILINE)
        found = (found or "") + (rest[: nxt.start()] if nxt else rest)
    return found


@pytest.mark.parametrize("qual,fn", FUNCTIONS, ids=[q for q, _ in FUNCTIONS])
def test_docstring_has_args_and_returns(qual, fn):
    if qual in EXCEPTIONS:
        pytest.skip(EXCEPTIONS[qual])
    doc = inspect.getdoc(fn) or ""
    params = [p for p in _params(fn) if p not in UNDOCUMENTED_PARAMS]
    if params:
        args = _section(doc, "Args")
        assert args is not None, f"{qual}: no Args: section for {params}"
        missing = [p for p in params
                   if not re.search(rf"^\s*\**{re.escape(p)} ?\(", args,
                                    re.MULTILINE)]
        assert not missing, f"{qual}: Args: does not describe {missing}"
    assert _section(doc, "Returns") is not None, f"{qual}: no Returns: section"
