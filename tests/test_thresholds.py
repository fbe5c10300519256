"""One suppression threshold and one smallest group: named constants, never a literal, and passed on.

``gtanalytics._stats`` defines ``SUPPRESSION_THRESHOLD`` (6: counts below it are hidden from governors)
and ``LOW_N`` (10: groups below it are flagged ``low_n``, too few pupils to conclude about). Every module
is parsed with :mod:`ast`: a parameter that is a group size (``threshold``, ``min_n``, ``min_group``...)
takes its default from a constant, and no call passes ``threshold=`` a number. Then a
:class:`gtanalytics.sections.Document` given another threshold shows governors less, and says so.
"""
import ast
import inspect
import pathlib

import pandas as pd
import pytest

from gtanalytics import disclosure, sections
from gtanalytics._stats import LOW_N, SUPPRESSION_THRESHOLD

ROOT = pathlib.Path(__file__).resolve().parents[1] / "gtanalytics"
YEAR = "2023/24"

#: Parameter names that hold a number of pupils below which something is hidden or not concluded about.
GROUP_SIZES = {"threshold", "min_n", "min_group", "min_group_size", "smallest_group", "min_pupils", "min_count",
               "min_size"}


def _number(node):
    """The number a default or argument is written as (``-1`` too), or None when it is not a literal."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


def _literal_group_sizes(source: str) -> list[str]:
    """Group-size parameters whose default is a literal whole number, and calls passing ``threshold=`` one.

    A float default (``threshold: float = -1.0`` residual SDs, ``10.0`` percent of sessions) is a cut-off
    on a scale, not a number of pupils, and is left alone unless the parameter is annotated ``int``.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = a.posonlyargs + a.args
            pairs = [*zip(positional[len(positional) - len(a.defaults):], a.defaults),
                     *((k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None)]
            for arg, default in pairs:
                value = _number(default)
                is_int = isinstance(value, int) or (isinstance(arg.annotation, ast.Name) and arg.annotation.id == "int")
                if arg.arg in GROUP_SIZES and value is not None and is_int:
                    found.append(f"line {node.lineno}: {node.name}({arg.arg}={value})")
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "threshold" and isinstance(_number(kw.value), int):
                    found.append(f"line {node.lineno}: a call with threshold={_number(kw.value)}")
    return found


def test_the_finder_finds_literal_group_sizes():
    planted = ("def f(df, *, threshold: int = 6, min_n=10, cutoff: float = -1.0, by=None):\n"
               "    return g(df, threshold=6)\n"
               "def h(df, threshold: float = 10.0, min_n: int = LOW_N):\n"
               "    return g(df, threshold=SUPPRESSION_THRESHOLD)\n")
    assert _literal_group_sizes(planted) == ["line 1: f(threshold=6)", "line 1: f(min_n=10)",
                                             "line 2: a call with threshold=6"]


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_group_size_is_a_literal(path):
    assert _literal_group_sizes(path.read_text(encoding="utf-8")) == []


def test_the_smallest_group_is_derived_from_the_constants():
    core = ast.parse((ROOT / "sections" / "core.py").read_text(encoding="utf-8"))
    value = next(n.value for n in core.body if isinstance(n, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == "SMALLEST_GROUP" for t in n.targets))
    assert _number(value) is None  # a name, not a number
    assert sections.SMALLEST_GROUP == LOW_N
    assert sections.smallest_group(SUPPRESSION_THRESHOLD) == max(LOW_N, SUPPRESSION_THRESHOLD)
    assert sections.smallest_group(LOW_N + 5) == LOW_N + 5


def test_every_threshold_defaults_to_the_constant():
    from gtanalytics.cli import build_parser
    from gtanalytics.report import build_reports

    functions = [getattr(sections, n) for n in sections.__all__] + [getattr(disclosure, n) for n in disclosure.__all__]
    functions += [sections.Document, build_reports]
    defaults = {getattr(f, "__name__", repr(f)): p.default for f in functions if callable(f)
                for name, p in _parameters(f).items() if name == "threshold" and p.default is not p.empty}
    assert len(defaults) > 30  # every section function, the document, for_audience, suppress, ...
    assert {k: v for k, v in defaults.items() if v != SUPPRESSION_THRESHOLD} == {}
    assert build_parser().parse_args(["report", "--data", "d", "--out", "o"]).threshold == SUPPRESSION_THRESHOLD


def _parameters(f):
    try:
        return inspect.signature(f).parameters
    except (TypeError, ValueError):  # a constant or a class without a signature
        return {}


def _counts(frame: pd.DataFrame) -> pd.Series:
    """Every count column: ``n`` and the ``n_*`` columns (``n_cohort``, ``n_register``, ...)."""
    shown = frame[[c for c in frame.columns if c == "n" or str(c).startswith("n_")]].stack()
    return pd.to_numeric(shown, errors="coerce").dropna()


def test_a_document_threshold_changes_what_governors_see(sample):
    """The document's threshold reaches its ledger, each section and what it says (see also test_summary's
    page-1 test with a threshold of 12)."""
    default = sections.Document(sample, school="8862101")
    assert default.threshold == default.ledger.threshold == SUPPRESSION_THRESHOLD
    strict = sections.Document(sample, school="8862101", threshold=15)
    assert strict.ledger.threshold == 15
    usual, fewer = (doc(sections.register_representative).frames["register"] for doc in (default, strict))
    assert usual.shape == fewer.shape and fewer.isna().to_numpy().sum() > usual.isna().to_numpy().sum()
    for frame, threshold in ((usual, SUPPRESSION_THRESHOLD), (fewer, 15)):
        counts = _counts(frame)
        assert len(counts) and ((counts == 0) | (counts >= threshold)).all()
    assert ((_counts(usual) > 0) & (_counts(usual) < 15)).any()  # shown at 6, hidden at 15
    said = " ".join(map(str, strict.sections[0].sentences))
    assert "fewer than 15" in said and "fewer than 10" not in said
