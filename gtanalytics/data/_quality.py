"""The data-quality report: every input row used, repaired or excluded, in plain English.

:func:`gtanalytics.data.load` records each problem it meets in a :class:`ProblemLog`;
the result is ``SchoolData.quality``, a tidy DataFrame with one row per problem:

``file, row, column, value, problem, action, severity``

* ``row`` is the row number a spreadsheet user sees (the header line counts), or
  missing for a problem that concerns a whole file or column;
* ``action`` is one of ``"excluded"`` (the row is not used), ``"repaired"`` (the
  row is used with the value changed as described), ``"derived"`` (a value was
  worked out from other columns), ``"file skipped"`` (nothing in the file is used)
  or ``"noted"`` (nothing changed);
* ``severity`` is ``"error"`` (information was lost: a row excluded or a file
  unusable), ``"warning"`` (used, but check it) or ``"info"``.

This module also turns that frame into short summaries for the CLI and the
data-health notebook (:func:`quality_summary`, :func:`format_problems`).  The rules
that find the problems live in :mod:`gtanalytics.data`; the value parsers in
:mod:`gtanalytics.data`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "QUALITY_COLUMNS",
    "ACCOUNTING_COLUMNS",
    "ProblemLog",
    "row_status",
    "accounting_table",
    "quality_summary",
    "format_problems",
    "data_note",
]

#: Columns of ``SchoolData.quality``.
QUALITY_COLUMNS = ("file", "row", "column", "value", "problem", "action", "severity")
#: Columns of ``SchoolData.accounting``.
ACCOUNTING_COLUMNS = ("file", "table", "rows_read", "rows_used", "rows_repaired", "rows_excluded")

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _empty_quality() -> pd.DataFrame:
    return pd.DataFrame({
        "file": pd.Series(dtype="string"), "row": pd.Series(dtype="Int64"),
        "column": pd.Series(dtype="string"), "value": pd.Series(dtype="string"),
        "problem": pd.Series(dtype="string"), "action": pd.Series(dtype="string"),
        "severity": pd.Series(dtype="string"),
    })


class ProblemLog:
    """Collects problems in bulk (whole masks at a time, never one row per call).

    Examples
    --------
    >>> log = ProblemLog()
    >>> log.add("pupils.csv", [14], "upn", ["Z801200001001"], "UPN invalid", "excluded", "error")
    >>> log.frame()[["file", "row", "action"]].to_dict("records")
    [{'file': 'pupils.csv', 'row': 14, 'action': 'excluded'}]
    """

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, file, rows, column, values, problem, action: str, severity: str) -> None:
        """Record one problem for each of ``rows``.

        Parameters
        ----------
        file : str or array-like
            File label (one for all rows, or one per row).
        rows : array-like of int, or None
            Spreadsheet row numbers; ``None`` for a whole-file problem (one record).
        column : str or None
            Canonical column concerned.
        values : scalar or array-like
            The offending values as read (one per row, or one for all).
        problem : str or array-like
            Plain-English explanation, with what was expected and how to fix it.
        action, severity : str
            See the module docstring.
        """
        if rows is None:
            rows_arr = pd.array([pd.NA], dtype="Int64")
        else:
            rows_arr = pd.array(np.asarray(rows, dtype="int64"), dtype="Int64")
        n = len(rows_arr)
        if n == 0:
            return

        def col(x):
            if x is None or np.isscalar(x) or isinstance(x, str):
                return pd.array([None if x is None else str(x)] * n, dtype="string")
            return pd.array(pd.Series(list(x) if not isinstance(x, pd.Series) else x.to_numpy(),
                                      dtype="object").astype("string").to_numpy(), dtype="string")

        self._parts.append(pd.DataFrame({
            "file": col(file), "row": rows_arr, "column": col(column), "value": col(values),
            "problem": col(problem), "action": col(action), "severity": col(severity),
        }))

    def frame(self) -> pd.DataFrame:
        """Return all problems as a DataFrame with :data:`QUALITY_COLUMNS`."""
        parts = [p for p in self._parts if len(p)]
        if not parts:
            return _empty_quality()
        out = pd.concat(parts, ignore_index=True)
        return out.astype({"row": "Int64"})


def row_status(quality: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (file, row) that had a row-level problem: excluded and repaired flags.

    Returns
    -------
    pandas.DataFrame
        Columns ``file, row, excluded, repaired``.
    """
    q = quality.dropna(subset=["row"])
    if q.empty:
        return pd.DataFrame({"file": pd.Series(dtype="string"), "row": pd.Series(dtype="Int64"),
                             "excluded": pd.Series(dtype=bool), "repaired": pd.Series(dtype=bool)})
    flags = pd.DataFrame({
        "file": q["file"], "row": q["row"],
        "excluded": q["action"].isin(["excluded", "file skipped"]).to_numpy(dtype=bool),
        "repaired": (q["action"] == "repaired").to_numpy(dtype=bool),
    })
    return flags.groupby(["file", "row"], as_index=False)[["excluded", "repaired"]].any()


