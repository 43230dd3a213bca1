"""Hand-written valid calls for functions whose arguments must fit together.

A generic call draws each argument on its own, so a matmul would almost
never get matching inner dimensions and its kernel would never run. A
recipe draws shapes that fit (with the usual chance of odd dtypes, views
and sizes); the generic mutator in snippets.py then breaks some of them.

A recipe returns a Call (a function call whose arguments get mutated) or
a list of statements (no mutation; the statements end with ev(...)).
"""

import math

from pools import DTYPES, FLOATS

RECIPES = {}


class Call:
    """fn(*args, **kwargs); each argument is (source, kind) so that the
    mutator knows what a hostile replacement of that argument looks like."""

    def __init__(self, fn, args=(), kwargs=None, then=()):
        self.fn = fn
        self.args = [a if isinstance(a, tuple) else (str(a), "any") for a in args]
        self.kwargs = {
            k: v if isinstance(v, tuple) else (str(v), "any")
            for k, v in (kwargs or {}).items()
        }
        self.then = list(then)


def recipe(*names):
    def register(fn):
        for name in names:
            RECIPES[name] = fn
        return fn

    return register


def maybe(g, kwargs, p=0.5):
    """Keep each optional keyword with probability p (defaults get used too)."""
    return {k: v for k, v in kwargs.items() if g.chance(p)}


def tup(g, nd, lo, hi, as_int_ok=True):
    vals = [g.randint(lo, hi) for _ in range(nd)]
    if as_int_ok and (nd == 1 or g.chance(0.3)):
        return (str(vals[0]), "int")
    return (str(tuple(vals)), "shape")


# --- linear algebra on matrices ---------------------------------------------
@recipe(
    "mx.matmul",
    "mx.inner",
    "mx.outer",
    "mx.kron",
    "mx.vecdot",
    "mx.tensordot",
    "mx.addmm",
    "mx.block_masked_mm",
    "mx.segmented_mm",
    "mx.gather_mm",
)
def _matmul(g, name):
    m, k, n = (
        g.pick([0, 1, 2, 3, 4, 5, 8]) if g.chance(0.1) else g.randint(1, 5)
        for _ in range(3)
    )
    batch = g.pick([(), (), (2,), (1, 3), (2, 1)])
    dt = g.pick(["float32"] * 4 + DTYPES)
    if name in ("mx.inner", "mx.vecdot"):
        return Call(name, [g.arr(batch + (k,), dt), g.arr((k,), dt)])
    if name in ("mx.outer", "mx.kron"):
        return Call(
            name, [g.arr(g.rand_shape(2, 12), dt), g.arr(g.rand_shape(2, 12), dt)]
        )
    if name == "mx.block_masked_mm":
        bs = g.pick([32, 64])
        a, b = g.arr((bs, bs), dt), g.arr((bs, bs), dt)
        masks = {
            "mask_out": g.arr((1, 1), "bool_"),
            "mask_lhs": g.arr((1, 1), "bool_"),
            "mask_rhs": g.arr((1, 1), "bool_"),
        }
        return Call(name, [a, b, (str(bs), "int")], maybe(g, masks))
    a = g.arr(batch + (m, k), dt)
    b = g.arr(batch[-1:] + (k, n) if g.chance(0.8) else (k,), dt)
    if name == "mx.tensordot":
        axes = g.pick(["1", "[[-1], [-2]]", "0", "[[1], [0]]", "2"])
        return Call(name, [a, b], {"axes": (axes, "axes")})
    if name == "mx.addmm":
        c = g.arr((m, n) if g.chance(0.7) else (n,), dt)
        return Call(
            name,
            [c, a, b],
            maybe(g, {"alpha": ("0.5", "float"), "beta": ("2.0", "float")}),
        )
    if name == "mx.segmented_mm":
        a, b = g.arr((m, k), dt), g.arr((k, n), dt)
        seg = g.var(
            g.pick(
                [
                    f"mx.array([[0, {k}]], dtype=mx.uint32)",
                    f"mx.array([[0, 1], [1, {k}]], dtype=mx.uint32)",
                    f"mx.array([[0, {k + 3}]], dtype=mx.uint32)",
                ]
            )
        )
        return Call(name, [a, b, (seg, "array")])
    if name == "mx.gather_mm":
        a, b = g.arr((2, m, k), dt), g.arr((3, k, n), dt)
        lhs = g.var("mx.array([1, 0, 1], dtype=mx.uint32)")
        rhs = g.var(
            "mx.array([2, 0, 1], dtype=mx.uint32)"
            if g.chance(0.85)
            else "mx.array([0, 5, 1], dtype=mx.uint32)"
        )
        return Call(
            name,
            [a, b],
            maybe(
                g,
                {
                    "lhs_indices": (lhs, "array"),
                    "rhs_indices": (rhs, "array"),
                    "sorted_indices": ("True", "bool"),
                },
                0.7,
            ),
        )
    return Call(name, [a, b])


