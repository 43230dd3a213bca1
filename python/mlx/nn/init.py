"""Parameter initializers.

Each function here builds an initializer: a function that takes an array and
returns a new array of the same shape (the input only supplies the shape),
filled according to the rule and cast to the requested dtype.
"""

import math
from typing import Callable, Literal, Tuple

import mlx.core as mx

__all__ = [
    "constant",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "normal",
    "orthogonal",
    "sparse",
    "uniform",
]


def constant(
    value: float, dtype: mx.Dtype = mx.float32
) -> Callable[[mx.array], mx.array]:
    """Initializer filling the array with ``value``.

    Args:
        value (float): The fill value.
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.
    """

    def initializer(a: mx.array) -> mx.array:
        return mx.full(a.shape, value, dtype=dtype)

    return initializer


def normal(
    mean: float = 0.0, std: float = 1.0, dtype: mx.Dtype = mx.float32
) -> Callable[[mx.array], mx.array]:
    """Initializer drawing from ``N(mean, std**2)``.

    Args:
        mean (float, optional): Mean. Default: ``0.0``.
        std (float, optional): Standard deviation. Default: ``1.0``.
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.
    """

    def initializer(a: mx.array) -> mx.array:
        return mx.random.normal(a.shape, dtype=dtype, loc=mean, scale=std)

    return initializer


def uniform(
    low: float = 0.0, high: float = 1.0, dtype: mx.Dtype = mx.float32
) -> Callable[[mx.array], mx.array]:
    """Initializer drawing uniformly from ``[low, high)``.

    Args:
        low (float, optional): Lower bound. Default: ``0.0``.
        high (float, optional): Upper bound. Default: ``1.0``.
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.
    """

    def initializer(a: mx.array) -> mx.array:
        return mx.random.uniform(low, high, a.shape, dtype=dtype)

    return initializer


def identity(dtype: mx.Dtype = mx.float32) -> Callable[[mx.array], mx.array]:
    """Initializer returning the identity matrix; the input must be square.

    Args:
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.
    """

    def initializer(a: mx.array) -> mx.array:
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(
                f"[identity] The input must be a square matrix, got shape {a.shape}."
            )
        return mx.eye(a.shape[0], dtype=dtype)

    return initializer


def _fans(name: str, shape: Tuple[int, ...]) -> Tuple[int, int]:
    """(fan_in, fan_out) of a weight laid out as (out, *kernel, in), the
    layout of Linear and Conv weights: every kernel position adds inputs and
    outputs alike."""
    if len(shape) < 2:
        raise ValueError(
            f"[{name}] Glorot / He initialization needs an array with at least "
            f"2 dimensions, got {len(shape)}."
        )
    receptive_field = math.prod(shape[1:-1])
    return shape[-1] * receptive_field, shape[0] * receptive_field


def _he_fan(name: str, shape: Tuple[int, ...], mode: str) -> int:
    fan_in, fan_out = _fans(name, shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(
        f"[{name}] Invalid mode {mode!r}. Valid modes are 'fan_in' and 'fan_out'."
    )


def glorot_normal(
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array, float], mx.array]:
    """Glorot (Xavier) normal initializer.

    Samples ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``
    (Glorot and Bengio, 2010). The initializer takes ``(a, gain=1.0)``.

    Args:
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array, float], array]: The initializer.
    """

    def initializer(a: mx.array, gain: float = 1.0) -> mx.array:
        fan_in, fan_out = _fans("glorot_normal", a.shape)
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        return mx.random.normal(a.shape, dtype=dtype, scale=std)

    return initializer


def glorot_uniform(
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array, float], mx.array]:
    """Glorot (Xavier) uniform initializer.

    Samples ``U(-limit, limit)`` with
    ``limit = gain * sqrt(6 / (fan_in + fan_out))``, which has the variance of
    :func:`glorot_normal`. The initializer takes ``(a, gain=1.0)``.

    Args:
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array, float], array]: The initializer.
    """

    def initializer(a: mx.array, gain: float = 1.0) -> mx.array:
        fan_in, fan_out = _fans("glorot_uniform", a.shape)
        limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def he_normal(
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array, Literal["fan_in", "fan_out"], float], mx.array]:
    """He (Kaiming) normal initializer.

    Samples ``N(0, std**2)`` with ``std = gain / sqrt(fan)`` where ``fan`` is
    ``fan_in`` or ``fan_out`` per ``mode`` (He et al., 2015). The initializer
    takes ``(a, mode="fan_in", gain=1.0)``.

    Args:
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array, str, float], array]: The initializer.
    """

    def initializer(
        a: mx.array,
        mode: Literal["fan_in", "fan_out"] = "fan_in",
        gain: float = 1.0,
    ) -> mx.array:
        fan = _he_fan("he_normal", a.shape, mode)
        std = gain / math.sqrt(fan)
        return mx.random.normal(a.shape, dtype=dtype, scale=std)

    return initializer


