"""Tests for gtanalytics._stats, each helper against an independent implementation.

* z and t quantiles: ``scipy.stats.norm.ppf`` / ``scipy.stats.t.ppf`` at 1 − α/2.
* Wilson: statsmodels ``proportion_confint(method="wilson")``.
* Newcombe hybrid score: statsmodels ``confint_proportions_2indep(method="newcomb", compare="diff")``.
* Welch: ``scipy.stats.ttest_ind(equal_var=False)`` (statistic, ``df``, ``confidence_interval()``).
* One-sample t: statsmodels ``DescrStatsW.tconfint_mean``.
* Exact Poisson: statsmodels ``confint_poisson(method="exact-c")`` and the defining tail
  probabilities from ``scipy.stats.poisson``.
* Ratio with cluster SE: statsmodels WLS on a constant with cluster-robust covariance.
* Risk ratio: Koopman score interval against statsmodels ``confint_proportions_2indep(compare="ratio",
  method="score", correction=False)``, Katz against ``Table2x2(shift_zeros=True).riskratio_confint()``,
  their p-values against scipy ``chi2_contingency(correction=False)`` and ``Table2x2.riskratio_pvalue()``.
* OLS (the package's one least-squares fit): statsmodels ``OLS(...).fit()`` params, cov_params, df_resid;
  its column screen ``full_rank_columns`` against a greedy loop on ``numpy.linalg.matrix_rank``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from gtanalytics import _stats as gs
from gtanalytics.errors import GTDataError

import statsmodels.api as sm
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint  # noqa: E402
from statsmodels.stats.rates import confint_poisson  # noqa: E402
from statsmodels.stats.weightstats import DescrStatsW  # noqa: E402


def test_constants_are_distinct_and_documented():
    assert gs.LOW_N == 10 and gs.SUPPRESSION_THRESHOLD == 6
    from gtanalytics.disclosure import _suppress as disclosure

    assert disclosure.suppress.__kwdefaults__["threshold"] == gs.SUPPRESSION_THRESHOLD


@pytest.mark.parametrize("conf", [0.8, 0.9, 0.95, 0.99])
def test_quantiles_match_scipy(conf):
    assert gs.z_value(conf) == pytest.approx(sps.norm.ppf(1 - (1 - conf) / 2), rel=1e-12)
    for df in (1, 4.5, 30, 1e6):
        assert gs.t_value(conf, df) == pytest.approx(sps.t.ppf(1 - (1 - conf) / 2, df), rel=1e-12)


@pytest.mark.parametrize("bad", [0, 1, 95, -0.5, "0.95", None, True, math.nan])
def test_bad_confidence_is_a_plain_error(bad):
    for call in (lambda: gs.z_value(bad), lambda: gs.wilson_ci(3, 10, confidence=bad),
                 lambda: gs.newcombe_ci(1, 5, 2, 5, confidence=bad),
                 lambda: gs.welch_diff([1, 2], [3, 4], confidence=bad),
                 lambda: gs.poisson_exact_ci(3, confidence=bad)):
        with pytest.raises(GTDataError, match="confidence"):
            call()


def test_wilson_matches_statsmodels():
    for k, n in [(0, 7), (3, 10), (17, 40), (27, 31), (40, 40), (123, 1000)]:
        for conf in (0.9, 0.95):
            lo, hi = gs.wilson_ci(k, n, confidence=conf)
            ref = proportion_confint(k, n, alpha=1 - conf, method="wilson")
            assert (float(lo), float(hi)) == pytest.approx(ref, abs=1e-12)
    # vectorised, NaN for an empty group
    lo, hi = gs.wilson_ci([0, 3], [0, 10])
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and hi[1] == pytest.approx(
        proportion_confint(3, 10, method="wilson")[1], abs=1e-12)


def test_binomial_se_matches_statsmodels_std_prop():
    """binomial_se = statsmodels ``std_prop`` (sqrt(p (1 - p) / n)); 0 pupils give NaN."""
    from statsmodels.stats.proportion import std_prop

    for k, n in ((0, 10), (3, 20), (7, 200), (20, 20)):
        assert gs.binomial_se(k, n) == pytest.approx(std_prop(k / n, n), abs=1e-15)
    assert math.isnan(gs.binomial_se(0, 0))


def test_newcombe_matches_statsmodels():
    for k1, n1, k2, n2 in [(0, 7, 6, 9), (12, 40, 30, 31), (5, 5, 1, 8), (200, 300, 150, 290), (56, 70, 48, 80)]:
        for conf in (0.9, 0.95):
            ref = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff", alpha=1 - conf)
            assert gs.newcombe_ci(k1, n1, k2, n2, confidence=conf) == pytest.approx(ref, abs=1e-12)
    assert all(math.isnan(v) for v in gs.newcombe_ci(0, 0, 3, 5))
    # swapping the groups mirrors the interval
    lo, hi = gs.newcombe_ci(3, 20, 11, 25)
    assert gs.newcombe_ci(11, 25, 3, 20) == pytest.approx((-hi, -lo), abs=1e-14)


@pytest.mark.parametrize("n1,n2,conf", [(5, 9, 0.95), (30, 12, 0.9), (2, 2, 0.99)])
def test_welch_matches_scipy(n1, n2, conf):
    rng = np.random.default_rng(n1 * 100 + n2)
    a, b = rng.normal(100, 15, n1), rng.normal(104, 8, n2)
    r = gs.welch_diff(a, b, confidence=conf)
    ref = sps.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(conf)
    assert r["diff"] == pytest.approx(a.mean() - b.mean(), rel=1e-12)
    assert r["diff"] / r["se"] == pytest.approx(ref.statistic, rel=1e-10)
    assert r["df"] == pytest.approx(ref.df, rel=1e-10)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert (r["n1"], r["n2"]) == (n1, n2)


def test_welch_undefined_cases_are_nan_not_errors():
    one = gs.welch_diff([5.0], [1.0, 2.0, 3.0])
    assert one["diff"] == pytest.approx(3.0) and math.isnan(one["ci_low"]) and math.isnan(one["se"])
    empty = gs.welch_diff([], [1.0, 2.0])
    assert math.isnan(empty["diff"]) and empty["n1"] == 0
    flat = gs.welch_diff([2.0, 2.0], [1.0, 1.0])
    assert flat["diff"] == 1.0 and math.isnan(flat["ci_high"])


def test_mean_ci_matches_statsmodels():
    x = np.array([3.0, 4.5, 5.0, 6.0, 9.5, 2.0])
    r = gs.mean_ci(x, confidence=0.9)
    d = DescrStatsW(x)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(d.tconfint_mean(alpha=0.1), rel=1e-12)
    assert r["se"] == pytest.approx(d.std_mean, rel=1e-12)
    assert r["sd"] == pytest.approx(DescrStatsW(x, ddof=1).std, rel=1e-12)
    assert math.isnan(gs.mean_ci([4.0])["ci_low"]) and gs.mean_ci([4.0])["mean"] == 4.0


def test_poisson_exact_matches_statsmodels_and_scipy_tails():
    for k, n in [(0, 120), (1, 120), (7, 340), (55, 800)]:
        lo, hi = gs.poisson_exact_ci(k)
        ref = confint_poisson(k, n, method="exact-c", alpha=0.05)
        assert (float(lo) / n, float(hi) / n) == pytest.approx(ref, rel=1e-9)
        # definition of the central exact interval: each tail has probability 2.5%
        assert sps.poisson.cdf(k, float(hi)) == pytest.approx(0.025)
        if k > 0:
            assert sps.poisson.sf(k - 1, float(lo)) == pytest.approx(0.025)


def test_ratio_cluster_matches_statsmodels_cluster_robust():
    y = np.array([2.0, 10.0, 0.0, 7.0, 30.0])
    x = np.array([20.0, 40.0, 10.0, 380.0, 190.0])
    r, se, lo, hi = gs.ratio_cluster_ci(y, x)
    # one row per cluster: rates on a constant, weighted by x, clustered by row; statsmodels'
    # small-sample factor G/(G-1) * (N-1)/(N-K) is G/(G-1) here (N = G, K = 1)
    fit = sm.WLS(y / x, np.ones(len(x)), weights=x).fit(cov_type="cluster",
                                                        cov_kwds={"groups": np.arange(len(x))})
    assert r == pytest.approx(fit.params[0], rel=1e-12)
    assert se == pytest.approx(fit.bse[0], rel=1e-9)
    assert lo == pytest.approx(max(0.0, r - sps.norm.ppf(0.975) * se))
    r1, se1, lo1, _ = gs.ratio_cluster_ci([5], [100])
    assert r1 == 0.05 and np.isnan(se1) and np.isnan(lo1)
    assert all(np.isnan(v) for v in gs.ratio_cluster_ci([], []))


@pytest.mark.parametrize("a,b,c,d", [(10, 30, 20, 140), (3, 9, 40, 48), (0, 12, 10, 78), (25, 5, 60, 110)])
def test_risk_ratio_intervals_and_p_match_statsmodels_and_scipy(a, b, c, d):
    from statsmodels.stats.contingency_tables import Table2x2

    lo, hi = gs.koopman_ratio_ci(a, a + b, c, c + d, confidence=0.9)
    ref = confint_proportions_2indep(a, a + b, c, c + d, compare="ratio", method="score", correction=False,
                                     alpha=0.1)
    assert (lo, hi) == pytest.approx(ref, rel=1e-8, abs=1e-12)
    t = Table2x2(np.array([[a, b], [c, d]]), shift_zeros=True)
    assert gs.katz_ratio_ci(a, b, c, d) == pytest.approx(t.riskratio_confint(), rel=1e-12)
    assert gs.ratio_test_p(a, b, c, d, method="katz") == pytest.approx(t.riskratio_pvalue(), rel=1e-10)
    chi2 = sps.chi2_contingency(np.array([[a, b], [c, d]]), correction=False)
    assert gs.ratio_test_p(a, b, c, d) == pytest.approx(chi2.pvalue, rel=1e-10)


def test_ols_matches_statsmodels_and_refuses_aliased_columns():
    rng = np.random.default_rng(4)
    n = 60
    X = np.column_stack([np.ones(n), rng.normal(100, 15, n), rng.random(n) < 0.3, rng.normal(0, 1, n)])
    y = 0.3 * X[:, 1] - 2 * X[:, 2] + rng.normal(0, 3, n)
    beta, cov, df = gs.ols(y, X)
    fit = sm.OLS(y, X.astype(float)).fit()
    np.testing.assert_allclose(beta, fit.params, rtol=1e-10)
    np.testing.assert_allclose(cov, fit.cov_params(), rtol=1e-9)
    assert df == fit.df_resid == n - 4
    # as many rows as columns: an exact fit, no residual df, no covariance
    b2, cov2, df2 = gs.ols(y[:4], X[:4])
    np.testing.assert_allclose(X[:4] @ b2, y[:4], rtol=1e-10)
    assert df2 == 0 and np.isnan(cov2).all()
    for bad in (np.column_stack([X, 2 * X[:, 1] + 1]),      # a combination of other columns
                np.column_stack([X, np.ones(n)]),           # a second constant
                X[:3]):                                     # fewer rows than columns
        with pytest.raises(GTDataError, match="cannot be estimated"):
            gs.ols(y[:len(bad)], bad)


def test_full_rank_columns_keeps_the_columns_matrix_rank_keeps():
    # Reference: the former greedy loop on numpy.linalg.matrix_rank of the full n-row matrix.
    def by_matrix_rank(X):
        keep = []
        for j in range(X.shape[1]):
            if np.linalg.matrix_rank(X[:, keep + [j]]) == len(keep) + 1:
                keep.append(j)
        return X[:, keep]

    rng = np.random.default_rng(5)
    for n in (8, 60, 500):
        g = rng.integers(0, 4, n)
        d = [(g == k).astype(float) for k in range(4)]           # all four dummies: one is aliased
        X = np.column_stack([np.ones(n), rng.normal(size=n), *d, np.zeros(n), 2 * d[1], d[0] + d[2],
                             rng.normal(size=n)])
        np.testing.assert_array_equal(X[:, gs.full_rank_columns(X)], by_matrix_rank(X))


def test_split_and_flag_helpers():
    import warnings

    import pandas as pd

    from gtanalytics.errors import GTWarning

    assert gs.as_list(None) == [] and gs.as_list("a") == ["a"] and gs.as_list(("a", "b")) == ["a", "b"]
    frame = pd.DataFrame({"s": ["b", None, "a", "b"], "v": [1, 2, 3, 4]})
    got = [(k, g["v"].tolist()) for k, g in gs.iter_groups(frame, "s")]
    # sorted, blanks kept as their own group (never dropped silently)
    assert got[:2] == [({"s": "a"}, [3]), ({"s": "b"}, [1, 4])] and got[2][1] == [2] and pd.isna(got[2][0]["s"])
    assert [k for k, _ in gs.iter_groups(frame, None)] == [{}]
    with pytest.warns(GTWarning, match="2 gap row\\(s\\) rest on fewer than 10 pupils \\(flagged low_n\\)"):
        gs.warn_low_n(pd.DataFrame({"low_n": [True, False, True]}), 10, "gap")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gs.warn_low_n(pd.DataFrame({"low_n": [False]}), 10, "gap")
        gs.warn_low_n(pd.DataFrame({"low_n": []}), 10, "gap")
