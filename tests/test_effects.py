"""Tests for gtanalytics.effects: every number is checked against an independent implementation.

R fixtures: ``tests/reference/metafor_effects.R`` (R 4.2.2, metafor 3.8.1, lme4 1.1.31) wrote
``metafor_data.csv`` and ``metafor_expected.csv``; regenerate with
``cd tests/reference && Rscript metafor_effects.R``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gtanalytics.effects import (
    _hedges2007,
    effect_size,
    es_to_months,
    hedges_g,
    months_label,
    standardised_mean_change,
)
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.reference import load_reference

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def rdata():
    return pd.read_csv(REF / "metafor_data.csv")


@pytest.fixture(scope="module")
def rexp():
    e = pd.read_csv(REF / "metafor_expected.csv")
    return {(d, q): float(v) for d, q, v in e.itertuples(index=False)}


@pytest.mark.parametrize("dataset", ["small", "medium", "unbalanced"])
def test_hedges_g_matches_metafor_smd(rdata, rexp, dataset):
    """d equals metafor::escalc(measure="SMD") exactly (metafor's g divided by its exact gamma-function
    correction, recorded by the R script); our g uses the approximate J = 1 - 3/(4(N-2) - 1) that the
    design specifies, so g, the LS variance 1/n1 + 1/n2 + g^2/(2N) and the CI agree with metafor to the
    size of the difference between the two corrections (< 3e-4 relative for N >= 15)."""
    d = rdata[rdata["dataset"] == dataset]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = effect_size(d, outcome="post", group="arm", treatment="T").iloc[0]
    n = len(d)
    assert r["method"] == "hedges_g"
    assert r["d"] == pytest.approx(rexp[(dataset, "g")] / rexp[(dataset, "j_exact")], rel=1e-9)
    assert r["g"] == pytest.approx(r["d"] * (1 - 3 / (4 * (n - 2) - 1)), rel=1e-12)
    assert r["g"] == pytest.approx(rexp[(dataset, "g")], rel=3e-4)
    assert r["variance"] == pytest.approx(rexp[(dataset, "variance")], rel=1e-5)
    assert r["ci_low"] == pytest.approx(rexp[(dataset, "ci_low")], rel=1e-3, abs=1e-4)
    assert r["ci_high"] == pytest.approx(rexp[(dataset, "ci_high")], rel=1e-3, abs=1e-4)
    assert r["n_treatment"] == (d["arm"] == "T").sum()
    assert r["months"] == es_to_months(r["g"])


def test_borenstein_worked_example():
    """Published worked example: Borenstein, Hedges, Higgins & Rothstein (2009) *Introduction to
    Meta-Analysis*, ch. 4: means 103 vs 100, SDs 5.5 and 4.5, n = 50 each give
    S_within = 5.0249, d = 0.5970, J = 0.9923, g = 0.5924, Var(d) = 0.0418."""
    base = np.linspace(-1, 1, 50)
    base = (base - base.mean()) / base.std(ddof=1)
    t, c = 103 + 5.5 * base, 100 + 4.5 * base
    r = hedges_g(t, c)
    assert r["sd_pooled"] == pytest.approx(5.0249, abs=5e-5)
    assert r["d"] == pytest.approx(0.5970, abs=5e-5)
    assert r["j"] == pytest.approx(0.9923, abs=5e-5)
    assert r["g"] == pytest.approx(0.5924, abs=5e-5)
    # Borenstein's Var(d) = (n1+n2)/(n1 n2) + d^2 / (2 (n1+n2)); ours uses g in the same formula
    assert 100 / 2500 + r["d"] ** 2 / 200 == pytest.approx(0.0418, abs=5e-5)
    assert r["variance"] == pytest.approx(100 / 2500 + r["g"] ** 2 / 200, rel=1e-12)


def test_paired_change_matches_metafor_smcr(rdata, rexp):
    """Paired pre->post effect standardised by the pre-test SD = metafor escalc(measure="SMCR"):
    the uncorrected value exactly, the bias-corrected one up to exact-vs-approximate J (n = 14)."""
    d = rdata[rdata["dataset"] == "paired"]
    r = standardised_mean_change(d["pre"], d["post"])
    n = len(d)
    j = 1 - 3 / (4 * (n - 1) - 1)
    assert r["es"] / j == pytest.approx(rexp[("paired", "es")] / rexp[("paired", "j_exact")], rel=1e-9)
    assert r["es"] == pytest.approx(rexp[("paired", "es")], rel=1e-3)
    assert r["variance"] == pytest.approx(rexp[("paired", "variance")], rel=1e-3)
    assert r["ci_low"] == pytest.approx(rexp[("paired", "ci_low")], rel=2e-3)
    assert r["ci_high"] == pytest.approx(rexp[("paired", "ci_high")], rel=2e-3)


def test_paired_change_fixed_sd_matches_scipy():
    """With a fixed SD the interval is the paired mean gain's normal interval / SD (scipy.stats)."""
    from scipy import stats

    rng = np.random.default_rng(3)
    pre = rng.normal(85, 6, 40)
    post = pre + rng.normal(4, 5, 40)
    r = standardised_mean_change(pre, post, sd=15)
    gain = post - pre
    se = stats.sem(gain)
    assert r["es"] == pytest.approx(gain.mean() / 15)
    assert r["se"] == pytest.approx(se / 15)
    lo, hi = stats.norm.interval(0.95, loc=gain.mean(), scale=se)
    assert r["ci_low"] == pytest.approx(lo / 15) and r["ci_high"] == pytest.approx(hi / 15)


