"""mx.fft.stft / istft against torch.stft / torch.istft (float64 oracle)."""

import numpy as np
import pytest

import mlx.core as mx

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)


def hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


CASES = [
    dict(n_fft=16),
    dict(n_fft=16, hop_length=3, win_length=12, window="hann"),
    dict(n_fft=15, hop_length=5, center=False),
    dict(n_fft=8, hop_length=2, pad_mode="constant", norm="ortho", window="hann"),
    dict(n_fft=8, hop_length=4, onesided=False, norm="forward"),
]


def split(kw):
    kw = dict(kw)
    win = kw.pop("window", None)
    wl = kw.get("win_length", kw["n_fft"])
    w = hann(wl) if win == "hann" else None
    return kw, w


@pytest.mark.parametrize("kw", CASES)
def test_stft_matches_torch(kw):
    x = RNG.standard_normal((2, 50))
    kw, w = split(kw)
    ours = mx.fft.stft(mx.array(x, dtype=mx.float32),
                       window=None if w is None else mx.array(w, dtype=mx.float32), **kw)
    tkw = dict(kw)
    tkw["pad_mode"] = tkw.get("pad_mode", "reflect")
    tkw["normalized"] = False
    norm = tkw.pop("norm", "backward")
    ref = torch.stft(torch.tensor(x), window=None if w is None else torch.tensor(w),
                     return_complex=True, **tkw).numpy()
    if norm == "ortho":
        ref = ref / np.sqrt(kw["n_fft"])
    elif norm == "forward":
        ref = ref / kw["n_fft"]
    np.testing.assert_allclose(np.array(ours), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kw", [c for c in CASES if c.get("norm", "backward") == "backward"])
def test_istft_inverts_stft(kw):
    x = RNG.standard_normal((3, 64)).astype(np.float32)
    kw, w = split(kw)
    kw.pop("pad_mode", None)
    win = None if w is None else mx.array(w, dtype=mx.float32)
    spec = mx.fft.stft(mx.array(x), window=win, **kw)
    back = mx.fft.istft(spec, window=win, length=64 if kw.get("center", True) else None, **kw)
    t = torch.istft(torch.tensor(np.array(spec)), window=None if w is None else torch.tensor(w),
                    length=64 if kw.get("center", True) else None, **kw).numpy()
    n = min(back.shape[-1], t.shape[-1])
    np.testing.assert_allclose(np.array(back)[..., :n], t[..., :n], rtol=1e-4, atol=1e-4)
    if kw.get("center", True):
        np.testing.assert_allclose(np.array(back), x, atol=1e-4)


def test_stft_gradient_matches_finite_differences():
    x = RNG.standard_normal((20,))
    w = mx.array(hann(8))

    def f(v):
        return mx.sum(mx.abs(mx.fft.stft(v, n_fft=8, hop_length=2, window=w)) ** 2)

    g = np.array(mx.grad(f)(mx.array(x, dtype=mx.float32)))
    eps, fd = 1e-3, np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d[i] = eps
        hi = f(mx.array(x + d, dtype=mx.float32)).item()
        lo = f(mx.array(x - d, dtype=mx.float32)).item()
        fd[i] = (hi - lo) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=2e-2, atol=2e-2)


def test_argument_errors():
    x = mx.zeros((10,))
    for kw in [dict(n_fft=0), dict(n_fft=8, win_length=9), dict(n_fft=8, norm="x"),
               dict(n_fft=32, center=False), dict(n_fft=8, pad_mode="wrap")]:
        with pytest.raises(ValueError, match=r"^\[stft\]"):
            mx.fft.stft(x, **kw)
    with pytest.raises(ValueError, match=r"^\[istft\]"):
        mx.fft.istft(mx.zeros((5, 3), dtype=mx.complex64), n_fft=16)
