"""examples/notebook.ipynb runs top to bottom (Debian's jupyter-nbconvert and a python3
kernel); skipped with the reason when Jupyter is not installed."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import REPO


def test_notebook_runs_top_to_bottom(tmp_path):
    nbconvert = shutil.which("jupyter-nbconvert")
    if nbconvert is None:
        pytest.skip("jupyter-nbconvert not installed (Debian: jupyter-nbconvert python3-ipykernel)")
    try:
        import ipykernel  # noqa: F401
    except ImportError:
        pytest.skip("no Jupyter kernel for this Python (Debian: python3-ipykernel)")
    env = dict(os.environ)
    # The kernel runs this interpreter with this build's module.
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    done = subprocess.run(
        [nbconvert, "--to", "notebook", "--execute", "--output-dir", str(tmp_path),
         "--ExecutePreprocessor.timeout=300", str(REPO / "examples" / "notebook.ipynb")],
        capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
    out = pathlib.Path(tmp_path / "notebook.ipynb").read_text()
    assert "attnscope-snapshot" in out  # the inline dashboard was rendered
