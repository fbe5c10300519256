"""The governor report's pages: page 1's summary, then one page per key area.

:func:`summary` is page 1: the school in one line, its phase's headline
outcomes against national for all and disadvantaged pupils (one table), the
findings that matter most and questions governors could ask
(:mod:`gtanalytics.headlines`). Its findings are built from the key-area
sections' own results (``Section.frames``, already safe for governors), so
page 1 and the key areas state one number per fact. :func:`key_area_page`
condenses one key area's sections into a page: the question, one to three
sentences, one chart, and the school's own rating set against the evidence.

Both return a :class:`Page`, a :class:`~gtanalytics.sections.Section` that
displays as one HTML block kept together on paper (``break-inside: avoid``),
so a chart is never split from its sentences.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass, field

import pandas as pd

from gtanalytics import selfeval
from gtanalytics import disclosure
from gtanalytics.headlines import (
    describe_school,
    headline_outcomes,
    key_findings,
    questions_for_governors,
    school_in_a_line,
)
from gtanalytics.data import data_note
from gtanalytics.sections._display import table
from gtanalytics.sections.core import Section, Table, population, smallest_group
from gtanalytics.selfeval import Statement
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["HEADLINE_MEASURES", "Page", "headline_table", "headlines_for_audience", "key_area_page", "summary"]

#: The headline measures page 1 shows, by phase, in order (the rest are in the leaders' notebooks).
HEADLINE_MEASURES = {
    "primary": ("ks2_rwm_expected", "ks2_rwm_higher", "ks2_reading_expected", "ks2_writing_expected",
                "ks2_maths_expected", "ks2_reading_scaled_score", "ks2_maths_scaled_score"),
    "secondary": ("ks4_attainment8", "ks4_progress8", "ks4_english_maths_4plus", "ks4_english_maths_5plus"),
    "both": ("overall_absence", "persistent_absence"),
}
_UNITS = {"% of pupils": "% of pupils", "% of sessions missed": "% of sessions missed",
          "scaled-score points": "scaled-score points", "A8 points": "A8 points", "P8 points": "P8 points"}
_STATS = ["estimate", "se", "ci_low", "ci_high", "difference"]
#: How a page prints: one key area kept together (no chart split from its text); page 1's table compact.
_STYLE = """<style>
.gt-page { margin-top: 0.6rem; }
.gt-page h2 { margin: 0.2rem 0 0.4rem 0; font-size: 1.35em; }
.gt-page p, .gt-page li { margin: 0.15rem 0; }
.gt-keep { break-inside: avoid; page-break-inside: avoid; }
.gt-page table.gt-table { width: 100%; border-collapse: collapse; font-size: 11px; margin: 0.3rem 0;
  table-layout: fixed; }
