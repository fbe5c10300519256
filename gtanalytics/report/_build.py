"""The report pipeline: notebooks in, governor reports (HTML and PDF) out.

For each school, :func:`build_reports` executes the report notebooks with
papermill, in a kernel started with the Python interpreter that runs
gtanalytics (no Jupyter kernel needs to be installed), exports HTML with nbconvert with all code
removed and every image embedded, checks every governor report for personal
data and small groups (:func:`gtanalytics.disclosure.check_report_privacy`) and,
when asked, prints it to PDF with Debian's headless chromium (no LaTeX, no
browser download) and checks the PDF's text too. A report that fails a check
is deleted. A batch over many schools prints one line per school, keeps going
when a school fails and returns a summary table (its caller prints it). At
most two kernels run at once. Builds are safe: pupil data for the kernels in a
private temporary folder that is always removed, reports moved into place
only when the batch is done, a lock on the output folder and a manifest
(:func:`build_reports`).

Reports are reproducible: the same inputs give the same HTML apart from the
"generated on" date (images are PNG without a creation date, see
:func:`gtanalytics.plotting.set_style`).

This module does not import matplotlib; papermill and nbconvert are imported
only when a report is built.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from gtanalytics import __version__
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.disclosure import PdfTextUnavailable, check_report_privacy
from gtanalytics.data import school_ids, school_name, years_of
from gtanalytics.disclosure import AUDIENCES
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = [
    "GOVERNOR_NOTEBOOKS",
    "LEADER_NOTEBOOKS",
    "TRUST_NOTEBOOK",
    "notebooks_dir",
    "missing_report_tools",
    "execute_notebook",
    "export_html",
    "find_chromium",
    "html_to_pdf",
    "withhold_if_unsafe",
    "dump_dom",
    "build_reports",
    "report_file",
    "report_folders",
    "LOCK_WAIT_SECONDS",
    "MANIFEST",
]

#: Notebooks built per school for each audience.
GOVERNOR_NOTEBOOKS: tuple[str, ...] = ("90-governor-report",)
LEADER_NOTEBOOKS: tuple[str, ...] = (
    "00-data-health",
    "01-leadership-for-excellence",
    "02-use-of-data-for-excellence",
    "03-effective-learning-for-excellence",
    "04-engaging-pupils-and-parents",
    "05-building-capacity-whole-school-community",
)
#: The trust-level overview comparing schools (built once per batch of several schools).
TRUST_NOTEBOOK = "91-trust-overview"
MAX_JOBS = 2

# A custom nbconvert template: the JupyterLab look, but nothing fetched from the
# internet (no require.js, MathJax, mermaid or widget scripts) and print-friendly.
_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">
body.jp-Notebook { max-width: 60rem; margin: 0 auto; padding: 1rem 2rem;
  font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; }
.jp-RenderedHTMLCommon table { font-size: 13px; margin: 0.5rem 0 1rem 0; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-Cell { padding: 0; }
.jp-OutputPrompt, .jp-InputPrompt { display: none; }
.jp-OutputArea-prompt { display: none; }
@media print {
  body.jp-Notebook { max-width: none; padding: 0; font-size: 12px; }
  img, figure { page-break-inside: avoid; break-inside: avoid; }
  tr { page-break-inside: avoid; break-inside: avoid; }
  h1, h2, h3 { page-break-after: avoid; break-after: avoid; }
  /* a long output (page 1) flows on from the title; blocks marked gt-keep (a chart with its text) stay whole */
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output {
    page-break-inside: auto !important; break-inside: auto !important; }
  .gt-keep { page-break-inside: avoid !important; break-inside: avoid !important; }
}
@page { size: A4; margin: 15mm; }
</style>
{%- endblock extra_css -%}
"""


# --------------------------------------------------------------------------- locating things
def notebooks_dir() -> Path:
    """The folder holding the notebooks.

    In a clone of the repository (an editable install, or the package on
    ``PYTHONPATH``): its ``notebooks/`` folder. In an installed wheel: the copy
    shipped inside the package (``gtanalytics/report/_notebooks``).

    Raises
    ------
    FileNotFoundError
        When neither exists (pass ``notebooks=`` paths to :func:`build_reports` instead).

    Examples
    --------
    >>> from gtanalytics.report import notebooks_dir
    >>> (notebooks_dir() / "90-governor-report.ipynb").is_file()
    True
    """
    here = Path(__file__).resolve().parent          # gtanalytics/report
    checkout = here.parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / "notebooks").is_dir():
        return checkout / "notebooks"
    if (here / "_notebooks").is_dir():
        return here / "_notebooks"
    raise FileNotFoundError(
        f"The gtanalytics notebooks were not found (looked in {checkout / 'notebooks'} and "
        f"{here / '_notebooks'}). Reinstall gtanalytics, or pass notebook paths with notebooks=[...].")


