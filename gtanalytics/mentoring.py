"""Mentoring of able under-achievers: caseloads, cadence, learning logs and impact.

The source practice: learning support assistants and peers each mentor about
three gifted and talented under-achievers, meeting weekly and keeping a
learning log. :func:`mentor_caseloads` checks that practice from the mentoring
table; :func:`mentoring_impact` compares mentees' attainment, attendance and
suspensions after mentoring with pupils who met the same selection rule but
were not mentored, adjusting for the score that selected them and for
attainment measured before it (an ANCOVA, :mod:`gtanalytics.balance`), and
reports how comparable the two groups were.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from gtanalytics.balance import ancova, balance
from gtanalytics.comparison import as_flag, score_table, term_index, school_calendar, school_weeks
from gtanalytics.data.schemas import TERMS
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics._stats import LOW_N, require_columns, welch_diff

__all__ = ["mentor_caseloads", "mentoring_impact"]


def _prepare(mentoring: pd.DataFrame, holiday_dates: pd.DataFrame | None = None) -> pd.DataFrame:
    need = ["mentor", "upn", "start_date", "end_date"]
    require_columns(mentoring, need, "mentoring", hint=f"It needs at least {', '.join(need)}.")
    df = mentoring.copy().reset_index(drop=True)
    for c in ("start_date", "end_date"):
        df[c] = pd.to_datetime(df[c], errors="coerce")
    if (df["start_date"].isna() | df["end_date"].isna()).any():
        raise GTDataError("Some mentoring rows have a missing or unreadable start_date/end_date; fix or remove them.")
    for c in ("sessions_planned", "sessions_held", "log_entries"):
        df[c] = pd.to_numeric(df[c], errors="coerce") if c in df.columns else np.nan
    if "mentor_role" not in df.columns:
        df["mentor_role"] = pd.NA
    df["weeks"] = school_weeks(df["start_date"], df["end_date"], holiday_dates=holiday_dates)
    df["start_term"] = school_calendar(df["start_date"])["term_index"]
    df["end_term"] = school_calendar(df["end_date"])["term_index"]
    df["academic_year"] = school_calendar(df["start_date"])["academic_year"]
    return df


def mentor_caseloads(mentoring: pd.DataFrame, *, target_mentees: int = 3, weekly: float = 1.0,
                     holiday_dates: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per mentor: caseload, sessions held against planned, weekly cadence, learning-log activity.

    Parameters
    ----------
    mentoring : pandas.DataFrame
        The mentoring table.
    target_mentees : int, default 3
        The intended caseload ("three mentees each").
    weekly : float, default 1.0
        Target sessions per school week.
    holiday_dates : pandas.DataFrame, optional
        The school's holidays (``start, end``); default the usual English
        ones (:func:`gtanalytics.comparison.holidays`). Weeks are SCHOOL
        weeks: mentoring does not happen in the holidays, so counting
        calendar weeks would call weekly mentoring less than weekly.

    Returns
    -------
    pandas.DataFrame
        ``mentor, mentor_role, n_mentees, caseload_as_planned`` (n_mentees ==
        target), ``sessions_planned, sessions_held`` (totals), ``held_rate``
        (held / planned), ``weeks`` (mean length of a mentoring relationship in school weeks,
        :func:`gtanalytics.comparison.school_weeks`),
        ``sessions_per_week`` (mean over mentees of held / school weeks),
        ``weekly_cadence`` (sessions_per_week >= ``weekly``), ``log_entries``
        (total), ``log_entries_per_session`` (entries / sessions held),
        ``mentees_with_log`` (share of mentees with at least one entry).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"mentor": ["A", "A", "A", "B"], "upn": list("wxyz"), "start_date": "2023-09-18",
    ...                   "end_date": "2024-07-12", "sessions_planned": 38, "sessions_held": [36, 30, 38, 12],
    ...                   "log_entries": [30, 20, 35, 0]})
    >>> mentor_caseloads(m)[["mentor", "n_mentees", "caseload_as_planned"]].values.tolist()
    [['A', 3, True], ['B', 1, False]]
    """
    df = _prepare(mentoring, holiday_dates)
    rows = []
    for mentor, g in df.groupby("mentor", sort=True):
        planned, held = g["sessions_planned"].sum(min_count=1), g["sessions_held"].sum(min_count=1)
        spw = (g["sessions_held"] / g["weeks"].where(g["weeks"] > 0)).mean()
        roles = g["mentor_role"].dropna().unique()
        rows.append(dict(
            mentor=mentor, mentor_role=roles[0] if len(roles) == 1 else ("mixed" if len(roles) else None),
            n_mentees=g["upn"].nunique(), caseload_as_planned=g["upn"].nunique() == target_mentees,
            sessions_planned=planned, sessions_held=held,
            held_rate=held / planned if planned and planned > 0 else np.nan, weeks=g["weeks"].mean(),
            sessions_per_week=spw, weekly_cadence=bool(spw >= weekly) if pd.notna(spw) else False,
            log_entries=g["log_entries"].sum(min_count=1),
            log_entries_per_session=g["log_entries"].sum() / held if held and held > 0 else np.nan,
            mentees_with_log=(g["log_entries"] > 0).mean() if g["log_entries"].notna().any() else np.nan))
    return pd.DataFrame(rows)


