"""Privacy check of a governor report: personal data, small groups, code and anything fetched online.

:func:`check_report_privacy` scans an HTML report (or the text of
its PDF, :func:`pdf_text`) for every UPN, name and date
of birth of the input, pupil counts below the threshold, code cells and
external resources. :func:`gtanalytics.report.build_reports` runs it on every
governor report it builds and withholds a report that fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

__all__ = ["check_report_privacy", "pdf_text", "PdfTextUnavailable"]


class PdfTextUnavailable(RuntimeError):
    """No PDF text extractor (pdftotext or pypdf) is installed, so a PDF cannot be checked."""


class _Text(HTMLParser):
    """Visible text of an HTML page, and table cells under their headers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.section = 0                       # headings seen so far
        self.items: list[tuple[int, list[str]]] = []  # (section, text) of each list item / paragraph

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []
        if tag in ("h1", "h2", "h3", "h4"):
            self.section += 1
        elif tag in ("li", "p"):
            self.items.append((self.section, []))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)
            if self._cell is not None:
                self._cell.append(data)
            if self.items:
                self.items[-1][1].append(data)


_PUPIL_COUNT = re.compile(r"^(n|pupils|number of pupils|n_\w+|.*\bpupils\b.*)$", re.IGNORECASE)
_SUPPRESSED = {"", "c", "supp", "x", "z", "low", "u", "-", "\u2013", "\u2014", "nan", "<na>", "none"}
_EPONYM = re.compile(r"(?:'s)?\s+(?:score\s+|exact\s+|log\s+)?(?:intervals?|tests?|method|correction|test's)\b")
_N_IN_TEXT = re.compile(r"\b(?:n\s*=\s*(\d+)|(\d+) pupils?\b)", re.IGNORECASE)
# a count of pupils or mentees, not a bound ("fewer than 10 pupils" is a rule, not a group)
_COUNT_NOUN = re.compile(r"(?<!fewer than )(?<!less than )(?<!more than )(?<!at least )(?<!under )(?<!over )"
                         r"\b(\d+) (pupils?|mentees?)\b", re.IGNORECASE)


def _near_counts(items, threshold: int) -> list[dict]:
    """Pairs of pupil counts in one section, about the same population, that differ by 1 to threshold - 1.

    A reader can subtract two counts of the same population: "16 mentees" for one outcome and "14 mentees"
    for another say that 2 mentees had no data for the second.  Two counts (``N pupils`` / ``N mentees``,
    each at least ``threshold``) in the same section (between two headings) are about the same population
    when they name a specific group noun (``mentees``), or when they say ``pupils`` in sentences with the
    same label (the text before the sentence's first colon, numbers left out: "Pupils not on the
    register: ... reading" and "...: ... maths").  Counts of different labels (two intervention
    programmes, boys and girls) are different groups and are never compared, so an honest report is
    not blocked by two groups that happen to be of similar size; nor are bounds ("fewer than 10 pupils").
    """
    seen: dict[tuple, list[tuple[int, str]]] = {}
    out = []
    for section, parts in items:
        sentence = " ".join("".join(parts).split())
        label = re.sub(r"[\d,.%()]+", "", sentence.split(":", 1)[0]).strip().lower() if ":" in sentence else sentence
        for m in _COUNT_NOUN.finditer(sentence):
            n, noun = int(m.group(1)), m.group(2).lower().rstrip("s")
            if n < threshold:
                continue  # a small count is reported on its own
            key = (section, noun) if noun != "pupil" else (section, noun, label)
            for other, ctx in seen.get(key, []):
                if 0 < abs(n - other) < threshold:
                    out.append({"kind": "small_difference", "value": f"{other} - {n} = {abs(other - n)} {noun}s",
                                "context": f"{ctx} | {_context(sentence, m.start(), m.end())}"})
            seen.setdefault(key, []).append((n, _context(sentence, m.start(), m.end())))
    return out


def _dob_forms(d: pd.Timestamp) -> set[str]:
    return {d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"), d.strftime("%d-%m-%Y"), d.strftime("%d.%m.%Y"),
            f"{d.day} {d.strftime('%B %Y')}", f"{d.day} {d.strftime('%b %Y')}", d.strftime("%d %B %Y"),
            d.strftime("%Y%m%d"), f"{d.day}/{d.month}/{d.year}"}


