"""Load a school's MIS exports into validated, canonical tables.

:func:`load` is the front door: give it a folder (or one file) of CSV, XLSX or
Parquet exports and it returns a :class:`SchoolData` with one tidy DataFrame per
canonical table of :mod:`gtanalytics.data.schemas`, plus a quality report in which
every input row is accounted for (used, repaired or excluded).

What it copes with: UTF-8, UTF-8 with BOM, Windows-1252 and UTF-16 CSVs (comma,
tab, semicolon or pipe separated); title rows above the header, in CSV and in
Excel; two-row headers with merged cells; the headers of the common MIS (SIMS,
Arbor, Bromcom, Scholarpack: see ``gtanalytics/data/mapping.yml``, which you can
extend); Excel workbooks with one table per sheet; and the forms hand-kept spreadsheets
take: UPNs as Excel text formulas or with invisible characters, school ids typed as
decimals, Excel error values, formulas never calculated, cells merged down a column,
Excel's 1904 date system, a G&T column holding the areas, two headers claiming one column,
percentages, decimal commas, footer and repeated header rows (each repaired and reported,
or rejected with the fix).  Files are read by
:mod:`gtanalytics.data`; the values are checked and normalised by
:mod:`gtanalytics.data`.

Row numbers in the quality report are the rows a spreadsheet shows when it opens
the file (the header and any title rows count).  Where a quoted CSV value runs
over line breaks, a text editor's line numbers are larger; the report says so.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gtanalytics.data._ctf import CTFUnreadable, merge_ctf, read_ctf, relay_problems
from gtanalytics.errors import GTDataError
from gtanalytics.data._quality import ProblemLog, accounting_table, format_problems
from gtanalytics.data._parsing import parse_column, register_areas
from gtanalytics.data._readers import (Block, Unreadable, header_labels, body_rows, fill_merged, find_header, is_blank,
                                 read_file)
from gtanalytics.data.schemas import TABLES, TableSpec, empty_frame
from gtanalytics.data._validation import (
    check_duplicates,
    derive_columns,
    normalise_labels,
    validate_table,
)

__all__ = ["HeaderMapping", "SchoolData", "load", "load_mapping", "normalise_header", "table_for_name"]

_BUILTIN_MAPPING = Path(__file__).with_name("mapping.yml")
_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".pq", ".xml"}
_UNSUPPORTED = {".xls", ".ods", ".numbers", ".xlsb"}     # reported, not read


# --------------------------------------------------------------------------- mapping
def normalise_header(text: object) -> str:
    """Normalise a header for matching: lower case, non-alphanumeric runs become one space.

    Examples
    --------
    >>> normalise_header("  FSM-Eligible ")
    'fsm eligible'
    >>> normalise_header("G&T")
    'g t'
    """
    return re.sub(r"[^0-9a-z]+", " ", str(text).lower()).strip()


@dataclass(frozen=True)
class HeaderMapping:
    """Headers and values of MIS exports mapped to canonical names.

    Attributes
    ----------
    columns : dict
        Normalised header -> canonical column names it may mean, in order of preference.
    values : dict
        Canonical column -> {lower-case value as written: canonical value}.
    """

    columns: dict[str, tuple[str, ...]]
    values: dict[str, dict[str, str]]
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def candidates(self, headers: list[object], spec: TableSpec) -> list[list[str]]:
        """For each header, the canonical columns of ``spec`` it may mean (in order of preference)."""
        names = {c.name for c in spec.columns}
        cands = []
        for h in headers:
            key = normalise_header(h) if h is not None and not pd.isna(h) else ""
            cands.append([c for c in self.columns.get(key, ()) if c in names] if key else [])
        return cands

    def assign(self, headers: list[object], spec: TableSpec) -> dict[int, str]:
        """Map header positions to the canonical columns of ``spec``.

        Headers with a single possible meaning in this table are placed first; a
        header with several (e.g. "Year") then takes the first still free.
        Only the first header claiming a column gets it here; :func:`load` then
        settles such clashes by the columns' values and reports them.
        """
        cands = self.candidates(headers, spec)
        out: dict[int, str] = {}
        taken: set[str] = set()
        for single in (True, False):
            for i, cs in enumerate(cands):
                if i in out or not cs or (single and len(cs) != 1):
                    continue
                free = [c for c in cs if c not in taken]
                if free:
                    out[i] = free[0]
                    taken.add(free[0])
        return dict(sorted(out.items()))

    def rank(self, header: object, column: str) -> int:
        """How specific ``header`` is for ``column``: 0 for its canonical name, then its place in the mapping."""
        order = [normalise_header(column)] + [normalise_header(h) for h in self.labels.get(column, ())]
        key = normalise_header(header)
        return order.index(key) if key in order else len(order)

    def headers_for(self, column: str) -> list[str]:
        """Headers, as spelt in the mapping, that are read as ``column``."""
        return list(self.labels.get(column, ()))


@functools.lru_cache(maxsize=4)
def _builtin_yaml(mtime: float) -> str:
    return _BUILTIN_MAPPING.read_text(encoding="utf-8")


def _builtin_mapping() -> dict:
    """The built-in mapping, parsed once per version of the file (a fresh copy each call)."""
    return copy.deepcopy(_parsed_builtin(_builtin_yaml(_BUILTIN_MAPPING.stat().st_mtime)))


@functools.lru_cache(maxsize=4)
def _parsed_builtin(text: str) -> dict:
    return yaml.safe_load(text) or {}


def load_mapping(mapping: str | Path | dict | None = None) -> HeaderMapping:
    """Return the built-in header mapping, extended by the user's.

    Parameters
    ----------
    mapping : str, Path, dict or None
        A YAML file or dict with ``columns`` (canonical -> list of headers) and/or
        ``values`` (canonical column -> {value: canonical value}); or a flat dict
        ``{header: canonical}``.  The user's entries win over the built-in ones.

    Returns
    -------
    HeaderMapping

    Examples
    --------
    >>> m = load_mapping({"Pupil ref no": "upn"})
    >>> m.columns["pupil ref no"]
    ('upn',)
    """
    def read(src) -> dict:
        if src is None:
            return {}
        if isinstance(src, dict):
            return src
        p = Path(src)
        if not p.is_file():
            raise GTDataError(f"The mapping file {p} does not exist. Give the path of a YAML file "
                              f"shaped like gtanalytics/data/mapping.yml.")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8-sig")) or {}
        except yaml.YAMLError as exc:
            raise GTDataError(f"The mapping file {p} is not valid YAML ({exc}). "
                              f"Compare it with gtanalytics/data/mapping.yml.") from None
        if not isinstance(data, dict):
            raise GTDataError(f"The mapping file {p} must hold a mapping (columns: ..., values: ...).")
        return data

    def columns_of(d: dict) -> dict[str, list[str]]:
        if "columns" in d or "values" in d:
            d = d.get("columns") or {}
            return {str(k): [str(v)] if isinstance(v, str) else [str(x) for x in v] for k, v in d.items()}
        flat: dict[str, list[str]] = {}           # {header: canonical}
        for header, canon in d.items():
            flat.setdefault(str(canon), []).append(str(header))
        return flat

    user = read(mapping)
    builtin = _builtin_mapping()
    known = {c.name for spec in TABLES.values() for c in spec.columns}
    cols: dict[str, list[str]] = {}
    vals: dict[str, dict[str, str]] = {}
    labels: dict[str, list[str]] = {}
    for src in (user, builtin):           # user first: their meaning wins
        for canon, headers in columns_of(src).items():
            if canon not in known:
                raise GTDataError(f"The mapping names a column '{canon}' that gtanalytics does not know. "
                                  f"Use one of the canonical names in gtanalytics/data/schemas.py.")
            for h in [canon, *headers]:
                if h != canon and h not in labels.setdefault(canon, []):
                    labels[canon].append(h)
                lst = cols.setdefault(normalise_header(h), [])
                if canon not in lst:
                    lst.append(canon)
        for canon, table in ((src.get("values") or {}) if ("values" in src) else {}).items():
            target = vals.setdefault(str(canon), {})
            for k, v in (table or {}).items():
                target.setdefault(str(k).strip().lower(), str(v))
    return HeaderMapping({k: tuple(v) for k, v in cols.items()}, vals, {k: tuple(v) for k, v in labels.items()})


def table_for_name(name: str) -> str | None:
    """Return the canonical table a file or sheet name refers to, or None.

    The name is compared without case, spaces or hyphens; an exact match wins,
    then a name starting with, ending with, or containing a recognised name
    (e.g. ``"Pupils 2023-24.csv"`` or ``"oakfield_assessments"``).

    Examples
    --------
    >>> table_for_name("Pupils 2023-24")
    'pupils'
    >>> table_for_name("Provision Map") is not None
    True
    """
    stem = "_" + re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") + "_"
    best: tuple[int, int, str] | None = None
    for spec in TABLES.values():
        for fname in spec.file_names:
            token = "_" + fname.lower() + "_"
            if stem == token:
                rank = 0
            elif stem.startswith(token):
                rank = 1
            elif stem.endswith(token):
                rank = 2
            elif token in stem:
                rank = 3
            else:
                continue
            cand = (rank, -len(fname), spec.name)
            if best is None or cand < best:
                best = cand
    return None if best is None else best[2]


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    out = []
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).parts
        if p.is_file() and p.suffix.lower() in _SUFFIXES | _UNSUPPORTED and not any(
                part.startswith((".", "~$", "_")) for part in rel):
            out.append(p)
    return out


_PUPIL_TABLES = ("assessments", "interventions", "mentoring", "enrichment", "attendance", "exclusions",
                 "parents_evenings", "surveys")


def _school_key(school_id) -> str:
    """A school id as the text the tables hold: 8862101, 8862101.0 and " 8862101" give "8862101"."""
    if isinstance(school_id, (int, np.integer)) or (isinstance(school_id, float) and school_id.is_integer()):
        return str(int(school_id))
    return str(school_id).strip()


def _academic_year_of(dates: pd.Series) -> pd.Series:
    """The academic year (1 September to 31 August) of each date, written like "2023/24"."""
    d = pd.to_datetime(dates)
    start = d.dt.year - (d.dt.month < 9)
    return (start.astype("Int64").astype("string") + "/"
            + ((start + 1) % 100).astype("Int64").astype("string").str.zfill(2))


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class SchoolData:
    """Validated canonical tables of one school or trust, and the report of how they were read.

    Attributes
    ----------
    schools, pupils, assessments, interventions, mentoring, enrichment, attendance,
    exclusions, parents_evenings, surveys, self_evaluation : pandas.DataFrame
        One frame per table of :data:`gtanalytics.data.schemas.TABLES`, with exactly its
        canonical columns (text ``string``, whole numbers ``Int64``, numbers
        ``float64``, flags nullable ``boolean``, dates ``datetime64[ns]``). A table
        that was not supplied is an empty frame with those columns.
    quality : pandas.DataFrame
        ``file, row, column, value, problem, action, severity`` (see
        :mod:`gtanalytics.data`).
    accounting : pandas.DataFrame
        ``file, table, rows_read, rows_used, rows_repaired, rows_excluded``;
        for every file ``rows_read == rows_used + rows_excluded``.
    sources : pandas.DataFrame
        ``file, table, encoding, header_row, columns_mapped, columns_ignored``.
    """

    schools: pd.DataFrame
    pupils: pd.DataFrame
    assessments: pd.DataFrame
    interventions: pd.DataFrame
    mentoring: pd.DataFrame
    enrichment: pd.DataFrame
    attendance: pd.DataFrame
    exclusions: pd.DataFrame
    parents_evenings: pd.DataFrame
    surveys: pd.DataFrame
    self_evaluation: pd.DataFrame
    quality: pd.DataFrame = field(repr=False)
    accounting: pd.DataFrame = field(repr=False)
    sources: pd.DataFrame = field(repr=False)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Canonical tables by name (empty ones included)."""
        return {name: getattr(self, name) for name in TABLES}

    @property
    def usable(self) -> bool:
        """True when no error was recorded (nothing excluded, no file unusable)."""
        return not (self.quality["severity"] == "error").any()

    def summary(self, *, max_problems: int = 20) -> str:
        """Plain-English summary: rows per table, accounting per file, the main problems."""
        lines = ["Tables loaded:"]
        for name, df in self.tables.items():
            if len(df):
                lines.append(f"  {name:<17} {len(df):>8} rows")
        lines.append("Files (rows read = used + excluded):")
        for r in self.accounting.itertuples(index=False):
            lines.append(f"  {r.file}: {r.table or 'not recognised'}; read {r.rows_read}, used {r.rows_used} "
                         f"({r.rows_repaired} repaired), excluded {r.rows_excluded}")
        sev = self.quality["severity"].value_counts()
        lines.append(f"Problems: {int(sev.get('error', 0))} errors, {int(sev.get('warning', 0))} warnings, "
                     f"{int(sev.get('info', 0))} notes.")
        if len(self.quality):
            lines.append(format_problems(self.quality, max_rows=max_problems, min_severity="warning")
                         if (self.quality["severity"] != "info").any() else "No errors or warnings.")
        return "\n".join(lines)

    def for_school(self, school_id, years=None) -> SchoolData:
        """One school's part of the data: its pupils, in the years they were on its roll.

        ``pupils`` keeps the school's own pupil-year rows (of ``years``, when
        given). Every other pupil-level table keeps the rows of those pupils in
        the academic years they were on this school's roll: by ``academic_year``
        where the table has one, else by the academic year (1 September to
        31 August) of ``start_date`` (interventions, mentoring). Programmes,
        staff and mentors follow their pupils' rows. ``assessments`` also keep
        the results from before the pupil first joined the school (prior
        attainment, e.g. a Year 7's key stage 2 results) and from the school's
        own earlier years, but nothing from a year the pupil spent at another
        school after joining, nor from after the last year kept. ``schools``
        and ``self_evaluation`` keep the school's rows; ``quality``,
        ``accounting`` and ``sources`` are kept whole.

        Parameters
        ----------
        school_id : str or int
            The school's ``school_id``; ``8862101`` and ``"8862101"`` are the same.
        years : str or list of str, optional
            Academic years to keep, e.g. ``["2022/23", "2023/24"]``; None keeps all.

        Returns
        -------
        SchoolData

        Raises
        ------
        GTDataError
            If the school, or a year for that school, is not in the pupils table.

        Examples
        --------
        >>> from gtanalytics import load_sample
        >>> oak = load_sample().for_school(8862101, years=["2023/24"])
        >>> sorted(oak.pupils["school_id"].unique()), sorted(oak.pupils["academic_year"].unique())
        (['8862101'], ['2023/24'])
        """
        sid = _school_key(school_id)
        ids = self.pupils["school_id"].astype("string").str.strip()
        known = sorted(ids.dropna().unique())
        if sid not in known:
            raise GTDataError(f"School {school_id!r} is not in the pupils table; schools present: {known}. "
                              "Give one of these school_id values.")
        roll = self.pupils[(ids == sid).fillna(False)]
        whole = roll[["upn", "academic_year"]].dropna().drop_duplicates()
        if years is not None:
            years = [str(y).strip() for y in ([years] if isinstance(years, str) else years)]
            present = sorted(roll["academic_year"].dropna().unique())
            missing = [y for y in years if y not in present]
            if missing:
                raise GTDataError(f"Year(s) {missing} have no pupils in school {sid}; years present: {present}.")
            roll = roll[roll["academic_year"].isin(years)]
        kept = roll[["upn", "academic_year"]].dropna().drop_duplicates()
        changes = {"pupils": roll.reset_index(drop=True)}
        for name in _PUPIL_TABLES:
            t = getattr(self, name)
            year = t["academic_year"] if "academic_year" in t.columns else _academic_year_of(t["start_date"])
            key = pd.MultiIndex.from_arrays([t["upn"], year])
            keep = key.isin(pd.MultiIndex.from_frame(kept))
            if name == "assessments":
                first = whole.groupby("upn")["academic_year"].min()
                last = kept.groupby("upn")["academic_year"].max()
                earlier = key.isin(pd.MultiIndex.from_frame(whole)) | (year < t["upn"].map(first)).fillna(False)
                keep |= np.asarray(earlier & (year <= t["upn"].map(last)).fillna(False))
            changes[name] = t[keep].reset_index(drop=True)
        for name in ("schools", "self_evaluation"):
            t = getattr(self, name)
            changes[name] = t[(t["school_id"].astype("string").str.strip() == sid).fillna(False)].reset_index(drop=True)
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items() if len(v))
        return f"SchoolData({sizes}; {len(self.quality)} quality records)"