def accounting_table(reads: pd.DataFrame, quality: pd.DataFrame) -> pd.DataFrame:
    """Balance every file: rows read = rows used + rows excluded.

    Parameters
    ----------
    reads : pandas.DataFrame
        Columns ``file, table, rows_read, skipped`` (``skipped`` True when the whole
        file was unusable).
    quality : pandas.DataFrame
        The problem log (:data:`QUALITY_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        Columns ``file, table, rows_read, rows_used, rows_repaired, rows_excluded``;
        ``rows_repaired`` counts used rows with at least one repaired value.
    """
    status = row_status(quality)
    status["repaired_used"] = status["repaired"] & ~status["excluded"]
    per_file = status.groupby("file").agg(excl=("excluded", "sum"), rep=("repaired_used", "sum"))
    out = reads.copy()
    excl = out["file"].map(per_file["excl"]).fillna(0).astype("int64")
    rep = out["file"].map(per_file["rep"]).fillna(0).astype("int64")
    skipped = out["skipped"].to_numpy(dtype=bool)
    out["rows_excluded"] = np.where(skipped, out["rows_read"], excl)
    out["rows_repaired"] = np.where(skipped, 0, rep)
    out["rows_used"] = out["rows_read"] - out["rows_excluded"]
    return out[list(ACCOUNTING_COLUMNS)].reset_index(drop=True)


def quality_summary(data) -> pd.DataFrame:
    """Summarise a loaded :class:`~gtanalytics.data.SchoolData` per file.

    Parameters
    ----------
    data : SchoolData
        The result of :func:`gtanalytics.load`.

    Returns
    -------
    pandas.DataFrame
        The accounting table (``file, table, rows_read, rows_used, rows_repaired,
        rows_excluded``) plus ``errors, warnings, infos`` (numbers of problems of
        each severity recorded for that file).

    Examples
    --------
    >>> from gtanalytics.data import load
    >>> quality_summary(load("data/sample")).columns.tolist()  # doctest: +SKIP
    ['file', 'table', 'rows_read', 'rows_used', 'rows_repaired', 'rows_excluded', 'errors', 'warnings', 'infos']
    """
    acc = data.accounting.copy()
    q = data.quality
    counts = (pd.crosstab(q["file"], q["severity"]) if len(q)
              else pd.DataFrame(index=pd.Index([], name="file")))
    for sev, name in (("error", "errors"), ("warning", "warnings"), ("info", "infos")):
        src = counts[sev] if sev in counts.columns else pd.Series(dtype="int64")
        acc[name] = acc["file"].map(src).fillna(0).astype("int64")
    return acc


def _row_list(rows: pd.Series, limit: int = 8) -> str:
    vals = [str(int(r)) for r in rows.dropna().unique()[:limit + 1]]
    text = ", ".join(vals[:limit])
    return text + (", ..." if len(vals) > limit else "")


