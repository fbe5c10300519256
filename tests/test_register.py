"""Tests of gtanalytics.register.

Independent checks: the Koopman score interval for the risk ratio against statsmodels
``confint_proportions_2indep(compare="ratio", method="score", correction=False)`` (and, where
statsmodels' closed form breaks down at p1 = 1, against the defining property checked with a
numerically maximised restricted likelihood); the Katz interval against statsmodels
``Table2x2.riskratio_confint()`` (``shift_zeros`` for a zero cell); the exact tests against
scipy.stats.fisher_exact and scipy.stats.binomtest on 2x2 tables built independently with
pandas.crosstab; the interval's own p-value against scipy ``chi2_contingency(correction=False)``
(Koopman) and the Wald log test (Katz); Wilson intervals against statsmodels
``proportion_confint(method="wilson")``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.register import (
    birth_term, dual_exceptionality, missing_from_register, register_changes, register_representation,
)


def _cohort(seed=0, n=400):
    rng = np.random.default_rng(seed)
    dis = rng.random(n) < 0.3
    eth = rng.choice(["WBRI", "BCRB", "AIND", "WROM", "MWBC"], n, p=[.6, .1, .15, .05, .1])
    ability = rng.normal(0, 1, n) - 0.6 * dis - 0.7 * (eth == "BCRB")
    reg = ability > np.quantile(ability, 0.85)
    return pd.DataFrame({
        "upn": [f"P{i:04d}" for i in range(n)], "academic_year": "2023/24", "school_id": "100001",
        "year_group": rng.integers(3, 7, n), "forename": "A", "surname": "B",
        "date_of_birth": pd.to_datetime("2013-09-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        "sex": rng.choice(["F", "M"], n), "disadvantaged": dis, "lac": rng.random(n) < 0.03,
        "sen": rng.choice(["N", "K", "E"], n, p=[.8, .15, .05]), "eal": rng.random(n) < 0.2,
        "ethnicity": eth, "gt_register": reg, "_ability": ability,
    })


def test_risk_ratio_interval_and_exact_tests_match_statsmodels_and_scipy():
    from statsmodels.stats.contingency_tables import Table2x2
    from statsmodels.stats.proportion import confint_proportions_2indep

    p = _cohort(1)
    r = register_representation(p).set_index(["characteristic", "value"])
    k = register_representation(p, ci_method="katz").set_index(["characteristic", "value"])
    for ch, v in [("disadvantaged", "yes"), ("ethnicity", "BCRB"), ("sex", "F"), ("ethnicity_major", "Asian"),
                  ("sen", "K")]:
        row = r.loc[(ch, v)]
        col = p["ethnicity"].map({"WBRI": "White", "BCRB": "Black", "AIND": "Asian", "WROM": "White",
                                  "MWBC": "Mixed"}) if ch == "ethnicity_major" else p[ch]
        ing = col.astype(str).replace({"True": "yes"}) == v
        tab = pd.crosstab(ing, p.gt_register).reindex(index=[True, False], columns=[True, False]).to_numpy()
        t = Table2x2(tab)
        assert row["risk_ratio"] == pytest.approx(t.riskratio)
        assert (k.loc[(ch, v), "risk_ratio_ci_low"], k.loc[(ch, v), "risk_ratio_ci_high"]) == pytest.approx(
            t.riskratio_confint(), rel=1e-10)
        (a, b), (c, d) = tab
        ref = confint_proportions_2indep(a, a + b, c, c + d, compare="ratio", method="score", correction=False)
        assert (row["risk_ratio_ci_low"], row["risk_ratio_ci_high"]) == pytest.approx(ref, rel=1e-8)
        assert row["p_exact"] == pytest.approx(stats.fisher_exact(tab).pvalue, rel=1e-12)
        # the interval's own test: the score test at RR = 1 is Pearson's chi-square without correction
        assert row["p_value"] == pytest.approx(stats.chi2_contingency(tab, correction=False)[1], rel=1e-9)
        # the representation ratio: share of the register / share of the cohort = P(reg | group) / P(reg)
        assert row["estimate"] == pytest.approx(p.gt_register[ing.to_numpy()].mean() / p.gt_register.mean())
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
    b = register_representation(p, characteristics=["disadvantaged"], test="binomial").iloc[0]
    ref = stats.binomtest(int((p.disadvantaged & p.gt_register).sum()), int(p.gt_register.sum()),
                          p.disadvantaged.mean())
    assert b["p_exact"] == pytest.approx(ref.pvalue)


def test_verdict_always_agrees_with_the_interval_shown():
    """Issue 15 item 6: a scan of 524 2x2 tables (cohort 120; 10-60 in the group, 10-40 on the register,
    every overlap).  Before, 2 of them (9 of 1722 on a grid twice as fine) were "in line" (Fisher
    p >= 0.05) under a risk-ratio interval entirely above or below 1; now the verdict is read from the interval, and the p-value shown is the
    test that interval inverts, so p < 0.05 exactly when the interval excludes 1."""
    frames, n = [], 120
    for ng in range(10, 61, 10):
        for nr in range(10, 41, 10):
            for a in range(0, min(ng, nr) + 1):
                if nr - a > n - ng:
                    continue
                reg = np.zeros(n, bool)
                reg[:a] = True
                reg[ng:ng + nr - a] = True
                frames.append(pd.DataFrame({"gt_register": reg, "disadvantaged": np.arange(n) < ng,
                                            "school_id": f"{ng}-{nr}-{a}"}))
    for method in ("koopman", "katz"):
        r = register_representation(pd.concat(frames), characteristics=["disadvantaged"], by="school_id",
                                    ci_method=method)
        r = r[r["ci_low"].notna()]
        assert len(r) == 524
        above, below = r["risk_ratio_ci_low"] > 1, r["risk_ratio_ci_high"] < 1
        assert (r.loc[above, "verdict"] == "over-represented").all()
        assert (r.loc[below, "verdict"] == "under-represented").all()
        assert not r.loc[~above & ~below, "verdict"].isin(["over-represented", "under-represented"]).any()
        clear = (r["p_value"] - 0.05).abs() > 1e-9
        assert ((r["p_value"] < 0.05) == (above | below))[clear].all()


def test_zero_cells():
    from statsmodels.stats.contingency_tables import Table2x2
    from statsmodels.stats.proportion import confint_proportions_2indep

    p = pd.DataFrame({"gt_register": [False] * 12 + [True] * 10 + [False] * 78, "lac": [True] * 12 + [False] * 88})
    row = register_representation(p, characteristics=["lac"]).iloc[0]
    assert row["estimate"] == 0 and row["ci_low"] == 0 and row["risk_ratio_ci_low"] == 0
    ref = confint_proportions_2indep(0, 12, 10, 88, compare="ratio", method="score", correction=False)
    assert row["risk_ratio_ci_high"] == pytest.approx(ref[1], rel=1e-8)
    katz = register_representation(p, characteristics=["lac"], ci_method="katz").iloc[0]
    t = Table2x2(np.array([[0, 12], [10, 78]]), shift_zeros=True)
    assert katz["risk_ratio_ci_high"] == pytest.approx(t.riskratio_confint()[1])
    # 0 of 12 with a 10% register rate is not significant, but the interval cannot rule out a large
    # imbalance either: too few to say, never "in line"
    assert row["verdict"] == "too few to say" and row["p_value"] > 0.05


def test_koopman_bound_when_every_group_member_is_on_the_register():
    """x1 = n1: statsmodels' closed form fails here; check the defining property instead: at each bound
    the score statistic, with p1 = theta p2 fitted by maximising the restricted likelihood
    numerically (scipy.optimize), equals +/- 1.96."""
    from scipy.optimize import minimize_scalar

    x1, n1, x2, n2 = 7, 7, 30, 90
    p = pd.DataFrame({"gt_register": [True] * 7 + [True] * 30 + [False] * 60, "lac": [True] * 7 + [False] * 90})
    row = register_representation(p, characteristics=["lac"]).iloc[0]
    for bound, sign in ((row["risk_ratio_ci_low"], 1), (row["risk_ratio_ci_high"], -1)):
        if not np.isfinite(bound):
            continue
        t = bound

        def nll(p2):
            p1 = t * p2
            return -(x1 * np.log(p1) + (n1 - x1) * np.log(max(1 - p1, 1e-300)) + x2 * np.log(p2)
                     + (n2 - x2) * np.log(1 - p2))
        p2 = minimize_scalar(nll, bounds=(1e-9, min(1, 1 / t) - 1e-12), method="bounded",
                             options={"xatol": 1e-12}).x
        v = t * p2 * (1 - t * p2) / n1 + t * t * p2 * (1 - p2) / n2
        assert (x1 / n1 - t * x2 / n2) / np.sqrt(v) == pytest.approx(sign * stats.norm.ppf(0.975), abs=1e-4)


def test_planted_under_representation_found_and_verdicts():
    p = _cohort(2, n=1500)
    r = register_representation(p, characteristics=["disadvantaged", "ethnicity", "lac"]).set_index(
        ["characteristic", "value"])
    assert r.loc[("disadvantaged", "yes"), "verdict"] == "under-represented"
    assert r.loc[("ethnicity", "BCRB"), "verdict"] == "under-represented"
    assert r.loc[("ethnicity", "WBRI"), "estimate"] > 1
    tight = register_representation(p, characteristics=["sex"]).iloc[0]
    assert tight["verdict"] == "in line" and 0.5 < tight["ci_low"] and tight["ci_high"] < 2
    small = register_representation(p.head(60), characteristics=["lac"]).iloc[0]
    assert small["low_n"] and small["verdict"] == "too few to say"


def test_years_and_schools_are_not_pooled():
    a, b = _cohort(3, 100), _cohort(4, 120).assign(academic_year="2022/23")
    r = register_representation(pd.concat([a, b]), characteristics=["sex"])
    assert list(r.columns[:3]) == ["academic_year", "characteristic", "value"]
    assert r.groupby("academic_year")["n_cohort"].first().to_dict() == {"2022/23": 120, "2023/24": 100}


def test_birth_term_boundaries():
    d = ["2014-09-01", "2014-12-31", "2015-01-01", "2015-04-30", "2015-05-01", "2015-08-31", None]
    assert birth_term(d).tolist() == ["autumn", "autumn", "spring", "spring", "summer", "summer", None]


def test_bad_input():
    p = _cohort(5, 50)
    with pytest.raises(GTDataError, match="no column 'g_and_t'"):
        register_representation(p, register="g_and_t")
    with pytest.raises(GTDataError, match="'religion'"):
        register_representation(p, characteristics=["religion"])
    q = p.astype({"gt_register": object})
    q.loc[3, "gt_register"] = "maybe"
    with pytest.raises(GTDataError, match="yes/no flag"):
        register_representation(q)


def test_characteristic_never_recorded_in_one_school_is_reported_not_a_crash():
    """Found by tests/test_properties_gaps.py: a characteristic blank for every pupil of one school
    (or an empty table) raised ZeroDivisionError."""
    a, b = _cohort(3, 60).assign(school_id="A"), _cohort(4, 40).assign(school_id="B")
    b["lac"] = None
    r = register_representation(pd.concat([a, b], ignore_index=True), characteristics=["lac"])
    row = r.query("school_id == 'B'").iloc[0]
    assert row["n_cohort"] == 0 and row["n_not_recorded"] == 40 and np.isnan(row["share_cohort"])
    assert row["verdict"] == "too few to say" and bool(row["low_n"])
    assert r.query("school_id == 'A'")["n_cohort"].iloc[0] == 60
    with pytest.raises(GTDataError, match="no rows"):
        register_representation(a.iloc[:0])


def test_dual_exceptionality_counts_and_internal_list():
    from statsmodels.stats.proportion import proportion_confint

    p = _cohort(6)
    d = dual_exceptionality(p)
    want = p[p.gt_register & p.sen.isin(["K", "E"])]
    c = d.counts.iloc[0]
    assert c["n_dme"] == len(want) and c["n_sen_K"] + c["n_sen_E"] == len(want)
    assert c["n_register"] == p.gt_register.sum()
    lo, hi = proportion_confint(len(want), p.gt_register.sum(), method="wilson")
    assert (c["ci_low"], c["ci_high"]) == pytest.approx((100 * lo, 100 * hi))
    assert set(d.pupils.upn) == set(want.upn) and d.pupils.attrs["audience"] == "internal"
    assert "forename" in d.pupils.columns


def _assessments(p, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for term, noise in (("Autumn", 9.0), ("Summer", 3.0)):
        rows.append(pd.DataFrame({"upn": p.upn, "academic_year": "2023/24", "term": term, "subject": "maths",
                                  "assessment": "PUMA", "score": (100 + 12 * p._ability
                                                                  + rng.normal(0, noise, len(p))).round()}))
    return pd.concat(rows, ignore_index=True)


def test_missing_from_register_uses_latest_score_and_ranks_within_year_group():
    p = _cohort(7)
    a = _assessments(p)
    res = missing_from_register(p, a, top_share=0.10)
    latest = a[a.term == "Summer"].merge(p[["upn", "year_group", "gt_register", "disadvantaged"]], on="upn")
    latest["rank"] = latest.groupby("year_group")["score"].rank(ascending=False, method="min")
    latest["n"] = latest.groupby("year_group")["score"].transform("size")
    top = latest[latest["rank"] <= np.ceil(0.1 * latest["n"])]
    want = top[~top.gt_register]
    assert set(res.pupils.upn) == set(want.upn)
    assert res.pupils.attrs["audience"] == "internal" and "surname" in res.pupils.columns
    allrow = res.counts.query("characteristic == 'all'").iloc[0]
    assert (allrow["n_high"], allrow["n_missing"]) == (len(top), len(want))
    d = res.counts.query("characteristic == 'disadvantaged'").iloc[0]
    tab = [[int((want.disadvantaged).sum()), int((top.disadvantaged & top.gt_register).sum())],
           [int((~want.disadvantaged).sum()), int((~top.disadvantaged & top.gt_register).sum())]]
    assert d["p_value"] == pytest.approx(stats.fisher_exact(tab).pvalue)
    by_score = missing_from_register(p, a, top_share=None, min_score=120)
    assert set(by_score.pupils.upn) == set(latest[(latest.score >= 120) & ~latest.gt_register].upn)
    assert (by_score.pupils.criterion == "score >= 120").all()


def test_register_changes():
    p1 = pd.DataFrame({"upn": list("abcdef"), "academic_year": "2022/23", "school_id": "1",
                       "gt_register": [True, True, True, False, False, True], "sex": list("FFMMFM")})
    p2 = pd.DataFrame({"upn": list("abcdeg"), "academic_year": "2023/24", "school_id": "1",
                       "gt_register": [True, False, True, True, False, True], "sex": list("FFMMFF")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = register_changes(pd.concat([p1, p2]), from_year="2022/23", to_year="2023/24", characteristics=["sex"])
    s = r.summary.set_index(["characteristic", "value"])
    a = s.loc[("all", "all")]
    assert (a.n_from, a.n_to, a.stayed, a.joined, a.joined_new_to_school, a.left, a.left_school) == (4, 4, 2, 2, 1, 2, 1)
    assert a.churn_rate == pytest.approx(4 / 6)
    assert dict(zip(r.pupils.upn, r.pupils.status)) == {
        "a": "stayed", "b": "left", "c": "stayed", "d": "joined", "f": "left (left school)",
        "g": "joined (new to school)"}
    assert s.loc[("sex", "F"), "joined"] == 1 and r.pupils.attrs["audience"] == "internal"
    with pytest.raises(GTDataError, match="2020/21"):
        register_changes(p1, from_year="2020/21", to_year="2022/23")


# ------------------------------------------------------------------ the sample trust
def _sample_audit(data):
    pupils = data.pupils
    year = sorted(pupils.academic_year.unique())[-1]
    latest = pupils[pupils.academic_year == year].assign(school_id="trust")  # the trust's register, pooled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        rep = register_representation(latest).set_index(["characteristic", "value"])
        dme = dual_exceptionality(pupils)
        a = data.assessments
        miss = missing_from_register(latest, a[a.score_type == "standardised"], top_share=0.10)
    return rep, dme, miss


def test_sample_register_audit_finds_planted_patterns(sample):
    """PLANTED["register"]: disadvantaged and Black Caribbean pupils are selected less often; 12 DME pupils."""
    from gtanalytics.datasets import PLANTED, planted_truth

    rep, dme, miss = _sample_audit(sample)
    for key in [("disadvantaged", "yes"), ("ethnicity", "BCRB"), ("ethnicity_major", "Black")]:
        assert rep.loc[key, "verdict"] == "under-represented", key
        assert rep.loc[key, "ci_high"] < 1, key
    assert rep.loc[("sex", "F"), "verdict"] == "in line"
    planted = planted_truth(seed=PLANTED["seed"])["dual_exceptionality"]
    assert len(planted) == PLANTED["register"]["dual_exceptionality"]["n"]
    assert set(planted.upn) <= set(dme.pupils.upn)
    assert dme.pupils.attrs["audience"] == "internal"
    m = miss.counts.set_index(["characteristic", "value"])
    assert m.loc[("disadvantaged", "yes"), "pct_missing"] > m.loc[("all", "all"), "pct_missing"]
    assert m.loc[("disadvantaged", "yes"), "p_value"] < 0.05


def _representation_by_loop(pupils, *, confidence=0.95, test="fisher", ci_method="koopman", characteristics=None,
                            by=None):
    """The former per-group loop of register_representation (before vectorising), kept as the reference.

    Derived columns, the yes/no flag, the automatic split by year and school and the value labels are
    written out here; the intervals and tests are the scalar ones of gtanalytics._stats.
    """
    import math

    from gtanalytics import _stats as gs
    from gtanalytics.data.schemas import ETHNICITY_MAJOR
    from gtanalytics.register import CHARACTERISTICS

    p = pupils.copy()
    if "ethnicity_major" not in p and "ethnicity" in p:
        p["ethnicity_major"] = p["ethnicity"].map(ETHNICITY_MAJOR)
    if "birth_term" not in p and "date_of_birth" in p:
        p["birth_term"] = birth_term(p["date_of_birth"]).to_numpy()
    p["_reg"] = p["gt_register"].astype(bool)
    auto = [c for c in ("academic_year", "school_id") if c in p and p[c].nunique() > 1 and c not in gs.as_list(by)]
    chars = [c for c in (characteristics or CHARACTERISTICS) if c in p.columns]
    rows = []
    for key, sub in gs.iter_groups(p, auto[::-1] + gs.as_list(by)):
        for ch in chars:
            known = sub[sub[ch].notna()]
            reg = known["_reg"].to_numpy(bool)
            seen = known[ch].unique()
            for v in ([True] if set(seen) <= {True, False} else sorted(seen, key=str)):
                ing = (known[ch] == v).to_numpy(bool)
                a, b = int((ing & reg).sum()), int((ing & ~reg).sum())
                c, d = int((~ing & reg).sum()), int((~ing & ~reg).sum())
                n, ng, nr = a + b + c + d, a + b, a + c
                label = "yes" if v is True or (isinstance(v, np.bool_) and v) else str(v)
                row = {**key, "characteristic": ch, "value": label, "n_cohort": n, "n": ng,
                       "n_register": nr, "n_group_register": a, "share_cohort": ng / n if n else math.nan,
                       "share_register": a / nr if nr else math.nan, "estimate": math.nan, "se": math.nan,
                       "ci_low": math.nan,
                       "ci_high": math.nan, "risk_ratio": math.nan, "risk_ratio_ci_low": math.nan,
                       "risk_ratio_ci_high": math.nan, "p_value": math.nan, "p_exact": math.nan,
                       "n_not_recorded": int(sub[ch].isna().sum())}
                if nr and c + d and ng:
                    w = ng / n
                    rr = (a / ng) / (c / (c + d)) if c else math.inf
                    lo, hi = (gs.koopman_ratio_ci(a, ng, c, c + d, confidence=confidence) if ci_method == "koopman"
                              else gs.katz_ratio_ci(a, b, c, d, confidence=confidence))
                    f = (lambda r: r / (w * r + 1 - w) if math.isfinite(r) else 1 / w)
                    se_log = math.sqrt(1 / a - 1 / ng + 1 / c - 1 / (c + d)) if a and c else math.nan
                    row.update(estimate=row["share_register"] / w, se=rr * (1 - w) / (w * rr + 1 - w) ** 2 * se_log,
                               ci_low=f(lo), ci_high=f(hi), risk_ratio=rr, risk_ratio_ci_low=lo,
                               risk_ratio_ci_high=hi)
                    row["p_value"] = gs.ratio_test_p(a, b, c, d, method=ci_method)
                    row["p_exact"] = (stats.fisher_exact([[a, b], [c, d]]).pvalue if test == "fisher"
                                      else stats.binomtest(a, nr, w).pvalue)
                rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("test,ci_method", [("fisher", "koopman"), ("binomial", "katz")])
def test_vectorised_representation_equals_the_per_group_loop(test, ci_method):
    # Several schools and years, blanks in characteristics, a flag that is all False in one school,
    # a school whose register is empty, a tiny school, and ethnic groups absent from some schools.
    rng = np.random.default_rng(7)
    parts = []
    for i, n in enumerate([120, 35, 6, 80, 50]):
        c = _cohort(seed=i, n=n).drop(columns="_ability")
        c["school_id"] = f"10000{i}"
        c["academic_year"] = rng.choice(["2022/23", "2023/24"], n)
        parts.append(c)
    p = pd.concat(parts, ignore_index=True)
    p.loc[p["school_id"] == "100001", "lac"] = False
    p.loc[p["school_id"] == "100003", "gt_register"] = False
    p["sen"] = p["sen"].astype(object)
    p.loc[rng.random(len(p)) < 0.05, "sen"] = None
    p.loc[rng.random(len(p)) < 0.05, "ethnicity"] = None
    p["eal"] = p["eal"].astype("boolean")
    p.loc[rng.random(len(p)) < 0.05, "eal"] = pd.NA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = register_representation(p, test=test, ci_method=ci_method, by="year_group")
        old = _representation_by_loop(p, test=test, ci_method=ci_method, by="year_group")
    pd.testing.assert_frame_equal(new.drop(columns=["low_n", "verdict", "ci_method"]), old, check_exact=True)


def test_representation_ratio_se_is_the_delta_method_from_statsmodels_log_risk_ratio_se():
    """se of the representation ratio R = RR / (w RR + 1 - w) (w the group's share of the cohort): the Katz
    standard error of log RR from statsmodels ``Table2x2.log_riskratio_se`` times dR/dlog RR, taken here by a
    central finite difference of the transform."""
    from statsmodels.stats.contingency_tables import Table2x2

    a, b, c, d = 9, 51, 11, 129          # group on / off the register, the rest on / off
    p = pd.DataFrame({"gt_register": [True] * a + [False] * b + [True] * c + [False] * d,
                      "dis": [True] * (a + b) + [False] * (c + d)})
    row = register_representation(p, characteristics=["dis"]).iloc[0]
    t = Table2x2(np.array([[a, b], [c, d]]))
    w = (a + b) / (a + b + c + d)
    ratio = lambda log_rr: math.exp(log_rr) / (w * math.exp(log_rr) + 1 - w)  # noqa: E731
    h = 1e-6
    slope = (ratio(t.log_riskratio + h) - ratio(t.log_riskratio - h)) / (2 * h)
    assert row["estimate"] == pytest.approx(ratio(t.log_riskratio), rel=1e-12)
    assert row["se"] == pytest.approx(slope * t.log_riskratio_se, rel=1e-8)
