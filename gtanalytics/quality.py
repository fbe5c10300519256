"""The data-quality report: every input row used, repaired or excluded, in plain English.

:func:`gtanalytics.io.load` records each problem it meets in a :class:`ProblemLog`;
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
data-health notebook (:func:`quality_summary`, :func:`format_problems`).
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
    "validate_table",
    "check_duplicates",
    "derive_columns",
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
    """Summarise a loaded :class:`~gtanalytics.io.SchoolData` per file.

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
    >>> from gtanalytics.io import load
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


# --------------------------------------------------------------------------- validation
# Row rules applied by gtanalytics.io.load to each file's rows (text in canonical
# columns plus ``_file`` and ``_row``).  Every check is a whole-column operation.

_BLANKS = ("n/a", "na", "#n/a", "null", "nan", "none", "-", "<na>", "nat")
_NAMES = ("forename", "surname")
_OUTCOME_CODES = frozenset("GDS EXS WTS HNM PKF PKE PKG PK1 PK2 PK3 PK4 PK5 PK6 BLW A B D M N T U X P Q H "
                           "L S".split())
_ENGLISH = ("eng", "enb", "english", "believed to be english", "english (believed)")
_LANG_UNKNOWN = ("not", "ref", "not known", "refused", "information not obtained", "unknown")
_FLAG_WORDS = ("y", "yes", "true", "t", "1", "1.0", "x", "n", "no", "false", "f", "0", "0.0", "on", "off")


def _what(c) -> str:
    """Plain-English description of what a column accepts."""
    if c.allowed:
        return "one of " + ", ".join(c.allowed)
    if c.name == "upn":
        return "a 13-character UPN"
    if c.name == "academic_year":
        return "an academic year such as 2023/24"
    if c.name == "year_group":
        return "a year group 0-14 (R or Reception = 0)"
    kind = {"int": "a whole number", "float": "a number", "bool": "Y or N (Yes/No, TRUE/FALSE, 1/0)",
            "date": "a date (e.g. 2024-01-08 or 08/01/2024; UK day-first)", "str": "text"}[c.dtype]
    if c.minimum is not None or c.maximum is not None:
        lo = "" if c.minimum is None else f"{c.minimum:g}"
        hi = "" if c.maximum is None else f"{c.maximum:g}"
        kind += f" from {lo} to {hi}" if lo and hi else (f" of at least {lo}" if lo else f" up to {hi}")
    return kind


def _take(values, codes: np.ndarray, index) -> pd.Series:
    """Expand per-unique-value results back to rows (code -1 = blank -> missing)."""
    arr = values.array if isinstance(values, pd.Series) else values
    return pd.Series(pd.api.extensions.take(arr, codes, allow_fill=True), index=index)


def _parse_unique(c, u: pd.Series):
    """Parse the distinct cleaned values ``u`` of column ``c``; return (parsed, bad)."""
    from gtanalytics.schemas import (parse_academic_year, parse_dates, parse_flags, parse_numbers,
                                     parse_year_group)

    bad = pd.Series(False, index=u.index)
    if c.name == "upn":
        return u.str.replace(r"\s+", "", regex=True).str.upper(), bad
    if c.name == "academic_year":
        return parse_academic_year(u)
    if c.name == "year_group":
        return parse_year_group(u)
    if c.dtype == "bool":
        parsed, bad = parse_flags(u)
        if c.name == "eal":                     # "First language" columns hold languages
            low = u.str.lower()
            eng = (bad & low.isin(_ENGLISH)).to_numpy(dtype=bool)
            unk = (bad & low.isin(_LANG_UNKNOWN)).to_numpy(dtype=bool)
            other = bad.to_numpy(dtype=bool) & ~eng & ~unk
            parsed = parsed.mask(eng, False).mask(other, True)
            bad = pd.Series(False, index=u.index)
        return parsed, bad
    if c.dtype == "date":
        return parse_dates(u)
    if c.dtype in ("int", "float"):
        num, bad = parse_numbers(u, whole=c.dtype == "int")
        return (num.astype("Int64") if c.dtype == "int" else num), bad
    if c.allowed:
        canon = {a.lower(): a for a in c.allowed}
        parsed = u.str.lower().map(canon).astype("string")
        return parsed, (u.notna() & parsed.isna())
    return u, bad


