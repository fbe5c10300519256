"""Privacy of governor output: the check of a report, and redaction of staff-entered free text.

:func:`check_report_privacy` scans an HTML report (or the text of its PDF,
:func:`pdf_text`) for the pupils' UPNs, full names and dates of birth, pupil
counts below the threshold, code cells and external resources; every finding
says what was found and where (section heading and line).
:func:`gtanalytics.report.build_reports` runs it on every governor report it
builds and withholds a report that fails. :func:`redact_free_text` removes the
same identifiers from text typed by staff (programme names, evidence notes,
mentoring focus, survey comments) before governors see it.

What counts as an identifier:

* a UPN (or other pupil key) of the input, in any case, with or without spaces,
  dots or hyphens between its characters ("Y886 2101 21025");
* a pupil's full name: forename and surname next to each other in either order,
  or "Surname, Forename"; case, accents (Zoë and Zoe), apostrophes (O'Brien,
  O’Brien, OBrien, O Brien) and hyphens ("Mei Wang-family", Hartley-Jones) do not
  matter, nor a dot or underscore between them (zoe.white);
* a pupil's date of birth written as 29/11/2016, 29-11-16, 2016-11-29, 20161129,
  29 Nov 2016, 29-Nov-2016, 29th November 2016, 29th of November 2016 or
  November 29, 2016 (day and month read either way round).

A single word that is also a name (White, Young, Summer, Grace, Key) is not a
leak on its own: the report's own words ("White British", "Summer test", "Key
area") are not pupils. Nor is a forename or surname alone.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import shutil
import string
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["PdfTextUnavailable", "check_report_privacy", "pdf_text", "redact_free_text"]


class PdfTextUnavailable(RuntimeError):
    """No PDF text extractor (pdftotext or pypdf) is installed, so a PDF cannot be checked."""


class _Text(HTMLParser):
    """Visible text of an HTML page, table cells under their headers, and where each piece of text is."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.section = 0                       # headings seen so far
        self.items: list[tuple[int, list[str]]] = []  # (section, text) of each list item / paragraph
        self.heading = ""                      # text of the last heading seen
        self._heading: list[str] | None = None
        self._size = 0                         # characters in parts so far
        self.starts: list[int] = []            # offset in the visible text of each piece of text ...
        self.where: list[tuple[str, int]] = []  # ... and its (heading, line of the HTML file)
        self.heading_lines: list[tuple[int, str]] = [(0, "")]  # (line of the HTML file, heading from there on)

    def _add(self, data: str) -> None:
        self.parts.append(data)
        self._size += len(data)

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
            self._heading = []
        elif tag in ("li", "p"):
            self.items.append((self.section, []))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag in ("h1", "h2", "h3", "h4") and self._heading is not None:
            self.heading = " ".join("".join(self._heading).split())
            self.heading_lines.append((self.getpos()[0], self.heading))
            self._heading = None
        self._add(" ")

    def handle_data(self, data):
        if not self.skip:
            self.starts.append(self._size)
            self.where.append((self.heading, self.getpos()[0]))
            self._add(data)
            if self._cell is not None:
                self._cell.append(data)
            if self.items:
                self.items[-1][1].append(data)
            if self._heading is not None:
                self._heading.append(data)

    def locate(self, offset: int, text: str) -> str:
        """Where the character at ``offset`` of the visible ``text`` is: its section heading and HTML line."""
        if not self.where:
            return ""
        i = max(0, bisect.bisect_right(self.starts, offset) - 1)
        heading, line = self.where[i]
        return _where(heading, line + text.count("\n", self.starts[i], offset))

    def locate_line(self, line: int) -> str:
        """The section heading and line of a line of the HTML file."""
        i = bisect.bisect_right(self.heading_lines, (line, "\uffff")) - 1
        return _where(self.heading_lines[i][1], line)


def _where(heading: str | None, line: int) -> str:
    """``section "Key area 1", line 210`` (``line 12`` when there is no heading)."""
    return f'section "{heading}", line {line}' if heading else f"line {line}"


