"""Module: the base class of every layer.

A Module is a dict. Arrays, dicts, lists and tuples assigned as attributes
are stored as its items, so the parameters of a model form a tree that the
tree utilities and the transforms walk directly; anything else (ints,
callables, flags) stays an ordinary attribute.
"""

import textwrap
from typing import Any, Callable, List, Optional, Tuple, Union

import mlx.core as mx
from mlx.utils import tree_flatten, tree_unflatten


def _is_empty_dict(x):
    return isinstance(x, dict) and not isinstance(x, Module) and len(x) == 0


def _default_leaf(module, key, value):
    return not isinstance(value, (Module, dict, list))


def _walk(owner, key, value, filter_fn, map_fn, is_leaf_fn):
    """One node of filter_and_map: leaves are mapped, sub-modules restart
    with their own keys, plain containers extend the dotted key of owner."""
    if is_leaf_fn(owner, key, value):
        return map_fn(value)
    if isinstance(value, Module):
        return {
            k: _walk(value, k, v, filter_fn, map_fn, is_leaf_fn)
            for k, v in value.items()
            if filter_fn(value, k, v)
        }
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            sub = f"{key}.{k}"
            out[k] = (
                _walk(owner, sub, v, filter_fn, map_fn, is_leaf_fn)
                if filter_fn(owner, sub, v)
                else {}
            )
        return out
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            sub = f"{key}.{i}"
            out.append(
                _walk(owner, sub, v, filter_fn, map_fn, is_leaf_fn)
                if filter_fn(owner, sub, v)
                else {}
            )
        return out
    raise RuntimeError(f"[Module] Unexpected value at '{key}' while walking the module.")


def _merge_tree(dst, src, assign, strict, op, noun, skip_empty_in_lists):
    """Walks src alongside dst (dicts by key, lists by index) and calls
    assign(dst, key, new, walk) where both have an entry; assign decides
    what to store and may walk deeper. With strict, entries dst lacks and
    values that are neither dict nor list raise ValueError."""

    def walk(d, s):
        if isinstance(s, dict):
            for k, new in s.items():
                if isinstance(d, dict) and k in d:
                    assign(d, k, new, walk)
                elif strict:
                    raise ValueError(f'[Module.{op}] Module does not have {noun} named "{k}".')
        elif isinstance(s, list):
            for i, new in enumerate(s):
                if isinstance(d, list) and i < len(d):
                    assign(d, i, new, walk)
                elif strict and not (skip_empty_in_lists and _is_empty_dict(new)):
                    raise ValueError(f"[Module.{op}] Module does not have {noun} at index {i}.")
        elif strict:
            raise ValueError(f"[Module.{op}] Received invalid type: {type(s).__name__}.")

    walk(dst, src)


