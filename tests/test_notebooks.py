"""Every notebook runs top to bottom on the sample trust (papermill), and is committed clean.

The committed notebooks must carry no outputs or execution counts, open with a typed, commented
cell tagged "parameters" (data path, school, years, threshold, audience, interactive), and hold
no function definitions (logic belongs in the library, with tests).
"""

from __future__ import annotations

import ast
import pickle
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = {"00-data-health", "01-leadership-for-excellence", "02-use-of-data-for-excellence",
            "03-effective-learning-for-excellence", "04-engaging-pupils-and-parents",
            "05-building-capacity-whole-school-community", "90-governor-report", "91-trust-overview"}
PARAMETERS = {"data_path", "school", "years", "threshold", "audience", "interactive", "data_cache"}


def test_all_notebooks_present():
    assert {p.stem for p in NOTEBOOKS} == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_clean_and_thin(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "gtanalytics"
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", [])
    tree = ast.parse(first.source)
    names = {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    assert names == PARAMETERS, "typed parameters"
    assert all(isinstance(n, ast.AnnAssign) for n in tree.body), "the parameters cell only assigns"
    assert first.source.count("#") >= len(PARAMETERS), "every parameter is commented"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs", []) == [], f"{path.name} has outputs committed"
        assert cell.get("execution_count") is None, f"{path.name} has execution counts committed"
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)), \
                f"{path.name} defines a function or class: put it in the library"
            assert not isinstance(node, (ast.For, ast.While, ast.ListComp, ast.GeneratorExp, ast.DictComp,
                                         ast.SetComp)), f"{path.name} holds a loop: put it in the library"
            assert not (isinstance(node, (ast.Import, ast.ImportFrom)) and "warnings" in ast.dump(node)), \
                f"{path.name} touches warnings: warn less in the library instead"
        assert cell is first or ("for_audience" not in cell.source and "suppress(" not in cell.source), \
            f"{path.name} makes a suppression choice: sections make them"
    code_lines = sum(len([ln for ln in c.source.splitlines() if ln.strip()]) for c in nb.cells
                     if c.cell_type == "code")
    assert code_lines <= 40, f"{path.name} has {code_lines} lines of code"


def test_key_area_notebooks_open_with_their_questions():
    for path in NOTEBOOKS:
        if path.stem[:2] in {"01", "02", "03", "04", "05"}:
            text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
            assert f"doc.key_questions({int(path.stem[:2])})" in text
            assert "sections.self_evaluation" in text


def _execute_all(data_dir, out, school, data_cache=None):
    """Run every notebook once for one school, two kernels at a time.

    With ``data_cache`` (the loaded data, pickled) the notebooks read it as a report build's do;
    without, each notebook loads the export files itself, as in JupyterLab.
    """
    from gtanalytics.report._build import execute_notebook

    def run(path):
        t0 = time.perf_counter()
        params = {"data_path": str(data_dir), "school": school, "years": None, "threshold": 6,
                  "audience": "governors" if path.stem.startswith("9") else "leaders", "interactive": False,
                  "data_cache": data_cache}
        try:
            execute_notebook(path, out / path.name, parameters=params)
            return path.stem, None, time.perf_counter() - t0
        except Exception as exc:  # reported per notebook below
            return path.stem, exc, time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, NOTEBOOKS))
    return {name: (err, secs, out / f"{name}.ipynb") for name, err, secs in results}


@pytest.fixture(scope="module")
def executed(sample_dir, sample, tmp_path_factory):
    """Every notebook run on the sample trust for one secondary school, reading the data loaded once (as
    ``build_reports`` runs them); the minimal export's run below has each notebook load the files itself."""
    cache = tmp_path_factory.mktemp("cache") / "trust.pickle"
    cache.write_bytes(pickle.dumps(sample, protocol=pickle.HIGHEST_PROTOCOL))
    return _execute_all(sample_dir, tmp_path_factory.mktemp("executed"), "8884101", data_cache=str(cache))


