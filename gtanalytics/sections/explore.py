"""Exploring progress by school, subject, year and pupil group: the chart behind the notebooks' controls."""

from __future__ import annotations

from gtanalytics import plotting
from gtanalytics import data as rd
from gtanalytics.progress import summer_progress
from gtanalytics import disclosure
from gtanalytics.errors import GTDataError
from gtanalytics._stats import require_columns
from gtanalytics.progress import va_summary, value_added
from gtanalytics.sections.core import Section, smallest_group
from gtanalytics.sections.figures import keep, notes_for, noting
from gtanalytics.selfeval import KEY_QUESTIONS
from gtanalytics.subjects import subjects_in
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["GROUPS", "VALUE_LABELS", "explore", "explore_progress"]

#: The pupil groups the controls offer, by plain label.
GROUPS = {"On the G&T register": "gt_register", "Disadvantaged": "disadvantaged", "Boys and girls": "sex",
          "Special educational needs": "sen", "English as an additional language": "eal",
          "Teaching group": "teaching_group"}
#: Plain labels of the values of the groups.
VALUE_LABELS = {"gt_register": {True: "On the G&T register", False: "Not on the register"},
                "disadvantaged": {True: "Disadvantaged", False: "Not disadvantaged"},
                "eal": {True: "English as an additional language", False: "English as first language"},
                "sen": {"N": "No special educational needs", "K": "SEN support", "E": "EHC plan"},
                "sex": {"F": "Girls", "M": "Boys"}}


def explore_progress(trust, *, school, subject: str, year: str, group: str = "gt_register",
                     threshold: int = SUPPRESSION_THRESHOLD, audience: str = "leaders") -> Section:
    """Value added by a pupil group for one school, subject and year, with the groups in words.

    Summer-to-summer value added (:func:`gtanalytics.progress.summer_progress`,
    :func:`gtanalytics.progress.value_added`, ``va_summary``) by ``group``,
    made safe for the audience and drawn. What the estimates warn about is
    shown to leaders as notes.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = explore_progress(load_sample(), school=8862101, subject="Maths", year="2023/24", group="sex")
    >>> len(sec.charts)
    1
    """
    words = {v: k for k, v in GROUPS.items()}.get(group, group)
    title = f"{rd.school_name(trust, str(school))}: progress in {subject} by {words.lower()}, {year}"
    data = trust.for_school(school)
    try:
        pairs = summer_progress(data, subject=subject, year=year)
    except GTDataError as exc:
        return Section(2, KEY_QUESTIONS[2][1], title, audience, cannot_answer=(str(exc),),
                       notes=(f"No chart: {exc}",))
    require_columns(pairs, [group], "pupils and assessments", caller="explore_progress",
                    hint=f"Choose group= from {', '.join(sorted(GROUPS.values()))}.")
    notes: list = []
    groups = noting(notes, va_summary, noting(notes, value_added, pairs, outcome="outcome", prior="prior"), by=group)
    groups = disclosure.for_audience(groups, count_cols="n", value_cols=["va", "se", "ci_low", "ci_high"],
                             threshold=threshold, audience=audience)
    groups[group] = groups[group].map(lambda v: VALUE_LABELS.get(group, {}).get(v, v))
    chart = keep(plotting.value_added_by_group(groups, label=group, min_n=smallest_group(threshold), title=title))
    return Section(2, KEY_QUESTIONS[2][1], "", audience, charts=(chart,), notes=notes_for(audience, notes))


def explore(data, *, trust, school, year: str, threshold: int = SUPPRESSION_THRESHOLD, audience: str = "leaders",
            interactive: bool = False):
    """Controls to explore progress, starting at the notebook's school and year.

    With ``interactive=False`` (report builds) the chart for the school's
    first subject, ``year`` and the G&T register; otherwise an
    ``ipywidgets.interactive`` whose drop-downs have plain labels and start at
    ``school`` and ``year``.
    """
    subjects = subjects_in(data.assessments)
    if not subjects:
        why = "No chart: the data hold no summer standardised test scores to explore."
        return Section(2, KEY_QUESTIONS[2][1], "", audience, cannot_answer=(why,), notes=(why,))
    if not interactive:
        return explore_progress(trust, school=school, subject=subjects[0], year=year, threshold=threshold,
                                audience=audience)
    import ipywidgets as widgets

    return widgets.interactive(
        explore_progress, trust=widgets.fixed(trust),
        school=widgets.Dropdown(options=[(rd.school_name(trust, s), s) for s in rd.school_ids(trust)],
                                value=str(school), description="School"),
        subject=widgets.Dropdown(options=subjects, value=subjects[0], description="Subject"),
        year=widgets.Dropdown(options=rd.years_of(trust), value=year, description="Year"),
        group=widgets.Dropdown(options=list(GROUPS.items()), value="gt_register", description="Pupils"),
        threshold=widgets.fixed(threshold), audience=widgets.fixed(audience))
