"""Builds leave nothing behind and never mix (issue 17).

A tiny notebook stands in for the governor report so each build takes seconds: the pupil data for the kernels
lives in a private folder that is gone after the build, after SIGTERM and after Ctrl-C (a real process is
started and signalled), and after SIGKILL at the next build; reports are moved into place only when the
batch is done, with a manifest written last; two builds cannot write one folder at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from gtanalytics import __version__, report
from gtanalytics.errors import GTDataError

SCHOOL = "8862101"
FOLDER = "oakfield-primary"   # its reports folder: named for people


def tiny_notebook(path: Path, body: str = 'print("fine")') -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'data_path: str = ""\nschool: "Optional[str]" = None\nyears: "Optional[list[str]]" = None\n'
        'threshold: int = 6\naudience: str = "governors"\ninteractive: bool = False\ndata_cache: str = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "gtanalytics", "display_name": "gtanalytics", "language": "python"}
    nbformat.write(nb, path)
    return path


def private_root(tmp: Path) -> Path:
    return tmp / f"gtanalytics-{os.getuid()}"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` and its bytes (the lock file, which holds the last builder's pid, left out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".gtanalytics.lock"}


def a_dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    """A small trust: one sample school and 60 of its pupils (loads in a moment; the real build is test_report's)."""
    src, out = Path(__file__).resolve().parents[1] / "data" / "sample", tmp_path_factory.mktemp("mini")
    for name in ("schools.csv", "pupils.csv"):
        lines = (src / name).read_text(encoding="utf-8").splitlines()
        keep = [ln for ln in lines[1:] if SCHOOL in ln.split(",")[:3]][:60]
        (out / name).write_text("\n".join([lines[0], *keep]) + "\n", encoding="utf-8")
    return out


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """This test's own temporary folder (so builds under pytest-xdist do not see each other's)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr("tempfile.tempdir", None)   # re-read TMPDIR
    return tmp


def test_a_build_publishes_with_a_manifest_and_leaves_no_pupil_data(sample_dir, tmp_path, private_tmp):
    nb = tiny_notebook(tmp_path / "tiny.ipynb",
                       "import os\nassert os.path.exists(data_cache)\nprint(oct(os.stat(os.path.dirname(data_cache)).st_mode & 0o777))")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the school's own file", encoding="utf-8")
    (out / "8872101").mkdir()                        # a folder of an earlier build without a manifest: left alone
    dead = a_dead_pid()                              # what builds killed with SIGKILL left behind
    stale_work = private_root(private_tmp) / f"build-{dead}-x"
    stale_work.mkdir(parents=True)
    (stale_work / "trust-data.pickle").write_bytes(b"pupil data")
    stale_stage = out / f".gtanalytics-building-{dead}-y"
    (stale_stage / SCHOOL).mkdir(parents=True)
    summary = report.build_reports(sample_dir, out, schools=[SCHOOL], notebooks=[nb], progress=False, jobs=1)
    assert summary["status"].tolist() == ["ok"], summary["error"].tolist()
    assert not stale_work.exists() and not stale_stage.exists()
    root = private_root(private_tmp)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700 and list(root.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == [".gtanalytics.lock", "8872101", "manifest.json", "notes.txt",
                                                     FOLDER]
    html = (out / FOLDER / "tiny.html").read_text(encoding="utf-8")
    assert "0o700" in html                           # the kernel read the pupil data from a 0700 folder
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = sorted(p for p in Path(sample_dir).iterdir() if p.is_file() and not p.name.startswith("."))
    each = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    total = hashlib.sha256("".join(f"{n}\0{h}\n" for n, h in each.items()).encode()).hexdigest()
    assert manifest["input"] == {"sha256": total, "files": each}
    assert manifest["gtanalytics_version"] == __version__ and manifest["audience"] == "governors"
    assert manifest["schools"] == [{"school": SCHOOL, "folder": FOLDER, "status": "ok", "reason": "",
                                    "files": ["tiny.html"], "checks_passed": ["privacy check of tiny.html: passed"]}]

    # a second build into the same folder, where the school now fails: its old report goes, the
    # manifest says why without naming anyone, and nothing of the first build is mixed in
    leaky = tiny_notebook(tmp_path / "tiny.ipynb", "from gtanalytics.data._io import load\n"
                          "p = load(data_path).pupils.iloc[0]\nprint(p.forename, p.surname)")
    summary = report.build_reports(sample_dir, out, schools=[SCHOOL], notebooks=[leaky], progress=False, jobs=1)
    assert summary["status"].tolist() == ["failed"] and "report withheld" in summary.loc[0, "error"]
    assert "name '" in summary.loc[0, "error"]      # the person building is told which name, and where
    assert not (out / FOLDER).exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schools"][0]["reason"] == "privacy check failed for tiny (HTML), report withheld: 1 name"
    assert list(private_root(private_tmp).iterdir()) == []
    assert not any(p.name.startswith(".gtanalytics-building-") for p in out.iterdir())


SCRIPT = f"""
import sys
from gtanalytics.report._build import build_reports
build_reports(sys.argv[1], sys.argv[2], schools=["{SCHOOL}"], notebooks=[sys.argv[3]], progress=False, jobs=1)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_build_stopped_by_a_signal_leaves_no_pupil_data_and_no_mixed_output(sample_dir, tmp_path, signum):
    """Start a real build, stop it while its kernel runs, and look at the temporary and output folders."""
    tmp, out = tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    (out / FOLDER).mkdir(parents=True)               # the previous build, complete
    (out / FOLDER / "tiny.html").write_text("previous report", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({"schools": [{"folder": FOLDER}]}), encoding="utf-8")
    before = snapshot(out)
    started = tmp_path / "started"
    nb = tiny_notebook(tmp_path / "tiny.ipynb", f"import time\nopen({str(started)!r}, 'w').close()\n"
                                                "for _ in range(300):\n    time.sleep(0.1)")
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(sample_dir), str(out), str(nb)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not started.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the build did not start its kernel"
            time.sleep(0.2)
        pickles = list(private_root(tmp).glob("build-*/trust-data.pickle"))
        assert len(pickles) == 1                     # the pupil data is there while the build runs ...
        assert any(p.name.startswith(".gtanalytics-building-") for p in out.iterdir())
        proc.send_signal(signum)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0
    if signum == signal.SIGTERM:
        assert proc.returncode == -signal.SIGTERM    # ended by the signal, as without the handler
    assert list(private_root(tmp).iterdir()) == []   # ... and gone after the signal
    assert snapshot(out) == before                   # the previous build, untouched, no half-built folder
    assert sorted(p.name for p in out.iterdir()) == [".gtanalytics.lock", "manifest.json", FOLDER]


def test_two_builds_cannot_write_one_folder(sample_dir, tmp_path, private_tmp, monkeypatch):
    started, release = tmp_path / "started", tmp_path / "release"
    slow = tiny_notebook(tmp_path / "slow.ipynb", f"import os, time\nopen({str(started)!r}, 'w').close()\n"
                                                  f"for _ in range(600):\n    if os.path.exists({str(release)!r}):\n"
                                                  "        break\n    time.sleep(0.1)")
    out = tmp_path / "out"
    results = {}
    first = threading.Thread(target=lambda: results.setdefault(
        "first", report.build_reports(sample_dir, out, schools=[SCHOOL], notebooks=[slow], progress=False, jobs=1)))
    first.start()
    deadline = time.monotonic() + 90
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    monkeypatch.setattr(report, "LOCK_WAIT_SECONDS", 0.5)
    try:
        with pytest.raises(GTDataError, match=rf"Another build is writing reports to .*out \(process {os.getpid()}\)"):
            report.build_reports(sample_dir, out, schools=[SCHOOL], notebooks=[slow], progress=False, jobs=1)
    finally:
        release.touch()
        first.join()
    assert results["first"]["status"].tolist() == ["ok"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["school"] for s in manifest["schools"]] == [SCHOOL]
