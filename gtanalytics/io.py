"""Load a school's MIS exports into validated, canonical tables.

:func:`load` is the front door: give it a folder (or one file) of CSV, XLSX or
Parquet exports and it returns a :class:`SchoolData` with one tidy DataFrame per
canonical table of :mod:`gtanalytics.schemas`, plus a quality report in which
every input row is accounted for (used, repaired or excluded).

What it copes with: UTF-8, UTF-8 with BOM, Windows-1252 and UTF-16 CSVs (comma,
tab, semicolon or pipe separated); title rows above the header, in CSV and in
Excel; the headers of the common MIS (SIMS, Arbor, Bromcom, Scholarpack: see
``gtanalytics/mapping.yml``, which you can extend); Excel workbooks with one
table per sheet.  The values themselves are checked and normalised by
:func:`gtanalytics.schemas.validate_table`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io as _io
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gtanalytics.errors import GTDataError
from gtanalytics.quality import ProblemLog, accounting_table, format_problems
from gtanalytics.schemas import TABLES, TableSpec, empty_frame
from gtanalytics.validation import check_duplicates, derive_columns, validate_table

__all__ = ["SchoolData", "load", "load_mapping", "HeaderMapping", "normalise_header", "table_for_name"]

_BUILTIN_MAPPING = Path(__file__).with_name("mapping.yml")
_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".pq"}
_UNSUPPORTED = {".xls", ".ods", ".numbers", ".xlsb"}     # reported, not read
_HEADER_SEARCH_ROWS = 30


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

    def assign(self, headers: list[object], spec: TableSpec) -> dict[int, str]:
        """Map header positions to the canonical columns of ``spec``.

        Headers with a single possible meaning in this table are placed first; a
        header with several (e.g. "Year") then takes the first still free.
        Only the first header claiming a column gets it.
        """
        names = {c.name for c in spec.columns}
        cands = []
        for h in headers:
            key = normalise_header(h) if h is not None and not pd.isna(h) else ""
            cands.append([c for c in self.columns.get(key, ()) if c in names] if key else [])
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

    def headers_for(self, column: str) -> list[str]:
        """Headers, as spelt in the mapping, that are read as ``column``."""
        return list(self.labels.get(column, ()))


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
                              f"shaped like gtanalytics/mapping.yml.")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8-sig")) or {}
        except yaml.YAMLError as exc:
            raise GTDataError(f"The mapping file {p} is not valid YAML ({exc}). "
                              f"Compare it with gtanalytics/mapping.yml.") from None
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
    known = {c.name for spec in TABLES.values() for c in spec.columns}
    cols: dict[str, list[str]] = {}
    vals: dict[str, dict[str, str]] = {}
    labels: dict[str, list[str]] = {}
    for src in (user, read(_BUILTIN_MAPPING)):           # user first: their meaning wins
        for canon, headers in columns_of(src).items():
            if canon not in known:
                raise GTDataError(f"The mapping names a column '{canon}' that gtanalytics does not know. "
                                  f"Use one of the canonical names in gtanalytics/schemas.py.")
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


# --------------------------------------------------------------------------- reading
def _decode(raw: bytes) -> tuple[str, str]:
    """Decode CSV bytes: BOMs first, then UTF-16 without BOM, UTF-8, Windows-1252."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    head = raw[:4000]
    if head and head.count(b"\x00") > len(head) // 4:
        enc = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return raw.decode(enc, errors="replace"), enc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return raw.decode("latin-1"), "latin-1"


