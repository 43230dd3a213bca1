"""mx.fast against float64 numpy definitions."""

import numpy as np
import pytest

import mlx.core as mx
from oracle import np_attention

TOL = {mx.float32: 2e-5, mx.float16: 5e-3, mx.bfloat16: 3e-2, mx.float64: 1e-12}


def np_of(a):
    return np.array(a.astype(mx.float32) if a.dtype == mx.bfloat16 else a).astype(np.float64)


def close(got, want, dtype):
    np.testing.assert_allclose(np_of(got), want, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16, mx.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 33), (2, 3, 130)])
def test_rms_and_layer_norm(rng, dtype, shape):
    x = rng.standard_normal(shape) * 3 + 1
    w = rng.uniform(0.5, 1.5, shape[-1])
    b = rng.standard_normal(shape[-1])
    xa, wa, ba = (mx.array(a).astype(dtype) for a in (x, w, b))
    x, w, b = np_of(xa), np_of(wa), np_of(ba)
    rms = x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-5)
    close(mx.fast.rms_norm(xa, wa, 1e-5), rms * w, dtype)
    close(mx.fast.rms_norm(xa, None, 1e-5), rms, dtype)
    ln = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    close(mx.fast.layer_norm(xa, wa, ba, 1e-5), ln * w + b, dtype)
    close(mx.fast.layer_norm(xa, None, ba, 1e-5), ln + b, dtype)
    close(mx.fast.layer_norm(xa, wa, None, 1e-5), ln * w, dtype)
    assert mx.fast.rms_norm(xa, wa, 1e-5).dtype == dtype


def test_norm_argument_errors():
    with pytest.raises(ValueError):
        mx.fast.rms_norm(mx.ones((2, 5)), mx.ones((4,)), 1e-5)
    with pytest.raises(ValueError):
        mx.fast.layer_norm(mx.ones((2, 5)), None, mx.ones((6,)), 1e-5)
    with pytest.raises(ValueError):
        mx.fast.rms_norm(mx.array(1.0), None, 1e-5)


