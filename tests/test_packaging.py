"""Packaging and test-suite rules: what the wheel ships, which Python runs the notebooks, CI strictness.

The wheel itself is built and installed in a fresh virtual environment by hand (see the README's
"Installing" section); these tests check the configuration that makes that work.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat

from gtanalytics.report import _build as report

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_in_the_wheel():
    """Each folder under gtanalytics/ is listed in [tool.setuptools] packages (else the wheel lacks it)."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    folders = {".".join(p.relative_to(ROOT).parts) for p in (ROOT / "gtanalytics").rglob("*")
               if p.is_dir() and p.name != "__pycache__"}
    missing = folders - listed
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"gtanalytics.report._notebooks": "notebooks"}
    assert PYPROJECT["tool"]["setuptools"]["package-data"]["gtanalytics.report._notebooks"] == ["*.ipynb"]


def test_core_dependencies_are_light():
    """The library installs without Jupyter; the report, lab and test tools are extras."""
    core = {re.split(r"[<>=!~\[ ]", d)[0].lower() for d in PYPROJECT["project"]["dependencies"]}
    assert core == {"numpy", "pandas", "scipy", "matplotlib", "seaborn", "pyyaml", "openpyxl", "pyarrow"}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"report", "lab", "test", "all"} <= set(extras)
    assert any(d.startswith("papermill") for d in extras["report"])
    assert PYPROJECT["project"]["license"] == "MIT"


def test_computation_does_not_import_jupyter():
    """Importing gtanalytics (and the report module) loads no papermill, nbconvert or jupyter_client."""
    code = ("import sys, gtanalytics, gtanalytics.report._build, gtanalytics.cli; "
            "print(sorted(m for m in ('papermill', 'nbconvert', 'jupyter_client', 'ipykernel') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_notebooks_found_in_a_checkout():
    assert report.notebooks_dir() == ROOT / "notebooks"
    assert (report.notebooks_dir() / f"{report.GOVERNOR_NOTEBOOKS[0]}.ipynb").is_file()


def test_notebooks_run_with_this_interpreter(tmp_path):
    """No kernel is looked up by name: a notebook whose kernelspec is installed nowhere runs with sys.executable."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "installed-nowhere", "display_name": "x",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("shown: int = 0", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import sys\nprint(sys.executable, shown)")]
    nbformat.write(nb, tmp_path / "where.ipynb")
    report.execute_notebook(tmp_path / "where.ipynb", tmp_path / "ran.ipynb", parameters={"shown": 7})
    out = nbformat.read(tmp_path / "ran.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in out.cells for o in c.get("outputs", []))
    assert printed == f"{sys.executable} 7\n"


def test_ci_fails_without_chromium_or_pdftotext(tmp_path):
    """With CI=true the run stops at once when a PDF tool is missing, instead of skipping the PDF tests.
    (Without CI the same programs only decide skips: this very run shows that CI unset does not stop it.)"""
    env = {**os.environ, "CI": "true", "PATH": str(tmp_path)}      # an empty PATH: no chromium, no pdftotext
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q",
           "tests/test_packaging.py::test_core_dependencies_are_light"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "chromium (apt-get install chromium)" in done.stderr
    assert "pdftotext (apt-get install poppler-utils)" in done.stderr


def test_no_test_skips_on_a_missing_import():
    """Library modules and test dependencies are imported directly: an import error fails, never skips."""
    offenders = [p.name for p in (ROOT / "tests").glob("*.py")
                 if p.name != Path(__file__).name and "importorskip(" in p.read_text(encoding="utf-8")]
    assert offenders == []
