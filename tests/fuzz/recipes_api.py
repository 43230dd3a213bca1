"""Recipes for transforms, file I/O, global state, eval and constructors.

Calls that change process-wide state (memory limits, default device or
stream, compile switch, print options) restore it in a finally block, so
one snippet cannot change what the next one sees.
"""

from pools import CALLABLES, DTYPES, FILES, LIARS, OBJECTS, SCALARS
from recipes import Call, maybe, recipe

DIFFABLE = [c for c in CALLABLES if "x, y" not in c]
BINARY = [c for c in CALLABLES if "x, y" in c]
# Functions that return a scalar from an array, so that grad and friends work.
SCALAR_FNS = [
    "lambda x: mx.sum(mx.sin(x) * x)",
    "lambda x: mx.sum(x)",
    "lambda x: mx.sum(mx.sort(x))",
    "lambda x: mx.mean(x @ mx.swapaxes(x, -1, -2))",
    "lambda x: mx.sum(mx.maximum(x, 0))",
    "lambda x: mx.sum(mx.cumsum(x, axis=0) ** 2)",
    "lambda x: mx.logsumexp(x)",
]


def fn_and_inputs(g):
    """A function from the pool and the call that applies it."""
    x = g.float_arr() if g.chance(0.85) else g.arr()
    if g.chance(0.2):
        return g.pick(BINARY), [x, g.arr(g.shape, "float32")]
    return g.pick(SCALAR_FNS if g.chance(0.7) else DIFFABLE), [x]


@recipe("mx.grad", "mx.value_and_grad", "mx.checkpoint", "mx.compile", "mx.vmap")
def _transform(g, name):
    f, xs = fn_and_inputs(g)
    kw = {}
    if name in ("mx.grad", "mx.value_and_grad"):
        kw = maybe(
            g,
            {
                "argnums": (g.pick(["0", "[0]", "(0, 1)", "1", "-1", "[]"]), "axes"),
                "argnames": (g.pick(["'x'", "['x']", "[]"]), "any"),
            },
            0.3,
        )
    elif name == "mx.vmap":
        kw = maybe(
            g,
            {
                "in_axes": (
                    g.pick(["0", "-1", "None", "(0,)", "1", "[0]", "5"]),
                    "any",
                ),
                "out_axes": (g.pick(["0", "-1", "1", "(0,)", "None"]), "any"),
            },
            0.4,
        )
    elif name == "mx.compile":
        kw = maybe(g, {"shapeless": (g.pick(["True", "False"]), "bool")}, 0.4)
    then = ["fn = r", f"r = fn({', '.join(xs)})"]
    if name == "mx.compile" and g.chance(0.4):  # call again with new shapes
        then += [
            "ev(r)",
            f"r = fn({', '.join(g.float_arr(g.rand_shape()) for _ in xs)})",
        ]
    return Call(name, [(f, "callable")], kw, then)


@recipe("mx.vjp", "mx.jvp")
def _vjp(g, name):
    f, xs = fn_and_inputs(g)
    ct = g.pick([f"mx.ones_like({xs[0]})", "mx.array(1.0)", g.arr()])
    return Call(
        name,
        [
            (f, "callable"),
            ("[" + ", ".join(xs) + "]", "any"),
            ("[" + ", ".join([ct] * (1 if name == "mx.vjp" else len(xs))) + "]", "any"),
        ],
    )


@recipe("mx.custom_function")
def _custom(g, name):
    f, xs = fn_and_inputs(g)
    args = ", ".join(xs)
    lines = [f"cf = mx.custom_function({f})"]
    rule = g.pick(["", "vjp", "jvp", "vmap"])
    if rule == "vjp":
        lines.append(
            g.pick(
                [
                    "cf.vjp(lambda primals, cotangents, outputs: primals)",
                    "cf.vjp(lambda primals, cotangents, outputs: cotangents)",
                    "cf.vjp(lambda *a: None)",
                    "cf.vjp(5)",
                ]
            )
        )
    elif rule == "jvp":
        lines.append(
            g.pick(
                [
                    "cf.jvp(lambda primals, tangents: tangents)",
                    "cf.jvp(lambda *a: 1 / 0)",
                ]
            )
        )
    elif rule == "vmap":
        lines.append(
            g.pick(
                [
                    "cf.vmap(lambda inputs, axes: (inputs[0], axes[0]))",
                    "cf.vmap(lambda *a: a)",
                ]
            )
        )
    use = g.pick(
        [
            f"cf({args})",
            f"mx.grad(lambda *a: mx.sum(cf(*a)))({args})",
            f"mx.vmap(cf)({args})",
            f"mx.vjp(cf, [{args}], [mx.ones_like({xs[0]})])",
            f"mx.jvp(cf, [{args}], [mx.ones_like({xs[0]})])",
        ]
    )
    return lines + [f"r = {use}", "ev(r)"]