def he_uniform(
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array, Literal["fan_in", "fan_out"], float], mx.array]:
    """He (Kaiming) uniform initializer.

    Samples ``U(-limit, limit)`` with ``limit = gain * sqrt(3 / fan)`` where
    ``fan`` is ``fan_in`` or ``fan_out`` per ``mode``; the variance matches
    :func:`he_normal`. The initializer takes ``(a, mode="fan_in", gain=1.0)``.

    Args:
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array, str, float], array]: The initializer.
    """

    def initializer(
        a: mx.array,
        mode: Literal["fan_in", "fan_out"] = "fan_in",
        gain: float = 1.0,
    ) -> mx.array:
        fan = _he_fan("he_uniform", a.shape, mode)
        limit = gain * math.sqrt(3.0 / fan)
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def sparse(
    sparsity: float,
    mean: float = 0.0,
    std: float = 1.0,
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array], mx.array]:
    """Initializer drawing from ``N(mean, std**2)`` with zeros in every row.

    Each row of the 2D result has exactly ``ceil(sparsity * columns)`` zeros
    at random positions, so with a weight used as ``x @ w.T`` every output
    feature sees the same number of inputs (Martens, 2010).

    Args:
        sparsity (float): Fraction in ``[0, 1]`` of each row set to zero.
        mean (float, optional): Mean of the nonzero entries. Default: ``0.0``.
        std (float, optional): Standard deviation of the nonzero entries.
            Default: ``1.0``.
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.
    """
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"[sparse] sparsity must be in [0, 1], got {sparsity}.")

    def initializer(a: mx.array) -> mx.array:
        if a.ndim != 2:
            raise ValueError(
                f"[sparse] Only 2D arrays are supported, got {a.ndim} dimensions."
            )
        num_zeros = math.ceil(sparsity * a.shape[1])
        values = mx.random.normal(a.shape, dtype=dtype, loc=mean, scale=std)
        # The rank of a uniform key within its row is a random permutation of
        # 0..cols-1, so the positions ranked below num_zeros are an unbiased
        # choice of exactly num_zeros columns per row.
        keys = mx.random.uniform(shape=a.shape)
        ranks = mx.argsort(mx.argsort(keys, axis=1), axis=1)
        return mx.where(ranks < num_zeros, mx.zeros_like(values), values)

    return initializer


def orthogonal(
    gain: float = 1.0, dtype: mx.Dtype = mx.float32
) -> Callable[[mx.array], mx.array]:
    """Initializer returning a random (semi-)orthogonal matrix times ``gain``.

    For an ``(rows, cols)`` input the rows are orthonormal when
    ``rows <= cols`` and the columns are otherwise. The matrix is a block of
    the Q factor of a Gaussian square matrix, with the signs fixed so that it
    is uniformly (Haar) distributed (Mezzadri, 2007).

    Args:
        gain (float, optional): Scale of the result. Default: ``1.0``.
        dtype (Dtype, optional): Result dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.
    """

    def initializer(a: mx.array) -> mx.array:
        if a.ndim != 2:
            raise ValueError(
                "[orthogonal] Orthogonal initialization requires a 2D array "
                f"but got a {a.ndim}D array."
            )
        rows, cols = a.shape
        n = max(rows, cols)
        gaussian = mx.random.normal((n, n))
        # QR is a CPU-only decomposition; run it there whatever the default.
        q, r = mx.linalg.qr(gaussian, stream=mx.cpu)
        # Flip each column by the sign of R's diagonal: without this Q is
        # biased by the QR convention rather than uniform.
        signs = mx.where(mx.diagonal(r) < 0, -1.0, 1.0)
        q = q * signs
        return (gain * q[:rows, :cols]).astype(dtype)

    return initializer
