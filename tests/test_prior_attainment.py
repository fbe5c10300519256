"""Tests of gtanalytics.prior_attainment internals added for speed.

Independent check: the per-distinct-code lookup of KS1 points equals
:func:`gtanalytics.dfe.ks1_points` applied row by row (the former implementation), and
pair_assessments' KS1 APS equals the DfE formula ((reading + writing)/2 + maths)/2 computed by
hand from the codes' points (methodology §1.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gtanalytics import dfe
from gtanalytics.prior_attainment import pair_assessments


@pytest.mark.parametrize("dtype", ["str", object])
def test_ks1_aps_from_codes_equals_row_by_row(dtype):
    """pair_assessments looks each KS1 code up once (not row by row): the APS equals dfe.ks1_aps per pupil."""
    rng = np.random.default_rng(3)
    n = 200
    codes = rng.choice(["EXS", "GDS", "WTS", "PKF", "A", "D", "", " exs ", "7", None], (n, 3))
    subjects = ("reading", "writing", "maths")
    ks1 = pd.DataFrame({"upn": np.repeat([f"P{i:03d}" for i in range(n)], 3), "academic_year": "2019/20",
                        "term": "Summer", "subject": np.tile(subjects, n), "assessment": "KS1", "score": np.nan,
                        "result": pd.Series(codes.ravel(), dtype=dtype)})
    ks2 = pd.DataFrame({"upn": [f"P{i:03d}" for i in range(n)], "academic_year": "2023/24", "term": "Summer",
                        "subject": "maths", "assessment": "KS2", "score": 100.0, "result": None})
    out = pair_assessments(pd.concat([ks1, ks2], ignore_index=True), outcome=dict(assessment="KS2", subject="maths"),
                           prior=dict(assessment="KS1", subject=list(subjects), combine="ks1_aps"))
    def points(c):
        return dfe.ks1_points(c) if pd.notna(c) else np.nan

    expected = pd.Series([((points(r) + points(w)) / 2 + points(m)) / 2 for r, w, m in
                          pd.Series(codes.ravel(), dtype=dtype).to_numpy().reshape(n, 3)],
                         index=[f"P{i:03d}" for i in range(n)])
    got = out.set_index("upn")["prior"]
    assert got.notna().sum() > 20 and expected.isna().sum() > 20    # both kinds of pupil are present
    np.testing.assert_array_equal(got.reindex(expected.index).to_numpy(float), expected.to_numpy(float))


def test_pair_assessments_ks1_aps_from_codes():
    rows = []
    for upn, (r, w, m) in {"A": ("EXS", "WTS", "GDS"), "B": ("GDS", "GDS", "EXS")}.items():
        for subj, code in zip(("reading", "writing", "maths"), (r, w, m)):
            rows.append(dict(upn=upn, academic_year="2019/20", term="Summer", subject=subj, assessment="KS1",
                             score=np.nan, result=code))
        for subj, score in (("reading", 104.0), ("maths", 101.0)):
            rows.append(dict(upn=upn, academic_year="2023/24", term="Summer", subject=subj, assessment="KS2",
                             score=score, result=None))
    a = pd.DataFrame(rows).astype({"result": "str"})
    out = pair_assessments(a, outcome=dict(assessment="KS2", subject=["reading", "maths"]),
                           prior=dict(assessment="KS1", subject=["reading", "writing", "maths"], combine="ks1_aps"))
    pts = dfe.ks1_points
    assert out["prior"].tolist() == [((pts("EXS") + pts("WTS")) / 2 + pts("GDS")) / 2,
                                     ((pts("GDS") + pts("GDS")) / 2 + pts("EXS")) / 2]
    assert out["outcome"].tolist() == [102.5, 102.5]
