"""Property-based tests (hypothesis) for value added and effect sizes.

Invariances that follow from the definitions (no external implementation needed: each property
compares the library with itself under a transformation whose effect is known exactly):

* value added (OLS and multilevel REML) depends on outcome and prior only through residuals, so adding
  one constant to every outcome and prior leaves pupil VA, group VA, se and intervals unchanged;
* Hedges' g and the ANCOVA effect size are location and (positive) scale free, and change sign when
  the treatment and comparison groups swap;
* the order of the rows never matters;
* any well-typed input either gives an answer or a plain GTDataError (never another exception, never
  a silent infinite or missing number where an answer is reported).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gtanalytics.effects import effect_size
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.progress import value_added

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GROUP_COLS = ["n", "va", "se", "ci_low", "ci_high"]

score = st.integers(60, 140).map(float)


@st.composite
def cohorts(draw, min_size=4, max_size=40, groups="ABCDE"):
    """One row per pupil: integer-valued scores (exact in floating point) and a group label."""
    n = draw(st.integers(min_size, max_size))
    prior = draw(st.lists(score, min_size=n, max_size=n))
    outcome = draw(st.lists(score, min_size=n, max_size=n))
    school = draw(st.lists(st.sampled_from(list(groups)), min_size=n, max_size=n))
    return pd.DataFrame({"prior": prior, "outcome": outcome, "school": school})


def _va(d, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        return value_added(d, outcome="outcome", prior="prior", **kw)


def _try_va(d, **kw):
    try:
        return _va(d, **kw)
    except GTDataError:
        return None


def _close(a, b, scale=100.0):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-6,
                               atol=1e-7 * scale, equal_nan=True)


@SETTINGS
@given(d=cohorts(), shift=st.integers(-80, 80), method=st.sampled_from(["ols", "multilevel"]))
def test_value_added_is_unchanged_by_a_common_shift(d, shift, method):
    r = _try_va(d, by="school", method=method)
    if r is None:  # e.g. a constant prior: a GTDataError, and the same for the shifted data
        with pytest.raises(GTDataError):
            _va(d.assign(outcome=d["outcome"] + shift, prior=d["prior"] + shift), by="school", method=method)
        return
    s = _va(d.assign(outcome=d["outcome"] + shift, prior=d["prior"] + shift), by="school", method=method)
    tol = 1e-3 if method == "multilevel" else 1e-7  # REML optimum found numerically
    np.testing.assert_allclose(r.pupils["va"], s.pupils["va"], rtol=tol, atol=tol * 100)
    np.testing.assert_allclose(r.groups[GROUP_COLS].to_numpy(float), s.groups[GROUP_COLS].to_numpy(float),
                               rtol=tol, atol=tol * 100)
    assert r.groups["school"].tolist() == s.groups["school"].tolist()


@SETTINGS
@given(d=cohorts(), seed=st.integers(0, 2**32 - 1), method=st.sampled_from(["ols", "multilevel"]))
def test_value_added_ignores_row_order(d, seed, method):
    r = _try_va(d, by="school", method=method)
    perm = np.random.default_rng(seed).permutation(len(d))
    s = _try_va(d.iloc[perm], by="school", method=method)
    assert (r is None) == (s is None)
    if r is None:
        return
    tol = 1e-3 if method == "multilevel" else 1e-7
    np.testing.assert_allclose(r.pupils["va"], s.pupils["va"].reindex(r.pupils.index), rtol=tol, atol=tol * 100)
    np.testing.assert_allclose(r.groups[GROUP_COLS].to_numpy(float), s.groups[GROUP_COLS].to_numpy(float),
                               rtol=tol, atol=tol * 100)


@SETTINGS
@given(d=cohorts(min_size=3, max_size=12, groups="ABCDEFGHIJKL"), method=st.sampled_from(["ols", "multilevel"]))
def test_value_added_with_groups_of_one_answers_or_says_why(d, method):
    """Many groups of one or two pupils: an answer with low_n flagged, or a GTDataError."""
    r = _try_va(d, by="school", method=method)
    if r is None:
        return
    g = r.groups
    assert g["low_n"].tolist() == (g["n"] < 10).tolist()  # the default threshold, stats.LOW_N
    assert g["n"].sum() == len(d)
    assert np.isfinite(g["va"]).all() and (g["se"] >= 0).all()
    assert (g["ci_low"] <= g["va"]).all() and (g["va"] <= g["ci_high"]).all()


# --------------------------------------------------------------------------- effect sizes
@st.composite
def trials(draw, min_group=2, max_group=25):
    n_t = draw(st.integers(min_group, max_group))
    n_c = draw(st.integers(min_group, max_group))
    n = n_t + n_c
    return pd.DataFrame({"post": draw(st.lists(score, min_size=n, max_size=n)),
                         "pre": draw(st.lists(score, min_size=n, max_size=n)),
                         "arm": ["T"] * n_t + ["C"] * n_c})


def _es(d, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        try:
            return effect_size(d, outcome="post", group="arm", **kw).iloc[0]
        except GTDataError:
            return None


@SETTINGS
@given(d=trials(), shift=st.integers(-80, 80), factor=st.sampled_from([0.1, 0.5, 2.0, 3.0, 15.0]),
       pretest=st.sampled_from([None, "pre"]))
def test_effect_size_location_scale_and_swap(d, shift, factor, pretest):
    r = _es(d, treatment="T", pretest=pretest)
    shifted = d.assign(post=d["post"] + shift, pre=d["pre"] + shift)
    scaled = d.assign(post=d["post"] * factor, pre=d["pre"] * factor)
    variants = [_es(shifted, treatment="T", pretest=pretest), _es(scaled, treatment="T", pretest=pretest)]
    swapped = _es(d, treatment="C", pretest=pretest)
    if r is None:
        assert all(v is None for v in variants) and swapped is None
        return
    assert np.isfinite([r["g"], r["se"], r["ci_low"], r["ci_high"]]).all()
    for v in variants:
        assert v["g"] == pytest.approx(r["g"], rel=1e-7, abs=1e-9)
        assert v["se"] == pytest.approx(r["se"], rel=1e-7, abs=1e-9)
        assert (v["ci_low"], v["ci_high"]) == pytest.approx((r["ci_low"], r["ci_high"]), rel=1e-7, abs=1e-9)
    assert swapped["g"] == pytest.approx(-r["g"], rel=1e-7, abs=1e-9)
    assert (swapped["ci_low"], swapped["ci_high"]) == pytest.approx((-r["ci_high"], -r["ci_low"]), rel=1e-7,
                                                                    abs=1e-9)
    assert (swapped["n_treatment"], swapped["n_comparison"]) == (r["n_comparison"], r["n_treatment"])


@SETTINGS
@given(d=trials(), seed=st.integers(0, 2**32 - 1), pretest=st.sampled_from([None, "pre"]))
def test_effect_size_ignores_row_order(d, seed, pretest):
    r = _es(d, treatment="T", pretest=pretest)
    s = _es(d.iloc[np.random.default_rng(seed).permutation(len(d))], treatment="T", pretest=pretest)
    assert (r is None) == (s is None)
    if r is not None:
        for col in ("g", "se", "ci_low", "ci_high", "n_treatment", "n_comparison", "months"):
            assert s[col] == pytest.approx(r[col], rel=1e-9, abs=1e-12)


@SETTINGS
@given(d=trials(min_group=0, max_group=3), pretest=st.sampled_from([None, "pre"]),
       cluster=st.booleans())
def test_effect_size_tiny_groups_answer_or_say_why(d, pretest, cluster):
    """Groups of 0-3 pupils: a GTDataError (e.g. "at least 2 pupils") or a low_n answer whose
    reported numbers are finite."""
    if cluster:
        d = d.assign(cls=[f"c{i % 2}" for i in range(len(d))])
    r = _es(d, treatment="T", pretest=pretest, cluster="cls" if cluster else None)
    if r is None:
        return
    assert r["low_n"]
    assert np.isfinite([r["g"], r["se"], r["ci_low"], r["ci_high"]]).all()
    assert r["ci_low"] <= r["g"] <= r["ci_high"]


def test_edge_cases_hypothesis_found_give_plain_errors():
    """Cases the properties above found raising ZeroDivisionError/LinAlgError or returning -inf before
    they were fixed: each is now a GTDataError with a message."""
    arm = list("TTTCCC")
    with pytest.raises(GTDataError, match="same"):  # was g = -inf
        effect_size(pd.DataFrame({"post": [5.0] * 6, "pre": [1, 2, 3, 4, 5, 7.0], "arm": arm}),
                    outcome="post", group="arm", treatment="T", pretest="pre")
    with pytest.raises(GTDataError, match="pre-test"):  # was numpy LinAlgError
        effect_size(pd.DataFrame({"post": [5, 6, 7, 3, 4, 2.0], "pre": [1, 1, 1, 0, 0, 0.0], "arm": arm}),
                    outcome="post", group="arm", treatment="T", pretest="pre")
    with pytest.raises(GTDataError, match="one pupil per group"):  # was ZeroDivisionError
        effect_size(pd.DataFrame({"post": [5, 6, 3, 4.0], "arm": list("TTCC"), "cls": list("abab")}),
                    outcome="post", group="arm", treatment="T", cluster="cls")
    exact = pd.DataFrame({"prior": [60.0, 61, 73, 87, 96, 60], "outcome": [60.0, 61, 73, 87, 96, 60],
                          "school": list("AABBAB")})
    with pytest.raises(GTDataError, match="exactly"):  # was ZeroDivisionError in the ICC
        _va(exact, by="school", method="multilevel")
    one = exact.assign(outcome=[3.0, 1, 4, 1, 5, 9], school="A")
    with pytest.raises(GTDataError, match="two groups"):  # was an arbitrary REML optimum (row-order dependent)
        _va(one, by="school", method="multilevel")
    assert np.isnan(_va(exact.assign(outcome=5.0)).model.r2)
