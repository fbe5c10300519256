"""The report pipeline: notebooks in, governor reports (HTML and PDF) out.

For each school, :func:`build_reports` executes the report notebooks with
papermill (kernel ``gtanalytics``), exports HTML with nbconvert with all code
removed and every image embedded, checks the HTML for personal data
(:func:`check_report_privacy`) and, when asked, prints it to PDF with Debian's
headless chromium (no LaTeX, no browser download). A batch over many schools
prints one line per school, keeps going when a school fails and returns a
summary table. At most two kernels run at once.

Reports are reproducible: the same inputs give the same HTML apart from the
"generated on" date (images are PNG without a creation date, see
:func:`gtanalytics.plotting.set_style`).

This module does not import matplotlib; papermill and nbconvert are imported
only when a report is built.
"""

from __future__ import annotations

import datetime as _dt
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from gtanalytics.errors import GTDataError

__all__ = [
    "KERNEL_NAME",
    "AUDIENCES",
    "GOVERNOR_NOTEBOOKS",
    "LEADER_NOTEBOOKS",
    "TRUST_NOTEBOOK",
    "notebooks_dir",
    "execute_notebook",
    "export_html",
    "find_chromium",
    "html_to_pdf",
    "screenshot",
    "dump_dom",
    "check_report_privacy",
    "build_reports",
    "header_markdown",
    "table",
    "school_data",
    "school_name",
    "previous_year",
    "coverage",
    "summer_progress",
    "school_ids",
    "years_of",
    "for_audience",
    "summer_scores",
    "explore_progress",
]

#: Kernel the notebooks run in (``make env`` installs it into the venv).
KERNEL_NAME = "gtanalytics"
#: Who a report is for: governors get no names/UPNs/dates of birth and suppressed small groups.
AUDIENCES = ("governors", "leaders")
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
  img, table, figure { page-break-inside: avoid; break-inside: avoid; }
  h1, h2, h3 { page-break-after: avoid; break-after: avoid; }
}
@page { size: A4; margin: 15mm; }
</style>
{%- endblock extra_css -%}
"""


# --------------------------------------------------------------------------- locating things
def notebooks_dir() -> Path:
    """The folder holding the notebooks (``notebooks/`` next to the package).

    Raises
    ------
    FileNotFoundError
        When the package is installed without the notebooks (pass ``notebooks=``
        paths to :func:`build_reports` instead).
    """
    here = Path(__file__).resolve().parents[1] / "notebooks"
    if here.is_dir():
        return here
    raise FileNotFoundError(
        "The gtanalytics notebooks were not found next to the package (looked in "
        f"{here}). Run from a clone of the repository, or pass notebook paths with notebooks=[...].")


def _notebook_path(name) -> Path:
    p = Path(name)
    if p.suffix != ".ipynb":
        p = p.with_suffix(".ipynb") if p.parent != Path(".") else notebooks_dir() / f"{p.name}.ipynb"
    if not p.exists():
        raise FileNotFoundError(f"Notebook {p} does not exist.")
    return p


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
def execute_notebook(notebook, output, *, parameters: dict, kernel_name: str = KERNEL_NAME,
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
    kernel_name : str
        Jupyter kernel to use (``gtanalytics`` by default; ``make env`` installs it).
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
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise RuntimeError(
            f"The Jupyter kernel {kernel_name!r} is not installed. Run `make env`, or "
            f"`python -m ipykernel install --sys-prefix --name {kernel_name}` with the Python that has "
            "gtanalytics installed.") from None
    nb = _notebook_path(notebook)
    pm.execute_notebook(str(nb), str(output), parameters=parameters, kernel_name=kernel_name,
                        cwd=str(cwd or nb.parent), progress_bar=False, log_output=False,
                        execution_timeout=timeout)
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


def screenshot(html, png, *, width: int = 1000, height: int = 1300, chromium: str | None = None,
               timeout: int = 120) -> Path:
    """Take a PNG screenshot of the top of an HTML report with headless chromium."""
    png = Path(png).resolve()
    png.unlink(missing_ok=True)
    _chromium([f"--window-size={width},{height}", f"--screenshot={png}", Path(html).resolve().as_uri()],
              chromium=chromium, timeout=timeout)
    if not png.exists() or png.stat().st_size == 0:
        raise RuntimeError(f"chromium did not write {png}.")
    return png


def dump_dom(html, *, chromium: str | None = None, timeout: int = 120) -> str:
    """The DOM chromium builds from an HTML report (to check that it renders)."""
    return _chromium(["--dump-dom", Path(html).resolve().as_uri()], chromium=chromium, timeout=timeout).stdout


# --------------------------------------------------------------------------- privacy
class _Text(HTMLParser):
    """Visible text of an HTML page, and table cells under their headers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

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


