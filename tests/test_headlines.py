"""Page-1 summary: headline outcomes against national, the school in a line, key findings, questions.

Independent checks: percentages and means recomputed with a plain pandas groupby on the hand-made
frame below; Wilson intervals from statsmodels ``proportion_confint(method="wilson")``; t intervals
from ``scipy.stats.t.interval``; Progress 8 from our own look-up in the shipped DfE 2024 table and
DfE's interval mean +/- 1.96 x national SD / sqrt(n) (methodology §2.4).

DfE definitions checked against DfE's published data guidance (Key stage 2 attainment: national
headlines, footnotes: "The expected standard in reading and maths is a scaled score of 100 or above.
The expected standard in writing is a teacher assessment of 'working at the expected standard' or
'working at greater depth'"; "The average scaled score only includes pupils who took the test and
achieved a scaled score"):
https://explore-education-statistics.service.gov.uk/find-statistics/key-stage-2-attainment-national-headlines/data-guidance
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from gtanalytics.gap_trends import gap_trend
from gtanalytics.headlines import (
    describe_school,
    headline_outcomes,
    key_findings,
    questions_for_governors,
    school_in_a_line,
    school_phase,
)
from gtanalytics.data._io import load
from gtanalytics.reference import load_reference
from gtanalytics.data._upn import make_upn

YEAR = "2023/24"
# Hand-made Year 6 (school 100001): reading, maths (None = 'N', no scaled score), writing TA, disadvantaged.
READ = [112, 105, 99, 100, None, 110, 95, 101, 118, 103, 88, 107]
MATHS = [110, 100, 104, 98, 101, 111, 96, 100, 115, 105, 90, 120]
WRIT = ["GDS", "EXS", "EXS", "EXS", "WTS", "GDS", "WTS", "EXS", "GDS", "EXS", "WTS", "EXS"]
DIS = [True] * 5 + [False] * 7
MISSED = [10, 40, 20, 5, 60, 0, 38, 19, 2, 0, 80, 12]  # of 380 possible sessions
# Hand-made Year 11 (school 200001): KS2 reading, maths (2018/19), A8, GCSE English and maths, disadvantaged.
KS2R = [88, 100, 105, 110, 95, 101, 120, 92]
KS2M = [89, 101, 106, 111, 96, 100, 119, 93]
A8 = [30.0, 44.0, 55.5, 70.0, 38.0, 41.0, 80.0, 20.0]
ENG = [4, 5, 5, 7, 3, 4, 9, 2]
MAT = [3, 5, 6, 8, 4, 4, 9, 3]
DIS11 = [True, False, True, False, True, False, False, True]


def _upn(school: int, i: int) -> str:
    return make_upn(801, school, 12, i)


def _write(folder, *, with_ks2: bool = True, writing_codes: bool = True):
    pupils, ass, att = [], [], []
    for i in range(12):
        u = _upn(1000, i)
        pupils.append({"upn": u, "academic_year": YEAR, "school_id": "100001", "year_group": 6, "sex": "FM"[i % 2],
                       "disadvantaged": "Y" if DIS[i] else "N", "gt_register": "Y" if i in (0, 8) else "N"})
        att.append({"upn": u, "academic_year": YEAR, "period": "Year", "possible_sessions": 380,
                    "authorised_absence": MISSED[i], "unauthorised_absence": 0})
        ass.append({"upn": u, "academic_year": YEAR, "term": "Summer", "subject": "reading", "assessment": "PiRA",
                    "score_type": "standardised", "score": 100 + i, "result": ""})
        if with_ks2:
            for subject, v in (("reading", READ[i]), ("maths", MATHS[i])):
                ass.append({"upn": u, "academic_year": YEAR, "term": "Summer", "subject": subject,
                            "assessment": "KS2", "score_type": "ks2_scaled", "score": "" if v is None else v,
                            "result": "N" if v is None else ""})
            ass.append({"upn": u, "academic_year": YEAR, "term": "Summer", "subject": "writing", "assessment": "KS2",
                        "score_type": "ks2_ta", "score": {"GDS": 113, "EXS": 103, "WTS": 91}[WRIT[i]],
                        "result": WRIT[i] if writing_codes else ""})
    u5 = _upn(1000, 50)  # one Year 5 pupil: not in the KS2 cohort, but on roll
    pupils.append({"upn": u5, "academic_year": YEAR, "school_id": "100001", "year_group": 5, "sex": "F",
                   "disadvantaged": "N", "gt_register": "N"})
    att.append({"upn": u5, "academic_year": YEAR, "period": "Year", "possible_sessions": 380,
                "authorised_absence": 3, "unauthorised_absence": 0})
    for i in range(8):
        u = _upn(2000, i)
        pupils.append({"upn": u, "academic_year": YEAR, "school_id": "200001", "year_group": 11, "sex": "FM"[i % 2],
                       "disadvantaged": "Y" if DIS11[i] else "N", "gt_register": "N"})
        att.append({"upn": u, "academic_year": YEAR, "period": "Year", "possible_sessions": 380,
                    "authorised_absence": 20 + 5 * i, "unauthorised_absence": 0})
        for subject, v in (("reading", KS2R[i]), ("maths", KS2M[i])):
            ass.append({"upn": u, "academic_year": "2018/19", "term": "Summer", "subject": subject,
                        "assessment": "KS2", "score_type": "ks2_scaled", "score": v, "result": ""})
        for subject, st, v in (("A8", "attainment8", A8[i]), ("english", "gcse_grade", ENG[i]),
                               ("maths", "gcse_grade", MAT[i])):
            ass.append({"upn": u, "academic_year": YEAR, "term": "Summer", "subject": subject,
                        "assessment": "KS4", "score_type": st, "score": v, "result": ""})
    pd.DataFrame(pupils).to_csv(folder / "pupils.csv", index=False)
    pd.DataFrame(ass).to_csv(folder / "assessments.csv", index=False)
    pd.DataFrame(att).to_csv(folder / "attendance.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load(_write(tmp_path_factory.mktemp("hand")))


@pytest.fixture(scope="module")
def hand_primary(hand):
    return headline_outcomes(hand, school="100001", year=YEAR, min_n=3).set_index(["measure", "group"])


def _wilson(k, n):
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return 100 * lo, 100 * hi


def test_ks2_percentages_match_a_hand_groupby_and_statsmodels_wilson(hand_primary):
    f = pd.DataFrame({"r": READ, "m": MATHS, "w": WRIT, "dis": DIS}).astype({"r": float})
    f["rwm_exp"] = (f["r"] >= 100) & (f["m"] >= 100) & f["w"].isin(["EXS", "GDS"])
    f["rwm_high"] = (f["r"] >= 110) & (f["m"] >= 110) & (f["w"] == "GDS")
    f["group"] = np.where(f["dis"], "disadvantaged", "not_disadvantaged")
    expected = pd.concat([f.assign(group="all"), f]).groupby("group")[["rwm_exp", "rwm_high"]].agg(["sum", "count"])
    # by hand: pupils 0, 1, 5, 7, 8, 9, 11 meet RWM (7 of 12); 0, 5, 8 the higher standard (3 of 12)
    assert expected.loc["all", ("rwm_exp", "sum")] == 7 and expected.loc["all", ("rwm_high", "sum")] == 3
    for measure, col in (("ks2_rwm_expected", "rwm_exp"), ("ks2_rwm_higher", "rwm_high")):
        for group in ("all", "disadvantaged", "not_disadvantaged"):
            k, n = expected.loc[group, (col, "sum")], expected.loc[group, (col, "count")]
            r = hand_primary.loc[(measure, group)]
            assert r["n"] == n
            assert r["estimate"] == pytest.approx(100 * k / n)
            assert (r["ci_low"], r["ci_high"]) == pytest.approx(_wilson(k, n), abs=1e-9)
            assert r["unit"] == "% of pupils" and "Wilson" in r["ci_method"]
    # 'N' in reading is not the expected standard but the pupil stays in the denominator
    r = hand_primary.loc[("ks2_reading_expected", "all")]
    assert (r["n"], r["estimate"]) == (12, pytest.approx(100 * 8 / 12))
    assert hand_primary.loc[("ks2_writing_higher", "all"), "estimate"] == pytest.approx(100 * 3 / 12)


def test_ks2_scaled_score_means_use_scored_pupils_only_with_a_scipy_t_interval(hand_primary):
    scores = np.array([v for v in READ if v is not None], dtype=float)
    r = hand_primary.loc[("ks2_reading_scaled_score", "all")]
    lo, hi = sps.t.interval(0.95, len(scores) - 1, loc=scores.mean(), scale=sps.sem(scores))
    assert (r["n"], r["estimate"]) == (11, pytest.approx(scores.mean()))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi))
    assert r["unit"] == "scaled-score points"
    dis = np.array([v for v, d in zip(READ, DIS) if d and v is not None], dtype=float)
    assert hand_primary.loc[("ks2_reading_scaled_score", "disadvantaged"), "estimate"] == pytest.approx(dis.mean())


def test_national_only_for_the_same_year_phase_and_group(hand_primary):
    rwm = hand_primary.loc[("ks2_rwm_expected", "all")]
    assert rwm["national"] == 61.0 and rwm["national_status"] == "CONFIRMED"
    assert rwm["difference"] == pytest.approx(100 * 7 / 12 - 61.0)
    assert hand_primary.loc[("ks2_rwm_expected", "disadvantaged"), "national"] == 46.0
    # 2023/24 RWM higher standard is not shipped (two school pages disagree): nothing compared, and said why
    high = hand_primary.loc[("ks2_rwm_higher", "all")]
    assert math.isnan(high["national"]) and high["national_status"] == "none"
    assert "no confirmed national figure" in high["national_basis"]
    # a primary's absence is set against primary schools (5.5%), never the all-schools 7.1%
    ab = hand_primary.loc[("overall_absence", "all")]
    assert ab["national"] == 5.5 and "primary" in ab["national_basis"]
    missed = sum(MISSED) + 3
    assert ab["estimate"] == pytest.approx(100 * missed / (13 * 380)) and ab["n"] == 13
    pa = hand_primary.loc[("persistent_absence", "all")]
    assert pa["estimate"] == pytest.approx(100 * sum(m >= 38 for m in MISSED) / 13)
    # primary persistent absence 2023/24: DfE data set of all state-funded mainstream primaries (14.6%)
    assert pa["national"] == pytest.approx(14.55841) and "primary" in pa["national_basis"]
    # KS1-KS2 progress: no KS1 here, so said in words
    kp = hand_primary.loc[("ks1_ks2_progress_reading", "all")]
    assert kp["n"] == 0 and math.isnan(kp["estimate"]) and "no KS1" in kp["note"]


def test_secondary_attainment8_progress8_and_english_maths(hand):
    h = headline_outcomes(hand, school=200001, year=2024, min_n=3).set_index(["measure", "group"])
    assert school_phase(hand, school=200001) == "secondary"
    a8 = np.array(A8)
    r = h.loc[("ks4_attainment8", "all")]
    lo, hi = sps.t.interval(0.95, 7, loc=a8.mean(), scale=sps.sem(a8))
    assert (r["estimate"], r["ci_low"], r["ci_high"]) == pytest.approx((a8.mean(), lo, hi))
    assert r["unit"] == "A8 points" and r["national"] == 45.9
    # Progress 8: our own look-up of each pupil's KS2 average in DfE's 2024 table (upper-inclusive groups)
    table = load_reference("p8_2024_estimates")
    ks2 = (np.array(KS2R) + np.array(KS2M)) / 2
    est = [float(table.loc[(table["ks2_low"] <= x) & (x <= table["ks2_high"]), "a8"].iloc[0]) for x in ks2]
    p8 = (a8 - np.array(est)) / 10
    half = 1.959964 * 1.41628 / math.sqrt(8)
    r = h.loc[("ks4_progress8", "all")]
    assert (r["estimate"], r["ci_low"], r["ci_high"]) == pytest.approx((p8.mean(), p8.mean() - half, p8.mean() + half),
                                                                   abs=1e-5)
    assert r["unit"] == "P8 points" and "estimate" in r["label"] and "not DfE's published figure" in r["note"]
    dis = np.array(DIS11)
    rd = h.loc[("ks4_progress8", "disadvantaged")]
    assert rd["estimate"] == pytest.approx(p8[dis].mean()) and rd["national"] == -0.57
    assert rd["difference"] == pytest.approx(p8[dis].mean() + 0.57)
    four = ((np.array(ENG) >= 4) & (np.array(MAT) >= 4))
    r = h.loc[("ks4_english_maths_4plus", "all")]
    assert r["estimate"] == pytest.approx(100 * four.mean())
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(_wilson(four.sum(), 8))
    assert math.isnan(r["national"])  # 2023/24 grade 4+ not shipped
    five = h.loc[("ks4_english_maths_5plus", "disadvantaged")]
    assert five["national"] == 25.8
    assert h.loc[("overall_absence", "all"), "national"] == 8.9  # secondary schools


def test_minimal_export_without_ks2_says_what_it_could_not_compute(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load(_write(tmp_path, with_ks2=False))
    h = headline_outcomes(data, school="100001", year=YEAR)
    ks2 = h[h["measure"].str.startswith("ks2_")]
    assert len(ks2) == 30 and ks2["estimate"].isna().all() and (ks2["n"] == 0).all()
    assert ks2["note"].str.contains("no KS2 results for the 12 Year 6 pupils in 2023/24").all()
    assert h.loc[h["measure"] == "overall_absence", "estimate"].notna().all()  # what it can compute, it does


def test_school_in_a_line_counts(hand, sample):
    line = school_in_a_line(hand, school="100001", year=YEAR).iloc[0]
    assert (line["n_pupils"], line["n_disadvantaged"], line["n_register"]) == (13, 5, 2)
    assert line["year_groups"] == "Year 5 to Year 6" and line["phase"] == "primary"
    p = sample.pupils.query("school_id == '8884101' and academic_year == @YEAR")
    s = school_in_a_line(sample, school=8884101, year=YEAR).iloc[0]
    assert s["n_pupils"] == len(p) and s["n_register"] == int(p["gt_register"].sum())
    assert s["pct_disadvantaged"] == pytest.approx(100 * p["disadvantaged"].mean())
    assert s["school_name"] == "Kingsmead Academy"
    assert describe_school(s).startswith("Kingsmead Academy (secondary, Year 7 to Year 11) had 718 pupils")


def test_sample_primary_headlines(sample):
    h = headline_outcomes(sample, school="8862101", year=YEAR)
    assert school_phase(sample, school="8862101") == "primary"
    a = sample.assessments
    y6 = sample.pupils.query("school_id == '8862101' and academic_year == @YEAR and year_group == 6")
    ks2 = a[a["upn"].isin(y6["upn"]) & (a["academic_year"] == YEAR) & (a["assessment"] == "KS2")]
    w = ks2.pivot(index="upn", columns="subject", values="score")
    met = (w["reading"] >= 100) & (w["maths"] >= 100) & (w["writing"] >= 103)  # EXS 103, GDS 113
    r = h.set_index(["measure", "group"]).loc[("ks2_rwm_expected", "all")]
    assert (r["n"], r["estimate"]) == (len(w), pytest.approx(100 * met.mean()))
    assert set(h["group"]) == {"all", "disadvantaged", "not_disadvantaged"}
    assert not h["measure"].str.startswith("ks4_").any()
    kp = h.set_index(["measure", "group"]).loc[("ks1_ks2_progress_reading", "all")]
    assert kp["n"] > 0 and math.isnan(kp["national"]) and "not shipped" in kp["national_basis"]


def test_sample_secondary_headlines_and_kingsmead_gap_finding(sample):
    h = headline_outcomes(sample, school="8884101", year=YEAR)
    assert not h["measure"].str.startswith("ks2_").any()
    p8 = h.set_index(["measure", "group"]).loc[("ks4_progress8", "disadvantaged")]
    assert p8["n"] > 10 and p8["ci_low"] < p8["estimate"] < p8["ci_high"] and p8["national"] == -0.57
    from gtanalytics.data._records import summer_scores

    scores = summer_scores(sample, subject="reading", years=["2021/22", "2022/23", YEAR])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trend = gap_trend(scores[scores["school_id"] == "8884101"], outcome="score", group="disadvantaged",
                          focus=True)
    f = key_findings(h, gap_trends={"the reading summer test": trend}, year=YEAR)
    gapf = f[f["source"] == "gap_trend"].iloc[0]
    # the sample's planted widening (about 6.6 -> 11.7 points; exact values move when the sample is regenerated)
    m = re.search(r"widened from (\d+\.\d) to (\d+\.\d) standardised-score points", gapf["statement"])
    assert m and float(m[2]) - float(m[1]) > 3
    assert gapf["direction"] == "worse" and gapf["clear"] and gapf["ci_low"] > 0
    qs = questions_for_governors(f)
    assert 3 <= len(qs) <= 5
    assert any("reading summer test" in q and "widened" in q for q in qs)


def _cand(source, z, clear, low_n=False):
    return {"source": source, "z": z, "clear": clear, "low_n": low_n}


def test_ranking_rule_clear_first_then_size_in_standard_errors():
    # headline rows: value, interval and national chosen so z and 'clear' are known
    h = pd.DataFrame({
        "measure": ["a", "b", "c", "d"], "label": ["A", "B", "C", "D"], "group": ["all"] * 4,
        "group_label": ["all pupils"] * 4, "n": [50, 50, 50, 5], "unit": ["A8 points"] * 4,
        "estimate": [50.0, 40.0, 46.0, 60.0], "national": [45.0] * 4,
        "ci_low": [50 - 1.96 * 2, 40 - 1.96, 46 - 1.96 * 2, 60 - 1.96 * 3],
        "ci_high": [50 + 1.96 * 2, 40 + 1.96, 46 + 1.96 * 2, 60 + 1.96 * 3], "se": [2.0, 1.0, 2.0, 3.0],
        "ci_method": "t"})
    f = key_findings(h, per_source=5, max_findings=5, min_findings=3, min_n=10)
    # z: a 2.5, b 5.0, c 0.5 (not clear), d 5.0 but only 5 pupils
    assert f["measure"].tolist() == ["B", "A", "D"]
    assert f["z"].tolist() == pytest.approx([5.0, 2.5, 5.0], rel=1e-4)  # 1.96 here, z(0.975) in the code
    assert f["low_n"].tolist() == [False, False, True]
    assert "5.0 A8 points below the national figure of 45.0" in f["statement"][0]
    # only two from one source, then topped up to three with the strongest unclear one
    g = key_findings(h, per_source=1, min_findings=1)
    assert g["measure"].tolist() == ["B"]


def test_findings_rule_under_no_difference_and_a_real_difference():
    """Schools truly at the national figure are called different about 5% of the time; a real
    18-point shortfall in 100 pupils is found nearly always (binomial simulation, Wilson interval)."""
    rng = np.random.default_rng(13)
    from gtanalytics._stats import wilson_ci

    def share_clear(p, n=100, reps=2000):
        k = rng.binomial(n, p, reps)
        lo, hi = wilson_ci(k, n)
        h = pd.DataFrame({"measure": [f"school {i}" for i in range(reps)], "label": "RWM", "group": "all", "group_label": "all pupils",
                          "n": n, "unit": "% of pupils", "estimate": 100 * k / n, "national": 61.0,
                          "ci_low": 100 * lo, "ci_high": 100 * hi, "se": np.nan, "ci_method": "Wilson"})
        f = key_findings(h, per_source=reps, max_findings=reps, min_findings=0)
        return len(f) / reps

    assert 0.03 <= share_clear(0.61) <= 0.075
    assert share_clear(0.43) >= 0.9


def test_questions_follow_the_findings_not_a_script():
    f = pd.DataFrame({"source": ["headline", "register", "intervention", "headline"],
                      "direction": ["worse", "worse", "no clear impact", "better"],
                      "topic": ["ks4_progress8", "disadvantaged=yes", "Maths Booster", "overall_absence"],
                      "measure": ["Progress 8", "register share", "impact of Maths Booster", "Overall absence"],
                      "group": ["disadvantaged", "Disadvantaged pupils", "participants", "all"],
                      "estimate": [-0.8, 0.1, 0.1, -1.7]})
    q = questions_for_governors(f)
    assert q[0].startswith("Progress 8 for disadvantaged pupils is below the national figure")
    assert "Disadvantaged pupils are under-represented" in q[1]
    assert "Maths Booster shows no clear impact" in q[2]
    assert q[3].startswith("Overall absence for all pupils is below the national figure, which is better")
    assert questions_for_governors(f, max_questions=2) == q[:2]


def test_unknown_school_and_year_are_plain_errors(sample):
    from gtanalytics.errors import GTDataError

    with pytest.raises(GTDataError, match="has no pupils"):
        headline_outcomes(sample, school="999", year=YEAR)
    with pytest.raises(GTDataError, match="no pupils in 2019/20"):
        headline_outcomes(sample, school="8862101", year="2019/20")


def test_disadvantage_gap_on_a_headline_is_set_against_the_national_gap():
    """Newcombe interval checked against statsmodels confint_proportions_2indep(method="newcomb")."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    h = pd.DataFrame({"measure": ["ks2_rwm_expected"] * 2, "label": ["RWM"] * 2,
                      "group": ["disadvantaged", "not_disadvantaged"],
                      "group_label": ["disadvantaged pupils", "other pupils"], "n": [40, 60],
                      "estimate": [100 * 10 / 40, 100 * 45 / 60], "unit": ["% of pupils"] * 2, "se": [6.8, 5.6],
                      "ci_low": [14.0, 62.0], "ci_high": [40.0, 84.0], "ci_method": ["Wilson"] * 2,
                      "national": [46.0, 67.0]})
    f = key_findings(h, per_source=5, min_findings=0)
    gapf = f[f["source"] == "headline_gap"].iloc[0]
    lo, hi = confint_proportions_2indep(10, 40, 45, 60, method="newcomb", compare="diff")
    assert (gapf["ci_low"] + gapf["reference"], gapf["ci_high"] + gapf["reference"]) == pytest.approx(
        (100 * lo, 100 * hi), abs=1e-6)
    assert gapf["reference"] == pytest.approx(-21.0) and gapf["estimate"] == pytest.approx(-50.0 + 21.0)
    assert gapf["direction"] == "worse"
    assert "further behind other pupils than nationally" in gapf["statement"]
    assert "a difference of \u221250.0 percentage points" in gapf["statement"]


