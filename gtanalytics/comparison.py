"""School calendar and comparison groups for intervention programmes.

* :func:`school_calendar` places dates in academic years, terms and half terms;
* :func:`comparison_data` stacks the pupils in a programme with pupils who took
  part in no intervention in that subject, with their termly test scores in the
  term before the programme started and the term after it ended;
* :func:`match_comparison` matches them one to one on prior attainment;
* ``compare_with_comparison_group`` holds the comparison pupils to the participants' selection rule
  (a pre-test score in the participants' range), gives the effect against them
  (ANCOVA, :func:`gtanalytics.balance.ancova`, or matching), their balance and
  common support (:func:`gtanalytics.balance.balance`) and a
  difference-in-differences of the gains, for
  :func:`gtanalytics.interventions.intervention_impact`.

Split out of :mod:`gtanalytics.interventions`, which still re-exports the
public names.

School calendar (England, approximate)
--------------------------------------
Term dates differ between local authorities and years, so dates are placed in
terms and half terms by fixed calendar boundaries: Autumn 1 September - 31
December (Aut1 to 31 October, Aut2 from 1 November); Spring 1 January - 14 April
(Spr1 to 20 February, Spr2 from 21 February, ending at a typical Easter);
Summer 15 April - 31 August (Sum1 to 31 May, Sum2 from 1 June). The academic
year starts on 1 September.

School weeks are counted without the usual English holidays
(:func:`holidays`): the week of 26 October, 21 December to 3 January, the
week of 19 February, Good Friday to two weeks later, the week of the late
May bank holiday and 22 July to 31 August; pass a school's own holiday dates
where the data hold them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gtanalytics.balance import ancova, balance
from gtanalytics.data.schemas import TERMS
from gtanalytics.errors import GTDataError
from gtanalytics._stats import LOW_N, require_columns, t_value, welch_diff
from gtanalytics.subjects import canonical_subject

__all__ = ["HALF_TERMS", "comparison_data", "holidays", "match_comparison", "school_calendar", "school_weeks"]

HALF_TERMS = ("Aut1", "Aut2", "Spr1", "Spr2", "Sum1", "Sum2")


# --------------------------------------------------------------------------- calendar
def school_calendar(dates) -> pd.DataFrame:
    """Academic year, term, half term and a running term index for each date.

    Parameters
    ----------
    dates : array-like of dates
        Anything :func:`pandas.to_datetime` accepts.

    Returns
    -------
    pandas.DataFrame
        ``academic_year`` ("2023/24"), ``term`` (Autumn/Spring/Summer),
        ``half_term`` (Aut1 ... Sum2) and ``term_index`` (3 x starting year +
        0/1/2, so consecutive terms differ by one). Boundaries are the
        approximate ones in the module docstring.

    Examples
    --------
    >>> school_calendar(["2024-01-08", "2023-11-20"])["half_term"].tolist()
    ['Spr1', 'Aut2']
    """
    d = pd.to_datetime(pd.Series(dates), errors="coerce").reset_index(drop=True)
    month, day, year = d.dt.month, d.dt.day, d.dt.year
    start = np.where(month >= 9, year, year - 1)
    md = month * 100 + day
    term = np.select([md >= 901, md < 415], [0, 1], default=2)
    half = np.select([md >= 1101, md >= 901, md < 221, md < 415, md < 601], [1, 0, 2, 3, 4], default=5)
    ok = d.notna().to_numpy()
    out = pd.DataFrame({
        "academic_year": [f"{int(s)}/{(int(s) + 1) % 100:02d}" if k else None for s, k in zip(start, ok)],
        "term": [TERMS[t] if k else None for t, k in zip(term, ok)],
        "half_term": [HALF_TERMS[h] if k else None for h, k in zip(half, ok)],
        "term_index": np.where(ok, start * 3 + term, np.nan),
    })
    return out


def holidays(academic_year: str) -> pd.DataFrame:
    """The usual English school holidays of one academic year (an approximation: dates differ by area).

    Autumn half term: the Monday-to-Friday week holding 26 October;
    Christmas: 21 December to 3 January; February half term: the week holding
    19 February; Easter: Good Friday to the Friday two weeks later; May half
    term: the week of the late May bank holiday (the last Monday in May);
    summer: 22 July to 31 August.

    Returns
    -------
    pandas.DataFrame
        ``holiday, start, end`` (inclusive dates).

    Examples
    --------
    >>> holidays("2023/24")[["holiday", "start"]].astype(str).values.tolist()[:3]
    [['Autumn half term', '2023-10-23'], ['Christmas', '2023-12-21'], ['February half term', '2024-02-19']]
    """
    from dateutil.easter import easter

    y = int(str(academic_year)[:4])

    def week_of(day: pd.Timestamp):
        monday = day - pd.Timedelta(days=day.weekday())
        return monday, monday + pd.Timedelta(days=4)

    good_friday = pd.Timestamp(easter(y + 1)) - pd.Timedelta(days=2)
    may = pd.Timestamp(y + 1, 5, 31)
    rows = [("Autumn half term", *week_of(pd.Timestamp(y, 10, 26))),
            ("Christmas", pd.Timestamp(y, 12, 21), pd.Timestamp(y + 1, 1, 3)),
            ("February half term", *week_of(pd.Timestamp(y + 1, 2, 19))),
            ("Easter", good_friday, good_friday + pd.Timedelta(days=14)),
            ("May half term", *week_of(may - pd.Timedelta(days=may.weekday()))),
            ("Summer", pd.Timestamp(y + 1, 7, 22), pd.Timestamp(y + 1, 8, 31))]
    return pd.DataFrame(rows, columns=["holiday", "start", "end"])


def school_weeks(start, end, *, holiday_dates: pd.DataFrame | None = None) -> np.ndarray:
    """School weeks from each start date to each end date (inclusive): weekdays outside holidays, divided by 5.

    Parameters
    ----------
    start, end : array-like of dates
    holiday_dates : pandas.DataFrame, optional
        ``start, end`` of each holiday (inclusive); default :func:`holidays`
        of every academic year the dates touch.

    Returns
    -------
    numpy.ndarray of float

    Examples
    --------
    >>> float(school_weeks(["2023-09-18"], ["2024-03-22"])[0])  # 27 calendar weeks, 4 of them holidays
    23.0
    """
    s = pd.to_datetime(pd.Series(start), errors="coerce").reset_index(drop=True)
    e = pd.to_datetime(pd.Series(end), errors="coerce").reset_index(drop=True)
    if holiday_dates is None:
        years = set(school_calendar(pd.concat([s, e]).dropna())["academic_year"])
        holiday_dates = pd.concat([holidays(y) for y in sorted(years)], ignore_index=True) if years else None
    days = np.array([], dtype="datetime64[D]")
    if holiday_dates is not None and len(holiday_dates):
        days = np.concatenate([pd.date_range(a, b).to_numpy(dtype="datetime64[D]") for a, b in
                               zip(pd.to_datetime(holiday_dates["start"]), pd.to_datetime(holiday_dates["end"]))])
    ok = (s.notna() & e.notna()).to_numpy()
    out = np.full(len(s), np.nan)
    out[ok] = np.busday_count(s[ok].to_numpy(dtype="datetime64[D]"),
                              e[ok].to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D"), holidays=days) / 5
    return out


def as_flag(values: pd.Series) -> pd.Series:
    """Booleans from a flag column that may still hold Y/N, Yes/No, TRUE/FALSE, 1/0 text."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["y", "yes", "true", "t", "1", "1.0"]).fillna(False).astype(bool)


