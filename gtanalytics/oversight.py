"""Evidence for leadership (key area 1) and building capacity (key area 5) from the school's records.

* :func:`need_groups` finds the pupils who most need support: able pupils
  (on the register or high scorers a year earlier) whose summer-to-summer
  progress is well below that of pupils with the same starting score, and
  disadvantaged pupils on the register.
* :func:`support_coverage` says how many of them were mentored or in an
  intervention programme in the year, with a Wilson interval for the share.
* :func:`staff_deployment` says how learning support assistants, HLTAs and
  other staff were deployed: pupils per member of staff, sessions held against
  sessions planned (a ratio with a pupil-clustered interval), mentors with the
  planned caseload (three mentees each) and a weekly rhythm.

Pure pandas/numpy: no matplotlib. The results are counts and shares of
groups; :func:`gtanalytics.disclosure.for_audience` makes them safe for
governors before anything is shown.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from gtanalytics.comparison import school_calendar
from gtanalytics._stats import LOW_N, binomial_se, ratio_cluster_ci, require_columns, wilson_ci

__all__ = ["need_groups", "support_coverage", "staff_deployment"]

#: Names of the groups :func:`need_groups` returns.
UNDER_ACHIEVING = "Able pupils making much less progress than expected"
DISADVANTAGED_GT = "Disadvantaged pupils on the G&T register"


def need_groups(data, *, year: str, subjects=("reading", "maths"), threshold: float = -1.0) -> dict[str, set]:
    """The pupils who most need support in ``year``, as sets of UPNs.

    * ``UNDER_ACHIEVING``: pupils on the G&T register, or with a high score a
      year earlier, whose value added (this summer's test against last
      summer's, :func:`gtanalytics.progress.summer_progress`) in any of
      ``subjects`` is below ``threshold`` residual SDs
      (:func:`gtanalytics.targets.under_achievers`);
    * ``DISADVANTAGED_GT``: disadvantaged pupils on the register in ``year``.

    Parameters
    ----------
    data : SchoolData
        One school's data (:meth:`gtanalytics.data.SchoolData.for_school`).
    year : str
        Academic year, e.g. ``"2023/24"``.
    subjects : sequence of str
    threshold : float
        Cut-off in residual SDs (default -1, as ``under_achievers``).

    Returns
    -------
    dict
        ``{group name: set of UPNs}`` (internal: UPNs never go to governors).

    Examples
    --------
    >>> from gtanalytics import load_sample  # doctest: +SKIP
    >>> groups = need_groups(load_sample().for_school("8884101"), year="2023/24")  # doctest: +SKIP
    """
    from gtanalytics.progress import summer_progress, value_added
    from gtanalytics.targets import under_achievers

    under: set = set()
    for subject in subjects:
        pairs = summer_progress(data, subject=subject, year=year)
        if len(pairs) < 3:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            va = value_added(pairs, outcome="outcome", prior="prior")
        under |= set(under_achievers(va, high_prior="standardised", threshold=threshold)["upn"])
    p = data.pupils[data.pupils["academic_year"] == year]
    dis = p[p["disadvantaged"].fillna(False).astype(bool) & p["gt_register"].fillna(False).astype(bool)]
    return {UNDER_ACHIEVING: under, DISADVANTAGED_GT: set(dis["upn"].dropna())}


def _in_year(table: pd.DataFrame | None, date_col: str, year: str | None) -> pd.DataFrame:
    if table is None or not len(table):
        return pd.DataFrame(columns=["upn"])
    if year is None:
        return table
    require_columns(table, [date_col], hint=f"{date_col} tells which academic year a row belongs to.")
    return table[school_calendar(table[date_col])["academic_year"].to_numpy() == year]


def support_coverage(groups: Mapping[str, Iterable], *, mentoring: pd.DataFrame | None = None,
                     interventions: pd.DataFrame | None = None, academic_year: str | None = None,
                     confidence: float = 0.95, min_n: int = LOW_N) -> pd.DataFrame:
    """How many pupils of each group were mentored or in an intervention programme.

    A pupil counts as mentored (or in an intervention) when a mentoring (or
    interventions) row for them starts in ``academic_year`` (all rows when
    None).

    Parameters
    ----------
    groups : mapping
        ``{group name: iterable of UPNs}``, e.g. from :func:`need_groups`.
    mentoring, interventions : DataFrame, optional
        The mentoring and interventions tables (``upn, start_date``).
    academic_year : str, optional
    confidence : float
    min_n : int
        Groups smaller than this are flagged ``low_n``.

    Returns
    -------
    pandas.DataFrame
        One row per group and kind of support (``support``: ``"mentoring"``,
        ``"intervention"``, ``"mentoring or intervention"``): ``group,
        support, n`` (pupils in the group), ``n_supported``, ``estimate`` (the share
        supported, n_supported / n), ``se`` (binomial), ``ci_low, ci_high`` (Wilson
        score interval), ``low_n, ci_method``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"upn": ["a", "b"], "start_date": pd.to_datetime(["2023-09-18", "2023-09-18"])})
    >>> t = support_coverage({"G&T": ["a", "b", "c", "d"]}, mentoring=m, academic_year="2023/24")
    >>> row = t[t["support"] == "mentoring"].iloc[0]
    >>> int(row["n"]), int(row["n_supported"]), float(row["estimate"])
    (4, 2, 0.5)
    """
    mentored = set(_in_year(mentoring, "start_date", academic_year)["upn"].dropna())
    in_programme = set(_in_year(interventions, "start_date", academic_year)["upn"].dropna())
    rows = []
    for name, upns in groups.items():
        members = set(upns)
        for support, got in (("mentoring", mentored), ("intervention", in_programme),
                             ("mentoring or intervention", mentored | in_programme)):
            rows.append({"group": name, "support": support, "n": len(members), "n_supported": len(members & got)})
    out = pd.DataFrame(rows, columns=["group", "support", "n", "n_supported"])
    n, k = out["n"].to_numpy(float), out["n_supported"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["estimate"] = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
    out["se"] = [binomial_se(a, b) for a, b in zip(k, n)]
    out["ci_low"], out["ci_high"] = wilson_ci(k, n, confidence=confidence)
    out["low_n"] = out["n"] < min_n
    out["ci_method"] = f"Wilson score {confidence:.0%} interval"
    return out


def staff_deployment(*, mentoring: pd.DataFrame | None = None, interventions: pd.DataFrame | None = None,
                     academic_year: str | None = None, by_role: bool = True, target_mentees: int = 3,
                     weekly: float = 1.0, confidence: float = 0.95, min_n: int = LOW_N) -> pd.DataFrame:
    """How non-teaching staff were deployed, by role: caseloads and sessions held against planned.

    Rows start in ``academic_year`` (all rows when None). Staff are never
    named: everything is by role.

    Parameters
    ----------
    mentoring : DataFrame, optional
        ``mentor, mentor_role, upn, start_date, end_date, sessions_planned,
        sessions_held`` (and ``log_entries``).
    interventions : DataFrame, optional
        ``staff, staff_role, upn, start_date, sessions_planned, sessions_attended``.
    academic_year : str, optional
    by_role : bool
        One row per role (default), or one row per activity for all roles
        together (``role`` then lists the roles, e.g. ``"HLTA, LSA"``): a
        governor report shows the totals when a role has few pupils.
    target_mentees : int
        The planned caseload of a mentor (three mentees each).
    weekly : float
        Mentoring sessions a week that count as a weekly rhythm.
    confidence, min_n

    Returns
    -------
    pandas.DataFrame
        One row per ``activity`` (``"mentoring"``, ``"interventions"``) and
        ``role``: ``n_staff, n`` (distinct pupils), ``pupils_per_staff``,
        ``sessions_planned, sessions_held`` (totals; attended sessions for
        interventions), ``estimate`` (the share of sessions held, held / planned),
        ``se, ci_low, ci_high`` (ratio estimator with a standard error clustered by pupil,
        :func:`gtanalytics._stats.ratio_cluster_ci`), ``staff_as_planned``
        (mentoring: share of mentors with exactly ``target_mentees`` mentees
        and at least ``weekly`` sessions a week; NaN for interventions),
        ``low_n`` (fewer than ``min_n`` pupils), ``ci_method``.

    Examples
    --------
    >>> import pandas as pd
    >>> iv = pd.DataFrame({"staff": ["A", "A", "B"], "staff_role": "LSA", "upn": ["x", "y", "z"],
    ...                    "start_date": pd.to_datetime("2024-01-08"), "sessions_planned": 18,
    ...                    "sessions_attended": [18, 9, 18]})
    >>> staff_deployment(interventions=iv)[["role", "n_staff", "n", "estimate"]].values.tolist()
    [['LSA', 2, 3, 0.8333333333333334]]
    """
    rows = []
    parts = [("mentoring", _in_year(mentoring, "start_date", academic_year), "mentor", "mentor_role", "sessions_held"),
             ("interventions", _in_year(interventions, "start_date", academic_year), "staff", "staff_role",
              "sessions_attended")]
    for activity, t, who, role_col, held_col in parts:
        if not len(t):
            continue
        require_columns(t, [who, "upn", "sessions_planned", held_col], activity, caller="staff_deployment",
                        hint="They are needed to describe staff deployment.")
        roles = (t[role_col].astype("string").fillna("role not recorded") if role_col in t.columns
                 else pd.Series("role not recorded", index=t.index))
        t = t.assign(_role=roles if by_role else ", ".join(sorted(roles.unique())),
                     _planned=pd.to_numeric(t["sessions_planned"], errors="coerce"),
                     _held=pd.to_numeric(t[held_col], errors="coerce"))
        for role, g in t.groupby("_role", sort=True):
            per_pupil = g.dropna(subset=["_planned", "_held"]).groupby("upn")[["_held", "_planned"]].sum()
            ratio, se, lo, hi = ratio_cluster_ci(per_pupil["_held"], per_pupil["_planned"], confidence=confidence)
            n_staff, n_pupils = g[who].nunique(), g["upn"].nunique()
            as_planned = np.nan
            if activity == "mentoring":
                from gtanalytics.mentoring import mentor_caseloads

                loads = mentor_caseloads(g, target_mentees=target_mentees, weekly=weekly)
                as_planned = float((loads["caseload_as_planned"] & loads["weekly_cadence"]).mean())
            rows.append({"activity": activity, "role": str(role), "n_staff": n_staff, "n": n_pupils,
                         "pupils_per_staff": n_pupils / n_staff, "sessions_planned": float(g["_planned"].sum()),
                         "sessions_held": float(g["_held"].sum()), "estimate": ratio, "se": se, "ci_low": lo,
                         "ci_high": hi, "staff_as_planned": as_planned})
    cols = ["activity", "role", "n_staff", "n", "pupils_per_staff", "sessions_planned", "sessions_held",
            "estimate", "se", "ci_low", "ci_high", "staff_as_planned"]
    out = pd.DataFrame(rows, columns=cols)
    out["low_n"] = out["n"] < min_n
    out["ci_method"] = (f"held / planned sessions; {confidence:.0%} interval: ratio estimator, standard error "
                     "clustered by pupil")
    return out
