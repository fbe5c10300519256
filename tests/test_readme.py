"""The README's promises: its Python example runs, and its commands are the ones CI runs."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make report", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_python_example_runs(sample_dir, monkeypatch):
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    monkeypatch.chdir(ROOT)
    # The README loads a school's own folder; here it is the committed sample trust.
    code = code.replace('gt.load("data/myschool")', f'gt.load(r"{sample_dir}")')
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "README.md", "exec"), namespace)
    groups = namespace["va"].groups
    assert {"n", "va", "se", "ci_low", "ci_high"} <= set(groups.columns)
    assert (groups["ci_low"] < groups["va"]).all() and (groups["va"] < groups["ci_high"]).all()