def term_index(academic_year: pd.Series, term: pd.Series) -> pd.Series:
    """A running term number (3 x starting year + term position) for ordering terms across years."""
    start = pd.to_numeric(academic_year.astype(str).str[:4], errors="coerce")
    pos = term.astype(str).map({t: i for i, t in enumerate(TERMS)})
    return start * 3 + pos


# --------------------------------------------------------------------------- preparing the table
def prepare_interventions(interventions: pd.DataFrame) -> pd.DataFrame:
    """The interventions table checked, with start and end terms (``start_term``, ``end_term``) added."""
    need = ["programme", "upn", "staff", "start_date", "end_date"]
    require_columns(interventions, need, "interventions", hint=f"It needs at least {', '.join(need)}.")
    df = interventions.copy().reset_index(drop=True)
    for c in ("start_date", "end_date"):
        df[c] = pd.to_datetime(df[c], errors="coerce")
    bad = df["start_date"].isna() | df["end_date"].isna()
    if bad.any():
        raise GTDataError(f"{int(bad.sum())} intervention row(s) have a missing or unreadable start_date/end_date "
                          f"(first: row {int(np.flatnonzero(bad)[0])}); fix or remove them.")
    for c in ("sessions_planned", "sessions_attended", "pre_score", "post_score", "cost"):
        df[c] = pd.to_numeric(df[c], errors="coerce") if c in df.columns else np.nan
    for c in ("subject", "measure", "selection"):
        if c not in df.columns:
            df[c] = pd.NA
    df["subject"] = canonical_subject(df["subject"])  # "Maths" programmes meet "mathematics" tests
    cal = school_calendar(df["start_date"])
    df["academic_year"], df["term"], df["half_term"] = cal["academic_year"], cal["term"], cal["half_term"]
    df["start_term"] = cal["term_index"]
    df["end_term"] = school_calendar(df["end_date"])["term_index"]
    df["weeks"] = (df["end_date"] - df["start_date"]).dt.days / 7
    return df