_PUPIL_COUNT = re.compile(r"^(n|pupils|number of pupils|n_\w+|.*\bpupils\b.*)$", re.IGNORECASE)
_SUPPRESSED = {"", "c", "supp", "x", "z", "low", "u", "-", "\u2013", "\u2014", "nan", "<na>", "none"}
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
                                "context": f"{ctx} | {_context(sentence, m.start(), m.end())}", "where": ""})
            seen.setdefault(key, []).append((n, _context(sentence, m.start(), m.end())))
    return out


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
        done = subprocess.run([exe, "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pdftotext could not read {pdf_path}: {done.stderr.decode(errors='replace')[-300:]}")
        return done.stdout.decode("utf-8", errors="replace")
    try:
        import pypdf
    except ImportError:
        return None
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(pdf_path)).pages)


# --------------------------------------------------------------------------- identifiers
#: Tables whose ``upn`` column gives pupil keys to look for.
_KEY_TABLES = ("pupils", "assessments", "interventions", "mentoring", "enrichment", "attendance", "exclusions",
               "parents_evenings", "surveys")
#: A UPN's shape (a letter, 11 digits, a digit or letter). In a text it is found from runs of 11 or more digits
#: (up to two spaces, dots or hyphens between them: "Y886 2101 21025"), each looked at with the letter before it
#: and the character after its 11th digit: one pass of a pattern that starts with a digit, which the regular
#: expression engine skips to quickly.
_UPN_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")
_DIGIT_RUN = re.compile(r"[0-9](?:[\s.\-]{0,2}[0-9]){10,}")
_LETTER_BEFORE = re.compile(r"([A-Za-z])[\s.\-]{0,2}\Z")
_CHECK_AFTER = re.compile(r"[\s.\-]{0,2}([A-Za-z])")
#: A word of folded text (letters, with apostrophes inside: o'brien), and what may join two words of one name.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_JOIN = re.compile(r"\s*[-\u2010\u2011\u2013]?\s*|[._]")   # "zoe.white", "zoe_white" too
_COMMA = re.compile(r"\s*,\s*")
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = re.compile(
    r"(?<![\d/.-])(?:"
    r"(?P<y1>\d{4})[-/.](?P<m1>\d{1,2})[-/.](?P<d1>\d{1,2})"                       # 2016-11-29
    r"|(?P<a2>\d{1,2})[-/.](?P<b2>\d{1,2})[-/.](?P<y2>\d{4}|\d{2})"                # 29/11/2016, 29.11.16
    r"|(?P<y3>(?:19|20)\d{2})(?P<m3>[01]\d)(?P<d3>[0-3]\d)"                         # 20161129
    rf"|(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?[\s./-]*(?:of\s+)?(?P<n4>{_MONTH})\.?,?[\s./-]*(?P<y4>\d{{4}}|'?\d{{2}})"  # 29th Nov 2016
    rf"|(?P<n5>{_MONTH})\.?\s*(?P<d5>\d{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<y5>\d{{4}})"  # November 29, 2016
    r")(?![\d/])", re.IGNORECASE)


def _fold(text: str) -> tuple[str, list[int] | None]:
    """``text`` in lower case without accents, apostrophes straight; and where each character came from.

    The second item maps each character of the folded text to its index in ``text`` (None when they are
    the same: plain ASCII text).
    """
    if text.isascii():
        return text.lower().replace("`", "'"), None
    out, src = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch.translate(_APOSTROPHES)).casefold():
            if not unicodedata.combining(c):
                out.append(c)
                src.append(i)
    return "".join(out), src


def _word(token: str) -> str:
    """A folded word as compared: a possessive 's dropped, apostrophes removed (o'brien's -> obrien)."""
    token = token.removesuffix("'s")
    return token.replace("'", "")


def _name_words(name: str) -> set[tuple[str, ...]]:
    """The words of a forename or surname as compared: O'Brien gives (obrien,) and (o, brien)."""
    folded, _ = _fold(name)
    return {tuple(_word(t) for t in _WORD.findall(folded)), tuple(re.findall(r"[^\W\d_]+", folded))} - {()}


def _year(y: str) -> int:
    y = y.lstrip("'")
    return int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 50 else 1900 + int(y))