_PUPIL_COUNT = re.compile(r"^(n|pupils|number of pupils|n_\w+|.*\bpupils\b.*)$", re.IGNORECASE)
_SUPPRESSED = {"", "c", "supp", "x", "z", "low", "u", "-", "\u2013", "\u2014", "nan", "<na>", "none"}
_N_IN_TEXT = re.compile(r"\b(?:n\s*=\s*(\d+)|(\d+) pupils?\b)", re.IGNORECASE)


def _dob_forms(d: pd.Timestamp) -> set[str]:
    return {d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"), d.strftime("%d-%m-%Y"), d.strftime("%d.%m.%Y"),
            f"{d.day} {d.strftime('%B %Y')}", f"{d.day} {d.strftime('%b %Y')}", d.strftime("%d %B %Y"),
            d.strftime("%Y%m%d"), f"{d.day}/{d.month}/{d.year}"}


def _context(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 40): end + 40].split())


def check_report_privacy(html_path, data, threshold: int = 6) -> pd.DataFrame:
    """Scan a governor report for personal data and small groups.

    Looks for every UPN of the input anywhere in the file (text, attributes,
    scripts), and in the visible text for every date of birth (ISO, UK and
    long forms), every full name (forename surname, surname forename,
    "surname, forename"), and every surname or forename as a whole,
    capitalised word. It also checks pupil counts: table columns headed
    ``n``, ``pupils`` or ``n_...`` and phrases such as "4 pupils" or "n=4" must
    not show a number from 1 to ``threshold - 1``. Finally it reports code
    cells (input areas or prompts) and anything loaded from the internet.

    Charts are images and cannot be read; they are safe because the plotting
    functions draw only result frames, which carry no names or UPNs, and the
    report notebooks suppress small groups before drawing.

    Parameters
    ----------
    html_path : str or Path
        The report.
    data : SchoolData
        What the report was built from (its ``pupils`` table gives the UPNs,
        names and dates of birth to look for; every table's ``upn`` is used).
    threshold : int
        Smallest group size that may be shown.

    Returns
    -------
    pandas.DataFrame
        One row per problem with columns ``kind`` (``upn``, ``date_of_birth``,
        ``name``, ``small_group``, ``code``, ``external``), ``value`` (what was
        found) and ``context`` (the text around it). Empty when the report is
        clean.

    Examples
    --------
    >>> from gtanalytics.report import check_report_privacy  # doctest: +SKIP
    >>> check_report_privacy("reports/100001/90-governor-report.html", data).empty  # doctest: +SKIP
    True
    """
    raw = Path(html_path).read_text(encoding="utf-8")
    parser = _Text()
    parser.feed(raw)
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
            upns.update(str(u).strip().upper() for u in t["upn"].dropna() if str(u).strip())
    raw_upper = raw.upper()
    for u in sorted(upns):
        i = raw_upper.find(u)
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
                m = re.search(rf"(?<![\w-]){re.escape(part)}(?![\w-])", text)
                if m and not any(p["kind"] == "name" and part in p["value"] for p in problems):
                    add("name", part, _context(text, m.start(), m.end()))
    for tbl in parser.tables:
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
    for m in re.finditer(r"<[^>]+class=([\"'])(.*?)\1[^>]*>", raw):
        classes = m.group(2).split()
        if ("jp-CodeCell" in classes and "jp-mod-noInput" not in classes) or {
                "jp-InputPrompt", "jp-CodeMirrorEditor", "jp-Editor", "highlight-ipynb", "input_area"} & set(classes):
            add("code", m.group(2), m.group(0)[:80])
    for m in re.finditer(r"<(?:script|link|img|iframe)[^>]+(?:src|href)\s*=\s*[\"'](https?:)?//", raw, re.I):
        add("external", m.group(0)[:80], "")
    return pd.DataFrame(problems, columns=["kind", "value", "context"]).drop_duplicates(ignore_index=True)


