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
        """This process's index in the group."""
        return self._rank

    def size(self) -> int:
        """The number of processes in the group."""
        return self._size

    def split(self, color: int, key: int = -1) -> "Group":
        """Split into subgroups by color; one process gives one group of one."""
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
        _check_backend("is_available", backend)
        return False

    def init(strict: bool = False, backend: str = "any", *, all_gather_factory=None):
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
            f"{name} over the processes of group; over one process, a copy of x."
        )
        return collective

    def send(x, dst: int, *, group=None, stream=None):
        g = _group(group, "send")
        raise ValueError(
            f"[distributed.send] Cannot send to rank {dst}: the group has "
            f"{g.size()} process and no peer."
        )

    def recv(shape, dtype, src: int, *, group=None, stream=None):
        g = _group(group, "recv")
        raise ValueError(
            f"[distributed.recv] Cannot receive from rank {src}: the group has "
            f"{g.size()} process and no peer."
        )

    def recv_like(x, src: int, *, group=None, stream=None):
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