def _dates_of(m: re.Match) -> list[dt.date]:
    """The dates a written date can mean (29/11/2016 and 03/11/2012 both ways round)."""
    g = m.groupdict()
    if g["y1"]:
        ymd = [(int(g["y1"]), int(g["m1"]), int(g["d1"]))]
    elif g["y2"]:
        a, b, y = int(g["a2"]), int(g["b2"]), _year(g["y2"])
        ymd = [(y, b, a), (y, a, b)]
    elif g["y3"]:
        ymd = [(int(g["y3"]), int(g["m3"]), int(g["d3"]))]
    else:
        day, month, year = (g["d4"], g["n4"], g["y4"]) if g["d4"] else (g["d5"], g["n5"], g["y5"])
        ymd = [(_year(year), _MONTH_NAMES.index(month[:3].lower()) + 1, int(day))]
    out = []
    for y, mo, d in ymd:
        try:
            out.append(dt.date(y, mo, d))
        except ValueError:
            pass
    return out


class _Identifiers:
    """The pupil keys, full names and dates of birth of the input, indexed so a text is read once for each kind.

    ``data`` is a :class:`~gtanalytics.data.SchoolData` (every table's ``upn`` is a key) or a pupils frame.
    Each ``*_in`` method returns ``(start, end, value)`` for every occurrence in a text.
    """

    def __init__(self, data):
        frames = [data] if isinstance(data, pd.DataFrame) else [getattr(data, n, None) for n in _KEY_TABLES]
        pupils = frames[0]
        keys: set[str] = set()
        for t in frames:
            if isinstance(t, pd.DataFrame) and "upn" in t.columns:
                keys.update(str(u).strip().translate(_ASCII_UPPER) for u in t["upn"].dropna().unique() if str(u).strip())
        self.shaped = {k for k in keys if _UPN_SHAPE.fullmatch(k)}
        self.other = sorted(keys - self.shaped)
        self.names: dict[tuple[str, ...], list[tuple[str, int, bool]]] = {}  # words -> [(name, words before the join, surname first)]
        self.dobs: set[dt.date] = set()
        if not isinstance(pupils, pd.DataFrame):
            return
        if {"forename", "surname"} <= set(pupils.columns):
            for fn, sn in pupils[["forename", "surname"]].dropna().astype(str).drop_duplicates().itertuples(index=False):
                for f in _name_words(fn):
                    for s in _name_words(sn):
                        self.names.setdefault(f + s, []).append((f"{fn.strip()} {sn.strip()}", len(f), False))
                        self.names.setdefault(s + f, []).append((f"{sn.strip()}, {fn.strip()}", len(s), True))
        self.first = {k[0] for k in self.names}
        self.longest = max(map(len, self.names), default=0)
        if "date_of_birth" in pupils.columns:
            self.dobs = {d.date() for d in pd.to_datetime(pupils["date_of_birth"], errors="coerce").dropna()}

    def keys_in(self, text: str) -> list[tuple[int, int, str]]:
        """UPN-shaped keys in one pass over the text (any case, separators allowed, inside longer runs of letters
        and digits too); other keys (pseudonymous) one by one, in any case."""
        found = []
        for m in _DIGIT_RUN.finditer(text):
            lead = _LETTER_BEFORE.search(text, max(0, m.start() - 3), m.start())
            if lead is None:
                continue
            digits = [(i, c) for i, c in enumerate(m.group(), m.start()) if c.isdigit()]
            if len(digits) > 11:
                check, end = digits[11][1], digits[11][0] + 1
            else:
                after = _CHECK_AFTER.match(text, m.end())
                if after is None:
                    continue
                check, end = after.group(1), after.end()
            key = (lead.group(1) + "".join(c for _, c in digits[:11]) + check).upper()
            if key in self.shaped:
                found.append((lead.start(), end, key))
        if self.other:
            upper = text.translate(_ASCII_UPPER)     # same length as text, so positions carry over
            for key in self.other:
                i = upper.find(key)
                while i >= 0:
                    found.append((i, i + len(key), key))
                    i = upper.find(key, i + 1)
        return found

    def names_in(self, text: str) -> list[tuple[int, int, str]]:
        """Full names: a forename's and a surname's words next to each other (joined by spaces or a hyphen; a
        comma after a surname that comes first), in any case and without accents."""
        if not self.names:
            return []
        folded, src = _fold(text)
        tokens = [(m.start(), m.end(), _word(m.group())) for m in _WORD.finditer(folded)]
        found = []
        for i, (start, _, word) in enumerate(tokens):
            if word not in self.first:
                continue
            for k in range(min(self.longest, len(tokens) - i), 1, -1):
                hits = self.names.get(tuple(t[2] for t in tokens[i:i + k]), [])
                gaps = [folded[tokens[j][1]:tokens[j + 1][0]] for j in range(i, i + k - 1)]
                name = next((name for name, join, surname_first in hits
                             if all(_JOIN.fullmatch(g) or (surname_first and n == join - 1 and _COMMA.fullmatch(g))
                                    for n, g in enumerate(gaps))), None)
                if name is not None:
                    end = tokens[i + k - 1][1]
                    found.append((src[start] if src else start, src[end - 1] + 1 if src else end, name))
                    break
        return found

    def dobs_in(self, text: str) -> list[tuple[int, int, str]]:
        """Dates of birth of the input written in any of the usual forms (one pass over the text)."""
        if not self.dobs:
            return []
        return [(m.start(), m.end(), m.group(0)) for m in _DATE.finditer(text)
                if any(d in self.dobs for d in _dates_of(m))]


