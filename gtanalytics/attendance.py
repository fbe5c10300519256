"""Attendance and behaviour: absence rates, persistent and severe absence, exclusions.

Definitions follow the DfE (methodology.md section 7):

* overall absence rate = total sessions missed (authorised + unauthorised)
  / total possible sessions x 100;
* a persistent absentee is a pupil enrolment missing at least 10% of *its own*
  possible sessions, a severe absentee at least 50% (so a pupil who joined in
  the spring term is judged against the sessions possible for them);
* suspension and permanent exclusion rates = events / pupils x 100.

Every estimate carries ``n`` and an interval whose method is named in the
``ci_method`` column (formulas in :mod:`gtanalytics._stats`).  Rates are in percent
(per 100 pupils for exclusions).  Groups with fewer pupils than ``min_n`` (default
:data:`gtanalytics._stats.LOW_N`, 10) are flagged ``low_n``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.reference import national, national_group
from gtanalytics.trends import difference_in_differences
from gtanalytics._stats import (
    LOW_N,
    as_list,
    binomial_se,
    iter_groups,
    poisson_exact_ci,
    quasi_poisson_rate_ci,
    ratio_cluster_ci,
    require_columns,
    warn_low_n,
    wilson_ci,
)

__all__ = [
    "absence_rates",
    "exclusion_rates",
    "attendance_before_after",
    "pupil_absence",
]

_TERM_ORDER = {"Autumn": 1, "Spring": 2, "Summer": 3}
_KEY = ["upn", "academic_year"]


# --------------------------------------------------------------------------- helpers
def _numeric(df: pd.DataFrame, col: str, table: str) -> pd.Series:
    out = pd.to_numeric(df[col], errors="coerce").astype(float)
    bad = out.isna() | (out < 0)
    if bad.any():
        i = bad.to_numpy().nonzero()[0][0]
        raise GTDataError(f"The {table} table has {int(bad.sum())} row(s) where {col!r} is blank, not a number "
                          f"or negative (first at row {i}: {df[col].iloc[i]!r}). Expected a count, 0 or more.")
    return out


def attach_groups(frame: pd.DataFrame, pupils: pd.DataFrame | None, by: list[str],
                   what: str) -> pd.DataFrame:
    """Add the ``by`` columns from ``pupils`` (matched on upn and academic_year)."""
    extra = [c for c in by if c not in frame.columns]
    if not extra:
        return frame
    if pupils is None:
        raise GTDataError(f"Grouping by {', '.join(extra)} needs the pupils table: pass pupils=... "
                          f"(columns {', '.join(extra)} are not in the {what} table).")
    require_columns(pupils, _KEY + extra, "pupils")
    look = pupils[_KEY + extra].drop_duplicates(_KEY)
    out = frame.merge(look, on=_KEY, how="left", indicator=True)
    lost = int((out["_merge"] == "left_only").sum())
    if lost:
        warnings.warn(f"{lost} {what} pupil-year(s) have no row in the pupils table, so their "
                      f"{', '.join(extra)} is unknown; they are shown in a group with a blank value.",
                      GTWarning, stacklevel=3)
    return out.drop(columns="_merge")


_NEUTRAL = {"academic_year", "school_id", "phase"}
_NAT_COLS = ["national_phase", "national", "national_status", "national_source", "national_basis"]
_PHASE_WORDS = {"primary": "primary", "secondary": "secondary", "all": "all"}


def _phase_columns(frame: pd.DataFrame, pupils: pd.DataFrame | None, phase) -> pd.DataFrame:
    """Attach ``year_group`` from the pupils table when the phase is to be inferred from it."""
    if phase is not None or "phase" in frame.columns or "year_group" in frame.columns or pupils is None \
            or "year_group" not in pupils.columns:
        return frame
    look = pupils[_KEY + ["year_group"]].drop_duplicates(_KEY)
    return frame.merge(look, on=_KEY, how="left")


def _phase_of(g: pd.DataFrame, phase) -> str:
    """Phase of a group: given, or its ``phase`` column, or its pupils' year groups (R-6 / 7+), else all."""
    if phase is not None:
        return phase
    if "phase" in g.columns:
        vals = set(g["phase"].astype("string").str.strip().str.lower().dropna())
        return _PHASE_WORDS.get(vals.pop(), "all") if len(vals) == 1 else "all"
    if "year_group" in g.columns:
        yg = g["year_group"].astype("string").str.strip().str.upper()
        num = pd.to_numeric(yg.str.extract(r"(\d+)", expand=False), errors="coerce")
        num = num.mask(yg.isin(["R", "N", "N1", "N2", "RECEPTION", "NURSERY"]), 0)
        if len(num) and num.notna().all():
            if (num <= 6).all():
                return "primary"
            if (num >= 7).all():
                return "secondary"
    return "all"


