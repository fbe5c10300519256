"""The school's own rating of each key area set against the evidence its sections counted."""

from __future__ import annotations

from gtanalytics import selfeval
from gtanalytics.sections.core import Section, Table, staff_text

__all__ = ["self_evaluation"]

_COLUMNS = {"key_area": "Key area", "name": "Name", "rating": "School's own rating",
            "strengths": "Significant strengths", "concerns": "Significant concerns", "in_line": "In line",
            "too_few": "Too few to say", "verdict": "Evidence"}


def self_evaluation(data, *, evidence, school, audience: str = "governors", key_areas=None, year=None,
                    table: bool = True) -> Section:
    """Is the school's own rating of each key area borne out by the evidence?

    Each finding is counted once, in the key area it answers (the sections'
    ``evidence``). The school's own evidence notes are staff-entered text and
    pass through :func:`gtanalytics.sections.staff_text`.

    Parameters
    ----------
    data : SchoolData
        One school's data (its ``self_evaluation`` table).
    evidence : iterable of Statement
        The sections' evidence (:attr:`gtanalytics.sections.Document.evidence`).
    school : str
    key_areas : iterable of int, optional
        Areas to summarise (default all five).
    table : bool
        Include the one-row-per-area table.
    """
    se = data.self_evaluation
    if "evidence" in se.columns:
        se = se.assign(evidence=staff_text(se["evidence"], audience=audience, pupils=data))
    areas = list(key_areas) if key_areas is not None else list(selfeval.KEY_AREAS)
    evidence = list(evidence)
    sentences = tuple(selfeval.self_evaluation_summary(k, evidence, self_evaluation=se, school=school, year=year)
                      for k in areas)
    tables = ()
    if table:
        tables = (Table("", selfeval.self_evaluation_table(evidence, self_evaluation=se, school=school, year=year),
                        columns=_COLUMNS),)
    return Section(areas[0] if len(areas) == 1 else 1, selfeval.KEY_QUESTIONS[1][2], "", audience, tables=tables,
                   sentences=sentences)
