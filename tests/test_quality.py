"""gtanalytics.data._quality: the problem log, the accounting balance and the plain-English report."""

import pandas as pd

from gtanalytics.data._io import load
from gtanalytics.data._quality import (ACCOUNTING_COLUMNS, QUALITY_COLUMNS, ProblemLog, accounting_table,
                                 format_problems, quality_summary, row_status)
from gtanalytics.data._upn import make_upn


def test_log_frame_columns_and_bulk_add():
    log = ProblemLog()
    log.add("a.csv", [2, 3, 4], "upn", pd.Series(["x", "y", "z"]), "bad", "excluded", "error")
    log.add("a.csv", None, None, None, "whole file note", "noted", "info")
    q = log.frame()
    assert tuple(q.columns) == QUALITY_COLUMNS
    assert q["row"].tolist()[:3] == [2, 3, 4] and pd.isna(q["row"].iloc[3])
    assert q["value"].tolist()[:3] == ["x", "y", "z"]


def test_accounting_counts_each_row_once():
    log = ProblemLog()
    log.add("a.csv", [2, 2, 3], ["upn", "sex", "sex"], None, "p", "excluded", "error")   # row 2 twice
    log.add("a.csv", [3, 4], "ethnicity", None, "p", "repaired", "warning")            # 3 also excluded
    reads = pd.DataFrame({"file": ["a.csv", "b.csv"], "table": ["pupils", "pupils"], "rows_read": [10, 5],
                          "skipped": [False, True]})
    acc = accounting_table(reads, log.frame())
    assert tuple(acc.columns) == ACCOUNTING_COLUMNS
    a = acc.set_index("file")
    assert a.loc["a.csv", "rows_excluded"] == 2 and a.loc["a.csv", "rows_used"] == 8
    assert a.loc["a.csv", "rows_repaired"] == 1                     # row 4 only: row 3 was excluded
    assert a.loc["b.csv", "rows_excluded"] == 5 and a.loc["b.csv", "rows_used"] == 0
    st = row_status(log.frame())
    assert len(st) == 3


def test_format_groups_repeats_and_orders_by_severity():
    log = ProblemLog()
    log.add("p.csv", [5, 6, 7], "ethnicity", ["XX"] * 3, "ethnicity must be a code.", "repaired", "warning")
    log.add("p.csv", [14], "upn", ["Z801200001001"], "UPN invalid (wrong check letter at character 1): expected H.",
            "excluded", "error")
    text = format_problems(log.frame())
    first, second = text.splitlines()
    assert first.startswith("ERROR p.csv row 14, column upn: 'Z801200001001'") and "[row excluded]" in first
    assert "rows 5, 6, 7 (3 rows)" in second and "'XX'" in second
    assert len(format_problems(log.frame(), group_repeats=False).splitlines()) == 4
    assert "1 more" in format_problems(log.frame(), max_rows=1)
    assert format_problems(log.frame(), min_severity="error").count("\n") == 0


def test_quality_summary_on_loaded_data(tmp_path):
    lines = ["UPN,Academic year,School,Year,Gender,G&T",
             f"{make_upn(801, 2000, 1, 1)},2023/24,1,6,F,Y",
             "Z801200001001,2023/24,1,6,F,N",
             f"{make_upn(801, 2000, 1, 3)},2023/24,1,6,X,N"]
    (tmp_path / "pupils.csv").write_text("\n".join(lines) + "\n")
    s = quality_summary(load(tmp_path)).iloc[0]
    assert (s["rows_read"], s["rows_used"], s["rows_excluded"], s["errors"]) == (3, 1, 2, 2)