def _notebook_path(name) -> Path:
    p = Path(name)
    if p.suffix != ".ipynb":
        p = p.with_suffix(".ipynb") if p.parent != Path(".") else notebooks_dir() / f"{p.name}.ipynb"
    if not p.exists():
        raise FileNotFoundError(f"Notebook {p} does not exist.")
    return p


def missing_report_tools() -> list[str]:
    """The packages of the ``[report]`` extra that are not installed (empty when reports can be built).

    The library itself needs none of them; ``pip install "gtanalytics[report]"`` installs them.

    Examples
    --------
    >>> from gtanalytics.report import missing_report_tools
    >>> missing_report_tools()
    []
    """
    import importlib.util

    return [m for m in ("papermill", "nbconvert", "nbformat", "ipykernel", "jupyter_client")
            if importlib.util.find_spec(m) is None]


def find_chromium() -> str | None:
    """Path of a headless-capable chromium/chrome on this machine, or None.

    Looks for ``chromium`` (Debian's package), ``chromium-browser``,
    ``google-chrome`` and ``google-chrome-stable`` on the PATH.
    """
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


# --------------------------------------------------------------------------- steps
def _this_python_kernel_manager():
    """A kernel manager class whose kernel is ipykernel run by this interpreter (``sys.executable``).

    Its kernelspec manager looks in no kernel folder, so the kernel name
    ``python3`` resolves to ipykernel's built-in spec for the running Python:
    nothing needs to be installed with ``ipykernel install``, and a kernel
    installed elsewhere under the same name is never picked up by mistake.
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from traitlets import default

    class ThisPythonKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _no_installed_kernels(self):
            return KernelSpecManager(kernel_dirs=[])

    return ThisPythonKernelManager


def execute_notebook(notebook, output, *, parameters: dict, kernel_name: str | None = None,
                     cwd=None, timeout: int = 900) -> Path:
    """Run a notebook top to bottom with papermill, injecting ``parameters``.

    Parameters
    ----------
    notebook : str or Path
        A notebook path, or a name such as ``"90-governor-report"`` in :func:`notebooks_dir`.
    output : str or Path
        Where the executed notebook is written.
    parameters : dict
        Values for the notebook's ``parameters`` cell.
    kernel_name : str, optional
        An installed Jupyter kernel to use instead. By default the kernel is
        started with the Python interpreter running this function
        (``sys.executable``), so no kernel needs to be installed.
    cwd : path, optional
        Working directory of the kernel (default: the notebook's folder).
    timeout : int
        Seconds any one cell may run.

    Returns
    -------
    Path
        ``output``.
    """
    import papermill as pm

    nb = _notebook_path(notebook)
    # Encrypt the kernel's local connection (CurveZMQ) where pyzmq supports it: safer, and it
    # stops ipykernel's "running over TCP without encryption" warning for every school.
    import zmq
    from traitlets.config import Config

    extra = {"config": Config({"KernelManager": {"transport_encryption": "auto"}})} if zmq.has("curve") else {}
    if kernel_name is None:
        extra["kernel_manager_class"] = _this_python_kernel_manager()
        kernel_name = "python3"          # resolves to ipykernel's own spec for this interpreter
    pm.execute_notebook(str(nb), str(output), parameters=parameters, kernel_name=kernel_name,
                        cwd=str(cwd or nb.parent), progress_bar=False, log_output=False,
                        execution_timeout=timeout, **extra)
    return Path(output)


def export_html(notebook, html, *, title: str | None = None, drop_stderr: bool = True) -> Path:
    """Export an executed notebook to self-contained HTML with all code removed.

    No code cells, input prompts or output prompts are written; images are
    embedded as ``data:`` URIs; no script or style is fetched from the
    internet. ``drop_stderr`` also removes warnings printed by the kernel
    (they can name files and rows of the input).

    Returns
    -------
    Path
        ``html``.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = ""
            if drop_stderr:
                cell.outputs = [o for o in cell.get("outputs", [])
                                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    # code cells that show nothing (parameters, imports) are dropped; ids are made stable
    # (papermill gives its injected-parameters cell a random id)
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.get("outputs")]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
    if title:
        nb.metadata["title"] = title
    nb.metadata.pop("widgets", None)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"gtanalytics.html.j2": _TEMPLATE})],
        template_file="gtanalytics.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        theme="light",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or Path(html).stem}})
    Path(html).write_text(body, encoding="utf-8")
    return Path(html)