# --------------------------------------------------------------------------- helpers used in notebooks
def header_markdown(title: str, *, school_name: str | None = None, audience: str = "governors",
                    years=None, generated_on: _dt.date | None = None, threshold: int = 6) -> str:
    """The title block of a report, as Markdown.

    The "generated on" date is the only thing that differs between two runs
    on the same data.

    Examples
    --------
    >>> import datetime
    >>> print(header_markdown("Governor report", school_name="Oak Primary",
    ...                       generated_on=datetime.date(2024, 7, 1)).splitlines()[0])
    # Governor report: Oak Primary
    """
    day = generated_on or _dt.date.today()
    who = ("governors: no pupil is named, and groups of fewer than "
           f"{threshold} pupils are not shown" if audience == "governors"
           else "senior leaders: internal, may list individual pupils; do not share")
    yrs = ""
    if years:
        ys = sorted(str(y) for y in years)
        yrs = f" | Years: {ys[0]} to {ys[-1]}" if len(ys) > 1 else f" | Year: {ys[0]}"
    title_line = f"# {title}: {school_name}" if school_name else f"# {title}"
    return f"{title_line}\n\nFor {who}.{yrs} | Generated on {day:%d %B %Y}."


def table(frame: pd.DataFrame, *, columns: dict[str, str] | None = None, decimals: int | dict = 2,
          index: bool = False):
    """A result frame as a plain, rounded HTML table for a report.

    Rounds for presentation only, renames columns to readable headers, and
    writes missing values as "c" (suppressed / not available, the DfE symbol).
    Produces deterministic HTML (no random ids, unlike ``DataFrame.style``).

    Parameters
    ----------
    frame : DataFrame
    columns : dict, optional
        Columns to keep, mapped to their headers, in order.
    decimals : int or dict
        Decimal places for float columns (a dict per column).
    index : bool
        Write the index.

    Returns
    -------
    IPython.display.HTML
        Displays as a table in a notebook and in the exported report.

    Examples
    --------
    >>> import pandas as pd
    >>> t = table(pd.DataFrame({"n": [12], "va": [0.1234]}), columns={"n": "Pupils", "va": "Value added"})
    >>> "0.12" in t.data and "Pupils" in t.data
    True
    """
    from IPython.display import HTML

    df = frame.copy()
    if columns:
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise GTDataError(f"table(): column(s) {missing} are not in the result; it has {list(df.columns)}.")
        df = df[list(columns)].rename(columns=columns)
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        d = decimals.get(c, 2) if isinstance(decimals, dict) else decimals
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.map({True: "yes", False: "no"}).astype("object").where(s.notna(), "c")
        elif pd.api.types.is_integer_dtype(s):
            out[c] = [("c" if pd.isna(v) else f"{int(v)}") for v in s]
        elif pd.api.types.is_float_dtype(s):
            out[c] = [("c" if pd.isna(v) else (f"{int(v)}" if float(v).is_integer() and d == 0 else
                                                f"{float(v):.{d}f}".replace("-", "\u2212"))) for v in s]
        else:
            out[c] = ["c" if (v is None or (not isinstance(v, str) and pd.isna(v))) else str(v) for v in s]
    html = out.to_html(index=index, border=0, classes="dataframe gt-table", escape=True)
    return HTML(html)


# --------------------------------------------------------------------------- data for one school
_PUPIL_TABLES = ("assessments", "interventions", "mentoring", "enrichment", "attendance", "exclusions",
                 "parents_evenings", "surveys")


