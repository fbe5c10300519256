"""Tests for gtanalytics.engagement.

Independent implementations used:
* Wilson intervals: statsmodels ``proportion_confint(method="wilson")``.
* Newcombe interval for a difference: statsmodels
  ``confint_proportions_2indep(method="newcomb", compare="diff")``.
* Fisher's exact test: R 4.2 ``fisher.test`` (fixture ``tests/reference/exact_tests_r.csv``,
  regenerate with ``Rscript tests/reference/exact_tests_r.R``).
* Mean and t interval: statsmodels ``DescrStatsW(...).tconfint_mean``.
* Share of invitations attended (pupil-cluster SE): statsmodels WLS with cluster-robust covariance.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gtanalytics.engagement import (
    enrichment_takeup,
    parents_evening_attendance,
    survey_summary,
    takeup_gap,
)
from gtanalytics.errors import GTDataError, GTWarning

import statsmodels.api as sm
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, std_prop  # noqa: E402
from statsmodels.stats.weightstats import DescrStatsW  # noqa: E402

R_FIXTURE = Path(__file__).parent / "reference" / "exact_tests_r.csv"


def _school(n_dis=20, n_other=25, takers_dis=3, takers_other=11):
    """Pupils and enrichment with a known 2x2 table (matches the R fixture row 3, 17, 11, 14)."""
    upns = [f"D{i}" for i in range(n_dis)] + [f"O{i}" for i in range(n_other)]
    pupils = pd.DataFrame({"upn": upns, "academic_year": "2023/24",
                           "disadvantaged": [True] * n_dis + [False] * n_other,
                           "gt_register": [i % 3 == 0 for i in range(n_dis + n_other)]})
    takers = [f"D{i}" for i in range(takers_dis)] + [f"O{i}" for i in range(takers_other)]
    rows = [(u, "Chess club", "club") for u in takers]
    rows += [(takers[0], "Maths masterclass", "masterclass"), (takers[-1], "Museum", "trip")]
    enr = pd.DataFrame(rows, columns=["upn", "activity", "category"]).assign(academic_year="2023/24")
    return pupils, enr


def test_takeup_shares_match_wilson():
    pupils, enr = _school()
    res = enrichment_takeup(enr, pupils, by="disadvantaged")
    assert set(res["category"]) == {"any", "club", "masterclass", "trip"}
    row = res.query("disadvantaged and category == 'any'").iloc[0]
    assert (row["n"], row["takers"]) == (20, 3)
    assert row["estimate"] == pytest.approx(15.0)
    assert (row["ci_low"] / 100, row["ci_high"] / 100) == pytest.approx(
        proportion_confint(3, 20, method="wilson"), abs=1e-12)
    assert row["se"] == pytest.approx(100 * std_prop(3 / 20, 20), rel=1e-12)   # statsmodels' binomial se
    trip = res.query("disadvantaged and category == 'trip'").iloc[0]
    assert trip["takers"] == 0 and trip["ci_low"] == pytest.approx(0.0)
    # pupils with two activities count once in 'any'
    assert res.query("not disadvantaged and category == 'any'")["takers"].iloc[0] == 11


def test_gap_newcombe_and_fisher_against_statsmodels_and_r():
    pupils, enr = _school()
    gap = takeup_gap(enr, pupils, group="disadvantaged", focus=True).iloc[0]
    assert gap["gap"] == pytest.approx(100 * (3 / 20 - 11 / 25))
    ref = confint_proportions_2indep(3, 20, 11, 25, method="newcomb", compare="diff")
    assert (gap["ci_low"] / 100, gap["ci_high"] / 100) == pytest.approx(ref, abs=1e-12)
    wlo, whi = confint_proportions_2indep(3, 20, 11, 25, method="wald", compare="diff")
    assert gap["se"] == pytest.approx(100 * (whi - wlo) / (2 * 1.959963984540054), rel=1e-9)
    r = pd.read_csv(R_FIXTURE).query("kind == 'fisher' and a == 3 and b == 17").iloc[0]
    assert gap["p_value"] == pytest.approx(r["value"], rel=1e-9)


@pytest.mark.parametrize("row", pd.read_csv(R_FIXTURE).query("kind == 'fisher'").to_dict("records"))
def test_fisher_exact_matches_r_fisher_test(row):
    a, b, c, d = (int(row[k]) for k in "abcd")
    pupils, enr = _school(n_dis=a + b, n_other=c + d, takers_dis=a, takers_other=c)
    if a == 0:  # the focus group has no takers: the masterclass row must not belong to it
        enr = enr.loc[enr["category"] == "club"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        gap = takeup_gap(enr, pupils, category="club").iloc[0]
    assert (gap["takers_focus"], gap["n_focus"], gap["takers_other"], gap["n_other"]) == (a, a + b, c, c + d)
    assert gap["p_value"] == pytest.approx(row["value"], rel=1e-9)


def test_gap_for_gt_pupils_and_errors():
    pupils, enr = _school()
    with pytest.warns(GTWarning, match="low_n"):
        res = takeup_gap(enr, pupils, group="gt_register", category="club", min_n=20)
    assert res["n_focus"].iloc[0] + res["n_other"].iloc[0] == 45
    with pytest.raises(GTDataError, match="category 'robotics'"):
        takeup_gap(enr, pupils, category="robotics")
    with pytest.warns(GTWarning, match="not in the pupils table"):
        enrichment_takeup(pd.concat([enr, enr.iloc[[0]].assign(upn="ZZ")]), pupils)
    with pytest.raises(GTDataError, match="no column"):
        enrichment_takeup(enr.drop(columns="category"), pupils)


def test_parents_evenings_any_and_share_of_events():
    rng = np.random.default_rng(3)
    upns = [f"P{i}" for i in range(40)]
    pe = pd.DataFrame([(u, e, bool(rng.random() < (0.4 if i < 15 else 0.8)))
                       for i, u in enumerate(upns) for e in ("Autumn", "Spring", "Summer")[: 2 + i % 2]],
                      columns=["upn", "event", "attended"]).assign(academic_year="2023/24")
    pupils = pd.DataFrame({"upn": upns, "academic_year": "2023/24", "disadvantaged": [i < 15 for i in range(40)]})
    res = parents_evening_attendance(pe, pupils, by="disadvantaged")
    for flag, g in pe.merge(pupils, on=["upn", "academic_year"]).groupby("disadvantaged"):
        per = g.groupby("upn")["attended"].agg(["sum", "size"])
        any_row = res.query("disadvantaged == @flag and measure == 'any_attended'").iloc[0]
        k = int((per["sum"] > 0).sum())
        assert any_row["count"] == k and any_row["n"] == len(per)
        assert (any_row["ci_low"] / 100, any_row["ci_high"] / 100) == pytest.approx(
            proportion_confint(k, len(per), method="wilson"), abs=1e-12)
        ev = res.query("disadvantaged == @flag and measure == 'events_attended'").iloc[0]
        fit = sm.WLS(g["attended"].astype(float).to_numpy(), np.ones(len(g))).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(g["upn"])[0]})
        assert ev["estimate"] == pytest.approx(100 * fit.params[0])
        assert ev["se"] == pytest.approx(100 * fit.bse[0], rel=1e-9)
    with pytest.raises(GTDataError, match="True/False"):
        parents_evening_attendance(pe.assign(attended="Y"))


def _survey():
    rng = np.random.default_rng(11)
    rows = []
    for i in range(30):
        u = f"P{i}"
        rows.append((u, "pupil", "Voice", "I am challenged in lessons", int(rng.integers(1, 6)), 1, 5))
        rows.append((u, "pupil", "Voice", "Teachers know what I can do", int(rng.integers(0, 11)), 0, 10))
    sv = pd.DataFrame(rows, columns=["upn", "respondent", "survey", "question", "response", "scale_min",
                                     "scale_max"]).assign(academic_year="2023/24")
    pupils = pd.DataFrame({"upn": [f"P{i}" for i in range(30)], "academic_year": "2023/24",
                           "gt_register": [i % 2 == 0 for i in range(30)]})
    return sv, pupils


def test_survey_mean_t_interval_and_top_two_box():
    sv, pupils = _survey()
    res = survey_summary(sv, pupils=pupils, by="gt_register")
    assert len(res) == 4
    for _, row in res.iterrows():
        x = sv.merge(pupils).query("question == @row.question and gt_register == @row.gt_register")["response"]
        d = DescrStatsW(x.to_numpy(float))
        lo, hi = d.tconfint_mean(alpha=0.05)
        assert row["estimate"] == pytest.approx(d.mean)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((max(lo, row["scale_min"]),
                                                                 min(hi, row["scale_max"])))
        # top-two box respects the stated scale: 4-5 on 1-5, 9-10 on 0-10
        k = int((x >= row["scale_max"] - 1).sum())
        assert row["agree"] == k
        assert (row["agree_ci_low"] / 100, row["agree_ci_high"] / 100) == pytest.approx(
            proportion_confint(k, len(x), method="wilson"), abs=1e-12)


def test_survey_bad_input():
    sv, _ = _survey()
    bad = sv.copy()
    bad.loc[0, "response"] = 7
    with pytest.raises(GTDataError, match="outside their stated scale"):
        survey_summary(bad)
    mixed = sv.copy()
    mixed.loc[0, "scale_max"] = 7
    with pytest.raises(GTDataError, match="more than one scale"):
        survey_summary(mixed)
    with pytest.raises(GTDataError, match="needs the pupils table"):
        survey_summary(sv, by="gt_register")


# ----------------------------------------------------------------------------- sample trust
def test_sample_disadvantaged_pupils_take_up_less_enrichment(sample):
    if getattr(sample, "enrichment", None) is None or len(sample.enrichment) == 0:
        pytest.skip("the sample trust has no enrichment table")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        gap = takeup_gap(sample.enrichment, sample.pupils, group="disadvantaged", focus=True)
    pooled_focus = gap["takers_focus"].sum() / gap["n_focus"].sum()
    pooled_other = gap["takers_other"].sum() / gap["n_other"].sum()
    assert pooled_focus < pooled_other
    # found with confidence in every year with data: the whole Newcombe interval is below zero
    assert (gap["ci_high"] < 0).all(), gap[["academic_year", "gap", "ci_low", "ci_high"]]


def test_sample_parents_evenings_and_register_pupils_challenge(sample):
    """PLANTED: parents of disadvantaged pupils attend less; register pupils feel less challenged."""
    if getattr(sample, "parents_evenings", None) is None or getattr(sample, "surveys", None) is None:
        pytest.skip("the sample trust has no parents' evening or survey table")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        pe = parents_evening_attendance(sample.parents_evenings, sample.pupils, by="disadvantaged")
        sv = survey_summary(sample.surveys, pupils=sample.pupils, by="gt_register")
    for (_, measure), g in pe.groupby(["academic_year", "measure"]):
        dis = g.loc[g["disadvantaged"].astype(bool)].iloc[0]
        oth = g.loc[~g["disadvantaged"].astype(bool)].iloc[0]
        assert dis["ci_high"] < oth["ci_low"], measure
    ch = sv.loc[(sv["respondent"] == "pupil") & sv["question"].str.contains("challenged", case=False)]
    assert len(ch)
    for _, g in ch.groupby("academic_year"):
        reg = g.loc[g["gt_register"].astype(bool)].iloc[0]
        oth = g.loc[~g["gt_register"].astype(bool)].iloc[0]
        assert reg["ci_high"] < oth["ci_low"]