# --- files: everything is relative to the worker's temporary directory ---------
@recipe(
    "mx.save", "mx.savez", "mx.savez_compressed", "mx.save_safetensors", "mx.save_gguf"
)
def _save(g, name):
    ext = {
        "mx.save": "npy",
        "mx.savez": "npz",
        "mx.savez_compressed": "npz",
        "mx.save_safetensors": "safetensors",
        "mx.save_gguf": "gguf",
    }[name]
    file = g.pick([f"'w.{ext}'"] * 4 + FILES)
    x, y = g.arr(), g.arr(g.rand_shape(), g.rand_dtype())
    then = [f"ev(r)\nr = mx.load('w.{ext}')" if g.chance(0.7) else "ev(r)"]
    if name == "mx.save":
        return Call(name, [(file, "file"), x], {}, then)
    if name.startswith("mx.savez"):
        return Call(name, [(file, "file"), x], {"b": (y, "array")}, then)
    meta = g.pick(["None", "{'k': 'v'}", "{'k': 1}", "{}", "{'': ''}"])
    if name == "mx.save_gguf":
        meta = g.pick(
            ["{}", "{'k': 'v'}", f"{{'k': {x}}}", "{'k': ['a', 'b']}", "{'k': 1.5}"]
        )
    return Call(
        name,
        [
            (file, "file"),
            (
                g.pick(
                    [
                        f"{{'a': {x}, 'b': {y}}}",
                        f"{{'a': {x}}}",
                        "{}",
                        f"{{'': {x}}}",
                        f"{{1: {x}}}",
                    ]
                ),
                "any",
            ),
            (meta, "any"),
        ],
        {},
        then,
    )


@recipe("mx.load")
def _load(g, name):
    fmt = g.pick(["npy", "npz", "safetensors", "gguf"])
    saver = {
        "npy": "mx.save('l.npy', {})",
        "npz": "mx.savez('l.npz', a={})",
        "safetensors": "mx.save_safetensors('l.safetensors', {{'a': {}}})",
        "gguf": "mx.save_gguf('l.gguf', {{'a': {}}}, {{}})",
    }[fmt]
    if g.chance(0.8):
        g.lines.append(saver.format(g.arr_expr(g.rand_shape(), "float32")))
    file = f"'l.{fmt}'" if g.chance(0.8) else g.pick(FILES)
    return Call(
        name,
        [(file, "file")],
        maybe(
            g,
            {
                "format": (g.pick([f"'{fmt}'", "'npy'", "'gguf'", "'x'"]), "str"),
                "return_metadata": (g.pick(["True", "False"]), "bool"),
            },
            0.3,
        ),
    )


@recipe("mx.export_function", "mx.exporter", "mx.import_function", "mx.export_to_dot")
def _export(g, name):
    f, xs = fn_and_inputs(g)
    args = ", ".join(xs)
    if name == "mx.export_function":
        file = g.pick(["'e.mlxfn'"] * 3 + FILES)
        kw = maybe(
            g,
            {
                "shapeless": (g.pick(["True", "False"]), "bool"),
                "metadata": ("'m'", "str"),
            },
            0.3,
        )
        then = (
            [f"ev(r)\nr = mx.import_function({file})({args})"]
            if file.startswith("'")
            else []
        )
        return Call(
            name,
            [(file, "file"), (f, "callable")] + [(x, "array") for x in xs],
            kw,
            then,
        )
    if name == "mx.exporter":
        return [
            f"with mx.exporter('e.mlxfn', {f}) as ex:",
            f"    ex({args})",
            f"    ex({', '.join(g.float_arr(g.rand_shape()) for _ in xs)})",
            f"r = mx.import_function('e.mlxfn')({args})",
            "ev(r)",
        ]
    if name == "mx.import_function":
        g.lines.append(
            f"mx.export_function('i.mlxfn', lambda *a: [mx.sin(v) for v in a], {args})"
        )
        return Call(
            name, [(g.pick(["'i.mlxfn'"] * 6 + FILES), "file")], {}, [f"r = r({args})"]
        )
    return Call(
        name,
        [(g.pick(["'g.dot'", "io.StringIO()", "None", "'nodir/g.dot'"]), "file")]
        + [(g.var(f"mx.sin({x}) * 2 + mx.sum({x})"), "array") for x in xs],
    )


# --- process-wide state, restored ---------------------------------------------
LIMITS = [
    "0",
    "1",
    "2**20",
    "2**40",
    "2**63 - 1",
    "2**64",
    "-1",
    "-2**63",
    "None",
    "1.5",
]


