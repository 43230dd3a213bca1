"""The Optimizer base class, MultiOptimizer and clip_grad_norm.

An optimizer is a tree map: ``apply_single`` updates one parameter from its
gradient and its own state dict, and the base class walks the gradient tree
to apply it everywhere. Everything needed to resume training lives in
``optimizer.state`` as arrays: the per-parameter tensors, the step counter
(``"step"``), the learning rate and every scheduled hyper-parameter. Saving
``tree_flatten(optimizer.state)`` and loading it back therefore continues
training exactly where it stopped.
"""

from typing import Any, Callable, Dict, List, Optional, Union

import mlx.core as mx
from mlx.utils import tree_flatten, tree_map, tree_merge, tree_reduce, tree_unflatten

__all__ = ["Optimizer", "MultiOptimizer", "clip_grad_norm"]


def _as_array(value) -> mx.array:
    # Schedules may return Python numbers; the state holds arrays only, so
    # that it can be saved and compiled.
    return value if isinstance(value, mx.array) else mx.array(value)


def _fill_missing_state(params: Any, state: Any) -> Any:
    """Grow ``state`` so it mirrors the structure of ``params``.

    Existing entries (for example a state loaded from a checkpoint) are kept;
    every new parameter gets an empty dict that ``init_single`` fills later.
    """
    if isinstance(params, (list, tuple)):
        state = list(state) if isinstance(state, (list, tuple)) else []
        for i, child in enumerate(params):
            if i < len(state):
                state[i] = _fill_missing_state(child, state[i])
            else:
                state.append(tree_map(lambda _: {}, child))
        return state
    if isinstance(params, dict):
        for key, child in params.items():
            if key in state:
                state[key] = _fill_missing_state(child, state[key])
            else:
                state[key] = tree_map(lambda _: {}, child)
        return state
    return state


