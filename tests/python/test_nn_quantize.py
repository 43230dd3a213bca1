"""nn.quantize: which sub-modules it swaps, the arguments it hands to
to_quantized, and its errors."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn


class _Custom(nn.Module):
    """A user layer whose to_quantized has no quantize_input parameter."""

    def __init__(self):
        super().__init__()
        self.weight = mx.zeros((4, 32))
        self.seen = None

    def to_quantized(self, group_size=None, bits=None, mode="affine"):
        self.seen = (group_size, bits, mode)
        return nn.Identity()


def _model():
    model = nn.Module()
    model.linear = nn.Linear(64, 32)
    model.embed = nn.Embedding(16, 64)
    model.custom = _Custom()
    model.act = nn.ReLU()
    return model


def test_quantize_swaps_every_layer_with_to_quantized():
    model = _model()
    custom = model.custom
    x = mx.random.normal((2, 64))
    expected = model.linear(x)
    nn.quantize(model, group_size=32, bits=8)
    assert isinstance(model.linear, nn.QuantizedLinear)
    assert isinstance(model.embed, nn.QuantizedEmbedding)
    assert isinstance(model.custom, nn.Identity)
    assert isinstance(model.act, nn.ReLU)
    assert custom.seen == (32, 8, "affine")
    np.testing.assert_allclose(model.linear(x), expected, atol=0.05)


def test_quantize_with_a_class_predicate():
    model = _model()
    nn.quantize(
        model,
        class_predicate=lambda path, m: (
            {"group_size": 32, "bits": 4} if path == "linear" else False
        ),
    )
    assert isinstance(model.linear, nn.QuantizedLinear)
    assert model.linear.group_size == 32 and model.linear.bits == 4
    assert isinstance(model.embed, nn.Embedding)
    assert isinstance(model.custom, _Custom)


def test_quantize_errors():
    with pytest.raises(ValueError, match="Unable to quantize"):
        nn.quantize(_model(), class_predicate=lambda path, m: True)
    with pytest.raises(ValueError, match="bool or a dict"):
        nn.quantize(_model(), class_predicate=lambda path, m: "yes")


def test_quantize_input_reaches_linear_layers():
    model = _model()
    model.linear = nn.Linear(64, 32, bias=False)
    nn.quantize(
        model,
        mode="nvfp4",
        quantize_input=True,
        class_predicate=lambda path, m: isinstance(m, nn.Linear),
    )
    assert isinstance(model.linear, nn.QQLinear)
    assert isinstance(model.custom, _Custom)