def test_ancova_matches_statsmodels():
    """The adjusted difference, its SE and t interval equal statsmodels OLS(post ~ treat + pre);
    the standardiser is the total SD of the outcome (EEF)."""
    import statsmodels.api as sm
    rng = np.random.default_rng(11)
    n = 80
    pre = rng.normal(95, 12, n)
    treat = rng.random(n) < 0.4
    post = 10 + 0.85 * pre + 5 * treat + rng.normal(0, 8, n)
    df = pd.DataFrame({"post": post, "pre": pre, "arm": np.where(treat, "yes", "no")})
    r = effect_size(df, outcome="post", group="arm", treatment="yes", pretest="pre", confidence=0.9).iloc[0]
    fit = sm.OLS(post, sm.add_constant(np.column_stack([treat.astype(float), pre]))).fit()
    sd = post.std(ddof=1)
    assert r["method"] == "ancova"
    assert r["difference"] == pytest.approx(fit.params[1], rel=1e-10)
    assert r["difference_se"] == pytest.approx(fit.bse[1], rel=1e-10)
    assert r["g"] == pytest.approx(fit.params[1] / sd, rel=1e-10)
    lo, hi = fit.conf_int(alpha=0.1)[1]
    assert r["ci_low"] == pytest.approx(lo / sd, rel=1e-10)
    assert r["ci_high"] == pytest.approx(hi / sd, rel=1e-10)
    assert (r["n_treatment"], r["n_comparison"]) == (treat.sum(), n - treat.sum())


def test_hedges2007_matches_r(rdata, rexp):
    """Hedges (2007) d_W, d_T and their variances equal the formulas coded separately in R
    (tests/reference/metafor_effects.R) at R's lme4 REML intraclass correlation."""
    d = rdata[rdata["dataset"] == "cluster"]
    h = _hedges2007(d["post"].to_numpy(), (d["arm"] == "T").to_numpy(), d["cluster"].to_numpy(),
                    rexp[("cluster", "icc")], 1.959963984540054)
    for q in ("d_within", "variance_within", "d_total", "variance_total", "mean_cluster_size"):
        assert h[q] == pytest.approx(rexp[("cluster", q)], rel=1e-9), q
    assert h["n_clusters"] == 14


def test_hedges2007_reduces_to_hedges_without_clustering():
    """At ICC = 0, d_T is the plain d and its variance the textbook 1/n1 + 1/n2 + d^2/(2(N-2))."""
    rng = np.random.default_rng(5)
    y = rng.normal(0, 1, 60)
    treat = np.arange(60) < 25
    cl = np.repeat(np.arange(12), 5)
    h = _hedges2007(y, treat, cl, 0.0, 1.96)
    r = hedges_g(y[treat], y[~treat])
    assert h["d_total"] == pytest.approx(r["d"])
    assert h["variance_total"] == pytest.approx(1 / 25 + 1 / 35 + r["d"] ** 2 / (2 * 58))