def validate_table(raw: pd.DataFrame, spec, *, values: dict, log: ProblemLog, label: str) -> pd.DataFrame:
    """Type and check one file's rows of table ``spec``; record every problem in ``log``.

    Values are cleaned and parsed once per distinct value (``pandas.factorize``) and
    the results expanded back to rows, so large files with repetitive columns are fast.

    Parameters
    ----------
    raw : pandas.DataFrame
        Text of the canonical columns found in the file, plus ``_file`` and ``_row``.
    spec : gtanalytics.schemas.TableSpec
    values : dict
        Value mapping (canonical column -> {lower-case text: canonical value}).
    log : ProblemLog
    label : str
        File label used in messages.

    Returns
    -------
    pandas.DataFrame
        All canonical columns (typed) plus ``_file``, ``_row`` and ``_excluded``.
    """
    from gtanalytics.schemas import DTYPES, upn_check_vectorised
    from gtanalytics.upn import upn_problem

    n = len(raw)
    rows = raw["_row"].to_numpy()
    out = pd.DataFrame({"_file": raw["_file"].to_numpy(), "_row": rows}, index=raw.index)
    cleaned: dict[str, tuple[np.ndarray, pd.Series, np.ndarray]] = {}
    blank = np.ones(n, dtype=bool)
    for name in raw.columns.drop(["_file", "_row"]):
        codes, uniq = pd.factorize(raw[name].astype("object"), use_na_sentinel=True)
        u = pd.Series(uniq, dtype="object").astype("string").str.strip()
        u = u.mask(u == "")
        vmap = values.get(name)
        hit = np.zeros(len(u), dtype=bool)
        if vmap:
            mapped = u.str.lower().map(vmap)
            use = mapped.notna().to_numpy(dtype=bool)
            hit = use & (mapped.astype("string").str.upper() != u.str.upper()).fillna(False).to_numpy(dtype=bool)
            u = u.where(~use, mapped.astype("string"))
        if name not in _NAMES:
            u = u.mask(u.str.lower().isin(_BLANKS))
        is_blank = u.isna().to_numpy(dtype=bool)
        row_blank = (codes < 0) | is_blank[np.maximum(codes, 0)]
        blank &= row_blank
        cleaned[name] = (codes, u, hit)
    excluded = blank.copy()
    if blank.any():
        log.add(label, rows[blank], None, None, "Blank row (no values in any column used).", "excluded", "warning")
    live = ~blank

    def report(mask, column, vals, problem, exclude: bool):
        nonlocal excluded
        mask = np.asarray(mask, dtype=bool) & live
        if mask.any():
            v = vals[mask] if isinstance(vals, (pd.Series, np.ndarray)) else vals
            p = problem[mask] if isinstance(problem, pd.Series) else problem
            log.add(label, rows[mask], column, v, p, "excluded" if exclude else "repaired",
                    "error" if exclude else "warning")
            if exclude:
                excluded = excluded | mask

    score_codes = None
    for c in spec.columns:
        if c.name not in cleaned:
            out[c.name] = pd.Series(pd.NA if c.dtype != "date" else pd.NaT, index=raw.index,
                                    dtype=DTYPES[c.dtype])
            continue
        codes, u, hit = cleaned[c.name]
        pu, badu = _parse_unique(c, u)
        parsed = _take(pu.astype(DTYPES[c.dtype]), codes, raw.index)
        raw_s = _take(u, codes, raw.index)
        bad = np.where(codes >= 0, badu.to_numpy(dtype=bool)[np.maximum(codes, 0)], False)
        exclude_bad = c.required or c.dtype in ("int", "float") or c.name == "upn"
        if c.name == "ethnicity" and hit.any():
            nrolled = int(hit[codes[codes >= 0]].sum())
            if nrolled:
                log.add(label, None, c.name, None, f"{nrolled} ethnicity value(s) given as DfE extended codes or "
                        f"descriptions were rolled up to main codes (e.g. WENG -> WBRI).", "derived", "info")
        if c.name == "eal":
            was_lang = parse_flags_bad(u)
            nlang = int(was_lang[codes[codes >= 0]].sum()) if len(u) else 0
            if nlang:
                log.add(label, None, c.name, None, f"{nlang} first-language value(s) read as EAL: English -> N, "
                        f"any other language -> Y (not known/refused -> blank).", "derived", "info")
        if c.name == "upn":
            valid = upn_check_vectorised(parsed.fillna("")).to_numpy()
            bad_mask = parsed.notna().to_numpy(dtype=bool) & ~valid & live
            msgs = pd.Series("", index=raw.index, dtype="object")
            msgs[bad_mask] = [f"{upn_problem(v)}. Check the UPN in your MIS (a pupil's UPN never changes; "
                              f"a short UPN may have lost a character when the file was opened in Excel)."
                              for v in parsed[bad_mask]]
            report(bad_mask, c.name, raw_s, msgs, True)
        if spec.name == "assessments" and c.name == "score" and "result" in cleaned:
            score_codes = raw_s.str.upper().where(bad)        # outcome codes typed into score
            res_blank = _take(cleaned["result"][1], cleaned["result"][0], raw.index).isna().to_numpy()
            move = (score_codes.isin(list(_OUTCOME_CODES)).to_numpy(dtype=bool) & res_blank & live)
            if move.any():
                log.add(label, rows[move], c.name, raw_s[move], "An outcome code was written in the score "
                        "column; it was moved to result (score is for numbers).", "repaired", "warning")
                bad = bad & ~move
            score_codes = score_codes.where(move)
        if bad.any():
            fix = ("The row was not used; correct the value in your MIS and export again." if exclude_bad else
                   "The value was set blank and the row kept; correct it in your MIS.")
            report(bad, c.name, raw_s, f"{c.name} must be {_what(c)}. {fix}", exclude_bad)
            if not exclude_bad:
                parsed = parsed.mask(bad)
        if c.dtype in ("int", "float") and (c.minimum is not None or c.maximum is not None):
            num = parsed.astype("float64")
            lo = -np.inf if c.minimum is None else c.minimum
            hi = np.inf if c.maximum is None else c.maximum
            out_range = (num.notna() & ((num < lo) | (num > hi))).to_numpy(dtype=bool)
            report(out_range, c.name, raw_s, f"{c.name} must be {_what(c)}; this is out of range. "
                   f"The row was not used; correct the value and export again.", True)
        missing = raw_s.isna().to_numpy(dtype=bool) & live
        if c.required and missing.any():
            if c.name == "gt_register":
                parsed = parsed.fillna(False)
                log.add(label, None, c.name, None, f"{int(missing.sum())} blank gt_register value(s) read as "
                        f"N (not on the register).", "derived", "info")
            else:
                report(missing, c.name, None, f"{c.name} is required but blank: it must be {_what(c)}. "
                       f"Fill it in and export again.", True)
        out[c.name] = parsed.astype(DTYPES[c.dtype])
    if score_codes is not None and score_codes.notna().any():
        out["result"] = out["result"].mask(score_codes.notna(), score_codes)
    out["_excluded"] = excluded
    _cross_checks(out, spec, log, label, live)
    return out


