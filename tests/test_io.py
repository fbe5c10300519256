"""gtanalytics.data.load: reading, header mapping, validation and row accounting.

All test data are built here by code (small frames written to tmp_path).  The
expected results follow from the stated rules (DfE UPN check letters, UK day-first
dates, the KS1/KS2 points of methodology.md §1.3-1.4, DfE disadvantaged =
Ever-6 FSM or LAC or PLAC, methodology.md §8).
"""

import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from gtanalytics.errors import GTDataError
from gtanalytics.data._io import SchoolData, load, load_mapping, table_for_name
from gtanalytics.data.schemas import TABLES
from gtanalytics.data._upn import make_upn

HEADER = ["UPN", "Academic year", "School ID", "Year", "Forename", "Surname", "DOB", "Gender",
          "Ever 6 FSM", "LAC", "SEN Status", "EAL", "Ethnicity", "G&T"]


def pupil_rows(n=4):
    rows = []
    for i in range(n):
        rows.append([make_upn(801, 2000, 1, i + 1), "2023-24", "100001", "Year 6", ["Zoë", "Siân", "Amir", "Tom"][i % 4],
                     "Smith", "03/11/2012", ["Female", "Female", "Male", "Boy"][i % 4], "Y" if i % 2 else "N", "N",
                     ["No SEN", "SEN Support", "EHCP", "N"][i % 4], "N", ["WENG", "WBRI", "APKN", "WSCO"][i % 4],
                     "Y" if i == 0 else ""])
    return rows


def write_csv(path: Path, header, rows, encoding="utf-8", title_rows=()):
    lines = [*title_rows, ",".join(header)] + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def assert_balanced(data: SchoolData):
    acc = data.accounting
    assert (acc["rows_read"] == acc["rows_used"] + acc["rows_excluded"]).all(), acc
    assert (acc["rows_repaired"] <= acc["rows_used"]).all()
    for name, df in data.tables.items():
        used = acc.loc[acc["table"] == name, "rows_used"].sum()
        assert len(df) == used, (name, len(df), used)


def test_clean_folder(tmp_path):
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows())
    d = load(tmp_path)
    assert_balanced(d)
    p = d.pupils
    assert list(p.columns) == [c.name for c in TABLES["pupils"].columns]
    assert p["academic_year"].unique().tolist() == ["2023/24"]
    assert p["sex"].tolist() == ["F", "F", "M", "M"]
    assert p["sen"].tolist() == ["N", "K", "E", "N"]
    assert p["ethnicity"].tolist() == ["WBRI", "WBRI", "APKN", "WBRI"]    # WENG, WSCO rolled up
    assert p["gt_register"].tolist() == [True, False, False, False]      # blank G&T read as N (noted)
    assert p["date_of_birth"].iloc[0] == pd.Timestamp("2012-11-03")      # UK day-first
    assert p["year_group"].tolist() == [6] * 4
    assert p["disadvantaged"].tolist() == [False, True, False, True]     # derived from Ever 6 FSM | LAC
    assert str(p["gt_register"].dtype) == "boolean" and str(p["date_of_birth"].dtype) == "datetime64[ns]"
    assert d.usable and not (d.quality["severity"] == "error").any()
    derived = d.quality[d.quality["action"] == "derived"]
    assert {"disadvantaged", "ethnicity", "gt_register"} <= set(derived["column"])
    assert d.assessments.empty and list(d.assessments.columns) == [c.name for c in TABLES["assessments"].columns]
    assert "pupils" in d.summary()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings(tmp_path, encoding):
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows(), encoding=encoding)
    d = load(tmp_path)
    assert d.pupils["forename"].tolist()[:2] == ["Zoë", "Siân"]
    assert d.sources["encoding"].iloc[0] == encoding
    assert_balanced(d)


def test_utf16_tab_separated(tmp_path):
    """Excel's 'Unicode text' export: UTF-16 with tabs."""
    lines = ["\t".join(HEADER)] + ["\t".join(r) for r in pupil_rows()]
    (tmp_path / "pupils.txt").write_bytes("\r\n".join(lines).encode("utf-16"))
    d = load(tmp_path)
    assert len(d.pupils) == 4 and d.pupils["forename"].iloc[0] == "Zoë"