_REDACTED = {"upn": "[UPN removed]", "name": "[name removed]", "date_of_birth": "[date of birth removed]"}


def _redact(text: str, ids: _Identifiers) -> tuple[str, int]:
    spans = sorted([(s, e, "upn") for s, e, _ in ids.keys_in(text)] + [(s, e, "name") for s, e, _ in ids.names_in(text)]
                   + [(s, e, "date_of_birth") for s, e, _ in ids.dobs_in(text)])
    out, at, n = [], 0, 0
    for s, e, kind in spans:
        if s < at:
            continue   # inside a span already removed
        out.append(text[at:s] + _REDACTED[kind])
        at, n = e, n + 1
    return "".join(out) + text[at:], n


def redact_free_text(texts, pupils):
    """Remove pupils' UPNs, full names and dates of birth from text typed by staff.

    Programme names, evidence notes, mentoring focus and survey comments are
    typed by people and can name a pupil. Each UPN, full name and date of birth
    of ``pupils`` found (in the forms :mod:`gtanalytics.disclosure` describes) is
    replaced by a note: ``[UPN removed]``, ``[name removed]`` or
    ``[date of birth removed]``. A single word that is also a name ("Summer
    reading", "Grace") is left alone.

    Parameters
    ----------
    texts : str or pandas.Series
        The free text; missing values in a Series stay missing (and the
        Series keeps its index, name and dtype).
    pupils : pandas.DataFrame or SchoolData
        The pupils (columns ``upn``, ``forename``, ``surname``,
        ``date_of_birth``; any missing column is not looked for), or a
        trust's data (every table's ``upn`` is a key).

    Returns
    -------
    redacted : str or pandas.Series
        ``texts`` with the identifiers replaced, of the same type and index.
    count : int
        How many identifiers were removed.

    Examples
    --------
    >>> import pandas as pd
    >>> pupils = pd.DataFrame({"upn": ["Y886210121025"], "forename": ["Zoë"], "surname": ["O'Brien"],
    ...                        "date_of_birth": ["2016-11-29"]})
    >>> redact_free_text("Zoe OBrien (Y886 2101 21025), born 29th November 2016: Summer reading", pupils)
    ('[name removed] ([UPN removed]), born [date of birth removed]: Summer reading', 3)
    >>> notes = pd.Series(["Obrien, Zoe joined", "Grace and Hope club"])
    >>> redacted, n = redact_free_text(notes, pupils)
    >>> redacted.tolist(), n
    (['[name removed] joined', 'Grace and Hope club'], 1)
    """
    ids = _Identifiers(pupils)
    if isinstance(texts, str):
        return _redact(texts, ids)
    series = pd.Series(texts)
    done = [_redact(v, ids) if isinstance(v, str) else (v, 0) for v in series]
    out = series.copy()
    out.iloc[:] = [text for text, _ in done]
    return out, sum(n for _, n in done)



_COLUMNS = ["kind", "value", "context", "where"]


