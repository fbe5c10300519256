"""A corpus of bad MIS exports, made by code from the committed sample (``data/sample``).

Nothing here is hand-edited or committed as a binary: every case starts from the
same small clean extract of the sample (the Year 6 pupils of 2023/24 with a KS2
scaled score, their KS2 rows and attendance, and 30 intervention rows), breaks it
in one way that real exports break, writes it to a folder and states the exact
expected outcome:

* ``problems``: the quality rows that must appear - file, row (the row a
  spreadsheet shows, header included), column, value and action;
* ``excluded``: every (file, row) that must be excluded, and no other;
* ``raises``: a regular expression the ``GTDataError`` message must match, when
  nothing usable is left; ``cli``: the exit code of ``gtanalytics validate``;
* ``blanked``: (table, column) pairs a repair may set blank; every other value of
  every used row must equal the clean extract's value for the same row key
  (``altered`` columns aside: there the case changed the true value, and
  ``values`` states what must be read).

``tests/test_bad_inputs.py`` runs the corpus (one test id per case).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from gtanalytics.data._upn import CHECK_ALPHABET, check_letter

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TODAY = pd.Timestamp("2024-09-01")          # the injected "today" of every case

FILES = {"pupils": "pupils.csv", "assessments": "assessments.csv", "attendance": "attendance.csv",
         "interventions": "interventions.csv"}


@dataclass(frozen=True)
class Problem:
    """A quality row that must be present (``None`` = a file-level problem with no row/column/value)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    action: str
    text: str = ""                       # a phrase the problem message must contain


@dataclass
class Case:
    id: str
    description: str
    build: Callable[[Path, dict], Path]  # (folder, clean extract as text frames) -> path to load
    problems: list[Problem] = field(default_factory=list)
    excluded: dict[str, set[int]] = field(default_factory=dict)   # file -> rows excluded (exactly these)
    raises: str | None = None
    cli: int | None = None
    blanked: set[tuple[str, str]] = field(default_factory=set)
    altered: set[tuple[str, str]] = field(default_factory=set)    # columns the case itself changed (true values)
    values: list[tuple[str, int, str, object]] = field(default_factory=list)  # (table, clean index, column, value)
    rekey: dict[str, str] = field(default_factory=dict)          # clean UPN -> UPN used in this case
    load_kwargs: dict = field(default_factory=dict)
    usable: bool | None = None            # expected SchoolData.usable (None: not checked)


# --------------------------------------------------------------------------- the clean extract
def clean_extract() -> dict[str, pd.DataFrame]:
    """The clean starting point: small text frames cut from the sample, with two accented names."""
    read = lambda name: pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
    a = read("assessments")
    ks2 = a[(a["score_type"] == "ks2_scaled") & (a["academic_year"] == "2023/24")]
    p = read("pupils")
    p = p[(p["academic_year"] == "2023/24") & p["upn"].isin(ks2["upn"])].reset_index(drop=True)
    p.loc[0, "forename"], p.loc[1, "forename"] = "Zoë", "Siân"
    at = read("attendance")
    at = at[(at["academic_year"] == "2023/24") & at["upn"].isin(p["upn"])].reset_index(drop=True)
    iv = read("interventions").head(30).reset_index(drop=True)
    return {"pupils": p, "assessments": ks2.reset_index(drop=True), "attendance": at, "interventions": iv}


def write_csv(df: pd.DataFrame, path: Path, *, encoding: str = "utf-8", sep: str = ",", title=()) -> Path:
    text = io.StringIO()
    for line in title:
        text.write(line + "\r\n")
    df.to_csv(text, index=False, sep=sep, lineterminator="\r\n")
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_all(folder: Path, ex: dict[str, pd.DataFrame], skip=()) -> Path:
    for name, df in ex.items():
        if name not in skip:
            write_csv(df, folder / FILES[name])
    return folder


def row_of(i: int, header_rows: int = 1, title_rows: int = 0) -> int:
    """Spreadsheet row of data row ``i`` (0-based)."""
    return i + header_rows + title_rows + 1


def temporary_upn(la: int, estab: int, year: int, letter: str) -> str:
    body = f"{la:03d}{estab:04d}{year:02d}00{letter}"
    return check_letter(body) + body