def _estimate(name: str, v: pd.DataFrame, priors: list[str], confidence: float, min_n: int, how: str) -> dict:
    """v: upn, mentee, before, after, cohort, cell [, earlier] -> one result row (ANCOVA, raw DiD, balance)."""
    v = v.dropna(subset=["before", "after"] + priors)
    m, c = v[v["mentee"]], v[~v["mentee"]]
    several = [k for k in ("cohort", "cell", "band") if v[k].nunique() > 1]
    X = v[priors].to_numpy(dtype=float)
    if several:
        X = np.column_stack([X, pd.get_dummies(v[several].astype(str), drop_first=True, dtype=float).to_numpy()])
    fit = ancova(v["after"], v["mentee"], X, confidence=confidence)
    bal = balance(v, treated="mentee", measures=priors).set_index("measure")
    row = dict(outcome=name, n=fit["n"], n_mentees=len(m), n_comparison=len(c), low_n=len(m) < min_n,
               estimate=fit["estimate"], se=fit["se"], ci_low=fit["ci_low"], ci_high=fit["ci_high"], ci_method=how,
               mentee_before=m["before"].mean(), mentee_after=m["after"].mean(),
               comparison_before=c["before"].mean(), comparison_after=c["after"].mean(),
               mentee_earlier=m["earlier"].mean() if "earlier" in priors else np.nan,
               comparison_earlier=c["earlier"].mean() if "earlier" in priors else np.nan)
    w = welch_diff(m["after"] - m["before"], c["after"] - c["before"], confidence=confidence)
    row.update(did=w["diff"] if len(m) >= 2 and len(c) >= 2 else np.nan, did_se=w["se"], did_ci_low=w["ci_low"],
               did_ci_high=w["ci_high"], did_method=_DID_METHOD,
               smd_before=bal.loc["before", "smd"] if len(v) else np.nan,
               smd_earlier=bal.loc["earlier", "smd"] if "earlier" in priors and len(v) else np.nan,
               support=bal.loc["before", "support"] if len(v) else np.nan,
               comparable=bool(bal["comparable"].iloc[0]) if len(v) else False)
    return row


_DID_METHOD = ("raw difference in mean changes (after - before), Welch interval; descriptive only: when pupils "
               "were chosen for a low score it counts their regression to the mean as impact")
_COMPARISONS = ("comparable", "year_group")


