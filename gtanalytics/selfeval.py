"""Evidence and self-evaluation: statements tagged with a key area, set against the school's rating.

A :class:`Statement` is an ordinary string that also carries a ``judgement``
(``"positive"``, ``"negative"``, ``"neutral"``, ``"too_few"``, ``"no_data"``)
and the Excellence for All ``key_area`` (1-5) it is evidence for. The sentence
writers in :mod:`gtanalytics.narrative` return statements;
:func:`self_evaluation_summary` and :func:`self_evaluation_table` set them
against the school's own IQS-style rating (Entry / Developing / Exemplary).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = [
    "Statement",
    "JUDGEMENTS",
    "KEY_AREAS",
    "KEY_QUESTIONS",
    "RATINGS",
    "cannot_answer",
    "evidence_balance",
    "self_evaluation_summary",
    "self_evaluation_table",
]

#: The five Excellence for All key areas.
KEY_AREAS: dict[int, str] = {
    1: "Leadership for excellence",
    2: "Use of data for excellence",
    3: "Effective learning for excellence",
    4: "Engaging pupils and parents in Excellence for All",
    5: "Building capacity for excellence: engaging the whole school community",
}

#: The questions each key area asks, in the order the notebooks answer them.
KEY_QUESTIONS: dict[int, tuple[str, ...]] = {
    1: (
        "How is the gifted and talented programme planned, led and overseen: are the most able pupils' "
        "progress and targets monitored, and are programmes reviewed each half term and each term?",
        "Which pupils most need support: which able pupils are under-achieving, and which disadvantaged "
        "able pupils are at risk of falling behind?",
        "Is the school's own rating of its provision borne out by the evidence?",
    ),
    2: (
        "Is the gifted and talented register representative of the school's pupils (disadvantaged, "
        "looked-after, SEN and dual or multiple exceptionality, ethnic groups, boys and girls)?",
        "Are the most able pupils making the progress they should, compared with pupils with similar "
        "starting points?",
        "Are gaps closing between disadvantaged pupils and other pupils, including among the most able?",
    ),
    3: (
        "Are intervention programmes working: do pupils in them make more progress than comparable pupils?",
        "Which learning support assistants' groups and which teaching groups are making the most progress?",
        "Are the most able making strong progress in each subject?",
    ),
    4: (
        "Is mentoring of able under-achievers taking place as planned (three mentees each, weekly, with a "
        "learning log), and is it followed by better progress?",
        "Do able and disadvantaged pupils take up opportunities beyond the classroom, and do they attend "
        "school?",
        "Are parents and carers engaged (parents' evenings, surveys)?",
    ),
    5: (
        "Which non-teaching staff could support gifted and talented pupils: whose groups make strong "
        "progress, and who has capacity to mentor?",
        "Is the capacity built shared across the school and with partner schools: are improvement rates "
        "above the national rate?",
    ),
}

#: The IQS self-evaluation levels (methodology 10), lowest first.
RATINGS: tuple[str, ...] = ("Entry", "Developing", "Exemplary")

#: What a statement says about the evidence.
JUDGEMENTS: tuple[str, ...] = ("positive", "negative", "neutral", "too_few", "no_data")


class Statement(str):
    """A sentence that also records what it is evidence of.

    Parameters
    ----------
    text : str
        The sentence.
    judgement : str
        ``"positive"`` (evidence of strength), ``"negative"`` (evidence of a
        concern), ``"neutral"`` (no clear difference), ``"too_few"`` (too few
        pupils to say) or ``"no_data"`` (the data cannot answer).
    key_area : int, optional
        Excellence for All key area (1-5) the sentence is evidence for.

    Examples
    --------
    >>> s = Statement("Progress was in line.", judgement="neutral", key_area=2)
    >>> s, s.judgement
    ('Progress was in line.', 'neutral')
    """

    judgement: str
    key_area: int | None

    def __new__(cls, text: str, *, judgement: str, key_area: int | None = None):
        if judgement not in JUDGEMENTS:
            raise ValueError(f"judgement must be one of {JUDGEMENTS}, not {judgement!r}")
        obj = super().__new__(cls, text)
        obj.judgement = judgement
        obj.key_area = key_area
        return obj


def cannot_answer(question: str, reason: str, *, key_area: int | None = None) -> Statement:
    """Say plainly that the data cannot answer a question, and why.

    Examples
    --------
    >>> print(cannot_answer("Are parents engaged?", "no parents' evening records were supplied"))
    The data cannot answer this question: are parents engaged? (no parents' evening records were supplied).
    """
    q = question[:1].lower() + question[1:]
    return Statement(f"The data cannot answer this question: {q} ({reason}).", judgement="no_data",
                     key_area=key_area)


def _flatten(statements) -> list[Statement]:
    flat: list[Statement] = []
    for s in statements:
        if isinstance(s, Statement):
            flat.append(s)
        elif isinstance(s, str):
            continue  # a plain string carries no judgement
        elif isinstance(s, Iterable):
            flat.extend(_flatten(s))
    return flat


def evidence_balance(statements, *, key_area: int | None = None) -> dict[str, int]:
    """Count statements by judgement (optionally only those tagged with a key area).

    Returns
    -------
    dict
        Keys ``positive, negative, neutral, too_few, no_data``.

    Examples
    --------
    >>> evidence_balance([Statement("a", judgement="positive"), Statement("b", judgement="neutral")])
    {'positive': 1, 'negative': 0, 'neutral': 1, 'too_few': 0, 'no_data': 0}
    """
    counts = dict.fromkeys(JUDGEMENTS, 0)
    for s in _flatten(statements):
        if key_area is None or s.key_area in (None, key_area):
            counts[s.judgement] += 1
    return counts


def _rating_for(self_evaluation: pd.DataFrame | None, key_area: int, school, year) -> tuple[str | None, str]:
    if self_evaluation is None or len(self_evaluation) == 0:
        return None, ""
    se = self_evaluation[pd.to_numeric(self_evaluation["key_area"], errors="coerce") == key_area]
    if school is not None and "school_id" in se.columns:
        se = se[se["school_id"].astype("string") == str(school)]
    if year is not None and "academic_year" in se.columns:
        se = se[se["academic_year"].astype("string") == str(year)]
    if len(se) == 0:
        return None, ""
    if "academic_year" in se.columns:
        se = se.sort_values("academic_year", kind="mergesort")
    last = se.iloc[-1]
    evidence = last.get("evidence")
    return str(last["rating"]), "" if evidence is None or pd.isna(evidence) else str(evidence)


def self_evaluation_summary(
    key_area: int,
    statements,
    *,
    self_evaluation: pd.DataFrame | None = None,
    school=None,
    year=None,
) -> Statement:
    """Set a key area's evidence against the school's own IQS-style rating.

    The rating (Entry / Developing / Exemplary, methodology 10) comes from the
    ``self_evaluation`` table. The evidence is the :class:`Statement` objects
    the key-area notebook produced. The rule is deliberately simple and
    stated in the sentence, because data speak to only part of each key area:

    * **supports** the rating when: Exemplary with at least one significant
      strength and no significant concern; Developing with at least one
      strength and no more concerns than strengths; Entry with at least as
      many concerns as strengths and at least one of either;
    * **challenges** it, and says in which direction, when: Exemplary with
      any significant concern or Developing with more concerns than strengths
      ("the evidence points lower than its Exemplary rating"); Entry with
      strengths and no concerns ("points higher": the school may be
      under-rating itself);
    * otherwise the data **neither support nor challenge** it (all results in
      line, too few pupils, or no data).

    Parameters
    ----------
    key_area : int
        1-5.
    statements : iterable of Statement (nested lists allowed)
        The evidence; statements tagged with another key area are ignored.
    self_evaluation : DataFrame, optional
        The ``self_evaluation`` table (``school_id, academic_year, key_area,
        rating, evidence``); the latest matching row is used.
    school, year : optional
        Which school and year to take the rating for.

    Returns
    -------
    Statement
        A paragraph; its judgement is ``positive`` (supports), ``negative``
        (challenges), ``neutral`` (neither) or ``no_data`` (no rating and no
        conclusive evidence).

    Examples
    --------
    >>> import pandas as pd
    >>> se = pd.DataFrame({"school_id": ["1"], "academic_year": ["2023/24"], "key_area": [2],
    ...                    "rating": ["Exemplary"], "evidence": ["Termly reviews"]})
    >>> bad = Statement("Progress was significantly below.", judgement="negative", key_area=2)
    >>> self_evaluation_summary(2, [bad], self_evaluation=se).judgement
    'negative'
    """
    if key_area not in KEY_AREAS:
        raise ValueError(f"key_area must be 1-5, not {key_area!r}")
    c = evidence_balance(statements, key_area=key_area)
    pos, neg = c["positive"], c["negative"]
    rating, own = _rating_for(self_evaluation, key_area, school, year)
    evidence = (f"The data give {pos} significant strength{'s' if pos != 1 else ''} and {neg} significant "
                f"concern{'s' if neg != 1 else ''}; {c['neutral']} result{'s were' if c['neutral'] != 1 else ' was'} "
                f"in line, {c['too_few']} could not be judged because groups were too small, and "
                f"{c['no_data']} question{'s' if c['no_data'] != 1 else ''} could not be answered from the data.")
    area = f"Key area {key_area} ({KEY_AREAS[key_area]})"
    if rating is None:
        text = f"{area}: the school has not recorded its own rating. {evidence}"
        return Statement(text, judgement="no_data" if pos + neg == 0 else "neutral", key_area=key_area)
    if rating not in RATINGS:
        raise ValueError(f"self-evaluation rating must be one of {RATINGS}, not {rating!r}")
    if rating == "Exemplary":
        supports, challenges = pos >= 1 and neg == 0, neg >= 1
    elif rating == "Developing":
        supports, challenges = pos >= 1 and neg <= pos, neg > pos
    else:  # Entry
        supports, challenges = neg >= pos and pos + neg >= 1, pos >= 1 and neg == 0
    own_text = f" (its evidence: \u201c{own}\u201d)" if own else ""
    if challenges:
        if rating == "Entry":
            verdict = f"The evidence points higher than its {rating} rating: the school may be under-rating itself"
        else:
            verdict = f"The evidence points lower than its {rating} rating"
        judgement = "negative"
    elif supports:
        verdict, judgement = "The evidence supports this rating", "positive"
    else:
        verdict, judgement = "The data neither support nor challenge this rating", "neutral"
    text = f"{area}: the school rates itself {rating}{own_text}. {evidence} {verdict}."
    return Statement(text, judgement=judgement, key_area=key_area)


def self_evaluation_table(statements, *, self_evaluation: pd.DataFrame | None = None, school=None,
                          year=None) -> pd.DataFrame:
    """One row per key area: the school's rating, the evidence counts and the verdict.

    Returns
    -------
    DataFrame
        Columns ``key_area, name, rating, strengths, concerns, in_line, too_few,
        no_data, verdict`` (verdict: "supports", "points higher" or "points
        lower" than the rating, "neither" or "no rating").

    Examples
    --------
    >>> t = self_evaluation_table([Statement("x", judgement="positive", key_area=3)])
    >>> list(t.columns)
    ['key_area', 'name', 'rating', 'strengths', 'concerns', 'in_line', 'too_few', 'no_data', 'verdict']
    """
    rows = []
    flat = _flatten(statements)
    for k, name in KEY_AREAS.items():
        mine = [s for s in flat if s.key_area == k]
        c = evidence_balance(mine)
        rating, _ = _rating_for(self_evaluation, k, school, year)
        summary = self_evaluation_summary(k, mine, self_evaluation=self_evaluation, school=school, year=year)
        verdict = "no rating" if rating is None else {
            "positive": "supports", "negative": "points higher" if rating == "Entry" else "points lower"}.get(
            summary.judgement, "neither")
        rows.append({"key_area": k, "name": name, "rating": rating or "not recorded",
                     "strengths": c["positive"], "concerns": c["negative"], "in_line": c["neutral"],
                     "too_few": c["too_few"], "no_data": c["no_data"], "verdict": verdict})
    return pd.DataFrame(rows)
