"""The gtanalytics command: exit codes, plain-English messages, never a traceback.

Run as a separate process (``python -m gtanalytics.cli``), as a user would.
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gtanalytics import cli
from gtanalytics.errors import GTDataError
from gtanalytics.data._io import SchoolData
from gtanalytics.data._upn import make_upn

HEADER = "UPN,Academic year,School ID,Year,Forename,Gender,Ever 6 FSM,G&T"


def run(*args):
    proc = subprocess.run([sys.executable, "-m", "gtanalytics.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    return proc.returncode, out


def clean_folder(path: Path) -> Path:
    rows = [f"{make_upn(801, 2000, 1, i)},2023/24,100001,6,Ann,F,N,{'Y' if i == 1 else 'N'}" for i in range(1, 5)]
    (path / "pupils.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    (path / "assessments.csv").write_text(
        "UPN,Academic year,Term,Subject,Assessment,Score type,Score\n"
        f"{make_upn(801, 2000, 1, 1)},2023/24,Summer,maths,KS2,ks2_scaled,104\n", encoding="utf-8")
    return path


def test_validate_clean_folder_exits_0(tmp_path):
    code, out = run("validate", clean_folder(tmp_path))
    assert code == 0, out
    assert "pupils.csv (pupils): read 4, used 4, repaired 0, excluded 0" in out


def test_validate_problems_exit_1_with_file_row_column(tmp_path):
    clean_folder(tmp_path)
    with open(tmp_path / "pupils.csv", "a") as f:
        f.write("Z801200001001,2023/24,100001,6,Bad,F,N,N\n")                            # row 6
        f.write(f"{make_upn(801, 2000, 1, 2)},2023/24,100001,6,Ann,M,N,N\n")             # row 7 conflicts row 3
    (tmp_path / "assessments.csv").write_text(
        "UPN,Academic year,Term,Subject,Assessment,Score type,Score\n"
        f"{make_upn(801, 2000, 1, 1)},2023/24,Summer,maths,KS2,ks2_scaled,abc\n")
    (tmp_path / "attendance.csv").write_text("UPN,Academic year,Period\n"
                                             f"{make_upn(801, 2000, 1, 1)},2023/24,Autumn\n")
    code, out = run("validate", tmp_path)
    assert code == 1, out
    assert "pupils.csv row 6, column upn: 'Z801200001001'" in out and "expected H" in out
    assert "assessments.csv row 2, column score: 'abc'" in out and "must be a number" in out
    assert "attendance.csv" in out and "possible_sessions" in out and "file skipped" in out
    assert "Conflicting duplicate" in out and "pupils.csv row 3" in out and "pupils.csv row 7" in out


def test_validate_usage_errors_exit_2(tmp_path, capsys):
    """Usage errors exit 2 with a message, no traceback (in-process; the subprocess tests above cover a real run)."""
    def code(*args):
        try:
            return cli.main([str(a) for a in args])
        except SystemExit as exc:           # argparse's own usage errors
            return exc.code

    assert code("validate", tmp_path / "nope") == 2
    assert code("validate") == 2
    assert code("validate", clean_folder(tmp_path), "--mapping", tmp_path / "none.yml") == 2
    assert code() == 2
    assert "Traceback" not in capsys.readouterr().err


def test_validate_no_pupils_exit_1_plain_message(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    code, out = run("validate", tmp_path)
    assert code == 1 and "No usable pupils table" in out


def test_unexpected_error_is_caught(monkeypatch, tmp_path, capsys):
    import gtanalytics.data

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(gtanalytics.data, "load", boom)
    assert cli.main(["validate", str(clean_folder(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "kaboom" in err and "please report" in err.lower()


@pytest.mark.parametrize("statuses,code", [(["ok", "ok"], 0), (["ok", "failed"], 1)])
def test_report_calls_build_reports(monkeypatch, tmp_path, capsys, statuses, code):
    import types

    calls = {}

    def fake_build_reports(**kwargs):
        assert isinstance(kwargs.pop("loaded"), SchoolData)  # the data validated once, handed on
        calls.update(kwargs)
        return pd.DataFrame({"school": ["100001", "100002"], "status": statuses, "seconds": [1.0, 2.0],
                             "error": [None, None if statuses[1] == "ok" else "kernel died"]})

    monkeypatch.setitem(sys.modules, "gtanalytics.report",
                        types.SimpleNamespace(build_reports=fake_build_reports, missing_report_tools=list))
    clean_folder(tmp_path)
    mapping = tmp_path / "headers.yml"
    mapping.write_text("columns: {}\n", encoding="utf-8")
    argv = ["report", "--data", str(tmp_path), "--out", str(tmp_path / "out"), "--school", "100001",
            "--school", "100002", "--pdf", "--audience", "leaders", "--mapping", str(mapping),
            "--pupil-key", "pseudonymous", "--today", "2024-09-01", "--years", "2022/23", "2023/24",
            "--threshold", "10", "--jobs", "1"]
    assert cli.main(argv) == code
    assert calls == {"data": str(tmp_path), "out": str(tmp_path / "out"), "schools": ["100001", "100002"],
                     "pdf": True, "audience": "leaders", "mapping": str(mapping), "pupil_key": "pseudonymous",
                     "today": "2024-09-01", "years": ["2022/23", "2023/24"], "threshold": 10, "jobs": 1}
    printed = capsys.readouterr().out
    assert "100002" in printed and (code == 0 or "kernel died" in printed)


def test_report_defaults(monkeypatch, tmp_path):
    import types

    calls = {}

    def fake_build_reports(**kwargs):
        assert isinstance(kwargs.pop("loaded"), SchoolData)  # the data validated once, handed on
        calls.update(kwargs)
        return pd.DataFrame({"school": ["100001"], "status": ["ok"], "seconds": [1.0], "error": [""]})

    monkeypatch.setitem(sys.modules, "gtanalytics.report",
                        types.SimpleNamespace(build_reports=fake_build_reports, missing_report_tools=list))
    clean_folder(tmp_path)
    assert cli.main(["report", "--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    assert calls == {"data": str(tmp_path), "out": str(tmp_path / "out"), "schools": None, "pdf": False,
                     "audience": "governors", "mapping": None, "pupil_key": "upn", "today": None, "years": None,
                     "threshold": 6, "jobs": 2}


@pytest.mark.parametrize("extra", [["--mapping", "none.yml"], ["--today", "someday"], ["--pupil-key", "hash"],
                                   ["--threshold", "0"], ["--threshold", "six"], ["--jobs", "3"], ["--years"]])
def test_report_usage_errors_exit_2_like_validate(tmp_path, capsys, extra):
    """report checks the load options as validate does (a missing mapping file is a usage error), before any work."""
    if extra[0] == "--mapping":
        extra = ["--mapping", str(tmp_path / "none.yml")]
    assert cli.main(["report", "--data", str(tmp_path), "--out", str(tmp_path / "out"), *extra]) == 2
    assert cli.main(["validate", str(tmp_path), *extra]) == 2 or extra[0] not in {"--mapping", "--today",
                                                                                   "--pupil-key"}
    assert not (tmp_path / "out").exists()


def test_version():
    import gtanalytics

    code, out = run("--version")
    assert code == 0 and out.strip() == f"gtanalytics {gtanalytics.__version__}"


def test_report_mapping_reads_like_validate(tmp_path, monkeypatch):
    """A header renamed in the MIS is read through --mapping by validate and, the same way, by report."""
    import gtanalytics.data

    (tmp_path / "exports").mkdir()
    folder = clean_folder(tmp_path / "exports")
    text = (folder / "pupils.csv").read_text(encoding="utf-8").replace("Forename", "Name known by")
    (folder / "pupils.csv").write_text(text, encoding="utf-8")
    mapping = tmp_path / "headers.yml"
    mapping.write_text("columns:\n  forename: [Name known by]\n", encoding="utf-8")
    assert gtanalytics.data.load(folder).pupils["forename"].isna().all()   # not read without the mapping
    code, out = run("validate", folder, "--mapping", mapping)
    assert code == 0, out

    real_load, seen = gtanalytics.data.load, []

    def load_then_stop(path, **options):          # the real load, then stop before any notebook runs
        seen.append(real_load(path, **options))
        raise GTDataError("stop here")

    monkeypatch.setattr(gtanalytics.data, "load", load_then_stop)
    assert cli.main(["report", "--data", str(folder), "--out", str(tmp_path / "out"), "--mapping", str(mapping)]) == 1
    assert seen[0].pupils["forename"].eq("Ann").all()


def test_report_missing_data_exit_2(tmp_path):
    assert cli.main(["report", "--data", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.mark.skipif(not list(SAMPLE.glob("*.csv")), reason="data/sample has no CSVs yet")
def test_validate_sample_exits_0():
    code, out = run("validate", SAMPLE)
    assert code == 0, out


def test_validate_new_options(tmp_path):
    """--pupil-key and --today: wrong values are usage errors (exit 2); a valid run reports temporary UPNs."""
    clean_folder(tmp_path)
    assert cli.main(["validate", str(tmp_path), "--pupil-key", "hash"]) == 2
    assert cli.main(["validate", str(tmp_path), "--today", "someday"]) == 2
    with open(tmp_path / "pupils.csv", "a") as f:
        f.write("G80120000101A,2023/24,100001,6,Tem,F,N,N\n")            # DfE temporary UPN example, row 6
    from gtanalytics.data._io import load

    text, code = cli.validation_report(load(tmp_path, today="2024-09-01"), path=tmp_path)
    assert code == 0 and "pupils.csv row 6, column upn: 'G80120000101A' - Temporary UPN" in text
    assert cli.main(["validate", str(tmp_path), "--today", "2024-09-01", "--pupil-key", "pseudonymous"]) == 0


def test_report_unknown_year_or_school_exit_1_before_building(sample_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["report", "--data", str(sample_dir), "--out", str(out), "--years", "1999/00"]) == 1
    assert "Year(s) ['1999/00'] are not in the data" in capsys.readouterr().err
    assert cli.main(["report", "--data", str(sample_dir), "--out", str(out), "--school", "000000"]) == 1
    assert "School(s) ['000000'] are not in the data" in capsys.readouterr().err
    assert not out.exists()


def test_report_without_the_report_extra_says_what_to_install(monkeypatch, tmp_path, capsys):
    """The library installs without papermill; `gtanalytics report` then names the extra, without a traceback."""
    from gtanalytics.report import _build as report

    monkeypatch.setitem(sys.modules, "papermill", None)        # as if papermill were not installed
    assert report.missing_report_tools() == ["papermill"]
    assert cli.main(["report", "--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert 'pip install "gtanalytics[report]"' in capsys.readouterr().err
    with pytest.raises(ImportError, match=r"gtanalytics\[report\]"):
        report.build_reports(tmp_path, tmp_path / "out")