def test_concerns_lead_but_leave_room_for_a_strength_and_value_added_findings():
    va = pd.DataFrame({"gt_register": [True, False], "n": [40, 300], "va": [-3.0, 0.4], "se": [1.0, 0.4],
                       "ci_low": [-4.96, -0.384], "ci_high": [-1.04, 1.184], "ci_method": ["DfE style"] * 2})
    imp = pd.DataFrame({"programme": ["P1", "P2", "P3"], "n": [30, 30, 30], "low_n": [False] * 3,
                        "effect": [-4.0, -3.0, 5.0], "effect_ci_low": [-6.0, -5.0, 3.0],
                        "effect_ci_high": [-2.0, -1.0, 7.0], "months_label": ["-3 months", "-2 months", "+4 months"],
                        "comparison_method": ["regression"] * 3})
    f = key_findings(interventions=imp, value_added={"reading": va}, per_source=3, max_findings=3)
    assert f["direction"].tolist() == ["worse", "worse", "better"]  # 3 concerns exist, one place kept for P3
    assert "P3" in f["statement"].iloc[-1]
    vaf = key_findings(value_added={"reading": va}, min_findings=1).iloc[0]
    assert vaf["group"] == "gt_register True" and vaf["direction"] == "worse"
    assert "below the expected outcome" in vaf["statement"]
    q = questions_for_governors(key_findings(value_added={"reading": va}, min_findings=1))
    assert q == ["Why is value added in reading below expected for gt_register True, and what will change?"]