@pytest.fixture(scope="module")
def executed_minimal(sample_dir, tmp_path_factory):
    """Every notebook run on issue 12's minimal export (tests/minimal_export.py), the school id given as a number."""
    from minimal_export import write_minimal_export

    folder = write_minimal_export(sample_dir, tmp_path_factory.mktemp("minimal"))
    return _execute_all(folder, tmp_path_factory.mktemp("executed_minimal"), 8884101)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_a_minimal_export(executed_minimal, path):
    """No traceback, and each key-area notebook says what the export cannot answer."""
    err, secs, out = executed_minimal[path.stem]
    assert err is None, f"{path.stem} failed on the minimal export after {secs:.1f} s: {err}"
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = " ".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    if path.stem[:2] in {"03", "04", "90"}:
        assert "The data cannot answer this question" in text and "were supplied" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(executed, path):
    err, secs, out = executed[path.stem]
    assert err is None, f"{path.stem} failed after {secs:.1f} s: {err}"
    nb = nbformat.read(out, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "every code cell ran"
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    shown = [o for c in code for o in c.get("outputs", []) if o.get("output_type") in ("display_data", "execute_result")]
    assert shown, "the notebook shows something"
    if path.stem[:2] in {"02", "03", "04", "05", "90", "91"}:  # the governor report's pages embed theirs in HTML
        assert any("image/png" in o.get("data", {}) or "data:image/png;base64," in str(o.get("data", {}).get(
            "text/html", "")) for o in shown), "charts are drawn"
    texts = [str(o.get("data", {}).get("text/plain", "")) + "".join(o.get("text", "")) for c in code
             for o in c.get("outputs", [])]
    assert not any("<Axes" in t or "Warning" in t for t in texts), "no Axes repr or warning printed"


_KEY_TABLES = r'''
import hashlib, sys, warnings
warnings.simplefilter("ignore")
from gtanalytics.data._io import load
from gtanalytics import oversight as ov, data as rd
from gtanalytics.gap_trends import gap_trend
from gtanalytics.interventions import intervention_impact
from gtanalytics.mentoring import mentor_caseloads
from gtanalytics.progress import summer_progress, va_summary, value_added
from gtanalytics.register import register_representation
from gtanalytics.targets import under_achievers

trust = load(sys.argv[1])
data = trust.for_school("8884101")
year = rd.years_of(data)[-1]
va = value_added(summer_progress(data, subject="maths", year=year), outcome="outcome", prior="prior")
tables = {
    "register": register_representation(data.pupils.query("academic_year == @year")),
    "va_groups": va_summary(va, by="gt_register"),
    "under_achievers": under_achievers(va, high_prior="standardised"),
    "gap_trend": gap_trend(rd.summer_scores(data, subject="reading"), outcome="score", group="disadvantaged",
                           focus=True).change,
    "interventions": intervention_impact(data.interventions, by=("staff",), pupils=data.pupils,
                                         assessments=data.assessments, rng=2024),
    "caseloads": mentor_caseloads(data.mentoring),
    "coverage": ov.support_coverage(ov.need_groups(data, year=year), mentoring=data.mentoring,
                                    interventions=data.interventions, academic_year=year),
    "deployment": ov.staff_deployment(mentoring=data.mentoring, interventions=data.interventions, academic_year=year),
}
for name, t in tables.items():
    print(name, len(t), hashlib.sha256(t.to_csv(index=False).encode()).hexdigest())
'''


def test_leaders_key_tables_are_byte_identical_across_processes(sample_dir):
    """The tables the leaders' notebooks show, computed in two processes with different hash seeds
    (so set and dict order may differ), are byte-identical: same inputs and seed, same tables."""
    import os
    import subprocess
    import sys

    def start(seed):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        return subprocess.Popen([sys.executable, "-c", _KEY_TABLES, str(sample_dir)], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    runs = [start(1), start(2)]
    outs = [p.communicate(timeout=300) for p in runs]
    assert all(p.returncode == 0 for p in runs), [err[-2000:] for _, err in outs]
    a, b = (out.splitlines() for out, _ in outs)
    assert len(a) == 8 and all(int(line.split()[1]) > 0 for line in a), a
    assert a == b