def _national_for(measure: str, year, phase: str, labels: dict, table, use: bool) -> dict:
    """The national figure for one result row: same year, same phase, same group, or none."""
    none = {"national": np.nan, "national_status": pd.NA, "national_source": pd.NA}
    if not use:
        return {**none, "national_basis": "no national comparison requested"}
    others = [k for k in labels if k not in _NEUTRAL]
    if not others:
        group = "all"
    elif len(others) == 1 and national_group(others[0], labels[others[0]]) is not None:
        group = national_group(others[0], labels[others[0]])
    else:
        return {**none, "national_basis": f"no national figure for pupils grouped by {', '.join(others)}"}
    try:
        fig = national(measure, year=year, phase=phase, group=group, table=table)
    except GTDataError:
        fig = None
    if fig is None:
        where = {"all": "all schools", "primary": "primary schools", "secondary": "secondary schools"}[phase]
        who = {"all": "all pupils", "fsm": "pupils eligible for free school meals",
               "not_fsm": "pupils not eligible for free school meals", "disadvantaged": "disadvantaged pupils",
               "not_disadvantaged": "other pupils"}[group]
        return {**none, "national_basis": f"no published national figure found for {where}, {who}, {year}"}
    return {"national": fig.value, "national_status": fig.status, "national_source": fig.source,
            "national_basis": fig.basis}


def _national_arg(national_) -> tuple[bool, pd.DataFrame | None]:
    if national_ is None or national_ is False:
        return False, None
    if national_ is True:
        return True, None
    if isinstance(national_, pd.DataFrame):
        return True, national_
    raise GTDataError("national must be True (shipped tables), False/None, or a DataFrame with columns "
                      "academic_year, measure, value (and optionally phase, group, status, source).")


def _compare(out: pd.DataFrame) -> pd.DataFrame:
    verdict = np.where(out["ci_low"] > out["national"], "higher",
                       np.where(out["ci_high"] < out["national"], "lower", "not significantly different"))
    out["compared_with_national"] = pd.Series(verdict, index=out.index).where(out["national"].notna())
    return out