def _sniff_sep(lines: list[str]) -> str:
    counts = {sep: sum(ln.count(sep) for ln in lines) for sep in (",", "\t", ";", "|")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _cell_text(v: object) -> object:
    """An Excel cell as the text a user would type (None for blank)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" ")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    text = str(v)
    return text if text.strip() else None


@dataclass
class _Block:
    """One table-shaped block of a file: a CSV, a sheet or a Parquet file."""

    label: str                      # file label used in messages
    names: tuple[str, ...]          # names that may identify the table (sheet, stem)
    top: list[list[object]]         # first rows, for header detection
    encoding: str = ""
    reader: object = None           # callable(header_index) -> DataFrame of text with header row
    header_fixed: bool = False      # Parquet: the header is the schema


def _csv_block(path: Path, label: str) -> _Block:
    text, enc = _decode(path.read_bytes())
    lines = text.splitlines()[:_HEADER_SEARCH_ROWS]
    sep = "\t" if path.suffix.lower() == ".tsv" else _sniff_sep(lines[:10])
    top = [row for row in csv.reader(lines, delimiter=sep)]

    def reader(h: int) -> pd.DataFrame:
        try:
            df = pd.read_csv(_io.StringIO(text), sep=sep, skiprows=h, header=0, dtype=str,
                             keep_default_na=False, na_filter=False, skip_blank_lines=False,
                             engine="c")
        except pd.errors.ParserError:          # ragged rows: read them by hand, pad or cut
            rows = list(csv.reader(_io.StringIO(text), delimiter=sep))[h:]
            width = len(rows[0]) if rows else 0
            body = [(r + [""] * width)[:width] for r in rows[1:]]
            df = pd.DataFrame(body, columns=rows[0] if rows else [], dtype=object)
        return df

    return _Block(label, (path.stem,), top, enc, reader)


def _excel_blocks(path: Path, label: str) -> list[_Block]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    blocks = []
    try:
        for i, ws in enumerate(wb.worksheets):
            rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
            while rows and all(v is None for v in rows[-1]):
                rows.pop()                      # Excel's formatted-but-empty tail
            if not rows:
                continue
            names = (ws.title,) + ((path.stem,) if i == 0 or len(wb.worksheets) == 1 else ())

            def reader(h: int, rows=rows) -> pd.DataFrame:
                width = max(len(r) for r in rows)
                head = [("" if v is None else v) for v in rows[h]] + [""] * (width - len(rows[h]))
                body = [list(r) + [None] * (width - len(r)) for r in rows[h + 1:]]
                return pd.DataFrame(body, columns=[str(x) for x in head], dtype=object)

            blocks.append(_Block(f"{label} [{ws.title}]", names, rows[:_HEADER_SEARCH_ROWS], "xlsx", reader))
    finally:
        wb.close()
    return blocks


def _parquet_block(path: Path, label: str) -> _Block:
    df = pd.read_parquet(path)
    text = df.astype("string")
    return _Block(label, (path.stem,), [list(df.columns)], "parquet", lambda h: text, header_fixed=True)


def _find_header(block: _Block, spec: TableSpec, mapping: HeaderMapping) -> tuple[int, dict[int, str]]:
    """Header row: the first of the top rows that maps onto the most canonical columns."""
    best = (0, -1, {})
    for i, row in enumerate(block.top[:1] if block.header_fixed else block.top):
        assigned = mapping.assign(row, spec)
        if len(assigned) > best[0]:
            best = (len(assigned), i, assigned)
    return best[1], best[2]


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


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class SchoolData:
    """Validated canonical tables of one school or trust, and the report of how they were read.

    Attributes
    ----------
    schools, pupils, assessments, interventions, mentoring, enrichment, attendance,
    exclusions, parents_evenings, surveys, self_evaluation : pandas.DataFrame
        One frame per table of :data:`gtanalytics.schemas.TABLES`, with exactly its
        canonical columns (text ``string``, whole numbers ``Int64``, numbers
        ``float64``, flags nullable ``boolean``, dates ``datetime64[ns]``). A table
        that was not supplied is an empty frame with those columns.
    quality : pandas.DataFrame
        ``file, row, column, value, problem, action, severity`` (see
        :mod:`gtanalytics.quality`).
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

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items() if len(v))
        return f"SchoolData({sizes}; {len(self.quality)} quality records)"


# --------------------------------------------------------------------------- load
def _names_hint() -> str:
    return "; ".join(f"{spec.name}: {', '.join(spec.file_names[:3])}" for spec in TABLES.values())


def load(path: str | Path, *, mapping: str | Path | dict | None = None) -> SchoolData:
    """Read, map and validate a folder (or one file) of MIS exports.

    Parameters
    ----------
    path : str or Path
        A folder (searched recursively, hidden and ``_``-prefixed items ignored) or
        one file; ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xlsm`` (each sheet may be a
        table) or ``.parquet``.  The table a file holds is recognised from its name
        (``pupils.csv``, ``Assessments 2024.xlsx``, ...: see ``TableSpec.file_names``),
        from the sheet name, or failing that from its headers.
    mapping : str, Path or dict, optional
        Extra header/value mapping (see :func:`load_mapping` and ``gtanalytics/mapping.yml``).

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
        be read, or no usable ``pupils`` table was supplied.  Row-level problems are
        reported in ``quality`` instead.

    Examples
    --------
    >>> data = load("data/sample")                     # doctest: +SKIP
    >>> data.pupils.columns[:3].tolist()               # doctest: +SKIP
    ['upn', 'academic_year', 'school_id']
    """
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

    for p in files:
        label = p.relative_to(base).as_posix()
        suffix = p.suffix.lower()
        if suffix in _UNSUPPORTED:
            log.add(label, None, None, None, f"{suffix} files cannot be read. Open the file in Excel (or "
                    f"LibreOffice) and save it as .xlsx or as CSV UTF-8.", "file skipped", "error")
            reads.append((label, "", 0, True))
            continue
        try:
            blocks = (_excel_blocks(p, label) if suffix in (".xlsx", ".xlsm")
                      else [_parquet_block(p, label)] if suffix in (".parquet", ".pq")
                      else [_csv_block(p, label)])
        except Exception as exc:  # unreadable file: report, go on with the others
            log.add(label, None, None, None, f"The file could not be read ({type(exc).__name__}: {exc}). "
                    f"Open it in Excel and save it again as CSV UTF-8 or as .xlsx.", "file skipped", "error")
            reads.append((label, "", 0, True))
            continue
        for block in blocks:
            _read_block(block, hmap, log, reads, sources, parts)

    tables = {}
    for name, spec in TABLES.items():
        if parts[name]:
            df = pd.concat(parts[name], ignore_index=True)
            df = check_duplicates(df, spec, log)
            df = df[~df["_excluded"]]
            tables[name] = df[[c.name for c in spec.columns]].reset_index(drop=True)
        else:
            tables[name] = empty_frame(spec)
    quality = log.frame()
    reads_df = pd.DataFrame(reads, columns=["file", "table", "rows_read", "skipped"])
    accounting = accounting_table(reads_df, quality)
    src = pd.DataFrame(sources, columns=["file", "table", "encoding", "header_row", "columns_mapped",
                                         "columns_ignored"])
    if not (accounting["table"] == "pupils").any() or tables["pupils"].empty:
        why = format_problems(quality, max_rows=10, min_severity="error")
        raise GTDataError(
            f"No usable pupils table was found in {root}. gtanalytics needs a pupils file (e.g. pupils.csv or a "
            f"sheet called Pupils) with at least the columns upn, academic_year, school_id, year_group, sex "
            f"and gt_register (or their MIS names, e.g. 'UPN', 'Academic year', 'Year', 'Gender', 'G&T')."
            + (f"\nProblems found:\n{why}" if why != "No problems found." else ""))
    return SchoolData(**tables, quality=quality, accounting=accounting, sources=src)