def test_multilevel_effect_matches_lme4(rdata, rexp):
    """With cluster=, the random-intercept (REML) difference and SE equal lme4::lmer, and g is that
    difference over the unconditional total SD (fixture from R)."""
    d = rdata[rdata["dataset"] == "cluster"]
    r = effect_size(d, outcome="post", group="arm", treatment="T", cluster="cluster").iloc[0]
    sd = rexp[("cluster", "sd_total_uncond")]
    assert r["method"] == "multilevel"
    assert r["icc"] == pytest.approx(rexp[("cluster", "icc")], rel=1e-4)
    assert r["sd"] == pytest.approx(sd, rel=1e-5)
    assert r["difference"] == pytest.approx(rexp[("cluster", "beta_tr")], rel=1e-5)
    assert r["difference_se"] == pytest.approx(rexp[("cluster", "se_tr")], rel=1e-4)
    assert r["g"] == pytest.approx(rexp[("cluster", "beta_tr")] / sd, rel=1e-4)
    assert r["d_total"] == pytest.approx(rexp[("cluster", "d_total")], rel=1e-4)
    r2 = effect_size(d, outcome="post", group="arm", treatment="T", cluster="cluster", pretest="pre").iloc[0]
    assert r2["difference"] == pytest.approx(rexp[("cluster", "beta_tr_pre")], rel=1e-4, abs=1e-6)
    assert r2["difference_se"] == pytest.approx(rexp[("cluster", "se_tr_pre")], rel=1e-4)


def test_months_match_the_eef_table():
    """Every boundary of the EEF Toolkit table (shipped CSV, from the EEF web page) maps to its row;
    negatives are symmetric; beyond 1.0 is 12 (labelled 12+)."""
    table = load_reference("eef_months")
    for row in table.itertuples():
        assert es_to_months(row.es_from) == pytest.approx(row.months if row.es_from >= 0 else 0)
        assert es_to_months(row.es_to) == row.months
        assert es_to_months(-row.es_to) == -row.months
    # rounding to 2 d.p. before the lookup: 0.184 -> 0.18 (2 months), 0.186 -> 0.19 (3 months)
    assert es_to_months(0.184) == 2 and es_to_months(0.186) == 3
    assert list(es_to_months([0.0, 0.44, 0.45, 1.0, 1.01, 2.5])) == [0, 5, 6, 12, 12, 12]
    assert np.isnan(es_to_months(np.nan))
    assert months_label(1.01) == "12+ months" and months_label(0.96) == "+12 months"
    assert months_label(-0.05) == "-1 month" and months_label(0.3) == "+4 months"


def test_bad_input_and_small_groups():
    df = pd.DataFrame({"post": [1.0, 2, 3, 4, 5, 6], "arm": ["a", "a", "b", "b", "c", "c"]})
    with pytest.raises(GTDataError, match="exactly two groups"):
        effect_size(df, outcome="post", group="arm", treatment="a")
    with pytest.raises(GTDataError, match="not in the data"):
        effect_size(df, outcome="score", group="arm", treatment="a")
    with pytest.raises(GTDataError, match="No row"):
        effect_size(df.iloc[:4], outcome="post", group="arm", treatment="z")
    with pytest.raises(GTDataError, match="at least 2"):
        effect_size(df.iloc[:3], outcome="post", group="arm", treatment="a")
    with pytest.warns(GTWarning, match="Small groups"):
        r = effect_size(df.iloc[:4], outcome="post", group="arm", treatment="a")
    assert bool(r["low_n"].iloc[0])
    # swapping the groups flips the sign exactly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r2 = effect_size(df.iloc[:4], outcome="post", group="arm", treatment="b")
    assert r2["g"].iloc[0] == pytest.approx(-r["g"].iloc[0])