def test_ks1_ks2_progress_is_the_mean_ols_residual_against_all_pupils_in_the_data(sample):
    """Independent fit: statsmodels OLS of KS2 reading on KS1 APS ((R + W) / 2 + M) / 2 over every pupil
    in the sample with KS1 and a KS2 reading scaled score in 2023/24; DfE-style se = SD(resid) / sqrt(n)."""
    import statsmodels.api as sm

    a = sample.assessments
    ks2 = a[(a["assessment"] == "KS2") & (a["subject"] == "reading") & (a["academic_year"] == YEAR)]
    ks2 = ks2[ks2["score"].between(80, 120)].set_index("upn")["score"]
    ks1 = a[a["assessment"] == "KS1"].pivot_table(index="upn", columns="subject", values="score", aggfunc="last")
    aps = ((ks1["reading"] + ks1["writing"]) / 2 + ks1["maths"]) / 2
    f = pd.concat([ks2.rename("ks2"), aps.rename("aps")], axis=1, join="inner").dropna()
    fit = sm.OLS(f["ks2"], sm.add_constant(f["aps"])).fit()
    y6 = sample.pupils.query("school_id == '8862101' and academic_year == @YEAR and year_group == 6")
    mine = fit.resid[fit.resid.index.isin(y6["upn"])]
    h = headline_outcomes(sample, school="8862101", year=YEAR).set_index(["measure", "group"])
    r = h.loc[("ks1_ks2_progress_reading", "all")]
    se = np.std(fit.resid, ddof=1) / math.sqrt(len(mine))
    assert (r["n"], r["estimate"], r["se"]) == (len(mine), pytest.approx(mine.mean()), pytest.approx(se))
    assert r["ci_low"] == pytest.approx(mine.mean() - 1.959964 * se, abs=1e-5)
    # one school alone: the all-pupil figure would be 0 by construction, so it is not given
    from gtanalytics.data._io import SchoolData

    one = SchoolData(**{**{k: getattr(sample, k) for k in sample.tables},
                        "pupils": sample.pupils[sample.pupils["school_id"] == "8862101"],
                        "quality": sample.quality, "accounting": sample.accounting, "sources": sample.sources})
    alone = headline_outcomes(one, school="8862101", year=YEAR).set_index(["measure", "group"])
    assert math.isnan(alone.loc[("ks1_ks2_progress_reading", "all"), "estimate"])
    assert "0 by construction" in alone.loc[("ks1_ks2_progress_reading", "all"), "note"]
    assert alone.loc[("ks1_ks2_progress_reading", "disadvantaged"), "n"] > 0


