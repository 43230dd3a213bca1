"""mx.distributed for a single process.

Ember has no communication backend yet (MPI, ring, NCCL): is_available()
is False and init() gives the group of one process, which is what MLX
returns in the same situation. Collectives over one process are copies;
send and recv have no peer and raise.
"""

import sys
import types


class Group:
    """A group of processes that communicate; here always this process alone."""

    def __init__(self, rank=0, size=1):
        self._rank = rank
        self._size = size

    def rank(self) -> int:
        """This process's index in the group.

        Returns:
            int: The rank, from 0 to ``size() - 1``.
        """
        return self._rank

    def size(self) -> int:
        """The number of processes in the group.

        Returns:
            int: The group size.
        """
        return self._size

    def split(self, color: int, key: int = -1) -> "Group":
        """Split the group into subgroups.

        Processes passing the same ``color`` end up in the same subgroup,
        ordered by ``key``. A one-process group gives a group of one.

        Args:
            color (int): Which subgroup this process joins.
            key (int, optional): This process's place in the subgroup; -1
                keeps the current order. Default: ``-1``.

        Returns:
            Group: This process's subgroup.
        """
        if not isinstance(color, int) or not isinstance(key, int):
            raise TypeError("[distributed.Group.split] color and key must be integers.")
        return Group(0, 1)

    def __repr__(self):
        return f"Group(rank={self._rank}, size={self._size})"


_BACKENDS = ("any", "mpi", "ring", "nccl", "jaccl")


def _check_backend(name, backend):
    if backend not in _BACKENDS:
        raise ValueError(
            f"[distributed.{name}] Unknown backend '{backend}'; expected one of "
            f"{', '.join(_BACKENDS)}."
        )


def _install(core):
    world = Group(0, 1)

    def is_available(backend: str = "any") -> bool:
        """Whether a communication backend can be used.

        This build has none, so the answer is always ``False``.

        Args:
            backend (str, optional): ``"mpi"``, ``"ring"``, ``"nccl"``,
                ``"jaccl"`` or ``"any"``. Default: ``"any"``.

        Returns:
            bool: Whether the backend is available.
        """
        _check_backend("is_available", backend)
        return False

    def init(strict: bool = False, backend: str = "any", *, all_gather_factory=None):
        """Start the communication backend and return the global group.

        Without a backend (as in this build) the group holds this process
        alone, unless ``strict`` asks for an error.

        Args:
            strict (bool, optional): Raise ``RuntimeError`` instead of
                returning a one-process group when no backend can start.
                Default: ``False``.
            backend (str, optional): ``"mpi"``, ``"ring"``, ``"nccl"``,
                ``"jaccl"``, or ``"any"`` for the first that works.
                Default: ``"any"``.
            all_gather_factory (Callable, optional): The byte-level
                all-gather that the ``"jaccl"`` backend uses to exchange
                connection details; unused here. Default: ``None``.

        Returns:
            Group: The global group.
        """
        _check_backend("init", backend)
        if strict:
            raise RuntimeError(
                f"[distributed.init] No distributed backend ('{backend}') is "
                "available in this build."
            )
        return world

    def _group(group, name):
        if group is None:
            return world
        if not isinstance(group, Group):
            raise TypeError(f"[distributed.{name}] group must be a Group or None.")
        return group

    def _collective(name):
        def collective(x, *, group=None, stream=None):
            _group(group, name)
            if not isinstance(x, core.array):
                x = core.array(x)
            return core.contiguous(x, stream=stream)

        collective.__name__ = name
        collective.__doc__ = (
            f"{name} over the processes of a group.\n\n"
            "Every process passes its ``x`` and receives the combination of "
            "all of them (for ``sum_scatter``, its own slice of the sum). "
            "Over one process the result is a copy of ``x``.\n\n"
            "Args:\n"
            "    x (array): This process's input.\n"
            "    group (Group, optional): The processes taking part. "
            "Default: the global group.\n"
            "    stream (Stream, optional): Stream or device to run on.\n\n"
            "Returns:\n"
            "    array: The combined result."
        )
        return collective

    def send(x, dst: int, *, group=None, stream=None):
        """Send an array to another process of the group.

        A one-process group has no peer, so this raises ``ValueError``.

        Args:
            x (array): The array to send.
            dst (int): The rank of the receiving process.
            group (Group, optional): The group. Default: the global group.
            stream (Stream, optional): Stream or device to run on.

        Returns:
            array: ``x``, to be evaluated for the send to happen.
        """
        g = _group(group, "send")
        raise ValueError(
            f"[distributed.send] Cannot send to rank {dst}: the group has "
            f"{g.size()} process and no peer."
        )

    def recv(shape, dtype, src: int, *, group=None, stream=None):
        """Receive an array from another process of the group.

        A one-process group has no peer, so this raises ``ValueError``.

        Args:
            shape (list(int)): The shape of the incoming array.
            dtype (Dtype): Its dtype.
            src (int): The rank of the sending process.
            group (Group, optional): The group. Default: the global group.
            stream (Stream, optional): Stream or device to run on.

        Returns:
            array: The received array.
        """
        g = _group(group, "recv")
        raise ValueError(
            f"[distributed.recv] Cannot receive from rank {src}: the group has "
            f"{g.size()} process and no peer."
        )

    def recv_like(x, src: int, *, group=None, stream=None):
        """Receive an array shaped and typed like ``x`` from another process.

        Args:
            x (array): An array with the shape and dtype to receive.
            src (int): The rank of the sending process.
            group (Group, optional): The group. Default: the global group.
            stream (Stream, optional): Stream or device to run on.

        Returns:
            array: The received array.
        """
        return recv(x.shape, x.dtype, src, group=group, stream=stream)

    mod = types.ModuleType("mlx.core.distributed")
    mod.__doc__ = __doc__
    mod.Group = Group
    mod.is_available = is_available
    mod.init = init
    for name in ("all_sum", "all_gather", "all_max", "all_min", "sum_scatter"):
        setattr(mod, name, _collective(name))
    mod.send = send
    mod.recv = recv
    mod.recv_like = recv_like
    core.distributed = mod
    sys.modules["mlx.core.distributed"] = mod