.gt-page table.gt-table th { font-size: 10px; vertical-align: bottom; }
.gt-page table.gt-table th, .gt-page table.gt-table td { text-align: right; padding: 2px 4px;
  border-bottom: 1px solid #ddd; vertical-align: top; }
.gt-page table.gt-table th:first-child, .gt-page table.gt-table td:first-child { text-align: left; width: 26%; }
.gt-page table.gt-table th:nth-child(2), .gt-page table.gt-table th:nth-child(5) { width: 11%; }
.gt-page table.gt-table th:nth-child(3), .gt-page table.gt-table th:nth-child(6) { width: 15%; }
.gt-page table.gt-table th:nth-child(4), .gt-page table.gt-table th:nth-child(7) { width: 11%; }
.gt-page table.gt-table tr { break-inside: avoid; page-break-inside: avoid; }
.gt-page img { display: block; max-width: 100%; max-height: 8.5cm; margin: 0.3rem auto; }
.gt-page .gt-small { font-size: 90%; color: #333; }
@media print { .gt-area { break-before: auto; } }
</style>"""


@dataclass(frozen=True)
class Page(Section):
    """A :class:`Section` shown as one block that is kept together on a printed page.

    ``lead`` is the paragraph under the title (the school in a line, or the
    key question); ``questions`` the numbered questions governors could ask.
    """

    lead: str = ""
    questions: tuple = field(default=())
    sentence_heading: str = ""

    def html(self) -> str:
        """The page as HTML: title, lead, tables, sentences, chart, questions, notes.

        A key-area page (one chart) is one block kept together on paper; page 1
        (a table) may break between table rows, never inside one.
        """
        parts = [f"<h2>{html.escape(self.title)}</h2>"] if self.title else []
        if self.lead:
            parts.append(f"<p><em>{html.escape(self.lead)}</em></p>" if self.charts or not self.tables
                         else f"<p>{html.escape(self.lead)}</p>")
        for t in self.tables:
            if t.caption:
                parts.append(f"<p><strong>{html.escape(t.caption)}</strong></p>")
            parts.append(table(t.frame, columns=t.columns, decimals=t.decimals).data)
        if self.sentences:
            if self.sentence_heading:
                parts.append(f"<p><strong>{html.escape(self.sentence_heading)}</strong></p>")
            parts.append("<ul>" + "".join(f"<li>{html.escape(str(s))}</li>" for s in self.sentences) + "</ul>")
        for fig in self.charts:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
            data = base64.b64encode(buf.getvalue()).decode("ascii")
            parts.append(f'<img alt="{html.escape(self.title)}" src="data:image/png;base64,{data}"/>')
        if self.questions:
            parts.append("<p><strong>Questions governors could ask</strong></p><ol>"
                         + "".join(f"<li>{html.escape(q)}</li>" for q in self.questions) + "</ol>")
        for n in self.notes:
            parts.append(f'<p class="gt-small">{html.escape(str(n))}</p>')
        keep = " gt-keep" if not self.tables else ""
        return f'{_STYLE}<div class="gt-page{keep}">' + "\n".join(parts) + "</div>"

    def markdown(self) -> str:
        lines = [f"### {self.title}"] if self.title else []
        lines += [self.lead] if self.lead else []
        lines += [f"* {s}" for s in self.sentences]
        lines += [f"{i}. {q}" for i, q in enumerate(self.questions, start=1)]
        lines += [str(n) for n in self.notes]
        return "\n\n".join(lines)

    def _ipython_display_(self):
        from IPython.display import display

        text = self.markdown()
        display({"text/html": self.html(), "text/markdown": text, "text/plain": text}, raw=True)


# --------------------------------------------------------------------------- page 1
def _num(x, digits: int) -> str:
    text = f"{x:.{digits}f}"
    return (f"{0:.{digits}f}" if float(text) == 0 else text).replace("-", "\u2212")


def _cell(value, lo, hi, digits: int) -> str:
    if pd.isna(value):
        return "not shown (too few pupils)"
    return f"{_num(value, digits)} ({_num(lo, digits)} to {_num(hi, digits)})"


def _national(row, digits: int) -> str:
    return "no national figure" if row is None or pd.isna(row["national"]) else _num(row["national"], digits)


def headlines_for_audience(data, *, school, year, threshold: int, audience: str, ledger=None) -> pd.DataFrame:
    """:func:`headline_outcomes` with small groups hidden for governors (values and counts missing).

    Each measure's disadvantaged and other pupils form a block whose total is all pupils; all pupils stand
    on their own. The school report's page 1 and the trust overview both show these rows, so a fact has
    one number in both. With the document's ``ledger``, the counts are also protected against the same
    pupils counted elsewhere in the document.
    """
    h = headline_outcomes(data, school=school, year=year)
    if audience != "governors":
        return h
    for c in ["n", *_STATS]:
        h[c] = pd.to_numeric(h[c], errors="coerce").astype(float)
    split = h[h["group"] != "all"].copy()
    split["n_all"] = split["measure"].map(h[h["group"] == "all"].set_index("measure")["n"])
    safe = disclosure.for_audience(split, count_cols="n", value_cols=_STATS, threshold=threshold, audience=audience,
                           block_col="measure", totals={"n": "n_all"})
    whole = disclosure.for_audience(h[h["group"] == "all"], count_cols="n", value_cols=_STATS, threshold=threshold,
                            audience=audience)
    out = pd.concat([whole, safe.drop(columns=["n_all", "suppressed"])]).loc[:, h.columns]
    out = out.sort_values(["measure", "group"], key=lambda s: s.map({m: i for i, m in enumerate(h["measure"].unique())})
                          if s.name == "measure" else s.map({"all": 0, "disadvantaged": 1}).fillna(2), kind="stable")
    if ledger is not None:   # pupils on roll are the pupils of the register and attendance sections too
        dis = {"all": {}, "disadvantaged": {"disadvantaged": "yes"}, "not_disadvantaged": {"disadvantaged": "no"}}
        pop = (lambda r: population("pupils", year, **dis[r["group"]]) if r["measure"] in HEADLINE_MEASURES["both"]
               else population(f"pupils with a result in {r['measure']}", year, **dis[r["group"]]))
        out = ledger.protect(out, count_col="n", population=pop, value_cols=_STATS).drop(columns="suppressed")
    return out.reset_index(drop=True)


def headline_table(headlines: pd.DataFrame, *, phase: str) -> pd.DataFrame:
    """Page 1's one compact table: a row per measure; school and national, all and disadvantaged pupils.

    Parameters
    ----------
    headlines : pandas.DataFrame
        :func:`gtanalytics.headlines.headline_outcomes`, suppressed for the audience.
    phase : {"primary", "secondary", "all-through"}

    Returns
    -------
    pandas.DataFrame
        Text columns: ``Measure`` (with its unit), ``Pupils``, ``School (95% interval)``,
        ``National``, ``Disadvantaged pupils``, ``Disadvantaged pupils' result (95% interval)``,
        ``National, disadvantaged pupils``. "no national figure" where none is shipped for the same
        year, phase and group.

    Examples
    --------
    >>> import gtanalytics
    >>> from gtanalytics.headlines import headline_outcomes
    >>> h = headline_outcomes(gtanalytics.load_sample(), school=8884101, year="2023/24")
    >>> t = headline_table(h, phase="secondary")
    >>> t.iloc[0]["Measure"], t.iloc[0]["National"]
    ('Attainment 8 (A8 points)', '45.9')
    """
    wanted = {"primary": HEADLINE_MEASURES["primary"], "secondary": HEADLINE_MEASURES["secondary"],
              "all-through": HEADLINE_MEASURES["primary"] + HEADLINE_MEASURES["secondary"]}[phase]
    wanted = wanted + HEADLINE_MEASURES["both"]
    rows = headlines.set_index(["measure", "group"])
    out = []
    for m in wanted:
        if (m, "all") not in rows.index:
            continue
        a = rows.loc[(m, "all")]
        d = rows.loc[(m, "disadvantaged")] if (m, "disadvantaged") in rows.index else None
        if pd.isna(a["estimate"]) and a["n"] == 0:
            continue  # not computed (no results): said in the leaders' notebooks
        dp = 2 if a["unit"] == "P8 points" else 1
        label = str(a["label"]).replace("Progress 8 (school's own estimate", "Progress 8 (estimate")
        out.append({
            "Measure": f"{label} ({_UNITS.get(a['unit'], a['unit'])})",
            "Pupils": "" if pd.isna(a["n"]) else f"{int(a['n'])}",
            "School (95% interval)": _cell(a["estimate"], a["ci_low"], a["ci_high"], dp),
            "National": _national(a, dp),
            "Disadvantaged pupils": "not shown" if d is None or pd.isna(d["n"]) else f"{int(d['n'])}",
            "Disadvantaged pupils' result (95% interval)": "not shown (too few pupils)" if d is None else
            _cell(d["estimate"], d["ci_low"], d["ci_high"], dp),
            "National, disadvantaged pupils": _national(d, dp),
        })
    return pd.DataFrame(out)


def _line(data, *, school, year, audience: str, threshold: int, ledger) -> str:
    line = school_in_a_line(data, school=school, year=year).iloc[0].to_dict()
    if audience == "governors":
        checks = {"n_disadvantaged": population("pupils", year, disadvantaged="yes"),
                  "n_register": population("pupils", year, gt_register=True)}
        ok = ledger.admit(population("pupils", year), line["n_pupils"]) if ledger is not None else True
        if not ok:
            line["n_pupils"] = math.nan
        for col, pop in checks.items():
            small = 0 < line[col] < threshold or 0 < line["n_pupils"] - line[col] < threshold
            if small or (ledger is not None and not ledger.admit(pop, line[col])):
                line[col] = math.nan
        if pd.isna(line["n_disadvantaged"]) and line["n_disadvantaged_known"]:
            line["pct_disadvantaged"] = math.nan
    text = describe_school(line)
    if pd.isna(line["pct_disadvantaged"]) and line["n_disadvantaged_known"]:
        text = text.replace("disadvantage not recorded", "the share of disadvantaged pupils is not shown (small "
                                                          "number)")
    return text


def _findings_frames(sections) -> dict:
    """The sections' results (``Section.frames``) in the form :func:`key_findings` takes."""
    out = {"gap_trends": {}, "value_added": {}, "register": [], "interventions": []}
    for sec in sections:
        for kind, value in getattr(sec, "frames", {}).items():
            if kind in ("gap_trends", "value_added"):
                out[kind].update(value)
            elif kind in ("register", "interventions"):
                out[kind].append(value)
    va = {}
    for name, g in out["value_added"].items():
        keep = [c for c in ("gt_register", "n", "va", "se", "ci_low", "ci_high", "ci_method") if c in g.columns]
        va[name] = g[keep].rename(columns={"gt_register": "group"})
    return {"gap_trends": out["gap_trends"], "value_added": va,
            "register": pd.concat(out["register"]) if out["register"] else None,
            "interventions": pd.concat(out["interventions"]) if out["interventions"] else None}


def summary(data, *, school, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
            ledger=None, sections=(), max_findings: int = 5) -> Page:
    """Page 1: the school in a line, headline outcomes against national, the findings that matter, questions.

    Parameters
    ----------
    data : SchoolData
        One school's data (:meth:`gtanalytics.data.SchoolData.for_school`).
    school : str
    year : str
        The report year.
    audience : {"governors", "leaders"}
    threshold : int
        Smallest group shown to governors.
    ledger : gtanalytics.disclosure.Ledger, optional
        The document's ledger: the school's counts go through it.
    sections : sequence of Section
        The key-area sections already made for this document; their results
        (``frames``: gap trends, register representation, intervention
        impact, value added) feed the key findings, so each finding states the
        number its key area states. :class:`~gtanalytics.sections.Document`
        passes the sections it has made.
    max_findings : int
        At most this many findings (3-5).

    Returns
    -------
    Page
        ``lead`` the school in one line; one table of headline outcomes
        (:func:`headline_table`); ``sentences`` the findings, each with its
        ``n`` and interval (:func:`gtanalytics.headlines.key_findings`);
        ``questions`` (:func:`gtanalytics.headlines.questions_for_governors`).
        It adds no evidence to the self-evaluation (the key areas count theirs).

    Examples
    --------
    >>> from gtanalytics import load_sample, sections
    >>> doc = sections.Document(load_sample(), school="8862101")
    >>> page = doc(sections.gaps_closing)
    >>> page = doc(sections.summary)
    >>> page.title, len(page.questions) >= 1
    ('Summary', True)
    """
    line = _line(data, school=school, year=year, audience=audience, threshold=threshold, ledger=ledger)
    h = headlines_for_audience(data, school=school, year=year, threshold=threshold, audience=audience, ledger=ledger)
    phase = school_in_a_line(data, school=school, year=year).loc[0, "phase"]
    frames = _findings_frames(sections)
    findings = key_findings(h, year=year, max_findings=max_findings, **frames)
    judge = {"worse": "negative", "better": "positive"}
    sentences = tuple(Statement(f["statement"], judgement=judge.get(f["direction"], "neutral"))
                      for _, f in findings.iterrows())
    table = Table(f"Headline outcomes, {year}, against national figures for the same year and phase", 
                  headline_table(h, phase=phase))
    note = ("Figures in brackets are 95% intervals: the range within which the true value probably lies. "
            "A result is clearly above or below national only when its whole interval is. Groups of fewer than "
            f"{threshold} pupils are not shown, nor any number from which one could be worked out; groups of fewer "
            f"than {smallest_group(threshold)} pupils are described as \"too few pupils to say\". No pupil is named.")
    lost = data_note(data)  # rows validation left out: the reader is told the figures leave them out
    return Page(2, "How is the school doing?", "Summary", audience, tables=(table,), sentences=sentences,
                notes=(note, lost) if lost else (note,), lead=line, questions=tuple(questions_for_governors(findings)),
                sentence_heading="What matters most")


# --------------------------------------------------------------------------- key-area pages
_ORDER = {"negative": 0, "positive": 1, "neutral": 2, "too_few": 3, "no_data": 4}


def key_area_page(data, *, key_area: int, school, year: str, sections=(), evidence=(), audience: str = "governors",
                  max_sentences: int = 3) -> Page:
    """One key area on one page: the question, one to three sentences, one chart, the school's rating.

    The sentences are the area's sections' own (so they state the numbers
    the sections state): clear concerns first, then clear strengths, then
    the rest, at most ``max_sentences``. The chart is that of the section of
    the first sentence (else the area's first chart). The last paragraph is
    :func:`gtanalytics.selfeval.self_evaluation_summary`: the school's own
    Entry/Developing/Exemplary rating and whether the evidence points
    higher or lower.

    Parameters
    ----------
    data : SchoolData
        One school's data (its ``self_evaluation`` table).
    key_area : int
        1-5.
    school, year : str
    sections : sequence of Section
        The sections made for the document (those of ``key_area`` are used).
    evidence : sequence of Statement
        Every section's evidence (:attr:`gtanalytics.sections.Document.evidence`).
    audience : {"governors", "leaders"}
    max_sentences : int

    Examples
    --------
    >>> from gtanalytics import load_sample, sections
    >>> doc = sections.Document(load_sample(), school="8862101")
    >>> _ = doc(sections.interventions_working)
    >>> page = doc(sections.key_area_page, key_area=3)
    >>> page.title, len(page.charts), 1 <= len(page.sentences) <= 4
    ('Key area 3: Effective learning for excellence', 1, True)
    """
    from gtanalytics.sections.core import staff_text

    mine = [s for s in sections if s.key_area == key_area and not isinstance(s, Page) and s.title]
    said = [(s, sec) for sec in mine for s in sec.sentences if isinstance(s, Statement) and s.judgement != "no_data"]
    said.sort(key=lambda p: _ORDER.get(p[0].judgement, 5))
    chosen = said[:max_sentences] or [(s, sec) for sec in mine for s in sec.sentences][:1]
    charted = [sec for _, sec in chosen if sec.charts] + [sec for sec in mine if sec.charts]
    charts = (charted[0].charts[0],) if charted else ()
    se = data.self_evaluation
    if "evidence" in se.columns:
        se = se.assign(evidence=staff_text(se["evidence"], audience=audience, pupils=data))
    rating = selfeval.self_evaluation_summary(key_area, list(evidence), self_evaluation=se, school=school, year=year)
    rest = len(said) - len(chosen)
    more = (f"{rest} further finding{'s' if rest != 1 else ''} on this key area "
            f"{'are' if rest != 1 else 'is'} in the school's key-area notebook.") if rest > 0 else ""
    question = " ".join(dict.fromkeys(sec.question for sec in mine)) if mine else selfeval.KEY_QUESTIONS[key_area][0]
    return Page(key_area, question, f"Key area {key_area}: {selfeval.KEY_AREAS[key_area]}", audience, charts=charts,
                sentences=tuple(s for s, _ in chosen), lead=question,
                notes=tuple(x for x in (str(rating), more) if x))