@recipe("mx.einsum", "mx.einsum_path")
def _einsum(g, name):
    m, k, n = (g.randint(0 if g.chance(0.1) else 1, 4) for _ in range(3))
    sub, shapes = g.pick(
        [
            ("'ij,jk->ik'", [(m, k), (k, n)]),
            ("'ii->i'", [(m, m)]),
            ("'ii'", [(m, m)]),
            ("'i,i->'", [(k,), (k,)]),
            ("'bij,bjk->bik'", [(2, m, k), (2, k, n)]),
            ("'...i,...i->...'", [(2, k), (k,)]),
            ("'ij->ji'", [(m, n)]),
            ("'i,j->ij'", [(m,), (n,)]),
            ("'ijk,kl,lm->im'", [(m, k, n), (n, k), (k, 2)]),
            ("'ij,ij->'", [(m, n), (m, n)]),
            ("'iij->j'", [(m, m, n)]),
        ]
    )
    if g.chance(0.1):
        sub = g.pick(
            [
                "'ij,jk'",
                "'->'",
                "'i->ii'",
                "'i,i,i,i->'",
                "'ab...cd'",
                "'...'",
                "'Ä,Ä'",
                "'ij,jk->ikk'",
                "'i' * 100",
            ]
        )
    dt = g.pick(["float32"] * 3 + DTYPES)
    return Call(name, [(sub, "str")] + [(g.arr(s, dt), "array") for s in shapes])