def _chromium(args: list[str], *, chromium: str | None, timeout: int) -> subprocess.CompletedProcess:
    exe = chromium or find_chromium()
    if exe is None:
        raise RuntimeError(
            "PDF and screenshots need a chromium browser and none was found. On Debian or Ubuntu: "
            "`sudo apt-get install chromium`; then run again. The HTML reports were made without it.")
    with tempfile.TemporaryDirectory(prefix="gt-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return done


def html_to_pdf(html, pdf, *, chromium: str | None = None, timeout: int = 180) -> Path:
    """Print an HTML report to PDF with headless chromium (A4, no header or footer).

    Raises
    ------
    RuntimeError
        If no chromium is installed (with the command that installs it) or it fails.
    """
    pdf = Path(pdf).resolve()
    pdf.unlink(missing_ok=True)
    _chromium(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", Path(html).resolve().as_uri()],
              chromium=chromium, timeout=timeout)
    if not pdf.exists() or pdf.stat().st_size == 0:
        raise RuntimeError(f"chromium did not write {pdf}.")
    return pdf


def dump_dom(html, *, chromium: str | None = None, timeout: int = 120) -> str:
    """The DOM chromium builds from an HTML report (to check that it renders)."""
    return _chromium(["--dump-dom", Path(html).resolve().as_uri()], chromium=chromium, timeout=timeout).stdout


# --------------------------------------------------------------------------- batch
def _slug(value) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(value)).strip("-") or "school"


def report_folders(data, schools) -> dict:
    """Each school's output folder, named for people: ``oakfield-primary`` (``trust`` for the trust overview).

    The school's name, lower case, words joined by hyphens; its id when the
    data have no name; a name two schools share gets the id added.

    Examples
    --------
    >>> import gtanalytics
    >>> report_folders(gtanalytics.load_sample(), ["8862101", "8884101", None])
    {'8862101': 'oakfield-primary', '8884101': 'kingsmead-academy', None: 'trust'}
    """
    names = {s: _slug(re.sub(r"[^a-z0-9]+", "-", school_name(data, s).lower())) for s in schools if s is not None}
    taken = list(names.values())
    out = {s: (f"{n}-{_slug(s)}" if taken.count(n) > 1 else n) for s, n in names.items()}
    return {**out, **({None: "trust"} if None in schools else {})}


def report_file(notebook) -> str:
    """A report's file name without its suffix: the notebook's name without its number (``governor-report``)."""
    return re.sub(r"^\d+-", "", Path(notebook).stem)


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        msg = f"{ename}: {getattr(exc, 'evalue', '')}"
    else:
        msg = f"{type(exc).__name__}: {exc}"
    return " ".join(msg.split())[:400]


#: The trust's loaded data, written once per build into the build's private temporary folder.
_CACHE = "trust-data.pickle"


def _build_one(school, *, data_path: Path, data, out: Path, notebooks, audience, pdf, years, threshold,
               kernel_name, work: Path, folder: str) -> list[str]:
    """Build every notebook for one school into ``out`` (the staging folder); raise on the first failure.

    Returns the checks the school's reports passed (for the manifest).
    """
    target = out / folder
    target.mkdir(exist_ok=True)    # not parents: a staging folder removed by Ctrl-C or SIGTERM is not made again
    checks: list[str] = []
    for name in notebooks:
        nb = _notebook_path(name)
        executed = work / f"{_slug(school)}-{nb.stem}.ipynb"
        params = {"data_path": str(data_path), "school": school, "years": list(years) if years else None,
                  "threshold": int(threshold), "audience": audience, "interactive": False,
                  "data_cache": str(work / _CACHE)}
        execute_notebook(nb, executed, parameters=params, kernel_name=kernel_name)
        html = target / f"{report_file(nb)}.html"
        title = f"{report_file(nb).replace('-', ' ').capitalize()}: {school_name(data, school)}"
        export_html(executed, html, title=title, drop_stderr=audience == "governors")
        if audience == "governors":
            checks.append(withhold_if_unsafe(html, data, threshold, nb.stem))
        if pdf:
            html_to_pdf(html, html.with_suffix(".pdf"))
            if audience == "governors":
                checks.append(withhold_if_unsafe(html.with_suffix(".pdf"), data, threshold, nb.stem))
    return checks