def school_data(data, school=None, *, years=None):
    """The part of a trust's data that belongs to one school (and some years).

    Pupils are those with ``school_id == school`` in the years given; every
    other pupil-level table keeps the rows of those pupils (and, where the
    table has ``academic_year``, of those years); ``schools`` and
    ``self_evaluation`` keep that school's rows. ``school=None`` keeps every
    school. Quality and accounting frames are kept whole.

    Parameters
    ----------
    data : SchoolData
    school : str, optional
        A ``school_id``.
    years : list of str, optional
        Academic years to keep, e.g. ``["2022/23", "2023/24"]``.

    Returns
    -------
    SchoolData

    Raises
    ------
    GTDataError
        If the school or a year is not in the data.

    Examples
    --------
    >>> from gtanalytics.report import school_data  # doctest: +SKIP
    >>> one = school_data(data, "8862101", years=["2023/24"])  # doctest: +SKIP
    """
    import dataclasses

    pupils = data.pupils
    if school is not None:
        known = sorted(pupils["school_id"].dropna().astype(str).unique())
        if str(school) not in known:
            raise GTDataError(f"School {school!r} is not in the pupils table; schools present: {known}.")
        pupils = pupils[pupils["school_id"].astype("string") == str(school)]
    if years:
        years = [str(y) for y in years]
        present = sorted(pupils["academic_year"].dropna().unique())
        missing = [y for y in years if y not in present]
        if missing:
            raise GTDataError(f"Year(s) {missing} have no pupils{' in school ' + str(school) if school else ''}; "
                              f"years present: {present}.")
        pupils = pupils[pupils["academic_year"].isin(years)]
    upns = set(pupils["upn"].dropna())
    changes = {"pupils": pupils.reset_index(drop=True)}
    for name in _PUPIL_TABLES:
        t = getattr(data, name)
        keep = t["upn"].isin(upns) if "upn" in t.columns else pd.Series(True, index=t.index)
        if years and "academic_year" in t.columns:
            keep &= t["academic_year"].isin(years)
        changes[name] = t[keep.fillna(False)].reset_index(drop=True)
    for name in ("schools", "self_evaluation"):
        t = getattr(data, name)
        if school is not None and "school_id" in t.columns:
            t = t[t["school_id"].astype("string") == str(school)]
        changes[name] = t.reset_index(drop=True)
    return dataclasses.replace(data, **changes)


def school_name(data, school) -> str:
    """The school's name from the ``schools`` table (its id when there is none; "All schools" for None)."""
    if school is None:
        return "All schools"
    t = data.schools
    if len(t) and "school_name" in t.columns:
        hit = t.loc[t["school_id"].astype("string") == str(school), "school_name"]
        if len(hit) and not pd.isna(hit.iloc[0]):
            return str(hit.iloc[0])
    return f"School {school}"


def school_ids(data) -> list[str]:
    """School ids in the data, in the order of the ``schools`` table (else sorted)."""
    return _school_ids(data)


def years_of(data, years=None) -> list[str]:
    """The academic years to report, sorted: ``years`` checked against the pupils table, or all of them."""
    present = sorted(data.pupils["academic_year"].dropna().unique())
    if not years:
        return [str(y) for y in present]
    missing = [y for y in years if y not in present]
    if missing:
        raise GTDataError(f"Year(s) {missing} are not in the data; years present: {present}.")
    return sorted(str(y) for y in years)