def parse_flags_bad(u: pd.Series) -> np.ndarray:
    """Distinct EAL values that were languages rather than flags (for the note)."""
    low = u.str.lower()
    return (u.notna() & ~low.isin(_FLAG_WORDS) & ~low.isin(_LANG_UNKNOWN)).to_numpy(dtype=bool)


def _num_text(x: pd.Series) -> pd.Series:
    """Numbers as a user would write them: 130 not 130.0; blank for missing."""
    f = x.astype("float64")
    whole = f.notna() & (f == np.floor(f))
    return f.astype("string").where(~whole, f.round().astype("Int64").astype("string")).fillna("")


def _cross_checks(out: pd.DataFrame, spec, log: ProblemLog, label: str, live: np.ndarray) -> None:
    """Rules between columns (in place): dates in order, attended <= planned, scores in range."""
    rows = out["_row"].to_numpy()

    def exclude(mask, column, vals, problem):
        mask = np.asarray(mask, dtype=bool) & live
        if mask.any():
            log.add(label, rows[mask], column, vals[mask] if isinstance(vals, pd.Series) else vals,
                    problem[mask] if isinstance(problem, pd.Series) else problem, "excluded", "error")
            out.loc[mask, "_excluded"] = True

    def txt(col):
        return _num_text(out[col])

    if {"start_date", "end_date"} <= set(out.columns) and spec.name in ("interventions", "mentoring"):
        m = (out["end_date"] < out["start_date"]).fillna(False).to_numpy(dtype=bool)
        exclude(m, "end_date", out["end_date"].dt.strftime("%Y-%m-%d"),
                "end_date is before start_date (" + out["start_date"].dt.strftime("%Y-%m-%d").fillna("")
                + "). Correct the dates and export again.")
    pairs = {"interventions": ("sessions_attended", "sessions_planned"),
             "mentoring": ("sessions_held", "sessions_planned")}
    if spec.name in pairs:
        done, planned = pairs[spec.name]
        m = (out[done] > out[planned]).fillna(False).to_numpy(dtype=bool)
        exclude(m, done, txt(done), done + " is more than " + planned + " (" + txt(planned)
                + "). Correct the session counts and export again.")
    if spec.name == "attendance":
        missed = out["authorised_absence"] + out["unauthorised_absence"]
        m = (missed > out["possible_sessions"]).fillna(False).to_numpy(dtype=bool)
        exclude(m, "possible_sessions", txt("possible_sessions"), "authorised + unauthorised absence ("
                + _num_text(missed) + ") is more than the possible sessions. "
                "Correct the attendance figures and export again.")
    if spec.name == "surveys":
        m = (out["scale_min"] >= out["scale_max"]).fillna(False).to_numpy(dtype=bool)
        exclude(m, "scale_max", txt("scale_max"), "scale_max must be greater than scale_min. Correct the scale.")
        m = ((out["response"] < out["scale_min"]) | (out["response"] > out["scale_max"])).fillna(False)
        exclude(m.to_numpy(dtype=bool), "response", txt("response"),
                "response is outside the scale (" + txt("scale_min") + " to " + txt("scale_max")
                + "). Correct the answer or the scale.")
    if spec.name == "assessments":
        _assessment_scores(out, log, label, live, exclude)