# --------------------------------------------------------------------------- absence
def pupil_absence(attendance: pd.DataFrame) -> pd.DataFrame:
    """Aggregate the attendance table to one row per pupil enrolment per year.

    Parameters
    ----------
    attendance : pandas.DataFrame
        Canonical attendance table (``upn, academic_year, period, possible_sessions,
        authorised_absence, unauthorised_absence``), one row per pupil per period.

    Returns
    -------
    pandas.DataFrame
        ``upn, academic_year, possible_sessions, authorised_absence,
        unauthorised_absence, missed, absence_rate`` (percent of the pupil's own
        possible sessions), ``persistent`` (>= 10%), ``severe`` (>= 50%).
        It lists pupils by UPN: for internal (senior-leader) use only.

    Examples
    --------
    >>> att = pd.DataFrame({"upn": ["A", "A"], "academic_year": "2023/24",
    ...                     "period": ["Autumn", "Spring"], "possible_sessions": [140, 120],
    ...                     "authorised_absence": [10, 12], "unauthorised_absence": [2, 4]})
    >>> pupil_absence(att)[["missed", "persistent"]].to_dict("records")
    [{'missed': 28.0, 'persistent': True}]
    """
    cols = ["possible_sessions", "authorised_absence", "unauthorised_absence"]
    require_columns(attendance, _KEY + cols, "attendance")
    att = attendance[_KEY + (["period"] if "period" in attendance.columns else [])].copy()
    for c in cols:
        att[c] = _numeric(attendance, c, "attendance")
    if "period" in att.columns:
        is_year = att["period"].astype("string").str.strip().str.lower().eq("year").fillna(False)
        both = att.assign(_y=is_year).groupby(_KEY)["_y"].agg(["any", "all"])
        mixed = both[both["any"] & ~both["all"]]
        if len(mixed):
            upn, year = mixed.index[0]
            raise GTDataError(
                f"{len(mixed)} pupil-year(s) have both a whole-year ('Year') attendance row and term rows "
                f"(first: {upn} in {year}); the sessions would be counted twice. Keep either the "
                "whole-year row or the term rows for each pupil."
            )
    per = att.groupby(_KEY, sort=True, dropna=False)[cols].sum().reset_index()
    per["missed"] = per["authorised_absence"] + per["unauthorised_absence"]
    over = per["missed"] > per["possible_sessions"]
    if over.any():
        r = per.loc[over].iloc[0]
        raise GTDataError(
            f"{int(over.sum())} pupil-year(s) missed more sessions than were possible (first: {r['upn']} "
            f"in {r['academic_year']}: {r['missed']:g} missed of {r['possible_sessions']:g}). "
            "Check the possible_sessions and absence columns of the attendance export."
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        per["absence_rate"] = 100 * per["missed"] / per["possible_sessions"]
    # exact comparisons on counts: missed / possible >= 10%  <=>  10 * missed >= possible
    ok = per["possible_sessions"] > 0
    per["persistent"] = ok & (10 * per["missed"] >= per["possible_sessions"])
    per["severe"] = ok & (2 * per["missed"] >= per["possible_sessions"])
    return per


def absence_rates(attendance: pd.DataFrame, *, pupils: pd.DataFrame | None = None, by=None,
                  confidence: float = 0.95, national=True, phase: str | None = None,
                  min_n: int = LOW_N) -> pd.DataFrame:
    """Absence rates, persistent and severe absence, by year and group, against national.

    The attendance rows are first summed to one row per pupil enrolment per
    academic year; every pupil-year with possible sessions counts.

    Parameters
    ----------
    attendance : pandas.DataFrame
        Canonical attendance table.
    pupils : pandas.DataFrame, optional
        Canonical pupils table; needed when ``by`` names pupil characteristics
        (``disadvantaged``, ``sex``, ``sen``, ``year_group``, ``school_id``, ``gt_register``...).
    by : str or list of str, optional
        Grouping columns; results are always also split by ``academic_year``.
    confidence : float
        Coverage of the intervals.
    national : bool or pandas.DataFrame
        ``True``: compare each row with the shipped national figure for the same year, the
        same phase and the same group (:func:`gtanalytics.reference.national`); a DataFrame
        with ``academic_year, measure, value[, phase, group, status, source]`` to use your own;
        ``False`` for none.  Grouped by ``fsm``, pupils eligible for free school meals are
        compared with the national figure for FSM-eligible pupils (and the rest with the
        not-eligible figure); grouped by ``disadvantaged``, with DfE's disadvantaged figures.
        Rows with no such published figure (or grouped by anything else, such as sex) are
        compared with nothing: ``national`` is NaN and ``national_basis`` says why.
    phase : {"primary", "secondary", "all"}, optional
        The phase of the school(s).  Default: a ``phase`` column among ``by``, else the
        pupils' ``year_group`` (Reception to Year 6: primary; Year 7 and above: secondary;
        a mix, or no year groups: all schools).
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Groups with fewer pupil enrolments are flagged ``low_n`` (and a GTWarning is issued).

    Returns
    -------
    pandas.DataFrame
        One row per academic year x group x measure, with columns
        ``academic_year``, the ``by`` columns, ``measure`` (``overall_absence``,
        ``authorised_absence``, ``unauthorised_absence``, ``persistent_absence``,
        ``severe_absence``), ``n`` (pupil enrolments), ``count`` (sessions missed,
        or pupils meeting the definition), ``denominator`` (possible sessions, or
        pupils), ``estimate`` (percent), ``se`` (percent; NaN for Wilson rows),
        ``ci_low``, ``ci_high``, ``ci_method``, ``low_n``, ``national_phase`` (the phase
        compared with), ``national``, ``national_status``, ``national_source`` (the
        address of the figure), ``national_basis`` (what it covers, or why there is none),
        ``compared_with_national`` (``higher``, ``lower``, ``not significantly different``,
        or missing when there is no national figure; the national value is treated as fixed).

    Notes
    -----
    Session rates: ratio estimator with a pupil-level (cluster) SE, because a pupil's
    sessions are not independent.  Persistent and severe absence: Wilson intervals.

    Examples
    --------
    >>> att = pd.DataFrame({"upn": list("ABC"), "academic_year": "2023/24", "period": "Year",
    ...                     "possible_sessions": [380, 380, 190], "authorised_absence": [10, 40, 20],
    ...                     "unauthorised_absence": [0, 2, 0]})
    >>> res = absence_rates(att, min_n=1)
    >>> res.set_index("measure").loc["persistent_absence", "count"]
    np.float64(2.0)
    """
    keys = ["academic_year"] + [c for c in as_list(by) if c != "academic_year"]
    per = pupil_absence(attendance)
    zero = per["possible_sessions"] <= 0
    if zero.any():
        warnings.warn(f"{int(zero.sum())} pupil-year(s) have no possible sessions and are left out.",
                      GTWarning, stacklevel=2)
        per = per.loc[~zero]
    per = attach_groups(per, pupils, keys, "attendance")
    per = _phase_columns(per, pupils, phase)
    use, table = _national_arg(national)
    z_method = f"ratio estimator, pupil-cluster (linearisation) SE, normal {confidence:.0%} interval"
    w_method = f"Wilson score {confidence:.0%} interval"
    rows = []
    for labels, g in iter_groups(per, keys):
        n = len(g)
        ph = _phase_of(g, phase)
        for measure, num in (("overall_absence", g["missed"]),
                             ("authorised_absence", g["authorised_absence"]),
                             ("unauthorised_absence", g["unauthorised_absence"])):
            r, se, lo, hi = ratio_cluster_ci(num, g["possible_sessions"], confidence=confidence)
            rows.append({**labels, "measure": measure, "n": n, "count": float(num.sum()),
                         "denominator": float(g["possible_sessions"].sum()), "estimate": 100 * r,
                         "se": 100 * se, "ci_low": 100 * lo, "ci_high": 100 * hi, "ci_method": z_method,
                         "national_phase": ph,
                         **_national_for(measure, labels["academic_year"], ph, labels, table, use)})
        for measure, flag in (("persistent_absence", g["persistent"]), ("severe_absence", g["severe"])):
            k = float(flag.sum())
            lo, hi = wilson_ci(k, n, confidence=confidence)
            rows.append({**labels, "measure": measure, "n": n, "count": k, "denominator": float(n),
                         "estimate": 100 * k / n, "se": np.nan, "ci_low": 100 * float(lo),
                         "ci_high": 100 * float(hi), "ci_method": w_method, "national_phase": ph,
                         **_national_for(measure, labels["academic_year"], ph, labels, table, use)})
    out = pd.DataFrame(rows, columns=keys + ["measure", "n", "count", "denominator", "estimate", "se",
                                              "ci_low", "ci_high", "ci_method"] + _NAT_COLS)
    out["low_n"] = out["n"] < min_n
    out = _compare(out[[c for c in out.columns if c not in _NAT_COLS] + _NAT_COLS])
    warn_low_n(out, min_n, "absence")
    return out


# --------------------------------------------------------------------------- exclusions
def exclusion_rates(exclusions: pd.DataFrame, pupils: pd.DataFrame, *, by=None,
                    confidence: float = 0.95, national=True, phase: str | None = None,
                    min_n: int = LOW_N) -> pd.DataFrame:
    """Suspensions and permanent exclusions per 100 pupils, by year and group.

    Parameters
    ----------
    exclusions : pandas.DataFrame
        Canonical exclusions table (``upn, academic_year, category`` with
        ``category`` ``suspension`` or ``permanent``), one row per event.
    pupils : pandas.DataFrame
        Canonical pupils table: every pupil-year in it is in the denominator.
    by : str or list of str, optional
        Pupil columns to split by (always also by ``academic_year``).
    confidence : float
        Coverage of the intervals.
    national : bool or pandas.DataFrame
        ``True``: compare each row with the shipped national figure for the same year,
        phase and group (``fsm`` or ``disadvantaged`` groups with the matching national
        group; other groupings with nothing), as in :func:`absence_rates`; a DataFrame
        (``academic_year, measure, value[, phase, group, status, source]``) or ``False``.
    phase : {"primary", "secondary", "all"}, optional
        As in :func:`absence_rates` (default: inferred from ``phase`` or ``year_group``).
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Groups with fewer pupils are flagged ``low_n``.

    Returns
    -------
    pandas.DataFrame
        One row per academic year x group x measure: ``academic_year``, the ``by``
        columns, ``measure`` (``suspension_rate`` - suspensions per 100 pupils, with a
        pupil-level quasi-Poisson interval that allows for the same pupils being
        suspended repeatedly; ``permanent_exclusion_rate`` - per 100 pupils, exact
        Poisson interval (a pupil is permanently excluded at most once);
        ``pupils_suspended`` - percent of pupils with one or more suspensions, Wilson
        interval), ``n`` (pupils), ``count`` (events or pupils), ``estimate``, ``se``
        (its standard error: quasi-Poisson ``100 sqrt(phi count) / n``, Poisson
        ``100 sqrt(count) / n``, binomial), ``ci_low``, ``ci_high``, ``per_10000`` (estimate x 100), ``overdispersion``
        (phi of the suspension rate: 1 = no more spread than independent events),
        ``ci_method``, ``low_n``, ``national_phase``, ``national``, ``national_status``,
        ``national_source``, ``national_basis``, ``compared_with_national``.

    Notes
    -----
    Suspensions cluster in a few pupils, so counting each as an independent event (an
    exact Poisson interval) makes the interval too narrow: in simulations with repeat
    suspensions (1000 pupils, 8% suspended, 3 suspensions each on average) it covered the
    true rate 59% of the time; the quasi-Poisson interval 94% (tests/test_attendance.py).

    Examples
    --------
    >>> pupils = pd.DataFrame({"upn": list("ABCD"), "academic_year": "2023/24"})
    >>> exc = pd.DataFrame({"upn": ["A", "A"], "academic_year": "2023/24",
    ...                     "category": ["suspension", "suspension"]})
    >>> exclusion_rates(exc, pupils, min_n=1).set_index("measure").loc["suspension_rate", "estimate"]
    np.float64(50.0)
    """
    keys = ["academic_year"] + [c for c in as_list(by) if c != "academic_year"]
    require_columns(exclusions, _KEY + ["category"], "exclusions")
    require_columns(pupils, _KEY + keys[1:], "pupils")
    cat = exclusions["category"].astype("string").str.strip().str.lower()
    bad = ~cat.isin(["suspension", "permanent"]).fillna(False)
    if bad.any():
        raise GTDataError(
            f"{int(bad.sum())} exclusion row(s) have a category other than 'suspension' or 'permanent' "
            f"(first: {exclusions['category'][bad].iloc[0]!r}). Map fixed-period exclusions to "
            "'suspension' and permanent exclusions to 'permanent'."
        )
    ev = exclusions[_KEY].assign(susp=(cat == "suspension").astype(int),
                                 perm=(cat == "permanent").astype(int))
    per_pupil = ev.groupby(_KEY)[["susp", "perm"]].sum().reset_index()
    base = pupils[_KEY + keys[1:]].drop_duplicates(_KEY)
    unknown = per_pupil.merge(base[_KEY], on=_KEY, how="left", indicator=True)["_merge"] == "left_only"
    if unknown.any():
        warnings.warn(
            f"{int(unknown.sum())} pupil-year(s) in the exclusions table are not in the pupils table; "
            "their exclusions are left out because they have no place in the denominator.",
            GTWarning, stacklevel=2,
        )
    full = base.merge(per_pupil, on=_KEY, how="left").fillna({"susp": 0, "perm": 0})
    full = _phase_columns(full, pupils, phase)
    use, table = _national_arg(national)
    q_m = f"quasi-Poisson {confidence:.0%} interval over pupils (exact Poisson of the count / overdispersion)"
    alpha_m = f"exact Poisson (Garwood) {confidence:.0%} interval"
    rows = []
    for labels, g in iter_groups(full, keys):
        n = len(g)
        ph = _phase_of(g, phase)
        nat = {m: {"national_phase": ph, **_national_for(m, labels["academic_year"], ph, labels, table, use)}
               for m in ("suspension_rate", "permanent_exclusion_rate")}
        rate, phi, lo, hi = quasi_poisson_rate_ci(g["susp"].to_numpy(float), confidence=confidence)
        rows.append({**labels, "measure": "suspension_rate", "n": n, "count": float(g["susp"].sum()),
                     "estimate": 100 * rate, "se": 100 * np.sqrt(phi * g["susp"].sum()) / n,
                     "ci_low": 100 * lo, "ci_high": 100 * hi, "overdispersion": phi,
                     "ci_method": q_m, **nat["suspension_rate"]})
        k = float(g["perm"].sum())
        lo, hi = poisson_exact_ci(k, confidence=confidence)
        rows.append({**labels, "measure": "permanent_exclusion_rate", "n": n, "count": k, "estimate": 100 * k / n,
                     "se": 100 * np.sqrt(k) / n, "ci_low": 100 * float(lo) / n, "ci_high": 100 * float(hi) / n, "overdispersion": np.nan,
                     "ci_method": alpha_m, **nat["permanent_exclusion_rate"]})
        k = float((g["susp"] > 0).sum())
        lo, hi = wilson_ci(k, n, confidence=confidence)
        rows.append({**labels, "measure": "pupils_suspended", "n": n, "count": k, "estimate": 100 * k / n,
                     "se": 100 * binomial_se(k, n), "ci_low": 100 * float(lo), "ci_high": 100 * float(hi), "overdispersion": np.nan,
                     "ci_method": f"Wilson score {confidence:.0%} interval", "national_phase": ph,
                     **_national_for("pupils_suspended", labels["academic_year"], ph, labels, table, use)})
    out = pd.DataFrame(rows, columns=keys + ["measure", "n", "count", "estimate", "se", "ci_low", "ci_high",
                                              "overdispersion", "ci_method"] + _NAT_COLS)
    out.insert(out.columns.get_loc("overdispersion"), "per_10000", out["estimate"] * 100)
    out["low_n"] = out["n"] < min_n
    out = _compare(out[[c for c in out.columns if c not in _NAT_COLS] + _NAT_COLS])
    warn_low_n(out, min_n, "exclusion")
    return out


# --------------------------------------------------------------------------- before / after
def _period_key(year: pd.Series, period: pd.Series) -> pd.Series:
    start = pd.to_numeric(year.astype("string").str.slice(0, 4), errors="coerce")
    order = period.astype("string").str.strip().str.title().map(_TERM_ORDER)
    return start * 10 + order.fillna(0)


def attendance_before_after(attendance: pd.DataFrame, pupils: pd.DataFrame, *, participants,
                            start, match_on: Sequence[str] = (), confidence: float = 0.95,
                            min_n: int = LOW_N) -> pd.DataFrame:
    """Change in absence of participants against comparable non-participants (difference in differences).

    Each pupil's absence rate (sessions missed / possible, percent) is taken over all
    periods before ``start`` and over ``start`` and later; the estimate is the mean
    change (after - before) of participants minus that of non-participants, within
    strata of ``match_on`` when given (weighted to the participants' strata).

    Parameters
    ----------
    attendance, pupils : pandas.DataFrame
        Canonical attendance and pupils tables.  The population is the pupils on
        roll (in ``pupils``) in the academic year of ``start``.
    participants : pandas.DataFrame or iterable of str
        The intervention or mentoring table (any frame with a ``upn`` column) or a list of UPNs.
    start : str or tuple
        When the programme started: an academic year (``"2023/24"``: earlier years
        are "before") or ``(academic_year, term)`` such as ``("2023/24", "Spring")``
        (earlier terms are "before"; whole-year rows cannot then be split).
    match_on : sequence of str
        Pupil columns to match on, e.g. ``("year_group", "disadvantaged")``.
    confidence : float
        Coverage of the interval.
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Flag ``low_n`` when either group has fewer pupils.

    Returns
    -------
    pandas.DataFrame
        One row: ``n`` (pupils analysed), ``n_treatment`` (participants), ``n_comparison,
        n_strata, n_excluded`` (pupils without attendance both before and after, or in a
        stratum with nobody to compare with), ``before_participants, after_participants,
        change_participants, before_comparison, after_comparison,
        change_comparison`` (percent; comparison means weighted to the
        participants' strata), ``estimate`` (the difference in differences, percentage
        points; negative = absence fell more for participants), ``se, df, ci_low,
        ci_high, p_value, ci_method, low_n``.

    Notes
    -----
    Estimated by :func:`gtanalytics.trends.difference_in_differences` (saturated
    least-squares contrast, pooled residual variance, t with N - 2S df; without
    ``match_on`` the pooled two-sample t interval).  It describes association, not
    proof of cause: participants are chosen.

    Examples
    --------
    >>> att = pd.DataFrame({"upn": list("ABCDEF") * 2,
    ...                     "academic_year": ["2022/23"] * 6 + ["2023/24"] * 6, "period": "Year",
    ...                     "possible_sessions": 380,
    ...                     "authorised_absence": [40, 38, 42, 10, 12, 8, 20, 22, 18, 10, 14, 9],
    ...                     "unauthorised_absence": 0})
    >>> pup = pd.DataFrame({"upn": list("ABCDEF"), "academic_year": "2023/24"})
    >>> res = attendance_before_after(att, pup, participants=["A", "B", "C"], start="2023/24", min_n=1)
    >>> round(float(res["estimate"].iloc[0]), 2)
    -5.53
    """
    match_on = list(match_on)
    if isinstance(start, tuple):
        s_year, s_term = start
        if str(s_term).title() not in _TERM_ORDER:
            raise GTDataError(f"start term must be Autumn, Spring or Summer; got {s_term!r}.")
        cut = _period_key(pd.Series([s_year]), pd.Series([s_term])).iloc[0]
    else:
        s_year, s_term = start, None
        cut = _period_key(pd.Series([s_year]), pd.Series(["Year"])).iloc[0]
    if pd.isna(cut):
        raise GTDataError(f"start must be an academic year like '2023/24' (or a (year, term) pair); got {start!r}.")
    if isinstance(participants, pd.DataFrame):
        require_columns(participants, ["upn"], "participants")
        part = set(participants["upn"].dropna().astype(str))
    elif isinstance(participants, str):
        raise GTDataError("participants must be a table with a 'upn' column or a list of UPNs, not one string.")
    else:
        part = {str(u) for u in participants}
    require_columns(attendance, _KEY + ["period", "possible_sessions", "authorised_absence", "unauthorised_absence"],
          "attendance")
    require_columns(pupils, _KEY + match_on, "pupils")
    att = attendance[_KEY + ["period"]].copy()
    att["possible"] = _numeric(attendance, "possible_sessions", "attendance")
    att["missed"] = (_numeric(attendance, "authorised_absence", "attendance")
                     + _numeric(attendance, "unauthorised_absence", "attendance"))
    att["key"] = _period_key(att["academic_year"], att["period"])
    whole = att["period"].astype("string").str.lower().eq("year").fillna(False)
    if s_term is not None and (whole & att["academic_year"].eq(s_year)).any():
        raise GTDataError(f"Attendance for {s_year} is recorded for the whole year, so it cannot be split at "
                          f"the {s_term} term. Use start={s_year!r} or supply term rows.")
    att["after"] = att["key"] >= cut
    win = att.groupby(["upn", "after"])[["missed", "possible"]].sum()
    win = win[win["possible"] > 0]
    rate = (100 * win["missed"] / win["possible"]).unstack("after")
    rate = rate.reindex(columns=[False, True]).rename(columns={False: "before", True: "after"})
    roll = pupils.loc[pupils["academic_year"].astype("string") == str(s_year), ["upn"] + match_on]
    roll = roll.drop_duplicates("upn").assign(upn=lambda d: d["upn"].astype(str))
    if roll.empty:
        raise GTDataError(f"No pupils are on roll in {s_year} in the pupils table, so nobody can be compared.")
    d = roll.merge(rate.reset_index().assign(upn=lambda x: x["upn"].astype(str)), on="upn", how="left")
    d["treated"] = d["upn"].isin(part)
    if len(part - set(roll["upn"])):
        warnings.warn(f"{len(part - set(roll['upn']))} participant(s) are not on roll in {s_year} in the pupils "
                      "table and are left out.", GTWarning, stacklevel=2)
    res = difference_in_differences(d, before="before", after="after", treated="treated", strata=match_on,
                                    confidence=confidence, min_n=min_n, what="pupil absence rates")
    return res.rename(columns={f"{c}_treated": f"{c}_participants" for c in ("before", "after", "change")})