def for_audience(frame: pd.DataFrame, *, count_cols, value_cols=None, threshold: int = 6,
                 audience: str = "governors") -> pd.DataFrame:
    """A result frame made safe for its audience, still numeric.

    For governors, cells that :func:`gtanalytics.disclosure.suppress` hides
    (counts below ``threshold``, and statistics of those groups) become
    missing, so charts draw "too few pupils to show" and sentences say "too
    few pupils to say". For leaders the frame is returned unchanged.

    Parameters
    ----------
    frame : DataFrame
        A metric result.
    count_cols : str or list of str
        Pupil-count columns (e.g. ``"n"``, or ``["n_focus", "n_other"]``).
    value_cols : list of str, optional
        Statistics of each row's group; by default every other numeric column.
    threshold : int
    audience : {"governors", "leaders"}

    Returns
    -------
    DataFrame
        Same columns; suppressed cells are NA (the hidden mask is in
        ``attrs["hidden"]`` as a list of (row position, column)).

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"group": ["a", "b"], "n": [4, 30], "va": [1.0, 0.2]})
    >>> for_audience(g, count_cols="n")["va"].isna().tolist()
    [True, False]
    """
    from gtanalytics.disclosure import suppress

    if audience not in AUDIENCES:
        raise GTDataError(f"audience must be one of {AUDIENCES}, not {audience!r}.")
    out = frame.reset_index(drop=True).copy()
    if audience != "governors" or out.empty:
        return out
    counts = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    if value_cols is None:
        value_cols = [c for c in out.columns if c not in counts and pd.api.types.is_numeric_dtype(out[c])
                      and not pd.api.types.is_bool_dtype(out[c])]
    safe = out.copy()
    for c in counts:  # missing counts cannot be suppressed by rule: treat them as zero-size groups
        safe[c] = pd.to_numeric(safe[c], errors="coerce").fillna(0).round()
    hidden = suppress(safe, count_cols=counts, value_cols=list(value_cols), threshold=threshold).hidden
    cells = []
    for c in hidden.columns:
        mask = hidden[c].to_numpy(bool)
        if mask.any():
            if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
                out[c] = out[c].astype(float)
                out.loc[mask, c] = float("nan")
            else:
                out[c] = out[c].astype(object)
                out.loc[mask, c] = None
            cells += [(int(i), c) for i in mask.nonzero()[0]]
    out.attrs["hidden"] = cells
    return out


def previous_year(academic_year: str) -> str:
    """The academic year before, e.g. ``"2023/24"`` -> ``"2022/23"``.

    Examples
    --------
    >>> previous_year("2023/24"), previous_year("2000/01")
    ('2022/23', '1999/00')
    """
    m = re.fullmatch(r"(\d{4})/(\d{2})", str(academic_year).strip())
    if not m:
        raise GTDataError(f"Cannot read {academic_year!r} as an academic year like '2023/24'.")
    start = int(m.group(1)) - 1
    return f"{start}/{(start + 1) % 100:02d}"


def coverage(data) -> pd.DataFrame:
    """Rows per table, school and academic year: what the data covers.

    Returns
    -------
    pandas.DataFrame
        ``table, school_id, academic_year, rows, pupils`` (distinct UPNs);
        tables without ``academic_year`` use the pupils' latest year.
    """
    p = data.pupils[["upn", "academic_year", "school_id"]].dropna(subset=["upn"])
    latest = p.sort_values("academic_year").drop_duplicates("upn", keep="last").set_index("upn")["school_id"]
    parts = [p.groupby(["school_id", "academic_year"]).agg(rows=("upn", "size"), pupils=("upn", "nunique"))
             .reset_index().assign(table="pupils")]
    for name in _PUPIL_TABLES:
        t = getattr(data, name)
        if not len(t) or "upn" not in t.columns:
            continue
        t = t.assign(school_id=t["upn"].map(latest))
        if "academic_year" in t.columns:
            t = t.merge(p[["upn", "academic_year", "school_id"]].rename(columns={"school_id": "_s"}),
                        on=["upn", "academic_year"], how="left")
            t["school_id"] = t["_s"].fillna(t["school_id"])
        else:
            t = t.assign(academic_year="(all)")
        g = (t.groupby(["school_id", "academic_year"], dropna=False)
             .agg(rows=("upn", "size"), pupils=("upn", "nunique")).reset_index().assign(table=name))
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    return out[["table", "school_id", "academic_year", "rows", "pupils"]].sort_values(
        ["table", "school_id", "academic_year"], ignore_index=True)


def summer_progress(data, *, subject: str, year: str, score_type: str = "standardised", term: str = "Summer"):
    """Pupils' standardised scores this summer against last summer, for value added.

    Pairs each pupil's ``term`` test in ``subject`` in ``year`` (outcome) with
    the same test a year earlier (prior), with the pupil's characteristics.
    This within-school progress measure works in primary and secondary
    schools alike; statutory key-stage measures are used where present.

    Returns
    -------
    pandas.DataFrame
        As :func:`gtanalytics.progress.pair_assessments` with value columns
        ``outcome`` and ``prior``.
    """
    from gtanalytics.progress import pair_assessments

    last = previous_year(year)
    return pair_assessments(data, outcome=dict(score_type=score_type, subject=subject, term=term, academic_year=year),
                            prior=dict(score_type=score_type, subject=subject, term=term, academic_year=last))