@recipe("mx.set_memory_limit", "mx.set_cache_limit", "mx.set_wired_limit")
def _limits(g, name):
    x = g.float_arr()
    return [
        f"r = {name}({g.pick(LIMITS)})",
        "try:",
        f"    ev(mx.sum({x} * 2) + mx.ones((64, 64)) @ mx.ones((64, 64)))",
        "finally:",
        f"    {name}(r)",
        "ev(r)",
    ]


@recipe(
    "mx.set_default_device", "mx.set_default_stream", "mx.stream", "mx.StreamContext"
)
def _device(g, name):
    x = g.arr()
    target = g.pick(
        [
            "mx.cpu",
            "mx.gpu",
            "mx.Device(mx.cpu)",
            "mx.Device(mx.gpu, 3)",
            "mx.default_stream(mx.cpu)",
            "mx.new_stream(mx.cpu)",
            "'cpu'",
            "None",
            "0",
            "mx.new_thread_local_stream(mx.cpu)",
        ]
    )
    if name in ("mx.stream", "mx.StreamContext"):
        return [f"with {name}({target}):", f"    r = mx.abs({x}) + 1", "ev(r)"]
    getter = (
        "mx.default_device()"
        if name == "mx.set_default_device"
        else "mx.default_stream(mx.default_device())"
    )
    return [
        f"prev = {getter}",
        "try:",
        f"    {name}({target})",
        f"    r = mx.abs({x}) + 1",
        "    ev(r)",
        "finally:",
        f"    {name}(prev)",
    ]


@recipe(
    "mx.new_stream",
    "mx.new_thread_local_stream",
    "mx.new_thread_unsafe_stream",
    "mx.synchronize",
)
def _streams(g, name):
    dev = g.pick(
        [
            "mx.cpu",
            "mx.cpu",
            "mx.Device(mx.cpu)",
            "mx.gpu",
            "None",
            "'cpu'",
            "mx.Device(mx.cpu, 2)",
        ]
    )
    if name == "mx.synchronize":
        return Call(
            name,
            [
                (
                    g.pick(
                        ["None", "mx.cpu", "mx.default_stream(mx.cpu)", "mx.gpu", "3"]
                    ),
                    "stream",
                )
            ],
        )
    return Call(name, [(dev, "stream")], {}, [f"r = mx.add({g.arr()}, 1, stream=r)"])


@recipe("mx.disable_compile", "mx.enable_compile")
def _compile_switch(g, name):
    return [
        "try:",
        f"    {name}()",
        f"    r = mx.compile({g.pick(DIFFABLE)})({g.float_arr()})",
        "    ev(r)",
        "finally:",
        "    mx.enable_compile()",
    ]


@recipe("mx.set_printoptions", "mx.printoptions")
def _printoptions(g, name):
    p = g.pick(["0", "1", "3", "-1", "2**31", "-2**31", "2**63", "None", "1.5", "'x'"])
    x = g.arr()
    if name == "mx.printoptions":
        return [
            f"with mx.printoptions(precision={p}):",
            f"    r = repr({x}) + str({x})",
        ]
    return [
        "prev = mx.get_printoptions().precision",
        "try:",
        f"    mx.set_printoptions(precision={p})",
        f"    r = repr({x})",
        "finally:",
        "    mx.set_printoptions(precision=prev)",
    ]


@recipe("mx.eval", "mx.async_eval", "mx.depends", "mx.get_array_buffer_size")
def _eval(g, name):
    items = []
    for _ in range(g.randint(0, 3)):
        x = g.arr(g.rand_shape(), g.rand_dtype())
        items.append(
            g.pick(
                [
                    x,
                    x,
                    f"[{x}, ({x},)]",
                    f"{{'k': {x}}}",
                    f"{x} + 1",
                    "None",
                    "3",
                    g.hostile() if g.chance(0.3) else x,
                ]
            )
        )
    if name == "mx.depends":
        return Call(
            name,
            [
                (items[0] if items else "[]", "any"),
                ("[" + ", ".join(items[1:]) + "]", "any"),
            ],
        )
    return Call(
        name,
        [(i, "any") for i in items],
        {},
        [
            "ev(r)\nev([" + ", ".join(items) + "])"
            if name == "mx.async_eval"
            else "ev(r)"
        ],
    )


