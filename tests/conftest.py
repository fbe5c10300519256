"""Shared fixtures: the sample trust, loaded once, and tidy figures; the tools a CI run must have."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample"

# Property tests: `make test` (and CI) draw the same examples every run, so a result does not depend on
# luck; HYPOTHESIS_PROFILE=explore draws new random examples each run, to look for new failures (add any
# it finds as an @example).
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

#: Programs the browser and PDF tests need. Elsewhere those tests skip without them; in CI (CI=true)
#: the run fails instead, so the PDF privacy check can never go untested while CI stays green.
CI_PROGRAMS = {"chromium": "chromium", "pdftotext": "poppler-utils"}


def pytest_sessionstart(session):
    if os.environ.get("CI", "").lower() not in {"true", "1"}:
        return
    missing = [f"{prog} (apt-get install {pkg})" for prog, pkg in CI_PROGRAMS.items() if shutil.which(prog) is None]
    if missing:
        raise pytest.UsageError("CI is set, so the browser and PDF tests must run, but these programs are missing: "
                                + "; ".join(missing) + ".")


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """The committed synthetic sample trust (written afresh from the generator if it is missing)."""
    if any(SAMPLE_DIR.glob("*.csv")):
        return SAMPLE_DIR
    from gtanalytics.datasets import write_sample

    out = tmp_path_factory.mktemp("sample")
    write_sample(out)
    return out


@pytest.fixture(scope="session")
def sample(sample_dir):
    """The sample trust loaded through the public loader (shared, do not mutate)."""
    from gtanalytics.data._io import load

    return load(sample_dir)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