def test_suppressed_rows_give_no_finding_and_no_error(sample):
    """Frames blanked for the audience (values and counts NaN) are skipped, never turned into sentences."""
    h = headline_outcomes(sample, school="8884101", year=YEAR)
    blank = h["group"] == "disadvantaged"
    h.loc[blank, ["n", "estimate", "se", "ci_low", "ci_high"]] = np.nan
    reg = pd.DataFrame({"characteristic": ["disadvantaged"], "value": ["yes"], "n_cohort": [718], "n": [243],
                        "n_register": [87], "n_group_register": [np.nan], "share_cohort": [0.34],
                        "share_register": [np.nan], "estimate": [np.nan], "ci_low": [np.nan], "ci_high": [np.nan],
                        "low_n": [False], "ci_method": ["Koopman"]})
    change = pd.DataFrame({"first_year": ["2021/22"], "last_year": [YEAR], "gap_first": [np.nan],
                           "gap_last": [np.nan], "ci_low": [np.nan], "ci_high": [np.nan], "n_focus": [np.nan],
                           "n_other": [np.nan], "low_n": [True], "ci_method": ["Welch"]})
    f = key_findings(h, register=reg, gap_trends={"reading": change}, per_source=50, max_findings=50)
    assert len(f) and (f["group"] != "disadvantaged").all()
    assert set(f["source"]) == {"headline"}