# --------------------------------------------------------------------------- load
def _names_hint() -> str:
    return "; ".join(f"{spec.name}: {', '.join(spec.file_names[:3])}" for spec in TABLES.values())


def _as_today(today) -> pd.Timestamp:
    if today is None:
        return pd.Timestamp.today().normalize()
    try:
        ts = pd.Timestamp(today)
    except (TypeError, ValueError):
        ts = pd.NaT
    if pd.isna(ts):
        raise GTDataError(f"today={today!r} is not a date. Give a date such as '2024-09-01' (or leave it out to "
                          f"use today's date).")
    return ts.tz_localize(None).normalize() if ts.tzinfo else ts.normalize()


def load(path: str | Path, *, mapping: str | Path | dict | None = None, pupil_key: str = "upn",
         today=None) -> SchoolData:
    """Read, map and validate a folder (or one file) of MIS exports.

    Parameters
    ----------
    path : str or Path
        A folder (searched recursively, hidden and ``_``-prefixed items ignored) or
        one file; ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xlsm`` (each sheet may be a
        table) or ``.parquet``; ``.xml``: a DfE Common Transfer File (pupils, attendance,
        KS1/KS2 results; see :mod:`gtanalytics.data`).  The table a file holds is recognised from its name
        (``pupils.csv``, ``Assessments 2024.xlsx``, ...: see ``TableSpec.file_names``),
        from the sheet name, or failing that from its headers.
    mapping : str, Path or dict, optional
        Extra header/value mapping (see :func:`load_mapping` and ``gtanalytics/data/mapping.yml``).
    pupil_key : {"upn", "pseudonymous"}, default "upn"
        ``"upn"``: the pupil key of every table must be a valid 13-character UPN (DfE
        check letter); rows with an invalid UPN are excluded and temporary UPNs are
        reported.  ``"pseudonymous"``: the files carry pseudonymous pupil keys instead
        of UPNs (national or shared data, a salted hash): any non-blank key is accepted
        as written (spaces at either end removed) and not checked.
    today : date, str or None
        The date the exports were made, for the checks on future dates (default:
        today's date).  Pass a fixed date for reproducible checks.

    Returns
    -------
    SchoolData
        Canonical tables plus ``quality`` (every problem: file, row, column, value,
        problem, action, severity), ``accounting`` (per file: rows_read, rows_used,
        rows_repaired, rows_excluded) and ``sources``.

    Raises
    ------
    GTDataError
        Only when nothing usable was found: the path does not exist, no file could
        be read, or no usable ``pupils`` table was supplied; or an option is invalid.
        Row-level problems are reported in ``quality`` instead.

    Examples
    --------
    >>> data = load("data/sample", today="2024-09-01")  # doctest: +SKIP
    >>> data.pupils.columns[:3].tolist()               # doctest: +SKIP
    ['upn', 'academic_year', 'school_id']
    """
    if pupil_key not in ("upn", "pseudonymous"):
        raise GTDataError(f"pupil_key must be 'upn' (the default: keys are checked as UPNs) or 'pseudonymous' "
                          f"(keys are accepted as written), not {pupil_key!r}.")
    when = _as_today(today)
    root = Path(path)
    if not root.exists():
        raise GTDataError(f"{root} does not exist. Give the folder (or file) that holds your MIS exports.")
    hmap = load_mapping(mapping)
    files = _files(root)
    if not files:
        raise GTDataError(f"No CSV, XLSX or Parquet files were found in {root}. Export your MIS reports "
                          f"as CSV or Excel into that folder (e.g. pupils.csv, assessments.csv).")
    base = root if root.is_dir() else root.parent
    log = ProblemLog()
    reads, sources = [], []
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    opts = {"pupil_key": pupil_key, "today": when}

    for p in files:
        label = p.relative_to(base).as_posix()
        suffix = p.suffix.lower()
        if suffix in _UNSUPPORTED:
            log.add(label, None, None, None, f"{suffix} files cannot be read. Open the file in Excel (or "
                    f"LibreOffice) and save it as .xlsx or as CSV UTF-8.", "file skipped", "error")
            reads.append((label, "", 0, True))
            continue
        if suffix == ".xml":
            _read_ctf(p, label, hmap, log, reads, sources, parts, opts)
            continue
        try:
            blocks = read_file(p, label, suffix, log)
        except Unreadable as exc:
            log.add(label, None, None, None, str(exc), "file skipped", "error")
            reads.append((label, "", 0, True))
            continue
        except Exception as exc:  # noqa: BLE001 - unreadable file: report, go on with the others
            log.add(label, None, None, None, f"The file could not be read ({type(exc).__name__}: {exc}). "
                    f"Open it in Excel and save it again as CSV UTF-8 or as .xlsx.", "file skipped", "error")
            reads.append((label, "", 0, True))
            continue
        for block in blocks:
            _read_block(block, hmap, log, reads, sources, parts, opts)

    merge_ctf(parts, log)            # a CTF's pupils + the G&T register of a pupils file (gtanalytics.data._ctf)
    tables = {}
    for name, spec in TABLES.items():
        if parts[name]:
            frames, parts[name] = parts[name], []
            df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
            del frames                      # one copy of a large table at a time
            df = normalise_labels(df, spec, log)
            df = check_duplicates(df, spec, log)
            excluded = df["_excluded"].to_numpy(dtype=bool)
            df = df[[c.name for c in spec.columns]]
            tables[name] = (df[~excluded] if excluded.any() else df).reset_index(drop=True)
            del df
        else:
            tables[name] = empty_frame(spec)
    quality = log.frame()
    reads_df = pd.DataFrame(reads, columns=["file", "table", "rows_read", "skipped"])
    accounting = accounting_table(reads_df, quality)
    src = pd.DataFrame(sources, columns=["file", "table", "encoding", "header_row", "columns_mapped",
                                         "columns_ignored"])
    if not (accounting["table"] == "pupils").any() or tables["pupils"].empty:
        why = format_problems(quality, max_rows=10, min_severity="warning")
        raise GTDataError(
            f"No usable pupils table was found in {root}. gtanalytics needs a pupils file (e.g. pupils.csv or a "
            f"sheet called Pupils) with at least the columns upn, academic_year, school_id, year_group, sex "
            f"and gt_register (or their MIS names, e.g. 'UPN', 'Academic year', 'Year', 'Gender', 'G&T') and "
            f"at least one row that could be used."
            + (f"\nProblems found:\n{why}" if why != "No problems found." else ""))
    return SchoolData(**tables, quality=quality, accounting=accounting, sources=src)