def test_csv_title_rows(tmp_path):
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows(),
              title_rows=["Oakfield Primary - pupil list", "Exported 01/02/2024,,,"])
    d = load(tmp_path)
    assert len(d.pupils) == 4 and d.sources["header_row"].iloc[0] == 3
    assert_balanced(d)


def test_excel_title_rows_and_sheets(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pupils"
    ws.append(["Oakfield Primary: pupil list"])
    ws.append(["Exported from SIMS, summer term"])
    ws.append(HEADER)
    for r in pupil_rows():
        ws.append(r[:3] + [6] + r[4:6] + [pd.Timestamp("2012-11-03").to_pydatetime()] + r[7:])
    ws.append(["Z801200001001"] + pupil_rows(1)[0][1:])          # wrong check letter, row 8
    ws2 = wb.create_sheet("Assessments")
    ws2.append(["UPN", "Academic year", "Term", "Subject", "Assessment", "Score type", "Score", "Result"])
    ws2.append([make_upn(801, 2000, 1, 1), "2023/24", "Summer", "maths", "KS1", "ks1_outcome", None, "GDS"])
    ws2.append([make_upn(801, 2000, 1, 1), "2023/24", "Summer", "writing", "KS2", "ks2_ta", None, "WTS"])
    ws2.append([make_upn(801, 2000, 1, 1), "2023/24", "Summer", "reading", "KS2", "ks2_scaled", 104, None])
    wb.save(tmp_path / "trust export.xlsx")
    d = load(tmp_path)
    assert_balanced(d)
    assert len(d.pupils) == 4 and d.pupils["date_of_birth"].iloc[0] == pd.Timestamp("2012-11-03")
    assert d.sources.set_index("table").loc["pupils", "header_row"] == 3
    bad = d.quality[d.quality["column"] == "upn"]
    assert bad["row"].tolist() == [8] and bad["file"].iloc[0] == "trust export.xlsx [Pupils]"
    assert "expected H" in bad["problem"].iloc[0]
    assert d.assessments["score"].tolist() == [10.0, 91.0, 104.0]   # GDS -> 10 (KS1), WTS -> 91 (KS2 TA)


def test_user_yaml_mapping(tmp_path):
    header = ["Pupil ref", "Cohort year", "Establishment", "NC Year", "Sex", "Able pupil", "Academic year"]
    rows = [[make_upn(801, 2000, 1, i), "x", "100001", "6", "F", "Yes", "2023/24"] for i in range(1, 4)]
    write_csv(tmp_path / "pupils.csv", header, rows)
    with pytest.raises(GTDataError, match="No usable pupils table"):
        load(tmp_path)                                         # "Pupil ref"/"Able pupil" unknown
    (tmp_path / "_my_mapping.yml").write_text("columns:\n  upn: [Pupil ref]\n  gt_register: [Able pupil]\n")
    d = load(tmp_path, mapping=tmp_path / "_my_mapping.yml")
    assert len(d.pupils) == 3 and d.pupils["gt_register"].all()
    ignored = d.sources["columns_ignored"].iloc[0]
    assert "Cohort year" in ignored
    d2 = load(tmp_path, mapping={"Pupil ref": "upn", "Able pupil": "gt_register"})   # flat dict form
    assert len(d2.pupils) == 3


def test_mapping_rejects_unknown_canonical():
    with pytest.raises(GTDataError, match="does not know"):
        load_mapping({"columns": {"upnn": ["Pupil ref"]}})


def test_table_for_name():
    assert table_for_name("pupils") == "pupils"
    assert table_for_name("Pupils 2023-24") == "pupils"
    assert table_for_name("oakfield-ASSESSMENTS") == "assessments"
    assert table_for_name("parents evenings") == "parents_evenings"
    assert table_for_name("notes") is None


def test_problems_are_reported_and_rows_balance(tmp_path):
    rows = pupil_rows(4)
    rows.append(["Z801200001001"] + rows[0][1:])                     # row 6: wrong check letter
    rows.append(list(rows[1]))                                         # row 7: exact copy of row 3
    conflict = list(rows[2]); conflict[7] = "Female"
    rows.append(conflict)                                              # row 8: conflicts with row 4
    rows.append([""] * len(HEADER))                                    # row 9: blank
    odd = pupil_rows(5)[4]; odd[3] = "Year 19"; odd[6] = "31/31/2012"; odd[12] = "ZZZZ"
    rows.append(odd)                                                   # row 10: year out of range
    write_csv(tmp_path / "pupils.csv", HEADER, rows)
    d = load(tmp_path)
    assert_balanced(d)
    q = d.quality
    acc = d.accounting.iloc[0]
    assert acc["rows_read"] == 9
    # excluded: 6 (UPN), 7 (copy), 4 and 8 (conflict), 9 (blank), 10 (year group) -> 6 rows; used 3
    assert acc["rows_excluded"] == 6 and acc["rows_used"] == 3
    assert set(q.loc[q["action"] == "excluded", "row"]) == {4, 6, 7, 8, 9, 10}
    clash = q[q["problem"].str.contains("Conflicting duplicate")]
    assert sorted(clash["row"]) == [4, 8]
    assert "pupils.csv row 4" in clash["problem"].iloc[0] and "pupils.csv row 8" in clash["problem"].iloc[0]
    assert "sex" in clash["problem"].iloc[0]
    copy = q[q["problem"].str.contains("Exact copy")]
    assert copy["row"].tolist() == [7] and copy["severity"].iloc[0] == "warning"
    yg = q[(q["column"] == "year_group") & (q["row"] == 10)]
    assert yg["value"].iloc[0] == "Year 19" and yg["severity"].iloc[0] == "error"
    dob = q[(q["column"] == "date_of_birth") & (q["row"] == 10)]
    assert dob["action"].iloc[0] == "repaired"                          # optional date: blanked, reported


def test_missing_required_column_skips_file_once(tmp_path):
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows())
    hdr = ["UPN", "Academic year", "Term", "Subject", "Assessment", "Score"]      # no score type
    write_csv(tmp_path / "assessments.csv", hdr,
              [[make_upn(801, 2000, 1, 1), "2023/24", "Summer", "maths", "KS2", "104"]] * 3)
    d = load(tmp_path)
    assert_balanced(d)
    q = d.quality[d.quality["file"] == "assessments.csv"]
    assert len(q) == 1 and q["action"].iloc[0] == "file skipped" and q["severity"].iloc[0] == "error"
    assert "score_type" in q["problem"].iloc[0] and "Score type" in q["problem"].iloc[0]
    acc = d.accounting.set_index("file").loc["assessments.csv"]
    assert acc["rows_read"] == 3 and acc["rows_excluded"] == 3 and d.assessments.empty


