"""Shared fixtures of the Python module's tests (run by ctest, tests/python/module).

ATTNSCOPE_CLI names the attnscope binary of the same build (for the CLI-equality tests);
the shared golden models are found at $ATTNSCOPE_SHARED_DIR or ../shared beside the repository,
and tests that need them skip with the reason when they are absent."""

import json
import os
import pathlib
import subprocess

import pytest

import attnscope

REPO = pathlib.Path(__file__).resolve().parents[2]


def shared_dir():
    env = os.environ.get("ATTNSCOPE_SHARED_DIR")
    for candidate in ([pathlib.Path(env)] if env else []) + [REPO.parent / "shared"]:
        if (candidate / "models").is_dir():
            return candidate
    return None


def shared_model(name):
    """The folder of a golden model, or skip with the reason."""
    shared = shared_dir()
    if shared is None:
        pytest.skip("needs the shared golden models (../shared or $ATTNSCOPE_SHARED_DIR)")
    folder = shared / "models" / name
    if not (folder / "config.json").is_file():
        pytest.skip("needs the shared model " + str(folder))
    return str(folder)


@pytest.fixture(scope="session")
def cli():
    """Runs the attnscope CLI and returns its stdout parsed as JSON."""
    binary = os.environ.get("ATTNSCOPE_CLI")
    if not binary or not os.path.exists(binary):
        pytest.skip("needs ATTNSCOPE_CLI, the attnscope binary of this build (ctest sets it)")

    def run(*args):
        done = subprocess.run([binary, *args], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise AssertionError("attnscope {} failed: {}".format(" ".join(args), done.stderr))
        return json.loads(done.stdout)

    run.binary = binary
    return run


@pytest.fixture(scope="session")
def demo():
    return attnscope.AttentionAnalyzer("demo")
