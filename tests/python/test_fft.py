"""mx.fft against numpy.fft."""

import numpy as np
import pytest
from oracle import assert_close

import mlx.core as mx

SIZES = [1, 2, 5, 8, 12, 17, 64, 100]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_one_dimensional(rng, n, norm):
    x = rng.standard_normal((3, n)).astype(np.float32)
    z = (x + 1j * rng.standard_normal((3, n))).astype(np.complex64)
    tol = dict(rtol=1e-4, atol=1e-4 * max(1, n))
    assert_close(mx.fft.fft(mx.array(z), norm=norm), np.fft.fft(z, norm=norm), **tol)
    assert_close(mx.fft.ifft(mx.array(z), norm=norm), np.fft.ifft(z, norm=norm), **tol)
    assert_close(mx.fft.rfft(mx.array(x), norm=norm), np.fft.rfft(x, norm=norm), **tol)
    spec = np.fft.rfft(x).astype(np.complex64)
    assert_close(mx.fft.irfft(mx.array(spec), n, norm=norm),
                 np.fft.irfft(spec, n, norm=norm).astype(np.float32), **tol)


def test_sizes_and_axes(rng):
    x = rng.standard_normal((4, 6, 5)).astype(np.float32)
    a = mx.array(x)
    assert_close(mx.fft.fft(a, n=8, axis=1), np.fft.fft(x, n=8, axis=1), atol=1e-4)
    assert_close(mx.fft.fft(a, n=3, axis=0), np.fft.fft(x, n=3, axis=0), atol=1e-4)
    assert_close(mx.fft.fft2(a), np.fft.fft2(x), atol=1e-3)
    assert_close(mx.fft.fftn(a, s=(3, 4), axes=(0, 2)),
                 np.fft.fftn(x, s=(3, 4), axes=(0, 2)), atol=1e-3)
    assert_close(mx.fft.rfftn(a), np.fft.rfftn(x), atol=1e-3)
    assert_close(mx.fft.irfftn(mx.fft.rfftn(a), s=x.shape), x, atol=1e-4)
    assert_close(mx.fft.ifft2(mx.fft.fft2(a)), x.astype(np.complex64), atol=1e-4)


def test_frequencies_and_shifts():
    for n, d in [(1, 1.0), (7, 0.5), (8, 2.0)]:
        assert_close(mx.fft.fftfreq(n, d), np.fft.fftfreq(n, d).astype(np.float32))
        assert_close(mx.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d).astype(np.float32))
    x = np.arange(24).reshape(4, 6)
    np.testing.assert_array_equal(np.array(mx.fft.fftshift(mx.array(x))),
                                  np.fft.fftshift(x))
    np.testing.assert_array_equal(np.array(mx.fft.ifftshift(mx.array(x), axes=1)),
                                  np.fft.ifftshift(x, axes=1))


def test_gradient_is_the_adjoint(rng):
    # For y = F x, the pullback of g is F^H g (conjugate transpose).
    n = 6
    f = np.fft.fft(np.eye(n))
    x = mx.array(rng.standard_normal(n).astype(np.float32))
    g = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
    _, (vjp,) = mx.vjp(lambda v: mx.fft.fft(v.astype(mx.complex64)), [x], [mx.array(g)])
    assert_close(vjp, np.real(f.conj().T @ g).astype(np.float32), atol=1e-4)
    batched = mx.vmap(mx.fft.fft)(mx.array(np.eye(3, n, dtype=np.complex64)))
    assert_close(batched, np.fft.fft(np.eye(3, n)), atol=1e-5)


def test_errors():
    with pytest.raises(ValueError):
        mx.fft.fft(mx.array([1.0]), norm="invalid")
    with pytest.raises(ValueError):
        mx.fft.irfftn(mx.array(3.0))
    with pytest.raises(ValueError):
        mx.fft.fftfreq(0)

def test_rfft_casts_complex_input_to_real():
    # Documented: a complex input is silently cast to a real type.
    z = np.array([1 + 2j, 3 - 1j, -2 + 0.5j, 0.25j], np.complex64)
    got = mx.fft.rfft(mx.array(z))
    np.testing.assert_allclose(np.array(got), np.fft.rfft(z.real), rtol=1e-5, atol=1e-5)
