"""Helpers for Python trees: nested lists, tuples (named tuples included)
and dicts whose leaves are arrays or any other value.

Keys of a flattened tree join the path with dots: ``{"a": [x]}`` flattens
to ``[("a.0", x)]``.
"""

from itertools import zip_longest
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

__all__ = [
    "tree_flatten",
    "tree_unflatten",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_merge",
]


def _rebuild(node, parts):
    """A sequence of node's own type holding parts; named tuples take their
    fields positionally."""
    if hasattr(node, "_fields"):
        return type(node)(*parts)
    return type(node)(parts)


def _is_empty_container(x):
    return isinstance(x, (dict, list, tuple)) and len(x) == 0


def tree_map(fn: Callable, tree: Any, *rest: Any, is_leaf: Optional[Callable] = None) -> Any:
    """Apply fn to every leaf of tree (and the matching leaves of rest)."""
    if is_leaf is not None and is_leaf(tree):
        return fn(tree, *rest)
    if isinstance(tree, (list, tuple)):
        parts = [
            tree_map(fn, child, *(r[i] for r in rest), is_leaf=is_leaf)
            for i, child in enumerate(tree)
        ]
        return _rebuild(tree, parts)
    if isinstance(tree, dict):
        return {
            k: tree_map(fn, child, *(r[k] for r in rest), is_leaf=is_leaf)
            for k, child in tree.items()
        }
    return fn(tree, *rest)


def tree_map_with_path(
    fn: Callable,
    tree: Any,
    *rest: Any,
    is_leaf: Optional[Callable] = None,
    path: Optional[Any] = None,
) -> Any:
    """Like tree_map, with the dotted path of each leaf as fn's first argument."""

    def child_path(key):
        return f"{path}.{key}" if path else str(key)

    if is_leaf is not None and is_leaf(tree):
        return fn(path, tree, *rest)
    if isinstance(tree, (list, tuple)):
        parts = [
            tree_map_with_path(
                fn, child, *(r[i] for r in rest), is_leaf=is_leaf, path=child_path(i)
            )
            for i, child in enumerate(tree)
        ]
        return _rebuild(tree, parts)
    if isinstance(tree, dict):
        return {
            k: tree_map_with_path(
                fn, child, *(r[k] for r in rest), is_leaf=is_leaf, path=child_path(k)
            )
            for k, child in tree.items()
        }
    return fn(path, tree, *rest)


def tree_flatten(
    tree: Any,
    prefix: str = "",
    is_leaf: Optional[Callable] = None,
    destination: Union[List[Tuple[str, Any]], Dict[str, Any], None] = None,
) -> Union[List[Tuple[str, Any]], Dict[str, Any]]:
    """The leaves of tree as (dotted key, leaf) pairs, in a list or, when
    destination is a dict, as its items. The first character of prefix is
    dropped, so ``prefix=".a"`` gives keys ``a.0``, ``a.1``, ..."""
    if destination is None:
        destination = []
    if isinstance(destination, dict):
        add = destination.__setitem__
    elif isinstance(destination, list):
        add = lambda k, v: destination.append((k, v))
    else:
        raise ValueError("[tree_flatten] destination must be a list or a dict.")

    def walk(node, key):
        if is_leaf is None or not is_leaf(node):
            if isinstance(node, (list, tuple)):
                for i, child in enumerate(node):
                    walk(child, f"{key}.{i}")
                return
            if isinstance(node, dict):
                for k, child in node.items():
                    walk(child, f"{key}.{k}")
                return
        add(key[1:], node)

    walk(tree, prefix)
    return destination


def _is_list_key(key):
    """True for a canonical non-negative integer ("0", "12"; not "01")."""
    return key.isdigit() and str(int(key)) == key


def tree_unflatten(tree: Union[List[Tuple[str, Any]], Dict[str, Any]]) -> Any:
    """Rebuild the nested tree from (dotted key, value) pairs. A level whose
    keys are all canonical integers becomes a list; missing indices hold
    empty dicts."""
    items = list(tree.items()) if isinstance(tree, dict) else list(tree)
    if len(items) == 1 and items[0][0] == "":
        return items[0][1]

    groups = {}
    for key, value in items:
        head, _, tail = key.partition(".")
        groups.setdefault(head, []).append((tail, value))

    if groups and all(_is_list_key(k) for k in groups):
        out = []
        for index in sorted(groups, key=int):
            out.extend({} for _ in range(int(index) - len(out)))
            out.append(tree_unflatten(groups[index]))
        return out
    return {k: tree_unflatten(v) for k, v in groups.items()}


def tree_reduce(fn, tree, initializer=None, is_leaf=None):
    """Fold fn(accumulator, leaf) over the leaves of tree; without an
    initializer the first leaf starts the fold."""
    acc = initializer
    # An explicit stack (children pushed in reverse) keeps leaf order.
    stack = [tree]
    while stack:
        node = stack.pop()
        if is_leaf is None or not is_leaf(node):
            if isinstance(node, (list, tuple)):
                stack.extend(reversed(node))
                continue
            if isinstance(node, dict):
                stack.extend(reversed(list(node.values())))
                continue
        acc = node if acc is None else fn(acc, node)
    return acc


def tree_merge(tree_a, tree_b, merge_fn=None):
    """Merge two trees as a deep dict update. Empty containers count as
    empty subtrees; leaves present in both go to merge_fn."""
    if _is_empty_container(tree_a) and _is_empty_container(tree_b):
        if type(tree_a) is not type(tree_b):
            raise ValueError(
                "[tree_merge] Cannot merge empty subtrees of different types "
                f"({type(tree_a).__name__} and {type(tree_b).__name__})."
            )
        return tree_a
    if tree_a is None or _is_empty_container(tree_a):
        return tree_b
    if tree_b is None or _is_empty_container(tree_b):
        return tree_a

    if isinstance(tree_a, (list, tuple)) and isinstance(tree_b, (list, tuple)):
        parts = [tree_merge(a, b, merge_fn) for a, b in zip_longest(tree_a, tree_b)]
        return _rebuild(tree_a, parts)
    if isinstance(tree_a, dict) and isinstance(tree_b, dict):
        keys = list(tree_a) + [k for k in tree_b if k not in tree_a]
        return {k: tree_merge(tree_a.get(k), tree_b.get(k), merge_fn) for k in keys}
    if merge_fn is None:
        raise ValueError(
            "[tree_merge] Both trees hold a value at the same place and no "
            "merge_fn was given."
        )
    return merge_fn(tree_a, tree_b)
