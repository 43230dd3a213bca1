"""Ember: the MLX array API (``import mlx.core as mx``) on a fast CPU runtime."""

import ctypes as _ctypes
import os as _os


def _preload_openblas():
    # The extension links against the OpenBLAS of the scipy-openblas32 wheel;
    # loading it by path first means no system library path is consulted.
    try:
        import scipy_openblas32 as _sob
    except ImportError:
        return
    lib = _os.path.join(_sob.get_lib_dir(), "libscipy_openblas.so")
    if _os.path.exists(lib):
        _ctypes.CDLL(lib, mode=_ctypes.RTLD_GLOBAL)


_preload_openblas()

from mlx import core  # noqa: E402,F401

# The version of MLX's API that Ember implements; Ember's own release is
# the package's (`importlib.metadata.version("ember-mlx")`).
core.__version__ = "0.32.4"

def _dtype_from_name(name):
    """Looks a dtype up by name; used to unpickle dtypes."""
    return getattr(core, "bool_" if name == "bool" else name)


from mlx._transforms import _install as _install_transforms  # noqa: E402
from mlx._transforms import _install_custom  # noqa: E402

_install_transforms(core)
_install_custom(core)

from mlx._io import _install as _install_io  # noqa: E402

_install_io(core)

from mlx._distributed import _install as _install_distributed  # noqa: E402

_install_distributed(core)

from mlx._export import _install as _install_export  # noqa: E402

_install_export(core)

from mlx._stft import _install as _install_stft  # noqa: E402

_install_stft(core)

from mlx._compile import _install as _install_compile  # noqa: E402

_install_compile(core)


def _adopt_python_definitions():
    # Functions and classes written in Python but installed into mlx.core
    # and its submodules belong to those modules: help(), pickling and the
    # generated stubs then name them as MLX does (mlx.core.grad, ...).
    modules = [core] + [
        getattr(core, name)
        for name in ("random", "fft", "linalg", "fast", "distributed", "metal", "cuda")
        if hasattr(core, name)
    ]
    def adopt(value, name):
        owner = getattr(value, "__module__", None)
        if isinstance(owner, str) and owner.startswith("mlx._"):
            try:
                value.__module__ = name
                # Argument errors name the function as users call it
                # ("vmap()"), not by where it was defined.
                if "<locals>" in getattr(value, "__qualname__", ""):
                    value.__qualname__ = value.__name__
            except (AttributeError, TypeError):
                return
            if isinstance(value, type):
                for member in vars(value).values():
                    adopt(getattr(member, "__func__", member), name)

    for module in modules:
        for value in list(vars(module).values()):
            adopt(value, module.__name__)


_adopt_python_definitions()
