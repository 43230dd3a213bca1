"""Every layer of mlx.nn, one module per family."""

from mlx.nn.layers.activations import *  # noqa: F401,F403
from mlx.nn.layers.base import Module  # noqa: F401
from mlx.nn.layers.containers import *  # noqa: F401,F403
from mlx.nn.layers.convolution import *  # noqa: F401,F403
from mlx.nn.layers.convolution_transpose import *  # noqa: F401,F403
from mlx.nn.layers.distributed import *  # noqa: F401,F403
from mlx.nn.layers.dropout import *  # noqa: F401,F403
from mlx.nn.layers.embedding import *  # noqa: F401,F403
from mlx.nn.layers.linear import *  # noqa: F401,F403
from mlx.nn.layers.normalization import *  # noqa: F401,F403
from mlx.nn.layers.pooling import *  # noqa: F401,F403
from mlx.nn.layers.positional_encoding import *  # noqa: F401,F403
from mlx.nn.layers.quantized import *  # noqa: F401,F403
from mlx.nn.layers.recurrent import *  # noqa: F401,F403
from mlx.nn.layers.transformer import *  # noqa: F401,F403
from mlx.nn.layers.upsample import *  # noqa: F401,F403
