"""LayerNorm, RMSNorm, GroupNorm, InstanceNorm and BatchNorm against torch.nn
(values, gradients, running statistics) and float64 numpy."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

torch = pytest.importorskip("torch")


def to_torch(x: np.ndarray, grad=False):
    """Channels-last numpy -> channels-first torch tensor."""
    if x.ndim > 2:
        x = np.moveaxis(x, -1, 1)
    return torch.from_numpy(x.copy()).requires_grad_(grad)


def from_torch(t) -> np.ndarray:
    a = t.detach().numpy()
    return np.moveaxis(a, 1, -1) if a.ndim > 2 else a


def set_affine(layer, rng):
    """Random weight/bias so that the affine part is exercised."""
    for name in ("weight", "bias"):
        if name in layer:
            shape = layer[name].shape
            layer[name] = mx.array(rng.standard_normal(shape).astype(np.float32))


def mx_grads(layer, x: np.ndarray, cot: np.ndarray):
    """Gradients of sum(layer(x) * cot) w.r.t. the trainable parameters and x."""

    def loss(params, xm):
        layer.update(params)
        return (layer(xm) * mx.array(cot)).sum()

    return mx.grad(loss, argnums=(0, 1))(layer.trainable_parameters(), mx.array(x))


def check_layer(layer, tlayer, x, rng, atol=1e-4, channels_first=True):
    """Forward and backward of layer (channels-last) and tlayer agree."""
    if channels_first:
        convert, back = to_torch, from_torch
    else:

        def convert(a, grad=False):
            return torch.from_numpy(a.copy()).requires_grad_(grad)

        def back(t):
            return t.detach().numpy()

    y = layer(mx.array(x))
    xt = convert(x, grad=True)
    yt = tlayer(xt)
    np.testing.assert_allclose(np.array(y), back(yt), atol=atol)
    # The gradient pass runs the layer again: keep the statistics of one pass.
    stats = {k: layer[k] for k in ("running_mean", "running_var") if k in layer}
    cot = rng.standard_normal(y.shape).astype(np.float32)
    grads, gx = mx_grads(layer, x, cot)
    layer.update(stats)
    tlayer.zero_grad()
    (yt * convert(cot)).sum().backward()
    np.testing.assert_allclose(np.array(gx), back(xt.grad), atol=atol)
    for name, g in tree_flatten(grads):
        tg = getattr(tlayer, name).grad.numpy()
        np.testing.assert_allclose(np.array(g), tg, atol=atol, err_msg=name)


def copy_affine(layer, tlayer, perm=None):
    with torch.no_grad():
        for name in ("weight", "bias"):
            if name in layer:
                value = np.array(layer[name])
                if perm is not None:
                    value = value[perm]
                getattr(tlayer, name).copy_(torch.from_numpy(value))


@pytest.mark.parametrize("affine, bias", [(True, True), (True, False), (False, False)])
def test_layer_norm(affine, bias, rng):
    layer = nn.LayerNorm(6, eps=1e-5, affine=affine, bias=bias)
    set_affine(layer, rng)
    tlayer = torch.nn.LayerNorm(6, eps=1e-5, elementwise_affine=affine, bias=bias)
    copy_affine(layer, tlayer)
    x = rng.standard_normal((3, 4, 6)).astype(np.float32) * 3 + 1
    check_layer(layer, tlayer, x, rng, channels_first=False)


def test_rms_norm(rng):
    layer = nn.RMSNorm(5, eps=1e-4)
    set_affine(layer, rng)
    tlayer = torch.nn.RMSNorm(5, eps=1e-4)
    copy_affine(layer, tlayer)
    x = rng.standard_normal((2, 3, 5)).astype(np.float32)
    check_layer(layer, tlayer, x, rng, channels_first=False)
    assert sorted(layer.parameters()) == ["weight"]


@pytest.mark.parametrize("shape", [(2, 5, 4, 8), (3, 7, 8), (4, 8)])
def test_group_norm_pytorch_compatible(shape, rng):
    layer = nn.GroupNorm(4, 8, pytorch_compatible=True)
    set_affine(layer, rng)
    tlayer = torch.nn.GroupNorm(4, 8)
    copy_affine(layer, tlayer)
    x = rng.standard_normal(shape).astype(np.float32) * 2 - 1
    check_layer(layer, tlayer, x, rng)


def test_group_norm_interleaved_groups(rng):
    # By default feature c is in group c % num_groups: reordering the
    # features makes the groups contiguous, as torch expects.
    groups, dims = 3, 6
    perm = np.argsort(np.arange(dims) % groups, kind="stable")
    inverse = np.argsort(perm)
    layer = nn.GroupNorm(groups, dims)
    set_affine(layer, rng)
    tlayer = torch.nn.GroupNorm(groups, dims)
    copy_affine(layer, tlayer, perm)
    x = rng.standard_normal((2, 5, 3, dims)).astype(np.float32)
    y = layer(mx.array(x))
    yt = from_torch(tlayer(to_torch(x[..., perm])))[..., inverse]
    np.testing.assert_allclose(np.array(y), yt, atol=1e-5)


def test_group_norm_errors_and_repr():
    for groups, dims in ((4, 6), (0, 8), (-1, 8), (4, 0)):
        with pytest.raises(ValueError, match=r"\[GroupNorm\]"):
            nn.GroupNorm(groups, dims)
    assert repr(nn.GroupNorm(2, 8)) == (
        "GroupNorm(2, 8, eps=1e-05, affine=True, pytorch_compatible=False)"
    )


@pytest.mark.parametrize("spatial", [(5,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm(spatial, affine, rng):
    layer = nn.InstanceNorm(3, affine=affine)
    set_affine(layer, rng)
    tcls = getattr(torch.nn, f"InstanceNorm{len(spatial)}d")
    tlayer = tcls(3, affine=affine)
    copy_affine(layer, tlayer)
    x = rng.standard_normal((2, *spatial, 3)).astype(np.float32) * 2 + 0.5
    check_layer(layer, tlayer, x, rng)


def test_instance_norm_half_precision_statistics():
    # Squares of +-512 overflow float16: statistics must use float32.
    checker = np.indices((4, 4)).sum(axis=0) % 2
    x = np.stack([np.where(checker, -512, 512), np.where(checker, -300, 300)], -1)
    y = nn.InstanceNorm(2)(mx.array(x[None].astype(np.float16)))
    assert y.dtype == mx.float16
    expected = np.where(checker, -1.0, 1.0)
    np.testing.assert_allclose(np.array(y)[0, ..., 0], expected, atol=2e-3)
    np.testing.assert_allclose(np.array(y)[0, ..., 1], expected, atol=2e-3)
    with pytest.raises(ValueError, match=r"\[InstanceNorm\]"):
        nn.InstanceNorm(8)(mx.zeros((4, 8)))
    assert repr(nn.InstanceNorm(3)) == "InstanceNorm(3, eps=1e-05, affine=False)"


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 4), (2, 3, 3, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_and_eval(shape, affine, rng):
    layer = nn.BatchNorm(4, momentum=0.3, affine=affine)
    set_affine(layer, rng)
    tcls = torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d
    tlayer = tcls(4, momentum=0.3, affine=affine)
    copy_affine(layer, tlayer)
    # A few training steps: outputs, gradients and running statistics.
    for step in range(3):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        check_layer(layer, tlayer, x, rng)
        for name in ("running_mean", "running_var"):
            expected = getattr(tlayer, name).numpy()
            np.testing.assert_allclose(np.array(layer[name]), expected, atol=1e-5)
    # Eval mode normalizes with the running statistics and leaves them alone.
    layer.eval()
    tlayer.eval()
    before = np.array(layer.running_mean)
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(
        np.array(layer(mx.array(x))), from_torch(tlayer(to_torch(x))), atol=1e-5
    )
    np.testing.assert_array_equal(np.array(layer.running_mean), before)


def test_batch_norm_without_running_stats(rng):
    layer = nn.BatchNorm(3, track_running_stats=False)
    assert "running_mean" not in layer.parameters()
    layer.eval()  # still uses the batch statistics
    x = rng.standard_normal((8, 3)).astype(np.float32)
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(np.array(layer(mx.array(x))), expected, atol=1e-5)


def test_batch_norm_parameters_and_errors():
    bn = nn.BatchNorm(4)
    assert sorted(bn.parameters()) == ["bias", "running_mean", "running_var", "weight"]
    assert sorted(bn.trainable_parameters()) == ["bias", "weight"]
    bn.unfreeze()
    assert sorted(bn.trainable_parameters()) == ["bias", "weight"]
    bn.freeze()
    assert bn.trainable_parameters() == {}
    bn.unfreeze(keys=["running_mean", "weight"])
    assert sorted(bn.trainable_parameters()) == ["weight"]
    with pytest.raises(ValueError, match=r"\[BatchNorm\]"):
        bn(mx.ones((2, 2, 2, 2, 4)))
    with pytest.raises(ValueError, match=r"\[BatchNorm\]"):
        nn.BatchNorm(4)(mx.ones((1, 4)))  # one value per channel
    bn = nn.BatchNorm(4).eval()
    assert bn(mx.ones((1, 4))).shape == (1, 4)
    assert repr(nn.BatchNorm(4)) == (
        "BatchNorm(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda eps: nn.LayerNorm(16, eps=eps),
        lambda eps: nn.RMSNorm(16, eps=eps),
        lambda eps: nn.GroupNorm(4, 16, eps=eps),
        lambda eps: nn.InstanceNorm(16, eps=eps),
        lambda eps: nn.BatchNorm(16, eps=eps),
    ],
)
def test_eps_must_be_positive(build):
    for eps in (-1.0, -1e-30, 0.0, float("nan")):
        with pytest.raises(ValueError, match="must be positive"):
            build(eps)
    for eps in (1e-30, 1e-5, 1.0):
        build(eps)
