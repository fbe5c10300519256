"""Page 1 of a governor report: the school in a line, headline outcomes against national, key findings.

A metric module: frames in, tidy frames out (no charts, no suppression; the report layer
suppresses small groups through :mod:`gtanalytics.disclosure`).

* :func:`school_in_a_line`: pupils on roll, disadvantaged pupils and the G&T register (counts).
* :func:`headline_outcomes`: the outcomes DfE's Analyse School Performance and FFT's governor
  dashboard put first, for all, disadvantaged and other pupils, each with ``n``, an interval and
  the national figure for the same year, phase and group where one is shipped (never an
  UNCONFIRMED one, never another year's, phase's or group's).
* :func:`key_findings`: the 3-5 findings that matter most, ranked by certainty and size, each with
  ``n``, its interval and one plain sentence; :func:`questions_for_governors` turns them into
  questions.

Definitions (DfE)
-----------------
* KS2 expected standard: a scaled score of 100 or above in the reading and maths tests and a
  writing teacher assessment of "working at the expected standard" (EXS) or "working at greater
  depth" (GDS); reading, writing and maths combined = all three.  Percentages are of the pupils
  with a KS2 result (a pupil with no score, e.g. ``N``, has not met the standard).  Average
  scaled scores include only pupils who took the test and achieved a scaled score (80-120).
  Source: DfE, Key stage 2 attainment: national headlines, data guidance (footnotes),
  https://explore-education-statistics.service.gov.uk/find-statistics/key-stage-2-attainment-national-headlines/data-guidance
* KS2 higher standard: "greater depth" (GDS) in writing teacher assessment (same DfE data
  guidance) and a scaled score of 110 or more in the tests (methodology notes §8; schools'
  published results, e.g. https://www.st-edmundsrc.suffolk.sch.uk/page/?title=School+Performance&pid=57);
  combined = all three.
* KS4: Attainment 8 (points, 0-90), Progress 8 (the school's own estimate from DfE's shipped 2024
  national Attainment 8 estimates by KS2 prior-attainment group, with DfE's interval
  mean ± 1.96 × national SD / √n; :func:`gtanalytics.progress.benchmark_progress`),
  grade 4 or above (standard pass) and grade 5 or above (strong pass) in both English and maths.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from gtanalytics.attendance import absence_rates
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.prior_attainment import pair_assessments
from gtanalytics.progress import benchmark_progress, value_added
from gtanalytics.reference import academic_year, national
from gtanalytics._stats import (
    LOW_N,
    mean_ci,
    newcombe_ci,
    welch_moments,
    wilson_ci,
    z_value,
)

__all__ = ["GROUPS", "describe_school", "headline_outcomes", "key_findings", "questions_for_governors",
           "school_in_a_line", "school_phase"]

#: The three groups every headline is given for, and their plain-English names.
GROUPS = {"all": "all pupils", "disadvantaged": "disadvantaged pupils", "not_disadvantaged": "other pupils"}

_PCT = "% of pupils"
_P8_TABLE_YEAR = "2023/24"  # the shipped Progress 8 estimates (p8_2024_*) are DfE's for summer 2024
_MEASURES = {  # measure -> (label, unit)
    "ks2_rwm_expected": ("KS2 reading, writing and maths: expected standard", _PCT),
    "ks2_rwm_higher": ("KS2 reading, writing and maths: higher standard", _PCT),
    "ks2_reading_expected": ("KS2 reading: expected standard", _PCT),
    "ks2_reading_higher": ("KS2 reading: higher standard", _PCT),
    "ks2_writing_expected": ("KS2 writing: expected standard", _PCT),
    "ks2_writing_higher": ("KS2 writing: greater depth", _PCT),
    "ks2_maths_expected": ("KS2 maths: expected standard", _PCT),
    "ks2_maths_higher": ("KS2 maths: higher standard", _PCT),
    "ks2_reading_scaled_score": ("KS2 reading: average scaled score", "scaled-score points"),
    "ks2_maths_scaled_score": ("KS2 maths: average scaled score", "scaled-score points"),
    "ks1_ks2_progress_reading": ("KS1 to KS2 progress in reading (against these data, not national)",
                                 "scaled-score points"),
    "ks1_ks2_progress_maths": ("KS1 to KS2 progress in maths (against these data, not national)",
                               "scaled-score points"),
    "ks4_attainment8": ("Attainment 8", "A8 points"),
    "ks4_progress8": ("Progress 8 (school's own estimate from DfE's 2024 national tables)", "P8 points"),
    "ks4_english_maths_4plus": ("Grade 4 or above in English and maths", _PCT),
    "ks4_english_maths_5plus": ("Grade 5 or above in English and maths", _PCT),
    "overall_absence": ("Overall absence", "% of sessions missed"),
    "persistent_absence": ("Persistent absence (missing 10% or more of sessions)", _PCT),
}
_COLUMNS = ["measure", "label", "group", "group_label", "n", "estimate", "unit", "se", "ci_low", "ci_high",
            "ci_method", "national", "national_source", "national_status", "national_basis", "difference",
            "low_n", "note"]


# --------------------------------------------------------------------------- scope
def _school_rows(data, school) -> tuple[str, pd.DataFrame]:
    sid = str(school).strip()
    pupils = data.pupils
    rows = pupils[pupils["school_id"].astype("string") == sid]
    if rows.empty:
        known = ", ".join(sorted(pupils["school_id"].astype(str).unique())[:10])
        raise GTDataError(f"School {sid!r} has no pupils in the pupils table (schools found: {known}). "
                          "Check the school_id.")
    return sid, rows


def school_phase(data, *, school) -> str:
    """The phase of a school: its ``phase`` in the schools table, else its pupils' year groups.

    Reception to Year 6 only is ``"primary"``; Year 7 and above only is ``"secondary"``; both is
    ``"all-through"``.

    Examples
    --------
    >>> import gtanalytics
    >>> d = gtanalytics.load_sample()
    >>> school_phase(d, school=8862101), school_phase(d, school="8884101")
    ('primary', 'secondary')
    """
    sid, rows = _school_rows(data, school)
    schools = data.schools
    if len(schools) and "phase" in schools.columns:
        ph = schools.loc[schools["school_id"].astype("string") == sid, "phase"].dropna()
        if len(ph) and str(ph.iloc[0]).strip().lower() in ("primary", "secondary", "all-through"):
            return str(ph.iloc[0]).strip().lower()
    years = pd.to_numeric(rows["year_group"], errors="coerce").dropna()
    if years.empty:
        raise GTDataError(f"School {sid}: no year groups recorded, so its phase cannot be worked out. Add a "
                          "schools table with a phase column (primary or secondary).")
    if years.max() <= 6:
        return "primary"
    if years.min() >= 7:
        return "secondary"
    return "all-through"


def _cohort(data, sid: str, year: str) -> pd.DataFrame:
    p = data.pupils
    return p[(p["school_id"].astype("string") == sid) & (p["academic_year"].astype("string") == year)]


def _disadvantaged(pupils: pd.DataFrame) -> pd.Series:
    if "disadvantaged" not in pupils.columns:
        return pd.Series(pd.NA, index=pupils.index, dtype="boolean")
    return pupils["disadvantaged"].astype("boolean")


# --------------------------------------------------------------------------- school in a line
def school_in_a_line(data, *, school, year) -> pd.DataFrame:
    """The school in one line: pupils on roll, disadvantaged pupils and the G&T register.

    Counts, not suppressed: the report layer decides what an audience may see.

    Parameters
    ----------
    data : SchoolData
    school : str or int
        The school's ``school_id``.
    year : str or int
        Academic year (``"2023/24"`` or ``2024``).

    Returns
    -------
    pandas.DataFrame
        One row: ``school_id, school_name, phase, academic_year, year_groups`` (words),
        ``n_pupils`` (pupils on roll in the census), ``n_disadvantaged``, ``n_disadvantaged_known``
        (pupils whose status is recorded), ``pct_disadvantaged`` (of those known),
        ``n_register``, ``pct_register`` (of pupils on roll).

    Examples
    --------
    >>> import gtanalytics
    >>> line = school_in_a_line(gtanalytics.load_sample(), school=8862101, year="2023/24")
    >>> int(line.loc[0, "n_pupils"]), line.loc[0, "year_groups"]
    (350, 'Reception to Year 6')
    """
    sid, _ = _school_rows(data, school)
    yr = academic_year(year)
    p = _cohort(data, sid, yr)
    if p.empty:
        raise GTDataError(f"School {sid} has no pupils in {yr}. Years in the data: "
                          f"{', '.join(sorted(data.pupils['academic_year'].astype(str).unique()))}.")
    dis = _disadvantaged(p)
    known = int(dis.notna().sum())
    n_dis = int(dis.fillna(False).sum())
    reg = p["gt_register"].astype("boolean").fillna(False) if "gt_register" in p else pd.Series(False, index=p.index)
    yg = pd.to_numeric(p["year_group"], errors="coerce").dropna().astype(int)
    words = (lambda y: "Reception" if y == 0 else f"Year {y}")
    groups = f"{words(yg.min())} to {words(yg.max())}" if len(yg) and yg.min() != yg.max() else (
        words(yg.min()) if len(yg) else "not recorded")
    name = sid
    if len(data.schools) and "school_name" in data.schools:
        hit = data.schools.loc[data.schools["school_id"].astype("string") == sid, "school_name"].dropna()
        name = str(hit.iloc[0]) if len(hit) else sid
    n = len(p)
    return pd.DataFrame([{
        "school_id": sid, "school_name": name, "phase": school_phase(data, school=sid), "academic_year": yr,
        "year_groups": groups, "n_pupils": n, "n_disadvantaged": n_dis, "n_disadvantaged_known": known,
        "pct_disadvantaged": 100 * n_dis / known if known else math.nan,
        "n_register": int(reg.sum()), "pct_register": 100 * int(reg.sum()) / n,
    }])


def describe_school(line) -> str:
    """One sentence from a (suppressed, if need be) :func:`school_in_a_line` row.

    Examples
    --------
    >>> describe_school({"school_name": "Oakfield Primary", "phase": "primary", "academic_year": "2023/24",
    ...     "year_groups": "Reception to Year 6", "n_pupils": 350, "pct_disadvantaged": 31.43,
    ...     "n_register": 40, "pct_register": 11.43})
    'Oakfield Primary (primary, Reception to Year 6) had 350 pupils on roll in 2023/24; 31% of them disadvantaged; 40 pupils (11%) on the gifted and talented register.'
    """
    r = dict(line)
    dis = r.get("pct_disadvantaged")
    dis_text = "disadvantage not recorded" if dis is None or pd.isna(dis) else f"{dis:.0f}% of them disadvantaged"
    reg = r.get("n_register")
    reg_text = ("register size withheld (small number)" if reg is None or pd.isna(reg)
                else f"{int(reg)} pupils ({r['pct_register']:.0f}%) on the gifted and talented register")
    return (f"{r['school_name']} ({r['phase']}, {r['year_groups']}) had {int(r['n_pupils'])} pupils on roll in "
            f"{r['academic_year']}; {dis_text}; {reg_text}.")


# --------------------------------------------------------------------------- headline rows
def _row(measure: str, group: str, *, n=0, value=math.nan, se=math.nan, ci_low=math.nan, ci_high=math.nan,
         ci_method="", note="") -> dict:
    label, unit = _MEASURES[measure]
    return {"measure": measure, "label": label, "group": group, "group_label": GROUPS[group], "n": int(n),
            "estimate": value, "unit": unit, "se": se, "ci_low": ci_low, "ci_high": ci_high, "ci_method": ci_method,
            "note": note}


def _split(frame: pd.DataFrame, dis: pd.Series):
    """(group, rows) for all, disadvantaged and other pupils (pupils of unknown status only in 'all')."""
    yield "all", frame
    yield "disadvantaged", frame[dis.reindex(frame.index).fillna(False).to_numpy(bool)]
    yield "not_disadvantaged", frame[(~dis.reindex(frame.index).fillna(True)).to_numpy(bool)]


def _percent_rows(measure, met: pd.Series, dis: pd.Series, confidence: float, note: str) -> list[dict]:
    rows = []
    for group, m in _split(met.to_frame("met"), dis):
        n, k = len(m), int(m["met"].sum())
        if n == 0:
            rows.append(_row(measure, group, note=f"no {GROUPS[group]} with a result"))
            continue
        lo, hi = wilson_ci(k, n, confidence=confidence)
        rows.append(_row(measure, group, n=n, value=100 * k / n, se=100 * math.sqrt(k / n * (1 - k / n) / n),
                         ci_low=100 * float(lo), ci_high=100 * float(hi),
                         ci_method=f"Wilson score {confidence:.0%} interval", note=note))
    return rows


def _mean_rows(measure, values: pd.Series, dis: pd.Series, confidence: float, note: str) -> list[dict]:
    rows = []
    for group, v in _split(values.dropna().to_frame("v"), dis):
        r = mean_ci(v["v"], confidence=confidence)
        if r["n"] == 0:
            rows.append(_row(measure, group, note=f"no {GROUPS[group]} with a score"))
            continue
        rows.append(_row(measure, group, n=r["n"], value=r["mean"], se=r["se"], ci_low=r["ci_low"],
                         ci_high=r["ci_high"], ci_method=f"t {confidence:.0%} interval (n - 1 df)", note=note))
    return rows


def _missing_rows(measures, why: str) -> list[dict]:
    return [_row(m, g, note=why) for m in measures for g in GROUPS]


def _results(data, upns: pd.Index, year: str, assessment: str) -> pd.DataFrame:
    a = data.assessments
    return a[a["upn"].isin(upns) & (a["academic_year"].astype("string") == year)
             & (a["assessment"].astype("string").str.upper() == assessment)]


def _wide(res: pd.DataFrame, column: str) -> pd.DataFrame:
    return res.drop_duplicates(["upn", "subject"], keep="last").pivot(index="upn", columns="subject",
                                                                       values=column)


def _ks2(data, cohort: pd.DataFrame, year: str, confidence: float) -> list[dict]:
    y6 = cohort[pd.to_numeric(cohort["year_group"], errors="coerce") == 6].set_index("upn")
    res = _results(data, y6.index, year, "KS2")
    measures = [m for m in _MEASURES if m.startswith(("ks2_", "ks1_ks2_"))]
    if res.empty:
        why = (f"no Year 6 pupils on roll in {year}" if y6.empty else
               f"no KS2 results for the {len(y6)} Year 6 pupils in {year} in the data")
        return _missing_rows(measures, why)
    dis = _disadvantaged(y6)
    score = _wide(res, "score").astype(float).reindex(y6.index[y6.index.isin(res["upn"])])
    result = _wide(res, "result").reindex(score.index).astype("string").apply(lambda s: s.str.strip().str.upper())
    empty = pd.Series(np.nan, index=score.index)
    read, maths = score.get("reading", empty), score.get("maths", empty)
    wta = result.get("writing", pd.Series(pd.NA, index=score.index, dtype="string"))
    if "writing" in score.columns:  # TA given only as DfE points (113 GDS, 103 EXS, 91 WTS)
        wta = wta.fillna(score["writing"].map({113.0: "GDS", 103.0: "EXS", 91.0: "WTS"}).astype("string"))
    met = {"reading": (read >= 100, read >= 110), "maths": (maths >= 100, maths >= 110),
           "writing": (wta.isin(["EXS", "GDS"]).fillna(False), (wta == "GDS").fillna(False))}
    have = {s: (s in score.columns and score[s].notna().any()) or (s == "writing" and wta.notna().any())
            for s in met}
    rows = []
    if all(have.values()):
        rows += _percent_rows("ks2_rwm_expected", met["reading"][0] & met["maths"][0] & met["writing"][0], dis,
                              confidence, "")
        rows += _percent_rows("ks2_rwm_higher", met["reading"][1] & met["maths"][1] & met["writing"][1], dis,
                              confidence, "")
    else:
        lack = ", ".join(s for s, ok in have.items() if not ok)
        rows += _missing_rows(["ks2_rwm_expected", "ks2_rwm_higher"], f"no KS2 {lack} results in {year}")
    for subject in ("reading", "writing", "maths"):
        names = [f"ks2_{subject}_expected", f"ks2_{subject}_higher"]
        if not have[subject]:
            rows += _missing_rows(names, f"no KS2 {subject} results in {year}")
            continue
        took = res.loc[res["subject"] == subject, "upn"].unique()
        for name, flag in zip(names, met[subject]):
            rows += _percent_rows(name, flag[flag.index.isin(took)], dis, confidence, "")
    for subject in ("reading", "maths"):
        name = f"ks2_{subject}_scaled_score"
        if not have[subject]:
            rows += _missing_rows([name], f"no KS2 {subject} scaled scores in {year}")
            continue
        s = score[subject]
        rows += _mean_rows(name, s.where(s.between(80, 120)), dis, confidence,
                           "pupils who achieved a scaled score (80-120) only")
    return rows + _ks1_ks2(data, y6, year, confidence)


def _ks1_ks2(data, y6: pd.DataFrame, year: str, confidence: float) -> list[dict]:
    """KS1-KS2 value added against every pupil in ``data`` with both (no national KS1-KS2 table is shipped)."""
    rows = []
    a = data.assessments
    census = data.pupils.loc[data.pupils["academic_year"].astype("string") == year, "upn"]
    ks2_all = a[(a["assessment"].astype("string").str.upper() == "KS2") & (a["academic_year"] == year)
                & a["upn"].isin(census)]
    has_ks1 = (a["assessment"].astype("string").str.upper() == "KS1") & a["upn"].isin(ks2_all["upn"])
    for subject in ("reading", "maths"):
        name = f"ks1_ks2_progress_{subject}"
        if not has_ks1.any() or not (ks2_all["subject"] == subject).any():
            rows += _missing_rows([name], "no KS1 teacher assessments for these pupils: KS1 to KS2 progress "
                                          "cannot be worked out")
            continue
        pairs = pair_assessments(a[a["upn"].isin(ks2_all["upn"])], data.pupils,
                                 outcome={"assessment": "KS2", "subject": subject, "academic_year": year},
                                 prior={"assessment": "KS1", "subject": ["reading", "writing", "maths"],
                                        "combine": "ks1_aps"})
        pairs = pairs[pairs["outcome"].between(80, 120) & pairs["prior"].notna()]
        mine = pairs["upn"].isin(y6.index)
        if mine.sum() < 2 or len(pairs) < 3:
            rows += _missing_rows([name], "too few pupils with both KS1 and KS2 results")
            continue
        n_schools = pairs["school_id"].nunique() if "school_id" in pairs else 1
        note = ("relative to all pupils in these data with KS1 and KS2 results "
                f"({n_schools} school{'s' if n_schools != 1 else ''}, {len(pairs)} pupils; linear regression on "
                "KS1 average point score)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GTWarning)
            fit = value_added(pairs, outcome="outcome", prior="prior", confidence=confidence, min_n=1)
        va = fit.pupils.loc[mine.to_numpy()].set_index("upn")["va"]
        sd = float(np.std(fit.pupils["va"].dropna(), ddof=1))
        z = z_value(confidence)
        dis = _disadvantaged(y6)
        for group, v in _split(va.dropna().to_frame("va"), dis):
            n = len(v)
            if n == 0:
                rows.append(_row(name, group, note=f"no {GROUPS[group]} with KS1 and KS2"))
                continue
            if group == "all" and n_schools == 1:
                rows.append(_row(name, group, n=n, note="only this school's pupils are in the data, so its "
                                 "all-pupil progress is 0 by construction; only disadvantaged against other pupils "
                                 "is informative"))
                continue
            m, se = float(v["va"].mean()), sd / math.sqrt(n)
            rows.append(_row(name, group, n=n, value=m, se=se, ci_low=m - z * se, ci_high=m + z * se,
                             ci_method=f"DfE style: mean +/- z({confidence:g}) x SD of all pupils' residuals / "
                                       "sqrt(n)", note=note))
    return rows


def _ks4(data, cohort: pd.DataFrame, year: str, confidence: float) -> list[dict]:
    y11 = cohort[pd.to_numeric(cohort["year_group"], errors="coerce") == 11].set_index("upn")
    res = _results(data, y11.index, year, "KS4")
    measures = [m for m in _MEASURES if m.startswith("ks4_")]
    if res.empty:
        why = (f"no Year 11 pupils on roll in {year}" if y11.empty else
               f"no KS4 results for the {len(y11)} Year 11 pupils in {year} in the data")
        return _missing_rows(measures, why)
    dis = _disadvantaged(y11)
    score = _wide(res, "score").astype(float).reindex(y11.index[y11.index.isin(res["upn"])])
    rows = []
    if "A8" in score.columns and score["A8"].notna().any():
        rows += _mean_rows("ks4_attainment8", score["A8"], dis, confidence, "")
        rows += _progress8(data, score["A8"].dropna(), dis, confidence, year)
    else:
        rows += _missing_rows(["ks4_attainment8", "ks4_progress8"], f"no Attainment 8 totals (subject A8) in {year}")
    if {"english", "maths"} <= set(score.columns):
        for grade, name in ((4, "ks4_english_maths_4plus"), (5, "ks4_english_maths_5plus")):
            met = (score["english"] >= grade) & (score["maths"] >= grade)
            rows += _percent_rows(name, met, dis, confidence, "pupils with a KS4 result; no grade counts as not "
                                                              "reached")
    else:
        rows += _missing_rows(["ks4_english_maths_4plus", "ks4_english_maths_5plus"],
                              f"no GCSE English and maths grades in {year}")
    return rows


def _progress8(data, a8: pd.Series, dis: pd.Series, confidence: float, year: str) -> list[dict]:
    a = data.assessments
    ks2 = a[a["upn"].isin(a8.index) & (a["assessment"].astype("string").str.upper() == "KS2")
            & a["subject"].isin(["reading", "maths"])]
    if ks2.empty:
        return _missing_rows(["ks4_progress8"], "no KS2 reading and maths scaled scores for these pupils")
    latest = ks2.sort_values("academic_year").drop_duplicates(["upn", "subject"], keep="last")
    wide = latest.pivot(index="upn", columns="subject", values="score").reindex(columns=["reading", "maths"])
    frame = a8.to_frame("a8").join(wide.astype(float).mean(axis=1, skipna=False).rename("ks2")).dropna()
    if len(frame) < 3:
        return _missing_rows(["ks4_progress8"], "fewer than 3 pupils with both Attainment 8 and KS2 scores")
    frame["dis"] = dis.reindex(frame.index)
    left = len(a8) - len(frame)
    note = ("an estimate, not DfE's published figure: A8 against DfE's 2024 national estimates by KS2 "
            "prior-attainment group" + ("" if year == _P8_TABLE_YEAR else f" (the {year} tables are not shipped)")
            + (f"; {left} pupils without both KS2 reading and maths scaled scores left out" if left else ""))
    rows = []
    for group, f in _split(frame, frame["dis"].astype("boolean")):
        if len(f) == 0:
            rows.append(_row("ks4_progress8", group, note=f"no {GROUPS[group]} with KS2 and A8"))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GTWarning)
            g = benchmark_progress(f.reset_index(), outcome="a8", prior="ks2", divisor=10,
                                   confidence=confidence, min_n=1).groups.iloc[0] if len(f) >= 3 else None
        if g is None:
            rows.append(_row("ks4_progress8", group, n=len(f), note="fewer than 3 pupils: no estimate"))
            continue
        rows.append(_row("ks4_progress8", group, n=int(g["n"]), value=float(g["va"]), se=float(g["se"]),
                         ci_low=float(g["ci_low"]), ci_high=float(g["ci_high"]), ci_method=str(g["ci_method"]),
                         note=note))
    return rows


def _absence(data, cohort: pd.DataFrame, year: str, phase: str, confidence: float) -> list[dict]:
    measures = ["overall_absence", "persistent_absence"]
    att = data.attendance
    att = att[att["upn"].isin(cohort["upn"]) & (att["academic_year"].astype("string") == year)]
    if att.empty:
        return _missing_rows(measures, f"no attendance records for {year}")
    p = cohort.assign(group=_disadvantaged(cohort).map({True: "disadvantaged", False: "not_disadvantaged"}))
    ph = phase if phase in ("primary", "secondary") else "all"
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        whole = absence_rates(att, pupils=p, phase=ph, confidence=confidence, min_n=1).assign(group="all")
        parts = absence_rates(att, pupils=p, by="group", phase=ph, confidence=confidence, min_n=1)
    res = pd.concat([whole, parts.dropna(subset=["group"])], ignore_index=True)
    for measure in measures:
        for group, words in GROUPS.items():
            hit = res[(res["measure"] == measure) & (res["group"] == group)]
            if hit.empty:
                rows.append(_row(measure, group, note=f"no {words} with attendance records"))
                continue
            r = hit.iloc[0]
            rows.append(_row(measure, group, n=int(r["n"]), value=float(r["estimate"]), se=float(r["se"]),
                             ci_low=float(r["ci_low"]), ci_high=float(r["ci_high"]), ci_method=str(r["ci_method"]),
                             note="pupils on roll in the year, all year groups"))
    return rows


def _national_columns(out: pd.DataFrame, year: str, phase: str) -> pd.DataFrame:
    where = {"primary": "primary schools", "secondary": "secondary schools"}.get(phase, "all schools")
    nat, src, status, basis = [], [], [], []
    for r in out.itertuples(index=False):
        ph = phase if phase in ("primary", "secondary") else "all"
        fig = None
        if r.measure.startswith("ks1_ks2"):
            why = "no national comparison: DfE's KS1 to KS2 estimates are not shipped, so this is within the data"
        elif r.measure == "ks4_progress8" and year != _P8_TABLE_YEAR:
            why = (f"no national comparison: the estimate uses DfE's {_P8_TABLE_YEAR} tables, national Progress 8 "
                   f"for {year} was measured against that year's own tables")
        else:
            fig = national(r.measure, year=year, phase=ph, group=r.group)
            why = f"no confirmed national figure shipped for {where}, {GROUPS[r.group]}, {year}"
        if fig is None:
            nat.append(math.nan), src.append(""), status.append("none"), basis.append(why)
        else:
            nat.append(fig.value), src.append(fig.source), status.append(fig.status), basis.append(fig.basis)
    out["national"], out["national_source"], out["national_status"], out["national_basis"] = nat, src, status, basis
    out["difference"] = out["estimate"] - out["national"]
    return out


def headline_outcomes(data, *, school, year, confidence: float = 0.95, min_n: int = LOW_N,
                      phase: str | None = None) -> pd.DataFrame:
    """Headline outcomes of one school's phase, for all, disadvantaged and other pupils, against national.

    Primary: KS2 reading, writing and maths combined and each subject at the expected and higher
    standard, average scaled scores in reading and maths, and KS1-KS2 progress where the pupils
    have KS1 results.  Secondary: Attainment 8, Progress 8 (the school's own estimate, labelled
    so), grade 4+ and 5+ in English and maths.  Both: overall and persistent absence.  See the
    module notes for the DfE definitions and their sources.

    National figures are the shipped ones (:func:`gtanalytics.reference.national`) for the same
    academic year, the school's phase (absence) and the same group; UNCONFIRMED figures are never
    used.  Where there is none, ``national`` is NaN and ``national_basis`` says why.  KS1-KS2
    progress is value added against all pupils in ``data`` with KS1 and KS2 results (DfE's
    national KS1-KS2 estimates are not shipped, and DfE published no KS1-KS2 progress for
    2023/24), so it is never compared with national.

    Parameters
    ----------
    data : SchoolData
        A loaded dataset (one school or a trust).
    school : str or int
        The school's ``school_id``.
    year : str or int
        Academic year (``"2023/24"`` or ``2024``).
    confidence : float
        Coverage of the intervals.
    min_n : int
        Rows with fewer pupils are flagged ``low_n`` (default 10).
    phase : {"primary", "secondary"}, optional
        Default :func:`school_phase`; an all-through school gets both sets of measures.

    Returns
    -------
    pandas.DataFrame
        One row per measure and group: ``measure, label`` (plain words), ``group`` (``all``,
        ``disadvantaged``, ``not_disadvantaged``), ``group_label``, ``n`` (pupils), ``estimate``,
        ``unit`` (plain words), ``se`` (for percentages the binomial sqrt(p(1-p)/n), the
        interval itself being Wilson's), ``ci_low, ci_high, ci_method``, ``national,
        national_source, national_status`` (CONFIRMED/SECONDARY, or ``none``), ``national_basis``
        (what the national figure covers, or why there is none), ``difference`` (estimate -
        national), ``low_n``, ``note`` (what could not be computed and why, or a caveat).  A
        measure that cannot be computed is still a row, with ``n`` 0, ``estimate`` NaN and the
        reason in ``note``.

    Examples
    --------
    >>> import gtanalytics
    >>> h = headline_outcomes(gtanalytics.load_sample(), school=8862101, year="2023/24")
    >>> r = h.set_index(["measure", "group"]).loc[("ks2_rwm_expected", "all")]
    >>> int(r["n"]), r["unit"], float(r["national"])
    (42, '% of pupils', 61.0)
    """
    sid, _ = _school_rows(data, school)
    yr = academic_year(year)
    ph = phase or school_phase(data, school=sid)
    cohort = _cohort(data, sid, yr)
    if cohort.empty:
        raise GTDataError(f"School {sid} has no pupils in {yr}. Years in the data: "
                          f"{', '.join(sorted(data.pupils['academic_year'].astype(str).unique()))}.")
    rows = []
    if ph in ("primary", "all-through"):
        rows += _ks2(data, cohort, yr, confidence)
    if ph in ("secondary", "all-through"):
        rows += _ks4(data, cohort, yr, confidence)
    if ph not in ("primary", "secondary", "all-through"):
        raise GTDataError(f"phase must be 'primary' or 'secondary' (or 'all-through'), not {ph!r}.")
    rows += _absence(data, cohort, yr, ph, confidence)
    out = _national_columns(pd.DataFrame(rows), yr, ph)
    out["low_n"] = (out["n"] < min_n) & (out["n"] > 0)
    if "disadvantaged" not in data.pupils.columns or _disadvantaged(cohort).isna().all():
        split = out["group"] != "all"
        out.loc[split, "note"] = "disadvantage is not recorded in the pupils table"
    return out[_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- key findings
_FINDING_COLUMNS = ["rank", "source", "topic", "measure", "group", "n", "estimate", "se", "reference", "ci_low",
                    "ci_high", "ci_method", "unit", "z", "clear", "direction", "low_n", "statement"]
_LOWER_IS_BETTER = ("overall_absence", "persistent_absence")
_T_MEANS = ("ks2_reading_scaled_score", "ks2_maths_scaled_score", "ks4_attainment8")


def _num(x, digits: int = 1) -> str:
    """A number for display: rounded here only, with a real minus sign and no '-0.0'."""
    text = f"{x:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "\u2212")


def _value_text(value, unit: str, digits: int = 1) -> str:
    """``81.8% of pupils``, ``40.1 A8 points``."""
    return f"{_num(value, digits)}{unit}" if unit.startswith("%") else f"{_num(value, digits)} {unit}"


def _se_of(lo, hi, confidence: float) -> float:
    return (hi - lo) / (2 * z_value(confidence))


def _diff_unit(unit: str) -> str:
    return "percentage points" if unit.startswith("%") else unit


def _from_headlines(h: pd.DataFrame, confidence: float, min_n: int, year: str) -> list[dict]:
    out = []
    for r in h.itertuples(index=False):
        if not (r.n > 0 and pd.notna(r.estimate) and pd.notna(r.national) and pd.notna(r.ci_low)
                and pd.notna(r.ci_high)):
            continue
        se = _se_of(r.ci_low, r.ci_high, confidence)
        diff = r.estimate - r.national
        clear = bool(r.ci_low > r.national or r.ci_high < r.national)
        dp = 2 if r.unit == "P8 points" else 1
        side = "above" if diff > 0 else "below"
        better = (diff < 0) if r.measure in _LOWER_IS_BETTER else (diff > 0)
        if clear:
            verdict = (f"{_num(abs(diff), dp)} {_diff_unit(r.unit)} {side} the national figure of "
                       f"{_num(r.national, dp)} for {r.group_label}")
        else:
            verdict = (f"in line with the national figure of {_num(r.national, dp)} for {r.group_label} "
                       "(the interval includes it)")
        estimate_words = "an estimate; " if r.measure == "ks4_progress8" else ""
        when = f", {year}" if year else ""
        statement = (f"{r.label}, {r.group_label}{when}: {_value_text(r.estimate, r.unit, dp)} ({estimate_words}"
                     f"{int(r.n)} pupils; {confidence:.0%} interval {_num(r.ci_low, dp)} to {_num(r.ci_high, dp)}), "
                     f"{verdict}.")
        out.append({"source": "headline", "topic": r.measure, "measure": r.label, "group": r.group, "n": int(r.n),
                    "estimate": diff, "reference": r.national, "ci_low": r.ci_low - r.national,
                    "ci_high": r.ci_high - r.national, "ci_method": f"{r.ci_method}; national figure as fixed",
                    "unit": _diff_unit(r.unit),
                    "z": abs(diff) / se if se > 0 else math.inf, "clear": clear,
                    "direction": ("better" if better else "worse") if clear else "in line",
                    "low_n": bool(r.n < min_n), "statement": statement})
    return out


def _gap_interval(dis, oth, confidence: float) -> tuple[float, float, float, str]:
    """Disadvantaged minus other pupils on one headline measure: (difference, low, high, method)."""
    diff = dis.estimate - oth.estimate
    if dis.unit == _PCT:
        k1, k2 = round(dis.estimate * dis.n / 100), round(oth.estimate * oth.n / 100)
        lo, hi = newcombe_ci(k1, dis.n, k2, oth.n, confidence=confidence)
        return diff, 100 * lo, 100 * hi, f"Newcombe hybrid score {confidence:.0%} interval"
    if dis.measure in _T_MEANS:
        w = welch_moments(dis.n, dis.estimate, dis.se ** 2 * dis.n, oth.n, oth.estimate, oth.se ** 2 * oth.n,
                          confidence=confidence)
        return diff, float(w["ci_low"][0]), float(w["ci_high"][0]), f"Welch t {confidence:.0%} interval"
    half = z_value(confidence) * math.hypot(dis.se, oth.se)
    return diff, diff - half, diff + half, f"normal {confidence:.0%} interval from the two groups' standard errors"


def _from_headline_gaps(h: pd.DataFrame, confidence: float, min_n: int, year: str) -> list[dict]:
    """The school's disadvantage gap on a headline measure against the national gap (same year, same measure)."""
    out = []
    rows = h.set_index(["measure", "group"])
    for measure in h["measure"].unique():
        if (measure, "disadvantaged") not in rows.index or (measure, "not_disadvantaged") not in rows.index:
            continue
        dis = pd.Series({**rows.loc[(measure, "disadvantaged")].to_dict(), "measure": measure})
        oth = rows.loc[(measure, "not_disadvantaged")]
        if not (dis["n"] > 0 and oth["n"] > 0 and pd.notna(dis["se"]) and pd.notna(oth["se"])
                and pd.notna(dis["national"]) and pd.notna(oth["national"])):
            continue  # no national gap to set it against: the headline table shows both groups already
        diff, lo, hi, method = _gap_interval(dis, oth, confidence)
        if not (pd.notna(lo) and pd.notna(hi)):
            continue
        nat = float(dis["national"] - oth["national"])
        clear = bool(lo > nat or hi < nat)
        se = _se_of(lo, hi, confidence)
        dp = 2 if dis["unit"] == "P8 points" else 1
        unit = _diff_unit(dis["unit"])
        # a gap is 'wider' when disadvantaged pupils are further behind (ahead, for absence) than nationally
        behind = diff > nat if measure in _LOWER_IS_BETTER else diff < nat
        when = f", {year}" if year else ""
        head = (f"{dis['label']}{when}: disadvantaged pupils {_value_text(dis['estimate'], dis['unit'], dp)}, other "
                f"pupils {_value_text(oth['estimate'], oth['unit'], dp)} ({int(dis['n'])} and {int(oth['n'])} pupils), "
                f"a difference of {_num(diff, dp)} {unit} ({confidence:.0%} interval {_num(lo, dp)} to "
                f"{_num(hi, dp)}) against {_num(nat, dp)} nationally")
        if clear:
            tail = (": disadvantaged pupils are further behind other pupils than nationally." if behind else
                    ": disadvantaged pupils are closer to other pupils than nationally.")
        else:
            tail = ": in line with the national difference (the interval includes it)."
        out.append({"source": "headline_gap", "topic": measure, "measure": str(dis["label"]), "group": "disadvantaged",
                    "n": int(dis["n"] + oth["n"]), "estimate": diff - nat, "reference": nat, "ci_low": lo - nat,
                    "ci_high": hi - nat, "ci_method": f"{method}; national figures as fixed", "unit": unit,
                    "z": abs(diff - nat) / se if se > 0 else math.inf, "clear": clear,
                    "direction": ("worse" if behind else "better") if clear else "in line",
                    "low_n": bool(min(dis["n"], oth["n"]) < min_n), "statement": head + tail})
    return out


def _from_value_added(frames: dict, confidence: float, min_n: int, unit: str) -> list[dict]:
    stats_cols = {"n", "va", "se", "ci_low", "ci_high", "band", "low_n", "ci_method", "sd", "mean_residual"}
    out = []
    for name, frame in frames.items():
        groups = frame.groups if hasattr(frame, "groups") else frame
        keys = [c for c in groups.columns if c not in stats_cols]
        for _, r in groups.iterrows():
            if any(pd.isna(r[c]) for c in ("va", "ci_low", "ci_high", "n")):
                continue
            who = ", ".join(str(r[k]) if k == "group" else f"{k} {r[k]}" for k in keys) or "all pupils"
            clear = bool(r["ci_low"] > 0 or r["ci_high"] < 0)
            se = _se_of(r["ci_low"], r["ci_high"], confidence)
            sign = "+" if r["va"] > 0 else ""
            verdict = ("above" if r["va"] > 0 else "below") + " the expected outcome" if clear else \
                "not clearly different from the expected outcome"
            out.append({"source": "value_added", "topic": f"{name}: {who}", "measure": f"value added in {name}",
                        "group": who,
                        "n": int(r["n"]), "estimate": float(r["va"]), "reference": 0.0, "ci_low": float(r["ci_low"]),
                        "ci_high": float(r["ci_high"]), "ci_method": str(r.get("ci_method", "")), "unit": unit,
                        "z": abs(r["va"]) / se if se > 0 else math.inf, "clear": clear,
                        "direction": ("better" if r["va"] > 0 else "worse") if clear else "in line",
                        "low_n": bool(r["n"] < min_n),
                        "statement": (f"Value added in {name}, {who[:1].lower() + who[1:]}: {sign}{_num(r['va'])} {unit} ({int(r['n'])} "
                                      f"pupils; {confidence:.0%} interval {_num(r['ci_low'])} to "
                                      f"{_num(r['ci_high'])}), {verdict}.")})
    return out


def _from_gaps(gap_trends: dict, confidence: float, min_n: int, unit: str) -> list[dict]:
    out = []
    for name, trend in gap_trends.items():
        change = trend if isinstance(trend, pd.DataFrame) else trend.change
        for r in change.itertuples(index=False):
            if any(pd.isna(v) for v in (r.gap_first, r.gap_last, r.ci_low, r.ci_high, r.n_focus, r.n_other)):
                continue  # too few to say, or suppressed for the audience
            g1, g2 = float(r.gap_first), float(r.gap_last)
            sign = -1.0 if (g1 + g2) < 0 else 1.0  # gaps are focus - other: negative means the focus group is behind
            if np.sign(g1) != np.sign(g2) and g1 != 0 and g2 != 0:
                size, lo, hi = sign * (g2 - g1), *sorted((sign * r.ci_low, sign * r.ci_high))
                words = (f"the gap between disadvantaged and other pupils in {name} reversed, from "
                         f"{_num(abs(g1))} {unit} {'behind' if g1 < 0 else 'ahead'} in {r.first_year} to "
                         f"{_num(abs(g2))} {unit} {'behind' if g2 < 0 else 'ahead'} in {r.last_year}")
            else:
                size = abs(g2) - abs(g1)
                lo, hi = sorted((sign * r.ci_low, sign * r.ci_high))
                behind = "disadvantaged pupils behind" if sign < 0 else "disadvantaged pupils ahead"
                verb = "widened" if size > 0 else "narrowed"
                words = (f"the gap between disadvantaged and other pupils in {name} {verb} from {_num(abs(g1))} to "
                         f"{_num(abs(g2))} {unit} ({behind}) between {r.first_year} and {r.last_year}")
            clear = bool(lo > 0 or hi < 0)
            if not clear:
                words = words.replace(" widened from", " changed from").replace(" narrowed from", " changed from")
            se = _se_of(lo, hi, confidence)
            n = int(r.n_focus) + int(r.n_other)
            sentence = (f"{words[0].upper()}{words[1:]}: a change of {_num(size)} {unit} ({confidence:.0%} interval "
                        f"{_num(lo)} to {_num(hi)}; {int(r.n_focus)} disadvantaged and {int(r.n_other)} other "
                        f"pupil results)" + ("" if clear else ", which chance alone could produce") + ".")
            cls = str(getattr(r, "classification", ""))
            if clear and "because" in cls:
                sentence = sentence[:-1] + f", {cls.split(': ', 1)[-1]}."
            out.append({"source": "gap_trend", "topic": name, "measure": f"disadvantage gap in {name}",
                        "group": "disadvantaged", "n": n, "estimate": size, "reference": 0.0, "ci_low": lo,
                        "ci_high": hi, "ci_method": str(getattr(r, "ci_method", "")), "unit": unit,
                        "z": abs(size) / se if se > 0 else math.inf, "clear": clear,
                        "direction": (("worse" if size > 0 else "better") if sign < 0 else
                                      ("better" if size > 0 else "worse")) if clear else "no clear change",
                        "low_n": bool(r.low_n), "statement": sentence})
    return out


def _group_words(characteristic: str, value) -> str:
    v = str(value)
    known = {("disadvantaged", "yes"): "Disadvantaged pupils", ("disadvantaged", "True"): "Disadvantaged pupils",
             ("lac", "yes"): "Looked-after children", ("lac", "True"): "Looked-after children",
             ("eal", "yes"): "Pupils with English as an additional language",
             ("sen", "K"): "Pupils receiving SEN support", ("sen", "E"): "Pupils with an EHC plan",
             ("sex", "F"): "Girls", ("sex", "M"): "Boys"}
    if characteristic in ("ethnicity_major", "ethnicity"):
        return f"{v} pupils"
    return known.get((characteristic, v), f"Pupils with {characteristic.replace('_', ' ')} {v}")


def _from_register(reg: pd.DataFrame, confidence: float) -> list[dict]:
    out = []
    for r in reg.itertuples(index=False):
        shown = (r.estimate, r.ci_low, r.ci_high, r.n, r.n_group_register, r.n_register, r.share_cohort,
                 r.share_register)
        if any(pd.isna(v) for v in shown) or r.n == 0:
            continue  # suppressed for the audience, or nothing to compare
        if str(r.characteristic) in ("disadvantaged", "lac", "eal") and str(r.value) in ("no", "False"):
            continue  # the complement of a group says the same thing again
        clear = bool(r.ci_low > 1 or r.ci_high < 1)
        lo, hi = max(r.ci_low, 1e-3), max(r.ci_high, 1e-3)
        se = (math.log(hi) - math.log(lo)) / (2 * z_value(confidence))
        z = abs(math.log(max(r.estimate, 1e-3))) / se if se > 0 else math.inf
        who = _group_words(str(r.characteristic), r.value)
        share = (f"{who} are {_num(100 * r.share_cohort, 0)}% of pupils but {_num(100 * r.share_register, 0)}% of "
                 f"the gifted and talented register ({int(r.n_group_register)} of {int(r.n_register)} register "
                 f"pupils)")
        if clear:
            how = "under-represented" if r.estimate < 1 else "over-represented"
            tail = (f": {how}, at {_num(r.estimate, 2)} times their share of pupils ({confidence:.0%} interval "
                    f"{_num(r.ci_low, 2)} to {_num(r.ci_high, 2)}).")
        else:
            tail = (f"; {_num(r.estimate, 2)} times their share ({confidence:.0%} interval {_num(r.ci_low, 2)} to "
                    f"{_num(r.ci_high, 2)}), which does not show a clear difference.")
        out.append({"source": "register", "topic": f"{r.characteristic}={r.value}", "measure": "register share",
                    "group": who, "n": int(r.n), "estimate": float(r.estimate), "reference": 1.0,
                    "ci_low": float(r.ci_low), "ci_high": float(r.ci_high), "ci_method": str(r.ci_method),
                    "unit": "times their share of pupils",
                    "z": z, "clear": clear, "direction": ("worse" if r.estimate < 1 else "better") if clear else "in line",
                    "low_n": bool(r.low_n), "statement": share + tail})
    return out


def _signed(x, digits: int = 2) -> str:
    return ("+" if round(x, digits) > 0 else "") + _num(x, digits)


def _from_interventions(imp: pd.DataFrame, confidence: float) -> list[dict]:
    """One finding per programme: its effect size against comparable pupils (as key area 3 states it).

    The effect size (``estimate, ci_low, ci_high``) where the frame has one, else the effect in points
    (``effect, effect_ci_low, effect_ci_high``).
    """
    sd_units = "estimate" in imp.columns
    est_col, lo_col, hi_col = (("estimate", "ci_low", "ci_high") if sd_units else
                               ("effect", "effect_ci_low", "effect_ci_high"))
    out = []
    for r in imp.to_dict("records"):
        est, lo, hi = r.get(est_col), r.get(lo_col), r.get(hi_col)
        if any(pd.isna(v) for v in (est, lo, hi, r.get("n"))):
            continue  # no comparison, or suppressed for the audience
        clear = bool(lo > 0 or hi < 0)
        se = _se_of(lo, hi, confidence)
        m = r.get("months")
        m = None if m is None or pd.isna(m) else int(m)
        months = ("" if m is None else ", about no additional progress" if m == 0 else
                  f", about {m} {'month' + chr(39) + 's' if m == 1 else 'months' + chr(39)} additional progress"
                  if m > 0 else f", about {-m} month{'s' if m < -1 else ''} less progress")
        unit = "effect size" if sd_units else "standardised-score points"
        size = f"effect size {_signed(est)}" if sd_units else f"{_signed(est, 1)} standardised-score points"
        n_comp = r.get("n_comparison")
        comp = "" if n_comp is None or pd.isna(n_comp) else f", {int(n_comp)} in the comparison group"
        verdict = ("" if clear else ": no clear difference from comparable pupils")
        text = (f"{r['programme']}: {size} on the next termly standardised test against comparable pupils "
                f"({confidence:.0%} interval {_signed(lo)} to {_signed(hi)}; {int(r['n'])} pupils{comp}"
                f"{months}){verdict}.")
        out.append({"source": "intervention", "topic": str(r["programme"]), "measure": f"impact of {r['programme']}",
                    "group": "participants", "n": int(r["n"]), "estimate": float(est), "reference": 0.0,
                    "ci_low": float(lo), "ci_high": float(hi), "ci_method": str(r.get("ci_method" if sd_units else "comparison_method", "")),
                    "unit": unit, "z": abs(est) / se if se > 0 else math.inf,
                    "clear": clear, "direction": ("better" if est > 0 else "worse") if clear else "no clear impact",
                    "low_n": bool(r.get("low_n", False)), "statement": text})
    return out


def key_findings(headlines: pd.DataFrame | None = None, *, gap_trends: dict | None = None,
                 register: pd.DataFrame | None = None, interventions: pd.DataFrame | None = None,
                 value_added: dict | None = None, year=None, gap_unit: str = "standardised-score points",
                 va_unit: str = "standardised-score points", confidence: float = 0.95,
                 min_n: int = LOW_N, max_findings: int = 5, min_findings: int = 3,
                 per_source: int = 2) -> pd.DataFrame:
    """The findings that matter most, ranked, each with ``n``, its interval and one plain sentence.

    Every result given is turned into candidate findings, each a difference from a reference:
    a headline outcome against the national figure for the same year, phase and group (only
    rows with one); the difference between disadvantaged and other pupils on a headline outcome
    against the national difference, where both national figures are shipped (Newcombe interval
    for percentages, Welch for mean scores, normal from the two standard errors otherwise); a change in the disadvantage gap against no change; a group's share of
    the G&T register against its share of pupils (ratio 1); an intervention's effect against
    comparable pupils (0); a group's value added against the expected outcome (0).

    Ranking rule, in order:

    1. findings whose interval excludes the reference ("clear") come before the rest;
    2. findings from groups of at least ``min_n`` pupils come before small ones;
    3. concerns (worse than the reference) before strengths: they are what a governor must ask
       about (the "areas to investigate" of Ofsted's IDSR);
    4. then by ``z``, the size of the difference in units of its standard error (the standard
       error read from the interval: width / (2 x 1.96); log scale for register ratios).
       A large, certain difference ranks above a small or uncertain one.

    Findings are built only from the numbers in the frames given: pass frames already
    suppressed for the audience (small groups' values and counts blank, e.g. through
    :mod:`gtanalytics.disclosure`) and a blank row gives no finding, so no sentence can show a
    number the tables hide.

    One finding per topic (a measure, a programme, a register group: the first in this order,
    so a measure is not reported for all pupils and again for disadvantaged pupils).  At most
    ``per_source`` findings come from each kind of result (so one table cannot fill the
    page); at most ``max_findings`` in all, of which at most ``max_findings - 1`` concerns when
    there is a clear strength (so the page is not only bad news when there is good news too);
    at least ``min_findings`` where there are that many candidates (topped up with the strongest
    unclear ones, which say so in words).

    Parameters
    ----------
    headlines : pandas.DataFrame, optional
        From :func:`headline_outcomes`.
    gap_trends : dict, optional
        ``{what was measured (e.g. "the reading summer test"): GapTrend or its .change frame}``
        from :func:`gtanalytics.gap_trends.gap_trend` with focus = disadvantaged pupils (gap
        = focus - other).
    register : pandas.DataFrame, optional
        From :func:`gtanalytics.register.register_representation`.
    interventions : pandas.DataFrame, optional
        From :func:`gtanalytics.interventions.intervention_impact`.
    value_added : dict, optional
        ``{what was measured: ValueAddedResult or its .groups frame}`` (a column ``group`` is named by its
        value alone, e.g. "Pupils on the G&T register"; e.g. value added by
        register membership or disadvantage from :func:`gtanalytics.progress.value_added`).
    year : str or int, optional
        Academic year named in headline sentences (default: from nothing, so omitted).
    gap_unit, va_unit : str
        Units of the gap-trend outcomes and of value added.
    confidence : float
        Coverage of the intervals given (used to read standard errors from them).
    min_n, max_findings, min_findings, per_source : int

    Returns
    -------
    pandas.DataFrame
        ``rank, source`` (headline, headline_gap, gap_trend, register, intervention,
        value_added), ``topic``, ``measure``, ``group, n, estimate`` (difference from the
        reference, in ``unit``), ``se`` (the standard error the interval implies: half its width
        over z), ``reference, ci_low, ci_high`` (of ``estimate``), ``ci_method,
        unit, z, clear, direction`` (better, worse, in line / no clear change / no clear impact),
        ``low_n, statement`` (one sentence, numbers rounded only here).

    Examples
    --------
    >>> import pandas as pd
    >>> change = pd.DataFrame({"first_year": ["2021/22"], "last_year": ["2023/24"], "gap_first": [-6.6],
    ...     "gap_last": [-11.6], "ci_low": [-8.2], "ci_high": [-1.8], "n_focus": [489], "n_other": [956],
    ...     "low_n": [False], "classification": ["widening"]})
    >>> print(key_findings(gap_trends={"the reading summer test": change}).statement[0])
    The gap between disadvantaged and other pupils in the reading summer test widened from 6.6 to 11.6 standardised-score points (disadvantaged pupils behind) between 2021/22 and 2023/24: a change of 5.0 standardised-score points (95% interval 1.8 to 8.2; 489 disadvantaged and 956 other pupil results).
    """
    yr = academic_year(year) if year is not None else ""
    cands = []
    if headlines is not None and len(headlines):
        cands += _from_headlines(headlines, confidence, min_n, yr)
        cands += _from_headline_gaps(headlines, confidence, min_n, yr)
    if gap_trends:
        cands += _from_gaps(gap_trends, confidence, min_n, gap_unit)
    if register is not None and len(register):
        cands += _from_register(register, confidence)
    if interventions is not None and len(interventions):
        cands += _from_interventions(interventions, confidence)
    if value_added:
        cands += _from_value_added(value_added, confidence, min_n, va_unit)
    if not cands:
        return pd.DataFrame(columns=_FINDING_COLUMNS)
    c = pd.DataFrame(cands)
    c["_concern"] = c["direction"] != "worse"
    c = c.sort_values(["clear", "low_n", "_concern", "z"], ascending=[False, True, True, False], kind="stable")
    c = c.drop_duplicates("topic")  # one finding per fact: a measure's strongest finding only
    c = c[c.groupby("source").cumcount() < per_source].drop(columns="_concern")
    clear = c[c["clear"]]
    concerns, strengths = clear[clear["direction"] == "worse"], clear[clear["direction"] != "worse"]
    room = max_findings - 1 if len(strengths) else max_findings
    chosen = pd.concat([concerns.head(room), strengths]).head(max_findings)
    if len(chosen) < min_findings:
        chosen = pd.concat([chosen, c[~c["clear"]]]).head(min_findings)
    out = chosen.reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    out["se"] = (out["ci_high"] - out["ci_low"]) / (2 * z_value(confidence))
    return out[_FINDING_COLUMNS]


def _question(f) -> str:
    src, d = f["source"], f["direction"]
    if src == "headline":
        who = GROUPS.get(f["group"], f["group"])
        what = f"{f['measure']} for {who}"
        side = "above" if f["estimate"] > 0 else "below"
        if d == "worse":
            return (f"{what} is {side} the national figure: what is the plan to improve it, and how will governors "
                    "see whether it is working?")
        if d == "better":
            return (f"{what} is {side} the national figure, which is better: what lies behind it, and can other "
                    "groups or subjects learn from it?")
        return f"{what} is in line with the national figure: is that the school's ambition, or should it be higher?"
    if src == "headline_gap":
        if d == "worse":
            return (f"In {f['measure']}, disadvantaged pupils are further behind other pupils than nationally: "
                    "what is the school doing about it, and how is pupil premium funding used for it?")
        if d == "better":
            return (f"In {f['measure']}, disadvantaged pupils are closer to other pupils than nationally: what is "
                    "working for them that the school should keep doing?")
        return (f"In {f['measure']}, the gap between disadvantaged and other pupils is like the national gap: is "
                "the school aiming to close it, and by when?")
    if src == "value_added":
        what = f["measure"][0].upper() + f["measure"][1:]
        if d == "worse":
            return f"Why is {f['measure']} below expected for {f['group']}, and what will change?"
        if d == "better":
            return f"{what} is above expected for {f['group']}: what is working?"
        return (f"{what} for {f['group']} is not clearly different from expected: is that good enough for these "
                "pupils?")
    if src == "gap_trend":
        if d == "worse":
            return (f"Why has the disadvantage gap in {f['topic']} widened, and how is pupil premium funding "
                    "being targeted at it this year?")
        if d == "better":
            return (f"The disadvantage gap in {f['topic']} narrowed: which actions made the difference, and are "
                    "disadvantaged pupils themselves doing better?")
        return (f"Is the disadvantage gap in {f['topic']} closing? The change is too small to tell: "
                "what evidence will the school look at next?")
    if src == "register":
        if d == "worse":
            return (f"{f['group']} are under-represented on the gifted and talented register: how are able pupils "
                    "in this group identified, and will the criteria be reviewed?")
        if d == "better":
            return f"{f['group']} are over-represented on the register: are the identification criteria fair to other groups?"
        who = f["group"][:1].lower() + f["group"][1:]  # "pupils with an EHC plan", not "ehc"
        return f"Does the register represent {who} fairly? What would the school need to know to be sure?"
    if src == "intervention":
        if d == "better":
            return f"{f['topic']} shows a clear impact: could more of the pupils who need it take part, and at what cost?"
        if d == "worse":
            return f"Pupils in {f['topic']} did worse than comparable pupils: should it continue in its current form?"
        return f"{f['topic']} shows no clear impact against comparable pupils: should the school keep funding it, or change it?"
    raise GTDataError(f"Unknown kind of finding {src!r}.")


def questions_for_governors(findings: pd.DataFrame, *, max_questions: int = 5) -> list[str]:
    """Questions a governor could ask, one from each finding (in rank order, no repeats).

    Each question names the measure, the group and the direction of its finding, so it is about
    this school's data, not generic.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"source": ["gap_trend"], "direction": ["worse"], "topic": ["the reading test"],
    ...                   "measure": ["disadvantage gap"], "group": ["disadvantaged"]})
    >>> questions_for_governors(f)
    ['Why has the disadvantage gap in the reading test widened, and how is pupil premium funding being targeted at it this year?']
    """
    out = []
    for _, f in findings.iterrows():
        q = _question(f)
        if q not in out:
            out.append(q)
    return out[:max_questions]
