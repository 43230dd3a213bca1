"""grad, value_and_grad, vjp, jvp and vmap over trees of arrays.

The graph walks are in C++ (csrc/transforms); this module maps Python
argument trees, argnums/argnames and auxiliary outputs onto them.
"""

from functools import wraps


def _rebuild_seq(node, parts):
    """A tuple or list of node's type holding parts (namedtuples included)."""
    if hasattr(node, "_fields"):
        return type(node)(*parts)
    return type(node)(parts)


def _flatten(tree):
    """Leaves of a tree of lists, tuples and dicts, and a function that
    builds a new tree of the same structure from new leaves."""
    leaves = []

    def build(node):
        if isinstance(node, (list, tuple)):
            parts = [build(x) for x in node]
            return lambda it: _rebuild_seq(node, [p(it) for p in parts])
        if isinstance(node, dict):
            parts = {k: build(v) for k, v in node.items()}
            return lambda it: {k: p(it) for k, p in parts.items()}
        leaves.append(node)
        return lambda it: next(it)

    rebuild = build(tree)
    return leaves, lambda new_leaves: rebuild(iter(new_leaves))


def _fill(tree, leaves, rebuilt):
    """Puts leaves into the tree: lists and dicts are updated in place, so
    the function sees (and may change) the caller's containers, as in MLX;
    tuples are rebuilt, and `rebuilt` maps each new tuple's id to the pair
    (new tuple, original) for _restore."""
    it = iter(leaves)

    def fill(node):
        if isinstance(node, list):
            for i, v in enumerate(node):
                node[i] = fill(v)
            return node
        if isinstance(node, dict):
            for k in node:
                node[k] = fill(node[k])
            return node
        if isinstance(node, tuple):
            new = _rebuild_seq(node, [fill(v) for v in node])
            rebuilt[id(new)] = (new, node)
            return new
        return next(it)

    return fill(tree)


def _restore(tree, tracers, originals, rebuilt):
    """Undoes _fill in the caller's lists and dicts: leaves that are still
    tracers get their original arrays back, rebuilt tuples their original
    tuple; anything the function assigned stays."""
    back = {id(t): o for t, o in zip(tracers, originals)}
    back.update({key: original for key, (_, original) in rebuilt.items()})

    def walk(node):
        if isinstance(node, list):
            for i, v in enumerate(node):
                node[i] = walk(v)
        elif isinstance(node, dict):
            for k in node:
                node[k] = walk(node[k])
        elif isinstance(node, tuple):
            for v in node:
                walk(v)
        return back.get(id(node), node)

    walk(tree)


def _axes_for(prefix, tree, name):
    """Broadcast a prefix tree of axes (int or None) onto the leaves of tree."""
    if prefix is None or isinstance(prefix, int):
        return [prefix] * len(_flatten(tree)[0])
    # A one-element tuple of axes for a function returning a single array.
    if (
        isinstance(prefix, (list, tuple))
        and len(prefix) == 1
        and not isinstance(tree, (list, tuple, dict))
    ):
        return _axes_for(prefix[0], tree, name)
    if isinstance(prefix, (list, tuple)) and isinstance(tree, (list, tuple)):
        if len(prefix) != len(tree):
            raise ValueError(
                f"[{name}] The axes tree has {len(prefix)} entries where the "
                f"arguments have {len(tree)}."
            )
        return [a for p, t in zip(prefix, tree) for a in _axes_for(p, t, name)]
    if isinstance(prefix, dict) and isinstance(tree, dict):
        if set(prefix) != set(tree):
            raise ValueError(
                f"[{name}] The axes tree keys {sorted(prefix)} do not match the "
                f"keys {sorted(tree)}."
            )
        return [a for k, t in tree.items() for a in _axes_for(prefix[k], t, name)]
    raise ValueError(f"[{name}] The axes tree does not match the arguments.")


def _check_callable(fun, name):
    if not callable(fun):
        raise TypeError(
            f"[{name}] Expected a callable; got {type(fun).__name__}."
        )


