"""Reading export files into rows of text: CSV (any common encoding and separator), Excel, Parquet.

Part of :func:`gtanalytics.data.load`.  A file becomes one or more :class:`Block`
(a CSV, a sheet, a Parquet file) of records as read, with the row numbers a
spreadsheet shows and, for CSV, the text line each record starts on.  The header
is found among the top rows (title rows above it are skipped; a two-row header
with merged cells is read as one), and the rows below it are made as wide as
the header, with every row that cannot be matched to the columns reported.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io as _io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gtanalytics.data._quality import ProblemLog

__all__ = ["Block", "Unreadable", "read_file", "parquet_block", "find_header", "body_rows", "is_blank",
           "fill_merged", "HEADER_SEARCH_ROWS"]

HEADER_SEARCH_ROWS = 30


def _decode(raw: bytes) -> tuple[str, str, list[int]]:
    """Decode CSV bytes: BOMs first, then UTF-16 without BOM, UTF-8, Windows-1252.

    Returns the text, the encoding and the lines (1-based) that were not in the file's
    encoding: a UTF-8 file with a few Windows-1252 lines (a name pasted from another
    program) is decoded line by line, so the UTF-8 names stay right.
    """
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig", []
        except UnicodeDecodeError:
            raw = raw[3:]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16", []
    head = raw.rstrip(b"\x00")[:4000]           # NUL padding at the end is not a sign of UTF-16
    if head and head.count(b"\x00") > len(head) // 4:
        enc = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return raw.decode(enc, errors="replace"), enc, []
    try:
        return raw.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    good = bad = 0
    out, odd = [], []
    for i, ln in enumerate(lines):
        try:
            out.append(ln.decode("utf-8"))
            good += not ln.isascii()
        except UnicodeDecodeError:
            out.append(ln.decode("cp1252", errors="replace"))
            odd.append(i + 1)
            bad += 1
    if good and good >= bad:                  # mostly UTF-8: only the odd lines are Windows-1252
        return "\n".join(out), "utf-8", odd
    try:
        return raw.decode("cp1252"), "cp1252", []
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1", []


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
class Block:
    """One table-shaped block of a file: a CSV, a sheet or a Parquet file.

    ``records`` are the rows as read (text or None), title and header rows included;
    record ``i`` is the row ``i + 1`` a spreadsheet shows.  ``lines`` (CSV only) is
    the text line on which each record starts, which differs from ``i + 1`` once a
    quoted value has run over a line break.
    """

    label: str                      # file label used in messages
    names: tuple[str, ...]          # names that may identify the table (sheet, stem)
    records: list[list[object]]
    encoding: str = ""
    lines: list[int] | None = None  # start line of each record, then (last line + 1)
    sep: str = ""
    header_fixed: bool = False      # Parquet: the header is the schema
    notes: tuple[str, ...] = ()     # file-level notes made while reading
    columns: list[np.ndarray] | None = None   # large files: the records by column (text or None)
    columns_start: int = 0          # index of the record ``columns`` begin at; ``records`` then hold the top rows
    merges: tuple = ()              # Excel: cells merged down a column (column, first record, last record, range)
    hidden: frozenset = frozenset() # Excel: indices of hidden columns
    date_origin: str = "1899-12-30" # day 0 of date serial numbers (Excel's 1904 system: 1904-01-01)

    @property
    def n_records(self) -> int:
        """Number of records, header included (also when they are held by column)."""
        return self.columns_start + len(self.columns[0]) if self.columns else len(self.records)

    def materialise(self) -> None:
        """Turn records held by column into lists (for the rare file that needs the row checks)."""
        if self.columns is not None:
            self.records = [*self.records[:self.columns_start], *map(list, zip(*self.columns))]
            self.columns = None

    @property
    def top(self) -> list[list[object]]:
        return self.records[:HEADER_SEARCH_ROWS]


class Unreadable(Exception):
    """A file that cannot be read; the message says why in plain English."""


def _csv_block(path: Path, label: str, raw: bytes | None = None) -> Block:
    raw = path.read_bytes() if raw is None else raw
    text, enc, odd = _decode(raw)
    notes = []
    if odd:
        notes.append(f"The file is UTF-8 but line(s) {', '.join(map(str, odd[:10]))}{', ...' if len(odd) > 10 else ''} "
                     f"were in Windows-1252 (e.g. a name pasted from another program); those lines were read as "
                     f"Windows-1252, the rest as UTF-8. Check the accented names on those lines, and save the file "
                     f"again as CSV UTF-8.")
    if "\x00" in text:
        padded = not text.rstrip("\x00").count("\x00")
        text = text.replace("\x00", "")
        notes.append("The file ended in NUL characters (padding left by the program that wrote it); they were "
                     "removed." if padded else "The file held NUL characters (a sign of a damaged export or the "
                     "wrong encoding); they were removed.")
    sep_line = re.match(r"sep=(.)[ \t]*\r?\n", text)
    if sep_line:                          # Excel's separator hint: not a row (Excel does not show it)
        text = text[sep_line.end():]
        notes.append(f"The first line 'sep={sep_line.group(1)}' tells Excel the separator; it was used and is not "
                     f"counted as a row, so row numbers are those Excel shows (a text editor shows each one line "
                     f"lower).")
    first = text.splitlines()[:10]
    sep = sep_line.group(1) if sep_line else "\t" if path.suffix.lower() == ".tsv" else _sniff_sep(first)
    if '"' not in text:                  # no quoting: each line is one record, split on the separator
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        block = _csv_columns(text, sep, label, path.stem, enc, tuple(notes))
        if block is not None:
            return block
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        records: list[list[object]] = [ln.split(sep) if ln else [] for ln in lines]
        return Block(label, (path.stem,), records, enc, None, sep, notes=tuple(notes))
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=sep)
    records, starts = [], []
    prev = 0
    try:
        for rec in reader:
            records.append(rec)
            starts.append(prev + 1)
            prev = reader.line_num
    except csv.Error as exc:            # e.g. a runaway quoted value longer than the csv field limit
        raise Unreadable(
            f"From line {prev + 1} on the file cannot be read as CSV ({exc}). This usually means a quote mark (\") "
            f"opens a value that is never closed. Remove the stray quote mark near line {prev + 1}, or open the "
            f"file in Excel and save it again as CSV UTF-8.") from None
    multi = prev != len(records)         # some record runs over more than one line
    return Block(label, (path.stem,), records, enc, starts + [prev + 1] if multi else None, sep,
                 notes=tuple(notes))


#: Unquoted CSVs at least this long (characters) are split by column when every line has the same
#: number of values: the records are then object arrays sharing one string per distinct value.
COLUMNAR_MIN_CHARS = 1_000_000
_CHUNK_ROWS = 250_000


def _csv_columns(text: str, sep: str, label: str, stem: str, enc: str, notes: tuple) -> Block | None:
    """An unquoted CSV split by column (as ``line.split(sep)`` would), or None when the rows differ in width."""
    if len(text) < COLUMNAR_MIN_CHARS:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten()
    if len(lines) and lines[len(lines) - 1].as_py() == "":
        lines = lines.slice(0, len(lines) - 1)
    n = len(lines)
    if n == 0 or pc.any(pc.equal(pc.utf8_length(lines), 0)).as_py():
        return None                      # an empty line: the row checks decide
    counts = pc.min_max(pc.count_substring(lines, sep)).as_py()
    if counts["min"] != counts["max"]:
        return None                      # rows of different widths: the row checks decide
    k = counts["max"] + 1
    columns = [np.empty(n, dtype=object) for _ in range(k)]
    shared: list[dict] = [{} for _ in range(k)]   # one string object per distinct value across chunks
    for lo in range(0, n, _CHUNK_ROWS):            # in chunks, so only one chunk's fields exist as arrow strings
        flat = pc.split_pattern(lines.slice(lo, _CHUNK_ROWS), sep).flatten()
        m = len(flat) // k
        for j in range(k):
            enc_col = flat.take(pa.array(np.arange(j, m * k, k))).dictionary_encode()
            uniques = np.empty(len(enc_col.dictionary), dtype=object)
            seen = shared[j]
            uniques[:] = [seen.setdefault(v, v) for v in enc_col.dictionary.to_pylist()]
            columns[j][lo:lo + m] = uniques[enc_col.indices.to_numpy()]
        del flat
    del lines
    pa.default_memory_pool().release_unused()      # give the arrow buffers back before validation allocates
    top = [list(r) for r in zip(*(c[:HEADER_SEARCH_ROWS] for c in columns))]
    return Block(label, (stem,), top, enc, None, sep, notes=notes, columns=columns, columns_start=0)


_CELL = rb'<c r="([A-Z]{1,3})(\d+)"([^>]*)>(<f[^>]*/>|<f[^>]*>([^<]*)</f>)(?:<v\s*/>|<v>\s*</v>)?</c>'
_MERGE = rb'<mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"'
_HIDDEN_COL = rb'<col ([^>]*hidden="(?:1|true)"[^>]*)/?>'


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _sheet_facts(archive: zipfile.ZipFile | None, member: str | None) -> tuple[list, list, set]:
    """Read from a sheet's XML what openpyxl's read-only mode does not give: formula cells without a
    calculated value (row, column, formula), vertical merged ranges (column, first row, last row, ref)
    and hidden columns (all 0-based)."""
    if archive is None or member is None or member not in archive.namelist():
        return [], [], set()
    xml = archive.read(member)
    uncached = []
    if b"<f" in xml:
        for m in re.finditer(_CELL, xml):
            if b't="str"' not in m.group(3):          # Excel writes an empty text result as t="str"
                uncached.append((int(m.group(2)) - 1, _col_index(m.group(1)),
                                 "=" + (m.group(5) or b"").decode("utf-8", "replace")))
    merges = []
    for m in re.finditer(_MERGE, xml[xml.rfind(b"</sheetData>"):]):
        c1, r1, c2, r2 = _col_index(m.group(1)), int(m.group(2)) - 1, _col_index(m.group(3)), int(m.group(4)) - 1
        if c1 == c2 and r2 > r1:
            merges.append((c1, r1, r2, (m.group(1) + m.group(2) + b":" + m.group(3) + m.group(4)).decode()))
    hidden = set()
    head = xml[:xml.find(b"<sheetData")]
    for m in re.finditer(_HIDDEN_COL, head):
        lo = re.search(rb'min="(\d+)"', m.group(1))
        hi = re.search(rb'max="(\d+)"', m.group(1))
        if lo and hi:
            hidden.update(range(int(lo.group(1)) - 1, int(hi.group(1))))
    return uncached, merges, hidden


def _excel_blocks(path: Path, label: str, source=None) -> list[Block]:
    import openpyxl

    wb = openpyxl.load_workbook(path if source is None else source, read_only=True, data_only=True)
    if source is not None:
        source.seek(0)
    archive = zipfile.ZipFile(path if source is None else source)
    origin = "1904-01-01" if wb.epoch.year == 1904 else "1899-12-30"
    blocks = []
    try:
        for i, ws in enumerate(wb.worksheets):
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()           # read every row from row 1, whatever the stored dimensions say
            rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(min_row=1, values_only=True)]
            uncached, merges, hidden = _sheet_facts(archive, getattr(ws, "_worksheet_path", None))
            for r, c, formula in uncached:      # a formula nobody calculated: its text, for the row checks to report
                if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
                    rows[r][c] = formula
            while rows and all(v is None for v in rows[-1]):
                rows.pop()                      # Excel's formatted-but-empty tail
            if not rows:
                continue
            width = max(len(r) for r in rows)
            rows = [r + [None] * (width - len(r)) if len(r) < width else r for r in rows]   # empty cells
            notes = ()
            if origin == "1904-01-01":
                notes = ("The workbook uses Excel's 1904 date system (an old Mac setting); dates written as "
                         "numbers were read in that system.",)
            names = (ws.title,) + ((path.stem,) if i == 0 or len(wb.worksheets) == 1 else ())
            blocks.append(Block(f"{label} [{ws.title}]", names, rows, "xlsx", notes=notes, merges=tuple(merges),
                                hidden=frozenset(hidden), date_origin=origin))
    finally:
        wb.close()
        archive.close()
    return blocks


def parquet_block(path: Path, label: str) -> Block:
    """A Parquet file as text, column by column: each distinct value is written as text once.

    The text is what ``astype("string")`` gives (missing values None), as for a CSV; the body
    is kept by column (object arrays sharing one string per distinct value), not as rows.
    """
    df = pd.read_parquet(path)
    columns = []
    for name in df.columns:
        codes, uniques = pd.factorize(df[name], use_na_sentinel=True)
        text = pd.Series(uniques).astype("string").astype(object).to_numpy()
        columns.append(np.append(text, None)[codes])   # the sentinel -1 picks the trailing None
    header = [[str(c) for c in df.columns]]
    return Block(label, (path.stem,), header, "parquet", header_fixed=True, columns=columns if columns else None,
                 columns_start=1)


def fill_merged(block: Block, first: int) -> list[tuple[int, int, object, str]]:
    """Fill cells merged down a column below the header (record ``first`` on) with the merged value.

    Returns (record index, column index, value, merged range) of every cell filled.
    """
    filled = []
    rows = block.records
    for c, r1, r2, ref in block.merges:
        if r1 >= first and r1 < len(rows) and c < len(rows[r1]) and rows[r1][c] is not None:
            for r in range(r1 + 1, min(r2, len(rows) - 1) + 1):
                if c < len(rows[r]) and rows[r][c] is None:
                    rows[r][c] = rows[r1][c]
                    filled.append((r, c, rows[r1][c], ref))
    return filled


def is_blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _merge_header(upper: list[object], lower: list[object]) -> list[object]:
    """Two header rows as one: the lower label, or the upper one where the lower cell is blank.

    This reads a header whose cells are merged in Excel: "UPN" merged down over two
    rows, "Attendance" merged across "Possible", "Authorised", "Unauthorised".
    """
    width = max(len(upper), len(lower))
    up = list(upper) + [None] * (width - len(upper))
    low = list(lower) + [None] * (width - len(lower))
    return [u if is_blank(lo) else lo for u, lo in zip(up, low)]


def find_header(block: Block, spec, mapping) -> tuple[int, int, dict[int, str]]:
    """Header: (first row index, number of header rows, assigned columns).

    The row (or pair of rows, for a two-row header with merged cells) among the top
    rows that maps onto the most canonical columns; one row wins a tie.
    """
    best = (0, 0, 0, -1, 1, {})
    top = block.top[:1] if block.header_fixed else block.top
    for i, row in enumerate(top):
        for span in (1, 2):
            if span == 2 and (block.header_fixed or i + 1 >= len(top)):
                continue
            head = row if span == 1 else _merge_header(row, top[i + 1])
            assigned = mapping.assign(head, spec)
            key = (len(assigned), 1 if span == 1 else 0, -i)
            if key > best[:3]:
                best = (*key, i, span, assigned)
    return best[3], best[4], best[5]


def header_labels(block: Block, h: int, span: int) -> list[object]:
    """The header labels of a block: row ``h`` (or rows ``h`` and ``h + 1`` merged when ``span`` is 2); none when ``h < 0``."""
    if h < 0:
        return []
    return list(block.records[h]) if span == 1 else _merge_header(block.records[h], block.records[h + 1])


def body_rows(block: Block, h: int, span: int, log: ProblemLog) -> tuple[list[str], list[list[object]], np.ndarray]:
    """Data rows below the header, made as wide as the header, with their spreadsheet row numbers.

    Rows with more values than the header has columns are excluded (a separator inside
    an unquoted value shifts every value after it), unless the extra values are blank
    and the header (or most rows) ends in the same empty separators, an export habit;
    rows with fewer values are padded with blanks and noted.  A quoted value that runs
    over line breaks and holds the separator (a stray quote mark swallowing rows) excludes
    its row.  Every such row is logged; returns (header, kept rows, their row numbers).
    """
    label = block.label
    head = header_labels(block, max(h, 0), span) if block.records else []
    nonblank = [i for i, v in enumerate(head) if not is_blank(v)]
    width = (nonblank[-1] + 1) if nonblank else len(head)
    head = [("" if v is None else str(v)) for v in head[:width]]
    first = max(h, 0) + span
    body = block.records[first:]
    rownums = np.arange(first + 1, first + 1 + len(body), dtype="int64")
    lens = np.fromiter((len(r) for r in body), dtype="int64", count=len(body))
    keep = np.ones(len(body), dtype=bool)
    sep = block.sep or ","
    if block.lines is not None:          # values over several lines: find runaway quotes, say where lines differ
        starts = block.lines[first:]
        for k in range(len(body)):
            end = starts[k + 1] - 1
            if end > starts[k] and any(isinstance(v, str) and ("\n" in v or "\r" in v) and sep in v
                                       for v in body[k]):
                value = next(v for v in body[k] if isinstance(v, str) and ("\n" in v or "\r" in v))
                log.add(label, [rownums[k]], None, [value[:60].replace("\r", " ").replace("\n", " ") + "..."],
                        f"A quoted value in this row runs from line {starts[k]} to line {end} of the file and holds "
                        f"separators: probably a stray quote mark (\") swallowed the rows on those lines. The row "
                        f"was not used; remove the stray quote mark and export again.", "excluded", "error")
                keep[k] = False
        moved = [k for k in range(len(body)) if starts[k] != rownums[k]]
        if moved:
            k = moved[0]
            log.add(label, None, None, None,
                    f"Some values run over several lines (quoted line breaks). Row numbers in this report are the "
                    f"rows Excel shows; in a text editor rows start lower down (row {rownums[k]} starts on line "
                    f"{starts[k]}).", "noted", "info")
    raw_width = len(block.records[max(h, 0) + span - 1]) if block.records else width
    long_rows = np.flatnonzero(keep & (lens > width))
    blank_tail = {k for k in long_rows if all(is_blank(v) for v in body[k][width:])}
    many = len(blank_tail) * 2 >= max(keep.sum(), 1)       # most rows end in empty separators: an export habit
    wide = [k for k in long_rows if k not in blank_tail or (lens[k] > raw_width and not many)]
    if wide:
        w = np.asarray(wide)
        log.add(label, rownums[w], None, [sep.join("" if v is None else str(v) for v in body[k])[:120] for k in wide],
                [f"This row has {lens[k]} values but the header has {width} columns, so its values cannot be "
                 f"matched to the columns (a value probably contains the separator '{sep}', e.g. 'Smith, Jr' "
                 f"without quote marks). Put quote marks around that value, or export the file again."
                 for k in wide], "excluded", "error")
        keep[w] = False
    trailing = len(long_rows) - len(wide)
    if trailing:
        log.add(label, None, None, None, f"{trailing} row(s) had extra separators at the end (no values); they "
                f"were ignored.", "noted", "info")
    short = np.flatnonzero(keep & (lens > 0) & (lens < width))
    if len(short):
        log.add(label, rownums[short], None, None, [
            f"This row has {lens[k]} values but the header has {width} columns; the missing values at the end "
            f"were read as blank." for k in short], "noted", "warning")
    rows = [body[k] if lens[k] == width else (list(body[k]) + [None] * width)[:width]
            for k in np.flatnonzero(keep)] if not (keep.all() and (lens == width).all()) else body
    return head, rows, rownums[keep]


def read_file(p: Path, label: str, suffix: str, log: ProblemLog) -> list[Block]:
    if suffix in (".xlsx", ".xlsm"):
        return _excel_blocks(p, label)
    if suffix in (".parquet", ".pq"):
        return [parquet_block(p, label)]
    raw = p.read_bytes()
    if raw.startswith(b"PK\x03\x04"):            # an .xlsx saved under a text name
        log.add(label, None, None, None, "This file is an Excel workbook with a text-file name; it was read as "
                "Excel. Rename it to .xlsx.", "noted", "info")
        return _excel_blocks(p, label, source=_io.BytesIO(raw))
    return [_csv_block(p, label, raw)]
