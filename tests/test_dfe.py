"""Tests for gtanalytics.dfe against published DfE values.

Sources (reference/methodology.md): DfE KS4 ready reckoner code and data
(github.com/dfe-analytical-services/KS4-ready-reckoners, data updated 5 Dec 2024) for the 2024 P8
estimates, SDs, PAG boundaries, CI formula; DfE P8 descriptors note for the bands (§2.5);
§1.3 KS1 points; §1.4 nominal scores (Juniper/daisi reproducing DfE guidance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gtanalytics import dfe
from gtanalytics.errors import GTDataError
from gtanalytics.reference import reference_metadata


def test_shipped_tables_have_metadata_and_the_published_values():
    est = dfe.p8_estimates()
    assert len(est) == 34 and est["pag"].tolist() == list(range(1, 35))
    meta = reference_metadata("p8_2024_estimates")
    assert meta["status"] == "CONFIRMED" and meta["year"] == "2024"
    assert "dfe-analytical-services/KS4-ready-reckoners" in meta["source"]
    # spot values from methodology §2.3
    row19 = est.set_index("pag").loc[19]
    assert (row19.a8, row19.english, row19.maths, row19.ebacc, row19.open) == (45.12, 9.85, 8.97, 12.95, 13.35)
    assert est.set_index("pag").loc[34, "a8"] == 82.03 and est.set_index("pag").loc[1, "a8"] == 15.96
    # A8 estimate rises with prior attainment and is about the sum of its elements (2+2+3+3 slots)
    assert np.all(np.diff(est["a8"]) > 0)
    sd = dfe.p8_national_sd().set_index("measure")["sd"]
    assert sd.to_dict() == {"p8": 1.41628, "english": 1.614052, "maths": 1.487134, "ebacc": 1.637291,
                            "open": 1.616699}


def test_pag_boundaries_are_upper_inclusive():
    # methodology §2.3: PAG1 <= 82; PAG2 <= 86; PAG3 <= 87.5; PAG4 <= 89; PAG5 <= 90.5; PAG6 <= 92; then 1-point groups
    vals = [59, 82, 82.5, 86, 86.5, 87.5, 88, 89, 89.5, 90.5, 91, 92, 92.5, 93, 104.5, 105, 105.5, 119, 119.5, 120]
    want = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 19, 19, 20, 33, 34, 34]
    assert dfe.assign_pag(vals).tolist() == want
    # custom boundaries as a sequence of upper bounds
    assert dfe.assign_pag([5, 6, 6.5, 20], [6, 12]).tolist() == [1, 1, 2, 3]
    assert dfe.assign_pag([np.nan]).isna().all()


def test_pupil_p8_worked_example():
    # pupil with KS2 average 105 (PAG 19) and A8 50 -> P8 = (50 - 45.12) / 10
    d = pd.DataFrame({"ks2_average": [dfe.ks2_average(104, 106)], "a8": [50.0], "eng": [12.0], "mat": [9.0],
                      "eb": [14.0], "op": [15.0]})
    out = dfe.progress8(d, elements={"english": "eng", "maths": "mat", "ebacc": "eb", "open": "op"})
    r = out.iloc[0]
    assert r.pag == 19
    assert r.p8 == pytest.approx((50 - 45.12) / 10, abs=1e-12)
    assert r.p8_english == pytest.approx((12 - 9.85) / 2, abs=1e-12)
    assert r.p8_maths == pytest.approx((9 - 8.97) / 2, abs=1e-12)
    assert r.p8_ebacc == pytest.approx((14 - 12.95) / 3, abs=1e-12)
    assert r.p8_open == pytest.approx((15 - 13.35) / 3, abs=1e-12)
    with pytest.raises(GTDataError, match="not in the data"):
        dfe.progress8(d, a8="attainment8")


@pytest.mark.parametrize("n,half", [(30, 0.51), (60, 0.36), (150, 0.23), (200, 0.20)])
def test_school_ci_half_widths(n, half):
    # methodology §2.4 worked half-widths at SD 1.41628 (1.96 x SD / sqrt(n), ready reckoner server.R)
    r = dfe.school_progress(np.zeros(n), national_sd=1.41628)
    assert round(float(r.ci_high.iloc[0]), 2) == half
    assert float(r.ci_high.iloc[0]) == pytest.approx(1.96 * 1.41628 / np.sqrt(n), abs=1e-4)
    assert r.n.iloc[0] == n and "DfE" in r.ci_method.iloc[0]


def test_bands_follow_the_dfe_rules():
    cases = [  # score, lower, upper, band  (methodology §2.5)
        (0.50, 0.01, 0.99, "well above average"),
        (0.49, 0.01, 0.97, "above average"),
        (0.60, -0.01, 1.21, "average"),          # big score but CI includes 0
        (-0.60, -1.21, 0.01, "average"),
        (-0.30, -0.60, -0.01, "below average"),
        (-0.50, -0.99, -0.01, "below average"),  # -0.5 itself is "below", not "well below"
        (-0.51, -1.0, -0.02, "well below average"),
    ]
    got = dfe.progress_band(*zip(*[c[:3] for c in cases]))
    assert list(got) == [c[3] for c in cases]
    assert dfe.progress_band(3.0, 0.5, 5.5, well=None) == "above average"
    assert dfe.progress_band(3.0, 0.5, 5.5, well=2.0) == "well above average"  # KS2: your own threshold


def test_ks1_aps_and_points():
    # §1.3 interim framework: GDS 10, EXS 8, WTS 6; APS = mean(mean(R, W), M)
    assert dfe.ks1_aps("EXS", "WTS", "GDS") == ((8 + 6) / 2 + 10) / 2
    # levels era: 2b 15, 2a 17, 3 21
    assert dfe.ks1_aps("2b", "2a", "3", framework="levels") == ((15 + 17) / 2 + 21) / 2
    s = dfe.ks1_aps(pd.Series(["EXS", "A", "PK3", None]), ["EXS", "EXS", "PK2", "EXS"], ["EXS", "EXS", "PK1", "EXS"])
    assert s.iloc[0] == 8 and np.isnan(s.iloc[1]) and s.iloc[2] == ((3.5 + 3) / 2 + 2.5) / 2 and np.isnan(s.iloc[3])
    for code in ("D", "M"):
        assert np.isnan(dfe.ks1_points(code))
    with pytest.raises(GTDataError, match="no confirmed point score"):
        dfe.ks1_points("P2")  # P-scales between P1i and P4 are not confirmed: no invented values


def test_ks2_nominal_scores_by_year():
    # §1.4 table
    assert dfe.ks2_nominal_score("N", 2017) == 79
    assert [dfe.ks2_nominal_score("BLW", y) for y in (2016, 2017, 2018, 2019)] == [70, 71, 71, 62]
    assert dfe.ks2_nominal_score("PK4", 2019) == 73 and dfe.ks2_nominal_score("p2ii", 2018) == 59
    assert dfe.ks2_nominal_score("P7", 2017) == 67 and dfe.ks2_nominal_score(104, 2019) == 104
    assert dfe.ks2_nominal_score("GDS", 2019, subject="writing") == 113
    with pytest.raises(GTDataError, match="pass table="):
        dfe.ks2_nominal_score("BLW", 2023)


def test_negative_cap_uses_the_supplied_minima_only():
    mins = pd.DataFrame({"pag": [1, 2], "min_score": [-3.0, -2.5]})
    capped = dfe.apply_negative_cap([-4.0, -2.0, -9.0, -9.0, 4.0], [1, 1, 2, 7, 1], mins)
    assert capped.tolist() == [-3.0, -2.0, -2.5, -9.0, 4.0]  # PAG 7 has no minimum; positives never capped
    with pytest.raises(GTDataError):
        dfe.apply_negative_cap([1.0], [1], pd.DataFrame({"pag": [1]}))