def test_interventions_attendance_rules(tmp_path):
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows())
    u = make_upn(801, 2000, 1, 1)
    write_csv(tmp_path / "interventions.csv",
              ["Programme", "UPN", "Delivered by", "Start date", "End date", "Planned sessions", "Sessions attended",
               "Pre score", "Post score", "Cost"],
              [["Catch-up", u, "LSA-1", "08/01/2024", "22/03/2024", "30", "27", "84", "91", "£240"],
               ["Catch-up", make_upn(801, 2000, 1, 2), "LSA-1", "22/03/2024", "08/01/2024", "30", "27", "84", "91", ""],
               ["Catch-up", make_upn(801, 2000, 1, 3), "LSA-1", "08/01/2024", "22/03/2024", "30", "31", "84", "9x", ""]])
    write_csv(tmp_path / "attendance.csv",
              ["UPN", "Academic year", "Period", "Possible sessions", "Authorised absence", "Unauthorised absence"],
              [[u, "2023/24", "Autumn", "140", "6", "2"], [u, "2023/24", "Spring", "100", "90", "20"]])
    d = load(tmp_path)
    assert_balanced(d)
    q = d.quality
    iv = q[q["file"] == "interventions.csv"]
    assert set(iv.loc[iv["action"] == "excluded", "row"]) == {3, 4}
    assert iv[iv["row"] == 3]["problem"].str.contains("before start_date").any()
    assert iv[iv["row"] == 4]["problem"].str.contains("more than sessions_planned").any()
    assert iv[(iv["row"] == 4) & (iv["column"] == "post_score")]["value"].tolist() == ["9x"]
    assert d.interventions["cost"].tolist() == [240.0]
    at = q[q["file"] == "attendance.csv"]
    assert at["row"].tolist() == [3] and len(d.attendance) == 1


