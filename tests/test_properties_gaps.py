"""Property-based tests (hypothesis) for the gap, register, attendance and disclosure metrics.

Properties that must hold for ANY data, not only the worked examples of the other test files:

* swapping the focus and the comparison group flips the sign of a gap (``gap``,
  ``threshold_gap`` with both interval methods, ``gap_index``) and mirrors its interval;
* adding a constant to every score leaves ``gap`` and ``gap_index`` unchanged; multiplying the
  scores by a positive constant scales ``gap`` (and its interval) by it and leaves ``gap_index``
  unchanged (ranks do not move);
* ``suppress`` never shows a count below the threshold, and no hidden count can be worked out
  from the totals: checked with ``check_disclosure`` and with an exact linear-programming audit
  (``scipy.optimize.linprog`` finds the smallest and largest value each hidden cell can take
  given every shown cell, every total equation and non-negativity);
* absence rates do not depend on the order of the attendance rows;
* no crash on well-typed input, including groups of 0 and 1 pupils: a ``GTDataError`` or a row
  flagged ``low_n`` with a NaN interval is fine; an unhandled exception or an interval that
  does not contain its estimate is not.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from lp_audit import lp_ranges

from gtanalytics.attendance import absence_rates
from gtanalytics.disclosure._suppress import check_disclosure, suppress
from gtanalytics.engagement import takeup_gap
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.gap_trends import gap_trend
from gtanalytics.gaps import excellence_gap, gap, gap_index, threshold_gap
from gtanalytics.register import register_representation

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # slower calls


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        yield


@st.composite
def two_groups(draw, min_size=0, max_size=30, integers=False):
    """Pupil scores with a yes/no group column; both groups present."""
    n = draw(st.integers(min_size, max_size))
    score = (st.integers(70, 130) if integers
             else st.floats(70, 130, allow_nan=False).map(lambda v: round(v, 2)))
    scores = draw(st.lists(score, min_size=n, max_size=n))
    flags = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    assume(any(flags) and not all(flags))
    return pd.DataFrame({"score": np.asarray(scores, float), "dis": flags})


def _mirrored(a: pd.Series, b: pd.Series, est: str) -> None:
    """b is a with the groups swapped: sign flipped, interval mirrored, sizes swapped."""
    assert (a["n_focus"], a["n_other"]) == (b["n_other"], b["n_focus"])
    for x, y in ((a[est], -b[est]), (a["ci_low"], -b["ci_high"]), (a["ci_high"], -b["ci_low"])):
        assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-12, abs=1e-12)


def _close(x: float, y: float, tol: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or abs(x - y) <= tol


# ------------------------------------------------------------------ sign and symmetry
@SETTINGS
@given(d=two_groups(min_size=2))
def test_swapping_groups_flips_gap_and_mirrors_interval(d):
    _mirrored(gap(d, outcome="score", group="dis", focus=True).iloc[0],
              gap(d, outcome="score", group="dis", focus=False).iloc[0], "gap")
    _mirrored(gap_index(d, score="score", group="dis", focus=True).iloc[0],
              gap_index(d, score="score", group="dis", focus=False).iloc[0], "estimate")


@SETTINGS
@given(d=two_groups(min_size=2, integers=True), method=st.sampled_from(["newcombe", "wald"]),
       threshold=st.integers(70, 131))
def test_swapping_groups_flips_threshold_gap(d, method, threshold):
    kw = dict(outcome="score", group="dis", threshold=threshold, method=method)
    a, b = threshold_gap(d, focus=True, **kw).iloc[0], threshold_gap(d, focus=False, **kw).iloc[0]
    _mirrored(a, b, "gap")
    if method == "newcombe":  # a Newcombe interval always lies within -100 to 100 and holds its gap
        assert -100 - 1e-9 <= a["ci_low"] <= a["gap"] + 1e-9 and a["gap"] - 1e-9 <= a["ci_high"] <= 100 + 1e-9


# ------------------------------------------------------------------ location and scale
@SETTINGS
@given(d=two_groups(min_size=2, integers=True), shift=st.integers(-500, 500), scale=st.integers(1, 40))
def test_gaps_shift_invariant_and_scale_equivariant(d, shift, scale):
    kw = dict(outcome="score", group="dis", focus=True)
    base = gap(d, **kw).iloc[0]
    moved = gap(d.assign(score=d["score"] + shift), **kw).iloc[0]
    k = scale / 4  # positive, not only whole numbers
    scaled = gap(d.assign(score=d["score"] * k), **kw).iloc[0]
    for c in ("gap", "ci_low", "ci_high", "se"):
        assert _close(moved[c], base[c], 1e-9), c
        assert _close(scaled[c], k * base[c], 1e-9 * max(1.0, abs(k * base[c]))), c
    gi = dict(score="score", group="dis", focus=True)
    g0 = gap_index(d, **gi).iloc[0]
    for other in (d.assign(score=d["score"] + shift), d.assign(score=d["score"] * k)):
        g1 = gap_index(other, **gi).iloc[0]
        for c in ("estimate", "ci_low", "ci_high"):
            assert _close(g1[c], g0[c], 1e-12), c


# ------------------------------------------------------------------ disclosure
@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 4).flatmap(lambda r: st.integers(1, 4).flatmap(
    lambda c: st.lists(st.lists(st.one_of(st.integers(0, 7), st.integers(0, 40)), min_size=c, max_size=c),
                       min_size=r, max_size=r))),
       threshold=st.integers(2, 10))
# found by hypothesis: every line through r0/r1 x c0..c2 was hidden, yet their combined count (1) followed from
# the grand total, the column total of c3 and row r2's total, which lie further off
@example(m=[[0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 1, 0]], threshold=2)
def test_suppress_hides_small_counts_and_totals_cannot_reveal_them(m, threshold):
    m = np.asarray(m)
    cols = [f"c{j}" for j in range(m.shape[1])]
    t = pd.DataFrame(m, columns=cols)
    t["total"] = t.sum(axis=1)
    t.loc[len(t)] = t.sum(axis=0)
    t.insert(0, "group", [f"r{i}" for i in range(m.shape[0])] + ["All"])
    s = suppress(t, count_cols=cols, total_col="total", total_row="All", label_col="group", threshold=threshold)
    full = t[[*cols, "total"]].to_numpy(float)
    mask = s.hidden[[*cols, "total"]].to_numpy()
    shown = s.display[[*cols, "total"]].to_numpy()
    small = (full > 0) & (full < threshold)
    assert mask[small].all(), "a count below the threshold is shown"
    assert all(str(int(v)) == x for v, x, h in zip(full.ravel(), shown.ravel(), mask.ravel()) if not h)
    assert check_disclosure(s.display, threshold, count_cols=cols, total_col="total", total_row="All",
                            label_col="group").empty
    if mask.any():
        for cell, (lo, hi) in lp_ranges(full, mask).items():
            assert hi - lo > 0.5, f"hidden cell {cell} = {full[cell]} can be worked out exactly from the totals"


# ------------------------------------------------------------------ attendance
@st.composite
def attendance_tables(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        for period in draw(st.lists(st.sampled_from(["Autumn", "Spring", "Summer"]), min_size=1, max_size=3,
                                    unique=True)):
            possible = draw(st.integers(0, 150))
            auth = draw(st.integers(0, possible))
            unauth = draw(st.integers(0, possible - auth))
            rows.append((f"P{i}", draw(st.sampled_from(["2022/23", "2023/24"])), period, possible, auth, unauth))
    att = pd.DataFrame(rows, columns=["upn", "academic_year", "period", "possible_sessions", "authorised_absence",
                                      "unauthorised_absence"])
    return att.drop_duplicates(["upn", "academic_year", "period"]).reset_index(drop=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(att=attendance_tables(), seed=st.integers(0, 2 ** 32 - 1))
def test_absence_rates_do_not_depend_on_row_order(att, seed):
    pupils = att[["upn", "academic_year"]].drop_duplicates().assign(
        dis=lambda d: d["upn"].str[1:].astype(int) % 2 == 0)
    shuffled = att.sample(frac=1, random_state=np.random.default_rng(seed)).reset_index(drop=True)
    try:
        a = absence_rates(att, pupils=pupils, by="dis", national=False)
    except GTDataError:
        with pytest.raises(GTDataError):
            absence_rates(shuffled, pupils=pupils, by="dis", national=False)
        return
    b = absence_rates(shuffled, pupils=pupils, by="dis", national=False)
    key = ["academic_year", "dis", "measure"]
    pd.testing.assert_frame_equal(a.sort_values(key).reset_index(drop=True),
                                  b.sort_values(key).reset_index(drop=True), rtol=1e-12)
    for _, r in a.iterrows():  # each interval holds its estimate, within 0-100%
        if not math.isnan(r["ci_low"]):
            assert -1e-9 <= r["ci_low"] <= r["estimate"] + 1e-9 <= r["ci_high"] + 2e-9 <= 100 + 3e-9


# ------------------------------------------------------------------ no crash, no silent wrong number
@st.composite
def messy_pupils(draw):
    """Tiny, messy but well-typed pupil data: blanks, one-pupil groups, empty groups per school."""
    n = draw(st.integers(0, 14))
    group = st.sampled_from([True, False, None])
    score = st.one_of(st.none(), st.integers(80, 120).map(float))
    return pd.DataFrame({
        "score": pd.Series(draw(st.lists(score, min_size=n, max_size=n)), dtype=float),
        "dis": pd.Series(draw(st.lists(group, min_size=n, max_size=n)), dtype=object),
        "school_id": draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n)),
        "academic_year": draw(st.lists(st.sampled_from(["2022/23", "2023/24"]), min_size=n, max_size=n)),
        "prior": draw(st.lists(st.integers(90, 120), min_size=n, max_size=n)),
    })


def _sound(out: pd.DataFrame, est: str, min_n: int, *, means: bool = True) -> None:
    """Every row: low_n as documented; no estimate for an empty group; an interval that holds its estimate.

    Mean gaps (``means``) have no interval (NaN) when a group has fewer than 2 pupils; percentage
    gaps keep their (wide, valid) Newcombe/Wald interval down to 1 pupil, within -100 to 100.
    """
    for _, r in out.iterrows():
        n = min(r["n_focus"], r["n_other"])
        assert bool(r["low_n"]) == (n < min_n)
        if n == 0:
            assert math.isnan(r[est]) and math.isnan(r["ci_low"]) and math.isnan(r["ci_high"])
        elif means and n < 2:
            assert math.isnan(r["ci_low"]) and math.isnan(r["ci_high"])
        elif not means:
            assert -100 - 1e-9 <= r["ci_low"] and r["ci_high"] <= 100 + 1e-9
        if not math.isnan(r["ci_low"]):
            assert r["ci_low"] <= r[est] + 1e-9 and r[est] <= r["ci_high"] + 1e-9


@FEW
@given(d=messy_pupils(), min_n=st.integers(1, 12))
def test_no_crash_on_tiny_and_messy_groups(d, min_n):
    calls = [
        (lambda: gap(d, outcome="score", group="dis", focus=True, by="school_id", min_n=min_n), "gap", True),
        (lambda: threshold_gap(d, outcome="score", group="dis", focus=True, threshold=100, by="school_id",
                               min_n=min_n), "gap", False),
        (lambda: gap_index(d, score="score", group="dis", focus=True, by="school_id", min_n=min_n), "estimate",
         True),
        (lambda: excellence_gap(d, outcome="score", group="dis", focus=True, prior="prior", top_share=0.5,
                                min_n=min_n), "gap", True),
    ]
    for call, est, means in calls:
        try:
            out = call()
        except GTDataError:
            continue
        _sound(out, est, min_n, means=means)
        used = out["n_focus"] + out["n_other"] + out.get("n_excluded", 0)
        assert used.sum() <= len(d)
    try:
        tr = gap_trend(d, outcome="score", group="dis", focus=True, min_n=min_n)
    except GTDataError:
        pass
    else:
        ch = tr.change.iloc[0]
        if math.isnan(ch["ci_low"]):
            assert ch["classification"] == "too few to say"
        else:
            assert ch["ci_low"] <= ch["estimate"] + 1e-9 <= ch["ci_high"] + 2e-9
        ends = tr.groups[tr.groups["academic_year"].isin([ch["first_year"], ch["last_year"]])]
        assert bool(ch["low_n"]) == (ends["n"].min() < min_n)  # each of the four year x group cells
        assert (ch["n_focus"], ch["n_other"]) == tuple(ends.groupby("group")["n"].sum()[["focus", "other"]])


@FEW
@given(d=messy_pupils(), flags=st.data())
def test_register_and_takeup_survive_tiny_groups(d, flags):
    n = len(d)
    reg = flags.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    p = d.assign(gt_register=reg, upn=[f"U{i}" for i in range(n)],
                 disadvantaged=d["dis"].map(lambda v: bool(v)).astype(bool))
    try:
        r = register_representation(p, characteristics=["disadvantaged"])
    except GTDataError:
        r = None
    if r is not None:
        assert (r.loc[r["low_n"], "verdict"] == "too few to say").all()
        ok = r["ci_low"].notna()
        assert (r.loc[ok, "ci_low"] <= r.loc[ok, "estimate"] + 1e-9).all()
        assert (r.loc[ok, "estimate"] <= r.loc[ok, "ci_high"] + 1e-9).all()
    enr = p.loc[p["gt_register"], ["upn", "academic_year"]].assign(category="club")
    if not len(enr):
        return
    try:
        t = takeup_gap(enr, p, group="disadvantaged")
    except GTDataError:
        return
    _sound(t, "gap", 10, means=False)
