"""Key area 3, effective learning for excellence: are intervention programmes working, and whose groups
make the most progress?"""

from __future__ import annotations

from gtanalytics import narrative as nv
from gtanalytics import plotting
from gtanalytics import report_tables as rt
from gtanalytics.interventions import intervention_impact
from gtanalytics.sections.core import Section, Table, smallest_group, staff_text
from gtanalytics.sections.figures import keep, notes_for, noting

__all__ = ["interventions_working", "staff_groups"]

_Q = nv.KEY_QUESTIONS[3]
_VALUES = ["es", "es_ci_low", "es_ci_high", "months", "gain", "pre_mean", "post_mean", "effect", "effect_se",
           "effect_ci_low", "effect_ci_high"]
_COLUMNS = {"n_pupils": "Pupils", "n_comparison": "Comparison pupils", "es": "Effect size",
            "es_ci_low": "95% interval from", "es_ci_high": "to", "months": "Months' progress"}


def _no_records(question: str, title: str, audience: str, key_area: int) -> Section:
    no = nv.cannot_answer(question, "no intervention records were supplied", key_area=key_area)
    return Section(key_area, question, title, audience, sentences=(no,), evidence=(no,), cannot_answer=(str(no),))


def interventions_working(data, *, year: str, audience: str = "governors", threshold: int = 6,
                          ledger=None) -> Section:
    """Are intervention programmes working? (key area 3, question 1)

    :func:`gtanalytics.interventions.intervention_impact` by programme against
    comparable pupils, made safe with
    :func:`gtanalytics.report_tables.programmes_for_audience` (programmes
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
    impact = rt.programmes_for_audience(impact, ivs, academic_year=year, count_cols=["n_pupils", "n_comparison"],
                                        value_cols=_VALUES, threshold=threshold, audience=audience)
    small = smallest_group(threshold)
    chart = keep(plotting.effects_forest(impact, label="programme", estimate="es", ci_low="es_ci_low",
                                         ci_high="es_ci_high", n="n_pupils", min_n=small,
                                         title="Intervention programmes against comparable pupils"))
    sentences = tuple(nv.describe_effect(impact, outcome_name="the termly standardised test", label="programme",
                                         estimate="es", ci_low="es_ci_low", ci_high="es_ci_high",
                                         n_treatment="n_pupils", min_n=small))
    tables = (Table("", impact, columns={"programme": "Programme", **_COLUMNS}),) if audience == "leaders" else ()
    return Section(3, _Q[0], title, audience, tables=tables, charts=(chart,), sentences=sentences,
                   evidence=sentences, notes=notes_for(audience, notes), frames={"interventions": impact})


def staff_groups(data, *, year: str, audience: str = "governors", threshold: int = 6, ledger=None,
                 key_area: int = 3) -> Section:
    """Which learning support staff's intervention groups make the most progress? (key area 3, question 2)

    Staff are named by their code in the data, so governors see this only as
    a count of staff whose groups made clear progress: each member of staff's
    groups are shown to leaders. ``key_area=5`` asks it as key area 5's
    "which non-teaching staff could support G&T pupils?".
    """
    question = _Q[1] if key_area == 3 else nv.KEY_QUESTIONS[5][0]
    title = "Which staff's intervention groups make the most progress?"
    if not len(data.interventions):
        return _no_records(question, title, audience, key_area)
    notes: list = []
    by_staff = noting(notes, intervention_impact, data.interventions, by=("staff",), pupils=data.pupils,
                      assessments=data.assessments, rng=2024)
    by_staff = rt.for_audience(by_staff, count_cols=["n_pupils", "n_comparison"],
                               value_cols=["es", "es_ci_low", "es_ci_high", "months"], threshold=threshold,
                               audience=audience)
    small = smallest_group(threshold)
    if audience != "leaders":
        no = nv.cannot_answer(question, "each member of staff's groups are shown to leaders, not governors",
                              key_area=key_area)
        return Section(key_area, question, title, audience, sentences=(no,), cannot_answer=(str(no),))
    chart = keep(plotting.effects_forest(by_staff, label="staff", estimate="es", ci_low="es_ci_low",
                                         ci_high="es_ci_high", n="n_pupils", min_n=small,
                                         title="Each member of staff's intervention groups"))
    sentences = tuple(nv.describe_effect(by_staff, outcome_name="the termly test", label="staff", estimate="es",
                                         ci_low="es_ci_low", ci_high="es_ci_high", n_treatment="n_pupils",
                                         min_n=small, key_area=key_area))
    return Section(key_area, question, title, audience, charts=(chart,), sentences=sentences,
                   evidence=sentences, notes=notes_for(audience, notes))