# --- convolutions -------------------------------------------------------------
@recipe(
    "mx.conv1d",
    "mx.conv2d",
    "mx.conv3d",
    "mx.conv_general",
    "mx.conv_transpose1d",
    "mx.conv_transpose2d",
    "mx.conv_transpose3d",
)
def _conv(g, name):
    nd = int(name[-2]) if name[-2] in "123" else g.randint(1, 3)
    groups = g.pick([1, 1, 1, 2, 3])
    cin, cout = groups * g.randint(1, 2), groups * g.randint(1, 2)
    spatial = tuple(g.randint(0 if g.chance(0.05) else 1, 5) for _ in range(nd))
    ks = tuple(g.randint(1, 3) for _ in range(nd))
    dt = g.pick(["float32"] * 4 + FLOATS + ["int32"])
    x = g.arr((g.randint(1, 2),) + spatial + (cin,), dt)
    w = g.arr((cout,) + ks + (cin // groups,), dt)
    fixed = name[-2] in "123"
    kw = {
        "stride": tup(g, nd, 1, 3, fixed),
        "padding": tup(g, nd, 0, 2, fixed),
        ("kernel_dilation" if "general" in name else "dilation"): tup(
            g, nd, 1, 2, fixed
        ),
        "groups": (str(groups), "int"),
    }
    if "transpose" in name:
        kw["output_padding"] = tup(g, nd, 0, 1, fixed)
    if "general" in name:
        kw.update(
            input_dilation=tup(g, nd, 1, 2, fixed),
            flip=(g.pick(["True", "False"]), "bool"),
        )
    kw = maybe(g, kw)
    if groups > 1:
        kw["groups"] = (str(groups), "int")
    return Call(name, [x, w], kw)


@recipe("mx.convolve")
def _convolve(g, name):
    dt = g.pick(["float32", "float32", "int32", "float16", "complex64"])
    a = g.arr((g.randint(0, 8),), dt)
    v = g.arr((g.randint(0, 5),), dt)
    return Call(
        name,
        [a, v],
        maybe(g, {"mode": (g.pick(["'full'", "'same'", "'valid'"]), "str")}),
    )


# --- quantization ---------------------------------------------------------------
QMODES = [
    ("'affine'", 32, 4),
    ("'affine'", 64, 2),
    ("'affine'", 32, 8),
    ("'affine'", 64, 3),
    ("'affine'", 32, 5),
    ("'affine'", 32, 6),
    ("'affine'", 128, 4),
    ("'mxfp4'", 32, 4),
    ("'mxfp8'", 32, 8),
    ("'nvfp4'", 16, 4),
]


def quantized(g, shape):
    """Setup lines that quantize a float matrix; returns the parts and params."""
    mode, gs, bits = g.pick(QMODES)
    dt = "mx." + g.pick(["float32", "float32", "float16", "bfloat16"])
    w = g.arr(shape[:-1] + (shape[-1] * gs,), dt[3:])
    q = g.var(
        f"mx.quantize({w}, group_size={gs}, bits={bits}, mode={mode})", prefix="q"
    )
    biases = g.var(f"{q}[2] if len({q}) > 2 else None", prefix="q")
    kw = {
        "group_size": (str(gs), "int"),
        "bits": (str(bits), "int"),
        "mode": (mode, "str"),
    }
    return f"{q}[0]", f"{q}[1]", biases, kw, dt


@recipe(
    "mx.quantize",
    "mx.dequantize",
    "mx.quantized_matmul",
    "mx.gather_qmm",
    "mx.qqmm",
    "mx.gather_qqmm",
)
def _quant(g, name):
    rows, groups = g.randint(1, 4), g.randint(1, 2)
    if name == "mx.quantize":
        mode, gs, bits = g.pick(QMODES)
        w = g.float_arr((rows, gs * groups) if g.chance(0.9) else g.shape)
        return Call(
            name,
            [w],
            maybe(
                g,
                {
                    "group_size": (str(gs), "int"),
                    "bits": (str(bits), "int"),
                    "mode": (mode, "str"),
                },
                0.8,
            ),
        )
    if name in ("mx.qqmm", "mx.gather_qqmm"):
        x, w = g.float_arr((2, 32 * groups)), g.float_arr((rows, 32 * groups))
        return Call(
            name,
            [x, w],
            maybe(g, {"mode": (g.pick(["'nvfp4'", "'mxfp8'", "'affine'"]), "str")}),
        )
    batch = (2,) if name == "mx.gather_qmm" else ()
    wq, scales, biases, kw, dt = quantized(g, batch + (rows, groups))
    if name == "mx.dequantize":
        return Call(
            name,
            [(wq, "array")],
            dict(scales=(scales, "array"), biases=(biases, "array"), **kw),
        )
    transpose = g.chance(0.8)
    k = int(kw["group_size"][0]) * groups
    xshape = (1,) * len(batch) + (g.randint(1, 3), k if transpose else rows)
    x = g.var(f"mx.ones({xshape}, dtype={dt}) * 0.5")
    kw["transpose"] = ("True" if transpose else "False", "bool")
    if name == "mx.gather_qmm":
        kw["lhs_indices"] = (g.var("mx.array([0, 0, 0], dtype=mx.uint32)"), "array")
        kw["rhs_indices"] = (
            g.var(
                "mx.array([1, 0, 1], dtype=mx.uint32)"
                if g.chance(0.85)
                else "mx.array([7, 0, 1], dtype=mx.uint32)"
            ),
            "array",
        )
    return Call(
        name,
        [(x, "array"), (wq, "array"), (scales, "array")],
        dict(biases=(biases, "array"), **kw),
    )


# --- indexing-like ops ----------------------------------------------------------
def int_indices(g, shape, bound):
    """An integer index array of this shape, mostly within [-bound, bound)."""
    dt = g.pick(["int32", "int32", "uint32", "int64", "int8", "uint8"])
    lo = 0 if dt.startswith("u") else -bound
    vals = iter(
        [
            str(g.randint(lo, max(bound - 1, 0)))
            if bound and not g.chance(0.04)
            else g.pick(["127", str(bound), "7"])
            for _ in range(max(1, math.prod(shape)))
        ]
    )

    def nest(dims):
        return (
            next(vals)
            if not dims
            else "[" + ", ".join(nest(dims[1:]) for _ in range(dims[0])) + "]"
        )

    if 0 in shape:
        return g.var(f"mx.zeros({tuple(shape)}, dtype=mx.{dt})", prefix="i")
    return g.var(f"mx.array({nest(tuple(shape))}, dtype=mx.{dt})", prefix="i")


def axis_for(g, nd):
    return str(g.randint(-nd, nd - 1)) if nd else "0"


@recipe("mx.take", "mx.take_along_axis", "mx.put_along_axis")
def _take(g, name):
    s = g.shape or (3,)
    x = g.arr(s)
    ax = g.randint(-len(s), len(s) - 1)
    if name == "mx.take":
        if g.chance(0.3):
            return Call(
                name,
                [x, (str(g.randint(-4, 4)), "int")],
                maybe(g, {"axis": (str(ax), "axis")}),
            )
        idx = int_indices(g, g.rand_shape(2, 6), s[ax])
        return Call(
            name, [x, (idx, "array")], maybe(g, {"axis": (str(ax), "axis")}, 0.7)
        )
    ishape = tuple(d if i != ax % len(s) else g.randint(0, 3) for i, d in enumerate(s))
    idx = int_indices(g, ishape, s[ax])
    if name == "mx.take_along_axis":
        return Call(name, [x, (idx, "array")], {"axis": (str(ax), "axis")})
    vals = g.arr(ishape if g.chance(0.7) else (), g.dtype)
    return Call(name, [x, (idx, "array"), (vals, "array")], {"axis": (str(ax), "axis")})


@recipe("mx.slice", "mx.slice_update")
def _slice(g, name):
    s = g.shape or (3,)
    x = g.arr(s)
    axes = sorted(g.rng.sample(range(len(s)), g.randint(1, len(s))))
    starts = g.var(f"mx.array({[g.randint(0, s[a]) for a in axes]})")
    sizes = [g.randint(0, s[a]) for a in axes]
    if name == "mx.slice":
        return Call(
            name, [x, (starts, "array"), (str(axes), "axes"), (str(sizes), "shape")]
        )
    ushape = list(s)
    for a, z in zip(axes, sizes):
        ushape[a] = z
    return Call(name, [x, g.arr(tuple(ushape)), (starts, "array"), (str(axes), "axes")])


@recipe("mx.searchsorted")
def _searchsorted(g, name):
    dt = g.pick(["float32", "int32", "float16", "uint8", "int64"])
    seq = g.var(f"mx.sort({g.arr_expr((g.randint(1, 8),), dt)})")
    return Call(
        name,
        [(seq, "array"), g.arr(g.rand_shape(2, 8), dt)],
        maybe(g, {"side": (g.pick(["'left'", "'right'"]), "str")}),
    )


@recipe("mx.pad")
def _pad(g, name):
    x, nd = g.arr(), len(g.shape)
    pw = g.pick(
        [
            str(g.randint(0, 3)),
            f"({g.randint(0, 2)}, {g.randint(0, 2)})",
            str([(g.randint(0, 2), g.randint(0, 2)) for _ in range(nd)]),
            str([(g.randint(0, 2),) for _ in range(nd)]),
        ]
    )
    mode = g.pick(["'constant'", "'edge'", "'reflect'", "'symmetric'"])
    return Call(
        name,
        [x, (pw, "shape")],
        maybe(g, {"mode": (mode, "str"), "constant_values": ("2", "any")}),
    )


@recipe("mx.as_strided")
def _as_strided(g, name):
    n = g.randint(1, 12)
    x = g.arr((n,))
    rows = g.randint(1, 3)
    cols = max(1, (n - 1) // rows)
    shape, strides = (rows, cols), (cols, 1) if g.chance(0.5) else (0, 1)
    return Call(
        name,
        [x],
        maybe(
            g,
            {
                "shape": (str(shape), "shape"),
                "strides": (str(strides), "shape"),
                "offset": (str(g.randint(0, 1)), "int"),
            },
            0.8,
        ),
    )


@recipe(
    "mx.reshape",
    "mx.broadcast_to",
    "mx.unflatten",
    "mx.tile",
    "mx.repeat",
    "mx.split",
    "mx.unstack",
    "mx.roll",
    "mx.expand_dims",
    "mx.squeeze",
    "mx.moveaxis",
    "mx.swapaxes",
    "mx.transpose",
    "mx.permute_dims",
    "mx.flatten",
    "mx.diagonal",
    "mx.trace",
    "mx.diag",
    "mx.tril",
    "mx.triu",
    "mx.topk",
    "mx.partition",
    "mx.argpartition",
    "mx.unique",
    "mx.broadcast_shapes",
)
def _shape_ops(g, name):
    s = g.shape
    nd, size = len(s), 1
    for d in s:
        size *= d
    x = g.arr(s)
    ax = ("None" if not nd else axis_for(g, nd), "axis")
    if name == "mx.reshape":
        alt = g.pick([(size,), (-1,), (1, size), (size, 1, 1), s[::-1]])
        return Call(name, [x, (str(alt), "shape")])
    if name == "mx.broadcast_to":
        return Call(
            name,
            [
                x,
                (
                    str(
                        (g.randint(1, 3),) + tuple(d if g.chance(0.8) else 1 for d in s)
                    ),
                    "shape",
                ),
            ],
        )
    if name == "mx.unflatten":
        return Call(name, [x, ax, (str(g.pick([(-1, 1), (1, -1), (1,)])), "shape")])
    if name == "mx.broadcast_shapes":
        return Call(
            name, [(str(g.related_shape()), "shape") for _ in range(g.randint(1, 3))]
        )
    if name == "mx.roll":
        shift = g.pick(
            [str(g.randint(-3, 3)), f"({g.randint(-3, 3)}, {g.randint(-3, 3)})"]
        )
        axis = g.pick(["None", ax[0], "(0, -1)"])
        return Call(
            name,
            [x, (shift, "shape"), (axis, "axes")]
            if g.chance(0.7)
            else [x, (shift, "shape")],
        )
    if name == "mx.tile":
        return Call(
            name, [x, (g.pick(["2", "(1, 2)", "(2, 1, 1)", "0", "()"]), "shape")]
        )
    if name == "mx.repeat":
        return Call(name, [x, (str(g.randint(0, 3)), "int")], maybe(g, {"axis": ax}))
    if name == "mx.split":
        return Call(
            name,
            [x, (g.pick(["2", "1", "[1]", "[0, 1, 1]", "3"]), "shape")],
            maybe(g, {"axis": ax}),
        )
    if name in ("mx.moveaxis", "mx.swapaxes"):
        return Call(name, [x, (axis_for(g, nd), "axis"), (axis_for(g, nd), "axis")])
    if name in ("mx.transpose", "mx.permute_dims"):
        perm = list(range(nd))
        g.rng.shuffle(perm)
        return Call(name, [x], maybe(g, {"axes": (str(perm), "axes")}, 0.7))
    if name in ("mx.diagonal", "mx.trace"):
        return Call(
            name,
            [x],
            maybe(
                g,
                {
                    "offset": (str(g.randint(-2, 2)), "int"),
                    "axis1": (axis_for(g, nd), "axis"),
                    "axis2": (axis_for(g, nd), "axis"),
                },
            ),
        )
    if name in ("mx.diag", "mx.tril", "mx.triu"):
        return Call(name, [x], maybe(g, {"k": (str(g.randint(-2, 2)), "int")}))
    if name in ("mx.topk", "mx.partition", "mx.argpartition"):
        d = s[int(ax[0])] if nd else 1
        return Call(
            name,
            [
                x,
                (
                    str(
                        g.randint(0, d)
                        if name == "mx.topk"
                        else g.randint(-d, max(d - 1, 0))
                    ),
                    "int",
                ),
            ],
            {"axis": ax},
        )
    if name == "mx.unique":
        flags = {
            f: (g.pick(["True", "False"]), "bool")
            for f in ("return_index", "return_inverse", "return_counts")
        }
        return Call(
            name,
            [x, (str(g.randint(0, size + 2)), "int")],
            maybe(g, dict(flags, fill_value=("0", "any"))),
        )
    if name == "mx.unstack":
        return Call(name, [x], maybe(g, {"axis": ax}))
    return Call(
        name,
        [x],
        maybe(
            g,
            {"axis": ax}
            if name != "mx.flatten"
            else {"start_axis": ax, "end_axis": (axis_for(g, nd), "axis")},
        ),
    )


@recipe(
    "mx.concatenate",
    "mx.concat",
    "mx.stack",
    "mx.broadcast_arrays",
    "mx.meshgrid",
    "mx.atleast_1d",
    "mx.atleast_2d",
    "mx.atleast_3d",
)
def _many(g, name):
    n = g.randint(0 if g.chance(0.1) else 1, 3)
    arrs = [
        g.arr(g.related_shape(), g.dtype if g.chance(0.8) else g.rand_dtype())
        for _ in range(n)
    ]
    if name in ("mx.concatenate", "mx.concat", "mx.stack"):
        return Call(
            name,
            [("[" + ", ".join(arrs) + "]", "any")],
            maybe(g, {"axis": (axis_for(g, len(g.shape)), "axis")}),
        )
    if name == "mx.meshgrid":
        arrs = [g.arr((g.randint(0, 4),)) for _ in range(n)]
        return Call(
            name,
            [(a, "array") for a in arrs],
            maybe(
                g,
                {
                    "sparse": ("True", "bool"),
                    "indexing": (g.pick(["'xy'", "'ij'"]), "str"),
                },
            ),
        )
    return Call(name, [(a, "array") for a in arrs])


@recipe("mx.where", "mx.clip")
def _ternary(g, name):
    x = g.arr(g.related_shape())
    if name == "mx.where":
        return Call(
            name, [g.arr(g.related_shape(), "bool_"), x, g.arr(g.related_shape())]
        )
    lo = g.pick(["None", "0", "-1.5", g.arr(g.related_shape())])
    hi = g.pick(["None", "1", "2.5", g.arr(g.related_shape())])
    return Call(name, [x, (lo, "any"), (hi, "any")])


@recipe("mx.hadamard_transform")
def _hadamard(g, name):
    n = g.pick([1, 2, 4, 8, 16, 12, 20, 28, 3, 0])
    return Call(
        name, [g.float_arr((g.randint(1, 3), n))], maybe(g, {"scale": ("0.5", "float")})
    )


# --- linalg ---------------------------------------------------------------------
SQUARE = {
    "inv",
    "det",
    "slogdet",
    "eig",
    "eigvals",
    "eigh",
    "eigvalsh",
    "lu",
    "lu_factor",
    "cholesky",
    "cholesky_inv",
    "tri_inv",
}


@recipe(
    *[
        f"mx.linalg.{n}"
        for n in SQUARE
        | {"pinv", "svd", "qr", "solve", "solve_triangular", "cross", "norm"}
    ],
    "mx.matrix_norm",
)
def _linalg(g, name):
    op = name.rsplit(".", 1)[1]
    n = g.pick([0, 1, 2, 2, 3, 3, 4, 5])
    m = (
        n
        if op in SQUARE | {"solve", "solve_triangular"} or g.chance(0.6)
        else g.randint(1, 5)
    )
    batch = g.pick([(), (), (), (2,), (1, 2)])
    dt = g.pick(["float32"] * 6 + ["float64", "complex64", "float16", "int32"])
    a = g.arr(batch + (n, m), dt)
    if op in ("cholesky", "cholesky_inv") and dt != "int32" and g.chance(0.7):
        a = g.var(
            f"{a} @ mx.swapaxes({a}, -1, -2) + {n} * mx.eye({n}, dtype={a}.dtype)"
        )
    if op in ("tri_inv", "solve_triangular") and g.chance(0.7):
        a = g.var(f"mx.tril({a}) + 3 * mx.eye({n}, dtype={a}.dtype)")
    if op == "cross":
        s = g.related_shape()[:-1] + (3,)
        return Call(
            name, [g.arr(s, dt), g.arr(s, dt)], maybe(g, {"axis": ("-1", "axis")})
        )
    if op == "norm" or op == "matrix_norm":
        ords = [
            "None",
            "1",
            "2",
            "-1",
            "-2",
            "math.inf",
            "-math.inf",
            "'fro'",
            "'nuc'",
            "0",
            "3",
            "0.5",
        ]
        axes = ["None", "-1", "[0, 1]", "[-2, -1]", "(1, 0)", "0"]
        return Call(
            name,
            [a],
            maybe(
                g,
                {
                    "ord": (g.pick(ords), "any"),
                    "axis": (g.pick(axes), "axes"),
                    "keepdims": ("True", "bool"),
                },
            ),
        )
    if op in ("solve", "solve_triangular"):
        b = g.arr(g.pick([batch + (n,), batch + (n, g.randint(1, 3)), (n,)]), dt)
        kw = {"upper": ("True", "bool")} if op == "solve_triangular" else {}
        return Call(name, [(a, "array"), b], maybe(g, kw))
    kw = (
        {"upper": ("True", "bool")}
        if op in ("cholesky", "cholesky_inv", "tri_inv")
        else {}
    )
    if op in ("eigh", "eigvalsh"):
        kw = {"UPLO": (g.pick(["'L'", "'U'"]), "str")}
    if op == "svd":
        kw = {"compute_uv": (g.pick(["True", "False"]), "bool")}
    return Call(name, [(a, "array")], maybe(g, kw))


# --- fft --------------------------------------------------------------------------
@recipe("mx.fft.stft", "mx.fft.istft")
def _stft(g, name):
    nfft = g.pick([2, 4, 8, 16])
    x = g.float_arr((g.randint(nfft, 40),))
    kw = {
        "n_fft": (str(nfft), "int"),
        "hop_length": (g.pick(["None", "1", str(max(1, nfft // 4))]), "int"),
        "win_length": (g.pick(["None", str(nfft)]), "int"),
        "window": (
            g.pick(["None", f"mx.hanning({nfft})", f"mx.ones({nfft})"]),
            "array",
        ),
        "center": (g.pick(["True", "False"]), "bool"),
        "norm": (g.pick(["'backward'", "'ortho'"]), "str"),
        "onesided": (g.pick(["None", "True", "False"]), "bool"),
    }
    if name == "mx.fft.stft":
        return Call(
            name,
            [x],
            dict(
                maybe(g, kw),
                n_fft=kw["n_fft"],
                **maybe(g, {"pad_mode": (g.pick(["'reflect'", "'constant'"]), "str")}),
            ),
        )
    spec = g.var(f"mx.fft.stft({x}, n_fft={nfft})", prefix="s")
    return Call(
        name,
        [(spec, "array")],
        dict(
            maybe(g, kw),
            n_fft=kw["n_fft"],
            **maybe(g, {"length": (str(g.randint(1, 40)), "int")}),
        ),
    )


# --- fast -----------------------------------------------------------------------
@recipe(
    "mx.fast.rms_norm",
    "mx.fast.layer_norm",
    "mx.fast.rope",
    "mx.fast.scaled_dot_product_attention",
    "mx.fast.cross_entropy",
    "mx.fast.gated_delta_update",
)
def _fast(g, name):
    dt = g.pick(["float32"] * 3 + ["float16", "bfloat16"])
    b, t, d = (
        g.randint(1, 2),
        g.randint(1 if g.chance(0.95) else 0, 5),
        g.pick([2, 4, 6, 8, 16]),
    )
    if name == "mx.fast.rms_norm":
        return Call(
            name,
            [
                g.arr((b, t, d), dt),
                (g.pick([g.arr((d,), dt), "None"]), "array"),
                ("1e-5", "float"),
            ],
        )
    if name == "mx.fast.layer_norm":
        return Call(
            name,
            [
                g.arr((b, t, d), dt),
                (g.pick([g.arr((d,), dt), "None"]), "array"),
                (g.pick([g.arr((d,), dt), "None"]), "array"),
                ("1e-5", "float"),
            ],
        )
    if name == "mx.fast.rope":
        dims = g.pick([d, d, 2, d // 2 * 2 or 2])
        freqs = g.chance(0.2)
        kw = {
            "traditional": (g.pick(["True", "False"]), "bool"),
            "base": ("None" if freqs else "10000.0", "float"),
            "scale": ("1.0", "float"),
            "offset": (
                g.pick(["0", "3", g.var(f"mx.array({g.randint(0, 5)})")]),
                "int",
            ),
        }
        if freqs:
            kw["freqs"] = (g.arr((dims // 2,), "float32"), "array")
        return Call(
            name, [g.arr((b, g.randint(1, 2), t, d), dt), (str(dims), "int")], kw
        )
    if name == "mx.fast.scaled_dot_product_attention":
        hk = g.pick([1, 2])
        hq, s = hk * g.pick([1, 2]), g.randint(1, 5)
        q, k, v = (
            g.arr((b, hq, t, d), dt),
            g.arr((b, hk, s, d), dt),
            g.arr((b, hk, s, d), dt),
        )
        mask = g.pick(
            ["None", "'causal'", g.arr((t, s), "bool_"), g.arr((b, hq, t, s), dt)]
        )
        kw = {"scale": (str(d**-0.5), "float"), "mask": (mask, "any")}
        if g.chance(0.2):
            kw["sinks"] = (g.arr((hq,), dt), "array")
        return Call(name, [q, k, v], kw)
    if name == "mx.fast.cross_entropy":
        c = g.randint(1, 6)
        tg = int_indices(g, (b * t,), c)
        return Call(name, [g.arr((b * t, c), dt), (tg, "array")])
    hk, dk, dv = g.randint(1, 2), g.pick([2, 4]), g.pick([2, 4])
    hv = hk * g.randint(1, 2)
    args = [
        g.arr((b, t, hk, dk), dt),
        g.arr((b, t, hk, dk), dt),
        g.arr((b, t, hv, dv), dt),
        g.arr((b, t, hv), dt),
        g.arr((b, t, hv), dt),
    ]
    return Call(
        name,
        args,
        maybe(
            g,
            {
                "initial_state": (g.arr((b, hv, dv, dk), dt), "array"),
                "mask": (g.arr((b, t), "bool_"), "array"),
            },
        ),
    )


# --- random -----------------------------------------------------------------------
@recipe(
    "mx.random.multivariate_normal", "mx.random.categorical", "mx.random.permutation"
)
def _random(g, name):
    if name == "mx.random.multivariate_normal":
        n = g.randint(1, 4)
        cov = g.var(
            f"mx.eye({n}) * 2" if g.chance(0.8) else g.arr_expr((n, n), "float32")
        )
        return Call(
            name,
            [g.arr((n,), "float32"), (cov, "array")],
            maybe(
                g,
                {
                    "shape": (str(g.rand_shape(2, 6)), "shape"),
                    "key": ("mx.random.key(1)", "key"),
                },
            ),
        )
    if name == "mx.random.permutation":
        return Call(
            name,
            [(g.pick([str(g.randint(0, 10)), g.arr()]), "any")],
            maybe(g, {"axis": ("0", "axis")}),
        )
    logits = g.float_arr()
    return Call(
        name,
        [logits],
        maybe(
            g,
            {
                "axis": (axis_for(g, len(g.shape)), "axis"),
                "num_samples": (str(g.randint(1, 3)), "int"),
                "key": ("mx.random.key(2)", "key"),
            },
        ),
    )


@recipe("mx.arange", "mx.linspace", "mx.from_fp8", "mx.to_fp8")
def _ranges(g, name):
    nums = ["0", "1", "-3", "2.5", "10", "0.5", "-1.5", "100"]
    dt = (
        "mx."
        + g.pick(
            ["float32", "int32", "float16", "int64", "uint8", "bfloat16", "float64"]
        ),
        "dtype",
    )
    if name == "mx.arange":
        args = [(g.pick(nums), "float") for _ in range(g.randint(1, 3))]
        return Call(name, args, maybe(g, {"dtype": dt}, 0.4))
    if name == "mx.linspace":
        return Call(
            name,
            [(g.pick(nums), "float"), (g.pick(nums), "float")],
            maybe(
                g,
                {
                    "num": (str(g.randint(0, 9)), "int"),
                    "endpoint": ("False", "bool"),
                    "dtype": dt,
                },
            ),
        )
    x = g.float_arr()
    if name == "mx.to_fp8":
        return Call(name, [x])
    return Call(
        name,
        [(g.var(f"mx.to_fp8({x})"), "array")],
        maybe(
            g, {"dtype": ("mx." + g.pick(["bfloat16", "float16", "float32"]), "dtype")}
        ),
    )