def _install(core):
    array = core.array

    def _normalize_argnums(argnums, argnames, name):
        if isinstance(argnames, str):
            argnames = [argnames]
        # Lists and tuples only: list() of an arbitrary object may never end.
        if not isinstance(argnames, (list, tuple)):
            raise TypeError(f"[{name}] argnames must be a string or a list of strings.")
        argnames = list(argnames)
        if argnums is None:
            argnums = [] if argnames else 0
        if not isinstance(argnums, (int, list, tuple)):
            raise TypeError(f"[{name}] argnums must be an int or a list of ints.")
        nums = [argnums] if isinstance(argnums, int) else list(argnums)
        # As in MLX, one differentiated position gives its gradient alone,
        # whether argnums was 0, (0,) or [0].
        single = len(nums) == 1
        for n in nums:
            if not isinstance(n, int):
                raise TypeError(f"[{name}] argnums must be integers, got {n!r}.")
            if n < 0:
                raise ValueError(f"[{name}] argnums must be non-negative.")
        if not nums and not argnames:
            raise ValueError(f"[{name}] No argnums or argnames to differentiate.")
        if len(set(nums)) != len(nums):
            raise ValueError(f"[{name}] Repeated index in argnums.")
        return nums, single, argnames

    def _value_and_grad(fun, argnums, argnames, name, allow_aux):
        nums, single, names = _normalize_argnums(argnums, argnames, name)

        def call(*args, **kwargs):
            for n in nums:
                if n >= len(args):
                    raise ValueError(
                        f"[{name}] Cannot differentiate argument {n}: the "
                        f"function was called with {len(args)} positional "
                        "arguments."
                    )
            for k in names:
                if k not in kwargs:
                    raise ValueError(f"[{name}] Keyword argument '{k}' not given.")
            diff = [args[n] for n in nums] + [kwargs[k] for k in names]
            leaves, rebuild = _flatten(diff)
            for leaf in leaves:
                if not isinstance(leaf, array):
                    raise ValueError(
                        f"[{name}] Only arrays can be differentiated; got "
                        f"{type(leaf).__name__}."
                    )
            result = []

            def flat(xs):
                trees = _fill(diff, xs, rebuilt)
                new_args = list(args)
                for i, n in enumerate(nums):
                    new_args[n] = trees[i]
                new_kwargs = dict(kwargs)
                for i, k in enumerate(names):
                    new_kwargs[k] = trees[len(nums) + i]
                tracers.extend(xs)
                out = fun(*new_args, **new_kwargs)
                if isinstance(out, array):
                    loss = out
                elif (
                    allow_aux
                    and isinstance(out, tuple)
                    and out
                    and isinstance(out[0], array)
                ):
                    loss = out[0]
                else:
                    what = (
                        "a scalar array or a tuple whose first element is one"
                        if allow_aux
                        else "a scalar array"
                    )
                    raise ValueError(
                        f"[{name}] The function must return {what}; got "
                        f"{type(out).__name__}."
                    )
                if loss.size != 1:
                    raise ValueError(
                        f"[{name}] The loss must be a scalar; got shape "
                        f"{loss.shape}."
                    )
                result.append(out)
                return [loss]

            tracers, rebuilt = [], {}
            try:
                _, grads = core._vjp_flat(flat, leaves, [])
            finally:
                _restore(diff, tracers, leaves, rebuilt)
            trees = rebuild(grads)
            pos = trees[: len(nums)]
            # Only keyword arguments differentiated: no positional gradients.
            pos = None if not nums else pos[0] if single else tuple(pos)
            if names:
                kw = {k: trees[len(nums) + i] for i, k in enumerate(names)}
                grads_out = (pos, kw)
            else:
                grads_out = pos
            return result[-1], grads_out

        return call

    def value_and_grad(fun, argnums=None, argnames=[]):
        """Return a function that computes ``fun``'s value and its gradient.

        ``fun`` must return a scalar array, or a tuple whose first element
        is a scalar array (the value that is differentiated) followed by
        auxiliary outputs, which are returned as they are. The
        differentiated arguments may be arrays or trees (lists, tuples,
        dicts) of arrays; their gradients have the same structure.

        Args:
            fun (Callable): The function to differentiate.
            argnums (int or list(int), optional): The positional arguments
                to differentiate. Default: ``0``, unless ``argnames`` is
                given, in which case none.
            argnames (str or list(str), optional): Keyword arguments to
                differentiate. Default: ``[]``.

        Returns:
            Callable: A function with the signature of ``fun`` that returns
            ``(value, grads)``. ``value`` is what ``fun`` returned; ``grads``
            is the gradient of one positional argument, a tuple of them for
            several, and ``(positional, {name: gradient})`` when
            ``argnames`` is used.
        """
        _check_callable(fun, "value_and_grad")
        inner = _value_and_grad(fun, argnums, argnames, "value_and_grad", True)

        @wraps(fun)
        def wrapper(*args, **kwargs):
            return inner(*args, **kwargs)

        return wrapper

    def grad(fun, argnums=None, argnames=[]):
        """Return a function that computes the gradient of ``fun``.

        ``fun`` must return a scalar array. The differentiated arguments
        may be arrays or trees (lists, tuples, dicts) of arrays; their
        gradients have the same structure.

        Args:
            fun (Callable): The function to differentiate.
            argnums (int or list(int), optional): The positional arguments
                to differentiate. Default: ``0``, unless ``argnames`` is
                given, in which case none.
            argnames (str or list(str), optional): Keyword arguments to
                differentiate. Default: ``[]``.

        Returns:
            Callable: A function with the signature of ``fun`` that returns
            the gradient of one positional argument, a tuple of them for
            several, or ``(positional, {name: gradient})`` when
            ``argnames`` is used.
        """
        _check_callable(fun, "grad")
        inner = _value_and_grad(fun, argnums, argnames, "grad", False)

        @wraps(fun)
        def wrapper(*args, **kwargs):
            return inner(*args, **kwargs)[1]

        return wrapper

    def _as_list(out, name):
        if isinstance(out, array):
            return [out]
        if isinstance(out, (list, tuple)) and all(isinstance(o, array) for o in out):
            return list(out)
        raise ValueError(f"[{name}] The function must return an array or a list "
                         "of arrays.")

    def _check_arrays(xs, what, name):
        if not isinstance(xs, (list, tuple)):
            raise TypeError(f"[{name}] {what} must be a list or tuple of arrays.")
        for x in xs:
            if not isinstance(x, array):
                raise TypeError(f"[{name}] {what} must contain only arrays.")
        return list(xs)

    def vjp(fun, primals, cotangents):
        """Compute a vector-Jacobian product.

        Runs ``fun`` at ``primals`` and pulls the ``cotangents`` back
        through it: the result for each input is the sum over outputs of
        cotangent times the output's Jacobian with respect to that input.

        Args:
            fun (Callable): A function of arrays (one per primal) returning
                an array or a list or tuple of arrays.
            primals (list(array)): The point at which to differentiate.
            cotangents (list(array)): One array per output of ``fun``, with
                that output's shape.

        Returns:
            tuple(list(array), list(array)): The outputs of ``fun`` and the
            vector-Jacobian products, one per primal.
        """
        _check_callable(fun, "vjp")
        primals = _check_arrays(primals, "primals", "vjp")
        cotangents = _check_arrays(cotangents, "cotangents", "vjp")
        outs, vjps = core._vjp_flat(
            lambda xs: _as_list(fun(*xs), "vjp"), primals, cotangents
        )
        return outs, vjps

    def jvp(fun, primals, tangents):
        """Compute a Jacobian-vector product.

        Runs ``fun`` at ``primals`` and pushes the ``tangents`` forward
        through it: the result for each output is its Jacobian applied to
        the tangents.

        Args:
            fun (Callable): A function of arrays (one per primal) returning
                an array or a list or tuple of arrays.
            primals (list(array)): The point at which to differentiate.
            tangents (list(array)): One array per primal, with that
                primal's shape.

        Returns:
            tuple(list(array), list(array)): The outputs of ``fun`` and the
            Jacobian-vector products, one per output.
        """
        _check_callable(fun, "jvp")
        primals = _check_arrays(primals, "primals", "jvp")
        tangents = _check_arrays(tangents, "tangents", "jvp")
        outs, jvps = core._jvp_flat(
            lambda xs: _as_list(fun(*xs), "jvp"), primals, tangents
        )
        return outs, jvps

    def vmap(fun, in_axes=0, out_axes=0):
        """Return a vectorized version of ``fun``.

        The returned function maps ``fun`` over an axis of its inputs, as
        if it were called on each slice and the results stacked, but in
        one batched computation.

        Args:
            fun (Callable): The function to vectorize. Its arguments and
                results may be arrays or trees of arrays.
            in_axes (int, list or dict, optional): The axis to map over in
                each input: one value for all, or a tree matching the
                arguments (a list or tuple with one entry per argument).
                ``None`` in the tree leaves that input unmapped. Default:
                ``0``.
            out_axes (int, list or dict, optional): Where the mapped axis
                goes in each output, in the same forms. Default: ``0``.

        Returns:
            Callable: The vectorized function.
        """
        _check_callable(fun, "vmap")
        if in_axes is None:
            raise TypeError("[vmap] in_axes must be an int, a tuple or a dict.")

        @wraps(fun)
        def wrapper(*args):
            args = list(args)
            # A list or tuple gives one entry per argument; anything else
            # applies to every argument.
            if isinstance(in_axes, (list, tuple)):
                prefix = list(in_axes)
            else:
                prefix = [in_axes] * len(args)
            axes = _axes_for(prefix, args, "vmap")
            leaves, rebuild = _flatten(args)
            ins, in_ax, spots = [], [], []
            for i, (leaf, ax) in enumerate(zip(leaves, axes)):
                if isinstance(leaf, array):
                    if ax is not None and not -leaf.ndim <= ax < leaf.ndim:
                        raise IndexError(
                            f"[vmap] Invalid vectorization axis {ax} for an "
                            f"array with shape {leaf.shape}."
                        )
                    if ax is not None and ax < 0:
                        ax += leaf.ndim
                    spots.append(i)
                    ins.append(leaf)
                    in_ax.append(-1 if ax is None else ax)
                elif ax is not None:
                    raise ValueError(
                        "[vmap] Only arrays can be mapped; got "
                        f"{type(leaf).__name__} with axis {ax}."
                    )
            structure = []

            def flat(xs):
                new = list(leaves)
                for i, x in zip(spots, xs):
                    new[i] = x
                out = fun(*rebuild(new))
                out_leaves, out_rebuild = _flatten(out)
                for o in out_leaves:
                    if not isinstance(o, array):
                        raise ValueError("[vmap] The function must return arrays.")
                structure[:] = [out, out_rebuild]
                return out_leaves

            outs, out_batch = core._vmap_flat(flat, ins, in_ax)
            out_tree, out_rebuild = structure
            want = _axes_for(out_axes, out_tree, "vmap")
            sizes = {x.shape[a] for x, a in zip(ins, in_ax) if a >= 0}
            n = sizes.pop() if sizes else None
            results = []
            for o, have, w in zip(outs, out_batch, want):
                if have < 0:
                    if w is None:
                        results.append(o)
                        continue
                    o = core.broadcast_to(core.expand_dims(o, 0), (n, *o.shape))
                    have = 0
                elif w is None:
                    raise ValueError(
                        "[vmap] An output that depends on the mapped inputs "
                        "cannot have out_axes None."
                    )
                if not -o.ndim <= w < o.ndim:
                    raise IndexError(
                        f"[vmap] Invalid output vectorization axis {w} for an "
                        f"output with shape {o.shape}."
                    )
                if w < 0:
                    w += o.ndim
                results.append(o if have == w else core.moveaxis(o, have, w))
            return out_rebuild(results)

        return wrapper

    core.value_and_grad = value_and_grad
    core.grad = grad
    core.vjp = vjp
    core.jvp = jvp
    core.vmap = vmap


