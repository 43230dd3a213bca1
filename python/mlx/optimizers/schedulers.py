"""Schedules: functions of the step counter that give a hyper-parameter.

Pass one as the learning rate (or another schedulable hyper-parameter) of an
optimizer: it is evaluated from ``optimizer.step`` before every update and
the value is stored in ``optimizer.state``. Called with a Python number a
schedule may return a Python number; called with an array (as optimizers
do) it returns an array.
"""

import math
from typing import Callable, List

import mlx.core as mx

__all__ = [
    "cosine_decay",
    "exponential_decay",
    "join_schedules",
    "linear_schedule",
    "step_decay",
]


def exponential_decay(init: float, decay_rate: float) -> Callable:
    """Make a schedule ``init * decay_rate ** step``.

    Args:
        init (float): The value at step 0.
        decay_rate (float): The factor applied at every step.

    Example:
        >>> schedule = optim.exponential_decay(1e-1, 0.9)
        >>> optimizer = optim.SGD(learning_rate=schedule)
        >>> for _ in range(5): optimizer.update({}, {})
        >>> optimizer.learning_rate  # 0.1 * 0.9 ** 4
        array(0.06561, dtype=float32)
    """

    def schedule(step):
        return init * decay_rate**step

    return schedule


def step_decay(init: float, decay_rate: float, step_size: int) -> Callable:
    """Make a schedule that multiplies by ``decay_rate`` every ``step_size`` steps.

    Args:
        init (float): The value at step 0.
        decay_rate (float): The factor applied every ``step_size`` steps.
        step_size (int): The number of steps between two decays.

    Example:
        >>> schedule = optim.step_decay(1e-1, 0.9, 10)
        >>> schedule(25)  # 0.1 * 0.9 ** 2
        0.081...
    """
    if step_size < 1:
        raise ValueError(f"[step_decay] step_size must be at least 1, got {step_size}.")

    def schedule(step):
        return init * decay_rate ** (step // step_size)

    return schedule


def cosine_decay(init: float, decay_steps: int, end: float = 0.0) -> Callable:
    """Make a schedule that follows half a cosine from ``init`` to ``end``.

    Args:
        init (float): The value at step 0.
        decay_steps (int): The number of steps of the decay; the value stays
            at ``end`` afterwards.
        end (float, optional): The final value. Default: ``0``.

    Example:
        >>> schedule = optim.cosine_decay(1e-1, 1000)
        >>> optimizer = optim.SGD(learning_rate=schedule)
        >>> optimizer.learning_rate
        array(0.1, dtype=float32)
    """
    if decay_steps < 1:
        raise ValueError(
            f"[cosine_decay] decay_steps must be at least 1, got {decay_steps}."
        )

    def schedule(step):
        progress = mx.minimum(step, decay_steps) * (math.pi / decay_steps)
        weight = 0.5 * (1.0 + mx.cos(progress))
        return end + weight * (init - end)

    return schedule


def linear_schedule(init: float, end: float, steps: int) -> Callable:
    """Make a schedule that goes linearly from ``init`` to ``end``.

    Args:
        init (float): The value at step 0.
        end (float): The value reached after ``steps`` steps and kept.
        steps (int): The number of steps of the ramp.

    Example:
        >>> warmup = optim.linear_schedule(0, 1e-1, 100)
        >>> warmup(50)
        array(0.05, dtype=float32)
    """
    if steps < 1:
        raise ValueError(f"[linear_schedule] steps must be at least 1, got {steps}.")

    def schedule(step):
        step = mx.minimum(step, steps)
        return step * ((end - init) / steps) + init

    return schedule


def _steps_since(step, boundary: int):
    """``step - boundary`` clipped at 0 (unsigned step counters must not wrap)."""
    if isinstance(step, mx.array):
        return mx.where(step < boundary, 0, step - boundary)
    return max(step - boundary, 0)


def join_schedules(schedules: List[Callable], boundaries: List[int]) -> Callable:
    """Chain schedules: ``schedules[i + 1]`` takes over at ``boundaries[i]``.

    Each schedule after the first counts its steps from its own boundary.

    Args:
        schedules (list(Callable)): The schedules, in order.
        boundaries (list(int)): The steps where the next schedule starts; one
            fewer than ``schedules``.

    Example:
        >>> warmup = optim.linear_schedule(0, 1e-1, steps=10)
        >>> decay = optim.cosine_decay(1e-1, 200)
        >>> schedule = optim.join_schedules([warmup, decay], [10])
        >>> optimizer = optim.Adam(learning_rate=schedule)
    """
    if len(schedules) == 0:
        raise ValueError("[join_schedules] At least one schedule is required.")
    if len(boundaries) != len(schedules) - 1:
        raise ValueError(
            "[join_schedules] Expected len(boundaries) == len(schedules) - 1, got "
            f"{len(boundaries)} boundaries for {len(schedules)} schedules."
        )

    def schedule(step):
        value = schedules[0](step)
        for boundary, later in zip(boundaries, schedules[1:]):
            later_value = later(_steps_since(step, boundary))
            value = mx.where(step < boundary, value, later_value)
        return value

    return schedule