def score_table(assessments: pd.DataFrame, score_type: str) -> pd.DataFrame:
    """Mean score per ``upn, subject, term_index`` of one ``score_type`` (rows without a score dropped)."""
    require_columns(assessments, ["upn", "academic_year", "term", "subject", "score"], "assessments")
    a = assessments
    if "score_type" in a.columns:
        a = a[a["score_type"] == score_type]
    a = a.assign(term_index=term_index(a["academic_year"], a["term"]),
                 score=pd.to_numeric(a["score"], errors="coerce")).dropna(subset=["score", "term_index"])
    a = a.assign(subject=canonical_subject(a["subject"]))
    return a.groupby(["upn", "subject", "term_index"], as_index=False)["score"].mean()


def comparison_data(interventions: pd.DataFrame, *, pupils: pd.DataFrame, assessments: pd.DataFrame,
                    score_type: str = "standardised", all_interventions: pd.DataFrame | None = None,
                    prior_terms: int = 3) -> pd.DataFrame:
    """Stack participants and non-participants with termly test scores before and after each programme.

    For each participant the *pre* score is their termly test in the programme's
    subject in the term before the programme started and the *post* score the
    one in the term after it ended (several tests in a term are averaged); the
    *earlier* score is the mean of their tests in that subject in up to
    ``prior_terms`` terms before the pre term (attainment measured apart from
    the pre-test that may have selected them). The comparison pupils for that
    window are pupils in the same school and year group who took part in no
    intervention in that subject overlapping the window and who have both
    pre and post scores.

    Parameters
    ----------
    interventions : pandas.DataFrame
        The interventions table (or the rows of one programme / group).
    pupils : pandas.DataFrame
        The pupils table (``upn, academic_year, school_id, year_group`` and
        ``disadvantaged`` if present).
    assessments : pandas.DataFrame
        The assessments table (long form).
    score_type : str, default "standardised"
        Which assessments count as the termly test.
    all_interventions : pandas.DataFrame, optional
        The whole interventions table, when ``interventions`` is a subset, so
        that pupils in other programmes are kept out of the comparison group.
    prior_terms : int, default 3
        Terms before the pre term that the earlier score averages.

    Returns
    -------
    pandas.DataFrame
        One row per pupil per window: ``upn, treated, subject, window`` (e.g.
        ``"maths 6071->6073"``), ``pre, post, gain, earlier`` (NaN without
        earlier tests), ``school_id, year_group, disadvantaged``.

    Examples
    --------
    >>> import gtanalytics.comparison as gc
    >>> callable(gc.comparison_data)
    True
    """
    iv = prepare_interventions(interventions)
    all_iv = iv if all_interventions is None else prepare_interventions(all_interventions)
    sc = score_table(assessments, score_type)
    p = pupils.copy()
    p["disadvantaged"] = as_flag(p["disadvantaged"]) if "disadvantaged" in p.columns else False
    p = p[["upn", "academic_year", "school_id", "year_group", "disadvantaged"]]
    frames = []
    iv = iv.dropna(subset=["subject"])
    by_subject = dict(tuple(sc.groupby("subject")))
    by_year = {}
    for (subject, s_term, e_term), rows in iv.groupby(["subject", "start_term", "end_term"]):
        pre_i, post_i = s_term - 1, e_term + 1
        ss = by_subject.get(subject, sc.iloc[:0])
        pre = ss[ss["term_index"] == pre_i].set_index("upn")["score"]
        post = ss[ss["term_index"] == post_i].set_index("upn")["score"]
        earlier = ss[(ss["term_index"] < pre_i) & (ss["term_index"] >= pre_i - prior_terms)].groupby("upn")[
            "score"].mean()
        both = pre.index.intersection(post.index)
        year = rows["academic_year"].iloc[0]
        if year not in by_year:
            by_year[year] = p[p["academic_year"] == year].drop_duplicates("upn").set_index("upn")
        info = by_year[year]
        info = info.loc[info.index.intersection(both.union(pd.Index(rows["upn"].unique())))]
        took_part = all_iv[(all_iv["subject"] == subject) & (all_iv["end_term"] >= pre_i)
                           & (all_iv["start_term"] <= post_i)]["upn"]
        treated = pd.Index(rows["upn"].unique())
        cells = info.loc[info.index.intersection(treated), ["school_id", "year_group"]].drop_duplicates()
        ctrl = info[~info.index.isin(took_part)].reset_index().merge(cells, on=["school_id", "year_group"])["upn"]
        for flag, ids in ((True, treated), (False, pd.Index(ctrl))):
            ids = ids.intersection(both).intersection(info.index)
            if len(ids):
                frames.append(pd.DataFrame({
                    "upn": ids, "treated": flag, "subject": subject,
                    "window": f"{subject} {int(pre_i)}->{int(post_i)}",
                    "pre": pre.loc[ids].to_numpy(), "post": post.loc[ids].to_numpy(),
                    "earlier": earlier.reindex(ids).to_numpy(),
                }).join(info[["school_id", "year_group", "disadvantaged"]], on="upn"))
    cols = ["upn", "treated", "subject", "window", "pre", "post", "gain", "earlier", "school_id", "year_group",
            "disadvantaged"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True).drop_duplicates(["upn", "window"])
    out["gain"] = out["post"] - out["pre"]
    return out[cols]