def np_rope(x, dims, traditional, base, scale, offset, freqs=None):
    t = x.shape[-2]
    offset = np.asarray(offset, dtype=np.float64).reshape(-1, *([1] * (x.ndim - 2)))
    pos = (offset + np.arange(t)[:, None].reshape(-1)) * scale  # (B or 1, ..., T)
    inv = 1 / np.asarray(freqs, np.float64) if freqs is not None else \
        base ** (-np.arange(dims // 2) / (dims // 2))
    theta = pos[..., None] * inv
    c, s = np.cos(theta), np.sin(theta)
    out = x.copy()
    i1 = np.arange(0, dims, 2) if traditional else np.arange(dims // 2)
    i2 = i1 + 1 if traditional else i1 + dims // 2
    x1, x2 = x[..., i1], x[..., i2]
    out[..., i1] = x1 * c - x2 * s
    out[..., i2] = x1 * s + x2 * c
    return out


@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize("dims", [4, 8])
@pytest.mark.parametrize("offset", [0, 5, "array"])
def test_rope(rng, traditional, dims, offset):
    x = rng.standard_normal((2, 3, 5, 8))
    off = mx.array([2, 7]) if offset == "array" else offset
    got = mx.fast.rope(mx.array(x, mx.float32), dims, traditional=traditional, base=500.0,
                       scale=0.75, offset=off)
    want = np_rope(x, dims, traditional, 500.0, 0.75, np.array(off) if offset == "array" else offset)
    close(got, want, mx.float32)


def test_rope_freqs_and_errors(rng):
    x = rng.standard_normal((1, 4, 6))
    freqs = np.array([1.0, 2.5, 40.0])
    got = mx.fast.rope(mx.array(x, mx.float32), 6, traditional=False, base=None, scale=1.0,
                       offset=mx.array(3), freqs=mx.array(freqs, mx.float32))
    close(got, np_rope(x, 6, False, None, 1.0, 3, freqs), mx.float32)
    a = mx.ones((1, 4, 8))
    for dims in (0, -2, 7, 16):
        with pytest.raises(ValueError):
            mx.fast.rope(a, dims, traditional=False, base=1e4, scale=1.0, offset=0)
    with pytest.raises(ValueError):  # both base and freqs
        mx.fast.rope(a, 8, traditional=False, base=1e4, scale=1.0, offset=0,
                     freqs=mx.ones((4,)))


@pytest.mark.parametrize("heads", [(4, 4), (4, 2), (6, 1)])
@pytest.mark.parametrize("lens", [(1, 9), (5, 5), (7, 3), (70, 80)])
@pytest.mark.parametrize("mask", [None, "causal", "bool", "additive"])
def test_sdpa(rng, heads, lens, mask):
    (hq, hk), (tq, tk) = heads, lens
    q = rng.standard_normal((2, hq, tq, 16))
    k = rng.standard_normal((2, hk, tk, 16))
    v = rng.standard_normal((2, hk, tk, 12))
    m = mask
    if mask == "bool":
        m = rng.random((hq, tq, tk)) > 0.3
    elif mask == "additive":
        m = rng.standard_normal((1, 1, tq, tk))
    mm = mx.array(m) if isinstance(m, np.ndarray) else m
    got = mx.fast.scaled_dot_product_attention(
        *(mx.array(a, mx.float32) for a in (q, k, v)), scale=0.3, mask=mm)
    close(got, np_attention(q, k, v, 0.3, m), mx.float32)


def test_sdpa_sinks_half_precision_and_full_masking(rng):
    q, k, v = (rng.standard_normal((1, 2, 4, 8)) for _ in range(3))
    sinks = np.array([0.5, -1.0])
    got = mx.fast.scaled_dot_product_attention(
        *(mx.array(a, mx.float32) for a in (q, k, v)), scale=1.0, sinks=mx.array(sinks))
    close(got, np_attention(q, k, v, 1.0, sinks=sinks), mx.float32)
    half = mx.fast.scaled_dot_product_attention(
        *(mx.array(a, mx.float16) for a in (q, k, v)), scale=0.5)
    assert half.dtype == mx.float16
    np.testing.assert_allclose(np_of(half), np_attention(q, k, v, 0.5), atol=1e-2)
    # A row with every key masked averages the values instead of giving NaN.
    out = mx.fast.scaled_dot_product_attention(
        *(mx.array(a, mx.float32) for a in (q, k, v)), scale=1.0, mask=mx.array(False))
    close(out, np.broadcast_to(v.mean(2, keepdims=True), out.shape), mx.float32)


def test_sdpa_errors_vmap_and_custom_kernels():
    q = mx.ones((1, 3, 2, 4))
    k = mx.ones((1, 2, 2, 4))
    with pytest.raises(ValueError):  # 3 query heads over 2 kv heads
        mx.fast.scaled_dot_product_attention(q, k, k, scale=1.0)
    with pytest.raises(ValueError):
        mx.fast.scaled_dot_product_attention(q[0], k[0], k[0], scale=1.0)
    with pytest.raises(ValueError):
        mx.fast.scaled_dot_product_attention(q, q, q, scale=1.0, mask="banded")
    xs = mx.random.normal((3, 1, 2, 4, 5), key=mx.random.key(0))
    f = lambda x: mx.fast.scaled_dot_product_attention(x, x, x, scale=0.5)  # noqa: E731
    batched = mx.vmap(f)(xs)
    looped = mx.stack([f(xs[i]) for i in range(3)])
    np.testing.assert_allclose(np.array(batched), np.array(looped), rtol=1e-5, atol=1e-6)
    for name in ("metal_kernel", "cuda_kernel"):
        kernel = getattr(mx.fast, name)(
            name="k", input_names=["a"], output_names=["b"], source=""
        )
        assert callable(kernel)


KERNEL_CALL = {
    "inputs": [mx.ones(3), 2.0],
    "output_shapes": [(3,)],
    "output_dtypes": [mx.float32],
    "grid": (3, 1, 1),
    "threadgroup": (32, 1, 1),
}


@pytest.mark.parametrize(
    "name, backend", [("metal_kernel", "Metal"), ("cuda_kernel", "CUDA")]
)
def test_custom_kernels_raise_when_evaluated(name, backend):
    make = getattr(mx.fast, name)
    kernel = make(
        name="k",
        input_names=["a", "b"],
        output_names=["out"],
        source="out[0] = a[0];",
        header="",
        ensure_row_contiguous=False,
    )
    full = {
        **KERNEL_CALL,
        "template": [("T", mx.float32), ("N", 3), ("flag", True)],
        "init_value": 0.0,
        "verbose": True,
        "stream": mx.cpu,
    }
    if name == "cuda_kernel":
        full["shared_memory"] = 64
    # A call builds the outputs lazily (so tracing and export work, even on
    # a GPU stream); evaluating them raises, as there is no GPU back-end.
    for call in (KERNEL_CALL, full, {**KERNEL_CALL, "stream": mx.gpu}):
        outs = kernel(**call)
        assert [o.shape for o in outs] == [tuple(s) for s in call["output_shapes"]]
        assert [o.dtype for o in outs] == list(call["output_dtypes"])
        with pytest.raises(RuntimeError, match=rf"^\[{name}\] No {backend} back-end"):
            mx.eval(outs)
    # The call's arguments are checked first.
    bad = [
        {"inputs": [mx.ones(3)]},
        {"output_shapes": [(3,), (3,)]},
        {"output_dtypes": []},
        {"template": [("T", 1.5)]},
    ]
    for change in bad:
        with pytest.raises(ValueError, match=rf"^\[{name}\]"):
            kernel(**{**KERNEL_CALL, **change})
    with pytest.raises(TypeError):
        kernel([mx.ones(3), 2.0])  # keyword arguments only
    with pytest.raises(TypeError):
        kernel(**{**KERNEL_CALL, "grid": (1, 1)})
    no_outputs = make(name="k", input_names=[], output_names=[], source="")
    with pytest.raises(ValueError, match="at least one output"):
        no_outputs(**{**KERNEL_CALL, "inputs": []})


def test_metal_kernel_compile_options_and_precompiled_cuda_kernel():
    names = {"name": "k", "input_names": ["a"], "output_names": ["b"], "source": ""}
    fast = mx.fast.metal_kernel(**names, compile_options={"math_mode": "fast"})
    assert callable(fast)
    for options in [{"math_mode": "exact"}, {"other": 1}, 3]:
        with pytest.raises(ValueError, match=r"^\[metal_kernel\]"):
            mx.fast.metal_kernel(**names, compile_options=options)
    with pytest.raises(RuntimeError, match=r"^\[precompiled_cuda_kernel\] No CUDA"):
        mx.fast.precompiled_cuda_kernel(
            name="k",
            compiled_source=b"",
            inputs=[mx.ones(2)],
            output_shapes=[(2,)],
            output_dtypes=[mx.float32],
            scalars=[],
            grid=(1, 1, 1),
            threadgroup=(1, 1, 1),
        )


def test_mlx_lm_models_that_make_metal_kernels_at_import():
    # bitnet builds its metal_kernel when imported; calling it raises.
    pytest.importorskip("mlx_lm")
    import importlib

    for module in ("mlx_lm.models.bitlinear_layers", "mlx_lm.models.bitnet"):
        importlib.import_module(module)


def test_cross_entropy(rng):
    logits = rng.standard_normal((4, 3, 7))
    targets = rng.integers(0, 7, (4, 3))
    got = mx.fast.cross_entropy(mx.array(logits, mx.float32), mx.array(targets))
    lse = np.log(np.exp(logits).sum(-1))
    want = lse - np.take_along_axis(logits, targets[..., None], -1)[..., 0]
    assert got.dtype == mx.float32
    close(got, want, mx.float32)
    g = mx.grad(lambda z: mx.fast.cross_entropy(z, mx.array(targets)).sum())(
        mx.array(logits, mx.float32))
    soft = np.exp(logits - lse[..., None])
    close(g, soft - np.eye(7)[targets], mx.float32)
    with pytest.raises(ValueError):
        mx.fast.cross_entropy(mx.ones((2, 3)), mx.zeros((3,), mx.int32))


def _gated_delta_reference(q, k, v, g, b, state=None, mask=None):
    """The gated delta recurrence in float64 numpy, one step at a time."""
    q, k, v, g, b = (np.asarray(a, np.float64) for a in (q, k, v, g, b))
    B, T, Hk, Dk = q.shape
    Hv, Dv = v.shape[2:]
    rep = Hv // Hk
    S = np.zeros((B, Hv, Dv, Dk)) if state is None else np.asarray(state, np.float64)
    ys = []
    for t in range(T):
        qt, kt = np.repeat(q[:, t], rep, 1), np.repeat(k[:, t], rep, 1)
        Sn = S * g[:, t][..., None, None]
        delta = (v[:, t] - (Sn * kt[:, :, None, :]).sum(-1)) * b[:, t][..., None]
        Sn = Sn + delta[..., None] * kt[:, :, None, :]
        y = (Sn * qt[:, :, None, :]).sum(-1)
        if mask is not None:
            on = mask[:, t][:, None, None]
            Sn = np.where(on[..., None], Sn, S)
            y = np.where(on, y, 0.0)
        S = Sn
        ys.append(y)
    return np.stack(ys, 1), S


@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("with_mask", [False, True])
def test_gated_delta_update_matches_recurrence(with_state, with_mask):
    rng = np.random.default_rng(11)
    B, T, Hk, Dk, Hv, Dv = 2, 6, 2, 5, 4, 3
    q, k = rng.standard_normal((2, B, T, Hk, Dk)).astype(np.float32)
    v = rng.standard_normal((B, T, Hv, Dv)).astype(np.float32)
    g = rng.uniform(0.5, 1.0, (B, T, Hv)).astype(np.float32)
    b = rng.uniform(0.0, 1.0, (B, T, Hv)).astype(np.float32)
    s0 = rng.standard_normal((B, Hv, Dv, Dk)).astype(np.float32) if with_state else None
    m = rng.uniform(size=(B, T)) > 0.3 if with_mask else None
    y, s = mx.fast.gated_delta_update(
        *(mx.array(a) for a in (q, k, v, g, b)),
        initial_state=None if s0 is None else mx.array(s0),
        mask=None if m is None else mx.array(m),
    )
    y_ref, s_ref = _gated_delta_reference(q, k, v, g, b, s0, m)
    np.testing.assert_allclose(np.array(y), y_ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.array(s), s_ref, rtol=1e-4, atol=1e-4)


def test_gated_delta_update_errors():
    x = mx.zeros((1, 2, 1, 3))
    with pytest.raises(ValueError, match=r"^\[gated_delta_update\]"):
        mx.fast.gated_delta_update(x, x, mx.zeros((1, 2, 3, 3)), mx.zeros((1, 2, 3)),
                                   mx.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match=r"^\[gated_delta_update\]"):
        mx.fast.gated_delta_update(x, x, x, mx.zeros((1, 2, 1)), mx.zeros((1, 2, 1)),
                                   initial_state=mx.zeros((1, 1, 3)))


def test_functions_using_custom_kernels_export_and_import(tmp_path):
    kernel = mx.fast.metal_kernel(
        name="exp_kernel", input_names=["a"], output_names=["out"],
        source="out[0] = metal::exp(a[0]);", compile_options={"math_mode": "safe"},
    )

    def call(a):
        return kernel(
            inputs=[a], grid=(a.size, 1, 1), threadgroup=(1, 1, 1),
            output_shapes=[a.shape], output_dtypes=[a.dtype],
            template=[("T", mx.float32)], init_value=0.0,
        )[0]

    path = str(tmp_path / "k.mlxfn")
    mx.export_function(path, call, mx.array([0.0, 1.0]))
    imported = mx.import_function(path)
    (out,) = imported(mx.array([0.0, 1.0]))
    assert out.shape == (2,) and out.dtype == mx.float32
    with pytest.raises(RuntimeError, match="No Metal back-end"):
        mx.eval(out)