def test_score_codes_and_nonnumeric_score(tmp_path):
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows())
    u = make_upn(801, 2000, 1, 1)
    hdr = ["UPN", "Academic year", "Term", "Subject", "Assessment", "Score type", "Score", "Result"]
    write_csv(tmp_path / "assessments.csv", hdr, [
        [u, "2023/24", "Summer", "reading", "KS1", "ks1_outcome", "", "PK3"],
        [u, "2023/24", "Summer", "writing", "KS1", "ks1_outcome", "EXS", ""],     # code typed in score
        [u, "2023/24", "Summer", "maths", "KS1", "ks1_outcome", "6", "GDS"],      # clash: GDS is 10
        [u, "2023/24", "Summer", "maths", "KS2", "ks2_scaled", "abc", ""],        # not a number
        [u, "2023/24", "Autumn 1", "maths", "NGRT", "standardised", "104", ""],
    ])
    d = load(tmp_path)
    assert_balanced(d)
    a = d.assessments.set_index(["subject", "assessment"])
    assert a.loc[("reading", "KS1"), "score"] == 3.5
    assert a.loc[("writing", "KS1"), "score"] == 8.0 and a.loc[("writing", "KS1"), "result"] == "EXS"
    assert a.loc[("maths", "KS1"), "score"] == 10.0
    assert a.loc[("maths", "NGRT"), "term"] == "Autumn"
    q = d.quality
    bad = q[(q["column"] == "score") & (q["action"] == "excluded")]
    assert bad["row"].tolist() == [5] and bad["value"].tolist() == ["abc"]


def test_parquet(tmp_path):
    df = pd.DataFrame(pupil_rows(), columns=HEADER)
    df.to_parquet(tmp_path / "pupils.parquet")
    d = load(tmp_path / "pupils.parquet")
    assert len(d.pupils) == 4 and d.pupils["forename"].iloc[0] == "Zoë"


def test_nothing_usable_raises(tmp_path):
    with pytest.raises(GTDataError, match="does not exist"):
        load(tmp_path / "missing")
    with pytest.raises(GTDataError, match="No CSV"):
        load(tmp_path)
    write_csv(tmp_path / "notes.csv", ["a", "b"], [["1", "2"]])
    with pytest.raises(GTDataError, match="pupils"):
        load(tmp_path)


def test_old_excel_reported_not_ignored(tmp_path):
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows())
    (tmp_path / "assessments.xls").write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    d = load(tmp_path)
    q = d.quality[d.quality["file"] == "assessments.xls"]
    assert q["action"].tolist() == ["file skipped"] and "save it as .xlsx" in q["problem"].iloc[0]
    assert not d.usable


def test_recognised_from_headers(tmp_path):
    write_csv(tmp_path / "export_0423.csv", HEADER, pupil_rows())
    d = load(tmp_path)
    assert len(d.pupils) == 4
    assert d.quality["problem"].str.contains("from its headers").any()


