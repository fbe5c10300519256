"""The gifted and talented register audit: is it representative, who might be missing, how it changes.

* :func:`register_representation`: for each group (disadvantaged, looked after, SEN, EAL,
  ethnic group, sex, term of birth...) its share of the register against its share of the
  cohort, a representation ratio with an interval, an exact test and a plain verdict.
* :func:`dual_exceptionality`: pupils on the register who also have SEN (K, E or Welsh A).
* :func:`missing_from_register`: high attainers who are not on the register.
* :func:`register_changes`: who joined and left the register between two years.

Methods.  The representation ratio is ``share of the register / share of the cohort``, which
equals ``P(on register | in group) / P(on register)``.  With ``w`` the group's share of the
cohort and ``RR`` the risk ratio of being on the register (in the group vs not),
``ratio = RR / (w·RR + 1 − w)``, a monotone function of RR; its interval is an interval for RR
carried through that function: Koopman's (1984) score interval by default (it behaves well with
zero cells and agrees with the exact test), or the Katz log interval (Katz et al. 1978; the
``log`` method of statsmodels ``Table2x2``, zero cells replaced by 0.5).  The exact test is
Fisher's (two-sided), or optionally the exact binomial test of the register's count against
the cohort share.  Proportions elsewhere have Wilson intervals.

Lists of pupils are for senior leaders only: they carry ``attrs["audience"] = "internal"``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.data.schemas import ETHNICITY_MAJOR
from gtanalytics._stats import (LOW_N, as_list, iter_groups, katz_ratio_ci, koopman_ratio_ci, ratio_test_p,
                                require_columns, wilson_ci)

__all__ = [
    "CHARACTERISTICS", "birth_term", "register_representation", "DualExceptionality",
    "dual_exceptionality", "MissingFromRegister", "missing_from_register", "RegisterChanges",
    "register_changes",
]

#: Default characteristics audited (derived ones: ethnicity_major, birth_term).
CHARACTERISTICS = ("disadvantaged", "fsm", "ever6_fsm", "lac", "plac", "sen", "eal", "ethnicity_major",
                   "ethnicity", "sex", "birth_term")
_PERSONAL = ["upn", "forename", "surname", "date_of_birth"]
_LIST_COLS = ["school_id", "academic_year", "year_group", "class_name", "sex", "disadvantaged", "lac", "sen",
              "eal", "ethnicity", "gt_area"]


# --------------------------------------------------------------------------- helpers
def birth_term(dates) -> pd.Series:
    """Term of birth from dates of birth: September–December autumn, January–April spring,
    May–August summer (summer-born pupils are the youngest in their year group).

    Examples
    --------
    >>> birth_term(pd.Series(["2013-09-01", "2014-04-30", "2014-08-31"])).tolist()
    ['autumn', 'spring', 'summer']
    """
    d = pd.to_datetime(pd.Series(dates), errors="coerce")
    m = d.dt.month
    out = pd.Series(np.where(m >= 9, "autumn", np.where(m >= 5, "summer", "spring")), index=d.index, dtype=object)
    return out.where(d.notna(), None)


def _flag(s: pd.Series, name: str) -> pd.Series:
    if s.dtype == bool:
        return s
    m = s.map(lambda v: {True: True, False: False, "Y": True, "N": False}.get(v, None)
              if not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA else None)
    if m.isna().any():
        raise GTDataError(f"Column {name!r} must be a yes/no flag for every pupil; {int(m.isna().sum())} rows are "
                          f"blank or not yes/no (e.g. {list(s[m.isna()].unique()[:3])}). Fill them in first.")
    return m.astype(bool)


def _with_derived(pupils: pd.DataFrame) -> pd.DataFrame:
    p = pupils.copy()
    if "ethnicity_major" not in p.columns and "ethnicity" in p.columns:
        p["ethnicity_major"] = p["ethnicity"].map(ETHNICITY_MAJOR)
    if "birth_term" not in p.columns and "date_of_birth" in p.columns:
        p["birth_term"] = birth_term(p["date_of_birth"]).to_numpy()
    return p


def _auto_by(p: pd.DataFrame, by) -> list[str]:
    by = as_list(by)
    for c in ("academic_year", "school_id"):
        if c in p.columns and c not in by and p[c].nunique(dropna=True) > 1:
            by.insert(0, c)  # never pool pupils across years or schools silently
    require_columns(p, by, "pupils", hint="Pass by= with columns of the pupils table to split by.")
    return by


def _values(s: pd.Series) -> list:
    vals = s.dropna().unique()
    if set(vals) <= {True, False}:
        return [True]
    return sorted(vals, key=str)


def _label(v) -> str:
    return "yes" if v is True or (isinstance(v, np.bool_) and v) else str(v)


# --------------------------------------------------------------------------- representation
def _representation_table(p: pd.DataFrame, chars: list, by: list, *, confidence, test, ci_method) -> pd.DataFrame:
    """The rows of :func:`register_representation` before the verdict.

    Equal, row for row, to a loop over the sorted ``by`` groups, then ``chars``, then each
    characteristic's values in that group (sorted as text; ``True`` alone for yes/no columns),
    but the 2×2 counts of every row come from one ``bincount`` per characteristic, and the
    interval and exact test are computed once per distinct 2×2 table.
    """
    if by:
        grouped = p.groupby(by, dropna=False, sort=True)
        gid = grouped.ngroup().to_numpy(np.int64)
        index = grouped.size().index
        levels = [np.asarray(index.get_level_values(j), dtype=object) for j in range(len(by))]
    else:
        gid, levels = np.zeros(len(p), np.int64), []
    ngroups = int(gid.max()) + 1 if len(gid) else 0
    reg = p["_reg"].to_numpy(bool)
    size = np.bincount(gid, minlength=ngroups)
    parts = []
    for ci, ch in enumerate(chars):
        codes, uniques = pd.factorize(p[ch], use_na_sentinel=True)
        vals = list(uniques)
        k = len(vals)
        known = codes >= 0
        cnt = np.bincount(gid[known] * (2 * k) + codes[known] * 2 + reg[known],
                          minlength=ngroups * 2 * k).reshape(ngroups, k, 2)
        yes, no = cnt[:, :, 1], cnt[:, :, 0]
        n_known, n_reg = (yes + no).sum(axis=1), yes.sum(axis=1)
        present = (yes + no) > 0
        flaglike = np.array([v in {True, False} for v in vals], dtype=bool)
        is_true = np.array([bool(f and v == True) for f, v in zip(flaglike, vals)], dtype=bool)  # noqa: E712
        flag_group = ~(present & ~flaglike).any(axis=1)   # as _values: every value seen is yes/no
        order = sorted(range(k), key=lambda i: str(vals[i]))
        rank = np.empty(k, np.int64)
        rank[order] = np.arange(k)
        labels = np.array([_label(v) for v in vals] + ["yes"], dtype=object)
        fg = np.flatnonzero(flag_group)
        gv, cv = np.nonzero(present & ~flag_group[:, None])
        g = np.concatenate([fg, gv])
        parts.append(dict(
            g=g, ci=np.full(len(g), ci), rank=np.concatenate([np.full(len(fg), -1), rank[cv]]),
            a=np.concatenate([yes[fg][:, is_true].sum(axis=1), yes[gv, cv]]),
            b=np.concatenate([no[fg][:, is_true].sum(axis=1), no[gv, cv]]),
            nk=n_known[g], nr=n_reg[g], nnr=size[g] - n_known[g],
            label=labels[np.concatenate([np.full(len(fg), k), cv])]))
    if not parts:
        return pd.DataFrame()
    col = {name: np.concatenate([q[name] for q in parts]) for name in parts[0]}
    o = np.lexsort((col["rank"], col["ci"], col["g"]))
    col = {name: v[o] for name, v in col.items()}
    a, b, n, nr = col["a"], col["b"], col["nk"], col["nr"]
    ng, c = a + b, nr - a
    d = (n - nr) - b
    with np.errstate(divide="ignore", invalid="ignore"):
        share_cohort = np.where(n > 0, ng / n, np.nan)
        share_register = np.where(nr > 0, a / nr, np.nan)
    nan = np.full(len(a), np.nan)
    ratio, se, ci_low, ci_high, rr, rr_lo, rr_hi, p_value, p_exact = (nan.copy() for _ in range(9))
    calc = (nr > 0) & (c + d > 0) & (ng > 0)
    if calc.any():
        tabs, inv = np.unique(np.column_stack([a, b, c, d])[calc], axis=0, return_inverse=True)
        res = np.empty((len(tabs), 4))
        for i, (ta, tb, tc, td) in enumerate(tabs.tolist()):   # each distinct 2x2 table once
            lo, hi = (koopman_ratio_ci(ta, ta + tb, tc, tc + td, confidence=confidence) if ci_method == "koopman"
                      else katz_ratio_ci(ta, tb, tc, td, confidence=confidence))
            pv = (stats.fisher_exact([[ta, tb], [tc, td]]).pvalue if test == "fisher"
                  else stats.binomtest(ta, ta + tc, (ta + tb) / (ta + tb + tc + td)).pvalue)
            res[i] = lo, hi, ratio_test_p(ta, tb, tc, td, method=ci_method), pv
        res = res[inv.ravel()]
        w = share_cohort[calc]
        lo, hi = res[:, 0], res[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            f = (lambda r: np.where(np.isfinite(r), r / (w * r + 1 - w), 1 / w))
            ratio[calc], ci_low[calc], ci_high[calc] = share_register[calc] / w, f(lo), f(hi)
            ac, cc, ngc, cdc = a[calc], c[calc], ng[calc], (c + d)[calc]
            rr[calc] = np.where(cc > 0, (ac / ngc) / (cc / cdc), np.inf)
            # delta method: se(log RR) (Katz) times d ratio / d log RR = RR (1 - w) / (w RR + 1 - w)^2
            se_log = np.where((ac > 0) & (cc > 0), np.sqrt(1 / ac - 1 / ngc + 1 / cc - 1 / cdc), np.nan)
            r = rr[calc]
            se[calc] = r * (1 - w) / (w * r + 1 - w) ** 2 * se_log
        rr_lo[calc], rr_hi[calc], p_value[calc], p_exact[calc] = lo, hi, res[:, 2], res[:, 3]
    out = {name: levels[j][col["g"]].tolist() for j, name in enumerate(by)}
    out.update(characteristic=np.asarray(chars, dtype=object)[col["ci"]].tolist(), value=col["label"].tolist(),
               n_cohort=n, n=ng, n_register=nr, n_group_register=a, share_cohort=share_cohort,
               share_register=share_register, estimate=ratio, se=se, ci_low=ci_low, ci_high=ci_high, risk_ratio=rr,
               risk_ratio_ci_low=rr_lo, risk_ratio_ci_high=rr_hi, p_value=p_value, p_exact=p_exact, n_not_recorded=col["nnr"])
    return pd.DataFrame(out)


def register_representation(pupils, *, register="gt_register", characteristics=CHARACTERISTICS, by=None,
                            confidence=0.95, min_n=LOW_N, test="fisher", ci_method="koopman", in_line=(0.5, 2.0)):
    """How well each group of pupils is represented on the register.

    Parameters
    ----------
    pupils : pandas.DataFrame
        The pupils table (one row per pupil per year).  If it holds several academic years or
        schools they are analysed separately (added to ``by``).
    register : str
        Yes/no column: on the register.
    characteristics : sequence of str
        Columns to audit.  ``ethnicity_major`` (from ``ethnicity`` via DfE major groups) and
        ``birth_term`` (from ``date_of_birth``) are derived when absent.  With the default list,
        columns the data lacks are skipped (listed in ``attrs["skipped"]``).
    by : str or list of str, optional
        Further columns to split by (e.g. ``"year_group"``).
    confidence : float
        Confidence level of the intervals.
    min_n : int
        Groups smaller than this (default :data:`gtanalytics._stats.LOW_N`, 10: too few pupils to
        conclude) get the verdict "too few to say" and ``low_n``.
    test : {"fisher", "binomial"}
        The exact test reported alongside in ``p_exact``: Fisher's exact test of the 2×2 table
        (group × register), or the exact binomial test of the group's count on the register
        against its share of the cohort.  It does not decide the verdict.
    ci_method : {"koopman", "katz"}
        Interval for the risk ratio, and so the verdict: Koopman's score interval (default;
        sound with zero cells) or the Katz log interval.
    in_line : tuple of float
        A group whose difference is not significant is "in line" only if its ratio's interval
        lies within these bounds (default half to double its fair share); otherwise the data
        cannot rule out a large imbalance and the verdict is "too few to say".

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` value, characteristic and value: the ``by`` columns, ``characteristic``,
        ``value`` (text; "yes" for yes/no flags), ``n_cohort``, ``n`` (pupils in the group),
        ``n_register``, ``n_group_register`` (the group's pupils on the register), ``share_cohort``,
        ``share_register``, ``estimate`` (the representation ratio: share on register / share in
        cohort; 1 = in line), ``se`` (delta method from the Katz standard error of the log risk
        ratio; NaN with a zero cell), ``ci_low``, ``ci_high``; the same comparison as a second estimate,
        ``risk_ratio`` (chance of being on the register in the group vs not), ``risk_ratio_ci_low``,
        ``risk_ratio_ci_high``; ``p_value`` (the test the interval inverts: score test for
        Koopman, Wald log test for Katz), ``p_exact`` (the exact test of ``test``),
        ``n_not_recorded``, ``low_n``, ``verdict``, ``ci_method``.
        The verdict comes from the interval shown: "under-represented" when the whole interval
        lies below 1, "over-represented" when it lies above 1; "too few to say" when the group
        is smaller than ``min_n`` or the interval reaches outside ``in_line``; otherwise "in line".
        ``p_value < 1 − confidence`` exactly when the interval excludes 1.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"gt_register": [True] * 20 + [False] * 180,
    ...                   "disadvantaged": [True] * 1 + [False] * 19 + [True] * 59 + [False] * 121})
    >>> r = register_representation(p, characteristics=["disadvantaged"])
    >>> round(float(r["estimate"][0]), 3), r["verdict"][0]
    (0.167, 'under-represented')
    """
    require_columns(pupils, [register], "pupils", caller="register_representation",
                    hint="Pass register=<the column of the G&T register>.")
    if pupils.empty:
        raise GTDataError("The pupils table has no rows, so there is no register to audit.")
    if test not in ("fisher", "binomial"):
        raise GTDataError(f"test must be 'fisher' or 'binomial', got {test!r}.")
    if ci_method not in ("koopman", "katz"):
        raise GTDataError(f"ci_method must be 'koopman' or 'katz', got {ci_method!r}.")
    p = _with_derived(pupils)
    p["_reg"] = _flag(p[register], register)
    chars = [characteristics] if isinstance(characteristics, str) else list(characteristics)
    if tuple(chars) != CHARACTERISTICS:
        require_columns(p, chars, "pupils", caller="register_representation",
                        hint="Pass characteristics= with columns of the pupils table (derived columns: "
                             "ethnicity_major needs ethnicity, birth_term needs date_of_birth).")
    absent = [c for c in chars if c not in p.columns]
    chars = [c for c in chars if c in p.columns]
    by = _auto_by(p, by)
    out = _representation_table(p, chars, by, confidence=confidence, test=test, ci_method=ci_method)
    if out.empty:
        raise GTDataError("No characteristic could be audited: the pupils table has none of "
                          f"{', '.join(CHARACTERISTICS)}.")
    out["low_n"] = out["n"] < min_n
    lo, hi = in_line
    vague = (out["ci_low"] < lo) | (out["ci_high"] > hi)
    out["verdict"] = np.select(
        [out["low_n"] | out["ci_low"].isna(), out["ci_high"] < 1, out["ci_low"] > 1, vague],
        ["too few to say", "under-represented", "over-represented", "too few to say"], "in line")
    out["ci_method"] = (f"verdict and ratio CI: {'Koopman score' if ci_method == 'koopman' else 'Katz log'} interval "
                     f"for the risk ratio, transformed (p_value: the same "
                     f"{'score' if ci_method == 'koopman' else 'Wald log'} test); p_exact: "
                     f"{'Fisher exact (two-sided)' if test == 'fisher' else 'exact binomial (two-sided)'}")
    out.attrs.update(skipped=[c for c in CHARACTERISTICS if c not in chars] if not absent else absent,
                     audience="governors (counts only; suppress before showing)")
    return out


# --------------------------------------------------------------------------- DME
@dataclass(frozen=True)
class DualExceptionality:
    """Result of :func:`dual_exceptionality`: ``.counts`` (aggregate) and ``.pupils`` (internal list)."""

    counts: pd.DataFrame
    pupils: pd.DataFrame


def dual_exceptionality(pupils, *, register="gt_register", sen="sen", codes=("K", "E", "A"), by=None,
                        confidence=0.95, min_n=LOW_N):
    """Dual or multiple exceptionality (DME): pupils on the register who also have SEN.

    Parameters
    ----------
    pupils : pandas.DataFrame
        The pupils table.
    register, sen : str
        Register flag and SEN provision columns.
    codes : tuple of str
        SEN codes that count (K SEN support, E EHC plan, A Welsh ALN).
    by : str or list of str, optional
        Split by these columns (academic year and school are added when there are several).
    confidence, min_n
        Interval level; small-register flag (``low_n`` below ``min_n``, default
        :data:`gtanalytics._stats.LOW_N`, 10).

    Returns
    -------
    DualExceptionality
        ``.counts``: ``by`` columns, ``n_register``, ``n_dme``, one ``n_sen_<code>`` per code,
        ``pct_of_register``, ``ci_low``, ``ci_high`` (Wilson, percent), ``low_n``.
        ``.pupils``: the DME pupils with names and UPNs (``attrs["audience"] = "internal"``).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"upn": list("abcd"), "gt_register": [True, True, False, True],
    ...                   "sen": ["K", "N", "E", "E"]})
    >>> dual_exceptionality(p).counts["n_dme"].tolist()
    [2]
    """
    require_columns(pupils, [register, sen], "pupils", caller="dual_exceptionality")
    p = pupils.copy()
    p["_reg"] = _flag(p[register], register)
    by = _auto_by(p, by)
    p["_dme"] = p["_reg"] & p[sen].isin(list(codes)).fillna(False).astype(bool)
    rows = []
    for key, sub in iter_groups(p, by):
        nr, nd = int(sub["_reg"].sum()), int(sub["_dme"].sum())
        lo, hi = wilson_ci(nd, nr, confidence=confidence)
        rows.append({**key, "n_register": nr, "n_dme": nd,
                     **{f"n_sen_{k}": int((sub["_dme"] & (sub[sen] == k)).sum()) for k in codes},
                     "pct_of_register": 100 * nd / nr if nr else math.nan,
                     "ci_low": 100 * float(lo), "ci_high": 100 * float(hi), "low_n": nr < min_n})
    counts = pd.DataFrame(rows)
    keep = [c for c in [*_PERSONAL, *_LIST_COLS] if c in p.columns]
    lst = p.loc[p["_dme"], keep].reset_index(drop=True)
    lst.attrs["audience"] = "internal"
    return DualExceptionality(counts=counts, pupils=lst)


# --------------------------------------------------------------------------- missing from register
@dataclass(frozen=True)
class MissingFromRegister:
    """Result of :func:`missing_from_register`: ``.counts`` (by group) and ``.pupils`` (internal list)."""

    counts: pd.DataFrame
    pupils: pd.DataFrame


_TERM = {"Autumn": 0, "Spring": 1, "Summer": 2}


def missing_from_register(pupils, attainment, *, register="gt_register", academic_year=None, subject=None,
                          assessment=None, top_share=0.10, min_score=None, within=("school_id", "year_group"),
                          characteristics=("disadvantaged", "sex", "ethnicity_major", "eal", "sen", "lac"),
                          confidence=0.95, min_n=LOW_N):
    """High attainers who are not on the register.

    For the register year, each pupil's most recent score on each assessment and subject (in
    the ``assessments`` long table, from any year up to the register year) is ranked within the
    pupil's school year group.  A pupil is a high attainer on it when in the top ``top_share``
    (ties included) or, with ``min_score``, at or above it (e.g. a standardised score of 120).
    Those not on the register are listed (internal) and counted by group.

    Parameters
    ----------
    pupils : pandas.DataFrame
        The pupils table.
    attainment : pandas.DataFrame
        Assessments in long form (``upn, academic_year, term, subject, assessment, score``).
    register : str
        Register flag column.
    academic_year : str, optional
        The register year (default: the latest in ``pupils``).
    subject, assessment : str or list of str, optional
        Restrict to these subjects / assessments.
    top_share : float or None
        Share of each year group counted as high attainers (default 0.10).
    min_score : float, optional
        A score at or above this also counts (set ``top_share=None`` to use it alone).
    within : tuple of str
        Columns of ``pupils`` defining the group pupils are ranked in.
    characteristics : sequence of str
        Groups to count by (present columns only).
    confidence, min_n
        Interval level; small-group flag (``low_n`` below ``min_n``, default
        :data:`gtanalytics._stats.LOW_N`, 10).

    Returns
    -------
    MissingFromRegister
        ``.counts``: ``characteristic`` ("all" for everyone), ``value``, ``n_high`` (high
        attainers), ``n_high_on_register``, ``n_missing``, ``pct_missing`` (percent of the high
        attainers not on the register), ``ci_low``, ``ci_high`` (Wilson), ``p_value`` (Fisher:
        missing more or less often than other high attainers), ``low_n``.
        ``.pupils``: one row per pupil, assessment and subject flagged, with the pupil's details,
        ``subject``, ``assessment``, ``score``, ``rank``, ``n_ranked``, ``criterion``
        (``attrs["audience"] = "internal"``).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"upn": list("abcdefghij"), "academic_year": "2023/24", "school_id": "1",
    ...                   "year_group": 5, "gt_register": [False] * 9 + [True]})
    >>> a = pd.DataFrame({"upn": list("abcdefghij"), "academic_year": "2023/24", "term": "Summer",
    ...                   "subject": "maths", "assessment": "PUMA", "score": range(100, 120, 2)})
    >>> missing_from_register(p, a, top_share=0.2).pupils["upn"].tolist()
    ['i']
    """
    require_columns(pupils, ["upn", "academic_year", register], "pupils", caller="missing_from_register")
    require_columns(attainment, ["upn", "academic_year", "subject", "assessment", "score"],
                    "attainment (assessments)", caller="missing_from_register")
    if top_share is None and min_score is None:
        raise GTDataError("Say who counts as a high attainer: top_share= (e.g. 0.10) and/or min_score= (e.g. 120).")
    if top_share is not None and not 0 < top_share < 1:
        raise GTDataError(f"top_share must be between 0 and 1, got {top_share!r}.")
    year = academic_year or sorted(pupils["academic_year"].dropna().unique())[-1]
    p = _with_derived(pupils[pupils["academic_year"] == year])
    if p.empty:
        raise GTDataError(f"No pupil is in academic year {year!r}.")
    p["_reg"] = _flag(p[register], register)
    within = [c for c in within if c in p.columns]
    a = attainment[attainment["upn"].isin(p["upn"]) & (attainment["academic_year"] <= year)].copy()
    for col, want in (("subject", subject), ("assessment", assessment)):
        if want is not None:
            a = a[a[col].isin([want] if isinstance(want, str) else list(want))]
    a["score"] = pd.to_numeric(a["score"], errors="coerce")
    a = a[a["score"].notna()]
    if a.empty:
        raise GTDataError(f"No numeric score for the pupils of {year} matches subject={subject!r}, "
                          f"assessment={assessment!r}.")
    a["_t"] = a["term"].map(_TERM).fillna(-1) if "term" in a.columns else 0
    order = ["academic_year", "_t"] + (["date"] if "date" in a.columns else [])
    a = a.sort_values(order).groupby(["upn", "subject", "assessment"], sort=False).tail(1)
    a = a[["upn", "subject", "assessment", "score"]].merge(p[["upn", *within, "_reg"]], on="upn")
    keys = [*within, "subject", "assessment"]
    a["rank"] = a.groupby(keys)["score"].rank(ascending=False, method="min")
    a["n_ranked"] = a.groupby(keys)["score"].transform("size")
    top = a["rank"] <= np.ceil((top_share or 0) * a["n_ranked"])
    high = (a["score"] >= min_score) if min_score is not None else pd.Series(False, index=a.index)
    a["criterion"] = np.where(top, f"top {100 * (top_share or 0):g}% of year group", "")
    a.loc[high, "criterion"] = np.where(top[high], a.loc[high, "criterion"] + f"; score >= {min_score}",
                                        f"score >= {min_score}")
    flagged = a[top | high]
    miss = flagged[~flagged["_reg"]]
    keep = [c for c in [*_PERSONAL[1:], *_LIST_COLS] if c in p.columns and c not in within]
    lst = miss.drop(columns="_reg").merge(p[["upn", *keep]], on="upn", how="left")
    lst = lst[[*dict.fromkeys(["upn", *keep, *within, "subject", "assessment", "score", "rank", "n_ranked",
                               "criterion"])]].sort_values([*within, "subject", "rank"]).reset_index(drop=True)
    lst.attrs["audience"] = "internal"
    hp = p[p["upn"].isin(flagged["upn"])].copy()
    hp["_miss"] = ~hp["_reg"]
    rows = []
    for ch in ["all", *[c for c in characteristics if c in hp.columns]]:
        col = pd.Series("all", index=hp.index) if ch == "all" else hp[ch]
        for v in (["all"] if ch == "all" else _values(p[ch])):
            ing = (col == v).fillna(False).to_numpy(bool)
            m = hp["_miss"].to_numpy(bool)
            nh, nm = int(ing.sum()), int((ing & m).sum())
            lo, hi = wilson_ci(nm, nh, confidence=confidence)
            pv = math.nan
            if ch != "all" and nh and (~ing).sum():
                pv = stats.fisher_exact([[nm, nh - nm], [int((~ing & m).sum()), int((~ing & ~m).sum())]]).pvalue
            rows.append({"characteristic": ch, "value": _label(v), "n_high": nh, "n_high_on_register": nh - nm,
                         "n_missing": nm, "pct_missing": 100 * nm / nh if nh else math.nan,
                         "ci_low": 100 * float(lo), "ci_high": 100 * float(hi), "p_value": pv, "low_n": nh < min_n})
    counts = pd.DataFrame(rows)
    counts.attrs.update(academic_year=year, audience="governors (counts only; suppress before showing)")
    return MissingFromRegister(counts=counts, pupils=lst)


# --------------------------------------------------------------------------- changes
@dataclass(frozen=True)
class RegisterChanges:
    """Result of :func:`register_changes`: ``.summary`` (by group) and ``.pupils`` (internal list)."""

    summary: pd.DataFrame
    pupils: pd.DataFrame


def register_changes(pupils, *, from_year, to_year, register="gt_register",
                     characteristics=("disadvantaged", "sex", "ethnicity_major", "sen", "eal"), by="school_id",
                     confidence=0.95, min_n=LOW_N):
    """How the register changed between two academic years.

    Pupils are matched by UPN (and school, so a move between schools counts as leaving one
    register and joining another).  Status: ``stayed`` (on it both years), ``joined``,
    ``joined (new to school)``, ``left``, ``left (left school)``, or ``not on register``.

    Parameters
    ----------
    pupils : pandas.DataFrame
        The pupils table with both years.
    from_year, to_year : str
        Academic years, e.g. ``"2022/23"`` and ``"2023/24"``.
    register : str
        Register flag column.
    characteristics : sequence of str
        Groups to break the changes down by (taken from ``to_year``, else ``from_year``).
    by : str or list of str, optional
        Default ``"school_id"``.
    confidence, min_n
        Interval level; small-group flag (``low_n`` below ``min_n``, default
        :data:`gtanalytics._stats.LOW_N`, 10).

    Returns
    -------
    RegisterChanges
        ``.summary``: ``by`` columns, ``characteristic`` ("all" for everyone), ``value``,
        ``n_from``, ``n_to`` (register sizes), ``stayed``, ``joined``, ``joined_new_to_school``,
        ``left``, ``left_school`` (the ``joined``/``left`` counts include those), ``churn_rate``
        ((joined + left) / everyone on the register in either year), ``ci_low``, ``ci_high``
        (Wilson), ``low_n``.  ``.pupils``: every pupil on the register in either year with
        ``status`` (``attrs["audience"] = "internal"``).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"upn": list("abcab") + ["d"], "school_id": "1",
    ...                   "academic_year": ["2022/23"] * 3 + ["2023/24"] * 3,
    ...                   "gt_register": [True, True, False, True, False, True]})
    >>> register_changes(p, from_year="2022/23", to_year="2023/24", characteristics=(), min_n=1).summary[
    ...     ["stayed", "joined", "left"]].values.tolist()
    [[1, 1, 1]]
    """
    require_columns(pupils, ["upn", "academic_year", register], "pupils", caller="register_changes")
    by = as_list(by)
    by = [c for c in by if c in pupils.columns]
    years = set(pupils["academic_year"].dropna())
    for y in (from_year, to_year):
        if y not in years:
            raise GTDataError(f"No pupil is in academic year {y!r}; years present: {sorted(years)}.")
    p = _with_derived(pupils)
    p["_reg"] = _flag(p[register], register)
    key = ["upn", *by]
    a = p[p["academic_year"] == from_year]
    b = p[p["academic_year"] == to_year]
    info = [c for c in dict.fromkeys([*_PERSONAL[1:], *_LIST_COLS, *characteristics]) if c in p.columns and c not in key]
    m = a[[*key, "_reg"]].merge(b[[*key, "_reg"]], on=key, how="outer", suffixes=("_from", "_to"),
                                indicator=True)
    on1 = m["_reg_from"].fillna(False).astype(bool)
    on2 = m["_reg_to"].fillna(False).astype(bool)
    m["status"] = np.select(
        [on1 & on2, ~on1 & on2 & (m["_merge"] == "right_only"), ~on1 & on2,
         on1 & ~on2 & (m["_merge"] == "left_only"), on1 & ~on2],
        ["stayed", "joined (new to school)", "joined", "left (left school)", "left"], "not on register")
    m = m[m["status"] != "not on register"]
    details = pd.concat([b, a]).drop_duplicates(key)[[*key, *info]]
    m = m[[*key, "status"]].merge(details, on=key, how="left")
    rows = []
    for k, sub in iter_groups(m, by):
        for ch in ["all", *[c for c in characteristics if c in m.columns]]:
            for v in (["all"] if ch == "all" else _values(m[ch])):
                s = sub["status"] if ch == "all" else sub.loc[(sub[ch] == v).fillna(False).to_numpy(bool), "status"]
                cnt = s.value_counts()
                st, jn, jns = (int(cnt.get(x, 0)) for x in ("stayed", "joined", "joined (new to school)"))
                lf, lfs = int(cnt.get("left", 0)), int(cnt.get("left (left school)", 0))
                total = len(s)
                lo, hi = wilson_ci(total - st, total, confidence=confidence)
                rows.append({**k, "characteristic": ch, "value": _label(v), "n_from": st + lf + lfs,
                             "n_to": st + jn + jns, "stayed": st, "joined": jn + jns, "joined_new_to_school": jns,
                             "left": lf + lfs, "left_school": lfs,
                             "churn_rate": (total - st) / total if total else math.nan,
                             "ci_low": float(lo), "ci_high": float(hi), "low_n": total < min_n})
    summary = pd.DataFrame(rows)
    summary.attrs.update(from_year=from_year, to_year=to_year)
    m.attrs["audience"] = "internal"
    if summary["low_n"].any():
        warnings.warn(f"{int(summary['low_n'].sum())} groups have fewer than {min_n} pupils on the register "
                      "in either year; their churn rates are unstable (see low_n).", GTWarning, stacklevel=2)
    return RegisterChanges(summary=summary, pupils=m)
