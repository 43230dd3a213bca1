"""mlx.optimizers: optimizers, learning-rate schedules and gradient clipping."""

# The typing names, Module and the tree helpers are part of the public
# namespace of mlx.optimizers (MLX exposes them there too).
import math  # noqa: F401
from typing import Callable, List, Optional, Tuple, Union  # noqa: F401

import mlx.core as mx  # noqa: F401
from mlx.nn.layers.base import Module  # noqa: F401
from mlx.optimizers import optimizers, schedulers  # noqa: F401
from mlx.optimizers.optimizers import *  # noqa: F401,F403
from mlx.optimizers.schedulers import *  # noqa: F401,F403
from mlx.utils import (  # noqa: F401
    tree_flatten,
    tree_map,
    tree_merge,
    tree_reduce,
    tree_unflatten,
)