def _read_block(block: _Block, hmap: HeaderMapping, log: ProblemLog, reads: list, sources: list,
                parts: dict) -> None:
    """Identify, map and validate one block; append its rows to ``parts``."""
    label = block.label
    table = next((t for t in (table_for_name(n) for n in block.names) if t), None)
    how = "name"
    if table is None:                    # fall back on the headers: all required columns present
        scored = []
        for spec in TABLES.values():
            _, assigned = _find_header(block, spec, hmap)
            if set(spec.required) <= set(assigned.values()):
                scored.append((len(assigned), spec.name))
        scored.sort(reverse=True)
        if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            table, how = scored[0][1], "headers"
    if table is None:
        n = len(block.reader(0))         # rows below the first line: none of them is used
        log.add(label, None, None, None,
                "Not recognised as any gtanalytics table, so it was not used. Name the file (or sheet) after "
                f"its table, e.g. pupils.csv or assessments.xlsx (recognised names - {_names_hint()}).",
                "file skipped", "warning")
        reads.append((label, "", n, True))
        return
    spec = TABLES[table]
    h, assigned = _find_header(block, spec, hmap)
    frame = block.reader(max(h, 0))
    data_rows = len(frame)
    first_row = (h + 2) if h >= 0 else 2
    if how == "headers":
        log.add(label, None, None, None, f"Recognised as the {table} table from its headers.", "noted", "info")
    if h > 0:
        log.add(label, None, None, None, f"Header found on row {h + 1}; the {h} row(s) above it were "
                f"read as a title and not as data.", "noted", "info")
    missing = [c for c in spec.required if c not in assigned.values()]
    header_text = ", ".join(str(x) for x in (block.top[h] if h >= 0 else block.top[0] if block.top else [])
                            if x not in (None, ""))
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
    cols = list(frame.columns)
    raw = pd.DataFrame({canon: frame.iloc[:, i] for i, canon in assigned.items() if i < len(cols)})
    ignored = [str(cols[i]) for i in range(len(cols)) if i not in assigned and str(cols[i]).strip()
               and not str(cols[i]).startswith("Unnamed")]
    raw["_file"] = label
    raw["_row"] = np.arange(first_row, first_row + data_rows, dtype="int64")
    typed = validate_table(raw, spec, values=hmap.values, log=log, label=label)
    typed = derive_columns(typed, spec, present=set(assigned.values()), log=log, label=label)
    parts[table].append(typed)
    reads.append((label, table, data_rows, False))
    sources.append((label, table, block.encoding, (h + 1) if h >= 0 else None,
                    ", ".join(f"{cols[i]}->{c}" for i, c in assigned.items() if i < len(cols)),
                    ", ".join(ignored)))
    if ignored:
        log.add(label, None, None, ", ".join(ignored)[:200],
                "These columns are not part of the table and were not used (add them to a mapping file if "
                "they hold one of the canonical columns under another name).", "noted", "info")


def _check_fields() -> None:
    names = {f.name for f in fields(SchoolData)}
    missing = set(TABLES) - names
    if missing:                                   # pragma: no cover - guards schema edits
        raise RuntimeError(f"SchoolData lacks fields for tables {sorted(missing)}")


_check_fields()
