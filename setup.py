"""Builds the native part of the Python module with the project's own CMake build (the same
target `cmake --build` makes: attnscope_python -> attnscope/_core*.so), so `pip install .` and a
normal build produce the same module. Settings: CMAKE_BUILD_PARALLEL_LEVEL (jobs, default 2),
ATTNSCOPE_PIP_BUILD_DIR (default build/pip). Metadata is in pyproject.toml."""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).parent.resolve()


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = pathlib.Path(os.environ.get("ATTNSCOPE_PIP_BUILD_DIR", ROOT / "build" / "pip"))
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir),
            # The release preset's flags, so ccache shares its objects.
            "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
            "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g -DNDEBUG",
            "-DATTNSCOPE_PYTHON=ON", "-DATTNSCOPE_BUILD_TESTS=OFF", "-DATTNSCOPE_BUILD_BENCH=OFF",
            "-DPython3_EXECUTABLE=" + sys.executable,
        ]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "attnscope_python",
                        "-j", jobs], check=True)
        built = sorted((build_dir / "python" / "attnscope").glob("_core*.so"))
        if not built:
            raise RuntimeError("the CMake build made no attnscope/_core*.so in " + str(build_dir))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[0], target)


setup(
    packages=["attnscope"],
    package_dir={"attnscope": "python/attnscope"},
    package_data={"attnscope": ["*.pyi", "py.typed"]},
    ext_modules=[CMakeExtension("attnscope._core")],
    cmdclass={"build_ext": CMakeBuild},
)
