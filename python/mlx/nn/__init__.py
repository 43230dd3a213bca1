"""mlx.nn: neural network layers, losses, initializers and helpers."""

from mlx.nn import init, losses  # noqa: F401
from mlx.nn.layers import *  # noqa: F401,F403
from mlx.nn.utils import average_gradients, checkpoint, value_and_grad  # noqa: F401