# --- constructors and dtypes ------------------------------------------------------
NUMPY_VALUES = [
    "np.arange(6, dtype=np.float32).reshape(2, 3)[:, ::-1]",
    "np.zeros((0, 2), dtype=np.float16)",
    "np.array([2**64 - 1, 0], dtype=np.uint64)",
    "np.array(3.0)",
    "np.array([True, False])",
    "np.array(['a'])",
    "np.array([1, 'a'], dtype=object)",
    "np.zeros(3, dtype=np.longdouble)",
    "np.zeros(2, dtype=np.complex128)",
    "np.ones((2, 2), dtype=np.float32).T",
    "np.array(['2020-01-01'], dtype='datetime64[D]')",
    "np.arange(24).reshape(2, 3, 4)[:, ::2, 1:]",
    "np.broadcast_to(np.arange(3), (4, 3))",
    "np.ones(4, dtype=np.int8)[::-2]",
    "np.array([1.5, np.nan], dtype=np.float64)",
    "np.zeros((2,), dtype=[('a', 'i4')])",
    "np.ones(8, dtype=np.uint8).view(np.float16)",
    "np.float16(1.5)",
    "np.uint64(2**64 - 1)",
]
PY_VALUES = [
    "[1, 2, 3]",
    "[[1, 2], [3, 4]]",
    "[[1, 2], [3]]",
    "[1, 2.5, True]",
    "[1, 1j]",
    "[]",
    "[[]]",
    "[[], []]",
    "(1, (2, 3))",
    "[mx.array(1), mx.array(2)]",
    "[mx.array([1]), 2]",
    "[2**63, 1]",
    "[-2**63 - 1]",
    "2**64",
    "3.5",
    "True",
    "1j",
    "[None]",
    "'abc'",
    "b'ab'",
    "[[1], [[2]]]",
    "[mx.array([1, 2]), mx.array([[1, 2]])]",
    "[np.float32(1), 2]",
    "range(4)",
]


@recipe("mx.array", "mx.asarray", "mx.from_dlpack")
def _array(g, name):
    pool = [g.arr_expr(g.rand_shape(), g.rand_dtype())] * 3 + NUMPY_VALUES + PY_VALUES
    val = g.pick(pool) if g.chance(0.85) else g.hostile()
    kw = {}
    if name != "mx.from_dlpack":
        kw = maybe(g, {"dtype": ("mx." + g.pick(DTYPES), "dtype")}, 0.5)
    if name != "mx.array":
        kw.update(maybe(g, {"copy": (g.pick(["True", "False", "None"]), "bool")}, 0.3))
    return Call(name, [(val, "any")], kw)


DTYPE_ARGS = ["mx." + d for d in DTYPES] + [
    "mx.floating",
    "mx.integer",
    "mx.number",
    "mx.generic",
    "mx.signedinteger",
    "mx.complexfloating",
    "mx.inexact",
]


@recipe(
    "mx.can_cast",
    "mx.issubdtype",
    "mx.isdtype",
    "mx.result_type",
    "mx.finfo",
    "mx.iinfo",
)
def _dtypes(g, name):
    def one():
        return (
            g.pick(DTYPE_ARGS)
            if g.chance(0.85)
            else g.pick(["'float32'", "np.float32", "3", "None", "'integral'", g.arr()])
        )

    if name == "mx.isdtype":
        kind = g.pick(
            [
                "'bool'",
                "'signed integer'",
                "'unsigned integer'",
                "'integral'",
                "'real floating'",
                "'complex floating'",
                "'numeric'",
                "'bogus'",
                "('integral', mx.float32)",
                one(),
            ]
        )
        return Call(name, [(one(), "dtype"), (kind, "any")])
    if name == "mx.result_type":
        return Call(
            name, [(g.pick([one(), g.arr()]), "any") for _ in range(g.randint(0, 3))]
        )
    if name in ("mx.finfo", "mx.iinfo"):
        kinds = (
            ["float16", "bfloat16", "float32", "float64", "complex64"]
            if name == "mx.finfo"
            else [
                "int8",
                "int16",
                "int32",
                "int64",
                "uint8",
                "uint16",
                "uint32",
                "uint64",
            ]
        )
        dt = "mx." + g.pick(kinds) if g.chance(0.8) else one()
        return Call(name, [(dt, "dtype")], {}, ["r = (r.min, r.max, r.dtype, repr(r))"])
    return Call(name, [(one(), "dtype"), (one(), "dtype")])


@recipe("mx.Device", "mx.ArrayLike", "mx.PrintOptions")
def _classes(g, name):
    if name == "mx.Device":
        return Call(
            name,
            [(g.pick(["mx.cpu", "mx.gpu", "0", "'cpu'"]), "any")],
            maybe(g, {"index": (g.pick(["0", "1", "-1", "2**31", "2**64"]), "int")}),
            ["r = repr(r)"],
        )
    if name == "mx.PrintOptions":
        return Call(
            name,
            [(g.pick(["3", "-1", "2**40", "None"]), "int")],
            {},
            ["r = r.precision"],
        )
    return Call(
        name,
        [(g.pick(OBJECTS + SCALARS + LIARS + [g.arr()]), "any")],
        {},
        ["r = mx.array(r)"],
    )
