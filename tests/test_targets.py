"""Tests for gtanalytics.targets.

Independent checks: statsmodels OLS residual SD and residuals (live); scipy normal quantiles and a
binomial test of the coverage of the top-20% estimate on simulated data; the planted under-achievers
and school effects of the synthetic sample trust (gtanalytics.sample.planted_truth), found with a
one-sided Fisher exact test (scipy).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.progress import pair_assessments, value_added
from gtanalytics.targets import estimate_targets, on_track, under_achievers


def _data(n=2000, seed=4):
    rng = np.random.default_rng(seed)
    ks2 = rng.normal(104, 6, n)
    return pd.DataFrame({"upn": [f"U{i}" for i in range(n)], "forename": "Ann", "surname": "Lee", "ks2": ks2,
                         "gt_register": rng.random(n) < 0.1, "gcse": 0.3 * ks2 - 26 + rng.normal(0, 1, n)})


def test_estimates_use_residual_sd_and_normal_quantiles():
    import statsmodels.formula.api as smf
    d = _data()
    r = value_added(d, outcome="gcse", prior="ks2")
    t = estimate_targets(r)
    ref = smf.ols("gcse ~ ks2", data=d).fit()
    sigma = np.sqrt(ref.scale)
    np.testing.assert_allclose(t["expected"], ref.fittedvalues, atol=1e-9)
    np.testing.assert_allclose(t["estimate_p80"], ref.fittedvalues + stats.norm.ppf(0.8) * sigma, atol=1e-9)
    np.testing.assert_allclose(t["estimate_p95"], ref.fittedvalues + 1.6448536269514722 * sigma, atol=1e-9)
    np.testing.assert_allclose(t["estimate_p50"], t["expected"], atol=1e-12)
    # coverage: about 20% of pupils beat their top-20% estimate (binomial test, not significantly different)
    beat = int((d["gcse"] > t["estimate_p80"]).sum())
    assert stats.binomtest(beat, len(d), 0.2).pvalue > 0.01
    # estimates for next year's pupils who have no outcome yet
    new = estimate_targets(r, pd.DataFrame({"ks2": [100.0, 110.0]}), percentiles=(50, 80))
    assert list(new.columns) == ["ks2", "expected", "sigma", "estimate_p50", "estimate_p80"]
    with pytest.raises(GTDataError):
        estimate_targets(r, percentiles=(100,))


def test_on_track_status_from_cohort_z_scores():
    import statsmodels.formula.api as smf
    d = _data(n=300).rename(columns={"gcse": "spring"})
    d["target"] = np.where(d["gt_register"], 95, 50)
    out = on_track(d, current="spring", prior="ks2", target="target", tolerance=0.25)
    ref = smf.ols("spring ~ ks2", data=d).fit()
    z = ref.resid / np.sqrt(ref.scale)
    np.testing.assert_allclose(out["z_current"], z, atol=1e-9)
    zt = stats.norm.ppf(d["target"] / 100)
    want = np.where(z - zt > 0.25, "above", np.where(z - zt >= -0.25, "on track", "below"))
    assert (out["status"].to_numpy() == want).all()
    assert set(out["status"]) == {"above", "on track", "below"}


def test_under_achiever_list_is_internal_and_follows_the_rule():
    d = _data(n=500)
    d.loc[[3, 7], "gt_register"] = True
    d.loc[[3, 7], "gcse"] -= 4.0   # planted: far below expectation
    r = value_added(d, outcome="gcse", prior="ks2")
    u = under_achievers(r, high_prior=None)
    assert {"U3", "U7"} <= set(u.upn)
    assert u.attrs["audience"] == "internal" and "residual SD" in u.attrs["rule"]
    assert {"upn", "forename", "surname", "va", "va_sd", "reason"} <= set(u.columns)
    assert (u["va_sd"] < -1).all() and u["va_sd"].is_monotonic_increasing
    # everyone listed is on the register; nobody on the register with va_sd < -1 is missed
    z = r.pupils["va"] / r.model.residual_sd
    want = set(d.upn[d.gt_register & (z < -1)])
    assert set(u.upn) == want
    both = under_achievers(r, high_prior="ks2")
    assert set(both.upn) >= want and both["reason"].str.contains("high prior attainment").any()
    with pytest.raises(GTDataError):
        under_achievers(r, gt=None, high_prior=None)


def test_sample_planted_underachievers_and_school_differences():
    from gtanalytics import sample
    tables = sample.generate()
    truth = sample.planted_truth()
    pupils = tables["pupils"].assign(gt_register=lambda p: p["gt_register"].eq("Y"))
    ass = tables["assessments"]
    ass = ass[ass["score_type"] == "standardised"]
    flagged, eligible, planted = set(), set(), set()
    for subject in ("maths", "reading"):
        pairs = pair_assessments(ass, pupils, outcome=dict(academic_year="2023/24", term="Summer", subject=subject),
                                 prior=dict(academic_year="2021/22", term="Autumn", subject=subject))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GTWarning)
            r = value_added(pairs, outcome="outcome", prior="prior", by="school_id")
        # school differences (PLANTED school_effect_sd_per_year): within each phase the better school is ahead
        g = r.groups.set_index("school_id")
        eff = truth["school_effects"].set_index("school_id")["effect_sd_per_year"]
        for better, worse in (("8862101", "8872101"), ("8894101", "8884101")):
            assert eff[better] > eff[worse]
            assert g.loc[better, "ci_low"] > g.loc[worse, "ci_high"]
        # the senior leaders' list: under-achieving in maths or in reading
        flagged |= set(under_achievers(r, high_prior="standardised")["upn"])
        eligible |= set(r.pupils.loc[r.pupils["gt_register"] | (r.pupils["prior"] > 115), "upn"])
        planted |= set(truth["underachievers"]["upn"]) & set(pairs["upn"])
    # planted under-achievers are found and over-represented on the list (one-sided Fisher exact test)
    a = len(flagged & planted)
    b = len(flagged - planted)
    c = len(planted - flagged)
    dd = len(eligible - flagged - planted)
    assert a >= len(planted) / 2
    assert stats.fisher_exact([[a, b], [c, dd]], alternative="greater").pvalue < 1e-4
