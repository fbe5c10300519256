"""Tests for gtanalytics.balance.

Independent checks: ancova against statsmodels OLS (params, bse, conf_int); smd against the formula
of Austin (2009) computed with numpy.
"""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from gtanalytics.balance import SMD_THRESHOLD, ancova, balance, describe_comparability, smd
from gtanalytics.errors import GTDataError


def test_ancova_matches_statsmodels_ols():
    """Treatment coefficient, classical SE and t interval = statsmodels OLS(y, [1, t, X]).fit(); an aliased
    covariate (a copy of another) is dropped first, which leaves the fit unchanged."""
    rng = np.random.default_rng(3)
    n = 80
    t = rng.random(n) < 0.3
    X = np.column_stack([rng.normal(100, 15, n), rng.normal(0, 1, n), (rng.random(n) < 0.5).astype(float)])
    y = 5 + 2.5 * t + 0.7 * X[:, 0] + rng.normal(0, 6, n)
    fit = sm.OLS(y, sm.add_constant(np.column_stack([t.astype(float), X]))).fit()
    r = ancova(y, t, np.column_stack([X, 2 * X[:, 1]]), confidence=0.9)
    assert r["estimate"] == pytest.approx(fit.params[1], rel=1e-10)
    assert r["se"] == pytest.approx(fit.bse[1], rel=1e-10)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(tuple(fit.conf_int(alpha=0.1)[1]), rel=1e-10)
    assert (r["n"], r["n_treatment"], r["n_comparison"], r["df"]) == (n, t.sum(), n - t.sum(), fit.df_resid)
    assert np.isnan(ancova(y[t], t[t])["estimate"])                       # no comparison pupils
    with pytest.raises(GTDataError, match="missing"):
        ancova(np.r_[y[:-1], np.nan], t)


def test_smd_and_balance_by_hand():
    a, b = np.array([83.0, 80, 86, 84]), np.array([100.0, 90, 110, 95, 105])
    assert smd(a, b) == pytest.approx((a.mean() - b.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))
    assert np.isnan(smd([1.0], b))
    d = pd.DataFrame({"t": [True] * 4 + [False] * 5, "pre": np.r_[a, b], "earlier": np.r_[a, b] + 1})
    out = balance(d, treated="t", measures=["pre", "earlier"]).set_index("measure")
    assert out.loc["pre", "support"] == 0.0 and np.isnan(out.loc["earlier", "support"])
    assert not out["comparable"].any() and not out["balanced"].any()
    near = pd.DataFrame({"t": [True] * 4 + [False] * 4, "pre": [80.0, 84, 88, 92, 81, 85, 89, 91]})
    row = balance(near, treated="t", measures=["pre"]).iloc[0]
    assert abs(row["smd"]) <= SMD_THRESHOLD and row["support"] == 1.0 and row["comparable"]


def test_describe_comparability_says_why():
    rows = pd.DataFrame({"programme": ["A", "B", "C", "D"], "smd_pre": [-1.57, 0.1, 0.05, np.nan],
                         "smd_earlier": [0.1, 0.2, 0.05, np.nan], "support": [1.0, 0.5, 0.95, np.nan]})
    a, b, c, d = describe_comparability(rows, label="programme")
    assert a.startswith("A: the comparison pupils are not comparable") and "1.57 SD below" in a
    assert "What Works Clearinghouse" in a and "earlier attainment" not in a
    assert "only 50% of participants" in b and "extrapolates" in b
    assert c.startswith("C: the comparison pupils are comparable") and "0.05 SD" in c and "95%" in c
    assert "cannot be checked" in d


