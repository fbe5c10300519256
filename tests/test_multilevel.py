"""Tests for gtanalytics.multilevel.fit_random_intercept.

Independent implementations:
* R lme4 1.1.31 ``lmer`` (REML and ML): numbers in ``tests/reference/lme4_reference.csv``, made by
  ``tests/reference/lme4_reference.R`` (regenerate: ``python tests/reference/synthetic_multilevel.py``
  then ``Rscript tests/reference/lme4_reference.R``).  BLUP SEs are lme4's ``condVar`` (``postVar``).
* statsmodels ``MixedLM`` fitted live on a small dataset.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gtanalytics.errors import GTDataError
from gtanalytics.multilevel import RandomInterceptFit, fit_random_intercept

REF = Path(__file__).parent / "reference"
_spec = importlib.util.spec_from_file_location("synthetic_multilevel", REF / "synthetic_multilevel.py")
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)

LME4 = pd.read_csv(REF / "lme4_reference.csv", comment="#", keep_default_na=False)
LME4["value"] = LME4["value"].astype(float)
TOL = 1e-4


def _synthetic(name):
    d = synthetic.make(name)
    committed = pd.read_csv(REF / f"ml_{name}.csv")
    # the data lme4 saw must be exactly what the seeded generator makes
    pd.testing.assert_frame_equal(d, committed, check_dtype=False, rtol=0, atol=1e-12)
    X = pd.DataFrame({"(Intercept)": 1.0, "prior": d["prior"], "disadvantaged": d["disadvantaged"]})
    return d["y"].to_numpy(), X, d["school"]


def _compare(fit: RandomInterceptFit, dataset: str, method: str):
    r = LME4[(LME4.dataset == dataset) & (LME4.method == method)]

    def get(q):
        rows = r[r.quantity == q]
        return rows.term.to_list(), rows.value.to_numpy()

    terms, beta = get("beta")
    assert terms == list(fit.names)
    np.testing.assert_allclose(fit.beta, beta, atol=TOL, rtol=0)
    np.testing.assert_allclose(fit.beta_se, get("beta_se")[1], atol=TOL, rtol=0)
    assert fit.sigma2_between == pytest.approx(get("sigma2_between")[1][0], abs=TOL)
    assert fit.sigma2_within == pytest.approx(get("sigma2_within")[1][0], abs=TOL)
    assert fit.loglik == pytest.approx(get("loglik")[1][0], abs=TOL)
    labels, blup = get("blup")
    assert labels == [str(g) for g in fit.groups]
    np.testing.assert_allclose(fit.blup, blup, atol=TOL, rtol=0)
    np.testing.assert_allclose(fit.blup_se, get("blup_se")[1], atol=TOL, rtol=0)
    assert fit.converged
    assert fit.reml == (method == "REML")


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize("dataset", ["schools", "singletons", "zero_icc", "boundary"])
def test_matches_lme4_on_synthetic_data(dataset, method):
    y, X, g = _synthetic(dataset)
    fit = fit_random_intercept(y, X, g, reml=method == "REML")
    _compare(fit, dataset, method)


def test_singleton_and_boundary_cases_are_what_they_claim():
    _, _, g = _synthetic("singletons")
    assert (g.value_counts() == 1).sum() == 40
    fit = fit_random_intercept(*_synthetic("boundary"))
    assert fit.sigma2_between == 0.0 and fit.icc == 0.0
    assert np.all(fit.blup == 0.0) and np.all(fit.blup_se == 0.0)
    # lme4 also calls this fit singular
    r = LME4[(LME4.dataset == "boundary") & (LME4.quantity == "singular")]
    assert (r.value == 1).all()


def _exam_csv(tmp_path):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not available (the Exam data are GPL and not committed)")
    path = tmp_path / "exam.csv"
    cmd = (f'data(Exam, package="mlmRev"); write.csv(Exam[, c("school", "normexam", "standLRT")], '
           f'"{path}", row.names = FALSE)')
    proc = subprocess.run(["Rscript", "-e", cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip("R package mlmRev not available: " + proc.stderr[-200:])
    return pd.read_csv(path)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_matches_lme4_on_mlmrev_exam(tmp_path, method):
    """Real data: mlmRev::Exam, normexam ~ standLRT + (1 | school), 4,059 pupils in 65 schools."""
    d = _exam_csv(tmp_path)
    assert len(d) == 4059 and d.school.nunique() == 65
    X = pd.DataFrame({"(Intercept)": 1.0, "standLRT": d.standLRT})
    fit = fit_random_intercept(d.normexam, X, d.school, reml=method == "REML")
    _compare(fit, "exam", method)


@pytest.mark.parametrize("reml", [True, False])
def test_matches_statsmodels_mixedlm(reml):
    """Live comparison with statsmodels MixedLM (an independent optimiser and parameterisation)."""
    import statsmodels.formula.api as sm
    rng = np.random.default_rng(7)
    g = np.repeat(np.arange(25), rng.integers(2, 30, 25))
    x = rng.normal(0, 1, g.size)
    y = 5 + 0.8 * x + rng.normal(0, 0.5, 25)[g] + rng.normal(0, 1, g.size)
    d = pd.DataFrame({"y": y, "x": x, "g": g})
    ref = sm.mixedlm("y ~ x", d, groups=d["g"]).fit(reml=reml)
    fit = fit_random_intercept(y, np.column_stack([np.ones_like(x), x]), g, reml=reml)
    np.testing.assert_allclose(fit.beta, ref.fe_params.to_numpy(), rtol=1e-5)
    # statsmodels takes bse_fe from the observed information of all parameters (fixed effects and
    # variances together), lme4 and we from s2_e (X'V^-1X)^-1: they differ in the 4th digit
    np.testing.assert_allclose(fit.beta_se, ref.bse_fe.to_numpy(), rtol=2e-3)
    assert fit.sigma2_within == pytest.approx(ref.scale, rel=1e-4)
    assert fit.sigma2_between == pytest.approx(float(ref.cov_re.iloc[0, 0]), rel=1e-4)
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-7)
    blups = np.array([ref.random_effects[k].iloc[0] for k in fit.groups])
    np.testing.assert_allclose(fit.blup, blups, atol=1e-4)


def test_tidy_accessors_and_array_input():
    y, X, g = _synthetic("schools")
    fit = fit_random_intercept(y, X.to_numpy(), g.to_numpy())
    assert fit.names == ("x0", "x1", "x2")
    fe = fit.fixed_effects()
    assert list(fe.columns) == ["term", "estimate", "se"]
    re = fit.random_effects()
    assert list(re.columns) == ["group", "n", "blup", "blup_se"] and re.n.sum() == len(y)
    assert 0 < fit.icc < 1 and fit.nobs == len(y)


def test_bad_input_raises_plain_errors():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    X = np.ones((4, 1))
    with pytest.raises(GTDataError, match="same number of rows"):
        fit_random_intercept(y, X, [1, 1, 2])
    with pytest.raises(GTDataError, match="missing"):
        fit_random_intercept(np.array([1.0, np.nan, 3.0, 4.0]), X, [1, 1, 2, 2])
    with pytest.raises(GTDataError, match="rank deficient"):
        fit_random_intercept(y, np.column_stack([X, 2 * X]), [1, 1, 2, 2])