class Optimizer:
    """The base class of all optimizers.

    Subclasses implement ``init_single`` (create the state of one parameter)
    and ``apply_single`` (return the updated parameter); the base class maps
    them over parameter trees, counts steps and evaluates schedules.

    Args:
        schedulers (dict, optional): Maps a hyper-parameter name to a callable
            of the step counter; the value is recomputed before every update
            and stored in ``state`` under that name.
    """

    def __init__(self, schedulers: Optional[Dict[str, Callable]] = None):
        self._initialized = False
        self._state = {"step": mx.array(0, mx.uint64)}
        self._schedulers = dict(schedulers or {})

    # -- applying updates ----------------------------------------------------

    def update(self, model, gradients: dict):
        """Apply ``gradients`` to the parameters of ``model`` in place.

        Args:
            model (Module): The model whose parameters are replaced.
            gradients (dict): Gradients with the structure of (a subset of)
                ``model.parameters()``, e.g. from :func:`mlx.nn.value_and_grad`.
        """
        model.update(self.apply_gradients(gradients, model))

    def init(self, parameters: dict):
        """Create the state of every parameter in ``parameters`` that has none.

        Calling it is optional: the first update initializes the state of the
        parameters it sees. State that already exists is left untouched.

        Args:
            parameters (dict): A tree of parameters.
        """
        _fill_missing_state(parameters, self._state)

        def init_leaf(param, state):
            # An empty dict marks a parameter that has not been initialized.
            if not state:
                self.init_single(param, state)
            return state

        tree_map(init_leaf, parameters, self._state)
        self._initialized = True

    def init_single(self, parameter: mx.array, state: dict):
        """Fill ``state`` (in place) with the initial state of ``parameter``."""
        raise NotImplementedError

    def apply_gradients(self, gradients: dict, parameters: dict):
        """Return the parameters updated by one step of the optimizer.

        Only the parameters that have a gradient are returned, so the result
        has the structure of ``gradients``. The optimizer state is updated in
        place and the step counter is advanced by one.

        Args:
            gradients (dict): A tree of gradients.
            parameters (dict): A tree of parameters; a superset of
                ``gradients``.

        Returns:
            dict: The updated parameters.
        """
        if not self._initialized:
            self.init(gradients)

        # Scheduled values use the number of steps taken before this one.
        for name, schedule in self._schedulers.items():
            self.state[name] = _as_array(schedule(self.step))
        self.state["step"] = self.step + 1

        return tree_map(self.apply_single, gradients, parameters, self.state)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """Return ``parameter`` updated from ``gradient``; may change ``state``."""
        raise NotImplementedError

    # -- state ---------------------------------------------------------------

    @property
    def state(self):
        """The optimizer's state: a dict tree of arrays.

        It holds ``"step"`` (the number of updates so far), the learning rate
        and any scheduled hyper-parameter, and one dict per parameter with
        that parameter's tensors. Assigning a state (e.g. one loaded from a
        checkpoint) replaces it; missing parameter entries are created on the
        next update.
        """
        return self._state

    @state.setter
    def state(self, state: dict):
        self._initialized = False
        self._state = state

    @property
    def step(self):
        """The number of updates applied so far (a ``uint64`` array)."""
        return self.state["step"]

    @property
    def learning_rate(self):
        """The current learning rate, an array stored in ``state``."""
        return self.state["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, learning_rate: Union[float, mx.array, Callable]):
        # A plain value replaces any schedule; a callable installs one.
        self._schedulers.pop("learning_rate", None)
        self._maybe_schedule("learning_rate", learning_rate)

    def _maybe_schedule(self, name: str, value: Union[float, mx.array, Callable]):
        """Store hyper-parameter ``name`` in the state as an array.

        A callable is a schedule: it is evaluated now from the step counter
        and again before every update.
        """
        if callable(value):
            self._schedulers[name] = value
            value = value(self.step)
        self.state[name] = _as_array(value)

    def _hyper_init(self, name: str, value: Union[float, Callable]):
        """Keep a plain number as an attribute, or schedule a callable."""
        setattr(self, name, value)
        if callable(value):
            self._maybe_schedule(name, value)

    def _hyper(self, name: str, dtype: mx.Dtype):
        """The current value of a hyper-parameter set up by ``_hyper_init``.

        Plain numbers stay Python scalars (they do not change the dtype of an
        array expression); scheduled values are cast to ``dtype``.
        """
        if name in self._schedulers:
            return self.state[name].astype(dtype)
        return getattr(self, name)

    def _is_active(self, name: str) -> bool:
        """False when a hyper-parameter is the constant 0 (its term is skipped)."""
        return name in self._schedulers or getattr(self, name) != 0


class MultiOptimizer(Optimizer):
    """Use different optimizers for different parameters.

    Each parameter goes to the first optimizer whose filter accepts it; the
    last optimizer takes every parameter no filter claimed, so there is one
    filter fewer than optimizers.

    Args:
        optimizers (list[Optimizer]): The optimizers to delegate to.
        filters (list[Callable[[str, array], bool]]): Predicates called with
            the dotted path of a parameter and its gradient.
    """

    def __init__(self, optimizers: List[Optimizer], filters: list = []):
        super().__init__()
        if len(optimizers) == 0:
            raise ValueError("[MultiOptimizer] At least one optimizer is required.")
        if len(filters) != len(optimizers) - 1:
            raise ValueError(
                "[MultiOptimizer] Expected one filter fewer than optimizers, got "
                f"{len(filters)} filters for {len(optimizers)} optimizers."
            )
        self._state = {}
        self.optimizers = list(optimizers)
        self.filters = list(filters) + [lambda path, value: True]

    def _split(self, tree: dict) -> List[dict]:
        """Partition the leaves of ``tree`` by the first filter accepting them."""
        if len(self.optimizers) == 1:
            return [tree]
        parts = [[] for _ in self.optimizers]
        for path, value in tree_flatten(tree):
            for part, accepts in zip(parts, self.filters):
                if accepts(path, value):
                    part.append((path, value))
                    break
        return [tree_unflatten(part) for part in parts]

    def init(self, parameters: dict):
        for optimizer, part in zip(self.optimizers, self._split(parameters)):
            optimizer.init(part)

    def apply_gradients(self, gradients: dict, parameters: dict):
        updated = {}
        for optimizer, part in zip(self.optimizers, self._split(gradients)):
            updated = tree_merge(updated, optimizer.apply_gradients(part, parameters))
        return updated

    @property
    def state(self):
        """``{"states": [...]}``: the states of the wrapped optimizers."""
        return {"states": [optimizer.state for optimizer in self.optimizers]}

    @state.setter
    def state(self, state: dict):
        states = state.get("states") if isinstance(state, dict) else None
        if not isinstance(states, (list, tuple)) or len(states) != len(
            self.optimizers
        ):
            raise ValueError(
                "[MultiOptimizer] The state must be a dict with a 'states' list "
                f"holding one state per optimizer ({len(self.optimizers)})."
            )
        for optimizer, sub_state in zip(self.optimizers, states):
            optimizer.state = sub_state

    @property
    def step(self):
        return self.optimizers[0].step

    @property
    def learning_rate(self):
        """The learning rate of the first optimizer; setting it sets all."""
        return self.optimizers[0].learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        for optimizer in self.optimizers:
            optimizer.learning_rate = learning_rate


def clip_grad_norm(grads, max_norm: float):
    """Rescale gradients so that their global L2 norm is at most ``max_norm``.

    Args:
        grads (dict): A tree of gradient arrays.
        max_norm (float): The largest allowed global norm.

    Returns:
        (dict, array): The (possibly) rescaled gradients and the global norm
        of the original gradients.
    """
    if max_norm < 0:
        raise ValueError(
            f"[clip_grad_norm] max_norm must be non-negative, got {max_norm}."
        )
    squared = tree_reduce(lambda acc, g: acc + mx.square(g).sum(), grads, 0.0)
    total_norm = mx.sqrt(squared)
    # The small constant keeps the scale finite when every gradient is zero.
    scale = mx.minimum(max_norm / (total_norm + 1e-6), 1.0)

    def rescale(g):
        # Floating gradients keep their dtype (float16 stays float16).
        if mx.issubdtype(g.dtype, mx.floating):
            return g * scale.astype(g.dtype)
        return g * scale

    return tree_map(rescale, grads), total_norm
