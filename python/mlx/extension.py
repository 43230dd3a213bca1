"""setuptools helpers for building C++ extensions beside ``mlx`` with CMake.

``CMakeExtension`` names a CMake project and ``CMakeBuild`` (a ``build_ext``)
configures and builds it, placing the built module where setuptools expects
it. Ember ships no MLX C++ headers or ``libmlx``: an extension written
against MLX's C++ API does not build here. Metal kernels need Apple's
toolchain, so ``MetalExtension`` and ``MetalLibrary`` raise when built.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

from setuptools import Extension
from setuptools.command.build_ext import build_ext

import mlx

__all__ = [
    "BuildExtension",
    "CMakeBuild",
    "CMakeExtension",
    "MetalExtension",
    "MetalLibrary",
]


class CMakeExtension(Extension):
    """An extension built by the CMake project in ``sourcedir``.

    Args:
        name (str): The extension's full module name.
        sourcedir (str): The folder holding its ``CMakeLists.txt``.
    """

    def __init__(self, name: str, sourcedir: str = "") -> None:
        super().__init__(name, sources=[])
        self.sourcedir = os.fspath(Path(sourcedir).resolve())


class MetalLibrary:
    """A Metal shader library (needs Apple's Metal toolchain).

    Args:
        name (str): The library's name.
        sources (Sequence[str]): Its ``.metal`` sources.
        extra_compile_args (Sequence[str]): Flags for the Metal compiler.
        deployment_target (str, optional): The macOS version to target.
    """

    def __init__(
        self,
        name: str,
        sources: Sequence,
        *,
        extra_compile_args: Sequence[str] = (),
        deployment_target: Optional[str] = None,
    ) -> None:
        self.name = name
        self.sources = [os.fspath(s) for s in sources]
        self.extra_compile_args = list(extra_compile_args)
        self.deployment_target = deployment_target


class MetalExtension(Extension):
    """A C++ extension with Metal kernels (needs Apple's Metal toolchain).

    Args:
        name (str): The extension's full module name.
        sources (Sequence[str]): Its C++ and ``.metal`` sources.
        metal_libraries (Sequence[MetalLibrary], optional): Shader libraries
            built beside it.
    """

    def __init__(self, name: str, sources: Sequence, *args, metal_libraries=None, **kwargs):
        super().__init__(name, [os.fspath(s) for s in sources], *args, **kwargs)
        self.metal_libraries = list(metal_libraries or [])


def _mlx_cmake_args(build_temp: str, out_dir: str) -> list:
    return [
        f"-DCMAKE_LIBRARY_OUTPUT_DIRECTORY={out_dir}",
        f"-DPython_EXECUTABLE={sys.executable}",
        f"-DMLX_PYTHON_PACKAGE_DIR={mlx.__path__[0]}",
        "-DCMAKE_BUILD_TYPE=Release",
    ]


class CMakeBuild(build_ext):
    """``build_ext`` that configures and builds each CMakeExtension."""

    def build_extension(self, ext) -> None:
        if isinstance(ext, MetalExtension):
            raise RuntimeError(
                f"[extension] {ext.name}: Metal extensions need Apple's Metal "
                "toolchain, which this platform does not have."
            )
        if not isinstance(ext, CMakeExtension):
            super().build_extension(ext)
            return
        out_dir = os.fspath(Path(self.get_ext_fullpath(ext.name)).parent.resolve())
        build_temp = Path(self.build_temp) / ext.name
        build_temp.mkdir(parents=True, exist_ok=True)
        args = _mlx_cmake_args(os.fspath(build_temp), out_dir)
        if shutil.which("ninja"):
            args += ["-G", "Ninja"]
        subprocess.run(["cmake", ext.sourcedir, *args], cwd=build_temp, check=True)
        jobs = ["-j", str(self.parallel)] if self.parallel else []
        subprocess.run(["cmake", "--build", ".", *jobs], cwd=build_temp, check=True)


class BuildExtension(CMakeBuild):
    """``build_ext`` for CMake and Metal extensions alike."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