def match_comparison(data: pd.DataFrame, *, rng=None, caliper: float | None = None) -> pd.DataFrame:
    """Nearest-neighbour matching (1:1, without replacement) on prior attainment.

    Within each stratum of ``window, school_id, year_group, disadvantaged``
    the treated pupils are taken in random order (``rng``) and each is matched
    to the unused comparison pupil with the nearest pre-score (ties broken by
    the random order of comparison pupils). With ``caliper`` (in score points)
    pupils with no comparison pupil that close stay unmatched.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`comparison_data`.
    rng : int or numpy.random.Generator, optional
        Randomness for the order of matching.
    caliper : float, optional
        Largest allowed pre-score distance.

    Returns
    -------
    pandas.DataFrame
        One row per matched pair: ``upn, upn_comparison, window, pre, pre_comparison,
        post, post_comparison, distance``.

    Examples
    --------
    >>> import gtanalytics.comparison as gc
    >>> callable(gc.match_comparison)
    True
    """
    gen = np.random.default_rng(rng)
    pairs = []
    for _, cell in data.groupby(["window", "school_id", "year_group", "disadvantaged"], sort=True):
        t = cell[cell["treated"]]
        c = cell[~cell["treated"]]
        if t.empty or c.empty:
            continue
        t = t.iloc[gen.permutation(len(t))]
        c = c.iloc[gen.permutation(len(c))]
        used = np.zeros(len(c), dtype=bool)
        cpre = c["pre"].to_numpy(dtype=float)
        for row in t.itertuples():
            dist = np.where(used, np.inf, np.abs(cpre - row.pre))
            k = int(np.argmin(dist))
            if not np.isfinite(dist[k]) or (caliper is not None and dist[k] > caliper):
                continue
            used[k] = True
            m = c.iloc[k]
            pairs.append((row.upn, m["upn"], row.window, row.pre, m["pre"], row.post, m["post"], dist[k]))
    return pd.DataFrame(pairs, columns=["upn", "upn_comparison", "window", "pre", "pre_comparison", "post",
                                        "post_comparison", "distance"])


def _dummies(frame: pd.DataFrame, cols) -> list[np.ndarray]:
    out = []
    for c in cols:
        levels = sorted(frame[c].astype(str).unique())
        out += [(frame[c].astype(str) == lv).to_numpy(dtype=float) for lv in levels[1:]]
    return out


