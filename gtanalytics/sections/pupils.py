"""Individual pupils (internal, leaders only): a pupil's profile, everyone's targets, the under-achievers' evidence.

Every expected score here is value added within the school (:func:`gtanalytics.progress.value_added`):
a pupil's termly standardised score set against the score expected from the same test a year earlier,
fitted on the school's pupils who sat both. Targets are the outcome reached by the 50th, 80th and 95th
percentile of the school's pupils with the same score a year earlier (:func:`gtanalytics.targets.estimate_targets`,
``pupil_p50/p80/p95``): a spread of *pupils* in this school, not FFT's "top 20% of schools".
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from gtanalytics import selfeval
from gtanalytics import data as rd
from gtanalytics.progress import previous_year, summer_progress
from gtanalytics.comparison import school_calendar
from gtanalytics.data.schemas import TERMS
from gtanalytics.errors import GTDataError
from gtanalytics.prior_attainment import prior_band
from gtanalytics.progress import value_added
from gtanalytics.sections.core import Section, Table, not_answered, smallest_group
from gtanalytics.sections.figures import keep, notes_for, noting
from gtanalytics._stats import SUPPRESSION_THRESHOLD, wilson_ci
from gtanalytics.subjects import subjects_in
from gtanalytics.targets import estimate_targets, on_track

__all__ = [
    "SEN_WORDS",
    "TARGET_NAMES",
    "expected_scores",
    "find_pupil",
    "pupil_lookup",
    "pupil_profile",
    "pupil_support",
    "pupil_targets",
    "under_achiever_evidence",
]

#: What each target is, in words (the percentile of the school's pupils with the same score a year earlier).
TARGET_NAMES = {"pupil_p50": "Median target (reached by half of the school's pupils with the same score a year earlier)",
                "pupil_p80": "Stretching target (reached by 1 in 5 of them: their 80th percentile)",
                "pupil_p95": "Very stretching target (reached by 1 in 20 of them: their 95th percentile)"}
TARGETS = list(TARGET_NAMES)
_INTERNAL = "**Internal: names pupils. Do not share outside the school's leaders.**"
_SUPPORT = ("Mentored", "Intervention")
#: Special educational needs codes in words.
SEN_WORDS = {"N": "None", "K": "SEN support", "E": "EHC plan", "A": "ALN (Wales)"}


def _fold(text) -> pd.Series:
    """Lower case without accents, so that "Zoë" matches "zoe"."""
    s = pd.Series(text, dtype="object").fillna("").astype(str)
    return s.map(lambda t: "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
                 .casefold())


def _name(frame: pd.DataFrame) -> pd.Series:
    parts = [c for c in ("forename", "surname") if c in frame.columns]
    if not parts:
        return frame["upn"].astype(str)
    return frame[parts].fillna("").astype(str).agg(" ".join, axis=1).str.strip()


def find_pupil(data, query: str) -> pd.DataFrame:
    """Pupils whose name or UPN contains ``query`` (ignoring case, accents and spaces at the ends).

    Parameters
    ----------
    data : SchoolData
        One school's data.
    query : str
        Part of a forename, surname, "forename surname" or UPN.

    Returns
    -------
    pandas.DataFrame
        ``upn, pupil, year_group, academic_year`` (the pupil's latest year), one row per pupil.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> d = load_sample().for_school(8862101)
    >>> upn = d.pupils["upn"].iloc[0]
    >>> find_pupil(d, upn.lower())["upn"].tolist() == [upn]
    True
    """
    q = _fold([str(query).strip()]).iloc[0]
    if not q:
        raise GTDataError("Type part of a pupil's name or UPN to find them.")
    p = data.pupils.sort_values("academic_year").drop_duplicates("upn", keep="last")
    name = _name(p)
    hit = _fold(name.to_numpy()).str.contains(q, regex=False).to_numpy() | \
        _fold(p["upn"].to_numpy()).str.contains(q, regex=False).to_numpy()
    return (p.assign(pupil=name)[hit][["upn", "pupil", "year_group", "academic_year"]]
            .sort_values(["pupil", "upn"]).reset_index(drop=True))


def expected_scores(data, *, years, subjects=None, terms=TERMS, notes: list | None = None) -> pd.DataFrame:
    """Every pupil's termly standardised scores against the scores expected of them, with targets.

    For each year (from the second), subject and term: the pupils' test in that term against the same
    test a year earlier (:func:`gtanalytics.progress.summer_progress` with ``term``), value added
    fitted on the school's pupils who sat both, and :func:`gtanalytics.targets.estimate_targets`.

    Targets above the highest score any pupil reached on that test are set to that score (a
    standardised test has a ceiling, usually 141).

    Returns
    -------
    pandas.DataFrame
        ``upn, academic_year, term, subject, score, prior, expected, va`` (points), ``va_sd``
        (residual SDs), ``pupil_p50, pupil_p80, pupil_p95`` and the pupils-table columns.
    """
    notes = [] if notes is None else notes
    subjects = list(subjects) if subjects is not None else subjects_in(data.assessments)
    parts = []
    for year in years:
        for subject in subjects:
            for term in terms:
                pairs = summer_progress(data, subject=subject, year=year, term=term)
                pairs = pairs.dropna(subset=["outcome", "prior"])
                if len(pairs) < 3:
                    continue
                result = noting(notes, value_added, pairs, outcome="outcome", prior="prior")
                t = estimate_targets(result)
                top = pairs["outcome"].max()  # a test has a ceiling: no target above its highest score seen
                t[TARGETS] = t[TARGETS].clip(upper=top)
                parts.append(t.assign(term=term, subject=subject, va_sd=t["va"] / result.model.residual_sd))
    if not parts:
        return pd.DataFrame(columns=["upn", "academic_year", "term", "subject", "score", "prior", "expected", "va",
                                     "va_sd", "pupil_p50", "pupil_p80", "pupil_p95"])
    out = pd.concat(parts, ignore_index=True).rename(columns={"outcome": "score"})
    return out.drop(columns=["sigma"])


def _year_of(table: pd.DataFrame, date_col: str) -> pd.Series:
    if table is None or not len(table) or date_col not in table.columns:
        return pd.Series(dtype="object")
    return pd.Series(school_calendar(table[date_col])["academic_year"].to_numpy(), index=table.index)


def pupil_support(data, *, year: str) -> pd.Series:
    """Each pupil's support in ``year``: "Mentored", "Intervention", "Mentored; Intervention" (index: UPN).

    Mentoring and intervention rows count in the academic year their start date falls in.
    """
    got: dict = {}
    for label, table in zip(_SUPPORT, (data.mentoring, data.interventions)):
        if table is None or not len(table):
            continue
        for upn in table.loc[(_year_of(table, "start_date") == year).to_numpy(), "upn"].unique():
            got.setdefault(upn, []).append(label)
    return pd.Series({k: "; ".join(v) for k, v in got.items()}, dtype="object")


def under_achiever_evidence(data, *, year: str, years=None, threshold: float = -0.5,
                            notes: list | None = None) -> pd.DataFrame:
    """The able pupils making much less progress than expected, with the evidence and their support.

    The evidence is every termly test of ``years`` (up to ``year``; default all) in every subject,
    each set against the same test a year earlier (:func:`expected_scores`). Listed: pupils in the
    school in ``year`` who are able (on the G&T register in any of those years, or with a mean
    score above 115 on a termly test before ``year``) and whose tests are on average more than
    ``-threshold`` residual standard deviations below expected (default half a standard deviation:
    one test alone is too noisy to judge a pupil by).

    Returns
    -------
    pandas.DataFrame
        Internal, worst first: ``upn, Pupil, Year group, On the register, Prior attainment band``
        (of the pupil's earliest termly test here), ``How far below expected (standardised-score
        points)`` (mean over the tests), ``Assessments below expected (of N)``, ``Current support``
        (in ``year``); ``attrs["rule"]`` states the rule.
    """
    notes = [] if notes is None else notes
    years = [y for y in (years or rd.years_of(data)) if y <= year]
    now = data.pupils.loc[data.pupils["academic_year"] == year, "upn"]
    scores = expected_scores(data, years=years[1:], notes=notes)
    scores = scores[scores["upn"].isin(now)].dropna(subset=["va"])
    a = data.assessments
    a = a[(a["score_type"] == "standardised") & a["academic_year"].isin(years) & a["upn"].isin(now)]
    termly = a.groupby(["upn", "academic_year", "term"])["score"].mean().reset_index()
    termly["_t"] = termly["term"].map({t: i for i, t in enumerate(TERMS)})
    earliest = termly.sort_values(["academic_year", "_t"]).groupby("upn")["score"].first()
    high_before = termly[termly["academic_year"] < year].groupby("upn")["score"].max() > 115
    reg = data.pupils[data.pupils["academic_year"].isin(years)].groupby("upn")["gt_register"].any()
    g = scores.groupby("upn")
    mean_sd = g["va_sd"].mean()
    able = reg.reindex(mean_sd.index).fillna(False).astype(bool) | \
        high_before.reindex(mean_sd.index).fillna(False).astype(bool)
    listed = mean_sd.index[able.to_numpy() & (mean_sd < threshold).to_numpy()]
    latest = data.pupils[data.pupils["academic_year"] == year].set_index("upn").reindex(listed)
    out = pd.DataFrame({
        "upn": listed,
        "Pupil": _name(latest.reset_index()).to_numpy(),
        "Year group": latest["year_group"].to_numpy(),
        "On the register": latest["gt_register"].map({True: "Yes", False: "No"}).to_numpy(),
        "Prior attainment band": prior_band(earliest.reindex(listed), scheme="standardised")
        .astype("string").str.capitalize().to_numpy(),
        "How far below expected (standardised-score points)": -g["va"].mean().reindex(listed).to_numpy(),
        "Assessments below expected (of N)": [f"{int((v < 0).sum())} of {len(v)}"
                                              for v in (g.get_group(u)["va"] for u in listed)],
        "Current support": pupil_support(data, year=year).reindex(listed).fillna("None").to_numpy(),
    })
    out = out.sort_values("How far below expected (standardised-score points)", ascending=False,
                          ignore_index=True)
    out.attrs["audience"] = "internal"
    out.attrs["rule"] = (f"on the G&T register, or scoring above 115 on a test before {year}, and on average more than "
                         f"{-threshold:g} standard deviation below the score expected from the same test a year "
                         f"earlier, over the termly tests of {', '.join(years[1:])}. Prior attainment band: of the pupil's first "
                         "termly test in these data (low below 85, middle 85 to 115, high above 115)")
    return out


def pupil_targets(data, *, year: str, audience: str = "leaders", threshold: int = SUPPRESSION_THRESHOLD,
                  subjects=None) -> Section:
    """Targets and on-track status (key area 2; leaders only: it lists pupils).

    Each able pupil's targets (on the register, or above 115 last summer) for this summer's test, set from
    last summer's (``pupil_p50/p80/p95`` of
    :func:`expected_scores`: the score reached by the 50th, 80th and 95th percentile of the school's
    pupils with the same score a year earlier), and whether the latest test this year is on track
    for the median target (:func:`gtanalytics.targets.on_track`). By group (G&T register,
    disadvantaged, SEN): pupils, the share on track or above and the share who reached their
    stretching target, with Wilson 95% intervals. With typical progress about half are on track or
    above and about 1 in 5 reach the stretching target.
    """
    title = "Targets: are pupils on track?"
    question = selfeval.KEY_QUESTIONS[2][1]
    if audience != "leaders":
        return not_answered(2, question, title, audience,
                            "targets are set per pupil; this table names pupils and is for leaders only", asked=title)
    notes: list = []
    scores = expected_scores(data, years=[year], subjects=subjects, terms=("Summer",), notes=notes)
    if scores.empty:
        return not_answered(2, question, title, audience, f"no summer standardised test scores for both {year} and "
                            f"{previous_year(year)}", asked=title)
    tables, sentences = [], []
    small = smallest_group(threshold)
    for subject, s in scores.groupby("subject", sort=False):
        s = on_track(s.reset_index(drop=True), current="score", prior="prior", target=50)
        s["reached"] = s["score"] >= s["pupil_p80"]
        s["on_or_above"] = s["status"].isin(["on track", "above"])
        rows = []
        groups = {"All pupils": pd.Series(True, index=s.index),
                  "On the G&T register": s["gt_register"].fillna(False).astype(bool),
                  "Not on the register": ~s["gt_register"].fillna(False).astype(bool),
                  "Disadvantaged": s["disadvantaged"].fillna(False).astype(bool),
                  "Not disadvantaged": ~s["disadvantaged"].fillna(False).astype(bool),
                  "SEN support or EHC plan": s["sen"].isin(["K", "E", "A"]),
                  "No special educational needs": s["sen"].eq("N")}
        for label, m in groups.items():
            n = int(m.sum())
            if not n:
                continue
            on, reached = int(s.loc[m, "on_or_above"].sum()), int(s.loc[m, "reached"].sum())
            (lo1, hi1), (lo2, hi2) = wilson_ci(on, n), wilson_ci(reached, n)
            rows.append({"group": label, "n": n, "on_track": 100 * on / n, "ci_low": 100 * lo1, "ci_high": 100 * hi1,
                         "reached": 100 * reached / n, "r_low": 100 * lo2, "r_high": 100 * hi2,
                         "low_n": n < small, "ci_method": "wilson"})
        summary = pd.DataFrame(rows)
        tables.append(Table(f"**{subject.capitalize()}, summer {year}: pupils on track, by group** (percent of "
                            "pupils; with typical progress about 50% are on track or above and 20% reach the "
                            "stretching target)", summary,
                            columns={"group": "Pupils", "n": "Number", "on_track": "On track or above (%)",
                                     "ci_low": "95% interval from", "ci_high": "to",
                                     "reached": "Reached stretching target (%)", "r_low": "95% interval from ",
                                     "r_high": "to ", "low_n": f"Fewer than {small} pupils"}, decimals=0))
        reg = summary[summary["group"] == "On the G&T register"]
        if len(reg):
            r = reg.iloc[0]
            few = " (too few pupils to say)" if r["low_n"] else ""
            sentences.append(f"{subject.capitalize()}: {r['on_track']:.0f}% of the {int(r['n'])} register pupils "
                             f"are on track or above for their median target (95% interval {r['ci_low']:.0f}% to "
                             f"{r['ci_high']:.0f}%){few}; {r['reached']:.0f}% reached their stretching target.")
        able = s["gt_register"].fillna(False).astype(bool) | (s["prior"] > 115)
        listed = s[able].sort_values("z_current")
        listed = listed.assign(pupil=_name(listed), status=listed["status"].str.capitalize())
        tables.append(Table(f"{subject.capitalize()}: targets for summer {year} of the register pupils and the others "
                            f"who scored above 115 a year earlier (standardised-score points), lowest progress first",
                            listed.assign(gt_register=listed["gt_register"].map({True: "Yes", False: "No"})),
                            columns={"pupil": "Pupil", "upn": "UPN", "year_group": "Year group",
                                     "gt_register": "On the register",
                                     "prior": f"Summer {previous_year(year)} score",
                                     "pupil_p50": "Median target", "pupil_p80": "Stretching target",
                                     "pupil_p95": "Very stretching target", "score": f"Summer {year} score",
                                     "status": "Against the median target"}, decimals=0))
    meaning = ("**What the targets mean.** " + " ".join(f"*{v.split(' (')[0]}*: {v.split(' (')[1][:-1]}."
                                                        for v in TARGET_NAMES.values())
               + " They are set within this school, not against all schools in England (not FFT's "
                 "\"top 20% of schools\"). *On track* means the summer score is within a quarter of a standard "
                 "deviation of the median target or above it. No target is above the highest score reached on the test.")
    return Section(2, question, title, audience, tables=tuple(tables), sentences=tuple(sentences),
                   notes=(_INTERNAL, meaning, *notes_for(audience, notes)))


def _profile_chart(scores: pd.DataFrame, name: str):
    import matplotlib.pyplot as plt

    subjects = list(dict.fromkeys(scores["subject"]))
    fig, axes = plt.subplots(1, len(subjects), figsize=(5.2 * len(subjects), 3.6), squeeze=False, sharey=True)
    for ax, subject in zip(axes[0], subjects):
        s = scores[scores["subject"] == subject]
        x = np.arange(len(s))
        ax.fill_between(x, s["pupil_p80"], s["pupil_p95"], color="#c6dbef", label="Between the stretching and very stretching targets")
        ax.plot(x, s["expected"], "--", color="#555555", marker="o", mfc="white", label="Expected score")
        ax.plot(x, s["score"], "-", color="#08519c", marker="o", label="Actual score")
        ax.set_xticks(x, [f"{t[:3]}\n{y}" for t, y in zip(s["term"], s["academic_year"])], fontsize=8)
        ax.set_title(subject.capitalize())
        ax.set_ylabel("Standardised score")
    axes[0][0].legend(fontsize=8, loc="best")
    fig.suptitle(f"{name}: test scores against the scores expected of them", fontsize=11)
    fig.tight_layout()
    return keep(axes[0][0])


def pupil_profile(data, *, pupil: str, year: str, years=None, audience: str = "leaders") -> Section:
    """One pupil's profile (internal): scores against expected and targets, support, attendance, register.

    ``pupil`` is a UPN or part of a name (:func:`find_pupil`; it must match one pupil). Shown:
    each termly test against the score expected from the same test a year earlier and the targets
    (:func:`expected_scores`), with a chart; interventions and mentoring received; attendance by
    year; and the pupil's register history (year group, register, area, disadvantage, SEN). A
    governor document gets no profile: it names a pupil.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> d = load_sample().for_school(8862101)
    >>> pupil_profile(d, pupil=d.pupils["upn"].iloc[0], year="2023/24", audience="governors").tables
    ()
    """
    title = "Pupil profile"
    question = selfeval.KEY_QUESTIONS[2][1]
    if audience != "leaders":
        return not_answered(2, question, title, audience,
                            "a pupil profile names a pupil and is for the school's leaders only", asked=title)
    found = find_pupil(data, pupil)
    exact = found[found["upn"].str.casefold() == str(pupil).strip().casefold()]
    found = exact if len(exact) else found
    if len(found) != 1:
        who = "no pupil" if found.empty else f"{len(found)} pupils ({', '.join(found['pupil'].head(5))}...)"
        return Section(2, question, title, audience, notes=((f"'{pupil}' matches {who}: type more of the name or "
                                                            "the UPN."),))
    upn, name = found["upn"].iloc[0], found["pupil"].iloc[0]
    years = [y for y in (years or rd.years_of(data)) if y <= year]
    notes: list = []
    p = data.pupils[data.pupils["upn"] == upn].sort_values("academic_year")
    scores = expected_scores(data, years=years[1:], notes=notes)
    mine = scores[scores["upn"] == upn].copy()
    mine["_t"] = mine["term"].map({t: i for i, t in enumerate(TERMS)})
    mine = mine.sort_values(["subject", "academic_year", "_t"])
    yes_no = {True: "Yes", False: "No"}
    history = p.assign(gt_register=p["gt_register"].map(yes_no), disadvantaged=p["disadvantaged"].map(yes_no),
                       eal=p["eal"].map(yes_no) if "eal" in p.columns else None,
                       sen=p["sen"].map(SEN_WORDS).fillna(p["sen"]) if "sen" in p.columns else None,
                       school=[rd.school_name(data, sid) for sid in p["school_id"]])
    tables = [Table("**Register history**", history,
                    columns={"academic_year": "Year", "school": "School", "year_group": "Year group",
                             "gt_register": "On the G&T register", "gt_area": "Area", "disadvantaged": "Disadvantaged",
                             "sen": "Special educational needs", "eal": "English as an additional language"})]
    charts, sentences = (), []
    if len(mine):
        tables.append(Table("**Tests against expected** (standardised-score points; expected and targets from the "
                            "same test a year earlier)", mine.assign(subject=mine["subject"].str.capitalize()),
                            columns={"subject": "Subject", "academic_year": "Year", "term": "Term",
                                     "prior": "Score a year earlier", "score": "Score", "expected": "Expected",
                                     "va": "Above (+) or below (-) expected", "pupil_p80": "Stretching target",
                                     "pupil_p95": "Very stretching target"}, decimals=0))
        charts = (_profile_chart(mine, name),)
    for table, label, cols in (
            (data.interventions, "**Interventions**", {"programme": "Programme", "subject": "Subject",
                                                      "staff": "Staff", "start_date": "From", "end_date": "To",
                                                      "sessions_attended": "Sessions attended",
                                                      "sessions_planned": "of", "pre_score": "Pre-test",
                                                      "post_score": "Post-test"}),
            (data.mentoring, "**Mentoring**", {"mentor": "Mentor", "start_date": "From", "end_date": "To",
                                              "sessions_held": "Sessions held", "sessions_planned": "of",
                                              "log_entries": "Learning-log entries", "focus": "Focus"})):
        rows = table[table["upn"] == upn] if table is not None and len(table) else pd.DataFrame()
        if len(rows):
            tables.append(Table(label, rows, columns={k: v for k, v in cols.items() if k in rows.columns}))
        else:
            sentences.append(f"{label.strip('*')}: none recorded.")
    att = data.attendance[data.attendance["upn"] == upn] if data.attendance is not None and len(data.attendance) \
        else pd.DataFrame()
    if len(att):
        a = att.groupby("academic_year")[["possible_sessions", "authorised_absence", "unauthorised_absence"]].sum()
        a["absence"] = 100 * (a["authorised_absence"] + a["unauthorised_absence"]) / a["possible_sessions"]
        tables.append(Table("**Attendance** (persistent absence: 10% of sessions or more)", a.reset_index(),
                            columns={"academic_year": "Year", "possible_sessions": "Possible sessions",
                                     "absence": "Absence (% of sessions)"}, decimals=1))
    else:
        sentences.append("Attendance: none recorded.")
    last = mine[mine["academic_year"] == year]
    if len(last):
        below = int((last["va"] < 0).sum())
        sentences.insert(0, f"In {year}, {name} scored below the score expected of them on {below} of {len(last)} "
                         f"tests, by {-last['va'].mean():.0f} standardised-score points on average." if below * 2 > len(last) else
                         f"In {year}, {name} scored at or above the score expected of them on {len(last) - below} of "
                         f"{len(last)} tests ({last['va'].mean():+.0f} standardised-score points on average).")
    return Section(2, question, f"Pupil profile: {name} ({upn})", audience, tables=tuple(tables), charts=charts,
                   notes=(_INTERNAL, *sentences, *notes_for(audience, notes)))


def pupil_lookup(data, *, year: str, years=None, audience: str = "leaders", pupil: str | None = None,
                 interactive: bool = False):
    """Find a pupil and show their profile, starting at ``pupil`` (default: the first under-achiever).

    With ``interactive=False`` (report builds) the starting pupil's :func:`pupil_profile`; otherwise
    an ``ipywidgets.interactive`` with a box that suggests pupils as their name or UPN is typed.
    """
    if audience != "leaders":   # a profile names a pupil: governors get the reason, so no pupil is looked for
        return pupil_profile(data, pupil=pupil, year=year, years=years, audience=audience)
    if pupil is None:
        first = under_achiever_evidence(data, year=year)
        pupil = first["upn"].iloc[0] if len(first) else data.pupils.sort_values("academic_year")["upn"].iloc[-1]
    if not interactive:
        return pupil_profile(data, pupil=pupil, year=year, years=years, audience=audience)
    import ipywidgets as widgets

    p = data.pupils[data.pupils["academic_year"] == year]
    options = sorted(f"{n} ({u})" for n, u in zip(_name(p), p["upn"]))
    start = next((o for o in options if o.endswith(f"({pupil})")), pupil)
    return widgets.interactive(
        lambda pupil: pupil_profile(data, pupil=pupil.rsplit("(", 1)[-1].rstrip(")") if pupil.endswith(")")
                                    else pupil, year=year, years=years, audience=audience),
        pupil=widgets.Combobox(value=start, options=options, description="Pupil", ensure_option=False,
                               placeholder="Type a name or UPN", continuous_update=False))