def _read_block(block: Block, hmap: HeaderMapping, log: ProblemLog, reads: list, sources: list,
                parts: dict, opts: dict) -> None:
    """Identify, map and validate one block; append its rows to ``parts``."""
    label = block.label
    if block.columns is not None and not any(any(not is_blank(v) for v in r) for r in block.records):
        block.materialise()                # nothing in the top rows: judged row by row
    for note in block.notes:
        log.add(label, None, None, None, note, "noted", "warning")
    table = next((t for t in (table_for_name(n) for n in block.names) if t), None)
    how = "name"
    if table is None:                    # fall back on the headers: all required columns present
        scored = []
        for spec in TABLES.values():
            _, _, assigned = find_header(block, spec, hmap)
            if set(spec.required) <= set(assigned.values()):
                scored.append((len(assigned), spec.name))
        scored.sort(reverse=True)
        if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            table, how = scored[0][1], "headers"
    if table is None:
        n = max(block.n_records - 1, 0)     # rows below the first line: none of them is used
        log.add(label, None, None, None,
                "Not recognised as any gtanalytics table, so it was not used. Name the file (or sheet) after "
                f"its table, e.g. pupils.csv or assessments.xlsx (recognised names - {_names_hint()}).",
                "file skipped", "warning")
        reads.append((label, "", n, True))
        return
    spec = TABLES[table]
    if not any(any(not is_blank(v) for v in r) for r in block.records):
        log.add(label, None, None, None, f"The file is empty (no header and no rows), so there is nothing to read "
                f"for the {table} table. Export it again if it should hold data.", "file skipped", "warning")
        reads.append((label, table, 0, True))
        sources.append((label, table, block.encoding, None, "", ""))
        return
    h, span, assigned = find_header(block, spec, hmap)
    first = max(h, 0) + span
    filled = fill_merged(block, first) if block.merges else []
    header_now = [("" if is_blank(v) else str(v)) for v in header_labels(block, max(h, 0), span)]
    unclear = _settle_clashes(block, header_now, assigned, spec, hmap, first, log)
    if unclear:
        reads.append((label, table, max(block.n_records - first, 0), True))
        sources.append((label, table, block.encoding, None, "", ", ".join(x for x in header_now if x)))
        return
    if block.columns is not None and (first < block.columns_start
                                      or len(_header_row(block, h, span)) != len(block.columns)):
        block.materialise()                # blank names at the end of the header: the row checks decide
    columns, start, block.columns = block.columns, block.columns_start, None
    header, body, rownums = body_rows(block, h, span, log)
    data_rows = len(block.records) - first
    if columns is not None:                # read by column: every row is as wide as the header
        columns = [c[first - start:] for c in columns]
        data_rows = len(columns[0])
        rownums = np.arange(first + 1, first + 1 + data_rows, dtype="int64")
    if how == "headers":
        log.add(label, None, None, None, f"Recognised as the {table} table from its headers.", "noted", "info")
    if span == 2:
        log.add(label, None, None, None, f"The header takes two rows ({h + 1} and {h + 2}, e.g. merged cells); "
                f"they were read together.", "noted", "info")
    if h > 0:
        log.add(label, None, None, None, f"Header found on row {h + 1}; the {h} row(s) above it were "
                f"read as a title and not as data.", "noted", "info")
    missing = [c for c in spec.required if c not in assigned.values()]
    header_text = ", ".join(str(x) for x in header if not is_blank(x))
    if missing:
        alts = {c: [x for x in hmap.headers_for(c) if x != c][:4] for c in missing}
        fix = "; ".join(f"'{c}'" + (f" (or {', '.join(repr(a) for a in alts[c])})" if alts[c] else "")
                        for c in missing)
        log.add(label, None if h < 0 else [h + 1], ", ".join(missing), header_text[:200],
                f"The {table} table needs the column(s) {fix}, which were not found, so the file cannot be "
                f"used. Add the column(s) to the export, or rename the header, or map your own header name "
                f"with a mapping file (gtanalytics validate PATH --mapping my_mapping.yml).",
                "file skipped", "error")
        reads.append((label, table, data_rows, True))
        sources.append((label, table, block.encoding, None, "", header_text))
        return
    if data_rows == 0:
        log.add(label, None, None, None, f"The file has a header but no rows, so no {table} data were read.",
                "noted", "warning")
    width = len(header)
    cols = {canon: columns[i] if columns is not None else pd.Series([r[i] for r in body], dtype="object").to_numpy()
            for i, canon in assigned.items() if i < width}
    cols["_file"] = np.full(len(rownums), label, dtype=object)
    cols["_row"] = rownums
    raw = pd.DataFrame({k: pd.Series(v, dtype=v.dtype, copy=False) for k, v in cols.items()},
                       copy=False)         # object kept as object; one array per column, not a consolidated copy
    del body, columns, cols
    block.records = block.records[:max(h, 0) + span]   # the rows as read are not needed any more: free them
    ignored = [header[i] for i in range(width) if i not in assigned and header[i].strip()]
    frame = [raw]
    del raw                                # validate_table takes it out of the list and frees it early
    if filled:
        mapped = [(r, c, v, ref) for r, c, v, ref in filled if c in assigned]
        log.add(label, [r + 1 for r, *_ in mapped], [assigned[c] for _, c, *_ in mapped], [v for *_, v, _ in mapped],
                [f"Cells {ref} are merged down the column; the value was filled into this row. Check it belongs to "
                 f"this row too (unmerge the cells in Excel to avoid this)." for *_, ref in mapped],
                "repaired", "warning")
    percent = frozenset(c for i, c in assigned.items() if i < width and spec.column(c).dtype in ("int", "float")
                        and re.search(r"%|\bper ?cent|\bpct\b", header[i], re.I))
    typed = validate_table(frame, spec, values=hmap.values, log=log, label=label, date_origin=block.date_origin,
                           headers={c: header[i] for i, c in assigned.items() if i < width}, percent=percent, **opts)
    typed = derive_columns(typed, spec, present=set(assigned.values()), log=log, label=label)
    parts[table].append(typed)
    reads.append((label, table, data_rows, False))
    sources.append((label, table, block.encoding, (h + 1) if h >= 0 else None,
                    ", ".join(f"{header[i]}->{c}" for i, c in assigned.items() if i < width),
                    ", ".join(ignored)))
    if ignored:
        log.add(label, None, None, ", ".join(ignored)[:200],
                "These columns are not part of the table and were not used (add them to a mapping file if "
                "they hold one of the canonical columns under another name).", "noted", "info")