class Module(dict):
    """Base class for neural network layers and models.

    Sub-modules and arrays assigned as attributes become entries of the
    dict; ``parameters()`` returns them as a nested dict of arrays.
    """

    __call__: Callable

    def __init__(self):
        self._no_grad = set()
        self._training = True

    @property
    def training(self):
        """True in training mode (see train() and eval())."""
        return self._training

    @property
    def state(self):
        """Everything the module holds (parameters, frozen or not, and
        buffers) as a tree: the module itself."""
        return self

    # -- attribute access -------------------------------------------------

    def __getattr__(self, key: str):
        if key in self:
            return self[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def __setattr__(self, key: str, value: Any):
        if isinstance(value, (mx.array, dict, list, tuple)):
            if key in self.__dict__:
                object.__delattr__(self, key)
            self[key] = value
        else:
            if key in self:
                del self[key]
            super().__setattr__(key, value)

    def __delattr__(self, key: str):
        if key in self:
            del self[key]
        else:
            super().__delattr__(key)

    def _extra_repr(self):
        return ""

    def __repr__(self):
        children = tree_flatten(self.children(), is_leaf=self.is_module)
        text = f"{type(self).__name__}({self._extra_repr()}"
        for key, child in children:
            text += "\n" + textwrap.indent(f"({key}): {child!r}", "  ")
        if children:
            text += "\n"
        return text + ")"

    # -- filters ------------------------------------------------------------

    @staticmethod
    def is_module(value):
        return isinstance(value, Module)

    @staticmethod
    def valid_child_filter(module, key, value):
        return isinstance(value, (dict, list))

    @staticmethod
    def valid_parameter_filter(module, key, value):
        return isinstance(value, (dict, list, mx.array)) and not key.startswith("_")

    @staticmethod
    def trainable_parameter_filter(module, key, value):
        return (
            Module.valid_parameter_filter(module, key, value)
            and key not in module._no_grad
        )

    def filter_and_map(
        self,
        filter_fn: Callable[["Module", str, Any], bool],
        map_fn: Optional[Callable] = None,
        is_leaf_fn: Optional[Callable[["Module", str, Any], bool]] = None,
    ):
        """The entries accepted by filter_fn as a nested dict, with map_fn
        applied to each leaf (is_leaf_fn decides what a leaf is)."""
        map_fn = map_fn or (lambda x: x)
        is_leaf_fn = is_leaf_fn or _default_leaf
        return {
            k: _walk(self, k, v, filter_fn, map_fn, is_leaf_fn)
            for k, v in self.items()
            if filter_fn(self, k, v)
        }

    def parameters(self):
        """All arrays of the module and its sub-modules, as a nested dict."""
        return self.filter_and_map(self.valid_parameter_filter)

    def trainable_parameters(self):
        """The parameters that are not frozen."""
        return self.filter_and_map(self.trainable_parameter_filter)

    def children(self):
        """The direct sub-modules (inside dicts and lists too)."""
        return self.filter_and_map(
            self.valid_child_filter, is_leaf_fn=lambda m, k, v: isinstance(v, Module)
        )

    def leaf_modules(self):
        """The sub-modules that have no sub-modules of their own."""

        def is_leaf_module(m, k, v):
            return isinstance(v, Module) and len(tree_flatten(v.children())) == 0

        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=is_leaf_module)

    def apply_to_modules(self, apply_fn: Callable[[str, "Module"], Any]) -> "Module":
        """Call apply_fn(dotted name, module) on this module and every
        sub-module, parents before children."""
        stack = [("", self)]
        while stack:
            prefix, module = stack.pop()
            apply_fn(prefix, module)
            prefix = "." + prefix if prefix else ""
            stack.extend(tree_flatten(module.children(), prefix=prefix, is_leaf=self.is_module))
        return self

    def modules(self):
        """This module and all sub-modules, as a list."""
        found = []
        self.apply_to_modules(lambda _, m: found.append(m))
        return found

    def named_modules(self):
        """(dotted name, module) for this module ("") and all sub-modules."""
        found = []
        self.apply_to_modules(lambda name, m: found.append((name, m)))
        return found

    # -- updates --------------------------------------------------------------

    def update(self, parameters: dict, strict: bool = True) -> "Module":
        """Replace arrays with those in the nested dict parameters. With
        strict, unknown names and non-array values raise ValueError."""

        def assign(dst, key, new, walk):
            current = dst[key]
            if not isinstance(current, mx.array):
                walk(current, new)
            elif strict and not isinstance(new, mx.array):
                raise ValueError(
                    f"[Module.update] Received invalid type: {type(new).__name__}."
                )
            else:
                dst[key] = new

        # An empty dict in a list stands for "leave this entry alone".
        _merge_tree(self, parameters, assign, strict, "update", "parameter", True)
        return self

    def update_modules(self, modules: dict, strict: bool = True) -> "Module":
        """Replace sub-modules with those in the nested dict modules."""

        def assign(dst, key, new, walk):
            current = dst[key]
            if isinstance(current, Module) and isinstance(new, Module):
                dst[key] = new
            elif isinstance(current, (dict, list)):
                walk(current, new)
            elif strict and not _is_empty_dict(new):
                raise ValueError(
                    f"[Module.update_modules] Received invalid type: {type(new).__name__}."
                )

        _merge_tree(self, modules, assign, strict, "update_modules", "sub-module", False)
        return self

    def apply(
        self,
        map_fn: Callable[[mx.array], mx.array],
        filter_fn: Optional[Callable[["Module", str, Any], bool]] = None,
    ) -> "Module":
        """Replace each parameter p (chosen by filter_fn) with map_fn(p)."""
        filter_fn = filter_fn or self.valid_parameter_filter
        self.update(self.filter_and_map(filter_fn, map_fn))
        return self

    def set_dtype(
        self,
        dtype: mx.Dtype,
        predicate: Optional[Callable[[mx.Dtype], bool]] = lambda t: mx.issubdtype(
            t, mx.floating
        ),
    ):
        """Cast the parameters whose dtype satisfies predicate (floating
        point ones by default) to dtype."""
        predicate = predicate or (lambda _: True)
        self.apply(lambda x: x.astype(dtype) if predicate(x.dtype) else x)

    # -- freezing and modes -------------------------------------------------

    def freeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> "Module":
        """Exclude parameters (all, or those named in keys) from
        trainable_parameters(), here and, with recurse, in sub-modules."""
        if isinstance(keys, str):
            keys = [keys]

        def freeze_one(_, module):
            names = keys
            if names is None:
                local = module.filter_and_map(
                    lambda m, k, v: not isinstance(v, Module)
                    and m.valid_parameter_filter(m, k, v)
                )
                names = [k for k, _ in tree_flatten(local)]
            if strict:
                for k in names:
                    if k not in module:
                        raise KeyError(f"[Module.freeze] Module doesn't contain member {k}.")
            module._no_grad.update(names)

        if recurse:
            self.apply_to_modules(freeze_one)
        else:
            freeze_one("", self)
        return self

    def unfreeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> "Module":
        """Undo freeze() for all parameters or those named in keys."""
        if isinstance(keys, str):
            keys = [keys]

        def unfreeze_one(_, module):
            if keys is None:
                module._no_grad.clear()
                return
            if strict:
                for k in keys:
                    if k not in module:
                        raise KeyError(f"[Module.unfreeze] Module doesn't contain member {k}.")
            module._no_grad.difference_update(keys)

        if recurse:
            self.apply_to_modules(unfreeze_one)
        else:
            unfreeze_one("", self)
        return self

    def train(self, mode: bool = True) -> "Module":
        """Set training mode (affects dropout, batch norm, ...) everywhere."""

        self.apply_to_modules(lambda _, module: module._set_training_mode(mode))
        return self

    def _set_training_mode(self, mode: bool):
        # Layers that change representation between modes override this.
        self._training = mode

    def eval(self) -> "Module":
        """Set evaluation mode: the same as train(False)."""
        return self.train(False)

    # -- weights files --------------------------------------------------------

    def load_weights(
        self,
        file_or_weights: Union[str, List[Tuple[str, mx.array]]],
        strict: bool = True,
    ) -> "Module":
        """Load weights from a .npz or .safetensors file, or from a list of
        (dotted name, array) pairs. With strict, the names, shapes and types
        must match the model's parameters exactly."""
        weights = file_or_weights
        if isinstance(weights, str):
            weights = list(mx.load(weights).items())
        elif isinstance(weights, dict):
            weights = list(weights.items())
        current = tree_flatten(self.parameters(), destination={})
        if strict:
            given = dict(weights)
            extra = given.keys() - current.keys()
            if extra:
                raise ValueError(
                    f"[Module.load_weights] Received {len(extra)} parameters not "
                    f"in model: {', '.join(sorted(extra))}."
                )
            missing = current.keys() - given.keys()
            if missing:
                raise ValueError(
                    f"[Module.load_weights] Missing {len(missing)} parameters: "
                    f"{', '.join(sorted(missing))}."
                )
            for name, old in current.items():
                new = given[name]
                if not isinstance(new, mx.array):
                    raise ValueError(
                        f"[Module.load_weights] Expected mx.array but received "
                        f"{type(new).__name__} for parameter {name}."
                    )
                if new.shape != old.shape:
                    raise ValueError(
                        f"[Module.load_weights] Expected shape {old.shape} but "
                        f"received shape {new.shape} for parameter {name}."
                    )
        else:
            # Names the model lacks would index past the end of its lists.
            weights = [(k, v) for k, v in weights if k in current]
        if weights:
            self.update(tree_unflatten(weights), strict=False)
        return self

    def save_weights(self, file: str):
        """Save the parameters to a .npz or .safetensors file."""
        params = dict(tree_flatten(self.parameters()))
        if file.endswith(".npz"):
            mx.savez(file, **params)
        elif file.endswith(".safetensors"):
            mx.save_safetensors(file, params)
        else:
            raise ValueError(
                "[Module.save_weights] Unsupported file extension: use .npz or "
                ".safetensors."
            )