def compare_with_comparison_group(data: pd.DataFrame, method: str, confidence: float, rng, caliper) -> dict:
    """Effect against the comparison group (raw points and standardised), balance, and the DiD.

    The standardised effect is the result's estimate (``estimate, se, ci_low, ci_high, ci_method,
    standardiser``); the same effect in termly-test points is ``effect, effect_se, effect_ci_low,
    effect_ci_high``.

    The comparison pupils are first held to the participants' selection rule: a pre-score (the selection
    test) within the participants' range in the same window (unless fewer than ``LOW_N`` meet it, as when
    the lowest scorers were all taken: then all, and ``support`` shows the extrapolation). Regression:
    ANCOVA of post on taking part, pre, the earlier score (a missing earlier score is set to the pupil's
    pre score, with a missing-earlier indicator), disadvantage and year group, school and window dummies.
    """
    sd = data["post"].std(ddof=1)   # unconditional SD (EEF): before holding the comparison to the selection rule
    rng_lo = data["window"].map(data[data["treated"]].groupby("window")["pre"].min())
    rng_hi = data["window"].map(data[data["treated"]].groupby("window")["pre"].max())
    same_rule = data["treated"] | data["pre"].between(rng_lo, rng_hi)
    rule = int((same_rule & ~data["treated"]).sum()) >= LOW_N
    if rule:
        data = data[same_rule]
    who = ("against pupils in the participants' range of the test before (the same selection rule)" if rule else
           f"against all non-participants (fewer than {LOW_N} had a test before in the participants' range, so "
           f"the estimate extrapolates)")
    res = {}
    t, c = data[data["treated"]], data[~data["treated"]]
    if len(t) < 2 or len(c) < 2:
        return res
    if method == "regression":
        no_earlier = data["earlier"].isna()
        cols = [data["pre"].to_numpy(dtype=float), data["earlier"].fillna(data["pre"]).to_numpy(dtype=float),
                no_earlier.to_numpy(dtype=float), data["disadvantaged"].to_numpy(dtype=float)]
        cols += _dummies(data, ["year_group", "school_id", "window"])
        fit = ancova(data["post"], data["treated"], np.column_stack(cols), confidence=confidence)
        est, se, half = fit["estimate"], fit["se"], fit["ci_high"] - fit["estimate"]
        n_t, n_c = len(t), len(c)
        analysed = data
        label = ("regression (ANCOVA, OLS) of the termly test after on taking part + the test before (the selection "
                 "test) + the mean of earlier terms + disadvantage, year group (+ school, window), " + who
                 + "; t interval")
        ci_method = "t interval of the ANCOVA coefficient (OLS), divided by the unconditional SD"
    else:
        pairs = match_comparison(data, rng=rng, caliper=caliper)
        if len(pairs) < 2:
            return res
        # bias correction (Abadie & Imbens 2011): remove the pairs' remaining pre-score difference with the
        # slope of post on pre among the comparison pupils
        slope = np.polyfit(c["pre"].to_numpy(dtype=float), c["post"].to_numpy(dtype=float), 1)[0]
        diff = (pairs["post"] - pairs["post_comparison"]) - slope * (pairs["pre"] - pairs["pre_comparison"])
        est, se = diff.mean(), diff.std(ddof=1) / np.sqrt(len(pairs))
        half = t_value(confidence, len(pairs) - 1) * se
        n_t, n_c = len(pairs), len(pairs)
        used = set(zip(pairs["upn"], pairs["window"])) | set(zip(pairs["upn_comparison"], pairs["window"]))
        analysed = data[[k in used for k in zip(data["upn"], data["window"])]]
        label = ("nearest-neighbour match on prior attainment within year group and disadvantage, "
                 "bias-corrected for the remaining pre-score difference, " + who)
        ci_method = "t interval of the bias-corrected matched-pair differences, divided by the unconditional SD"
    bal = balance(analysed, treated="treated", measures=["pre", "earlier"]).set_index("measure")
    res.update(comparison_method=label, n_matched=n_t, n_comparison=n_c, effect=est, effect_se=se,
               effect_ci_low=est - half, effect_ci_high=est + half, estimate=est / sd, se=se / sd,
               ci_low=(est - half) / sd, ci_high=(est + half) / sd, ci_method=ci_method,
               standardiser=("SD of the post-test (termly test) over all participants and all non-participants of "
                                "their year groups (EEF: unconditional SD)"),
               smd_pre=bal.loc["pre", "smd"], smd_earlier=bal.loc["earlier", "smd"],
               support=bal.loc["pre", "support"], comparable=bool(bal["comparable"].iloc[0]))
    w = welch_diff(t["gain"], c["gain"], confidence=confidence)
    res.update(did=w["diff"], did_ci_low=w["ci_low"], did_ci_high=w["ci_high"],
               did_method="Welch interval of the difference in mean gains (termly test); assumes parallel "
                          "trends, so it is inflated by regression to the mean if pupils were chosen for low scores")
    return res
