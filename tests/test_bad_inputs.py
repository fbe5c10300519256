"""Bad input never crashes gtanalytics and never silently changes an answer.

The corpus (``tests/badinputs.py``) breaks a clean extract of the committed sample in
the ways real MIS exports break.  For every case this checks:

1. the outcome: ``GTDataError`` with a plain-English message, or a ``SchoolData``;
2. the quality rows that must be there name the file, row, column and value;
3. exactly the expected rows are excluded, and every file balances
   (rows_read == rows_used + rows_excluded), with rows_read counted independently
   from the file's lines where that is simple;
4. every used row equals the clean extract's row with the same key (only the
   values a case declares "blanked" may differ, and only by being blank);
5. the KS2 answer is unchanged: each used KS2 scaled score, and their mean, equal
   the scores of the same pupils and subjects read straight from
   ``data/sample/assessments.csv`` with plain pandas (an implementation independent
   of the loader).

``gtanalytics validate``'s report and exit code are checked on every case that
states one (``cli.validation_report`` on the loaded data), and the command is run
in a subprocess on three cases (exit codes, messages, no traceback).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from badinputs import (SAMPLE, TODAY, clean_extract, corpus, huge_assessments, real_export_cases, row_of,
                       upns_vectorised, write_all)
from gtanalytics import cli
from gtanalytics.errors import GTDataError
from gtanalytics.data._io import load
from gtanalytics.data.schemas import TABLES
from gtanalytics.data._upn import upn_problem

if not (SAMPLE / "assessments.csv").exists():          # pragma: no cover
    pytest.skip("data/sample has not been generated", allow_module_level=True)

EX = clean_extract()
CASES = corpus(EX)
BY_ID = {c.id: c for c in CASES}
WHOLE_ROW = ("Blank row", "Exact copy", "values but the header has", "runs from line", "Repeated header row",
             "Footer row")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return load(write_all(tmp_path_factory.mktemp("clean"), EX), today=TODAY)


@pytest.fixture(scope="module")
def sample_ks2() -> pd.Series:
    """KS2 scaled scores of 2023/24 by (upn, subject), read with plain pandas."""
    a = pd.read_csv(SAMPLE / "assessments.csv", dtype=str, keep_default_na=False)
    a = a[(a["score_type"] == "ks2_scaled") & (a["academic_year"] == "2023/24")]
    return pd.to_numeric(a["score"]).set_axis(pd.MultiIndex.from_arrays([a["upn"], a["subject"]]))


def build(case, tmp_path) -> Path:
    return case.build(tmp_path, {k: v.copy() for k, v in EX.items()})


def line_count_rows(path: Path, case) -> dict[str, int]:
    """Data rows of each simple CSV (UTF-8, no quote marks) counted from its lines: the independent rows_read."""
    out = {}
    folder = path if path.is_dir() else path.parent
    for f in folder.glob("*.csv"):
        try:
            text = f.read_bytes().decode("utf-8").rstrip("\x00")
        except UnicodeDecodeError:
            continue
        if '"' in text:
            continue
        header = 3 if case.id == "title_rows" and f.name == "pupils.csv" else 2 if text.startswith("sep=") else 1
        out[f.name] = max(len(text.splitlines()) - header, 0)
    return out


def check_problems(d, case):
    q = d.quality
    for pr in case.problems:
        m = (q["file"] == pr.file) & (q["action"] == pr.action)
        m &= q["row"].isna() if pr.row is None else (q["row"] == pr.row).fillna(False)
        if pr.column is not None:
            m &= (q["column"] == pr.column).fillna(False)
        if pr.value is not None:
            m &= (q["value"] == pr.value).fillna(False)
        if pr.text:
            m &= q["problem"].str.contains(pr.text, regex=False).fillna(False)
        assert m.any(), (pr, q[q["file"] == pr.file].to_string())
    rowlevel = q[q["row"].notna() & q["action"].isin(["excluded", "repaired"])]
    assert rowlevel["file"].notna().all()
    named = ~rowlevel["problem"].str.contains("|".join(WHOLE_ROW), regex=True)
    assert rowlevel.loc[named, "column"].notna().all(), rowlevel[named & rowlevel["column"].isna()]
    assert rowlevel.loc[named, "value"].notna().all(), rowlevel[named & rowlevel["value"].isna()]


def check_accounting(d, case, path):
    acc = d.accounting
    assert (acc["rows_read"] == acc["rows_used"] + acc["rows_excluded"]).all(), acc
    assert (acc["rows_repaired"] <= acc["rows_used"]).all()
    for name, df in d.tables.items():
        assert len(df) == acc.loc[acc["table"] == name, "rows_used"].sum(), name
    q = d.quality
    rows = q[(q["action"] == "excluded") & q["row"].notna()]
    got = {(f, int(r)) for f, r in rows[["file", "row"]].itertuples(index=False)}
    want = {(f, r) for f, rows in case.excluded.items() for r in rows}
    assert got == want, (sorted(got - want)[:5], sorted(want - got)[:5])
    a = acc.set_index("file")
    skipped = set(q.loc[q["action"] == "file skipped", "file"])
    for f in a.index:
        want_n = a.loc[f, "rows_read"] if f in skipped else len(case.excluded.get(f, ()))
        assert a.loc[f, "rows_excluded"] == want_n, (f, a.loc[f])
    for f, n in line_count_rows(path, case).items():
        assert a.loc[f, "rows_read"] == n, (f, a.loc[f, "rows_read"], n)


def check_unchanged(d, clean, case):
    """Every used row equals the clean row with the same key (rekeyed, blanked columns aside)."""
    for name in ("pupils", "assessments", "attendance", "interventions"):
        got, ref = d.tables[name], clean.tables[name].copy()
        if got.empty:
            continue
        if case.rekey:
            ref["upn"] = ref["upn"].map(lambda u: case.rekey.get(u, u)).astype("string")
        key = list(TABLES[name].key)
        m = got.merge(ref, on=key, how="left", suffixes=("", "_ref"), indicator=True)
        assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", key]
        assert len(m) == len(got)                               # the key is unique in the clean extract
        for c in (c.name for c in TABLES[name].columns if c.name not in key):
            a, b = m[c], m[c + "_ref"]
            same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy(dtype=bool)
            if (name, c) in case.blanked:
                same |= a.isna().to_numpy(dtype=bool)
            if (name, c) in case.altered:
                continue
            assert same.all(), (name, c, m.loc[~same, key + [c, c + "_ref"]].head())
    for name, i, col, value in case.values:
        row = clean.tables[name].iloc[i]                      # the clean table keeps the extract's order
        hit = d.tables[name]
        for k in TABLES[name].key:
            hit = hit[(hit[k] == case.rekey.get(row[k], row[k])).fillna(False)]
        got = hit[col].tolist()
        assert got == [value] or (value is pd.NA and len(got) == 1 and pd.isna(got[0])), (name, i, col, got)


def check_ks2(d, case, sample_ks2):
    a = d.assessments[d.assessments["score_type"] == "ks2_scaled"]
    back = {v: k for k, v in case.rekey.items()}
    upn = a["upn"].map(lambda u: back.get(u, u))
    idx = pd.MultiIndex.from_arrays([upn, a["subject"]])
    assert idx.isin(sample_ks2.index).all(), "a used KS2 row has no counterpart in the sample"
    ref = sample_ks2.reindex(idx)
    assert np.array_equal(a["score"].to_numpy(dtype=float), ref.to_numpy(dtype=float), equal_nan=True)
    if len(a):
        assert a["score"].mean() == pytest.approx(ref.mean(), rel=1e-12)    # pandas skips blank scores
        dropped = sum(1 for f, rows in case.excluded.items() if f.startswith("assessments") for _ in rows)
        assert len(a) >= len(EX["assessments"]) - dropped


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, tmp_path, clean, sample_ks2):
    path = build(case, tmp_path)
    if case.raises:
        with pytest.raises(GTDataError, match=case.raises):
            load(path, today=TODAY, **case.load_kwargs)
        return
    d = load(path, today=TODAY, **case.load_kwargs)
    check_problems(d, case)
    check_accounting(d, case, path)
    check_unchanged(d, clean, case)
    check_ks2(d, case, sample_ks2)
    if case.usable is not None:
        assert d.usable == case.usable, d.summary()
    if case.cli is not None:                      # what `gtanalytics validate` prints and returns for these data
        text, code = cli.validation_report(d, path=path)
        assert code == case.cli, text


def test_clean_extract_is_clean(clean):
    assert clean.usable and clean.accounting["rows_excluded"].sum() == 0
    assert (clean.quality["severity"] != "warning").all(), clean.quality
    assert len(clean.assessments) == len(EX["assessments"]) > 150


def test_validate_in_process_when_nothing_usable(tmp_path, capsys):
    """GTDataError becomes exit code 1 and a plain message; bad options exit 2."""
    path = build(BY_ID["empty_pupils"], tmp_path)
    assert cli.main(["validate", str(path), "--today", "2024-09-01"]) == 1
    out = capsys.readouterr()
    assert "No usable pupils table" in out.out and "Traceback" not in out.out + out.err
    assert cli.main(["validate", str(path), "--pupil-key", "hash"]) == 2
    assert cli.main(["validate", str(path), "--today", "next Tuesday"]) == 2
    assert "is not a date" in capsys.readouterr().err


@pytest.mark.parametrize("case_id", ["stray_quote", "pseudonymous_default", "pseudonymous_opt_in"])
def test_validate_subprocess(case_id, tmp_path):
    case = BY_ID[case_id]
    path = build(case, tmp_path)
    opts = ["--pupil-key", case.load_kwargs["pupil_key"]] if "pupil_key" in case.load_kwargs else []
    proc = subprocess.run([sys.executable, "-m", "gtanalytics.cli", "validate", str(path), "--today", "2024-09-01",
                           *opts], capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    assert proc.returncode == case.cli, out
    if case_id == "pseudonymous_default":
        assert "--pupil-key pseudonymous" in out
    if case_id == "stray_quote":
        assert f"pupils.csv row {row_of(40)}" in out and "stray quote" in out


@pytest.mark.parametrize("seed", range(4))
def test_random_damage_never_crashes(seed, tmp_path):
    """Random bytes inserted and cut (quotes, separators, line breaks, NULs, BOMs, invalid UTF-8):
    the only exception is GTDataError, and every file still balances.  (An ad-hoc run of 150
    such folders found the crash on a missing optional number column, now fixed.)"""
    rng = np.random.default_rng(seed)
    junk = [b'"', b",", b"\n", b"\r", b"\x00", b";", b"\t", b"\xff", b"\xe9", b'""', b"\xef\xbb\xbf", b"\xff\xfe"]
    small = {k: v.head(15) for k, v in EX.items()}
    write_all(tmp_path, small)
    for f in tmp_path.glob("*.csv"):
        b = bytearray(f.read_bytes())
        for _ in range(int(rng.integers(1, 12))):
            pos = int(rng.integers(0, len(b) + 1))
            op = rng.random()
            if op < 0.4:
                b[pos:pos] = junk[int(rng.integers(len(junk)))]
            elif op < 0.7:
                del b[pos:pos + int(rng.integers(1, 30))]
            else:
                b[pos:pos] = rng.integers(0, 256, int(rng.integers(1, 5))).astype(np.uint8).tobytes()
        f.write_bytes(bytes(b))
    try:
        d = load(tmp_path, today=TODAY)
    except GTDataError:
        return
    acc = d.accounting
    assert (acc["rows_read"] == acc["rows_used"] + acc["rows_excluded"]).all()
    for name, df in d.tables.items():
        assert len(df) == acc.loc[acc["table"] == name, "rows_used"].sum()


def test_pupil_key_option_is_checked(tmp_path):
    with pytest.raises(GTDataError, match="pupil_key must be"):
        load(write_all(tmp_path, EX), pupil_key="hash")
    with pytest.raises(GTDataError, match="is not a date"):
        load(tmp_path, today="next Tuesday")


def test_huge_file_accounting(tmp_path):
    """300,000 KS2 rows, every 1,000th score impossible (130): exactly those excluded, the mean unchanged.

    The independent answer is numpy's mean of the generated scores without the bad ones.
    Time is only sanity-checked (generous bound; the development machine took ~6 s while shared).
    """
    n, every = 300_000, 1_000
    some = upns_vectorised(n)[::4999]                     # the numpy UPN maker agrees with the scalar DfE rule
    assert all(upn_problem(u) is None for u in some) and len(set(upns_vectorised(n))) == n
    write_all(tmp_path, EX, skip=("assessments",))
    text, bad_rows, scores = huge_assessments(n, every)
    (tmp_path / "assessments.csv").write_text(text, encoding="utf-8")
    t = time.perf_counter()
    d = load(tmp_path, today=TODAY)
    elapsed = time.perf_counter() - t
    acc = d.accounting.set_index("file").loc["assessments.csv"]
    assert (acc["rows_read"], acc["rows_used"], acc["rows_excluded"]) == (n, n - len(bad_rows), len(bad_rows))
    q = d.quality
    excl = q[(q["file"] == "assessments.csv") & (q["action"] == "excluded")]
    assert set(excl["row"].astype(int)) == bad_rows and (excl["value"] == "130").all()
    good = np.delete(scores, np.arange(0, n, every))
    assert d.assessments["score"].mean() == pytest.approx(good.mean(), rel=1e-12)
    assert elapsed < 120, elapsed


@pytest.mark.parametrize("case", real_export_cases(EX), ids=[c.id for c in real_export_cases(EX)])
def test_validate_prints_each_repair_or_rejection(case, tmp_path):
    """`gtanalytics validate` names what it repaired or rejected for each form of issue 16 (not only the log)."""
    d = load(build(case, tmp_path), today=TODAY, **case.load_kwargs)
    text, _ = cli.validation_report(d, max_problems=500)
    q = d.quality
    for pr in case.problems:
        if pr.text and not (q["problem"].str.contains(pr.text, regex=False).fillna(False)
                            & (q["severity"] == "info")).any():
            assert pr.text in text, (pr, text)


def _fake_reports(monkeypatch, calls):
    import types

    def fake_build_reports(*, data, out, schools, pdf, audience, **load_and_build_options):
        calls.append(out)
        return pd.DataFrame({"school": ["8862101"], "status": ["ok"], "seconds": [1.0], "error": [None]})

    monkeypatch.setitem(sys.modules, "gtanalytics.report",
                        types.SimpleNamespace(build_reports=fake_build_reports, missing_report_tools=list))


def test_report_prints_validation_first_and_a_data_note(monkeypatch, tmp_path, capsys):
    calls = []
    _fake_reports(monkeypatch, calls)
    (tmp_path / "in").mkdir()
    data = build(BY_ID["percent_scores"], tmp_path / "in")
    assert cli.main(["report", "--data", str(data), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Checked {len(list(data.glob('*.csv')))} file(s)"), out[:200]
    assert out.index("ERROR assessments.csv") < out.index("Reports written")
    assert "Data note: 2 assessments rows" in out and calls
    assert cli.main(["report", "--data", str(data), "--out", str(tmp_path / "out2"), "--strict"]) == 1
    assert "--strict: no report was built" in capsys.readouterr().out and len(calls) == 1


def test_report_refuses_when_every_register_pupil_was_excluded(monkeypatch, tmp_path, capsys):
    calls = []
    _fake_reports(monkeypatch, calls)
    ex = {k: v.copy() for k, v in EX.items()}
    on = ex["pupils"]["gt_register"] == "Y"
    ex["pupils"].loc[on, "upn"] = ex["pupils"].loc[on, "upn"].str[:12]      # every register UPN lost a character
    write_all(tmp_path, ex)
    assert cli.main(["report", "--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "no pupil in the data used is on the G&T register" in out and f"{int(on.sum())} pupil row(s)" in out
    assert not calls


@pytest.mark.parametrize("kind", ["file", "under_file", "read_only"])
def test_report_bad_out_folder_plain_message(monkeypatch, tmp_path, capsys, kind):
    calls = []
    _fake_reports(monkeypatch, calls)
    (tmp_path / "in").mkdir()
    data = write_all(tmp_path / "in", EX)
    (tmp_path / "a_file").write_text("x")
    out = {"file": tmp_path / "a_file", "under_file": tmp_path / "a_file" / "reports",
           "read_only": tmp_path / "locked" / "reports"}[kind]
    if kind == "read_only":
        (tmp_path / "locked").mkdir(mode=0o500)
        if os.access(tmp_path / "locked", os.W_OK):             # running as root: permissions are not enforced
            pytest.skip("permissions are not enforced for this user")
    assert cli.main(["report", "--data", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "fault in gtanalytics" not in err and not calls