def format_problems(quality: pd.DataFrame, *, max_rows: int = 40, min_severity: str = "info",
                    group_repeats: bool = True) -> str:
    """Return the problems as plain-English lines, the most serious first.

    Parameters
    ----------
    quality : pandas.DataFrame
        ``SchoolData.quality``.
    max_rows : int, default 40
        Show at most this many lines; the rest are counted in a final line.
    min_severity : {"info", "warning", "error"}
        Leave out problems less serious than this.
    group_repeats : bool, default True
        Show the same problem in the same file and column once, listing its rows
        (e.g. the same blank flag in 300 rows), instead of once per row.

    Returns
    -------
    str
        One line per problem (or group), e.g. ``"ERROR pupils.csv row 14, column upn:
        'Z801200001001' - UPN invalid (...). Row excluded."``.

    Examples
    --------
    >>> log = ProblemLog()
    >>> log.add("pupils.csv", [14], "upn", ["Z801200001001"],
    ...         "UPN invalid (wrong check letter at character 1): expected H.", "excluded", "error")
    >>> print(format_problems(log.frame()))
    ERROR pupils.csv row 14, column upn: 'Z801200001001' - UPN invalid (wrong check letter at character 1): expected H. [row excluded]
    """
    limit = _SEVERITY_ORDER.get(min_severity, 2)
    q = quality[quality["severity"].map(_SEVERITY_ORDER).fillna(2) <= limit].copy()
    if q.empty:
        return "No problems found."
    q["_order"] = q["severity"].map(_SEVERITY_ORDER).fillna(2)
    q = q.sort_values(["_order", "file", "row"], kind="stable", na_position="first")
    lines: list[str] = []
    if group_repeats:
        keys = ["_order", "severity", "file", "column", "problem", "action"]
        groups = q.fillna({"column": "", "problem": ""}).groupby(keys, sort=False, dropna=False)
        for (_, sev, file, column, problem, action), g in groups:
            where = f"{file}"
            n_rows = g["row"].notna().sum()
            if n_rows == 1:
                where += f" row {int(g['row'].dropna().iloc[0])}"
            elif n_rows > 1:
                where += f" rows {_row_list(g['row'])} ({n_rows} rows)"
            if column:
                where += f", column {column}"
            vals = g["value"].dropna().unique()
            shown = f" '{vals[0]}'" if len(vals) == 1 else (
                f" values {', '.join(repr(v) for v in vals[:3])}{', ...' if len(vals) > 3 else ''}"
                if len(vals) else "")
            lines.append(f"{sev.upper()} {where}:{shown} - {problem} [{action}]".replace(": -", " -"))
    else:
        for rec in q.itertuples(index=False):
            where = f"{rec.file}" + ("" if pd.isna(rec.row) else f" row {int(rec.row)}")
            if not pd.isna(rec.column):
                where += f", column {rec.column}"
            shown = "" if pd.isna(rec.value) else f" '{rec.value}'"
            lines.append(f"{rec.severity.upper()} {where}:{shown} - {rec.problem} [{rec.action}]"
                         .replace(": -", " -"))
    lines = [ln.replace("[excluded]", "[row excluded]") for ln in lines]
    if len(lines) > max_rows:
        extra = len(lines) - max_rows
        lines = lines[:max_rows] + [f"... and {extra} more (see SchoolData.quality for the full list)"]
    return "\n".join(lines)


def data_note(data) -> str:
    """A short note for a report built on data with rows left out ("" when nothing was excluded).

    Parameters
    ----------
    data : SchoolData
        The result of :func:`gtanalytics.load`.

    Returns
    -------
    str
        One or two sentences: how many rows of which tables were not used, that the
        figures leave them out, and where the list is; empty when every row was used.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> data_note(load_sample())
    ''
    """
    acc = data.accounting
    lost = acc[acc["rows_excluded"] > 0]
    if lost.empty:
        return ""
    by_table = lost.groupby(lost["table"].replace("", "unrecognised files"), sort=False)["rows_excluded"].sum()
    parts = ", ".join(f"{int(n):,} {t} row{'s' if n != 1 else ''}" for t, n in by_table.items())
    total = int(acc["rows_read"].sum())
    return (f"Data note: {parts} (of {total:,} rows in the exports) could not be used because of data errors, "
            f"so the figures in this report leave them out. Run 'gtanalytics validate' on the exports for the "
            f"list and how to fix each one.")