def _install_custom(core):
    array = core.array

    def _leaf_arrays(tree):
        leaves, rebuild = _flatten(tree)
        spots = [i for i, x in enumerate(leaves) if isinstance(x, array)]
        return leaves, rebuild, spots

    def _as_tuple(x):
        return tuple(x) if isinstance(x, (list, tuple)) else (x,)

    def _retraced_rules(flat):
        """vjp, jvp and vmap rules that transform `flat` (a function of the
        primal arrays alone, so captured arrays are constants)."""

        def vjp_rule(primals, cotangents, outputs):
            return core.vjp(flat, primals, cotangents)[1]

        def jvp_rule(primals, tangents):
            return core.jvp(flat, primals, tangents)[1]

        def vmap_rule(inputs, axes):
            ax = [None if a < 0 else a for a in axes]
            res = core.vmap(flat, in_axes=ax)(*inputs)
            return res, [0] * len(res)

        return vjp_rule, jvp_rule, vmap_rule

    class custom_function:
        """Wrap a function so that its transformations can be given by hand.

        Calling the wrapper calls the function. Decorate rules with
        ``.vjp``, ``.jvp`` and ``.vmap`` to use them instead of
        differentiating or vectorizing the function's body; a
        transformation without a rule still goes through the body.

        Args:
            f (Callable): The function to wrap.
        """

        def __init__(self, f):
            _check_callable(f, "custom_function")
            self.fun = f
            self._vjp = self._jvp = self._vmap = None
            wraps(f)(self)

        def vjp(self, f):
            """Set the vector-Jacobian product rule (use as a decorator).

            Args:
                f (Callable): Called as ``f(primals, cotangents, outputs)``
                    (the positional arguments, or the argument itself when
                    there is one; the cotangents and outputs shaped like
                    the function's result) and returning one gradient per
                    positional argument.

            Returns:
                Callable: ``f`` itself.
            """
            self._vjp = f
            return f

        def jvp(self, f):
            """Set the Jacobian-vector product rule (use as a decorator).

            Args:
                f (Callable): Called as ``f(primals, tangents)`` and
                    returning the output tangents, shaped like the
                    function's result.

            Returns:
                Callable: ``f`` itself.
            """
            self._jvp = f
            return f

        def vmap(self, f):
            """Set the vectorization rule (use as a decorator).

            Args:
                f (Callable): Called as ``f(inputs, axes)``, where ``axes``
                    gives each input's mapped axis (``None`` if unmapped),
                    and returning ``(outputs, output_axes)``.

            Returns:
                Callable: ``f`` itself.
            """
            self._vmap = f
            return f

        def __call__(self, *args, **kwargs):
            leaves, rebuild, spots = _leaf_arrays(list(args))
            outs = self.fun(*args, **kwargs)
            out_leaves, out_rebuild = _flatten(outs)
            for o in out_leaves:
                if not isinstance(o, array):
                    raise ValueError(
                        "[custom_function] The function must return arrays."
                    )
            single = isinstance(outs, array)

            one_arg = len(args) == 1

            def with_arrays(xs):
                # The rules see the positional arguments as a tuple, or as
                # the argument itself when there is one (MLX's convention).
                new = list(leaves)
                for i, x in zip(spots, xs):
                    new[i] = x
                tree = tuple(rebuild(new))
                return tree[0] if one_arg else tree

            def out_tree(xs):
                return xs[0] if single else out_rebuild(xs)

            def vjp_rule(primals, cotangents, outputs):
                grads = self._vjp(
                    with_arrays(primals),
                    out_tree(cotangents),
                    out_tree(outputs),
                    **kwargs,
                )
                if one_arg:
                    if isinstance(grads, tuple) and len(grads) == 1:
                        grads = grads[0]
                    grads = (grads,)
                flat = _flatten(list(_as_tuple(grads)))[0]
                return [
                    g if isinstance(g, array) else core.zeros_like(p)
                    for g, p in zip(flat, primals)
                ]

            def jvp_rule(primals, tangents):
                res = self._jvp(with_arrays(primals), with_arrays(tangents), **kwargs)
                return _flatten(res)[0]

            def vmap_rule(inputs, axes):
                if kwargs:
                    raise ValueError(
                        "[custom vmap] Function should only accept positional "
                        "arguments."
                    )
                ax = [None if a < 0 else a for a in axes]
                res, res_axes = self._vmap(with_arrays(inputs), with_arrays(ax))
                flat_res = _flatten(res)[0]
                flat_axes = _axes_for(res_axes, res, "custom_function")
                return flat_res, [-1 if a is None else a for a in flat_axes]

            if not (self._vjp or self._jvp or self._vmap):
                return outs
            prims = [leaves[i] for i in spots]

            def flat(*xs):
                new = list(leaves)
                for i, x in zip(spots, xs):
                    new[i] = x
                return _flatten(self.fun(*rebuild(new), **kwargs))[0]

            # Missing rules re-trace the function on its inputs only, so
            # captured arrays stay constants, as with the given rules.
            default_vjp, default_jvp, default_vmap = _retraced_rules(flat)

            new_outs = core._custom_outputs(
                prims,
                out_leaves,
                vjp_rule if self._vjp else default_vjp,
                jvp_rule if self._jvp else default_jvp,
                vmap_rule if self._vmap else default_vmap,
            )
            return out_tree(new_outs)

    def checkpoint(fun):
        """Return a version of ``fun`` that saves memory in gradients.

        The result computes the same values, but under :func:`grad` and
        the other transformations its intermediate arrays are not kept
        for the backward pass: they are recomputed from the inputs when
        needed, trading computation for memory.

        Args:
            fun (Callable): The function to checkpoint.

        Returns:
            Callable: A function with the signature and results of ``fun``.
        """
        _check_callable(fun, "checkpoint")

        @wraps(fun)
        def wrapper(*args, **kwargs):
            leaves, rebuild, spots = _leaf_arrays(list(args))

            def with_arrays(xs):
                new = list(leaves)
                for i, x in zip(spots, xs):
                    new[i] = x
                return rebuild(new)

            prims = [leaves[i] for i in spots]
            # Forward on untraced copies: its graph is freed once evaluated.
            outs = fun(*with_arrays([core._untraced(p) for p in prims]), **kwargs)
            out_leaves, out_rebuild = _flatten(outs)

            def flat(*xs):
                return _flatten(fun(*with_arrays(list(xs)), **kwargs))[0]

            new_outs = core._custom_outputs(prims, out_leaves, *_retraced_rules(flat))
            return out_rebuild(new_outs)

        return wrapper

    core.custom_function = custom_function
    core.checkpoint = checkpoint
