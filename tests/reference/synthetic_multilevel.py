"""Realistic synthetic two-level datasets shared by Python tests and lme4_reference.R.

Run ``python tests/reference/synthetic_multilevel.py`` to (re)write the CSVs in
this folder; ``tests/test_multilevel.py`` regenerates them from the same seeds
and checks they still match the committed CSVs before comparing with lme4.

* ``schools``: 60 schools of 4-150 pupils, KS2-like prior (mean 104, SD 6),
  a disadvantaged flag, outcome with ICC about 0.12 after adjustment.
* ``singletons``: 40 groups of size 1 mixed with 25 groups of 3-40.
* ``zero_icc``: 50 groups, no between-group variance in the generating model.
* ``boundary``: like ``zero_icc`` but with the noise's group means shrunk, so the
  estimated between-group variance is exactly 0 (a singular fit in lme4).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
SEEDS = {"schools": 20240601, "singletons": 20240602, "zero_icc": 20240603, "boundary": 20240604}


def make(name: str) -> pd.DataFrame:
    rng = np.random.default_rng(SEEDS[name])
    if name == "schools":
        sizes = rng.integers(4, 151, size=60)
        sd_u = 0.35
    elif name == "singletons":
        sizes = np.concatenate([np.ones(40, dtype=int), rng.integers(3, 41, size=25)])
        sd_u = 0.5
    elif name in ("zero_icc", "boundary"):
        sizes = rng.integers(5, 31, size=50)
        sd_u = 0.0
    else:
        raise KeyError(name)
    school = np.repeat(np.arange(1, len(sizes) + 1), sizes)
    n = school.size
    u = rng.normal(0.0, sd_u, len(sizes)) if sd_u > 0 else np.zeros(len(sizes))
    prior = np.round(rng.normal(104.0, 6.0, n) * 2) / 2
    disadv = (rng.random(n) < 0.25).astype(int)
    e = rng.normal(0.0, 1.0, n)
    if name == "boundary":  # shrink the group means of the noise so the REML/ML estimate is 0
        e = e - 0.6 * (np.bincount(school - 1, weights=e) / np.bincount(school - 1))[school - 1]
    y = -9.0 + 0.095 * prior - 0.3 * disadv + u[school - 1] + e
    return pd.DataFrame({"school": [f"S{k:03d}" for k in school], "prior": prior,
                         "disadvantaged": disadv, "y": y})


def write_all() -> None:
    for name in SEEDS:
        make(name).to_csv(HERE / f"ml_{name}.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    write_all()