def _assessment_scores(out, log, label, live, exclude) -> None:
    """Derive points from KS1/KS2 outcome codes; check score ranges per score type."""
    from gtanalytics.schemas import KS1_POINTS, KS2_TA_POINTS, SCORE_RANGES

    rows = out["_row"].to_numpy()
    res = out["result"].str.upper()
    out["result"] = res
    points = pd.Series(np.nan, index=out.index)
    for stype, table in (("ks1_outcome", KS1_POINTS), ("ks2_ta", KS2_TA_POINTS), ("gcse_grade", {"U": 0.0})):
        sel = (out["score_type"] == stype).fillna(False)
        points = points.mask(sel, res.map(table).astype("float64"))
    has = points.notna().to_numpy(dtype=bool) & live & ~out["_excluded"].to_numpy(dtype=bool)
    score = out["score"]
    fill = has & score.isna().to_numpy()
    if fill.any():
        log.add(label, None, "score", None, f"{int(fill.sum())} score(s) derived from outcome codes in result "
                f"(KS1: GDS 10, EXS 8, WTS 6, PKF/PK4 4, PK3 3.5, PK2 3, PK1 2.5; KS2 writing TA: GDS 113, "
                f"EXS 103, WTS 91; GCSE U = 0).", "derived", "info")
    clash = has & score.notna().to_numpy() & (score.to_numpy() != points.to_numpy())
    if clash.any():
        log.add(label, rows[clash], "score", _num_text(score[clash]),
                "score does not match the outcome code in result (" + res[clash].fillna("") + " = "
                + _num_text(points[clash]) + " points); the points of the outcome code were used.",
                "repaired", "warning")
    out["score"] = score.mask(has, points)
    for stype, (lo, hi) in SCORE_RANGES.items():
        sel = (out["score_type"] == stype).fillna(False).to_numpy(dtype=bool)
        m = sel & ((out["score"] < lo) | (out["score"] > hi)).fillna(False).to_numpy(dtype=bool)
        exclude(m, "score", _num_text(out["score"]),
                f"A {stype} score must be from {lo:g} to {hi:g}. Correct the score (or its score_type) "
                f"and export again.")