def withhold_if_unsafe(path: Path, data, threshold: int, name: str) -> str:
    """Run the privacy check on a governor report (HTML or PDF); delete it and its HTML/PDF twin if it fails.

    :func:`build_reports` calls it on every governor report before the report is kept.

    Parameters
    ----------
    path : pathlib.Path
        The report (``.html`` or ``.pdf``).
    data : SchoolData
        The school's data: the names, UPNs and dates of birth looked for.
    threshold : int
        Smallest group a governor report may show.
    name : str
        The report's name in messages.

    Returns
    -------
    str
        The check that passed, in words.

    Raises
    ------
    RuntimeError
        When the check fails: the report is deleted and the message lists the first findings (which
        name, UPN or date and where: section and line) for the person running the build.
    """
    try:
        problems = check_report_privacy(path, data, threshold)
    except PdfTextUnavailable as exc:  # the HTML that made the PDF has been checked
        warnings.warn(f"{name}: the PDF text was not checked. {exc}", GTWarning, stacklevel=2)
        return f"privacy check of {path.name}: not run (no PDF text extractor); its HTML passed"
    if len(problems):
        for p in (path.with_suffix(".html"), path.with_suffix(".pdf")):
            p.unlink(missing_ok=True)
        kinds = problems["kind"].value_counts().to_dict()
        summary = (f"privacy check failed for {name} ({path.suffix[1:].upper()}), report withheld: "
                   + ", ".join(f"{v} {k}" for k, v in kinds.items()))
        found = problems.groupby(["kind", "value"], sort=False)["where"].agg(["first", "size"]).reset_index()
        first = [f"{r.kind} {r.value!r}" + (f" ({r.first}" + (f", and {r.size - 1} more" if r.size > 1 else "") + ")"
                                            if r.first else "") for r in found.head(5).itertuples()]
        exc = RuntimeError(f"{summary}. Found: " + "; ".join(first) + ("; ..." if len(found) > 5 else ""))
        exc.summary = summary     # for the manifest: names no pupil
        raise exc
    return f"privacy check of {path.name}: passed"


# --------------------------------------------------------------------------- build safety
#: Seconds a build waits for another build that is writing to the same output folder, then refuses.
LOCK_WAIT_SECONDS = 10.0
#: The record of the build, written beside the reports once every school's folder is in place.
MANIFEST = "manifest.json"
_LOCK = ".gtanalytics.lock"
_STAGING = ".gtanalytics-building-"   # + pid: the batch's reports before they are moved into place
_WORK = "build-"                      # + pid: pupil data for the kernels, in the user's private temporary folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(parent: Path, prefix: str) -> None:
    """Remove the folders ``<prefix><pid>-...`` in ``parent`` of builds whose process is gone (killed, SIGKILL)."""
    for p in parent.glob(f"{prefix}*"):
        m = re.match(rf"{re.escape(prefix)}(\d+)-", p.name)
        if m and p.is_dir() and not p.is_symlink() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)


def _private_root() -> Path:
    """This user's folder for builds' pupil data: ``<tmp>/gtanalytics-<uid>``, mode 0700, owned by the user."""
    root = Path(tempfile.gettempdir()) / f"gtanalytics-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    st = root.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise GTDataError(f"{root} is not a folder of this user's (it may be a link or another user's folder); "
                          "it is where pupil data is kept during a build. Remove it and build again.")
    root.chmod(0o700)
    return root


def _lock(out: Path):
    """Hold the lock of the output folder (``fcntl.flock`` on ``out/.gtanalytics.lock``) for one build.

    Waits up to :data:`LOCK_WAIT_SECONDS` for another build, then refuses in plain words. The lock is the
    open file: closing it, or the process ending in any way, releases it.
    """
    f = open(out / _LOCK, "a+", encoding="utf-8")  # noqa: SIM115 - held open until the build ends
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                f.seek(0)
                holder = f.read().strip()
                f.close()
                raise GTDataError(
                    f"Another build is writing reports to {out}" + (f" (process {holder})" if holder else "")
                    + f"; waited {LOCK_WAIT_SECONDS:g} seconds. Wait for it to finish, or write to another "
                    "output folder.") from None
            time.sleep(0.2)
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    return f