def mentoring_impact(mentoring: pd.DataFrame, *, pupils: pd.DataFrame, assessments: pd.DataFrame | None = None,
                     attendance: pd.DataFrame | None = None, exclusions: pd.DataFrame | None = None,
                     score_type: str = "standardised", comparison: str = "comparable",
                     comparison_filter: str | None = None, gt: str | None = "gt_register", prior_terms: int = 3,
                     confidence: float = 0.95, min_n: int = LOW_N) -> pd.DataFrame:
    """Effect of mentoring: mentees against pupils who met the same selection rule but were not mentored.

    Mentees are chosen as schools choose them: able pupils whose latest score
    is low. Part of a low score is bad luck, so the mentees' next scores rise
    whatever is done (regression to the mean): a before/after change, a
    difference in differences or a pupil's own extrapolated trend all count
    that rise as impact. This design (see :mod:`gtanalytics.balance`) removes it:

    * **cohorts**: mentees who started and ended in the same terms. *Before* is
      the termly test in the term before mentoring started (the selection
      test; the first mentoring term when that term has no data for anyone),
      *after* the term after it ended (else the last mentoring term),
      *earlier* the mean of the pupil's tests in up to ``prior_terms`` terms
      before the *before* term: attainment measured apart from the test that
      selected them.
    * **comparison pupils**: pupils of the same school and year group who were
      not mentored at any time from the before term to the after term (and,
      with ``comparison_filter``, have that pupils-table flag True). With
      ``comparison="comparable"`` (default) they must also meet the selection
      rule: the same prior band (on the G&T register, column ``gt``, or in
      the top third of their year group on earlier attainment) and, for
      attainment, a score on the selection test within the mentees' range.
      ``comparison="year_group"`` keeps every such pupil of the year group.
    * **estimate**: :func:`gtanalytics.balance.ancova`, the regression of the
      after score on being mentored, the before score, the earlier score and
      cohort and year-group dummies; classical OLS standard error and t
      interval. Attendance % (per term) and suspension days (from the start of
      mentoring to its end, against the same number of days before it) use
      the before value as their one prior; for them *after* is the mentoring
      period itself (mean of the termly attendance % over the mentoring terms).

    It assumes that mentees were chosen on what these scores record (not on,
    say, a teacher's sense of who will respond), that the after score depends
    on the prior scores in the same straight-line way for both groups, and
    that the comparison pupils cover the mentees' scores. The balance columns
    say how well the last holds; :func:`gtanalytics.balance.describe_comparability`
    words them. The raw difference in differences (``did``) is kept for
    reference only.

    Parameters
    ----------
    mentoring, pupils : pandas.DataFrame
    assessments, attendance, exclusions : pandas.DataFrame, optional
        Each outcome table given adds rows.
    score_type : str, default "standardised"
    comparison : {"comparable", "year_group"}
        Comparison pupils, as above.
    comparison_filter : str, optional
        A boolean pupils column the comparison pupils must also have True.
    gt : str or None, default "gt_register"
        The G&T register column of ``pupils`` used by ``"comparable"`` (None or
        absent: earlier attainment only).
    prior_terms : int, default 3
        How many terms before the selection test the earlier attainment (and
        the prior band) average.
    confidence : float, default 0.95
    min_n : int, default stats.LOW_N (10)

    Returns
    -------
    pandas.DataFrame
        One row per outcome (``attainment: <subject>``, ``attendance %``,
        ``suspension days``): ``outcome, n`` (pupils in the fit), ``n_mentees,
        n_comparison, low_n`` (fewer than ``min_n`` mentees), ``estimate, se,
        ci_low, ci_high, ci_method`` (the adjusted difference in the outcome's
        units: test points, percentage points, days); raw means
        ``mentee_before, mentee_after, comparison_before, comparison_after,
        mentee_earlier, comparison_earlier``; ``did, did_se, did_ci_low,
        did_ci_high, did_method`` (raw difference in differences); balance
        ``smd_before, smd_earlier`` (standardised mean differences,
        :func:`gtanalytics.balance.smd`), ``support`` (share of mentees whose
        before score lies within the comparison pupils' range) and
        ``comparable`` (every ``|smd|`` at most 0.25 and ``support`` at least
        0.9; :func:`gtanalytics.balance.balance`).

    Examples
    --------
    >>> import warnings
    >>> from gtanalytics import load_sample
    >>> d = load_sample()
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     r = mentoring_impact(d.mentoring, pupils=d.pupils, assessments=d.assessments)
    >>> r["outcome"].tolist()
    ['attainment: maths', 'attainment: reading']
    """
    if comparison not in _COMPARISONS:
        raise GTDataError(f"comparison must be one of {_COMPARISONS}; got {comparison!r}.")
    if isinstance(prior_terms, bool) or not isinstance(prior_terms, (int, np.integer)) or prior_terms < 1:
        raise GTDataError(f"prior_terms must be a whole number of terms, at least 1; got {prior_terms!r}.")
    df = _prepare(mentoring)
    p = pupils.copy()
    if comparison_filter is not None:
        require_columns(p, [comparison_filter], "pupils", caller="mentoring_impact",
                        hint="comparison_filter= names a column of the pupils table.")
    sc = None if assessments is None else score_table(assessments, score_type).rename(columns={"score": "value"})
    comparable = comparison == "comparable"
    has_gt = gt is not None and gt in p.columns
    cohorts = []
    for (s_t, e_t, year), g in df.groupby(["start_term", "end_term", "academic_year"]):
        b, a = s_t - 1, e_t + 1
        info = p[p["academic_year"] == year].drop_duplicates("upn")
        cells = info[info["upn"].isin(g["upn"])][["school_id", "year_group"]].drop_duplicates()
        cell = info.merge(cells, on=["school_id", "year_group"])
        busy = df.loc[(df["start_term"] <= a) & (df["end_term"] >= b), "upn"]
        pool = cell[~cell["upn"].isin(busy)]
        if comparison_filter is not None:
            pool = pool[as_flag(pool[comparison_filter]).to_numpy()]
        # prior band: on the register, else in the top third of earlier attainment, else neither
        on_gt = as_flag(cell[gt]).to_numpy(dtype=bool) if has_gt else np.zeros(len(cell), dtype=bool)
        top = np.zeros(len(cell), dtype=bool)
        if sc is not None:
            prior = sc[(sc["term_index"] < b) & (sc["term_index"] >= b - prior_terms)]
            level = cell["upn"].map(prior.groupby("upn")["value"].mean())
            pct = level.groupby([cell["school_id"], cell["year_group"]]).rank(pct=True).astype(float)
            top = (pct > 2 / 3).to_numpy(dtype=bool)
        band = dict(zip(cell["upn"], np.where(on_gt, "register", np.where(top, "top third", "other"))))
        mentees = pd.Series(g["upn"].unique())
        if comparable:  # the mentees' prior bands only
            pool = pool[pool["upn"].map(band).isin(set(mentees.map(band).dropna()) - {"other"})]
        where = dict(zip(cell["upn"], cell["school_id"].astype(str) + " Y" + cell["year_group"].astype(str)))
        ids = pd.concat([mentees, pool.loc[~pool["upn"].isin(mentees), "upn"]], ignore_index=True)
        cohorts.append(dict(frame=pd.DataFrame({"upn": ids, "mentee": ids.isin(mentees),
                                                "cohort": f"{year} {int(s_t)}-{int(e_t)}",
                                                "cell": ids.map(where).fillna("other"),
                                                "band": ids.map(band).fillna("other")}),
                            before=(b, s_t), after=(a, e_t), start=g["start_date"].min(), end=g["end_date"].max()))
    who = ("pupils of the same school and year group not mentored at the time"
           + (f", with {comparison_filter}" if comparison_filter else ""))
    if comparable:
        who += (", in the mentees' prior band (G&T register, else top third of earlier attainment)" if has_gt else
                ", in the top third of earlier attainment" if sc is not None else
                " (no register column or termly scores to judge prior attainment: not restricted)")

    def stack(panel, trim=False, during=False):
        wide = panel.groupby(["upn", "term_index"])["value"].mean().unstack()
        parts = []
        for c in cohorts:
            f = c["frame"]
            f = f[f["upn"].isin(wide.index)].copy()
            w = wide.reindex(f["upn"])
            got = [t for t in w.columns if w[t].notna().any()]
            bt = next((t for t in c["before"] if t in got), None)
            at = next((t for t in c["after"] if t in got), None)
            f["before"] = w[bt].to_numpy() if bt is not None else np.nan
            f["after"] = w[at].to_numpy() if at is not None else np.nan
            if during:
                spell = [t for t in got if c["after"][1] >= t >= c["before"][1]]
                f["after"] = w[spell].mean(axis=1).to_numpy() if spell else np.nan
            early = [t for t in got if bt is not None and bt - prior_terms <= t < bt]
            f["earlier"] = w[early].mean(axis=1).to_numpy() if early else np.nan
            if trim:  # the selection rule: a selection-test score within the mentees' range
                lo, hi = f.loc[f["mentee"], "before"].min(), f.loc[f["mentee"], "before"].max()
                f = f[f["mentee"] | f["before"].between(lo, hi)]
            parts.append(f)
        return pd.concat(parts, ignore_index=True)

    rows = []
    if sc is not None:
        how = (f"ANCOVA (OLS): score after mentoring on mentored + the score before (the selection test) + the mean "
               f"score over up to {prior_terms} earlier terms + prior band, cohort and year group; t interval; "
               f"mentees vs {who}"
               + (", scoring within the mentees' range on the selection test" if comparable else ""))
        for subject, panel in sc.groupby("subject", sort=True):
            rows.append(_estimate(f"attainment: {subject}", stack(panel, trim=comparable), ["before", "earlier"],
                                  confidence, min_n, how))
    plain = (f"ANCOVA (OLS): value after on mentored + the value before + prior band, cohort and year group; "
             f"t interval; mentees vs {who}")
    if attendance is not None:
        a = attendance[attendance["period"].isin(TERMS)].copy()
        a["term_index"] = term_index(a["academic_year"], a["period"])
        poss = pd.to_numeric(a["possible_sessions"], errors="coerce")
        missed = pd.to_numeric(a["authorised_absence"], errors="coerce") + pd.to_numeric(
            a["unauthorised_absence"], errors="coerce")
        a["value"] = np.where(poss > 0, 100 * (poss - missed) / poss, np.nan)
        rows.append(_estimate("attendance %", stack(a[["upn", "term_index", "value"]], during=True), ["before"],
                              confidence, min_n, plain))
    if exclusions is not None and cohorts:
        ex = exclusions.copy()
        ex["start_date"] = pd.to_datetime(ex["start_date"], errors="coerce")
        ex["days"] = pd.to_numeric(ex.get("days"), errors="coerce").fillna(0)
        if "category" in ex.columns:
            ex = ex[ex["category"] == "suspension"]
        parts = []
        for c in cohorts:
            f, start, end = c["frame"], c["start"], c["end"]
            before = ex[(ex["start_date"] >= start - (end - start)) & (ex["start_date"] < start)].groupby(
                "upn")["days"].sum()
            after = ex[(ex["start_date"] >= start) & (ex["start_date"] <= end)].groupby("upn")["days"].sum()
            parts.append(f.assign(before=f["upn"].map(before).fillna(0.0), after=f["upn"].map(after).fillna(0.0)))
        rows.append(_estimate("suspension days", pd.concat(parts, ignore_index=True), ["before"], confidence, min_n,
                              plain))
    out = pd.DataFrame(rows)
    for r in rows:
        if r["low_n"]:
            warnings.warn(f"{r['outcome']}: only {r['n_mentees']} mentees with data; the estimate is imprecise.",
                          GTWarning, stacklevel=2)
    return out