def test_large_file_is_vectorised(tmp_path):
    """60,000 pupils load in a few seconds (650,000 took ~3.5 s on the development machine)."""
    n = 60_000
    rng = np.random.default_rng(1)
    body = np.array([make_upn(801, 3000 + i // 1000, 5, i % 1000)[1:] for i in range(0, n)])
    df = pd.DataFrame({"UPN": [make_upn(801, 3000 + i // 1000, 5, i % 1000) for i in range(n)],
                       "Academic year": "2023-24", "School": "100001",
                       "Year": rng.integers(0, 12, n).astype(str), "DOB": "03/11/2012",
                       "Gender": rng.choice(["Male", "Female"], n), "G&T": rng.choice(["Y", "N", ""], n)})
    assert len(body) == n
    df.to_csv(tmp_path / "pupils.csv", index=False)
    t = time.perf_counter()
    d = load(tmp_path)
    elapsed = time.perf_counter() - t
    assert len(d.pupils) == n and d.usable
    assert elapsed < 10, elapsed


def test_generated_sample_loads_cleanly(tmp_path):
    """Integration with gtanalytics.datasets._sample: a freshly generated (small) trust loads with nothing excluded."""
    from gtanalytics import datasets as sample
    sample.write_sample(tmp_path, scale=0.2)
    d = load(tmp_path)
    assert_balanced(d)
    assert d.accounting["rows_excluded"].sum() == 0, d.summary()
    assert not (d.quality["severity"] == "error").any()


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.mark.skipif(not list(SAMPLE.glob("*.csv")), reason="data/sample has no CSVs yet")
def test_sample_loads_without_exclusions():
    d = load(SAMPLE)
    assert_balanced(d)
    assert d.accounting["rows_excluded"].sum() == 0, d.summary()
    assert len(d.pupils) > 0


def test_two_row_csv_header_and_row_numbers(tmp_path):
    """A header over two rows (merged cells saved as CSV): read as one; data rows numbered from row 3."""
    lines = ["UPN,Academic year,School ID,Year,Pupil,,Flags,", ",,,,Forename,Gender,Ever 6 FSM,G&T"]
    rows = [[make_upn(801, 2000, 1, i), "2023/24", "1", "6", "Ann", "F", "N", "N"] for i in range(1, 4)]
    rows.append(["Z801200001001", "2023/24", "1", "6", "Ann", "F", "N", "N"])
    (tmp_path / "pupils.csv").write_text("\n".join(lines + [",".join(r) for r in rows]) + "\n")
    d = load(tmp_path, today="2024-09-01")
    assert len(d.pupils) == 3 and d.pupils["ever6_fsm"].tolist() == [False] * 3
    assert d.quality.loc[d.quality["column"] == "upn", "row"].tolist() == [6]
    assert d.quality["problem"].str.contains("header takes two rows").any()


def test_row_numbers_after_multiline_value(tmp_path):
    """Rows are numbered as Excel shows them; the note gives the text-editor line where they differ."""
    body = [f'{make_upn(801, 2000, 1, 1)},2023/24,1,6,F,N,"line one\nline two\nline three"',
            f"{make_upn(801, 2000, 1, 2)},2023/24,1,6,F,N,x",
            "Z801200001001,2023/24,1,6,F,N,y"]
    (tmp_path / "pupils.csv").write_text("UPN,Academic year,School,Year,Gender,G&T,Notes\n" + "\n".join(body) + "\n")
    d = load(tmp_path, today="2024-09-01")
    q = d.quality
    assert q.loc[q["column"] == "upn", "row"].tolist() == [4]            # Excel row 4 (text line 6)
    assert q["problem"].str.contains("row 3 starts on line 5").any()
    assert len(d.pupils) == 2 and d.accounting["rows_read"].tolist() == [3]


def test_runaway_quote_beyond_csv_limit_is_reported_not_raised(tmp_path):
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows())
    text = "UPN,Academic year,Term,Subject,Assessment,Score type,Score\n"
    text += f'{make_upn(801, 2000, 1, 1)},2023/24,Summer,"maths,KS2,ks2_scaled,104\n' + "x,y,z\n" * 30_000
    (tmp_path / "assessments.csv").write_text(text)
    d = load(tmp_path, today="2024-09-01")
    q = d.quality[d.quality["file"] == "assessments.csv"]
    assert q["action"].tolist() == ["file skipped"] and "stray quote mark near line 2" in q["problem"].iloc[0]


def test_pseudonymous_keys_kept_as_written_and_temporary_upns_noted(tmp_path):
    rows = pupil_rows(3)
    rows[0][0], rows[1][0], rows[2][0] = "  ab12CD ", "ab12cd", "X-99"
    write_csv(tmp_path / "pupils.csv", HEADER, rows)
    with pytest.raises(GTDataError, match="pupil_key='pseudonymous'"):
        load(tmp_path)
    d = load(tmp_path, pupil_key="pseudonymous")
    assert d.pupils["upn"].tolist() == ["ab12CD", "ab12cd", "X-99"]       # case kept: keys may be case-sensitive
    rows = pupil_rows(2)
    rows[1][0] = "G80120000101A"                                        # DfE worked example of a temporary UPN
    write_csv(tmp_path / "pupils.csv", HEADER, rows)
    q = load(tmp_path).quality
    temp = q[q["problem"].str.startswith("Temporary UPN")]
    assert temp[["row", "value", "action"]].values.tolist() == [[3, "G80120000101A", "noted"]]


def test_excel_empty_trailing_cells_are_not_short_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pupils"
    ws.append(["UPN", "Academic year", "School", "Year", "Gender", "G&T", "Notes"])
    for i in range(1, 4):
        ws.append([make_upn(801, 2000, 1, i), "2023/24", "1", 6, "F", "N"])      # no Notes cell at all
    wb.save(tmp_path / "pupils.xlsx")
    d = load(tmp_path)
    assert len(d.pupils) == 3 and d.quality["row"].isna().all(), d.quality              # no row-level notes


def test_optional_number_column_absent(tmp_path):
    """An assessments file without a score column (outcome codes only) loads: score derived, not a crash."""
    write_csv(tmp_path / "pupils.csv", HEADER, pupil_rows())
    write_csv(tmp_path / "assessments.csv", ["UPN", "Academic year", "Term", "Subject", "Assessment", "Score type",
                                             "Result"],
              [[make_upn(801, 2000, 1, 1), "2023/24", "Summer", "writing", "KS2", "ks2_ta", "EXS"]])
    d = load(tmp_path)
    assert d.assessments["score"].tolist() == [103.0] and str(d.assessments["score"].dtype) == "float64"


def _loaded(d):
    return {**d.tables, "quality": d.quality, "accounting": d.accounting, "sources": d.sources}


@pytest.mark.parametrize("blank_last_name", [False, True])
def test_parquet_read_by_column_equals_row_by_row(tmp_path, monkeypatch, blank_last_name):
    # Parquet bodies are turned into text column by column (once per distinct value); the former
    # path built a list of rows.  Same tables, quality report, accounting and sources, with typed
    # columns (dates, floats, bools, ints), blanks, NaN, bad UPNs and values that need repairing.
    from gtanalytics.data import _readers as readers

    p = pd.read_csv("data/sample/pupils.csv", dtype=str, keep_default_na=False).head(300)
    p.loc[3, "upn"] = "not a upn"
    p.loc[5, "sex"] = " m "
    p.loc[7:9, "surname"] = None
    p.loc[11] = None                                            # a blank row
    p["date_of_birth"] = pd.to_datetime(p["date_of_birth"], errors="coerce")
    p["year_group"] = pd.to_numeric(p["year_group"], errors="coerce")      # floats with NaN
    p["fsm"] = p["fsm"].map({"Y": True, "N": False, "TRUE": True, "FALSE": False, "1": True, "0": False})
    if blank_last_name:
        p[""] = None
    p.to_parquet(tmp_path / "pupils.parquet", index=False)
    by_column = _loaded(load(tmp_path, today="2026-01-01"))

    original = readers.parquet_block

    def row_by_row(path, label):
        block = original(path, label)
        block.materialise()
        return block

    monkeypatch.setattr(readers, "parquet_block", row_by_row)
    by_row = _loaded(load(tmp_path, today="2026-01-01"))
    assert len(by_column["quality"]) > 0
    for name, frame in by_row.items():
        pd.testing.assert_frame_equal(by_column[name], frame, check_exact=True, obj=name)


def test_csv_read_by_column_equals_row_by_row(tmp_path, monkeypatch):
    # Large unquoted CSVs whose rows all have the same width are split by column (pyarrow); the
    # result must equal the row-by-row reading: the whole sample set, plus files with a title row,
    # a two-row header, a blank column name, blank rows made of separators and values to repair.
    import shutil

    from gtanalytics.data import _readers as readers

    for f in Path("data/sample").glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    p = pd.read_csv("data/sample/pupils.csv", dtype=str, keep_default_na=False)
    p.loc[3, "upn"] = "not a upn"
    p.loc[5, "sex"] = " m "
    p.loc[7] = ""
    p[""] = ""
    sep = ";"
    lines = ["Pupil list exported 2024" + sep * (p.shape[1] - 1), sep.join(p.columns)]
    lines += [sep.join(r) for r in p.to_numpy().tolist()]
    (tmp_path / "pupils.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    monkeypatch.setattr(readers, "COLUMNAR_MIN_CHARS", 0)
    monkeypatch.setattr(readers, "_CHUNK_ROWS", 7)               # several chunks per file
    by_column = _loaded(load(tmp_path, today="2026-01-01"))
    monkeypatch.setattr(readers, "COLUMNAR_MIN_CHARS", 10**12)
    by_row = _loaded(load(tmp_path, today="2026-01-01"))
    assert len(by_column["quality"]) > 0
    for name, frame in by_row.items():
        pd.testing.assert_frame_equal(by_column[name], frame, check_exact=True, obj=name)