@contextlib.contextmanager
def _cleanup_on_signals(clean):
    """Run ``clean`` on Ctrl-C (then KeyboardInterrupt as usual) and on SIGTERM (then the signal's own handling).

    Signal handlers can only be set in the main thread; a build started from another thread cleans up
    when it ends or fails (and a killed one at the next build).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def handler(signum, frame):
        clean()
        before = previous[signum]
        if callable(before):
            before(signum, frame)             # Python's own Ctrl-C handler raises KeyboardInterrupt
        else:
            signal.signal(signum, before if before is not None else signal.SIG_DFL)
            os.kill(os.getpid(), signum)      # the default action: the process ends with the signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


@contextlib.contextmanager
def _build_folders(out: Path):
    """Lock ``out``; yield a private folder for pupil data, a staging folder inside ``out`` and an event set
    when the build is stopped (Ctrl-C, SIGTERM); remove both folders at the end.

    The private folder is ``<tmp>/gtanalytics-<uid>/build-<pid>-...`` (0700); the staging folder is
    ``out/.gtanalytics-building-<pid>-...``. Both are removed when the build ends, fails, is interrupted
    (Ctrl-C) or terminated (SIGTERM); those of builds killed outright (SIGKILL) are removed by the next build.
    """
    lock = _lock(out)
    try:
        root = _private_root()
        _remove_stale(root, _WORK)
        _remove_stale(out, _STAGING)
        work = Path(tempfile.mkdtemp(prefix=f"{_WORK}{os.getpid()}-", dir=root))  # mkdtemp: mode 0700
        stage = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{os.getpid()}-", dir=out))
        stopped = threading.Event()

        def clean():
            stopped.set()
            for p in (work, stage):
                shutil.rmtree(p, ignore_errors=True)

        with _cleanup_on_signals(clean):
            try:
                yield work, stage, stopped
            finally:
                clean()
    finally:
        lock.close()


def _fingerprint(data_path: Path) -> dict:
    """SHA-256 of each input file (the files of the data folder, or the one file) and of them all together."""
    files = sorted(p for p in data_path.iterdir() if p.is_file() and not p.name.startswith(".")) \
        if data_path.is_dir() else [data_path]
    each, total = {}, hashlib.sha256()
    for p in files:
        with open(p, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        each[p.name] = digest
        total.update(f"{p.name}\0{digest}\n".encode())
    return {"sha256": total.hexdigest(), "files": each}


def _publish(stage: Path, out: Path, schools: list[dict], about: dict) -> None:
    """Move the batch's folders from ``stage`` into ``out``, then write the manifest.

    ``schools`` has one dict per school of the batch (``school``, ``status``, ``reason``, ``checks_passed``);
    ``about`` the rest of the manifest (version, time, input fingerprint, options). The old manifest is
    removed first, each built folder replaces its old one by a rename, the folders of an earlier build that
    this one did not make (failed schools, schools not built this time) are removed, and the manifest is
    written last: a folder without a manifest is a build that did not finish.
    """
    folders = {s["folder"]: s["status"] == "ok" for s in schools}
    manifest = {**about, "schools": [
        {"school": s["school"], "folder": s["folder"], "status": s["status"], "reason": s["reason"],
         "files": sorted(p.name for p in (stage / s["folder"]).glob("*")) if s["status"] == "ok" else [],
         "checks_passed": s["checks_passed"]} for s in schools]}
    old = out / MANIFEST
    earlier: set[str] = set()
    if old.exists():
        with contextlib.suppress(ValueError, KeyError, TypeError, OSError):
            earlier = {s["folder"] for s in json.loads(old.read_text(encoding="utf-8"))["schools"]}
        old.unlink()
    replaced = stage / ".replaced"
    replaced.mkdir()
    for name, ok in folders.items():
        dest = out / name
        if dest.is_dir():
            dest.rename(replaced / name)
        if ok:
            (stage / name).rename(dest)
    for name in earlier - {n for n, ok in folders.items() if ok}:
        if re.fullmatch(r"[A-Za-z0-9._-]+", name) and (out / name).is_dir() and not name.startswith("."):
            shutil.rmtree(out / name)
    tmp = stage / MANIFEST
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out / MANIFEST)


def build_reports(data, out, *, schools=None, pdf: bool = False, audience: str = "governors", notebooks=None,
                  progress: bool = True, jobs: int = 2, years=None, threshold: int = SUPPRESSION_THRESHOLD,
                  trust_overview: bool | None = None, kernel_name: str | None = None,
                  mapping=None, pupil_key: str = "upn", today=None, loaded=None) -> pd.DataFrame:
    """Build the reports for every school (or the ones named) into ``out``.

    The exports are loaded and validated once; every notebook kernel reads
    that loaded copy (a pickle in the build's private temporary folder,
    deleted with it: :func:`gtanalytics.data.load_trust`). For each
    school and notebook: run it with papermill (parameters ``data_path,
    school, years, threshold, audience, interactive=False, data_cache``),
    export HTML without code to ``out/<school-name>/<notebook>.html`` (:func:`report_folders`,
    :func:`report_file`: e.g. ``out/oakfield-primary/governor-report.html``), check a
    governor report for personal data and small groups and, with
    ``pdf=True``, print it to PDF next to the HTML and check the PDF's text
    the same way (``pdftotext`` from poppler-utils or ``pypdf``; without
    either a ``GTWarning`` says the PDF text was not checked). A report whose
    HTML or PDF fails the check is deleted (both files), never left behind,
    and its school is reported as failed. When several schools are built, a trust overview
    comparing them is written to ``out/trust/trust-overview.html``.

    A build leaves nothing behind and never mixes with another:

    * the loaded copy of the data and the executed notebooks (which hold
      pupil data) are kept in a private folder (mode 0700) under
      ``<tmp>/gtanalytics-<uid>/``, removed when the build ends, fails, is
      interrupted (Ctrl-C) or terminated (SIGTERM); one left by a build killed
      outright (SIGKILL) is removed by the next build;
    * reports are written to a hidden staging folder inside ``out`` and moved
      into place (one rename per school folder) only when the whole batch is
      done; folders of an earlier build into ``out`` that this build did not
      make again (a school that failed, one not asked for) are removed, so
      ``out`` holds one build's reports;
    * ``out`` is locked while a build writes to it: a second build waits up
      to :data:`LOCK_WAIT_SECONDS`, then refuses with a ``GTDataError``;
    * ``out/manifest.json``, written last, records the gtanalytics version,
      the time, the SHA-256 of every input file and of them all, the options,
      and for each school its status, files and the checks they passed (no
      name or other value from the data).

    Parameters
    ----------
    data : str or Path
        Folder (or file) of MIS exports, as for :func:`gtanalytics.data.load`.
    out : str or Path
        Output folder (created).
    schools : list of str, optional
        School ids to build; all schools in the data by default.
    pdf : bool
        Also make PDFs (needs chromium).
    audience : {"governors", "leaders"}
        Governors get :data:`GOVERNOR_NOTEBOOKS`; leaders get the key-area
        notebooks :data:`LEADER_NOTEBOOKS` (internal: they may list pupils).
    notebooks : list, optional
        Notebook names or paths to build instead of the audience's default.
    progress : bool
        Print one line per school as it finishes. The summary table is
        returned, not printed: its caller shows it (the ``gtanalytics report``
        command prints it once).
    jobs : int
        Schools built at once: 1 or 2 (at most two kernels run at a time).
    years : list of str, optional
        Academic years to include.
    threshold : int
        Smallest group shown to governors.
    trust_overview : bool, optional
        Build the trust overview; by default when more than one school is built.
    kernel_name : str, optional
        An installed Jupyter kernel to run the notebooks in; by default the
        Python interpreter running this function (see :func:`execute_notebook`).
    mapping, pupil_key, today
        Passed to :func:`gtanalytics.data.load` (the notebooks read what it loaded).
    loaded : SchoolData, optional
        What :func:`gtanalytics.data.load` already read from ``data`` with these
        options (``gtanalytics report`` validates first and passes it), so the
        exports are read once; ``data`` still names the files the manifest
        fingerprints.

    Returns
    -------
    pandas.DataFrame
        One row per school (and one for the trust overview) with columns
        ``school`` (school id, or ``"trust"``), ``status`` (``"ok"`` or
        ``"failed"``), ``seconds`` (wall time), ``error`` (empty when ok).

    Examples
    --------
    >>> from gtanalytics.report import build_reports
    >>> summary = build_reports("data/sample", "reports", schools=["100001"])  # doctest: +SKIP
    """
    from gtanalytics.data import load

    if missing_report_tools():
        raise ImportError(f"Building reports needs {', '.join(missing_report_tools())}, not installed here. "
                          'Install them with: pip install "gtanalytics[report]"')
    if audience not in AUDIENCES:
        raise GTDataError(f"audience must be one of {AUDIENCES}, not {audience!r}.")
    if jobs not in (1, 2):
        raise GTDataError(f"jobs must be 1 or 2 (at most two notebook kernels run at once), not {jobs!r}.")
    data_path = Path(data).resolve()
    if loaded is None:
        loaded = load(data_path, mapping=mapping, pupil_key=pupil_key, today=today)
    known = school_ids(loaded)
    wanted = [str(s) for s in schools] if schools else known
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise GTDataError(f"School(s) {unknown} are not in the data; schools present: {known}.")
    years_of(loaded, years)          # fail early on a year that is not in the data
    names = list(notebooks) if notebooks else list(GOVERNOR_NOTEBOOKS if audience == "governors"
                                                     else LEADER_NOTEBOOKS)
    for n in names:
        _notebook_path(n)  # fail early on a missing notebook
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    tasks: list[tuple[str | None, list]] = [(s, names) for s in wanted]
    if trust_overview if trust_overview is not None else (len(wanted) > 1 and not notebooks):
        tasks.append((None, [TRUST_NOTEBOOK]))
    folder_of = report_folders(loaded, [s for s, _ in tasks])
    total = len(tasks)
    done_count = [0]
    results: dict[int, dict] = {}
    checks: dict[int, list[str]] = {}
    reasons: dict[int, str] = {}

    def run(i: int, school, nbs, work: Path, stage: Path, stop: threading.Event) -> None:
        if stop.is_set():                     # stopped (Ctrl-C): schools not started are not built
            return
        t0 = time.perf_counter()
        try:
            checks[i] = _build_one(school, data_path=data_path, data=loaded, out=stage, notebooks=nbs,
                                   audience=audience, pdf=pdf, years=years, threshold=threshold,
                                   kernel_name=kernel_name, work=work, folder=folder_of[school])
            status, error = "ok", ""
        except Exception as exc:  # a failing school is reported, the batch goes on
            status, error = "failed", _error_text(exc)
            # the manifest sits beside governor reports: it says why without any name or value
            reasons[i] = getattr(exc, "summary", f"the build failed ({type(exc).__name__})")
        secs = time.perf_counter() - t0
        label = school if school is not None else "trust"
        results[i] = {"school": label, "status": status, "seconds": round(secs, 1), "error": error}
        done_count[0] += 1
        if progress:
            who = f"{school_name(loaded, school)} ({school})" if school is not None else "trust overview"
            print(f"[{done_count[0]}/{total}] {who}: {status} in {secs:.1f} s"
                  + (f" - {error}" if error else ""), flush=True)

    with _build_folders(out) as (work, stage, stop):
        with open(work / _CACHE, "wb") as f:    # loaded once: every kernel reads this copy (gtanalytics.data.load_trust)
            pickle.dump(loaded, f, protocol=pickle.HIGHEST_PROTOCOL)
        if jobs == 1 or total == 1:
            for i, (s, nbs) in enumerate(tasks):
                run(i, s, nbs, work, stage, stop)
        else:
            pool = ThreadPoolExecutor(max_workers=min(jobs, MAX_JOBS))
            try:
                for f in [pool.submit(run, i, s, nbs, work, stage, stop) for i, (s, nbs) in enumerate(tasks)]:
                    f.result()
            except BaseException:
                stop.set()
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        if stop.is_set():   # Ctrl-C while a notebook ran: the kernel may have turned it into a failed cell
            raise KeyboardInterrupt
        schools = [{**results[i], "folder": folder_of[tasks[i][0]], "reason": reasons.get(i, ""),
                    "checks_passed": checks.get(i, [])} for i in range(total)]
        _publish(stage, out, schools, {"gtanalytics_version": __version__,
                                       "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                       "input": _fingerprint(data_path), "audience": audience,
                                       "threshold": int(threshold), "years": list(years) if years else None,
                                       "pdf": bool(pdf)})
    return pd.DataFrame([results[i] for i in range(total)], columns=["school", "status", "seconds", "error"])

