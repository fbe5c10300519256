"""The Section result, the document that holds one ledger, and the rules every section shares.

A section answers one key question of one key area for one school, year and
audience. Everything a notebook or governor report shows comes from a
:class:`Section`: its tables are already safe for the audience, its chart is
drawn from those tables (so chart counts pass the same rules), its sentences
carry their judgement, and :attr:`Section.evidence` holds the findings the
self-evaluation counts (once, in the area they answer).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import pandas as pd

from gtanalytics.disclosure import Ledger
from gtanalytics.errors import GTDataError
from gtanalytics.disclosure import AUDIENCES, check_audience
from gtanalytics.selfeval import KEY_AREAS, Statement, cannot_answer
from gtanalytics._stats import LOW_N, SUPPRESSION_THRESHOLD

__all__ = [
    "SMALLEST_GROUP",
    "Document",
    "Section",
    "Table",
    "not_answered",
    "population",
    "smallest_group",
    "staff_text",
    "withhold",
]

#: The one rule for the smallest group a sentence may conclude about: groups smaller than
#: ``max(SMALLEST_GROUP, threshold)`` are "too few pupils to say" (they may still be shown).
SMALLEST_GROUP = LOW_N


def smallest_group(threshold: int) -> int:
    """The smallest group a section concludes about: ``max(SMALLEST_GROUP, threshold)``.

    Examples
    --------
    >>> smallest_group(6), smallest_group(12)
    (10, 12)
    """
    return max(SMALLEST_GROUP, int(threshold))


def staff_text(values, *, audience: str, pupils=None):
    """Staff-entered free text (programme names, evidence notes, focus, comments) on its way into a section.

    The single door for free text: every section passes such text through
    here. White space is tidied; for governors, pupils' full names, UPNs and
    dates of birth typed into the text are replaced by a note such as
    ``[name removed]`` (:func:`gtanalytics.disclosure.redact_free_text`), so a
    name typed into a programme name or an evidence note never reaches a
    governor. A Series stays a Series.

    Parameters
    ----------
    values : str or pandas.Series
    audience : {"governors", "leaders"}
    pupils : SchoolData or pandas.DataFrame
        Whose identifiers to remove; required for governors.

    Examples
    --------
    >>> import pandas as pd
    >>> pupils = pd.DataFrame({"upn": ["Y886210121025"], "forename": ["Grace"], "surname": ["White"],
    ...                        "date_of_birth": ["2016-11-29"]})
    >>> staff_text("  Catch-up   Literacy for Grace White", audience="governors", pupils=pupils)
    'Catch-up Literacy for [name removed]'
    >>> staff_text("Grace and White British pupils", audience="governors", pupils=pupils)
    'Grace and White British pupils'
    """
    from gtanalytics.disclosure import redact_free_text

    if audience not in AUDIENCES:
        raise GTDataError(f"audience must be one of {AUDIENCES}, not {audience!r}.")
    if isinstance(values, pd.Series):
        tidy = values.astype("string").str.split().str.join(" ")
    elif values is None or (not isinstance(values, str) and pd.isna(values)):
        return values
    else:
        tidy = " ".join(str(values).split())
    if audience != "governors":
        return tidy
    if pupils is None:
        raise GTDataError("Free text shown to governors must be checked for pupils' identifiers: pass pupils=.")
    if isinstance(tidy, str):
        return redact_free_text(tidy, pupils)[0]
    distinct = tidy.dropna().unique()
    clean = dict(zip(distinct, redact_free_text(pd.Series(distinct, dtype="object"), pupils)[0]))
    return tidy.map(clean, na_action="ignore").astype("string")


def population(what: str, year=None, **group) -> str:
    """The ledger's name of a population: what is counted, in which year, of which group.

    Examples
    --------
    >>> population("pupils", "2023/24", gt_register=True)
    'pupils 2023/24 gt_register=True'
    """
    parts = [what] + ([str(year)] if year is not None else []) + [f"{k}={v}" for k, v in sorted(group.items())]
    return " ".join(parts)




def withhold(sentences, frame: pd.DataFrame, *, label: str, names=None, threshold: int, key_area: int) -> list:
    """The sentences of ``frame``'s rows, one per row, with those the ledger hid said to be withheld, not small.

    A row the document ledger refused (``suppressed == "elsewhere"``) has a
    count that, set against a count of the same pupils elsewhere in the
    document, would reveal a group of fewer than ``threshold``; its sentence
    says so instead of calling the group small.
    """
    sentences = list(sentences)
    if "suppressed" not in frame.columns or len(sentences) != len(frame):
        return sentences
    for i, (value, rule) in enumerate(zip(frame[label], frame["suppressed"])):
        if rule == "elsewhere":
            name = (names or {}).get(value, value)
            sentences[i] = Statement(f"{str(name)[:1].upper()}{str(name)[1:]}: not shown, because with another count "
                                     f"of the same pupils in this report it would reveal a group of fewer than "
                                     f"{threshold} pupils.", judgement="too_few", key_area=key_area)
    return sentences


@dataclass(frozen=True)
class Table:
    """One table of a section: a caption, the frame (already safe), and its headers and rounding."""

    caption: str
    frame: pd.DataFrame
    columns: dict | None = None
    decimals: int | dict = 2


@dataclass(frozen=True)
class Section:
    """The answer to one key question, ready to show.

    Attributes
    ----------
    key_area : int
        Excellence for All key area (1-5).
    question : str
        The key question answered.
    title : str
        Heading shown above it.
    audience : {"governors", "leaders"}
    tables : tuple of Table
        Frames already made safe for the audience (governors: no names, UPNs
        or dates of birth; small groups hidden; counts consistent across the
        document through its ledger). A governor section refuses a table or
        frame that lists individual pupils
        (:func:`gtanalytics.disclosure.check_audience`).
    charts : tuple of matplotlib.figure.Figure
        Drawn from the tables above (so their counts pass the same rules).
    sentences : tuple of Statement
        What is said, each with its judgement and key area.
    evidence : tuple of Statement
        The findings the self-evaluation counts for ``key_area``: one per
        finding (a gap is counted once, not once per way of saying it).
    cannot_answer : tuple of str
        What the data cannot answer here, and why.
    frames : dict
        The section's results, already safe for the audience, by kind
        (``"register"``, ``"value_added"``, ``"gap_trends"``,
        ``"interventions"``): what the summary's key findings are built from
        (:func:`gtanalytics.sections.summary`), so page 1 and the key areas
        state one number per fact.
    """

    key_area: int
    question: str
    title: str
    audience: str = "governors"
    tables: tuple = ()
    charts: tuple = ()
    sentences: tuple = ()
    evidence: tuple = ()
    cannot_answer: tuple = ()
    notes: tuple = field(default=())
    frames: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.key_area not in KEY_AREAS:
            raise GTDataError(f"key_area must be 1-5, not {self.key_area!r}.")
        if self.audience not in AUDIENCES:
            raise GTDataError(f"audience must be one of {AUDIENCES}, not {self.audience!r}.")
        for t in self.tables:  # a list of pupils never reaches governors (gtanalytics.disclosure.check_audience)
            what = f"The table {t.caption!r} of {self.title!r}" if t.caption else f"A table of {self.title!r}"
            check_audience(t.frame, audience=self.audience, what=what, headers=(t.columns or {}).values())
        for kind, frame in self.frames.items():
            if isinstance(frame, pd.DataFrame):
                check_audience(frame, audience=self.audience, what=f"The {kind} results of {self.title!r}")

    def markdown(self) -> str:
        """The title, notes and sentences as Markdown (tables and charts are shown by the notebook)."""
        lines = [f"### {self.title}"] if self.title else []
        lines += [str(n) for n in self.notes]
        bullets = [f"* {s}" for s in self.sentences]
        return "\n\n".join([*lines, "\n".join(bullets)] if bullets else lines)

    def _ipython_display_(self):
        from IPython.display import Markdown, display

        from gtanalytics.sections._display import table

        head = [f"### {self.title}"] if self.title else []
        display(Markdown("\n\n".join(head + [str(n) for n in self.notes])))
        for t in self.tables:
            if t.caption:
                display(Markdown(t.caption))
            display(table(t.frame, columns=t.columns, decimals=t.decimals))
        if self.sentences:
            display(Markdown("\n".join(f"* {s}" for s in self.sentences)))
        for fig in self.charts:
            display(fig)


def not_answered(key_area: int, question: str, title: str, audience: str, reason: str, *, asked: str | None = None,
                 evidence: bool = False) -> Section:
    """A section that says plainly why the data cannot answer its question, and nothing else.

    Its one sentence is :func:`gtanalytics.selfeval.cannot_answer` of ``asked``
    (the question as the sentence words it; ``question`` when None) and
    ``reason``; with ``evidence=True`` the self-evaluation also counts it for
    ``key_area`` (data missing for a whole key question, not a view withheld).

    Examples
    --------
    >>> sec = not_answered(4, "Are parents and carers engaged?", "Parents", "governors",
    ...                    "no parents' evening records were supplied", asked="Are parents engaged?", evidence=True)
    >>> sec.cannot_answer
    ("The data cannot answer this question: are parents engaged? (no parents' evening records were supplied).",)
    >>> len(sec.evidence), sec.tables
    (1, ())
    """
    no = cannot_answer(asked or question, reason, key_area=key_area)
    return Section(key_area, question, title, audience, sentences=(no,), evidence=(no,) if evidence else (),
                   cannot_answer=(str(no),))


class Document:
    """One notebook or report: one school's data, its years, its audience, and one ledger for every count.

    Parameters
    ----------
    trust : SchoolData
        The data loaded (one school or a trust).
    school : str or int, optional
        The school reported on; None: the first school in the data.
    years : list of str, optional
        Academic years reported; None: all. The latest is the report year.
    audience : {"governors", "leaders"}
        A governor document refuses a section made for leaders.
    threshold : int
        Smallest group shown to governors (default
        :data:`gtanalytics._stats.SUPPRESSION_THRESHOLD`, 6).

    Examples
    --------
    >>> from gtanalytics import load_sample, sections
    >>> doc = sections.Document(load_sample(), school=8862101, audience="governors")
    >>> doc.school, doc.year
    ('8862101', '2023/24')
    """

    def __init__(self, trust, *, school=None, years=None, audience: str = "governors",
                 threshold: int = SUPPRESSION_THRESHOLD):
        from gtanalytics.data import school_ids, school_name, years_of

        if audience not in AUDIENCES:
            raise GTDataError(f"audience must be one of {AUDIENCES}, not {audience!r}.")
        self.trust = trust
        self.data = trust.for_school(school_ids(trust)[0] if school is None else school)
        self.school = str(self.data.pupils["school_id"].iloc[0])
        self.school_name = school_name(trust, self.school)
        self.years = years_of(self.data, list(years) if years else None)
        self.year = self.years[-1]
        self.audience = audience
        self.threshold = int(threshold)
        self.ledger = Ledger(self.threshold)
        self.sections: list[Section] = []

    def __call__(self, section_function, **options) -> Section:
        """Run one section function on this document's school, year, audience and ledger, and keep its result."""
        given = {"year": self.year, "years": self.years, "audience": self.audience, "threshold": self.threshold,
                 "ledger": self.ledger, "trust": self.trust, "school": self.school,
                 "sections": tuple(self.sections), "evidence": self.evidence}
        accepted = inspect.signature(section_function).parameters
        result = section_function(self.data, **{**{k: v for k, v in given.items() if k in accepted}, **options})
        made_for = getattr(result, "audience", self.audience)
        if self.audience == "governors" and made_for != "governors":
            what = getattr(result, "title", section_function.__name__)
            raise GTDataError(f"{what!r} was made for {made_for}: it may list individual pupils and is for senior "
                              "leaders only; it cannot be shown to governors.")
        self.sections.append(result)
        return result

    @property
    def evidence(self) -> list[Statement]:
        """Every section's evidence, in the order the sections were made."""
        return [s for sec in self.sections for s in getattr(sec, "evidence", ())]  # controls carry no evidence

    def key_questions(self, key_area: int):
        """The key area's questions, numbered (Markdown)."""
        from IPython.display import Markdown

        from gtanalytics.selfeval import KEY_QUESTIONS

        return Markdown("## Key questions\n\n" + "\n".join(
            f"{i}. {q}" for i, q in enumerate(KEY_QUESTIONS[key_area], start=1)))

    def header(self, title: str):
        """The report's title block (Markdown)."""
        from IPython.display import Markdown

        from gtanalytics.sections._display import header_markdown

        return Markdown(header_markdown(title, school_name=self.school_name, audience=self.audience,
                                        years=self.years, threshold=self.threshold))