def _sample(block: Block, i: int, first: int, n: int = 200) -> pd.Series:
    """Up to ``n`` non-blank values of column ``i`` below the header, as stripped text."""
    if block.columns is not None:
        col = block.columns[i] if i < len(block.columns) else np.array([], dtype=object)
        vals = col[max(first - block.columns_start, 0):][:n]
    else:
        vals = [r[i] if i < len(r) else None for r in block.records[first:first + n]]
    return pd.Series([v for v in vals if not is_blank(v)], dtype="object").astype("string").str.strip()


def _failures(block: Block, i: int, first: int, column) -> float:
    """Share of the sampled values of column ``i`` that cannot be read as ``column`` (1 when blank)."""
    u = _sample(block, i, first)
    if u.empty:
        return 1.0
    bad = parse_column(column, u)[1]
    if column.name == "gt_register":
        bad &= register_areas(u).isna()
    return float(bad.mean())


def _settle_clashes(block: Block, header: list[str], assigned: dict, spec: TableSpec, hmap: HeaderMapping,
                    first: int, log: ProblemLog) -> bool:
    """Two headers claiming one column: decide by the values, a hidden column or the more specific header.

    Changes ``assigned`` in place and reports every clash.  Returns True when a required
    column cannot be settled (the file is then not used, with the reason).
    """
    label = block.label
    cands = hmap.candidates(header, spec)

    def name(i):
        return f"'{header[i]}' (column {i + 1})"

    multi = [i for i in assigned if len(cands[i]) > 1]
    for k, i in enumerate(multi):              # e.g. two "Year" columns: academic year and year group
        for j in multi[k + 1:]:
            a, b = assigned[i], assigned[j]
            if b in cands[i] and a in cands[j]:
                now = _failures(block, i, first, spec.column(a)) + _failures(block, j, first, spec.column(b))
                swap = _failures(block, i, first, spec.column(b)) + _failures(block, j, first, spec.column(a))
                if swap < now - 0.5:
                    assigned[i], assigned[j] = b, a
                log.add(label, None, f"{assigned[i]}, {assigned[j]}", f"{header[i]}, {header[j]}",
                        f"Columns {name(i)} and {name(j)} could each be {a} or {b}; by their values {name(i)} was "
                        f"read as {assigned[i]} and {name(j)} as {assigned[j]}.", "noted", "warning")
    unclear = False
    for i, cs in enumerate(cands):
        if i in assigned or not cs:
            continue
        col = next((c for c in cs if c in assigned.values()), None)
        if col is None:
            continue
        j = next(k for k, v in assigned.items() if v == col)
        column = spec.column(col)
        fj, fi = _failures(block, j, first, column), _failures(block, i, first, column)
        rj, ri = hmap.rank(header[j], col), hmap.rank(header[i], col)
        if (j in block.hidden) != (i in block.hidden):
            win, why = (i, "the other column is hidden in the workbook") if j in block.hidden else (
                j, "the other column is hidden in the workbook")
        elif abs(fj - fi) >= 0.5:
            win, why = (i, f"only its values read as {col}") if fi < fj else (j, f"only its values read as {col}")
        elif rj != ri:
            win, why = (i, f"its header is the more specific name for {col}") if ri < rj else (
                j, f"its header is the more specific name for {col}")
        elif _sample(block, i, first).tolist() == _sample(block, j, first).tolist():
            win, why = j, "the two hold the same values"
        else:
            win = None
        if win is None:
            problem = (f"Two columns could be {col}: {name(j)} and {name(i)}, and they hold different values, so "
                       f"gtanalytics cannot tell which is right. Delete (or rename) the column that is out of date, "
                       f"or map the right header with a mapping file, and export again.")
            if column.required:
                log.add(label, None, col, f"{header[j]}, {header[i]}", problem + " The file was not used.",
                        "file skipped", "error")
                unclear = True
            else:
                del assigned[j]
                log.add(label, None, col, f"{header[j]}, {header[i]}", problem + f" Neither was used, so {col} is "
                        f"blank for this file.", "noted", "warning")
            continue
        lose = i if win == j else j
        if win == i:
            del assigned[j]
            assigned[i] = col
        log.add(label, None, col, f"{header[j]}, {header[i]}",
                f"Two columns could be {col}: {name(j)} and {name(i)}. {name(win)} was used because {why}; "
                f"{name(lose)} was not used. If that is wrong, delete or rename a column, or map the headers with a "
                f"mapping file.", "noted", "warning")
    assigned_sorted = dict(sorted(assigned.items()))
    assigned.clear()
    assigned.update(assigned_sorted)
    return unclear