def test_bare_minimum_export_no_ks2_no_attendance_no_disadvantage(tmp_path):
    upns = [_upn(3000, i) for i in range(8)]
    pd.DataFrame({"upn": upns, "academic_year": YEAR, "school_id": "300001", "year_group": [5, 6] * 4,
                  "sex": "F", "gt_register": "N"}).to_csv(tmp_path / "pupils.csv", index=False)
    pd.DataFrame({"upn": upns, "academic_year": YEAR, "term": "Summer", "subject": "maths", "assessment": "PUMA",
                  "score_type": "standardised", "score": range(95, 103)}).to_csv(tmp_path / "assessments.csv",
                                                                                 index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load(tmp_path)
    h = headline_outcomes(data, school=300001, year=2024)
    assert h["estimate"].isna().all() and (h["note"] != "").all()
    assert h.loc[h["group"] == "all", "note"].str.contains("no KS2 results for the 4 Year 6 pupils|no attendance "
                                                           "records").all()
    assert (h.loc[h["group"] != "all", "note"] == "disadvantage is not recorded in the pupils table").all()
    line = school_in_a_line(data, school=300001, year=2024).iloc[0]
    assert line["n_pupils"] == 8 and line["n_disadvantaged_known"] == 0 and math.isnan(line["pct_disadvantaged"])
    assert "disadvantage not recorded" in describe_school(line)
    assert key_findings(h).empty and questions_for_governors(key_findings(h)) == []


def test_writing_teacher_assessment_given_only_as_dfe_points(tmp_path, hand_primary):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load(_write(tmp_path, writing_codes=False))
    h = headline_outcomes(data, school="100001", year=YEAR, min_n=3).set_index(["measure", "group"])
    for measure in ("ks2_rwm_expected", "ks2_rwm_higher", "ks2_writing_higher"):
        assert h.loc[(measure, "all"), "estimate"] == hand_primary.loc[(measure, "all"), "estimate"]


def test_progress8_estimate_is_compared_with_national_only_in_the_year_of_its_tables(sample):
    h = headline_outcomes(sample, school="8884101", year="2022/23").set_index(["measure", "group"])
    r = h.loc[("ks4_progress8", "all")]
    assert r["n"] > 0 and math.isnan(r["national"]) and "2023/24 tables" in r["national_basis"]
    assert "the 2022/23 tables are not shipped" in r["note"]
    assert h.loc[("ks4_english_maths_4plus", "all"), "national"] == 64.8  # 2022/23 figure, same year


def test_one_finding_per_measure():
    h = pd.DataFrame({"measure": ["m", "m"], "label": ["M", "M"], "group": ["all", "disadvantaged"],
                      "group_label": ["all pupils", "disadvantaged pupils"], "n": [100, 40], "unit": ["A8 points"] * 2,
                      "estimate": [40.0, 30.0], "national": [46.0, 35.0], "se": [1.0, 2.0], "ci_low": [38.0, 26.0],
                      "ci_high": [42.0, 34.0], "ci_method": ["t"] * 2})
    f = key_findings(h, per_source=5)
    assert f["group"].tolist() == ["all"]  # z 6 for all pupils beats z 2.5 for disadvantaged pupils
