"""Read and write the DfE Common Transfer File (CTF): one XML export from any MIS.

Every school MIS in England and Wales (SIMS, Arbor, Bromcom, ScholarPack, ...)
exports the CTF, the DfE's XML standard for moving pupil records between schools
(and the whole-school "xml data transfer" of the same format).  :func:`read_ctf`
turns one into the text of gtanalytics' canonical tables (pupils, attendance,
assessments, schools), which :func:`gtanalytics.load` then checks like any CSV:
give ``load`` the ``.xml`` file, or a folder holding it next to CSV/XLSX files.

Which element goes to which column is kept in one table,
``gtanalytics/reference/ctf_mapping.csv``, with the source of each element name; the
sources are in ``gtanalytics/reference/ctf_sources.md``.  Element names follow DfE's own
CTF writers and a MIS importer: ``Pupil/LookedAfter/InCare``, ``Pupil/FSMhistory``,
``Pupil/SENhistory``, ``BasicDetails/Languages/Type/LanguageType`` and ``Language``.
Where versions differ both names are read: ``Sex`` (CTF 25) or ``Gender`` (CTF 24 and
earlier).

Parsing is safe: the file is read with the standard library's expat parser, a
document type declaration (DOCTYPE, the only way to declare an entity) is refused,
so no entity is ever expanded and nothing outside the file is fetched.  A hostile,
truncated or malformed file gives one plain message in ``SchoolData.quality``.

Row numbers in the quality report are the line numbers of the file (a text editor
shows them): the line of the ``<Pupil>`` element for pupils, of the ``<YearData>``
for attendance and of the ``<StageAssessment>`` for assessments.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

import numpy as np
import pandas as pd

from gtanalytics.errors import GTDataError
from gtanalytics.data._quality import ProblemLog
from gtanalytics.reference import load_reference

__all__ = ["CTFFile", "CTFUnreadable", "ctf_mapping", "merge_ctf", "merge_pupils", "read_ctf", "relay_problems",
           "write_ctf", "write_school_ctfs"]

_WELSH_LA = range(660, 682)
_READ_STAGES = {"KS1", "KS2", "PHO"}
_SUBJECTS = {("MAT", ""): "maths", ("ENG", "RD"): "reading", ("ENG", "RE"): "reading", ("ENG", "REA"): "reading",
             ("ENG", "WR"): "writing", ("ENG", "WRI"): "writing", ("ENG", "WA"): "writing",
             ("ENG", "GPS"): "gps", ("ENG", "GP"): "gps", ("SCI", ""): "science", ("PHO", ""): "phonics",
             ("MAT", "MTC"): "multiplication", ("REA", ""): "reading", ("WRI", ""): "writing"}
_WELSH_SEN = {"A": "A", "P": "A", "S": "A", "ALN": "A", "IDP": "A", "N": "N"}


def ctf_mapping() -> pd.DataFrame:
    """The element-to-column mapping table (``gtanalytics/reference/ctf_mapping.csv``).

    Returns
    -------
    pandas.DataFrame
        ``xml_path, table, column, rule, code_list, versions, status, source``: one row
        per CTF element read (paths below ``CTfile``), the canonical table and column it
        fills (blank where it has no canonical home), the reading rule, the codes it
        takes, how specification versions differ, and where the element name comes
        from: ``CONFIRMED`` (specification text), ``SECONDARY`` (public code written to
        the specification, e.g. DfE's own CTF writers) or ``UNCONFIRMED``, with the URLs.

    Examples
    --------
    >>> m = ctf_mapping()
    >>> m.loc[m["xml_path"] == "Pupil/UPN", ["table", "column"]].values.tolist()
    [['pupils', 'upn']]
    """
    return load_reference("ctf_mapping").fillna("").astype(str)


# --------------------------------------------------------------------------- safe parsing
class _Node:
    """An element: local tag name, line, children and text (stripped)."""

    __slots__ = ("children", "line", "parts", "tag")

    def __init__(self, tag: str, line: int) -> None:
        self.tag, self.line, self.children, self.parts = tag, line, [], []

    @property
    def text(self) -> str | None:
        t = "".join(self.parts).strip()
        return t or None

    def all(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]

    def get(self, path: str) -> _Node | None:
        node = self
        for part in path.split("/"):
            node = next((c for c in node.children if c.tag == part), None)
            if node is None:
                return None
        return node

    def value(self, *paths: str) -> str | None:
        """Text of the first of ``paths`` that is present and not blank."""
        for p in paths:
            n = self.get(p)
            if n is not None and n.text is not None:
                return n.text
        return None


class _Refused(Exception):
    """The file declares a document type or an entity: refused, never expanded."""


class CTFUnreadable(GTDataError):
    """A CTF that cannot be used: the plain-English reason, the value at fault and the pupils seen.

    ``severity`` is ``"error"`` for a hostile, damaged or incomplete file and ``"warning"``
    for an XML file that is not a CTF at all.
    """

    def __init__(self, message: str, value: str | None, pupils_seen: int, severity: str = "error") -> None:
        super().__init__(message)
        self.value, self.pupils_seen, self.severity = value, pupils_seen, severity


def _parse(path: Path) -> _Node:
    """Parse ``path`` with expat: no DOCTYPE, no entity declarations, no external entities."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    stack: list[_Node] = []
    roots: list[_Node] = []
    seen = {"pupils": 0, "upn": None}

    def start(tag, _attrs):
        node = _Node(tag.rsplit(":", 1)[-1], parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
        if node.tag == "Pupil":
            seen["pupils"] += 1

    def end(_tag):
        node = stack.pop()
        if node.tag == "UPN" and stack and stack[-1].tag == "Pupil":
            seen["upn"] = node.text

    def text(data):
        if stack:
            stack[-1].parts.append(data)

    def refuse(what):
        def handler(*args):
            raise _Refused(what + (f" '{args[0]}'" if args and isinstance(args[0], str) else ""))
        return handler

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.StartDoctypeDeclHandler = refuse("a document type declaration (DOCTYPE)")
    parser.EntityDeclHandler = refuse("an entity declaration")
    parser.UnparsedEntityDeclHandler = refuse("an external entity declaration")
    parser.ExternalEntityRefHandler = refuse("a reference to an external entity")
    try:
        with open(path, "rb") as fh:
            parser.ParseFile(fh)
    except _Refused as exc:
        raise CTFUnreadable(
            f"The file contains {exc} at line {parser.CurrentLineNumber}. A Common Transfer File never does, and "
            f"such declarations can make a reader expand text without end or fetch other files, so the file was "
            f"not read. Export the CTF again from your MIS; do not use a file edited by hand or received from an "
            f"unknown sender.", str(exc), seen["pupils"]) from None
    except expat.ExpatError as exc:
        where = "/".join(n.tag for n in stack) or "the start of the file"
        after = f"; the last pupil read before it: UPN {seen['upn']}" if seen["upn"] else ""
        cut = exc.code in (expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
                           expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
                           expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR]) and bool(stack or not roots)
        what = ("stops before its end (it was cut short, e.g. by an interrupted copy or download)" if cut else
                "is not well-formed XML")
        raise CTFUnreadable(
            f"The file {what}: {expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset + 1}, "
            f"inside {where}{after}. {seen['pupils']} pupil(s) were seen before that point; none was used, because "
            f"a damaged file may have lost pupils or values. Export the CTF again from your MIS and copy the "
            f"whole file.", f"line {exc.lineno}", seen["pupils"]) from None
    except OSError as exc:
        raise CTFUnreadable(f"The file could not be opened ({exc.strerror or exc}). Check that it is not open in "
                          f"another program and that you may read it.", None, 0) from None
    return roots[0]


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class CTFFile:
    """What a Common Transfer File holds, before it is checked.

    Attributes
    ----------
    header : dict
        ``version, made, school_id, school_name, la_code, country, academic_year, reference_date``.
    tables : dict of str to pandas.DataFrame
        Canonical table -> text of its columns as read (``None`` for missing), plus
        ``_file`` and ``_row`` (line of the element); checked by :func:`gtanalytics.load`.
    stage_assessments : pandas.DataFrame
        Every ``StageAssessment`` as written: ``upn, stage, locale, year, subject, method,
        component, result_status, result_qualifier, result, result_date, line``.
    school_history : pandas.DataFrame
        ``upn, la, estab, school_name, entry_date, leaving_date, leaving_reason, line``.
    """

    header: dict
    tables: dict
    stage_assessments: pd.DataFrame
    school_history: pd.DataFrame


def _academic_year(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def _date(text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    ts = pd.to_datetime(text[:10], format="%Y-%m-%d", errors="coerce")
    return None if pd.isna(ts) else ts


def _header(root: _Node) -> dict:
    head = root.get("Header") or _Node("Header", root.line)
    la, estab = head.value("SourceSchool/LEA"), head.value("SourceSchool/Estab")
    made = _date(head.value("DateTime"))
    year_text = head.value("SourceSchool/AcademicYear")
    start = int(year_text) if year_text and year_text.isdigit() and len(year_text) == 4 else None
    if start is None and made is not None:
        start = made.year if made.month >= 8 else made.year - 1
    if start is None:
        raise CTFUnreadable("The CTF header gives neither the academic year (Header/SourceSchool/AcademicYear) nor "
                          "the date it was made (Header/DateTime), so the year of the pupils' details is unknown. "
                          "Export the CTF again from your MIS.", year_text, len(root.get("CTFpupilData").all("Pupil"))
                          if root.get("CTFpupilData") else 0)
    if la is None or estab is None:
        raise CTFUnreadable("The CTF header does not name the school it comes from (Header/SourceSchool/LEA and "
                          "Estab), so its pupils cannot be given a school. Export the CTF again from your MIS.",
                          None, len(root.get("CTFpupilData").all("Pupil")) if root.get("CTFpupilData") else 0)
    ref = made if made is not None and _academic_year(made.year if made.month >= 8 else made.year - 1) == \
        _academic_year(start) else pd.Timestamp(start + 1, 7, 31)
    country = "Wales" if la.isdigit() and int(la) in _WELSH_LA else "England"
    return {"version": head.value("CTFversion"), "made": made, "school_id": la + estab, "la_code": la,
            "school_name": head.value("SourceSchool/SchoolName"), "country": country,
            "academic_year": _academic_year(start), "reference_date": ref}


def _instances(p: _Node, path: str, start: str, end: str, column: str, log, label) -> list:
    """(start, end, element) of each dated entry at ``path`` below the pupil; unreadable starts are reported."""
    parent, _, tag = path.rpartition("/")
    node = p.get(parent)
    out = []
    for inst in (node.all(tag) if node is not None else []):
        s, e = _date(inst.value(start)), _date(inst.value(end))
        if s is None:
            log.add(label, [p.line], column, inst.value(start) or "",
                    f"Pupil {p.value('UPN') or '(no UPN)'}: {path}/{start} (line {inst.line}) is not a date "
                    f"(YYYY-MM-DD), so this entry was not used; correct it in your MIS and export the CTF again.",
                    "repaired", "warning")
            continue
        out.append((s, e, inst))
    return out


def _pupil_row(p: _Node, head: dict, log: ProblemLog, label: str) -> dict:
    ref = head["reference_date"]
    bd = p.get("BasicDetails") or _Node("BasicDetails", p.line)
    fsm = _instances(p, "FSMhistory/FSMinstance", "FSMstartDate", "FSMendDate", "fsm", log, label)
    six = ref - pd.DateOffset(years=6)
    now = any(s <= ref and (e is None or e >= ref) for s, e, _ in fsm)
    ever = any(s <= ref and (e is None or e >= six) for s, e, _ in fsm)
    sen = _instances(p, "SENhistory/SEN", "StartDate", "EndDate", "sen", log, label)
    current = [x for x in sen if x[0] <= ref and (x[1] is None or x[1] >= ref)]
    code = max(current, key=lambda x: x[0])[2].value("SENprovision") if current else "N"
    if head["country"] == "Wales" and code is not None:
        code = _WELSH_SEN.get(code.upper(), code)
    first = None
    langs = bd.get("Languages")
    for t in (langs.all("Type") if langs is not None else []):
        if (t.value("LanguageType") or "").upper() == "F":
            first = t.value("Language")
            break
    return {"upn": p.value("UPN"), "academic_year": head["academic_year"], "school_id": head["school_id"],
            "year_group": bd.value("NCyearActual"), "forename": p.value("Forename"), "surname": p.value("Surname"),
            "date_of_birth": p.value("DOB"), "sex": p.value("Sex", "Gender"), "fsm": "Y" if now else "N",
            "ever6_fsm": "Y" if (ever or now) else "N", "lac": p.value("LookedAfter/InCare") or "N", "sen": code,
            "eal": first, "ethnicity": bd.value("Ethnicity"), "gt_register": None, "_row": p.line}


def _attendance_rows(p: _Node, upn, log: ProblemLog, label: str) -> list[dict]:
    rows: dict[str, dict] = {}
    att = p.get("Attendance")
    for yd in (att.all("YearData") if att is not None else []):
        year = yd.value("Year")
        ay = _academic_year(int(year)) if year and year.isdigit() and len(year) == 4 else year
        vals = {"possible_sessions": yd.value("SessionsPossible"),
                "authorised_absence": yd.value("SessionsAuthorised"),
                "unauthorised_absence": yd.value("SessionsUnauthorised")}
        if ay in rows and ay is not None:
            prev = rows[ay]
            try:
                for k, v in vals.items():
                    prev[k] = str(int(prev[k] or 0) + int(v or 0))
            except ValueError:
                prev["possible_sessions"] = f"{prev['possible_sessions']}+{vals['possible_sessions']}"
            log.add(label, [prev["_row"]], "possible_sessions", f"{upn} {ay}",
                    f"Pupil {upn} has two Attendance/YearData for {ay} (lines {prev['_row']} and {yd.line}: two "
                    f"schools in one year); their sessions were added together into one row for the year.",
                    "repaired", "warning")
            continue
        rows[ay] = {"upn": p.value("UPN"), "academic_year": ay, "period": "Year", **vals, "_row": yd.line}
    return list(rows.values())


def _assessment_rows(p: _Node, skipped: dict) -> tuple[list[dict], list[dict]]:
    """Canonical rows of the key stages read, and every StageAssessment as written.

    Results not read are counted in ``skipped``: stages gtanalytics does not analyse, KS1
    test scaled scores (no score type for them), and a second result of the same KS2 test
    (e.g. a raw mark beside the scaled score: the scaled score or code is kept).
    """
    rows, raw = [], []
    kept: dict[tuple, int] = {}
    sa_root = p.get("StageAssessments")
    for ks in (sa_root.all("KeyStage") if sa_root is not None else []):
        stage = (ks.value("Stage") or "").upper()
        for sa in ks.all("StageAssessment"):
            rec = {"upn": p.value("UPN"), "stage": stage, "locale": sa.value("Locale"), "year": sa.value("Year"),
                   "subject": sa.value("Subject"), "method": sa.value("Method"), "component": sa.value("Component"),
                   "result_status": sa.value("ResultStatus"), "result_qualifier": sa.value("ResultQualifier"),
                   "result": sa.value("Result"), "result_date": sa.value("ResultDate"), "line": sa.line}
            raw.append(rec)
            ks1_test = stage == "KS1" and (rec["method"] or "").upper() == "TT" and \
                (rec["subject"] or "").upper() != "PHO"
            why = (f"{stage or '(blank)'} result(s)" if stage not in _READ_STAGES else "KS1 test scaled score(s)"
                   if ks1_test else None)
            row = None if why else _assessment(rec, stage)
            key = None if row is None else (row["academic_year"], row["subject"], row["assessment"])
            if key in kept and row["score_type"] == rows[kept[key]]["score_type"] == "ks2_scaled":
                if not _scaled(rows[kept[key]]["score"]) and _scaled(row["score"]):
                    rows[kept[key]] = row
                why = "extra result(s) of the same KS2 test (e.g. a raw mark beside the scaled score)"
            if why:
                skipped[why] = skipped.get(why, 0) + 1
                continue
            kept.setdefault(key, len(rows))
            rows.append(row)
    return rows, raw


def _scaled(score: str | None) -> bool:
    """A KS2 scaled score (80-120), or a code (no number)."""
    return score is None or 80 <= float(score) <= 120


def _assessment(rec: dict, stage: str) -> dict:
    subj, comp = (rec["subject"] or "").upper(), (rec["component"] or "").upper()
    subject = _SUBJECTS.get((subj, comp)) or _SUBJECTS.get((subj, "")) or " ".join(
        x for x in (subj, comp) if x).lower() or None
    method = (rec["method"] or "").upper()
    value = rec["result"]
    numeric = value is not None and value.replace(".", "", 1).isdigit()
    if comp == "MTC":                     # the multiplication tables check: KS2, MAT, TT, component MTC
        name, stype = "MTC", "raw"
    elif subj == "PHO" or stage == "PHO":
        name, stype = "Phonics", "raw"
    elif stage == "KS1":
        name, stype = "KS1", "ks1_outcome"
    elif stage == "KS2" and method == "TT":
        name, stype = "KS2", "ks2_scaled"
    else:
        name, stype = ("KS2" if subject == "writing" else "KS2 TA"), "ks2_ta"
    year = rec["year"]
    ay = _academic_year(int(year) - 1) if year and year.isdigit() and len(year) == 4 else year
    return {"upn": rec["upn"], "academic_year": ay, "term": "Summer", "date": rec["result_date"],
            "subject": subject, "assessment": name, "score_type": stype,
            "score": value if numeric else None, "result": None if numeric else value, "_row": rec["line"]}


def _frame(rows: list[dict], label: str) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    lines = df.pop("_row").astype("int64").to_numpy()
    df = df.astype(object).where(df.notna(), None)
    df["_file"] = label
    df["_row"] = lines
    return df


def read_ctf(path: str | Path, *, label: str | None = None, log: ProblemLog | None = None) -> CTFFile:
    """Read a Common Transfer File into the text of the canonical tables.

    Parameters
    ----------
    path : str or Path
        The ``.xml`` file.
    label : str, optional
        The file's name in messages (default: its name).  Each table's rows are
        reported as ``"<label> [pupils]"``, ``"<label> [attendance]"``, ...
    log : ProblemLog, optional
        Where problems are recorded (a new one by default).

    Returns
    -------
    CTFFile

    Raises
    ------
    CTFUnreadable
        The file cannot be used (hostile, truncated or malformed XML; not a CTF; no
        school or year in its header); the message says why and what to do.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from gtanalytics.datasets import load_sample
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     p = write_ctf(load_sample(), pathlib.Path(folder) / "oak.xml", school_id="8862101")
    ...     ctf = read_ctf(p)
    >>> ctf.header["school_id"], ctf.header["academic_year"]
    ('8862101', '2023/24')
    """
    path = Path(path)
    label = label or path.name
    log = ProblemLog() if log is None else log
    root = _parse(path)
    if root.tag != "CTfile":
        raise CTFUnreadable(f"This XML file is not a Common Transfer File: its first element is <{root.tag}>, not "
                            f"<CTfile>, so it was not read. Export a CTF (or the whole-school XML data transfer) "
                            f"from your MIS, or move this file out of the folder.", root.tag, 0, "warning")
    head = _header(root)
    pupils_el = root.get("CTFpupilData")
    pupils = pupils_el.all("Pupil") if pupils_el is not None else []
    rows: dict[str, list] = {"pupils": [], "attendance": [], "assessments": []}
    raw_sa, history, skipped = [], [], {}
    for p in pupils:
        upn = p.value("UPN") or f"(no UPN, line {p.line})"
        rows["pupils"].append(_pupil_row(p, head, log, f"{label} [pupils]"))
        rows["attendance"] += _attendance_rows(p, upn, log, f"{label} [attendance]")
        a, r = _assessment_rows(p, skipped)
        rows["assessments"] += a
        raw_sa += r
        sh = p.get("SchoolHistory")
        for s in (sh.all("School") if sh is not None else []):
            history.append({"upn": p.value("UPN"), "la": s.value("LEA"), "estab": s.value("Estab"),
                            "school_name": s.value("SchoolName"), "entry_date": s.value("EntryDate"),
                            "leaving_date": s.value("LeavingDate"), "leaving_reason": s.value("LeavingReason"),
                            "line": s.line})
    tables = {name: _frame(r, f"{label} [{name}]") for name, r in rows.items() if r}
    if rows["pupils"]:
        years = pd.to_numeric(pd.Series([r["year_group"] for r in rows["pupils"]], dtype="object")
                              .replace({"R": "0"}), errors="coerce").dropna()
        phase = ("primary" if len(years) and years.max() <= 6 else "secondary" if len(years) and years.min() >= 7
                 else "all-through")
        tables["schools"] = _frame([{"school_id": head["school_id"], "school_name": head["school_name"],
                                     "phase": phase, "la_code": head["la_code"], "country": head["country"],
                                     "_row": root.get("Header").line}], f"{label} [schools]")
        log.add(f"{label} [schools]", None, "phase", phase, f"The CTF does not state the school's phase: read as "
                f"{phase} from its pupils' year groups. Give schools.csv if that is wrong.", "derived", "info")
    notes = [("The CTF does not carry the gifted and talented register: its pupils count as not on it (N) unless "
              "a pupils file in the same folder (e.g. the G&T register exported from your MIS, with UPN, academic "
              "year, school, year group, sex and G&T) gives it")] if pupils else []
    if skipped:
        notes.append("Not read: " + ", ".join(f"{n} {k}" for k, n in sorted(skipped.items()))
                     + " (gtanalytics has no use for them; they stay in read_ctf(...).stage_assessments)")
    if history:
        notes.append(f"{len(history)} earlier-school record(s) (SchoolHistory) were read but not used: gtanalytics has "
                     f"no table for earlier schools")
    if head["version"] is not None:
        notes.append(f"CTF version {head['version']}, made {head['made'].date() if head['made'] is not None else '?'}"
                     f", for {head['academic_year']}")
    if notes:
        log.add(label, None, None, None, "; ".join(notes) + ".", "noted", "info")
    if not pupils:
        log.add(label, None, None, None, "The CTF holds no pupils (no CTFpupilData/Pupil element). Export it again "
                "with the pupils selected.", "noted", "warning")
    sa_cols = ["upn", "stage", "locale", "year", "subject", "method", "component", "result_status",
               "result_qualifier", "result", "result_date", "line"]
    hist_cols = ["upn", "la", "estab", "school_name", "entry_date", "leaving_date", "leaving_reason", "line"]
    return CTFFile(head, tables, pd.DataFrame(raw_sa, columns=sa_cols), pd.DataFrame(history, columns=hist_cols))


def relay_problems(quality: pd.DataFrame, upns: dict, table: str, log: ProblemLog) -> None:
    """Copy the checks' problems with a CTF's rows into ``log``, naming the pupil's UPN and the element.

    Parameters
    ----------
    quality : pandas.DataFrame
        Problems found when checking one CTF table (``ProblemLog.frame()``).
    upns : dict
        Row (line) -> UPN as written, for the rows of that table.
    table : str
        The canonical table; the element of each column is looked up in :func:`ctf_mapping`.
    log : ProblemLog
        Where the problems go, row-level ones with `` (pupil <UPN>, element <path>)`` added.
    """
    m = ctf_mapping()
    paths = dict(m.loc[(m["table"] == table) & (m["column"] != ""), ["column", "xml_path"]]
                 .drop_duplicates("column").to_numpy())
    for r in quality[quality["row"].isna()].itertuples(index=False):
        log.add(r.file, None, None if pd.isna(r.column) else r.column, None if pd.isna(r.value) else r.value,
                r.problem, r.action, r.severity)
    q = quality[quality["row"].notna()]
    if len(q):
        rows = q["row"].astype("int64").to_numpy()
        where = [f" (pupil {upns.get(row) or 'with no UPN'}" + (f", element {paths[col]})" if col in paths else ")")
                 for row, col in zip(rows, q["column"].fillna(""))]
        log.add(q["file"].to_numpy(), rows, q["column"].to_numpy(), q["value"].to_numpy(),
                q["problem"].str.rstrip(".").to_numpy() + pd.array(where, dtype="string") + ".",
                q["action"].to_numpy(), q["severity"].to_numpy())


#: Pupil columns a CTF does not carry, taken from a pupils file of the same pupil and year.
NOT_IN_CTF = ("gt_register", "gt_area", "class_name", "plac")
_BOTH = ("school_id", "year_group", "sex", "date_of_birth")


def merge_ctf(parts: dict, log: ProblemLog) -> None:
    """Join what a CTF holds with the other files of a folder (in place).

    * pupils: see :func:`merge_pupils`;
    * schools: a schools file's row for the CTF's school replaces the CTF's (whose phase
      is only worked out from the pupils' year groups);
    * attendance: where an attendance file gives a pupil's year (e.g. by term), the CTF's
      whole-year row for it is left out, so no session is counted twice;
    * assessments: where an assessments file gives the same result (pupil, year, term,
      subject, assessment), the file's row is used and the CTF's left out.

    Each row left out is reported (action ``excluded``, severity ``info``).

    Parameters
    ----------
    parts : dict
        Canonical table -> checked frames of each file (as :func:`gtanalytics.load` holds them).
    log : ProblemLog
    """
    if not any(f.attrs.get("ctf") for frames in parts.values() for f in frames):
        return                                        # no CTF: nothing to join (and no copy of large tables)
    merge_pupils(parts["pupils"], log)
    given = pd.concat([f.loc[~f["_excluded"], "school_id"] for f in parts["schools"] if not f.attrs.get("ctf")]
                      + [pd.Series(dtype="string")])
    _drop_ctf_rows(parts["schools"], pd.Index(given), ["school_id"], log,
                   "The schools file also describes this school: its row was used instead of the CTF's (whose "
                   "phase is worked out from year groups).")
    for table, key, why in (
            ("attendance", ["upn", "academic_year"], ("An attendance file gives this pupil's attendance for this "
             "year, so the CTF's whole-year row was not used (the sessions would otherwise be counted twice).")),
            ("assessments", ["upn", "academic_year", "term", "subject", "assessment"], ("An assessments file gives "
             "this result too; its row was used instead of the CTF's."))):
        given = [f.loc[~f["_excluded"], key] for f in parts[table] if not f.attrs.get("ctf")]
        if given and any(f.attrs.get("ctf") for f in parts[table]):
            _drop_ctf_rows(parts[table], pd.MultiIndex.from_frame(pd.concat(given)), key, log, why)


def _drop_ctf_rows(frames: list[pd.DataFrame], known: pd.Index, key: list[str], log: ProblemLog, why: str) -> None:
    """Leave out (and report) the live rows of CTF frames whose ``key`` another file already gives."""
    for f in frames:
        if not f.attrs.get("ctf"):
            continue
        keys = pd.Index(f[key[0]]) if len(key) == 1 else pd.MultiIndex.from_frame(f[key])
        drop = np.asarray(keys.isin(known), dtype=bool) & ~f["_excluded"].to_numpy(dtype=bool)
        if drop.any():
            f.loc[drop, "_excluded"] = True
            log.add(f.loc[drop, "_file"], f.loc[drop, "_row"], ",".join(key),
                    f.loc[drop, key].astype(str).agg(" ".join, axis=1), why, "excluded", "info")


def merge_pupils(frames: list[pd.DataFrame], log: ProblemLog) -> list[pd.DataFrame]:
    """Give a CTF's pupils what the CTF does not carry from a pupils file of the same pupils and year.

    A CTF has no gifted and talented register.  When a folder holds a CTF and a pupils
    file (e.g. the G&T register exported from the MIS, with UPN, academic year, school,
    year group, sex and G&T), each pupil-year in both is one pupil: the CTF row is
    kept and takes ``gt_register``, ``gt_area``, ``class_name`` and ``plac`` from the
    file's row (``disadvantaged`` then counts PLAC); the file's row is not used again
    (a note says where it went).  Where both give a school, year group, sex or date of
    birth and they differ, the CTF's value is kept and the difference reported.

    Parameters
    ----------
    frames : list of pandas.DataFrame
        Checked pupils rows of each file (``_file``, ``_row``, ``_excluded``); frames read
        from a CTF carry ``attrs["ctf"] = True``.  Changed in place.
    log : ProblemLog

    Returns
    -------
    list of pandas.DataFrame
        ``frames``.
    """
    ctf = [f for f in frames if f.attrs.get("ctf")]
    other = [f for f in frames if not f.attrs.get("ctf")]
    if not ctf or not other:
        return frames
    rows = pd.concat([f.assign(_frame=i) for i, f in enumerate(other)], ignore_index=False)
    rows = rows[~rows["_excluded"].to_numpy(dtype=bool)]
    rows = rows[~rows.duplicated(["upn", "academic_year"], keep=False)]      # a clash is check_duplicates' to report
    rows = rows.set_index(["upn", "academic_year"])
    for f in ctf:
        keys = pd.MultiIndex.from_frame(f[["upn", "academic_year"]])
        hit = keys.isin(rows.index) & ~f["_excluded"].to_numpy(dtype=bool)
        if not hit.any():
            continue
        src = rows.loc[keys[hit]]
        for col in NOT_IN_CTF:
            given = src[col].notna().to_numpy()
            f.loc[f.index[hit][given], col] = src[col].to_numpy()[given]
        plac = f["plac"].fillna(False).to_numpy(dtype=bool) & hit
        f.loc[plac, "disadvantaged"] = True
        where = f.loc[hit, "_file"].astype(str).to_numpy() + " line " + f.loc[hit, "_row"].astype(str).to_numpy()
        for col in _BOTH:
            a, b = f.loc[hit, col].to_numpy(), src[col].to_numpy()
            differ = ~pd.isna(a) & ~pd.isna(b) & (a.astype(str) != b.astype(str))
            if differ.any():
                log.add(src["_file"].to_numpy()[differ], src["_row"].to_numpy()[differ], col, b[differ],
                        f"This pupil's {col} differs from the Common Transfer File's (" + a[differ].astype(str)
                        + " in " + where[differ] + "); the CTF's value was used. Correct whichever is wrong in "
                        "your MIS.", "noted", "warning")
        log.add(src["_file"].to_numpy(), src["_row"].to_numpy(), "gt_register", None,
                "Merged into the Common Transfer File's row for this pupil and year (" + where + "): its "
                + ", ".join(NOT_IN_CTF) + " were used there.", "noted", "info")
        for i, g in src.groupby("_frame"):
            target = other[i]
            target.loc[target["_row"].isin(g["_row"]) & ~target["_excluded"], "_excluded"] = True
    return frames


# --------------------------------------------------------------------------- writing
def _sub(parent: ET.Element, tag: str, text=None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None and not pd.isna(text):
        el.text = str(text)
    return el


_CODE = {"maths": ("MAT", None), "reading": ("ENG", "RD"), "writing": ("ENG", "WR"), "gps": ("ENG", "GPS"),
         "science": ("SCI", None)}


def _yes(v) -> bool:
    return not pd.isna(v) and bool(v)


def write_ctf(data, path: str | Path, *, school_id: str, academic_year: str | None = None) -> Path:
    """Write one school's pupils as a Common Transfer File (a whole-school XML data transfer).

    For tests, the sample and demonstrations: the pupils on the school's roll in
    ``academic_year``, with their FSM and SEN history (built from the flags), first
    language, looked-after status, attendance by year (terms added up) and KS1/KS2
    results (teacher assessments and tests; codes stay codes).  What the CTF does
    not carry (the G&T register, class, interventions, other assessments) is left out.

    Parameters
    ----------
    data : SchoolData
        E.g. :func:`gtanalytics.load_sample`.
    path : str or Path
        The ``.xml`` file to write (its folder is created).
    school_id : str
        LAESTAB of the school (``schools.school_id``: 3-digit LA + 4-digit establishment).
    academic_year : str, optional
        Year of the pupils' details (default: the latest year the school has pupils).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from gtanalytics.datasets import load_sample
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     p = write_ctf(load_sample(), pathlib.Path(folder) / "oak.xml", school_id="8862101")
    ...     print(p.read_text()[:38])
    <?xml version="1.0" encoding="utf-8"?>
    """
    pupils = data.pupils[data.pupils["school_id"] == school_id]
    if pupils.empty:
        raise GTDataError(f"No pupils of school {school_id} to write. Give a school_id of the data's schools table.")
    year = academic_year or pupils["academic_year"].max()
    pupils = pupils[pupils["academic_year"] == year].sort_values("upn")
    start = int(year[:4])
    ref = pd.Timestamp(start + 1, 7, 15)
    school = data.schools[data.schools["school_id"] == school_id]
    root = ET.Element("CTfile")
    head = _sub(root, "Header")
    for tag, text in (("DocumentName", "Common Transfer File"), ("CTFversion", "25.0"),
                      ("DateTime", ref.strftime("%Y-%m-%dT12:00:00")), ("DocumentQualifier", "full"),
                      ("SupplierID", "gtanalytics")):
        _sub(head, tag, text)
    src = _sub(head, "SourceSchool")
    _sub(src, "LEA", school_id[:3])
    _sub(src, "Estab", school_id[3:])
    _sub(src, "SchoolName", school["school_name"].iloc[0] if len(school) else None)
    _sub(src, "AcademicYear", start)
    body = _sub(root, "CTFpupilData")
    att = data.attendance[data.attendance["upn"].isin(pupils["upn"])]
    att = att.groupby(["upn", "academic_year"], as_index=False)[
        ["possible_sessions", "authorised_absence", "unauthorised_absence"]].sum()
    on_roll = data.pupils[(data.pupils["school_id"] == school_id) & data.pupils["upn"].isin(pupils["upn"])]
    att = att.merge(on_roll[["upn", "academic_year"]], on=["upn", "academic_year"])   # years at this school
    att_by: dict[str, list] = {}
    for r in att.to_dict("records"):
        att_by.setdefault(r["upn"], []).append(r)
    ks = data.assessments[data.assessments["upn"].isin(pupils["upn"])
                          & data.assessments["assessment"].isin(["KS1", "KS2"])
                          & data.assessments["score_type"].isin(["ks1_outcome", "ks2_scaled", "ks2_ta"])]
    ks_by: dict[str, dict[str, list]] = {}
    for r in ks.sort_values(["upn", "assessment"], kind="stable").to_dict("records"):
        ks_by.setdefault(r["upn"], {}).setdefault(r["assessment"], []).append(r)
    for p in pupils.to_dict("records"):
        el = _sub(body, "Pupil")
        for tag, col in (("UPN", "upn"), ("Surname", "surname"), ("Forename", "forename")):
            _sub(el, tag, p[col])
        _sub(el, "DOB", None if pd.isna(p["date_of_birth"]) else p["date_of_birth"].strftime("%Y-%m-%d"))
        _sub(el, "Sex", p["sex"])
        bd = _sub(el, "BasicDetails")
        _sub(bd, "NCyearActual", "R" if p["year_group"] == 0 else p["year_group"])
        _sub(bd, "Ethnicity", p["ethnicity"])
        if not pd.isna(p["eal"]):
            lang = _sub(_sub(bd, "Languages"), "Type")
            _sub(lang, "LanguageType", "F")
            _sub(lang, "Language", "OTL" if _yes(p["eal"]) else "ENG")
        if _yes(p["lac"]):
            care = _sub(el, "LookedAfter")
            _sub(care, "InCare", "true")
            _sub(care, "CareAuthority", school_id[:3])
        if _yes(p["fsm"]) or _yes(p["ever6_fsm"]):
            inst = _sub(_sub(el, "FSMhistory"), "FSMinstance")
            since, until = (1, None) if _yes(p["fsm"]) else (3, 2)
            _sub(inst, "FSMstartDate", (ref - pd.DateOffset(years=since)).strftime("%Y-%m-%d"))
            _sub(inst, "FSMendDate", None if until is None else (ref - pd.DateOffset(years=until)).strftime("%Y-%m-%d"))
            _sub(inst, "UKcountry", "ENG")
        if not pd.isna(p["sen"]) and p["sen"] != "N":
            sen = _sub(_sub(el, "SENhistory"), "SEN")
            _sub(sen, "StartDate", (ref - pd.DateOffset(years=1)).strftime("%Y-%m-%d"))
            _sub(sen, "SENprovision", p["sen"])
        if p["upn"] in att_by:
            a = _sub(el, "Attendance")
            for r in att_by[p["upn"]]:
                yd = _sub(a, "YearData")
                for tag, text in (("Year", r["academic_year"][:4]), ("LEA", school_id[:3]), ("Estab", school_id[3:]),
                                  ("SessionsPossible", int(r["possible_sessions"])),
                                  ("SessionsAuthorised", int(r["authorised_absence"])),
                                  ("SessionsUnauthorised", int(r["unauthorised_absence"]))):
                    _sub(yd, tag, text)
        if p["upn"] in ks_by:
            sas = _sub(el, "StageAssessments")
            for stage, results in ks_by[p["upn"]].items():
                k = _sub(sas, "KeyStage")
                _sub(k, "Stage", stage)
                for r in results:
                    subj, comp = _CODE.get(r["subject"], (str(r["subject"]).upper(), None))
                    coded = not pd.isna(r["result"])
                    sa = _sub(k, "StageAssessment")
                    for tag, text in (("Locale", "ENG"), ("Year", int(r["academic_year"][:4]) + 1), ("Subject", subj),
                                      ("Method", "TT" if r["score_type"] == "ks2_scaled" else "TA"),
                                      ("Component", comp), ("ResultQualifier", None if coded else "SS"),
                                      ("Result", r["result"] if coded else f"{r['score']:g}"),
                                      ("ResultDate", None if pd.isna(r["date"]) else r["date"].strftime("%Y-%m-%d"))):
                        _sub(sa, tag, text)
    for el in root.iter():            # empty optional elements are left out, as the specification asks
        for child in [c for c in el if c.text is None and len(c) == 0]:
            el.remove(child)
    ET.indent(root)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    text = path.read_text(encoding="utf-8").replace("<?xml version='1.0' encoding='utf-8'?>",
                                                    '<?xml version="1.0" encoding="utf-8"?>')
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_school_ctfs(data, folder: str | Path, *, academic_year: str | None = None) -> list[Path]:
    """Write one CTF per school of ``data`` (``<school_id>.xml``) into ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> from gtanalytics.datasets import load_sample
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print([p.name for p in write_school_ctfs(load_sample(), folder)][:2])
    ['8862101.xml', '8872101.xml']
    """
    ids = sorted(data.pupils["school_id"].dropna().unique())
    return [write_ctf(data, Path(folder) / f"{s}.xml", school_id=s, academic_year=academic_year) for s in ids]