def _read_ctf(p: Path, label: str, hmap: HeaderMapping, log: ProblemLog, reads: list, sources: list,
              parts: dict, opts: dict) -> None:
    """A DfE Common Transfer File (:mod:`gtanalytics.data`): each of its tables is checked like a CSV's."""
    try:
        ctf = read_ctf(p, label=label, log=log)
    except CTFUnreadable as exc:
        log.add(label, None, None, exc.value, str(exc), "file skipped", exc.severity)
        reads.append((label, "pupils" if exc.pupils_seen else "", exc.pupils_seen, True))
        return
    if not ctf.tables:                    # no pupils: reported by read_ctf
        reads.append((label, "pupils", 0, False))
    for table, raw in ctf.tables.items():
        spec, part = TABLES[table], raw["_file"].iloc[0]
        present = set(raw.columns) - {"_file", "_row"}
        n, upns, checks = len(raw), dict(zip(raw["_row"], raw["upn"])) if "upn" in raw else {}, ProblemLog()
        typed = validate_table([raw], spec, values=hmap.values, log=checks, label=part, **opts)
        typed = derive_columns(typed, spec, present=present, log=checks, label=part)
        relay_problems(checks.frame(), upns, table, log)          # each problem names the UPN and the element
        typed.attrs["ctf"] = True
        parts[table].append(typed)
        reads.append((part, table, n, False))
        sources.append((part, table, "xml", None, ", ".join(sorted(present)), ""))


def _header_row(block: Block, h: int, span: int) -> list:
    """The header of a block held by column as body_rows makes it (blank names at its end dropped)."""
    head = header_labels(block, max(h, 0), span) if block.records else []
    nonblank = [i for i, v in enumerate(head) if not is_blank(v)]
    return head[:nonblank[-1] + 1] if nonblank else head


def _check_fields() -> None:
    names = {f.name for f in fields(SchoolData)}
    missing = set(TABLES) - names
    if missing:                                   # pragma: no cover - guards schema edits
        raise RuntimeError(f"SchoolData lacks fields for tables {sorted(missing)}")


_check_fields()