def upns_vectorised(n: int, la: int = 999) -> np.ndarray:
    """``n`` distinct valid permanent UPNs, built with numpy (the DfE check-letter rule)."""
    i = np.arange(n)
    digits = np.stack([np.full(n, la // 100), np.full(n, la // 10 % 10), np.full(n, la % 10),
                       *[(5000 + i // 1000) // 10 ** k % 10 for k in (3, 2, 1, 0)],
                       np.full(n, 2), np.full(n, 4), *[(i % 1000) // 10 ** k % 10 for k in (2, 1, 0)]], axis=1)
    check = np.frombuffer(CHECK_ALPHABET.encode(), dtype=np.uint8)[(digits @ np.arange(2, 14)) % 23]
    body = (digits + 48).astype(np.uint8)
    raw = np.ascontiguousarray(np.concatenate([check[:, None], body], axis=1))
    return raw.view("S13").ravel().astype(str)


# --------------------------------------------------------------------------- builders
def _clean(folder, ex):
    return write_all(folder, ex)


def _missing_required(folder, ex):
    write_all(folder, ex, skip=("assessments",))
    write_csv(ex["assessments"].drop(columns="score_type"), folder / "assessments.csv")
    return folder


SIMS_PUPILS = {"upn": "UPN", "academic_year": "Academic Year", "school_id": "School", "year_group": "NC Year",
               "forename": "Legal Forename", "surname": "Legal Surname", "date_of_birth": "DOB", "sex": "Gender",
               "class_name": "Reg Group", "fsm": "FSM Eligible", "ever6_fsm": "Ever 6 FSM", "lac": "LAC",
               "plac": "Post LAC", "disadvantaged": "Pupil Premium", "sen": "SEN Status", "eal": "EAL",
               "ethnicity": "Ethnicity", "gt_register": "G&T", "gt_area": "G&T area"}
SIMS_ASSESS = {"upn": "UPN", "academic_year": "Academic year", "term": "Term", "date": "Date",
               "subject": "Subject", "assessment": "Assessment", "score_type": "Score type", "score": "Scaled score",
               "result": "Outcome", "teaching_group": "Set", "teacher": "Teacher"}


def _renamed(folder, ex):
    write_all(folder, ex, skip=("pupils", "assessments"))
    write_csv(ex["pupils"].rename(columns=SIMS_PUPILS), folder / "pupils.csv")
    write_csv(ex["assessments"].rename(columns=SIMS_ASSESS), folder / "assessments.csv")
    return folder


def _unknown_upn_header(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    write_csv(ex["pupils"].rename(columns={"upn": "Pupil ref"}), folder / "pupils.csv")
    return folder


def _empty_file(folder, ex):
    write_all(folder, ex, skip=("attendance",))
    (folder / "attendance.csv").write_bytes(b"")
    return folder


def _empty_pupils(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    (folder / "pupils.csv").write_bytes(b"")
    return folder


def _header_only(folder, ex):
    write_all(folder, ex, skip=("assessments",))
    write_csv(ex["assessments"].head(0), folder / "assessments.csv")
    return folder


def _title_rows(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].copy()
    p.loc[5, "upn"] = "Z" + p.loc[5, "upn"][1:] if p.loc[5, "upn"][0] != "Z" else "Y" + p.loc[5, "upn"][1:]
    write_csv(p, folder / "pupils.csv", title=("Oakfield Primary: pupil list,,,", "Exported 01/09/2024 from SIMS"))
    return folder


def _excel_merged_header(folder, ex):
    import openpyxl

    write_all(folder, ex, skip=("attendance",))
    at = ex["attendance"].copy()
    at.loc[3, "authorised_absence"] = "-3"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Attendance"
    ws.append(["UPN", "Academic year", "Period", "Attendance (sessions)", None, None])
    ws.append([None, None, None, "Possible", "Authorised", "Unauthorised"])
    for col in "ABC":
        ws.merge_cells(f"{col}1:{col}2")            # each label merged down over the two header rows
    ws.merge_cells("D1:F1")                         # "Attendance" spans the three counts
    for r in at.itertuples(index=False):
        ws.append([r.upn, r.academic_year, r.period, int(r.possible_sessions), int(r.authorised_absence),
                   int(r.unauthorised_absence)])
    wb.save(folder / "attendance.xlsx")
    return folder


def _encoding(encoding, sep=",", name="pupils.csv"):
    def build(folder, ex):
        write_all(folder, ex, skip=("pupils",))
        write_csv(ex["pupils"], folder / name, encoding=encoding, sep=sep)
        return folder
    return build


def _text_with_edits(df: pd.DataFrame, edits: dict[int, Callable[[str], str]]) -> str:
    """CSV text of ``df`` with data lines ``i`` rewritten by ``edits[i]`` (the raw line, before quoting)."""
    lines = df.to_csv(index=False, lineterminator="\n").splitlines()
    for i, f in edits.items():
        lines[i + 1] = f(lines[i + 1])
    return "\n".join(lines) + "\n"


def _stray_delimiter(folder, ex):
    write_all(folder, ex, skip=("pupils", "interventions"))
    p = ex["pupils"]
    surname = p.loc[3, "surname"]
    text = _text_with_edits(p, {3: lambda ln: ln.replace(f",{surname},", f",{surname}, Jr,", 1)})
    (folder / "pupils.csv").write_text(text, encoding="utf-8")
    iv = ex["interventions"].to_csv(index=False, lineterminator="\n").splitlines()
    (folder / "interventions.csv").write_text("\n".join(ln + "," for ln in iv) + "\n", encoding="utf-8")
    return folder


def _stray_quote(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"]
    surname = p.loc[40, "surname"]
    text = _text_with_edits(p, {40: lambda ln: ln.replace(f",{surname},", f',"{surname},', 1)})
    (folder / "pupils.csv").write_text(text, encoding="utf-8")
    return folder


def _multiline(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].copy()
    p["Notes"] = ""
    p.loc[2, "Notes"] = "Parent says:\nvery keen on chess\n(see file)"
    p.loc[6, "upn"] = p.loc[6, "upn"][:12]                 # 12 characters: invalid
    write_csv(p, folder / "pupils.csv")
    return folder


def _blank_rows(folder, ex):
    write_all(folder, ex, skip=("assessments",))
    a = ex["assessments"]
    lines = a.to_csv(index=False, lineterminator="\n").splitlines()
    width = len(a.columns)
    lines.insert(1 + 10, "")                       # blank line: becomes data row 10 (row 12)
    lines.insert(1 + 20, "," * (width - 1))        # commas only: data row 20 (row 22)
    lines.append("")                               # a blank line at the very end (row len+3)
    (folder / "assessments.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _duplicated_rows(folder, ex):
    write_all(folder, ex, skip=("assessments",))
    a = ex["assessments"]
    write_csv(pd.concat([a, a.iloc[[0, 5, 7]]], ignore_index=True), folder / "assessments.csv")
    return folder


def _conflicting_pupils(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"]
    twin = p.iloc[[4]].copy()
    twin["sex"] = "F" if twin["sex"].iloc[0] == "M" else "M"
    twin["gt_register"] = "N" if twin["gt_register"].iloc[0] == "Y" else "Y"
    write_csv(pd.concat([p, twin], ignore_index=True), folder / "pupils.csv")
    return folder


def _invalid_upns(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].copy()
    u = p["upn"]
    wrong = next(ch for ch in CHECK_ALPHABET if ch != u[1][0])
    p.loc[1, "upn"] = wrong + u[1][1:]                           # wrong check letter
    p.loc[2, "upn"] = u[2][:-1]                                  # 12 characters (lost one in Excel)
    p.loc[3, "upn"] = u[3][:6] + "O" + u[3][7:]                  # letter O among the digits
    p.loc[4, "upn"] = u[4][:5].lower() + " " + u[4][5:]          # lower case and a space: repaired
    write_csv(p, folder / "pupils.csv")
    return folder


TEMP_UPN = temporary_upn(886, 2101, 23, "A")


def _temporary_upn(folder, ex):
    old = ex["pupils"].loc[5, "upn"]
    ex2 = {k: v.copy() for k, v in ex.items()}
    for name in ("pupils", "assessments", "attendance"):
        df = ex2[name]
        df.loc[df["upn"] == old, "upn"] = TEMP_UPN
    return write_all(folder, ex2)


def _ks2_out_of_range(folder, ex):
    write_all(folder, ex, skip=("assessments",))
    a = ex["assessments"].copy()
    a.loc[0, "score"], a.loc[1, "score"], a.loc[2, "score"] = "79", "121", "150"
    write_csv(a, folder / "assessments.csv")
    return folder


def _attendance_impossible(folder, ex):
    write_all(folder, ex, skip=("attendance",))
    at = ex["attendance"].copy()
    at.loc[2, "authorised_absence"] = "-3"
    at.loc[5, ["possible_sessions", "authorised_absence", "unauthorised_absence"]] = ["100", "90", "20"]
    write_csv(at, folder / "attendance.csv")
    return folder


def _interventions_impossible(folder, ex):
    write_all(folder, ex, skip=("interventions",))
    iv = ex["interventions"].copy()
    iv.loc[3, "sessions_attended"] = str(int(iv.loc[3, "sessions_planned"]) + 5)
    iv.loc[7, ["start_date", "end_date"]] = [iv.loc[7, "end_date"], iv.loc[7, "start_date"]]
    write_csv(iv, folder / "interventions.csv")
    return folder


def _future_dates(folder, ex):
    write_all(folder, ex, skip=("pupils", "assessments", "interventions"))
    p = ex["pupils"].copy()
    p.loc[3, "date_of_birth"] = "2031-01-26"                   # optional: blanked
    a = ex["assessments"].copy()
    a.loc[4, "date"] = "2025-05-14"                            # optional: blanked
    a.loc[6, "academic_year"] = "2031/32"                      # excluded
    iv = ex["interventions"].copy()
    iv.loc[2, "start_date"] = "2025-01-06"                     # required: excluded
    iv.loc[2, "end_date"] = "2025-03-01"
    iv.loc[4, "end_date"] = "2024-12-20"                       # still running: noted
    write_csv(p, folder / "pupils.csv")
    write_csv(a, folder / "assessments.csv")
    write_csv(iv, folder / "interventions.csv")
    return folder


def _mixed_dates(folder, ex):
    write_all(folder, ex, skip=("interventions",))
    iv = ex["interventions"].copy()
    for col in ("start_date", "end_date"):
        d = pd.to_datetime(iv[col])
        forms = [d.dt.strftime("%Y-%m-%d"), d.dt.strftime("%d/%m/%Y"), d.dt.strftime("%d-%b-%Y"),
                 ((d - pd.Timestamp("1899-12-30")).dt.days).astype(str)]       # Excel serial
        iv[col] = [forms[i % 4].iloc[i] for i in range(len(iv))]
    write_csv(iv, folder / "interventions.csv")
    return folder


def us_date_rows(ex) -> tuple[set[int], list[Problem]]:
    """Expected outcome of the month-first case, worked out from the dates themselves."""
    iv = ex["interventions"]
    excl, probs = set(), []
    for i, r in iv.iterrows():
        for col in ("start_date", "end_date"):
            d = pd.Timestamp(r[col])
            us = d.strftime("%m/%d/%Y")
            if d.day > 12 or (d.day != d.month):          # month-first only, or ambiguous
                excl.add(row_of(i))
                probs.append(Problem("interventions.csv", row_of(i), col, us, "excluded"))
    return excl, probs


def _us_dates(folder, ex):
    write_all(folder, ex, skip=("interventions",))
    iv = ex["interventions"].copy()
    for col in ("start_date", "end_date"):
        iv[col] = pd.to_datetime(iv[col]).dt.strftime("%m/%d/%Y")
    write_csv(iv, folder / "interventions.csv")
    return folder


def _text_in_numeric(folder, ex):
    write_all(folder, ex, skip=("assessments", "attendance", "interventions"))
    a = ex["assessments"].copy()
    a.loc[0, "score"], a.loc[1, "score"], a.loc[2, "score"] = "abc", "104*", "104,5"
    at = ex["attendance"].copy()
    at.loc[1, "possible_sessions"] = "one hundred"
    iv = ex["interventions"].copy()
    iv.loc[0, "cost"] = "£1,240"                          # a thousands comma and a pound sign: read as 1240
    write_csv(a, folder / "assessments.csv")
    write_csv(at, folder / "attendance.csv")
    write_csv(iv, folder / "interventions.csv")
    return folder


def subject_spellings(ex) -> dict[int, str]:
    """Rows of the assessments whose subject is re-spelt: capitalised, upper case, doubled inner space."""
    s = ex["assessments"]["subject"]
    return {3: s[3].capitalize(), 8: s[8].upper(), 12: "  " + s[12].upper() + " ", 20: s[20].title()}


def _subject_case(folder, ex):
    write_all(folder, ex, skip=("assessments",))
    a = ex["assessments"].copy()
    for i, s in subject_spellings(ex).items():
        a.loc[i, "subject"] = s
    write_csv(a, folder / "assessments.csv")
    return folder


def pseudonyms(ex) -> dict[str, str]:
    upns = ex["pupils"]["upn"].tolist()
    return {u: f"NPD{i:07d}x" for i, u in enumerate(upns)}


def _pseudonymous(folder, ex):
    keys = pseudonyms(ex)
    ex2 = {k: v.copy() for k, v in ex.items() if k != "interventions"}
    for df in ex2.values():
        df["upn"] = df["upn"].map(keys)
    return write_all(folder, ex2)


def _xlsx_named_csv(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    ex["pupils"].to_excel(folder / "pupils.csv", index=False, engine="openpyxl", sheet_name="Pupils")
    return folder


def _old_xls_and_unknown(folder, ex):
    write_all(folder, ex)
    (folder / "assessments_2019.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel")
    (folder / "notes.csv").write_text("note,who\nRemember to check KS2,JSM\n", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- real-export forms (issue 16)
def _replace_field(df: pd.DataFrame, edits: dict[tuple[int, str], str]) -> str:
    """CSV text of ``df`` with the cells ``(i, column)`` written literally (unquoted) as given."""
    cols = list(df.columns)
    lines = [",".join(cols)]
    for i, r in enumerate(df.itertuples(index=False)):
        vals = ["" if v is None else str(v) for v in r]
        for (k, col), text in edits.items():
            if k == i:
                vals[cols.index(col)] = text
        lines.append(",".join(vals))
    return "\r\n".join(lines) + "\r\n"


SCHOOL_FORMS = {0: "8862101.0", 1: "8862101.00", 2: "8.862101E+06", 3: "8.86E+06", 4: "8.9E+06"}


def _school_id_numbers(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"]
    rows = {i: int(k) for i, k in zip(SCHOOL_FORMS, np.flatnonzero(p["school_id"] == "8862101"))}
    text = _replace_field(p, {(k, "school_id"): SCHOOL_FORMS[i] for i, k in rows.items()})
    (folder / "pupils.csv").write_text(text, encoding="utf-8")
    return folder


def school_rows(ex) -> dict[int, int]:
    """Form number -> data row index of the pupils whose school id is retyped."""
    p = ex["pupils"]
    return {i: int(k) for i, k in zip(SCHOOL_FORMS, np.flatnonzero(p["school_id"] == "8862101"))}


UPN_FORMS = {1: lambda u: f'="{u}"', 2: lambda u: "'" + u, 3: lambda u: u[:4] + "\u200b" + u[4:],
             4: lambda u: u[:5] + "\u00a0" + u[5:], 7: lambda u: "\ufeff" + u}


def _upn_forms(folder, ex):
    write_all(folder, ex, skip=("pupils", "assessments"))
    p, a = ex["pupils"], ex["assessments"]
    text = _replace_field(p, {(i, "upn"): f(p.loc[i, "upn"]) for i, f in UPN_FORMS.items()})
    (folder / "pupils.csv").write_text(text, encoding="utf-8")
    text = _replace_field(a, {(i, "upn"): f'="{a.loc[i, "upn"]}"' for i in range(0, len(a), 3)})
    (folder / "assessments.csv").write_text(text, encoding="utf-8")
    return folder


def _excel_errors(folder, ex):
    write_all(folder, ex, skip=("pupils", "assessments"))
    p, a = ex["pupils"].copy(), ex["assessments"].copy()
    p.loc[2, "forename"], p.loc[8, "date_of_birth"] = "#NAME?", "#N/A"
    a.loc[3, "score"], a.loc[9, "date"] = "#VALUE!", "#REF!"
    write_csv(p, folder / "pupils.csv")
    write_csv(a, folder / "assessments.csv")
    return folder


UNCACHED = (2, 5)


def _uncached_formulas(folder, ex):
    import openpyxl

    write_all(folder, ex, skip=("attendance",))
    at = ex["attendance"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Attendance"
    ws.append(list(at.columns))
    for i, r in enumerate(at.itertuples(index=False)):
        n = [int(r.possible_sessions), int(r.authorised_absence), int(r.unauthorised_absence)]
        if i in UNCACHED:                     # a script wrote a formula and nothing calculated it
            n[2] = f"=D{i + 2}-E{i + 2}-{n[0] - n[1] - n[2]}"
        ws.append([r.upn, r.academic_year, r.period, *n])
    wb.save(folder / "attendance.xlsx")
    return folder


def _merged_down(folder, ex):
    import openpyxl

    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].sort_values(["class_name", "upn"]).reset_index(drop=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pupils"
    ws.append(list(p.columns))
    for r in p.itertuples(index=False):
        ws.append(list(r))
    cols = list(p.columns)
    for col in ("academic_year", "class_name"):
        letter = openpyxl.utils.get_column_letter(cols.index(col) + 1)
        start = 0
        for k in range(1, len(p) + 1):
            if k == len(p) or p.loc[k, col] != p.loc[start, col]:
                if k - start > 1:
                    ws.merge_cells(f"{letter}{start + 2}:{letter}{k + 1}")
                start = k
    wb.save(folder / "pupils.xlsx")
    return folder


def merged_rows(ex) -> list[Problem]:
    p = ex["pupils"].sort_values(["class_name", "upn"]).reset_index(drop=True)
    out = []
    for col in ("academic_year", "class_name"):
        first = p[col].ne(p[col].shift()).to_numpy()
        out += [Problem("pupils.xlsx [Pupils]", row_of(k), col, p.loc[k, col], "repaired", "merged")
                for k in np.flatnonzero(~first)[:3]]
    return out


def _excel_1904(folder, ex):
    import datetime as dt

    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    write_all(folder, ex, skip=("interventions",))
    iv = ex["interventions"]
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Interventions"
    ws.append(list(iv.columns))
    for r in iv.to_dict("records"):
        start = dt.date.fromisoformat(r["start_date"])
        r["start_date"] = (start - dt.date(1904, 1, 1)).days            # a serial number in the 1904 system
        r["end_date"] = dt.datetime.fromisoformat(r["end_date"])        # a date cell
        ws.append(list(r.values()))
    wb.save(folder / "interventions.xlsx")
    return folder


def _register_areas(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].copy()
    on = p["gt_register"] == "Y"
    styles = [lambda a: a.title().replace(";", "; "), lambda a: a.upper().replace(";", ","),
              lambda a: a.replace(";", " / ")]
    p.loc[on, "gt_register"] = [styles[k % 3](a) for k, a in enumerate(p.loc[on, "gt_area"])]
    p.loc[~on, "gt_register"] = np.where(np.arange((~on).sum()) % 2, "N", "")
    write_csv(p.drop(columns="gt_area").rename(columns={"gt_register": "G&T"}), folder / "pupils.csv")
    return folder


def _flag_words(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].copy()
    p["fsm"] = p["fsm"].map({"Y": "Eligible", "N": "Not Eligible"})
    p["ever6_fsm"] = p["ever6_fsm"].map({"Y": "Yes", "N": "No"})
    p["disadvantaged"] = p["disadvantaged"].map({"Y": "PP", "N": "Non-PP"})
    p["gt_register"] = p["gt_register"].map({"Y": "On register", "N": "Not on register"})
    write_csv(p.rename(columns={"fsm": "FSM Eligibility", "disadvantaged": "Pupil Premium"}), folder / "pupils.csv")
    return folder


def _hap_before_register(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].copy()
    hap = np.where(np.arange(len(p)) % 3 == 0, "Y", "N")           # high attainers: not the register
    cols = list(p.columns)
    p.insert(cols.index("gt_register"), "HAP", hap)
    write_csv(p.rename(columns={"gt_register": "G&T"}), folder / "pupils.csv")
    return folder


def _hidden_old_register(folder, ex):
    import openpyxl

    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].copy()
    old = p["gt_register"].map({"Y": "N", "N": "N"})                 # last year's register: nobody on it
    old.iloc[::7] = "Y"
    cols = list(p.columns)
    p.insert(cols.index("gt_register"), "G&T ", old)               # the same header, a column hidden in Excel
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pupils"
    ws.append(["G&T" if c.strip() == "G&T" or c == "gt_register" else c for c in p.columns])
    for r in p.itertuples(index=False):
        ws.append(list(r))
    ws.column_dimensions[openpyxl.utils.get_column_letter(cols.index("gt_register") + 1)].hidden = True
    wb.save(folder / "pupils.xlsx")
    return folder


def _two_year_headers(folder, ex):
    write_all(folder, ex, skip=("pupils",))
    p = ex["pupils"].copy()
    p.loc[3, "year_group"] = "Y6"
    cols = ["upn", "academic_year", "year_group"] + [c for c in p.columns if c not in ("upn", "academic_year",
                                                                                        "year_group")]
    text = p[cols].to_csv(index=False, lineterminator="\r\n")
    head, rest = text.split("\r\n", 1)
    (folder / "pupils.csv").write_text(head.replace("academic_year,year_group", "Year,Year") + "\r\n" + rest,
                                       encoding="utf-8")
    return folder


PERCENT_ROWS = (2, 7)


def _percent_absence(folder, ex):
    write_all(folder, ex, skip=("attendance",))
    at = ex["attendance"].copy()
    spring = at["period"] == "Spring"
    plain = at[~spring].reset_index(drop=True)
    for i in PERCENT_ROWS:
        plain.loc[i, "authorised_absence"] = "3%"
    write_csv(plain, folder / "attendance.csv")
    pct = at[spring].copy()
    for col in ("authorised_absence", "unauthorised_absence"):
        pct[col] = (100 * pct[col].astype(int) / pct["possible_sessions"].astype(int)).round(1).astype(str)
    write_csv(pct.rename(columns={"authorised_absence": "Authorised absence (%)",
                                  "unauthorised_absence": "Unauthorised absence %"}), folder / "attendance_spring.csv")
    return folder


def _percent_scores(folder, ex):
    write_all(folder, ex, skip=("assessments",))
    a = ex["assessments"].copy()
    a.loc[4, "score"] = a.loc[4, "score"] + "%"
    a.loc[11, ["score_type", "score"]] = ["percent", "0.95"]
    write_csv(a, folder / "assessments.csv")
    return folder


def _terms_and_dates(folder, ex):
    write_all(folder, ex, skip=("assessments", "interventions"))
    a = ex["assessments"].copy()
    a["term"] = np.where(np.arange(len(a)) % 2, "Summer Term", "summer term 2")
    a.loc[::5, "date"] = "2024-05-13T23:00:00Z"                     # midnight in UK summer time, written in UTC
    iv = ex["interventions"].copy()
    d = pd.to_datetime(iv["start_date"])
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}
    iv["start_date"] = [f"{x.day}{suffix.get(x.day, 'th')} {x:%b %Y}" for x in d]
    iv["end_date"] = pd.to_datetime(iv["end_date"]).dt.strftime("%Y-%m-%dT00:00:00.000Z")   # winter: UTC = UK
    write_csv(a, folder / "assessments.csv")
    write_csv(iv, folder / "interventions.csv")
    return folder


def _encodings(folder, ex):
    write_all(folder, ex, skip=("pupils", "assessments", "attendance"))
    p = ex["pupils"].copy()
    p.loc[5, "forename"] = "Chloë"
    lines = p.to_csv(index=False, lineterminator="\r\n").split("\r\n")
    raw = "\r\n".join(lines[:6]).encode("utf-8") + b"\r\n" + lines[6].encode("cp1252") + b"\r\n" + \
        "\r\n".join(lines[7:]).encode("utf-8")
    (folder / "pupils.csv").write_bytes(raw)
    write_csv(ex["assessments"], folder / "assessments.csv")
    with open(folder / "assessments.csv", "ab") as f:
        f.write(b"\x00" * 512)                              # padding left by the program that wrote it
    schools = (SAMPLE / "schools.csv").read_bytes()         # a small file: mostly NUL bytes, not UTF-16
    (folder / "schools.csv").write_bytes(schools + b"\x00" * (4 * len(schools)))
    at = ex["attendance"].copy()
    at.loc[2, "authorised_absence"] = "-3"
    write_csv(at, folder / "attendance.csv", title=("sep=,",))
    return folder


def _thousands(folder, ex):
    write_all(folder, ex, skip=("interventions",))
    iv = ex["interventions"].copy()
    iv.loc[0, "cost"], iv.loc[1, "cost"] = "1.240", "10,50"      # the column shows decimal commas: 1240 and 10.5
    iv.loc[2, "pre_score"] = "1.240"                               # nothing in pre_score says which: ambiguous
    write_csv(iv, folder / "interventions.csv")
    return folder


def _footer_and_headers(folder, ex):
    write_all(folder, ex, skip=("assessments",))
    a = ex["assessments"]
    lines = a.to_csv(index=False, lineterminator="\n").splitlines()
    width = len(a.columns)
    lines.insert(1 + 60, lines[0])                                # the header again (a page break)
    lines.insert(1 + 121, lines[0].upper())
    lines.append("Total" + "," * (width - 1))
    lines.append(f"Count: {len(a)}" + "," * (width - 1))
    (folder / "assessments.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- the corpus
def corpus(ex: dict[str, pd.DataFrame]) -> list[Case]:
    """Every case with its expected outcome, worked out from the clean extract ``ex``."""
    p, a, iv = ex["pupils"], ex["assessments"], ex["interventions"]
    P, A, AT, IV = (FILES[k] for k in ("pupils", "assessments", "attendance", "interventions"))
    bad_upn_title = ("Z" if p.loc[5, "upn"][0] != "Z" else "Y") + p.loc[5, "upn"][1:]
    us_excl, us_probs = us_date_rows(ex)
    cases = [
        Case("clean", "the clean extract: everything used, nothing reported", _clean, cli=0, usable=True),
        Case("missing_required_column", "assessments.csv without its score type column: the file is skipped",
             _missing_required,
             [Problem(A, 1, "score_type", ", ".join(c for c in a.columns if c != "score_type"), "file skipped",
                      "needs the column(s) 'score_type'")],
             excluded={A: set()}, cli=1, usable=False),
        Case("renamed_columns", "SIMS-style headers (Legal Forename, NC Year, G&T, Scaled score ...): all used",
             _renamed, cli=0, usable=True),
        Case("unknown_upn_header", "the pupils' UPN column is called 'Pupil ref': no usable pupils table",
             _unknown_upn_header, raises=r"No usable pupils table[\s\S]*'upn'", cli=1),
        Case("empty_file", "attendance.csv is 0 bytes: skipped with a warning, the rest is used", _empty_file,
             [Problem(AT, None, None, None, "file skipped", "The file is empty")], usable=True, cli=0),
        Case("empty_pupils", "pupils.csv is 0 bytes: nothing can be analysed", _empty_pupils,
             raises=r"No usable pupils table[\s\S]*pupils.csv[\s\S]*The file is empty", cli=1),
        Case("header_only", "assessments.csv has a header and no rows: noted", _header_only,
             [Problem(A, None, None, None, "noted", "a header but no rows")], usable=True),
        Case("title_rows", "two title rows above the header; the invalid UPN is reported on its real row",
             _title_rows, [Problem(P, row_of(5, title_rows=2), "upn", bad_upn_title, "excluded",
                                   "wrong check letter")], excluded={P: {row_of(5, title_rows=2)}}),
        Case("excel_merged_header", "attendance.xlsx with a two-row header (merged 'Attendance' over "
             "Possible/Authorised/Unauthorised); a negative absence on row 7", _excel_merged_header,
             [Problem("attendance.xlsx [Attendance]", row_of(3, header_rows=2), "authorised_absence", "-3",
                      "excluded", "at least 0"),
              Problem("attendance.xlsx [Attendance]", None, None, None, "noted", "two rows")],
             excluded={"attendance.xlsx [Attendance]": {row_of(3, header_rows=2)}}),
        Case("windows_1252", "pupils.csv in Windows-1252 (Zoë, Siân)", _encoding("cp1252"), usable=True),
        Case("utf16_tab", "pupils.txt in UTF-16 with tabs (Excel's 'Unicode text')",
             _encoding("utf-16", sep="\t", name="pupils.txt"), usable=True),
        Case("stray_delimiter", "an unquoted comma in a surname shifts a row (excluded); trailing commas on "
             "every interventions row (ignored, noted)", _stray_delimiter,
             [Problem(P, row_of(3), None, None, "excluded", "has 20 values but the header has 19"),
              Problem(IV, None, None, None, "noted", "extra separators at the end")],
             excluded={P: {row_of(3)}}, cli=1),
        Case("stray_quote", "an opening quote mark before a surname swallows the rest of the file into one value",
             _stray_quote,
             [Problem(P, row_of(40), None, None, "excluded", f"runs from line {row_of(40)} to line {len(p) + 1}")],
             excluded={P: {row_of(40)}}, cli=1),
        Case("multiline_quoted_field", "a quoted note over three lines (ignored column) and a 12-character UPN "
             "below it: reported on the row Excel shows", _multiline,
             [Problem(P, row_of(6), "upn", p.loc[6, "upn"][:12], "excluded", "13 characters"),
              Problem(P, None, None, None, "noted", f"row {row_of(3)} starts on line {row_of(3) + 2}")],
             excluded={P: {row_of(6)}}),
        Case("blank_rows", "a blank line, a line of commas and a blank last line in assessments.csv",
             _blank_rows,
             [Problem(A, 12, None, None, "excluded", "Blank row"), Problem(A, 22, None, None, "excluded", "Blank row"),
              Problem(A, len(a) + 4, None, None, "excluded", "Blank row")],
             excluded={A: {12, 22, len(a) + 4}}, usable=True),
        Case("duplicated_rows", "three assessment rows repeated at the end: one copy kept", _duplicated_rows,
             [Problem(A, row_of(len(a) + k), None, None, "excluded", "Exact copy of assessments.csv row "
                      f"{row_of(i)}") for k, i in enumerate([0, 5, 7])],
             excluded={A: {row_of(len(a) + k) for k in range(3)}}, usable=True),
        Case("conflicting_duplicate_pupil", "a pupil given twice with a different sex and G&T flag: both excluded",
             _conflicting_pupils,
             [Problem(P, r, "upn,academic_year", f"{p.loc[4, 'upn']} 2023/24", "excluded", "sex, gt_register")
              for r in (row_of(4), row_of(len(p)))],
             excluded={P: {row_of(4), row_of(len(p))}}, cli=1),
        Case("invalid_upns", "a wrong check letter, a 12-character UPN and an O among the digits (excluded); "
             "lower case with a space (repaired)", _invalid_upns,
             [Problem(P, row_of(1), "upn", None, "excluded", "wrong check letter"),
              Problem(P, row_of(2), "upn", p.loc[2, "upn"][:-1], "excluded", "13 characters"),
              Problem(P, row_of(3), "upn", p.loc[3, "upn"][:6] + "O" + p.loc[3, "upn"][7:], "excluded",
                      "not all numeric"),
              Problem(P, row_of(4), "upn", p.loc[4, "upn"][:5].lower() + " " + p.loc[4, "upn"][5:], "repaired",
                      "read as " + p.loc[4, "upn"])],
             excluded={P: {row_of(1), row_of(2), row_of(3)}}),
        Case("temporary_upn", "a pupil with a temporary UPN (valid check letter, ends in a letter): used, reported",
             _temporary_upn,
             [Problem(P, row_of(5), "upn", TEMP_UPN, "noted", "Temporary UPN")]
             + [Problem(A, row_of(i), "upn", TEMP_UPN, "noted", "Temporary UPN")
                for i in np.flatnonzero(a["upn"] == p.loc[5, "upn"])],
             rekey={p.loc[5, "upn"]: TEMP_UPN}, usable=True, cli=0),
        Case("ks2_out_of_range", "KS2 scaled scores 79, 121 and 150: excluded", _ks2_out_of_range,
             [Problem(A, row_of(i), "score", v, "excluded", "from 80 to 120")
              for i, v in ((0, "79"), (1, "121"), (2, "150"))],
             excluded={A: {row_of(0), row_of(1), row_of(2)}}),
        Case("attendance_impossible", "negative absence; absence (90 + 20) above 100 possible sessions",
             _attendance_impossible,
             [Problem(AT, row_of(2), "authorised_absence", "-3", "excluded", "at least 0"),
              Problem(AT, row_of(5), "possible_sessions", "100", "excluded", "(110) is more than")],
             excluded={AT: {row_of(2), row_of(5)}}),
        Case("interventions_impossible", "sessions attended above planned; end date before start date",
             _interventions_impossible,
             [Problem(IV, row_of(3), "sessions_attended", str(int(iv.loc[3, "sessions_planned"]) + 5), "excluded",
                      "more than sessions_planned"),
              Problem(IV, row_of(7), "end_date", iv.loc[7, "start_date"], "excluded", "before start_date")],
             excluded={IV: {row_of(3), row_of(7)}}),
        Case("future_dates", "dates after 'today' (2024-09-01): a birth and an assessment date (blanked), a start "
             "date (excluded), an academic year 2031/32 (excluded), a planned end date (noted)", _future_dates,
             [Problem(P, row_of(3), "date_of_birth", "2031-01-26", "repaired", "after today (2024-09-01)"),
              Problem(A, row_of(4), "date", "2025-05-14", "repaired", "after today"),
              Problem(A, row_of(6), "academic_year", "2031/32", "excluded", "after next year"),
              Problem(IV, row_of(2), "start_date", "2025-01-06", "excluded", "after today"),
              Problem(IV, row_of(4), "end_date", "2024-12-20", "noted", "still running")],
             excluded={A: {row_of(6)}, IV: {row_of(2)}},
             blanked={("pupils", "date_of_birth"), ("assessments", "date")}, altered={("interventions", "end_date")},
             values=[("interventions", 4, "end_date", pd.Timestamp("2024-12-20"))]),
        Case("mixed_date_formats", "ISO, UK day-first, dd-Mon-yyyy and Excel serial dates in one column: all read",
             _mixed_dates, usable=True),
        Case("us_dates", "month-first dates: those only month-first are invalid, so the ambiguous ones are "
             "not trusted either (excluded); 05/05-style dates are used", _us_dates, us_probs,
             excluded={IV: us_excl}),
        Case("text_in_numeric", "'abc', '104*' and a decimal comma '104,5' as scores; 'one hundred' as possible "
             "sessions (all excluded); '£1,240' as a cost (read as 1240)", _text_in_numeric,
             [Problem(A, row_of(0), "score", "abc", "excluded", "must be a number"),
              Problem(A, row_of(1), "score", "104*", "excluded", "must be a number"),
              Problem(A, row_of(2), "score", "104,5", "excluded", "must be a number"),
              Problem(AT, row_of(1), "possible_sessions", "one hundred", "excluded", "whole number")],
             excluded={A: {row_of(0), row_of(1), row_of(2)}, AT: {row_of(1)}}, altered={("interventions", "cost")},
             values=[("interventions", 0, "cost", 1240.0)]),
        Case("subject_case", "'Maths', 'MATHS', ' maths  ' and 'Reading' among 'maths'/'reading': one spelling",
             _subject_case,
             [Problem(A, row_of(i), "subject", s.strip(), "repaired", f"read as '{a.loc[i, 'subject']}'")
              for i, s in subject_spellings(ex).items()], usable=True),
        Case("pseudonymous_default", "pseudonymous pupil keys (national data) without the opt-in: all excluded, "
             "with a hint", _pseudonymous,
             raises=r"No usable pupils table[\s\S]*pupil_key='pseudonymous'", cli=1),
        Case("pseudonymous_opt_in", "the same files with pupil_key='pseudonymous': all used", _pseudonymous,
             [Problem(P, None, "upn", None, "noted", "pseudonymous")], rekey=pseudonyms(ex),
             load_kwargs={"pupil_key": "pseudonymous"}, usable=True, cli=0),
        Case("xlsx_named_csv", "an Excel workbook saved as pupils.csv: read as Excel, noted", _xlsx_named_csv,
             [Problem(P, None, None, None, "noted", "Excel workbook with a text-file name")], usable=True),
        Case("old_xls_and_unknown_file", "an old .xls (cannot be read) and notes.csv (not a gtanalytics table)",
             _old_xls_and_unknown,
             [Problem("assessments_2019.xls", None, None, None, "file skipped", "save it as .xlsx"),
              Problem("notes.csv", None, None, None, "file skipped", "Not recognised")],
             excluded={"notes.csv": set()}, usable=False, cli=1),
    ]
    cases += real_export_cases(ex)
    return cases


def real_export_cases(ex: dict[str, pd.DataFrame]) -> list[Case]:
    """The forms MIS exports and hand-kept spreadsheets take (issue 16): read right and reported, or rejected."""
    p, a, at = ex["pupils"], ex["assessments"], ex["attendance"]
    P, A, AT, IV = (FILES[k] for k in ("pupils", "assessments", "attendance", "interventions"))
    sid = school_rows(ex)
    spring = np.flatnonzero(at["period"] == "Spring")
    plain = np.flatnonzero(at["period"] != "Spring")
    pct_values = [("attendance", int(plain[i]), "authorised_absence",
                   int(np.round(0.03 * int(at.loc[plain[i], "possible_sessions"])))) for i in PERCENT_ROWS]
    pct_values += [("attendance", int(k), "authorised_absence", int(at.loc[k, "authorised_absence"]))
                   for k in spring[:12]]
    upn = p["upn"]
    area_styles = p.loc[p["gt_register"] == "Y", "gt_area"]
    n_foot = len(a)
    return [
        Case("school_id_as_number", "school ids typed 8862101.0 and 8.862101E+06 (read, reported); 8.86E+06 and "
             "8.9E+06, rounded by scientific notation (excluded: the school is not known)", _school_id_numbers,
             [Problem(P, row_of(sid[0]), "school_id", "8862101.0", "repaired", "decimal number"),
              Problem(P, row_of(sid[1]), "school_id", "8862101.00", "repaired", "read as '8862101'"),
              Problem(P, row_of(sid[2]), "school_id", "8.862101E+06", "repaired", "every digit shown"),
              Problem(P, row_of(sid[3]), "school_id", "8.86E+06", "excluded", "from 8855000 to 8864999"),
              Problem(P, row_of(sid[4]), "school_id", "8.9E+06", "excluded", "format the column as Text")],
             excluded={P: {row_of(sid[3]), row_of(sid[4])}}, cli=1, usable=False),
        Case("upn_spreadsheet_forms", "UPNs as Excel text formulas, with a leading apostrophe, a zero-width space, "
             "a non-breaking space and a byte-order mark: all read and reported", _upn_forms,
             [Problem(P, row_of(1), "upn", f'="{upn[1]}"', "repaired", "text formula"),
              Problem(P, row_of(2), "upn", "'" + upn[2], "repaired", "apostrophe"),
              Problem(P, row_of(3), "upn", upn[3][:4] + "\u200b" + upn[3][4:], "repaired", "invisible"),
              Problem(P, row_of(4), "upn", upn[4][:5] + "\u00a0" + upn[4][5:], "repaired", "invisible"),
              Problem(P, row_of(7), "upn", "\ufeff" + upn[7], "repaired", "invisible"),
              Problem(A, row_of(3), "upn", f'="{a.loc[3, "upn"]}"', "repaired", "read as '" + a.loc[3, "upn"])],
             cli=0, usable=True),
        Case("excel_error_values", "#NAME? as a forename and #N/A as a birth date (blank, reported), #VALUE! as a "
             "score (excluded), #REF! as a date (blank, reported): never kept as text", _excel_errors,
             [Problem(P, row_of(2), "forename", "#NAME?", "repaired", "Excel error value"),
              Problem(P, row_of(8), "date_of_birth", "#N/A", "repaired", "left blank"),
              Problem(A, row_of(3), "score", "#VALUE!", "excluded", "Excel error value"),
              Problem(A, row_of(9), "date", "#REF!", "repaired", "Excel error value")],
             excluded={A: {row_of(3)}}, cli=1,
             blanked={("pupils", "forename"), ("pupils", "date_of_birth"), ("assessments", "date")},
             values=[("pupils", 2, "forename", pd.NA)]),
        Case("xlsx_uncached_formulas", "attendance.xlsx written by a script: two formula cells without a calculated "
             "value (excluded, 'open and save in Excel'), never read as blank", _uncached_formulas,
             [Problem("attendance.xlsx [Attendance]", row_of(i), "unauthorised_absence", None, "excluded",
                      "Open the workbook in Excel, save it") for i in UNCACHED],
             excluded={"attendance.xlsx [Attendance]": {row_of(i) for i in UNCACHED}}, cli=1),
        Case("xlsx_merged_down", "pupils.xlsx sorted by class with academic year and class merged down the column: "
             "filled down, every filled row reported", _merged_down, merged_rows(ex), cli=0, usable=True),
        Case("xlsx_1904_dates", "interventions.xlsx in Excel's 1904 date system, start dates as serial numbers: "
             "read in that system (not four years off)", _excel_1904,
             [Problem("interventions.xlsx [Interventions]", None, None, None, "noted", "1904 date system")],
             usable=True),
        Case("register_holds_areas", "the G&T column holds the areas ('English; Maths', 'SPORT', 'english / maths') "
             "or N or blank: read as on the register, the area kept in gt_area", _register_areas,
             [Problem(P, None, "gt_register", None, "derived", f"{len(area_styles)} gt_register value(s) named an "
                      "area")], usable=True, cli=0),
        Case("flag_words", "FSM as Eligible/Not Eligible, Ever 6 as Yes/No, Pupil Premium as PP/Non-PP, the "
             "register as On register/Not on register: all read", _flag_words,
             [Problem(P, None, "fsm", None, "derived", "written as words"),
              Problem(P, None, "disadvantaged", None, "derived", "written as words"),
              Problem(P, None, "gt_register", None, "derived", "written as words")], usable=True, cli=0),
        Case("hap_before_register", "an 'HAP' (high attainers) column before 'G&T': the register is read from "
             "'G&T', and the choice reported", _hap_before_register,
             [Problem(P, None, "gt_register", "HAP, G&T", "noted", "'G&T' (column 19) was used because its header "
                      "is the more specific")], usable=True),
        Case("hidden_old_register", "pupils.xlsx with an older 'G&T' column, hidden, before the current one: the "
             "visible one is read, and the choice reported", _hidden_old_register,
             [Problem("pupils.xlsx [Pupils]", None, "gt_register", None, "noted", "the other column is hidden")],
             usable=True),
        Case("two_year_headers", "academic year and year group both headed 'Year' (academic year first): told "
             "apart by their values", _two_year_headers,
             [Problem(P, None, None, "Year, Year", "noted", "by their values")], usable=True, cli=0),
        Case("percent_absence", "absence '3%' in a sessions column (converted with the row's possible sessions, "
             "reported), and a file headed 'Authorised absence (%)' (converted, reported; not read as sessions)",
             _percent_absence,
             [Problem(AT, row_of(i), "authorised_absence",
                      f"3% of {at.loc[plain[i], 'possible_sessions']} possible = {v}", "repaired", "turned into sessions")
              for i, (*_, v) in zip(PERCENT_ROWS, pct_values)]
             + [Problem("attendance_spring.csv", row_of(0), "authorised_absence", None, "repaired", "percentage")],
             altered={("attendance", "authorised_absence")}, values=pct_values, usable=True),
        Case("percent_scores", "a KS2 scaled score '104%' and a percent score 0.95: both excluded with the fix",
             _percent_scores,
             [Problem(A, row_of(4), "score", a.loc[4, "score"] + "%", "excluded", "its score_type is 'ks2_scaled'"),
              Problem(A, row_of(11), "score", "0.95", "excluded", "looks like a proportion")],
             excluded={A: {row_of(4), row_of(11)}}, cli=1),
        Case("terms_and_dates", "'Summer Term', 'summer term 2', dates as UTC timestamps (one falls on the "
             "day before in UTC) and '8th Jan 2024': all read; the shifted dates reported", _terms_and_dates,
             [Problem(A, row_of(0), "date", "2024-05-13T23:00:00Z", "repaired", "in UK time it falls on 2024-05-14"),
              Problem(A, None, "term", None, "derived", "Summer Term")], usable=True, cli=0),
        Case("encodings_and_sep_line", "one Windows-1252 line in a UTF-8 pupils file (every name right), an "
             "assessments file and a small schools file padded with NUL bytes, and a 'sep=,' first line (row numbers as Excel shows)",
             _encodings,
             [Problem(P, None, None, None, "noted", "line(s) 7 were in Windows-1252"),
              Problem(A, None, None, None, "noted", "ended in NUL characters"),
              Problem("schools.csv", None, None, None, "noted", "ended in NUL characters"),
              Problem(AT, None, None, None, "noted", "'sep=,'"),
              Problem(AT, row_of(2), "authorised_absence", "-3", "excluded", "at least 0")],
             excluded={AT: {row_of(2)}}, altered={("pupils", "forename")},
             values=[("pupils", 5, "forename", "Chloë"), ("pupils", 0, "forename", "Zoë"),
                     ("pupils", 1, "forename", "Siân")]),
        Case("thousands_by_locale", "costs '1.240' and '10,50' in a column with decimal commas (1240 and 10.5, "
             "reported); a pre-score '1.240' with no evidence either way (excluded, ambiguous)", _thousands,
             [Problem(IV, row_of(0), "cost", "1.240", "repaired", "read as 1240"),
              Problem(IV, row_of(1), "cost", "10,50", "repaired", "read as 10.5"),
              Problem(IV, row_of(2), "pre_score", "1.240", "excluded", "could be a decimal")],
             excluded={IV: {row_of(2)}}, altered={("interventions", "cost")},
             values=[("interventions", 0, "cost", 1240.0), ("interventions", 1, "cost", 10.5)]),
        Case("footer_and_repeated_headers", "the header repeated twice inside assessments.csv and 'Total'/'Count' "
             "rows at the end: named as such (not 'invalid UPN'), not used", _footer_and_headers,
             [Problem(A, 62, None, None, "excluded", "Repeated header row"),
              Problem(A, 123, None, None, "excluded", "Repeated header row"),
              Problem(A, n_foot + 4, None, None, "excluded", "Footer row"),
              Problem(A, n_foot + 5, None, None, "excluded", "Footer row")],
             excluded={A: {62, 123, n_foot + 4, n_foot + 5}}, usable=True, cli=0),
    ]


def huge_assessments(n: int, bad_every: int, rng: int = 0) -> tuple[str, set[int], np.ndarray]:
    """CSV text of ``n`` KS2 rows for distinct made-up pupils; every ``bad_every``-th score is 130.

    Returns the text, the spreadsheet rows that must be excluded and the scores.
    """
    gen = np.random.default_rng(rng)
    upns = upns_vectorised(n)
    scores = gen.integers(80, 121, n)
    scores[::bad_every] = 130
    tail = ",2023/24,Summer,maths,KS2,ks2_scaled,"
    lines = ["upn,academic_year,term,subject,assessment,score_type,score"]
    lines += [u + tail + str(s) for u, s in zip(upns.tolist(), scores.tolist())]
    return "\n".join(lines) + "\n", {row_of(i) for i in range(0, n, bad_every)}, scores


__all__ = ["Case", "Problem", "TODAY", "FILES", "clean_extract", "corpus", "huge_assessments", "write_all",
           "row_of", "upns_vectorised", "temporary_upn"]