def check_duplicates(df: pd.DataFrame, spec, log: ProblemLog) -> pd.DataFrame:
    """Exact copies: keep one, report the others; same key with different values: exclude all.

    Works on the rows of every file of one table together (``_file``, ``_row``,
    ``_excluded`` columns), so a pupil given twice in two files is caught as well.
    """
    if not spec.key or df.empty:
        return df
    cols = [c.name for c in spec.columns]
    alive = ~df["_excluded"].to_numpy(dtype=bool)
    where = df["_file"].astype("string") + " row " + df["_row"].astype("string")
    sub = df.loc[alive, cols]
    h = pd.util.hash_pandas_object(sub, index=False)
    dup = h.duplicated(keep="first")
    if dup.any():
        first_where = where[alive].groupby(h.to_numpy()).transform("first")
        idx = dup[dup].index
        log.add(df.loc[idx, "_file"], df.loc[idx, "_row"], None, None,
                "Exact copy of " + first_where.loc[idx] + "; one copy was kept.", "excluded", "warning")
        df.loc[idx, "_excluded"] = True
    alive = ~df["_excluded"].to_numpy(dtype=bool)
    keyed = df.loc[alive, list(spec.key)]
    clash = keyed.duplicated(keep=False)
    if clash.any():
        c = df.loc[clash[clash].index]
        gid = c.groupby(list(spec.key), dropna=False, sort=False).ngroup()
        wc = where.loc[c.index]
        others = wc.groupby(gid).transform(lambda s: ", ".join(s))
        nun = c[cols].astype("string").fillna("\x00").groupby(gid).nunique()
        differ = nun.apply(lambda r: ", ".join(r.index[r > 1]), axis=1)
        keytext = c[list(spec.key)].astype("string").fillna("").agg(" ".join, axis=1)
        msg = ("Conflicting duplicate: the same " + "/".join(spec.key) + " (" + keytext + ") appears in "
               + others + " with different " + gid.map(differ).fillna("values") + ". None of these rows was "
               "used; keep one correct row in your MIS export.")
        log.add(c["_file"], c["_row"], ",".join(spec.key), keytext, msg, "excluded", "error")
        df.loc[c.index, "_excluded"] = True
    return df


def derive_columns(df: pd.DataFrame, spec, *, present: set, log: ProblemLog, label: str) -> pd.DataFrame:
    """Derive ``disadvantaged`` (Ever-6 FSM or LAC or PLAC, DfE definition) where it is missing."""
    if spec.name != "pupils":
        return df
    sources = [c for c in ("ever6_fsm", "lac", "plac") if c in present]
    if "ever6_fsm" not in sources:
        if "disadvantaged" not in present:
            log.add(label, None, "disadvantaged", None, "disadvantaged was not given and cannot be derived "
                    "without ever6_fsm (Ever 6 FSM); gap analyses by disadvantage will be empty. Add an "
                    "'Ever 6 FSM' or 'Pupil Premium' column.", "noted", "warning")
        return df
    derived = df["ever6_fsm"]
    for c in sources[1:]:
        derived = derived | df[c]
    todo = df["disadvantaged"].isna() & derived.notna() & ~df["_excluded"]
    if todo.any():
        df.loc[todo, "disadvantaged"] = derived[todo]
        missing = [c for c in ("lac", "plac") if c not in sources]
        log.add(label, None, "disadvantaged", None,
                f"disadvantaged derived for {int(todo.sum())} row(s) as Ever-6 FSM or looked after or previously "
                f"looked after (DfE definition)" + (f"; no {' or '.join(missing)} column was given, so those "
                f"count as N" if missing else "") + ".", "derived", "info")
    return df