def _context(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 40): end + 40].split())


def pdf_text(pdf_path) -> str | None:
    """The text of a PDF, or None when no PDF text extractor is installed.

    Uses ``pdftotext`` from Debian's ``poppler-utils`` when it is on the
    PATH, else the ``pypdf`` package when it is installed.

    Raises
    ------
    RuntimeError
        If the extractor fails on the file.
    """
    exe = shutil.which("pdftotext")
    if exe:
        done = subprocess.run([exe, "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"pdftotext could not read {pdf_path}: {done.stderr.decode(errors='replace')[-300:]}")
        return done.stdout.decode("utf-8", errors="replace")
    try:
        import pypdf
    except ImportError:
        return None
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(pdf_path)).pages)


#: A UPN's shape (a letter, 11 digits, a digit or letter), and every such run in a text, overlapping.
_UPN_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")
_UPN_ANYWHERE = re.compile(r"(?=([A-Z][0-9]{11}[0-9A-Z]))")


def check_report_privacy(path, data, threshold: int = 6) -> pd.DataFrame:
    """Scan a governor report (HTML, or the text of its PDF) for personal data and small groups.

    Looks for every UPN of the input anywhere in the file (text, attributes,
    scripts), and in the visible text for every date of birth (ISO, UK and
    long forms), every full name (forename surname, surname forename,
    "surname, forename"), and every surname or forename as a whole,
    capitalised word. It also checks pupil counts: table columns headed
    ``n``, ``pupils`` or ``n_...`` and phrases such as "4 pupils" or "n=4" must
    not show a number from 1 to ``threshold - 1``; and two counts of the same
    population in one section ("16 mentees" and "14 mentees"; the same
    sentence label with "N pupils") must not differ by 1 to ``threshold - 1``
    (``small_difference``: the difference is a small group; see
    :func:`_near_counts` for when two counts are taken to be of the same
    population). Finally it reports code
    cells (input areas or prompts) and anything loaded from the internet.

    A ``.pdf`` file is checked on its extracted text (:func:`pdf_text`):
    UPNs, dates of birth, names and pupil counts written in words (table
    columns cannot be told apart in PDF text; the HTML the PDF was printed
    from has its tables checked).

    Charts are images and cannot be read; they are safe because the plotting
    functions draw only result frames, which carry no names or UPNs, and the
    report notebooks suppress small groups before drawing.

    Parameters
    ----------
    path : str or Path
        The report: ``.html`` or ``.pdf``.
    data : SchoolData
        What the report was built from (its ``pupils`` table gives the UPNs,
        names and dates of birth to look for; every table's ``upn`` is used).
    threshold : int
        Smallest group size that may be shown.

    Returns
    -------
    pandas.DataFrame
        One row per problem with columns ``kind`` (``upn``, ``date_of_birth``,
        ``name``, ``small_group``, ``small_difference``, ``code``, ``external``), ``value`` (what was
        found) and ``context`` (the text around it). Empty when the report is
        clean.

    Raises
    ------
    PdfTextUnavailable
        For a PDF when neither ``pdftotext`` nor ``pypdf`` is installed.

    Examples
    --------
    >>> from gtanalytics.privacy import check_report_privacy  # doctest: +SKIP
    >>> check_report_privacy("reports/100001/90-governor-report.html", data).empty  # doctest: +SKIP
    True
    """
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        raw = pdf_text(path)
        if raw is None:
            raise PdfTextUnavailable(
                f"Cannot read the text of {path.name}: install poppler-utils (`apt-get install poppler-utils`, "
                "for pdftotext) or the pypdf package. The HTML it was printed from has been checked.")
        tables: list = []
        text = " ".join(raw.split())
    else:
        raw = path.read_text(encoding="utf-8")
        parser = _Text()
        parser.feed(raw)
        tables = parser.tables
        text = " ".join("".join(parser.parts).split())
    problems: list[dict] = []

    def add(kind, value, ctx):
        problems.append({"kind": kind, "value": value, "context": ctx})

    pupils = getattr(data, "pupils", None)
    upns: set[str] = set()
    for name in ("pupils", "assessments", "interventions", "mentoring", "enrichment", "attendance",
                 "exclusions", "parents_evenings", "surveys"):
        t = getattr(data, name, None)
        if isinstance(t, pd.DataFrame) and "upn" in t.columns:
            upns.update(str(u).strip().upper() for u in t["upn"].dropna().unique() if str(u).strip())
    raw_upper = raw.upper()
    # UPN-shaped keys: every UPN-shaped run of 13 characters in the file (overlapping, so inside longer runs
    # too) is looked up in the set, one pass over the file; other keys (pseudonymous) are searched one by one
    shaped = {u for u in upns if _UPN_SHAPE.fullmatch(u)}
    seen: dict[str, int] = {}
    for m in _UPN_ANYWHERE.finditer(raw_upper):
        if m.group(1) in shaped:
            seen.setdefault(m.group(1), m.start())      # the first occurrence, as str.find gives
    for u in sorted(upns):
        i = seen.get(u, -1) if u in shaped else raw_upper.find(u)
        if i >= 0:
            add("upn", u, _context(raw, i, i + len(u)))
    if isinstance(pupils, pd.DataFrame):
        if "date_of_birth" in pupils.columns:
            dobs = pd.to_datetime(pupils["date_of_birth"], errors="coerce").dropna().unique()
            for d in dobs:
                for form in _dob_forms(pd.Timestamp(d)):
                    i = text.find(form)
                    if i >= 0:
                        add("date_of_birth", form, _context(text, i, i + len(form)))
        if {"forename", "surname"} <= set(pupils.columns):
            names = pupils[["forename", "surname"]].dropna().astype(str).drop_duplicates()
            lower = text.lower()
            for fn, sn in names.itertuples(index=False):
                for full in (f"{fn} {sn}", f"{sn} {fn}", f"{sn}, {fn}"):
                    i = lower.find(full.lower())
                    if i >= 0:
                        add("name", full, _context(text, i, i + len(full)))
            parts = set(pupils["forename"].dropna().astype(str)) | set(pupils["surname"].dropna().astype(str))
            for part in sorted(p.strip() for p in parts if len(p.strip()) >= 2):
                # a method named after its author ("Welch interval", "Wilson score interval") is not a pupil
                m = next((m for m in re.finditer(rf"(?<![\w-]){re.escape(part)}(?![\w-])", text)
                          if not _EPONYM.match(text, m.end())), None)
                if m and not any(p["kind"] == "name" and part in p["value"] for p in problems):
                    add("name", part, _context(text, m.start(), m.end()))
    for tbl in tables:
        if not tbl:
            continue
        head = tbl[0]
        cols = [i for i, h in enumerate(head) if _PUPIL_COUNT.match(h.strip())]
        for row in tbl[1:]:
            for i in cols:
                if i < len(row):
                    cell = row[i].strip()
                    if cell.lower() in _SUPPRESSED:
                        continue
                    try:
                        v = float(cell.replace(",", ""))
                    except ValueError:
                        continue
                    if 0 < v < threshold:
                        add("small_group", f"{head[i]} = {cell}", " | ".join(row))
    for m in _N_IN_TEXT.finditer(text):
        v = int(m.group(1) or m.group(2))
        if 0 < v < threshold:
            add("small_group", m.group(0), _context(text, m.start(), m.end()))
    if path.suffix.lower() != ".pdf":
        problems.extend(_near_counts(parser.items, threshold))
    if path.suffix.lower() == ".pdf":
        return pd.DataFrame(problems, columns=["kind", "value", "context"]).drop_duplicates(ignore_index=True)
    for m in re.finditer(r"<[^>]+class=([\"'])(.*?)\1[^>]*>", raw):
        classes = m.group(2).split()
        if ("jp-CodeCell" in classes and "jp-mod-noInput" not in classes) or {
                "jp-InputPrompt", "jp-CodeMirrorEditor", "jp-Editor", "highlight-ipynb", "input_area"} & set(classes):
            add("code", m.group(2), m.group(0)[:80])
    for m in re.finditer(r"<(?:script|link|img|iframe)[^>]+(?:src|href)\s*=\s*[\"'](https?:)?//", raw, re.I):
        add("external", m.group(0)[:80], "")
    return pd.DataFrame(problems, columns=["kind", "value", "context"]).drop_duplicates(ignore_index=True)

