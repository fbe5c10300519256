"""Key area 3, effective learning for excellence: are intervention programmes working, and whose groups
make the most progress?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gtanalytics import narrative as nv
from gtanalytics import selfeval
from gtanalytics import plotting
from gtanalytics import disclosure
from gtanalytics.balance import describe_comparability
from gtanalytics.comparison import HALF_TERMS, school_calendar
from gtanalytics.data.schemas import TERMS
from gtanalytics.errors import GTDataError
from gtanalytics.interventions import intervention_impact, mini_review, termly_review
from gtanalytics.sections.core import Section, Table, not_answered, smallest_group, staff_text
from gtanalytics.sections.figures import keep, notes_for, noting
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["interventions_working", "mini_learning_review", "review_calendar", "staff_caseloads", "staff_groups",
           "termly_programme_review"]

_Q = selfeval.KEY_QUESTIONS[3]
_VALUES = ["estimate", "se", "ci_low", "ci_high", "months", "gain", "pre_mean", "post_mean", "effect", "effect_se",
           "effect_ci_low", "effect_ci_high"]
_COLUMNS = {"n": "Pupils", "n_comparison": "Comparison pupils", "estimate": "Effect size",
            "ci_low": "95% interval from", "ci_high": "to", "months": "Months' progress"}


def _no_records(question: str, title: str, audience: str, key_area: int) -> Section:
    return not_answered(key_area, question, title, audience, "no intervention records were supplied", evidence=True)


def interventions_working(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                          ledger=None) -> Section:
    """Are intervention programmes working? (key area 3, question 1)

    :func:`gtanalytics.interventions.intervention_impact` by programme against
    comparable pupils, made safe with
    :func:`gtanalytics.disclosure.programmes_for_audience` (programmes
    whose counts add up to key area 5's yearly total form one block).
    Programme names are staff-entered text (:func:`staff_text`).

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = interventions_working(load_sample().for_school(8862101), year="2023/24")
    >>> sec.key_area, len(sec.charts)
    (3, 1)
    """
    title = "Are intervention programmes working?"
    if not len(data.interventions):
        return _no_records(_Q[0], title, audience, 3)
    notes: list = []
    ivs = data.interventions.assign(
        programme=staff_text(data.interventions["programme"], audience=audience, pupils=data))
    impact = noting(notes, intervention_impact, ivs, by=("programme",), pupils=data.pupils,
                    assessments=data.assessments, rng=2024)
    impact = disclosure.programmes_for_audience(impact, ivs, academic_year=year, count_cols=["n", "n_comparison"],
                                        value_cols=_VALUES, threshold=threshold, audience=audience)
    small = smallest_group(threshold)
    chart = keep(plotting.effects_forest(impact, label="programme", min_n=small,
                                         title="Intervention programmes against comparable pupils"))
    sentences = tuple(nv.describe_effect(impact, outcome_name="the termly standardised test", label="programme",
                                         min_n=small))
    tables = (Table("", impact, columns={"programme": "Programme", **_COLUMNS}),) if audience == "leaders" else ()
    return Section(3, _Q[0], title, audience, tables=tables, charts=(chart,), sentences=sentences,
                   evidence=sentences, notes=notes_for(audience, notes), frames={"interventions": impact})


def staff_groups(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD, ledger=None,
                 key_area: int = 3) -> Section:
    """Which learning support staff's intervention groups make the most progress? (key area 3, question 2)

    Staff are named by their code in the data, so governors see this only as
    a count of staff whose groups made clear progress: each member of staff's
    groups are shown to leaders. ``key_area=5`` asks it as key area 5's
    "which non-teaching staff could support G&T pupils?".
    """
    question = _Q[1] if key_area == 3 else selfeval.KEY_QUESTIONS[5][0]
    title = "Which staff's intervention groups make the most progress?"
    if not len(data.interventions):
        return _no_records(question, title, audience, key_area)
    notes: list = []
    by_staff = noting(notes, intervention_impact, data.interventions, by=("staff",), pupils=data.pupils,
                      assessments=data.assessments, rng=2024)
    by_staff = disclosure.for_audience(by_staff, count_cols=["n", "n_comparison"],
                               value_cols=["estimate", "se", "ci_low", "ci_high", "months"], threshold=threshold,
                               audience=audience)
    small = smallest_group(threshold)
    if audience != "leaders":
        return not_answered(key_area, question, title, audience,
                            "each member of staff's groups are shown to leaders, not governors")
    chart = keep(plotting.effects_forest(by_staff, label="staff", min_n=small,
                                         title="Each member of staff's intervention groups"))
    sentences = tuple(nv.describe_effect(by_staff, outcome_name="the termly test", label="staff",
                                         min_n=small, key_area=key_area))
    return Section(key_area, question, title, audience, charts=(chart,), sentences=sentences,
                   evidence=sentences, notes=notes_for(audience, notes))


# --------------------------------------------------------------------------- the review meetings
#: Half terms in words.
HALF_TERM_WORDS = dict(zip(HALF_TERMS, ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"]))
#: Share of planned sessions below which a pupil's attendance at sessions is a concern.
LOW_SESSION_ATTENDANCE = 0.8
_MINI_NOTE = ("Each pupil's post-test is set against the score expected from their pre-test (a regression over all "
              "the year's intervention pupils on the same measure): \u201cabove\u201d or \u201cbelow expected\u201d "
              "when more than half a residual standard deviation away, a guide for the meeting, not a test.")


def review_calendar(interventions: pd.DataFrame, *, year: str) -> pd.DataFrame:
    """Who ran interventions in which half term and term of ``year``: the choices of the review controls.

    Returns
    -------
    pandas.DataFrame
        One row per member of staff, programme and half term in which one
        of their interventions ran (``staff, programme, half_term, term``),
        in calendar order; ``term`` is the term the programme started in,
        as :func:`gtanalytics.interventions.termly_review` counts it.

    Examples
    --------
    >>> iv = pd.DataFrame({"staff": "LSA-1", "programme": "A", "start_date": ["2024-01-08"],
    ...                    "end_date": ["2024-03-08"]})
    >>> review_calendar(iv, year="2023/24")[["half_term", "term"]].values.tolist()
    [['Spr1', 'Spring'], ['Spr2', 'Spring']]
    """
    start, end = school_calendar(interventions["start_date"]), school_calendar(interventions["end_date"])
    rows = []
    for i, (a, b) in enumerate(zip(start.itertuples(), end.itertuples())):
        if a.academic_year != year:
            continue
        last = HALF_TERMS.index(b.half_term) if b.academic_year == year else len(HALF_TERMS) - 1
        for h in HALF_TERMS[HALF_TERMS.index(a.half_term):last + 1]:
            rows.append((str(interventions["staff"].iloc[i]), str(interventions["programme"].iloc[i]), h, a.term))
    out = pd.DataFrame(rows, columns=["staff", "programme", "half_term", "term"]).drop_duplicates()
    order = out["half_term"].map(HALF_TERMS.index)
    return out.assign(_o=order).sort_values(["_o", "staff", "programme"]).drop(columns="_o").reset_index(drop=True)


def _pm(est, lo, hi, decimals: int = 1) -> str:
    """``+6.1 (+2.1 to +10.1)``; "not available" when the estimate is missing; no "-0.0"."""
    if est is None or pd.isna(est):
        return "not available"
    def f(v):
        return f"{round(float(v), decimals) + 0.0:+.{decimals}f}"  # + 0.0 turns -0.0 into 0.0

    return f(est) if pd.isna(lo) or pd.isna(hi) else f"{f(est)} ({f(lo)} to {f(hi)})"


def _tidy_notes(notes: list) -> list:
    """Warnings as a leader reads them: no ``programme=`` labels, and no "only n pupils" (the sentences say it)."""
    return [n.replace("programme=", "") for n in notes if "the estimates are imprecise" not in n]


def _readable(impact: pd.DataFrame) -> pd.DataFrame:
    """Attendance at sessions as a percentage and the comparison pupils in words, for a printed review."""
    return impact.assign(
        attended=[f"{a:.0%}" if pd.notna(a) else "not recorded" for a in impact["attendance_rate"]],
        compared=[f"{int(n)}" if pd.notna(n) else "none with a termly test" for n in impact["n_comparison"]],
        months_label=impact["months_label"].fillna("not available"))


def _leaders_only(question: str, title: str, audience: str) -> Section | None:
    if audience == "leaders":
        return None
    return not_answered(3, _Q[0], title, audience, "the review names pupils and staff, so it is for leaders' internal "
                        "meetings; governors see whether programmes work overall", asked=question)


def _controls(function, data, *, year: str, audience: str, threshold: int, **choices):
    import ipywidgets as widgets

    from gtanalytics.data import years_of

    boxes = {k: widgets.Dropdown(options=[(label, v) for v, label in opts], value=value, description=desc)
             for k, (opts, value, desc) in choices.items()}
    return widgets.interactive(function, data=widgets.fixed(data), audience=widgets.fixed(audience),
                               threshold=widgets.fixed(threshold), ledger=widgets.fixed(None),
                               interactive=widgets.fixed(False),
                               year=widgets.Dropdown(options=years_of(data), value=year, description="Year"), **boxes)


def _ways_forward(r) -> str:
    """What to do next with one programme, from its judgement, attendance and comparison."""
    j, why = str(r["judgement"]), str(r.get("judgement_reason", ""))
    if j == "clear positive impact":
        step = ("keep it, offer it to more of the pupils it is meant for, and keep comparing them with pupils "
                "chosen the same way")
    elif j == "negative":
        step = "stop or change it now, and check each pupil's progress with their teachers"
    elif j == "too few pupils to judge":
        step = "too few pupils to judge in one term: judge it over the year, with every term's pupils together"
    elif j == "promising" and "not comparable" in why:
        step = ("continue, and compare with pupils chosen the same way (for example those on the waiting list) "
                "before deciding")
    elif j == "promising" and "no comparison" in why:
        step = "continue, and record the termly test for pupils not in it, so that its impact can be judged"
    elif j == "promising":
        step = "continue for another term and judge it on more pupils before deciding: the interval includes zero"
    else:
        step = ("review it with the staff who deliver it (sessions held, group size, how closely the programme is "
                "followed) and consider a programme with stronger evidence (EEF Teaching and Learning Toolkit)")
    extra = []
    if pd.notna(r.get("attendance_rate")) and r["attendance_rate"] < LOW_SESSION_ATTENDANCE:
        extra.append(f"pupils attended only {r['attendance_rate']:.0%} of the sessions planned: find out why")
    if bool(r.get("rtm_risk")) is True:
        extra.append("pupils were chosen for low scores, so their raw gains overstate its effect")
    return "; ".join([step, *extra])


def mini_learning_review(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                         ledger=None, staff: str | None = None, half_term: str | None = None,
                         interactive: bool = False):
    """The half-termly mini learning review of one LSA's groups, to print for the review meeting (leaders only).

    :func:`gtanalytics.interventions.mini_review` for ``staff`` in
    ``half_term`` of ``year``: each pupil's pre- and post-test, the change,
    the score expected from the pre-test and a progress judgement; each
    programme's mean change and its effect against comparable pupils, both
    with 95% intervals, and whether those pupils were comparable
    (:func:`gtanalytics.balance.describe_comparability`); and the concerns to
    raise: pupils who fell back (post-test below pre-test), pupils below
    expected, pupils who attended fewer than 80% of the sessions planned.
    The review names pupils: governors are told it is internal.

    Parameters
    ----------
    data : SchoolData
    year : str
    staff, half_term : str, optional
        Default: the latest half term of ``year`` in which an intervention
        ran, and the first member of staff (by code) running one then.
    interactive : bool
        ``True``: drop-downs for the member of staff, half term and year,
        starting at those defaults (an ``ipywidgets.interactive``).

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = mini_learning_review(load_sample().for_school(8884101), year="2023/24", audience="leaders",
    ...                            staff="LSA-16", half_term="Spr1")
    >>> sec.title
    'Mini learning review: LSA-16, Spring 1 2023/24'
    >>> [t.caption.split(":")[0] for t in sec.tables]
    ['Each pupil', 'Each programme']
    """
    question = "How did each LSA's pupils progress this half term?"
    if not len(data.interventions):
        return _no_records(question, "Mini learning review", audience, 3)
    cal = review_calendar(data.interventions, year=year)
    if not len(cal):
        return not_answered(3, _Q[0], "Mini learning review", audience, f"no intervention ran in {year}",
                            asked=question)
    half_term = half_term or cal["half_term"].iloc[-1]
    staff = staff or cal.loc[cal["half_term"] == half_term, "staff"].iloc[0]
    title = f"Mini learning review: {staff}, {HALF_TERM_WORDS.get(half_term, half_term)} {year}"
    hidden = _leaders_only(question, title, audience)
    if hidden is not None:
        return hidden
    if interactive:
        staff_opts = [(s, s) for s in sorted(set(cal["staff"]))]
        return _controls(mini_learning_review, data, year=year, audience=audience, threshold=threshold,
                         staff=(staff_opts, staff, "Staff"),
                         half_term=(list(HALF_TERM_WORDS.items()), half_term, "Half term"))
    notes: list = [_MINI_NOTE]
    try:
        review = noting(notes, mini_review, data.interventions, staff=staff, half_term=half_term, academic_year=year,
                        pupils=data.pupils, assessments=data.assessments, rng=2024)
    except GTDataError as exc:  # nothing ran: said in words
        return not_answered(3, _Q[0], title, audience, str(exc).rstrip("."), asked=question)
    p = review.pupils.copy()
    name = (p["forename"].fillna("") + " " + p["surname"].fillna("")).str.strip() if "forename" in p else p["upn"]
    p["pupil"] = name.where(name != "", p["upn"])
    attended, planned = (p[c] if c in p else pd.Series(np.nan, p.index) for c in ("sessions_attended",
                                                                                  "sessions_planned"))
    p["sessions"] = [f"{a:.0f} of {b:.0f}" if pd.notna(a) and pd.notna(b) else "not recorded"
                     for a, b in zip(attended, planned)]
    share = attended / planned
    concerns = {"fell back (post-test below pre-test)": p["gain"] < 0,
                "below expected": p["progress_judgement"] == "below expected",
                f"attended fewer than {LOW_SESSION_ATTENDANCE:.0%} of sessions": share < LOW_SESSION_ATTENDANCE}
    p["concern"] = ["; ".join(k.split(" (")[0] for k, m in concerns.items() if m.iloc[i]) or "none"
                    for i in range(len(p))]
    pupils_table = Table("Each pupil: pre- and post-test, the change and the progress judgement", p, columns={
        "pupil": "Pupil", "programme": "Programme", "sessions": "Sessions attended", "pre_score": "Pre-test",
        "post_score": "Post-test", "gain": "Change", "expected_post": "Expected post-test",
        "progress_judgement": "Progress judgement", "concern": "Concern"},
        decimals={"Pre-test": 0, "Post-test": 0, "Change": 0, "Expected post-test": 0})
    s = review.summary.copy()
    s = _readable(s)
    s["change"] = [_pm(*v) for v in zip(s["gain"], s["gain_ci_low"], s["gain_ci_high"])]
    s["against"] = [_pm(*v) for v in zip(s["effect"], s["effect_ci_low"], s["effect_ci_high"])]
    programmes = Table("Each programme: mean change and effect against comparable pupils (95% intervals)", s,
                       columns={"programme": "Programme", "n": "Pupils", "attended": "Sessions attended",
                                "change": "Mean change (points)", "against": "Effect against comparable pupils (points)",
                                "compared": "Comparison pupils", "judgement": "Progress judgement"})
    sentences = []
    for what, m in concerns.items():
        if m.any():
            k = int(m.sum())
            sentences.append(f"**Concern:** {k} {'pupil' if k == 1 else 'pupils'} {what}: "
                             f"{', '.join(p.loc[m, 'pupil'])}.")
    if not any(m.any() for m in concerns.values()):
        sentences.append("No concerns: no pupil fell back, was below expected or missed many sessions.")
    effects = nv.describe_effect(s, outcome_name="the next termly test", label="programme",
                                 min_n=smallest_group(threshold))
    comparable = describe_comparability(s, label="programme", who=f"{staff}'s pupils")
    sentences += [_programme_lines(name, {"Progress": e, "Comparison": c})
                  for name, e, c in zip(s["programme"], effects, comparable)]
    return Section(3, question, title, audience, tables=(pupils_table, programmes), sentences=tuple(sentences),
                   notes=notes_for(audience, _tidy_notes(notes)))


def termly_programme_review(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                            ledger=None, term: str | None = None, interactive: bool = False):
    """The termly review of every intervention programme, to print for the review meeting (leaders only).

    :func:`gtanalytics.interventions.termly_review` for the programmes that
    started in ``term`` of ``year``: each programme's pupils, attendance at
    sessions, mean change and its effect against comparable pupils (points
    and effect size, 95% intervals, EEF months' progress), whether those
    pupils were comparable (:func:`gtanalytics.balance.describe_comparability`),
    the cost per pupil and per month's progress where costs are recorded, the
    progress judgement and the ways forward that follow from it.

    Parameters
    ----------
    data : SchoolData
    year : str
    term : {"Autumn", "Spring", "Summer"}, optional
        Default: the latest term of ``year`` in which a programme started.
    interactive : bool
        ``True``: drop-downs for the term and year.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = termly_programme_review(load_sample().for_school(8884101), year="2023/24", audience="leaders",
    ...                               term="Spring")
    >>> sec.title, len(sec.charts)
    ('Termly programme review: Spring term 2023/24', 1)
    """
    question = "Is each intervention programme working, and what next?"
    if not len(data.interventions):
        return _no_records(question, "Termly programme review", audience, 3)
    cal = review_calendar(data.interventions, year=year)
    if not len(cal):
        return not_answered(3, _Q[0], "Termly programme review", audience,
                            f"no intervention programme started in {year}", asked=question)
    term = term or max(cal["term"], key=TERMS.index)
    title = f"Termly programme review: {term} term {year}"
    hidden = _leaders_only(question, title, audience)
    if hidden is not None:
        return hidden
    if interactive:
        return _controls(termly_programme_review, data, year=year, audience=audience, threshold=threshold,
                         term=([(t, t) for t in TERMS], term, "Term"))
    notes: list = []
    try:
        r = noting(notes, termly_review, data.interventions, term=term, academic_year=year, pupils=data.pupils,
                   assessments=data.assessments, rng=2024)
    except GTDataError as exc:  # no programme started that term: said in words
        return not_answered(3, _Q[0], title, audience, str(exc).rstrip("."), asked=question)
    r = _readable(r.assign(programme=staff_text(r["programme"], audience=audience)))
    r["change"] = [_pm(*v) for v in zip(r["gain"], r["gain_ci_low"], r["gain_ci_high"])]
    r["against"] = [_pm(*v) for v in zip(r["effect"], r["effect_ci_low"], r["effect_ci_high"])]
    r["es_text"] = [_pm(*v, decimals=2) for v in zip(r["estimate"], r["ci_low"], r["ci_high"])]
    r["cost"] = [f"\u00a3{c:,.0f}" if pd.notna(c) else "not recorded" for c in r["cost_per_pupil"]]
    r["ways_forward"] = [_ways_forward(row) for _, row in r.iterrows()]
    table = Table("Every programme that started this term (95% intervals)", r, columns={
        "programme": "Programme", "n": "Pupils", "attended": "Sessions attended",
        "change": "Mean change (points)", "against": "Effect against comparable pupils (points)",
        "es_text": "Effect size", "months_label": "Months' progress", "compared": "Comparison pupils",
        "cost": "Cost per pupil", "judgement": "Progress judgement"})
    small = smallest_group(threshold)
    chart = keep(plotting.effects_forest(r, label="programme", min_n=small,
                                         title=f"Programmes that started in the {term} term {year}"))
    effects = nv.describe_effect(r, outcome_name="the next termly test", label="programme", min_n=small)
    comparable = describe_comparability(r, label="programme", who="the programme's pupils")
    sentences = []
    for i, (_, row) in enumerate(r.iterrows()):
        cost = (f"\u00a3{row['cost_per_pupil']:,.0f} a pupil"
                + (f", \u00a3{row['cost_per_month']:,.0f} per month's progress." if pd.notna(row["cost_per_month"])
                   else ".") if pd.notna(row["cost_per_pupil"]) else "no costs are recorded.")
        sentences.append(_programme_lines(row["programme"], {"Impact": effects[i], "Comparison": comparable[i],
                                                             "Cost": cost, "Ways forward": row["ways_forward"] + "."}))
    return Section(3, question, title, audience, tables=(table,), charts=(chart,), sentences=tuple(sentences),
                   notes=notes_for(audience, _tidy_notes(notes)))


def _programme_lines(name: str, parts: dict) -> str:
    """One programme as a bold name and an indented line per part (Markdown), each without the repeated name."""
    def body(text):
        text = str(text)
        text = text.split(": ", 1)[1] if text.startswith(f"{name}: ") else text
        return text[:1].upper() + text[1:]
    return f"**{name}**" + "".join(f"\n  * {k}: {body(v)}" for k, v in parts.items())


def staff_caseloads(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                    ledger=None, role: str | None = None, interactive: bool = False):
    """Each learning support assistant's (and mentor's) caseload and programmes in ``year`` (key area 5, leaders).

    One row per member of staff who ran an intervention or mentored in
    ``year`` (interventions by their start date, mentoring by its start
    date): role, the programmes they ran, pupils in those programmes,
    sessions attended against planned, mentees (the source practice: three
    each) and the pupils they work with in all. ``role`` keeps one role
    (``"LSA"``, ``"HLTA"``, ``"peer"``...); ``interactive=True`` gives
    drop-downs for the year and role. Staff are named by their codes, so
    governors see :func:`gtanalytics.sections.staff_deployment` instead.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = staff_caseloads(load_sample().for_school(8884101), year="2023/24", audience="leaders", role="LSA")
    >>> sec.tables[0].frame["staff"].tolist()
    ['LSA-14', 'LSA-15', 'LSA-16', 'LSA-18']
    """
    question = selfeval.KEY_QUESTIONS[5][0]
    title = f"Learning support staff's caseloads and programmes, {year}" + (f" ({role})" if role else "")
    if audience != "leaders":
        return not_answered(5, question, title, audience, "each member of staff's caseload is shown to leaders; "
                            "governors see how staff are deployed overall")
    iv, mt = data.interventions, data.mentoring
    iv = iv[school_calendar(iv["start_date"])["academic_year"].to_numpy() == year] if len(iv) else iv
    mt = mt[school_calendar(mt["start_date"])["academic_year"].to_numpy() == year] if len(mt) else mt
    roles = sorted({str(r) for r in [*iv.get("staff_role", []), *mt.get("mentor_role", [])] if pd.notna(r)})
    if interactive:
        return _controls(staff_caseloads, data, year=year, audience=audience, threshold=threshold,
                         role=([(None, "All roles")] + [(r, r) for r in roles], role, "Role"))
    rows = {}
    for r in iv.itertuples():
        who = rows.setdefault(str(r.staff), {"staff": str(r.staff), "role": getattr(r, "staff_role", None),
                                             "programmes": set(), "upns": set(), "planned": 0.0, "attended": 0.0,
                                             "mentees": set()})
        who["programmes"].add(str(r.programme))
        who["upns"].add(r.upn)
        who["planned"] += float(getattr(r, "sessions_planned", np.nan) or 0)
        who["attended"] += float(getattr(r, "sessions_attended", np.nan) or 0)
    for r in mt.itertuples():
        who = rows.setdefault(str(r.mentor), {"staff": str(r.mentor), "role": getattr(r, "mentor_role", None),
                                              "programmes": set(), "upns": set(), "planned": 0.0, "attended": 0.0,
                                              "mentees": set()})
        who["mentees"].add(r.upn)
    table = pd.DataFrame([{"staff": w["staff"], "role": w["role"],
                           "programmes": ", ".join(sorted(w["programmes"])) or "none",
                           "intervention_pupils": len(w["upns"]),
                           "attended": (f"{w['attended'] / w['planned']:.0%}" if w["planned"] else
                                        "not recorded" if w["upns"] else "no programme"),
                           "mentees": len(w["mentees"]), "all_pupils": len(w["upns"] | w["mentees"]),
                           "upns": w["upns"] | w["mentees"]}
                          for w in rows.values()],
                         columns=["staff", "role", "programmes", "intervention_pupils", "attended", "mentees",
                                  "all_pupils", "upns"])
    if role:
        table = table[table["role"].astype(str) == role]
    table = table.sort_values("staff").reset_index(drop=True)
    if not len(table):
        return not_answered(5, question, title, audience,
                            f"no {role or ''} staff ran an intervention or mentored in {year}".replace("  ", " "))
    mentors = table[table["mentees"] > 0]
    sentences = (
        (f"{len(table)} staff or peer mentors ran interventions or mentored in {year}; between them they worked "
         f"with {len(set().union(*table['upns']))} different pupils."),
        (f"{int((mentors['mentees'] == 3).sum())} of {len(mentors)} mentors had three mentees (the source "
         f"practice); {int((mentors['mentees'] < 3).sum())} had room for more.") if len(mentors) else
        "None of them mentored this year.")
    chart = keep(plotting.staff_caseloads(table, title=f"Pupils each member of staff worked with, {year}"))
    shown = Table("Each member of staff (sessions attended: pupils' attendance at their intervention sessions)",
                  table, columns={"staff": "Staff", "role": "Role", "programmes": "Programmes",
                                  "intervention_pupils": "Pupils in programmes", "attended": "Sessions attended",
                                  "mentees": "Mentees", "all_pupils": "All pupils"})
    return Section(5, question, title, audience, tables=(shown,), charts=(chart,), sentences=sentences)