def check_report_privacy(path, data, threshold: int = SUPPRESSION_THRESHOLD) -> pd.DataFrame:
    """Scan a governor report (HTML, or the text of its PDF) for personal data and small groups.

    Looks for every pupil key (UPN) of the input anywhere in the file (text,
    attributes, scripts; any case, spaces allowed), and in the visible text
    for every pupil's full name and date of birth in the forms the module
    describes (:mod:`gtanalytics.disclosure`); a forename or surname alone is
    not a finding, so a pupil called Summer White does not stop a report that
    says "White British" or "Summer test". It also checks pupil counts: table
    columns headed ``n``, ``pupils`` or ``n_...`` and phrases such as "4
    pupils" or "n=4" must not show a number from 1 to ``threshold - 1``; and
    two counts of the same population in one section ("16 mentees" and "14
    mentees"; the same sentence label with "N pupils") must not differ by 1
    to ``threshold - 1`` (``small_difference``: the difference is a small
    group; see :func:`_near_counts` for when two counts are taken to be of the
    same population). Finally it reports code cells (input areas or prompts)
    and anything loaded from the internet.

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
        found: the pupil's name as in the input, the key, the date as written),
        ``context`` (the text around it) and ``where`` (for identifiers: the
        section heading and line of the HTML file, or the page and line of the
        PDF text). Empty when the report is clean.

    Raises
    ------
    PdfTextUnavailable
        For a PDF when neither ``pdftotext`` nor ``pypdf`` is installed.

    Examples
    --------
    >>> from gtanalytics.disclosure import check_report_privacy  # doctest: +SKIP
    >>> check_report_privacy("reports/oakfield-primary/governor-report.html", data).empty  # doctest: +SKIP
    True
    """
    path = Path(path)
    is_pdf = path.suffix.lower() == ".pdf"
    if is_pdf:
        raw = pdf_text(path)
        if raw is None:
            raise PdfTextUnavailable(
                f"Cannot read the text of {path.name}: install poppler-utils (`apt-get install poppler-utils`, "
                "for pdftotext) or the pypdf package. The HTML it was printed from has been checked.")
        tables: list = []
        visible = raw

        def locate(i):
            page_start = raw.rfind("\f", 0, i) + 1
            return f"PDF page {raw.count(chr(12), 0, i) + 1}, line {raw.count(chr(10), page_start, i) + 1}"

        locate_raw = locate
    else:
        raw = path.read_text(encoding="utf-8")
        parser = _Text()
        parser.feed(raw)
        tables = parser.tables
        visible = "".join(parser.parts)

        def locate(i):
            return parser.locate(i, visible)

        def locate_raw(i):
            return parser.locate_line(raw.count("\n", 0, i) + 1)
    text = " ".join(visible.split())
    problems: list[dict] = []

    def add(kind, value, ctx, where=""):
        problems.append({"kind": kind, "value": value, "context": ctx, "where": where})

    ids = _Identifiers(data)
    first: dict[str, int] = {}
    for start, _, key in ids.keys_in(raw):      # anywhere in the file: text, attributes, scripts
        first.setdefault(key, start)            # a key's first occurrence
    for key, i in sorted(first.items()):
        add("upn", key, _context(raw, i, i + len(key)), locate_raw(i))
    for kind, found in (("name", ids.names_in(visible)), ("date_of_birth", ids.dobs_in(visible))):
        for start, end, value in found:
            add(kind, value, _context(visible, start, end), locate(start))
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
    if is_pdf:
        return pd.DataFrame(problems, columns=_COLUMNS).drop_duplicates(ignore_index=True)
    problems.extend(_near_counts(parser.items, threshold))
    for m in re.finditer(r"<[^>]+class=([\"'])(.*?)\1[^>]*>", raw):
        classes = m.group(2).split()
        if ("jp-CodeCell" in classes and "jp-mod-noInput" not in classes) or {
                "jp-InputPrompt", "jp-CodeMirrorEditor", "jp-Editor", "highlight-ipynb", "input_area"} & set(classes):
            add("code", m.group(2), m.group(0)[:80])
    for m in re.finditer(r"<(?:script|link|img|iframe)[^>]+(?:src|href)\s*=\s*[\"'](https?:)?//", raw, re.IGNORECASE):
        add("external", m.group(0)[:80], "")
    return pd.DataFrame(problems, columns=_COLUMNS).drop_duplicates(ignore_index=True)

