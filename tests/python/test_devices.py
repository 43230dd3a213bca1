"""Devices, streams and backend availability."""

import numpy as np
import pytest

import mlx.core as mx


def test_the_gpu_is_the_default_device_when_present():
    device = mx.default_device()
    assert isinstance(device, mx.Device)
    expected = mx.gpu if mx.cuda.is_available() else mx.cpu
    assert device.type == expected
    assert device == mx.Device(expected)
    assert str(mx.Device(mx.cpu)) == "Device(cpu, 0)"


def test_backend_availability():
    assert mx.metal.is_available() is False
    assert mx.is_available(mx.gpu) is mx.cuda.is_available()
    assert (mx.device_count(mx.gpu) > 0) is mx.cuda.is_available()
    assert mx.is_available(mx.cpu) is True
    if not mx.cuda.is_available():
        with pytest.raises(ValueError, match=r"^\[device_info\]"):
            mx.device_info(mx.gpu)


def test_set_default_device():
    old = mx.default_device()
    mx.set_default_device(mx.cpu)
    assert mx.default_device() == mx.Device(mx.cpu)
    mx.set_default_device(mx.Device(mx.cpu))
    mx.set_default_device(old)
    if not mx.is_available(mx.gpu):
        with pytest.raises(ValueError):
            mx.set_default_device(mx.gpu)


def test_streams():
    default = mx.default_stream(mx.cpu)
    assert isinstance(default, mx.Stream)
    assert default.device == mx.Device(mx.cpu)
    s = mx.new_stream(mx.cpu)
    assert s.device == mx.Device(mx.cpu)
    assert s != default
    assert s == s
    assert "Stream" in repr(s)


def test_ops_accept_stream_and_device():
    x, y = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    expected = [4.0, 6.0]
    s = mx.new_stream(mx.cpu)
    assert mx.add(x, y, stream=None).tolist() == expected
    assert mx.add(x, y, stream=mx.cpu).tolist() == expected
    assert mx.add(x, y, stream=mx.Device(mx.cpu)).tolist() == expected
    assert mx.add(x, y, stream=mx.default_stream(mx.cpu)).tolist() == expected
    assert mx.add(x, y, stream=s).tolist() == expected
    assert mx.sum(x, stream=s).item() == 3.0
    assert mx.reshape(x, (2, 1), stream=s).shape == (2, 1)
    mx.synchronize(s)


def test_stream_context_manager():
    s = mx.new_stream(mx.cpu)
    x = mx.arange(6).reshape(2, 3)
    with mx.stream(s):
        y = mx.exp(x.astype(mx.float32)) @ mx.ones((3, 2))
    with mx.stream(mx.cpu):
        z = x * 2
    mx.eval(y, z)
    mx.synchronize()
    mx.synchronize(s)
    expected = np.exp(np.arange(6).reshape(2, 3)) @ np.ones((3, 2))
    np.testing.assert_allclose(np.array(y), expected, rtol=1e-5)
    assert z.tolist() == [[0, 2, 4], [6, 8, 10]]
    assert mx.default_device() == mx.Device(mx.cpu)


def test_gpu_stream_rejected_without_gpu():
    if mx.is_available(mx.gpu):
        pytest.skip("a GPU is present")
    with pytest.raises((ValueError, RuntimeError)):
        mx.add(mx.array(1.0), mx.array(2.0), stream=mx.gpu)
