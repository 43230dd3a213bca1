"""mx.fft.stft and mx.fft.istft, composed from framing (take), windowing
and the 1-D transforms, so gradients, vmap and every dtype the transforms
support come with them. Overlap-add in istft is a scatter-add.
"""


def _install(core):
    mx = core
    fft = core.fft

    def positive(name, what, value):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"[{name}] {what} must be a positive integer; got {value!r}.")
        return value

    def full_window(name, window, win_length, n_fft):
        """The window zero-padded (centered) to n_fft samples."""
        positive(name, "win_length", win_length)
        if win_length > n_fft:
            raise ValueError(f"[{name}] win_length ({win_length}) must be <= n_fft ({n_fft}).")
        if window is None:
            window = mx.ones((win_length,))
        elif not isinstance(window, mx.array) or window.ndim != 1 or window.shape[0] != win_length:
            raise ValueError(f"[{name}] window must be a 1-D array of length {win_length}.")
        left = (n_fft - win_length) // 2
        if left or n_fft - win_length - left:
            window = mx.pad(window, [(left, n_fft - win_length - left)])
        return window

    def frame_indices(n_frames, n_fft, hop):
        return mx.arange(n_frames)[:, None] * hop + mx.arange(n_fft)[None, :]

    def check_norm(name, norm):
        if norm not in ("backward", "ortho", "forward"):
            raise ValueError(f"[{name}] norm must be 'backward', 'ortho' or 'forward'.")

    def stft(x, n_fft=2048, hop_length=None, win_length=None, window=None, center=True,
             pad_mode="reflect", norm="backward", onesided=None, stream=None):
        """Short-time Fourier transform along the last axis.

        The signal is cut into frames of ``n_fft`` samples, ``hop_length``
        apart; each frame is multiplied by the window and transformed.

        Args:
            x (array): The signal, of shape ``(..., length)``.
            n_fft (int, optional): The frame (and transform) length.
                Default: ``2048``.
            hop_length (int, optional): The step between frames. Default:
                ``n_fft // 4``.
            win_length (int, optional): The window length, at most
                ``n_fft``; shorter windows are zero-padded on both sides.
                Default: ``n_fft``.
            window (array, optional): The 1-D window, of ``win_length``
                values. Default: all ones (a rectangular window).
            center (bool, optional): Pad the signal by ``n_fft // 2`` on
                both sides so that frame ``t`` is centred at sample
                ``t * hop_length``. Default: ``True``.
            pad_mode (str, optional): How ``center`` pads: ``"reflect"``,
                ``"constant"`` (zeros) or ``"edge"``. Default:
                ``"reflect"``.
            norm (str, optional): ``"backward"``, ``"ortho"`` or
                ``"forward"``, as for :func:`fft`. Default: ``"backward"``.
            onesided (bool, optional): Return only the non-negative
                frequencies (real input only). Default: ``True`` for real
                input, ``False`` for complex input.
            stream (Stream, optional): Stream or device to run on.

        Returns:
            array: The complex64 spectrogram, of shape
            ``(..., n_freq, n_frames)``, with ``n_freq = n_fft // 2 + 1``
            when one-sided and ``n_fft`` otherwise.
        """
        name = "stft"
        if not isinstance(x, mx.array):
            x = mx.array(x)
        if x.ndim < 1:
            raise ValueError("[stft] The input must have at least one dimension.")
        positive(name, "n_fft", n_fft)
        hop = positive(name, "hop_length", hop_length if hop_length is not None else max(n_fft // 4, 1))
        win = full_window(name, window, win_length if win_length is not None else n_fft, n_fft)
        check_norm(name, norm)
        is_complex = x.dtype == mx.complex64
        if onesided is None:
            onesided = not is_complex
        if onesided and is_complex:
            raise ValueError("[stft] onesided output needs a real input.")
        if center:
            if pad_mode not in ("reflect", "constant", "edge"):
                raise ValueError("[stft] pad_mode must be 'reflect', 'constant' or 'edge'.")
            widths = [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)]
            x = mx.pad(x, widths, mode=pad_mode, stream=stream)
        length = x.shape[-1]
        if length < n_fft:
            raise ValueError(
                f"[stft] The (padded) input has {length} samples, fewer than n_fft ({n_fft})."
            )
        n_frames = 1 + (length - n_fft) // hop
        frames = mx.take(x, frame_indices(n_frames, n_fft, hop), axis=-1, stream=stream)
        frames = frames * win.astype(frames.dtype if is_complex else mx.float32)
        if onesided:
            spec = fft.rfft(frames, axis=-1, norm=norm, stream=stream)
        else:
            spec = fft.fft(frames, axis=-1, norm=norm, stream=stream)
        return mx.swapaxes(spec, -1, -2, stream=stream)

    def istft(stft_matrix, n_fft=None, hop_length=None, win_length=None, window=None,
              center=True, norm="backward", onesided=None, length=None, stream=None):
        """Inverse of :func:`stft`: rebuild a signal from its spectrogram.

        Each frame is inverse-transformed, multiplied by the window and
        overlap-added; the sum is divided by the overlap-added squared
        window (where that is not tiny). The window and frame settings
        should match those given to :func:`stft`.

        Args:
            stft_matrix (array): The spectrogram, of shape
                ``(..., n_freq, n_frames)``.
            n_fft (int, optional): The frame length. Default:
                ``2 * (n_freq - 1)`` when one-sided, else ``n_freq``.
            hop_length (int, optional): The step between frames. Default:
                ``n_fft // 4``.
            win_length (int, optional): The window length. Default:
                ``n_fft``.
            window (array, optional): The 1-D window, of ``win_length``
                values. Default: all ones.
            center (bool, optional): Whether :func:`stft` padded the signal
                by ``n_fft // 2`` on both sides; the padding is removed.
                Default: ``True``.
            norm (str, optional): ``"backward"``, ``"ortho"`` or
                ``"forward"``, as given to :func:`stft`. Default:
                ``"backward"``.
            onesided (bool, optional): Whether the spectrogram holds only
                the non-negative frequencies (giving a real signal).
                Default: ``True``.
            length (int, optional): Cut or zero-pad the output to this many
                samples. Default: all that the frames cover.
            stream (Stream, optional): Stream or device to run on.

        Returns:
            array: The signal, of shape ``(..., length)``: float32 when
            one-sided, complex64 otherwise.
        """
        name = "istft"
        s = stft_matrix
        if not isinstance(s, mx.array) or s.ndim < 2:
            raise ValueError("[istft] stft_matrix must be an array of shape (..., n_freq, n_frames).")
        if onesided is None:
            onesided = True
        n_freq, n_frames = s.shape[-2], s.shape[-1]
        if n_fft is None:
            n_fft = 2 * (n_freq - 1) if onesided else n_freq
        positive(name, "n_fft", n_fft)
        expected = n_fft // 2 + 1 if onesided else n_fft
        if n_freq != expected:
            raise ValueError(
                f"[istft] Expected {expected} frequencies for n_fft={n_fft}; got {n_freq}."
            )
        if n_frames < 1:
            raise ValueError("[istft] There must be at least one frame.")
        hop = positive(name, "hop_length", hop_length if hop_length is not None else max(n_fft // 4, 1))
        win = full_window(name, window, win_length if win_length is not None else n_fft, n_fft)
        check_norm(name, norm)
        spec = mx.swapaxes(s.astype(mx.complex64), -1, -2, stream=stream)
        if onesided:
            frames = fft.irfft(spec, n=n_fft, axis=-1, norm=norm, stream=stream)
        else:
            frames = fft.ifft(spec, n=n_fft, axis=-1, norm=norm, stream=stream)
        frames = frames * win.astype(frames.dtype if frames.dtype == mx.complex64 else mx.float32)
        total = n_fft + hop * (n_frames - 1)
        idx = frame_indices(n_frames, n_fft, hop).reshape(-1)
        lead = frames.shape[:-2]
        out = mx.zeros((*lead, total), dtype=frames.dtype)
        out = out.at[..., idx].add(frames.reshape(*lead, -1))
        envelope = mx.zeros((total,)).at[idx].add(mx.tile(win.astype(mx.float32) ** 2, (n_frames,)))
        start = n_fft // 2 if center else 0
        stop = total - (n_fft // 2 if center else 0)
        if length is not None:
            positive(name, "length", length) if length != 0 else None
            stop = start + length
        out = out[..., start:min(stop, total)]
        envelope = envelope[start:min(stop, total)]
        out = out / mx.where(envelope > 1e-11, envelope, 1.0)
        if stop > total:
            widths = [(0, 0)] * (out.ndim - 1) + [(0, stop - total)]
            out = mx.pad(out, widths)
        return out

    fft.stft = stft
    fft.istft = istft
