"""The house keeps its shape: no import cycles, no private names across modules, arrows point down.

Every module under ``gtanalytics/`` is parsed with :mod:`ast`; imports at module level and inside
functions both count (a function-level import is still an arrow).  ``from gtanalytics import x`` is
an arrow to ``gtanalytics.x`` when ``x`` is a module, else to the package ``gtanalytics``.

Layers, bottom to top (design.md §2: files -> SchoolData -> metrics -> sections with disclosure,
narrative and plots beside them -> report and CLI).  A module may import its own layer or any layer
below, never one above.  Disclosure, wording and charts are one layer (presentation) under the
sections, so ``plotting`` may use ``narrative.group_label``; the metrics may use none of them.

Subpackages sit at the layer seams (``data``, ``datasets``, ``disclosure``, ``narrative``, ``plotting``,
``sections``, ``report``).  A module whose name starts with an underscore is internal to its package:
only modules of that package import it, and everything else imports the package's public face (its
``__init__``), which only gathers names from its own modules.  No other module re-exports a name.
"""
import ast
import functools
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "gtanalytics"

#: Layer of every module, lowest first, by its name under ``gtanalytics`` (a subpackage is one entry).
#: A new module or subpackage must be given a layer here.
LAYERS = {
    # 0 foundations: errors, intervals/OLS/column checks, reference tables, vocabularies
    "base": ["errors", "_stats", "reference", "subjects", "selfeval"],
    # 1 data: files -> SchoolData (read, map, repair, validate once at the edge)
    "data": ["data"],
    # 2 metrics: pure functions, frames in, tidy frames / results out; and the synthetic sample
    "metrics": ["progress", "dfe", "multilevel", "targets", "effects", "interventions", "mentoring", "gaps",
                "gap_trends", "register", "attendance", "engagement", "trends", "comparison", "balance",
                "headlines", "oversight", "prior_attainment", "datasets"],
    # 3 presentation: disclosure, wording and charts
    "presentation": ["disclosure", "narrative", "plotting"],
    # 4 sections: one function per key question of each key area, and how a section is displayed
    "sections": ["sections"],
    # 5 report pipeline, CLI and the package's public face
    "report": ["report", "cli", "__init__"],
}
RANK = {m: i for i, mods in enumerate(LAYERS.values()) for m in mods}

#: Upward arrows not yet removed, each with its reason (the list may only shrink).
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _modules():
    out = {}
    for p in sorted(ROOT.rglob("*.py")):
        parts = p.relative_to(ROOT.parent).with_suffix("").parts
        out[".".join(parts).removesuffix(".__init__")] = p
    return out


MODULES = _modules()


def _imports(path):
    """``(target module, imported names, line)`` for every gtanalytics import in ``path``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "gtanalytics"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "gtanalytics":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((sub, [], node.lineno) if sub in MODULES else (node.module, [a.name], node.lineno))
    return out


def _layer(module):
    """Layer rank of a module (``gtanalytics.sections.core`` -> the ``sections`` layer)."""
    parts = module.split(".")
    key = "__init__" if module == "gtanalytics" else parts[1]
    assert key in RANK, f"{module} has no layer: add it to LAYERS in tests/test_house.py"
    return RANK[key]


@functools.cache
def _edges():
    return {m: {t for t, _, _ in _imports(p) if t in MODULES and t != m} for m, p in MODULES.items()}


def _cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return comps


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    # Importing the package runs gtanalytics/__init__, which imports the metrics; an arrow from a module
    # to the package itself would close a loop, so the package is a node like any other.
    assert _cycles(_edges()) == []


def test_no_private_name_imported_across_modules():
    bad = [f"{m} line {line}: from {t} import {n}" for m, p in MODULES.items() for t, names, line in _imports(p)
           for n in names if n.startswith("_") and not n.startswith("__")]
    assert bad == []


def test_every_module_has_a_layer():
    for m in MODULES:
        _layer(m)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_arrows_point_down(module):
    up = [f"{module} -> {t}" for t in sorted(_edges()[module])
          if _layer(t) > _layer(module) and (module, t) not in KNOWN_UPWARD]
    assert up == []


def test_known_upward_imports_still_exist():
    # A fixed exception is removed from KNOWN_UPWARD, so the list cannot go stale.
    edges = _edges()
    assert [pair for pair in KNOWN_UPWARD if pair[1] not in edges[pair[0]]] == []


def _package(module):
    return module.rpartition(".")[0]


def test_private_modules_are_used_only_inside_their_package():
    # ``gtanalytics.data._io`` is for ``gtanalytics.data.*``; ``gtanalytics._stats`` is for all of gtanalytics.
    bad = [f"{m} line {line} imports {t}" for m, p in MODULES.items() for t, _, line in _imports(p)
           if t in MODULES and t.rpartition(".")[2].startswith("_") and not t.endswith("__init__")
           and not (m == _package(t) or m.startswith(_package(t) + "."))]
    assert bad == []


def _all_and_defined(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names, defined = None, set()
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            defined |= {x.id for t in targets for x in ast.walk(t) if isinstance(x, ast.Name)}
            if any(isinstance(x, ast.Name) and x.id == "__all__" for x in targets):
                names = ast.literal_eval(n.value)
    return tree, names, defined


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_re_exports(module):
    """A module exports only what it defines; a package face gathers only from its own package."""
    path = MODULES[module]
    tree, names, defined = _all_and_defined(path)
    gathered = [n for n in (names or []) if n not in defined]
    if path.name == "__init__.py" and gathered:      # a package's public face
        outside = [f"line {line}: {t}" for t, _, line in _imports(path)
                   if module != "gtanalytics" and t.startswith("gtanalytics.") and not t.startswith(module + ".")]
        assert outside == [], f"the face of {module} re-exports from another package"
        return
    assert gathered == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_says_what_it_is_for(module):
    doc = ast.get_docstring(ast.parse(MODULES[module].read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 5, f"{module} needs an opening docstring saying what it is for"


def test_house_rules_catch_a_re_export(tmp_path):
    p = tmp_path / "m.py"
    p.write_text('"""A module."""\nfrom gtanalytics.gaps import gap\n__all__ = ["gap", "here"]\nhere = 1\n')
    _, names, defined = _all_and_defined(p)
    assert [n for n in names if n not in defined] == ["gap"]