def summer_scores(data, *, subject: str, years=None, score_type: str = "standardised",
                  term: str = "Summer") -> pd.DataFrame:
    """One row per pupil per year: the ``term`` test score in ``subject`` with the pupil's characteristics.

    The input of :func:`gtanalytics.gaps.gap_trend` and :func:`gtanalytics.gaps.gap`.

    Returns
    -------
    pandas.DataFrame
        ``upn, academic_year, score`` and the pupils-table columns of that year.
    """
    a = data.assessments
    rows = a[(a["score_type"] == score_type) & (a["subject"] == subject) & (a["term"] == term)]
    if years:
        rows = rows[rows["academic_year"].isin(list(years))]
    rows = rows.dropna(subset=["score"]).drop_duplicates(["upn", "academic_year"], keep="last")
    out = rows[["upn", "academic_year", "score"]].merge(data.pupils, on=["upn", "academic_year"], how="inner")
    return out.reset_index(drop=True)


def explore_progress(trust, *, school=None, subject: str = "maths", year: str | None = None,
                     group: str = "gt_register", threshold: int = 6, audience: str = "leaders"):
    """Value added by a pupil group for one school, subject and year: the chart behind the notebook controls.

    Meant for ``ipywidgets.interact``: each call computes the summer-to-summer
    value added (:func:`summer_progress`, :func:`gtanalytics.progress.value_added`
    and ``va_summary``), suppresses small groups for governors and draws it.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import warnings

    from gtanalytics import plotting
    from gtanalytics.progress import va_summary, value_added

    data = school_data(trust, school) if school is not None else trust
    year = year or years_of(data)[-1]
    pairs = summer_progress(data, subject=subject, year=year)
    if group not in pairs.columns:
        raise GTDataError(f"Pupil group {group!r} is not a column of the pupils table.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        groups = va_summary(value_added(pairs, outcome="outcome", prior="prior"), by=group)
    groups = for_audience(groups, count_cols="n", value_cols=["va", "se", "ci_low", "ci_high"], threshold=threshold,
                          audience=audience)
    return plotting.value_added_by_group(groups, label=group, min_n=threshold,
                                         title=f"{school_name(trust, school)}: progress in {subject} by {group}, {year}")


# --------------------------------------------------------------------------- batch
def _slug(value) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(value)).strip("-") or "school"


def _school_ids(data) -> list[str]:
    schools = getattr(data, "schools", None)
    if isinstance(schools, pd.DataFrame) and len(schools) and "school_id" in schools.columns:
        return [str(s) for s in schools["school_id"].dropna().astype(str).unique()]
    return sorted(str(s) for s in data.pupils["school_id"].dropna().astype(str).unique())


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        msg = f"{ename}: {getattr(exc, 'evalue', '')}"
    else:
        msg = f"{type(exc).__name__}: {exc}"
    return " ".join(msg.split())[:400]


def _build_one(school, *, data_path: Path, data, out: Path, notebooks, audience, pdf, years, threshold,
               kernel_name, work: Path) -> None:
    """Build every notebook for one school; raise on the first failure."""
    target = out / _slug(school if school is not None else "trust")
    target.mkdir(parents=True, exist_ok=True)
    for name in notebooks:
        nb = _notebook_path(name)
        executed = work / f"{_slug(school)}-{nb.stem}.ipynb"
        params = {"data_path": str(data_path), "school": school, "years": list(years) if years else None,
                  "threshold": int(threshold), "audience": audience, "interactive": False}
        execute_notebook(nb, executed, parameters=params, kernel_name=kernel_name)
        html = target / f"{nb.stem}.html"
        export_html(executed, html, title=f"{nb.stem} {school or ''}".strip(), drop_stderr=audience == "governors")
        if audience == "governors":
            problems = check_report_privacy(html, data, threshold)
            if len(problems):
                html.unlink(missing_ok=True)
                kinds = problems["kind"].value_counts().to_dict()
                raise RuntimeError(f"privacy check failed for {nb.stem}, report withheld: "
                                   + ", ".join(f"{v} {k}" for k, v in kinds.items()))
        if pdf:
            html_to_pdf(html, html.with_suffix(".pdf"))


def build_reports(data, out, *, schools=None, pdf: bool = False, audience: str = "governors", notebooks=None,
                  progress: bool = True, jobs: int = 2, years=None, threshold: int = 6,
                  trust_overview: bool | None = None, kernel_name: str = KERNEL_NAME) -> pd.DataFrame:
    """Build the reports for every school (or the ones named) into ``out``.

    For each school and notebook: run it with papermill (parameters
    ``data_path, school, years, threshold, audience, interactive=False``),
    export HTML without code to ``out/<school_id>/<notebook>.html``, check a
    governor report for personal data and small groups (a report that fails
    is deleted, never left behind) and, with ``pdf=True``, print it to PDF
    next to the HTML. When several schools are built, a trust overview
    comparing them is written to ``out/trust/91-trust-overview.html``.

    Parameters
    ----------
    data : str or Path
        Folder (or file) of MIS exports, as for :func:`gtanalytics.io.load`.
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
        Print one line per school as it finishes.
    jobs : int
        Schools built at once: 1 or 2 (at most two kernels run at a time).
    years : list of str, optional
        Academic years to include.
    threshold : int
        Smallest group shown to governors.
    trust_overview : bool, optional
        Build the trust overview; by default when more than one school is built.
    kernel_name : str

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
    from gtanalytics.io import load

    if audience not in AUDIENCES:
        raise GTDataError(f"audience must be one of {AUDIENCES}, not {audience!r}.")
    if jobs not in (1, 2):
        raise GTDataError(f"jobs must be 1 or 2 (at most two notebook kernels run at once), not {jobs!r}.")
    data_path = Path(data).resolve()
    loaded = load(data_path)
    known = _school_ids(loaded)
    wanted = [str(s) for s in schools] if schools else known
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise GTDataError(f"School(s) {unknown} are not in the data; schools present: {known}.")
    names = list(notebooks) if notebooks else list(GOVERNOR_NOTEBOOKS if audience == "governors"
                                                     else LEADER_NOTEBOOKS)
    for n in names:
        _notebook_path(n)  # fail early on a missing notebook
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    tasks: list[tuple[str | None, list]] = [(s, names) for s in wanted]
    if trust_overview if trust_overview is not None else (len(wanted) > 1 and not notebooks):
        tasks.append((None, [TRUST_NOTEBOOK]))
    total = len(tasks)
    done_count = [0]
    results: dict[int, dict] = {}

    def run(i: int, school, nbs, work: Path) -> None:
        t0 = time.perf_counter()
        try:
            _build_one(school, data_path=data_path, data=loaded, out=out, notebooks=nbs, audience=audience,
                       pdf=pdf, years=years, threshold=threshold, kernel_name=kernel_name, work=work)
            status, error = "ok", ""
        except Exception as exc:  # a failing school is reported, the batch goes on
            status, error = "failed", _error_text(exc)
        secs = time.perf_counter() - t0
        label = school if school is not None else "trust"
        results[i] = {"school": label, "status": status, "seconds": round(secs, 1), "error": error}
        done_count[0] += 1
        if progress:
            print(f"[{done_count[0]}/{total}] {label}: {status} in {secs:.1f} s"
                  + (f" - {error}" if error else ""), flush=True)

    with tempfile.TemporaryDirectory(prefix="gt-report-") as tmp:
        work = Path(tmp)
        if jobs == 1 or total == 1:
            for i, (s, nbs) in enumerate(tasks):
                run(i, s, nbs, work)
        else:
            with ThreadPoolExecutor(max_workers=min(jobs, MAX_JOBS)) as pool:
                for f in [pool.submit(run, i, s, nbs, work) for i, (s, nbs) in enumerate(tasks)]:
                    f.result()
    summary = pd.DataFrame([results[i] for i in range(total)], columns=["school", "status", "seconds", "error"])
    if progress:
        ok = int((summary["status"] == "ok").sum())
        print(f"{ok} of {total} built into {out}", flush=True)
        print(summary.to_string(index=False), flush=True)
    return summary

