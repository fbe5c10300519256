"""Row rules: type, check and de-duplicate the rows of each canonical table.

:func:`gtanalytics.data.load` hands each file's rows (text in canonical columns plus
``_file`` and ``_row``) to :func:`validate_table`, then the rows of all files of a
table to :func:`check_duplicates`, and pupils to :func:`derive_columns`.  Every
problem goes to a :class:`gtanalytics.data.ProblemLog`; every check is a
whole-column operation, so large files stay fast.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from gtanalytics.data._parsing import (BLANKS, OUTCOME_CODES, describe, parse_column, parse_flags_bad, take_codes,
                                 upn_check_vectorised, month_first_only, day_month_ambiguous,
                                 parse_dates, parse_numbers, number_locale, register_areas, term_words)
from gtanalytics.data._quality import ProblemLog
from gtanalytics.data.schemas import DTYPES, KS1_POINTS, KS2_TA_POINTS, SCORE_RANGES
from gtanalytics.data._upn import upn_problem

__all__ = ["validate_table", "check_duplicates", "derive_columns", "normalise_labels"]

_NAMES = ("forename", "surname")


def _per_row(per_value: np.ndarray, codes: np.ndarray, blank) -> np.ndarray:
    """Expand a mask over distinct values to rows; ``blank`` for rows whose value is missing (code -1)."""
    return np.append(np.asarray(per_value, dtype=bool), bool(blank))[codes]


_INVISIBLE = "[\u200b-\u200d\u2060\ufeff\u00ad]"
_GUARD = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\u00a0]|^[='#]", re.M)
_NUMBER_ID = re.compile(r"\.0+$|[eE]\+?\d", re.M)
_EXCEL_ERRORS = r"#(?:N/A|NAME\?|VALUE!|REF!|DIV/0!|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)"
_FOOTER = r"(?i)^(?:grand\s+)?(?:sub-?)?(?:totals?|sum|count|average|mean|number of (?:pupils|students|rows|records))\b"
_ABSENCE = ("authorised_absence", "unauthorised_absence")
_PERCENT_BY = {"score": "score_type", "pre_score": "measure", "post_score": "measure"}


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", str(text).lower()).strip()


def _not_data_rows(cleaned: dict, headers: dict, blank: np.ndarray, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeating the header (most of their values are the column names) and footer rows (a total or
    count where the key column ``key`` is blank or holds the word): masks over the rows.

    Only rows whose key is blank, a footer word or its header are looked at, and every check runs
    once per distinct value, so a clean file costs one check of one column.
    """
    none = np.zeros(len(blank), dtype=bool)

    def flags(u: pd.Series, name: str, present=None) -> tuple[np.ndarray, np.ndarray]:
        sub = u if present is None else u.iloc[present]
        norm = sub.str.lower().str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()
        head = norm.isin({_norm(headers.get(name, name)), _norm(name)}).to_numpy(dtype=bool)
        foot = sub.str.contains(_FOOTER, regex=True).fillna(False).to_numpy(dtype=bool)
        h, f = np.zeros(len(u) + 1, dtype=bool), np.zeros(len(u) + 1, dtype=bool)   # code -1 (blank): False
        h[slice(None, len(u)) if present is None else present] = head
        f[slice(None, len(u)) if present is None else present] = foot
        return h, f

    if key not in cleaned:
        return none, none
    kcodes, ku, _ = cleaned[key]
    kh, kf = flags(ku, key)
    cand = np.flatnonzero(((kcodes < 0) | kh[kcodes] | kf[kcodes]) & ~blank)
    if not len(cand):
        return none, none
    hits = np.zeros(len(cand), dtype=np.int16)
    filled = np.zeros(len(cand), dtype=np.int16)
    foot = np.zeros(len(cand), dtype=bool)
    for name, (codes, u, _) in cleaned.items():
        c = codes[cand]
        h, f = flags(u, name, np.unique(c[c >= 0]))
        hits += h[c]
        foot |= f[c]
        filled += c >= 0
    repeated, footer = none.copy(), none.copy()
    repeated[cand] = (hits >= 2) & (hits * 2 >= filled)
    footer[cand] = foot & ~repeated[cand]
    return repeated, footer


def _odd_forms(u: pd.Series, name: str, raw: np.ndarray):
    """Spreadsheet forms of values: returns None, or (values read, repair note, error) per distinct value.

    Repaired: invisible characters, Excel text formulas (``="A886..."``), a leading
    apostrophe, a school id typed as a decimal (``8862101.0``) or in full scientific
    notation.  Errors (the value is unknown): Excel error values (``#N/A``), formulas
    without a calculated value, a school id rounded by scientific notation (``8.86E+06``).
    ``raw`` holds the distinct values as read: one search of them all finds a clean column.
    """
    text = "\n".join(x.strip() for x in raw if isinstance(x, str))
    sid = name == "school_id"
    if not (_GUARD.search(text) or (sid and _NUMBER_ID.search(text))):
        return None
    fix = np.full(len(u), None, dtype=object)
    err = np.full(len(u), None, dtype=object)
    s = u.str.replace(_INVISIBLE, "", regex=True).str.replace("\u00a0", " ", regex=False).str.strip()
    m = (s != u).fillna(False).to_numpy(dtype=bool)
    fix[m] = (f"{name} held invisible characters (zero-width or non-breaking spaces, e.g. from copying out of a web "
              f"page or PDF); they were removed")
    text_formula = s.str.extract(r'^="(.*)"$', expand=False)
    m = text_formula.notna().to_numpy(dtype=bool)
    fix[m] = f'{name} was written as an Excel text formula (="..."); the text inside was read'
    s = s.where(~m, text_formula.str.strip())
    apostrophe = s.str.extract(r"^'(.+)$", expand=False)
    m = apostrophe.notna().to_numpy(dtype=bool)
    fix[m] = f"{name} began with an apostrophe (Excel's mark for text); it was removed"
    s = s.where(~m, apostrophe.str.strip())
    m = s.str.fullmatch(_EXCEL_ERRORS, case=False).fillna(False).to_numpy(dtype=bool)
    err[m] = (f"{name} holds an Excel error value: the formula behind it failed in Excel, so the value is not "
              f"known. Correct the formula (or type the value) in the spreadsheet and export again.")
    s = s.mask(m)
    m = s.str.startswith("=").fillna(False).to_numpy(dtype=bool)
    err[m] = (f"{name} is a formula that was never calculated (the workbook was written by a program, not saved by "
              f"Excel), so its value is not known. Open the workbook in Excel, save it, and load it again.")
    s = s.mask(m)
    if sid:
        m = s.str.fullmatch(r"\d+\.0+").fillna(False).to_numpy(dtype=bool)
        s = s.where(~m, s.str.split(".").str[0])
        fix[m] = f"{name} was written as a decimal number (a spreadsheet number format)"
        sci = s.str.extract(r"^(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})$")
        for k in np.flatnonzero(sci[0].notna().to_numpy(dtype=bool)):
            digits = sci.iloc[k, 0] + (sci.iloc[k, 1] if isinstance(sci.iloc[k, 1], str) else "")
            width = int(sci.iloc[k, 2]) + 1
            if len(digits) == width:                 # every digit shown: nothing was rounded
                s.iloc[k] = digits
                fix[k] = f"{name} was written in scientific notation with every digit shown"
            else:
                lo = int(digits.ljust(width, "0")) - (5 * 10 ** (width - len(digits) - 1) if len(digits) < width else 0)
                hi = lo + 10 ** max(width - len(digits), 0) - 1
                err[k] = (f"{name} is in Excel's scientific notation, which has rounded it: it could be any number "
                          f"from {max(lo, 0)} to {hi}, so the school is not known. In Excel format the column as "
                          f"Text (or Number with no decimal places) and export again.")
                s.iloc[k] = pd.NA
    if not (np.any(fix != None) or np.any(err != None)):  # noqa: E711 - elementwise on object arrays
        return None
    return s.astype("string"), fix, err


def validate_table(raw: pd.DataFrame | list, spec, *, values: dict, log: ProblemLog, label: str,
                   pupil_key: str = "upn", today=None, date_origin: str = "1899-12-30", headers: dict | None = None,
                   percent: frozenset = frozenset()) -> pd.DataFrame:
    """Type and check one file's rows of table ``spec``; record every problem in ``log``.

    Values are cleaned and parsed once per distinct value (``pandas.factorize``) and
    the results expanded back to rows, so large files with repetitive columns are fast.

    Parameters
    ----------
    raw : pandas.DataFrame or list
        Text of the canonical columns found in the file, plus ``_file`` and ``_row``.  Or a
        list holding that one frame, which is then taken out of the list, so that the text
        can be freed as soon as it has been read (the loader does this: an argument passed
        directly stays referenced by the caller until the function returns).
    spec : gtanalytics.data.schemas.TableSpec
    values : dict
        Value mapping (canonical column -> {lower-case text: canonical value}).
    log : ProblemLog
    label : str
        File label used in messages.
    pupil_key : {"upn", "pseudonymous"}
        Check ``upn`` as a UPN (invalid excluded, temporary noted), or accept any key.
    today : pandas.Timestamp, optional
        Dates after this are impossible for past events (see :func:`_future_checks`).
    date_origin : str
        Day 0 of date serial numbers ("1904-01-01" for a workbook in Excel's 1904 system).
    headers : dict, optional
        Canonical column -> the header it had in the file: a row repeating the header
        (a page break in a report export) is recognised and named as such.
    percent : frozenset
        Canonical columns whose header says they hold percentages ("Authorised absence (%)").

    Returns
    -------
    pandas.DataFrame
        All canonical columns (typed) plus ``_file``, ``_row`` and ``_excluded``.
    """
    today = pd.Timestamp.today().normalize() if today is None else pd.Timestamp(today)
    owned = isinstance(raw, list)        # the frame was handed over: its columns may be dropped once read
    if owned:
        raw = raw.pop()
    n = len(raw)
    rows = raw["_row"].to_numpy()
    index = raw.index
    out = pd.DataFrame({"_file": raw["_file"].to_numpy().copy(), "_row": rows}, index=index)
    cleaned: dict[str, tuple[np.ndarray, pd.Series, np.ndarray]] = {}
    forms: dict[str, tuple] = {}
    blank = np.ones(n, dtype=bool)
    for name in raw.columns.drop(["_file", "_row"]):
        codes, uniq = pd.factorize(raw[name].astype("object"), use_na_sentinel=True)
        codes = codes.astype(np.int32) if len(uniq) < 2**31 else codes    # half the memory of the row codes
        if owned:
            del raw[name]                # its text is now held as codes and distinct values
        u = pd.Series(uniq, dtype="object").astype("string").str.strip()
        u = u.mask(u == "")
        odd = _odd_forms(u, name, uniq)
        if odd is not None:
            forms[name] = (u, odd[1], odd[2])
            u = odd[0]
        vmap = values.get(name)
        hit = np.zeros(len(u), dtype=bool)
        if vmap:
            mapped = u.str.lower().map(vmap)
            use = mapped.notna().to_numpy(dtype=bool)
            hit = use & (mapped.astype("string").str.upper() != u.str.upper()).fillna(False).to_numpy(dtype=bool)
            u = u.where(~use, mapped.astype("string"))
        if name not in _NAMES:
            u = u.mask(u.str.lower().isin(BLANKS))
        is_blank = u.isna().to_numpy(dtype=bool)
        row_blank = _per_row(is_blank, codes, True)
        blank &= row_blank
        cleaned[name] = (codes, u, hit)
    del raw   # the text is in ``cleaned`` now (codes and distinct values): let the caller's frame go
    for name, (_, _, err) in forms.items():     # an Excel error alone in a row is not a blank row
        blank &= ~_per_row(err != None, cleaned[name][0], False)    # noqa: E711
    excluded = blank.copy()
    if blank.any():
        log.add(label, rows[blank], None, None, "Blank row (no values in any column used).", "excluded", "warning")
    key = "upn" if "upn" in spec.required else next((c for c in spec.required if c in cleaned), "")
    repeated, footer = _not_data_rows(cleaned, headers or {}, blank, key)
    if repeated.any():
        log.add(label, rows[repeated], None, None, "Repeated header row (the column names again, e.g. at a page "
                "break of a printed report), not a pupil's data: not used.", "excluded", "warning")
    if footer.any():
        log.add(label, rows[footer], None, None, "Footer row (a total or count below the data), not a pupil's "
                "data: not used.", "excluded", "warning")
    excluded |= repeated | footer
    live = ~excluded

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

    us_example = _month_first_evidence(spec, cleaned, rows, live)
    score_codes = None
    pct_values: dict[str, tuple[np.ndarray, pd.Series]] = {}
    areas = None
    for c in spec.columns:
        if c.name not in cleaned:
            missing = {"date": pd.NaT, "float": np.nan}.get(c.dtype, pd.NA)     # a column not in the file
            out[c.name] = pd.Series(missing, index=index, dtype=DTYPES[c.dtype])
            continue
        codes, u, hit = cleaned[c.name]
        written = u
        pct_v = moved = amb = None
        if c.dtype in ("int", "float"):
            u, moved, amb = number_locale(u)
            pct_v = (u.notna() if c.name in percent else u.str.contains("%", regex=False)).fillna(False)
            pct_v = pct_v.to_numpy(dtype=bool)
        if c.name == "upn" and pupil_key == "pseudonymous":
            pu, badu = u, pd.Series(False, index=u.index)
        else:
            pu, badu = parse_column(c, u, origin=date_origin)
        if pct_v is not None and pct_v.any():
            pct_values[c.name] = (_per_row(pct_v, codes, False), take_codes(parse_numbers(u)[0], codes, index))
            badu = badu & ~pct_v
            pu = pu.mask(pct_v)                    # a percentage is not the count or score itself
        if amb is not None and amb.any():
            badu = badu & ~amb
            pu = pu.mask(amb)
        if c.name == "gt_register":
            area = register_areas(u.where(badu))
            named = area.notna().to_numpy(dtype=bool)
            if named.any():
                pu = pu.mask(named, True)
                badu = badu & ~named
                areas = take_codes(area, codes, index)
        parsed = take_codes(pu.astype(DTYPES[c.dtype]), codes, index)
        raw_s = take_codes(written, codes, index)
        bad = _per_row(badu.to_numpy(dtype=bool), codes, False)
        exclude_bad = c.required or c.dtype in ("int", "float") or c.name == "upn"
        unknown = np.zeros(n, dtype=bool)
        if c.name in forms:
            orig, fix, err = forms[c.name]
            orig_s = take_codes(orig, codes, index)
            fixed = _per_row(fix != None, codes, False)          # noqa: E711
            if fixed.any():
                report(fixed, c.name, orig_s, take_codes(pd.Series(fix, dtype="string"), codes, index)
                       + "; read as '" + raw_s.fillna("") + "'.", False)
            unknown = _per_row(err != None, codes, False)        # noqa: E711
            if unknown.any():
                report(unknown, c.name, orig_s, take_codes(pd.Series(err, dtype="string"), codes, index)
                       + (" The row was not used." if exclude_bad else " The value was left blank and the row kept."),
                       exclude_bad)
        if moved is not None and moved.any():
            m = _per_row(moved, codes, False)
            report(m, c.name, raw_s, f"{c.name} was written with a decimal comma (or dots between thousands), as "
                   f"other values of this column show; read as " + _num_text(parsed.astype("float64")) + ".", False)
        if amb is not None and amb.any():
            report(_per_row(amb, codes, False), c.name, raw_s,
                   f"{c.name} could be a decimal (1.240 = 1.24) or a whole number with a thousands separator (1.240 "
                   f"= 1240), and no other value of the column shows which. Write it without a thousands separator "
                   f"and export again. The row was not used.", True)
        if c.dtype == "date":
            zoned = u.str.contains(r"T\d\d:\d\d.*(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False)
            if zoned.any():
                local = pu.dt.strftime("%Y-%m-%d")
                shift = (zoned & (local != u.str[:10])).fillna(False).to_numpy(dtype=bool)
                report(_per_row(shift, codes, False), c.name, raw_s, f"{c.name} is a UTC timestamp; in UK time "
                       f"it falls on " + parsed.dt.strftime("%Y-%m-%d").fillna("") + ", the date used.", False)
        if c.dtype == "bool" and hit.any() and c.name != "eal":
            nword = int(hit[codes[codes >= 0]].sum())
            log.add(label, None, c.name, None, f"{nword} {c.name} value(s) written as words (e.g. Eligible, Not "
                    f"eligible, PP, On register) were read as Y or N.", "derived", "info")
        if c.name in ("term", "period"):
            worded = (term_words(u) != u).fillna(False).to_numpy(dtype=bool)
            if worded.any():
                log.add(label, None, c.name, None, f"{int(worded[codes[codes >= 0]].sum())} {c.name} value(s) "
                        f"such as 'Summer Term' or 'Autumn 2' were read as the term's name.", "derived", "info")
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
            bad_upn = _check_upns(parsed, raw_s, pu, u, codes, live, pupil_key, log, label, rows)
            report(bad_upn, c.name, raw_s, _upn_messages(parsed, bad_upn), True)
        if c.dtype == "date" and us_example is not None:
            amb_rows = _per_row(day_month_ambiguous(u, badu), codes, False)
            if amb_rows.any():
                report(amb_rows, c.name, raw_s,
                       f"This {c.name} could be day-first or month-first, and the file also holds dates that only "
                       f"make sense month-first (US style, e.g. {us_example}), so it cannot be read safely. "
                       + ("The row was not used" if exclude_bad else "It was set blank")
                       + "; export dates as YYYY-MM-DD or check the date format of the columns.", exclude_bad)
                if not exclude_bad:
                    parsed = parsed.mask(amb_rows)
        if spec.name == "assessments" and c.name == "score" and "result" in cleaned:
            score_codes = raw_s.str.upper().where(bad)        # outcome codes typed into score
            res_blank = take_codes(cleaned["result"][1], cleaned["result"][0], index).isna().to_numpy()
            move = (score_codes.isin(list(OUTCOME_CODES)).to_numpy(dtype=bool) & res_blank & live)
            if move.any():
                log.add(label, rows[move], c.name, raw_s[move], "An outcome code was written in the score "
                        "column; it was moved to result (score is for numbers).", "repaired", "warning")
                bad = bad & ~move
            score_codes = score_codes.where(move)
        if bad.any():
            fix = ("The row was not used; correct the value in your MIS and export again." if exclude_bad else
                   "The value was set blank and the row kept; correct it in your MIS.")
            report(bad, c.name, raw_s, f"{c.name} must be {describe(c)}. {fix}", exclude_bad)
            if not exclude_bad:
                parsed = parsed.mask(bad)
        if c.dtype in ("int", "float") and (c.minimum is not None or c.maximum is not None):
            num = parsed.astype("float64")
            lo = -np.inf if c.minimum is None else c.minimum
            hi = np.inf if c.maximum is None else c.maximum
            out_range = (num.notna() & ((num < lo) | (num > hi))).to_numpy(dtype=bool)
            report(out_range, c.name, raw_s, f"{c.name} must be {describe(c)}; this is out of range. "
                   f"The row was not used; correct the value and export again.", True)
        missing = raw_s.isna().to_numpy(dtype=bool) & live & ~unknown
        if c.required and missing.any():
            if c.name == "gt_register":
                parsed = parsed.fillna(False)
                log.add(label, None, c.name, None, f"{int(missing.sum())} blank gt_register value(s) read as "
                        f"N (not on the register).", "derived", "info")
            else:
                report(missing, c.name, None, f"{c.name} is required but blank: it must be {describe(c)}. "
                       f"Fill it in and export again.", True)
        out[c.name] = parsed.astype(DTYPES[c.dtype])
        if c.name != "result":            # result's codes are still needed by the score check
            del cleaned[c.name]
    if score_codes is not None and score_codes.notna().any():
        out["result"] = out["result"].mask(score_codes.notna(), score_codes)
    if areas is not None:
        named = areas.notna().to_numpy(dtype=bool) & live
        given = out["gt_area"].notna().to_numpy(dtype=bool)
        out["gt_area"] = out["gt_area"].mask(named & ~given, areas)
        log.add(label, None, "gt_register", None, f"{int(named.sum())} gt_register value(s) named an area (e.g. "
                f"'{areas[named].iloc[0] if named.any() else ''}') instead of Y/N: read as on the register (Y), with "
                f"the area kept in gt_area" + (" where gt_area was blank." if given.any() else "."),
                "derived", "warning")
    excluded = _percentages(out, pct_values, log, label, live, excluded)
    out["_excluded"] = excluded
    _cross_checks(out, spec, log, label, live)
    _future_checks(out, spec, log, label, live, today)
    return out


def _percentages(out, pct_values, log, label, live, excluded) -> np.ndarray:
    """Values given as percentages (a % sign, or a header saying so); returns the new excluded mask.

    Absence is turned into sessions where the row's possible sessions are known (rounded
    to whole sessions, reported); a score is a percentage only when its score type (or
    measure) is ``percent``; any other count or amount given as a percentage is excluded.
    """
    rows = out["_row"].to_numpy()
    excluded = excluded.copy()

    def note(mask, col, vals, problem, exclude):
        mask = mask & live & ~excluded
        if mask.any():
            log.add(label, rows[mask], col, vals[mask] if isinstance(vals, pd.Series) else vals,
                    problem[mask] if isinstance(problem, pd.Series) else problem,
                    "excluded" if exclude else "repaired", "error" if exclude else "warning")
        return mask

    for col, (pct, value) in pct_values.items():
        shown = _num_text(value) + "%"
        if col in _ABSENCE:
            possible = out["possible_sessions"].astype("float64")
            ok = pct & possible.notna().to_numpy(dtype=bool) & (value >= 0).to_numpy() & (value <= 100).to_numpy()
            sessions = (value * possible / 100).round()
            done = note(ok, col, shown + " of " + _num_text(possible) + " possible = " + _num_text(sessions),
                        f"{col} was given as a percentage of the row's possible sessions; it was turned into "
                        f"sessions, rounded to whole sessions (the value shows the sum). Export absence in sessions "
                        f"to avoid the rounding.", False)
            out[col] = out[col].mask(done, sessions.astype("Int64"))
            excluded |= note(pct & ~ok, col, shown, f"{col} was given as a percentage, which cannot be turned into "
                             f"sessions because this row's possible sessions are not known (or the percentage is "
                             f"not between 0 and 100). Export absence in sessions. The row was not used.", True)
        elif col in _PERCENT_BY:
            kind = out[_PERCENT_BY[col]].fillna("")
            wrong = pct & (kind != "percent").to_numpy(dtype=bool)
            excluded |= note(wrong, col, shown, col + " " + shown + " is a percentage, but its "
                             + _PERCENT_BY[col] + " is '" + kind + "' (a percentage is only a score when "
                             + _PERCENT_BY[col] + " is percent). Remove the % sign if the score is not a percentage, "
                             "or correct " + _PERCENT_BY[col] + ". The row was not used.", True)
            keep = pct & ~wrong
            out[col] = out[col].mask(keep, value)
        else:
            excluded |= note(pct, col, shown, f"{col} must be a count or amount, not a percentage. Export the number "
                             f"itself. The row was not used.", True)
    for col, kind_col in _PERCENT_BY.items():      # 0.95 as a percent score: a proportion, not 0.95%
        if col in out.columns and kind_col in out.columns:
            v = out[col].to_numpy(dtype="float64", na_value=np.nan)
            with np.errstate(invalid="ignore"):
                m = (v > 0) & (v < 1)
            if m.any():
                m &= (out[kind_col] == "percent").fillna(False).to_numpy(dtype=bool)
                excluded |= note(m, col, _num_text(out[col]), f"{col} looks like a proportion (e.g. 0.95), but a "
                                 f"percent score runs from 0 to 100 (write 95). Correct the score and export again. "
                                 f"The row was not used.", True)
    return excluded


def _month_first_evidence(spec, cleaned, rows, live) -> str | None:
    """'value' in column c, row r: a date of this file that only makes sense month-first, or None."""
    for c in spec.columns:
        if c.dtype == "date" and c.name in cleaned:
            codes, u, _ = cleaned[c.name]
            only = _per_row(month_first_only(u, parse_dates(u)[1]), codes, False) & live
            if only.any():
                k = int(np.flatnonzero(only)[0])
                return f"'{u.iloc[codes[k]]}' in column {c.name}, row {rows[k]}"
    return None


def _upn_messages(parsed: pd.Series, bad: np.ndarray) -> pd.Series:
    """Plain-English reason for each invalid UPN (only computed for the invalid ones)."""
    msgs = pd.Series("", index=parsed.index, dtype="object")
    msgs[bad] = [f"{upn_problem(v)}. Check the UPN in your MIS (a pupil's UPN never changes; a short UPN may "
                 f"have lost a character when the file was opened in Excel)." for v in parsed[bad]]
    return msgs


def _check_upns(parsed, raw_s, pu, u, codes, live, pupil_key, log, label, rows) -> np.ndarray:
    """Report rewritten, temporary and (mostly) non-UPN keys; return the mask of invalid UPNs.

    ``parsed`` and ``raw_s`` are the rows; ``pu`` (parsed) and ``u`` (as written) the distinct
    values they were expanded from by ``codes``: the checks run once per distinct value.
    """
    given = _per_row(pu.notna().to_numpy(dtype=bool), codes, False) & live
    if pupil_key == "pseudonymous":
        if given.any():
            log.add(label, None, "upn", None, "Pupil keys were read as pseudonymous keys (pupil_key='pseudonymous') "
                    "and not checked as UPNs.", "noted", "info")
        return np.zeros(len(parsed), dtype=bool)
    valid = _per_row(upn_check_vectorised(pu.fillna("")).to_numpy(dtype=bool), codes, False)
    bad = given & ~valid
    changed = given & valid & _per_row((pu != u).fillna(False).to_numpy(dtype=bool), codes, False)
    if changed.any():
        log.add(label, rows[changed], "upn", raw_s[changed], "UPN written with spaces or lower-case letters; read "
                "as " + parsed[changed] + ".", "repaired", "warning")
    temp = given & valid & _per_row(pu.str[-1].str.isalpha().fillna(False).to_numpy(dtype=bool), codes, False)
    if temp.any():
        log.add(label, rows[temp], "upn", parsed[temp], "Temporary UPN (it ends in a letter). The row was used, but "
                "a temporary UPN will not match the pupil's permanent UPN in other years or files; replace it "
                "in your MIS once the permanent UPN is known.", "noted", "warning")
    if bad.sum() >= 3 and bad.sum() > given.sum() / 2:
        log.add(label, None, "upn", None, f"{int(bad.sum())} of {int(given.sum())} pupil keys in this file are not "
                "valid UPNs. If the file uses pseudonymous pupil keys instead of UPNs (e.g. national or shared "
                "data), load it with load(path, pupil_key='pseudonymous') or gtanalytics validate PATH "
                "--pupil-key pseudonymous.", "noted", "error")
    return bad


def _num_text(x: pd.Series) -> pd.Series:
    """Numbers as a user would write them: 130 not 130.0; blank for missing."""
    f = x.astype("float64")
    whole = f.notna() & (f == np.floor(f))
    return f.astype("string").where(~whole, f.round().astype("Int64").astype("string")).fillna("")


def _cross_checks(out: pd.DataFrame, spec, log: ProblemLog, label: str, live: np.ndarray) -> None:
    """Rules between columns (in place): dates in order, attended <= planned, scores in range.

    The values and messages are built only for the rows that break a rule (``o`` is
    the frame of those rows), so a rule costs little on a large clean file.
    """
    rows = out["_row"].to_numpy()

    def exclude(mask, column, vals, problem):
        mask = np.asarray(mask, dtype=bool) & live
        if mask.any():
            o = out[mask]
            log.add(label, rows[mask], column, vals(o), problem(o) if callable(problem) else problem,
                    "excluded", "error")
            out.loc[mask, "_excluded"] = True

    def day(x):
        return x.dt.strftime("%Y-%m-%d").fillna("")

    if {"start_date", "end_date"} <= set(out.columns) and spec.name in ("interventions", "mentoring"):
        m = (out["end_date"] < out["start_date"]).fillna(False).to_numpy(dtype=bool)
        exclude(m, "end_date", lambda o: day(o["end_date"]), lambda o: "end_date is before start_date ("
                + day(o["start_date"]) + "). Correct the dates and export again.")
    pairs = {"interventions": ("sessions_attended", "sessions_planned"),
             "mentoring": ("sessions_held", "sessions_planned")}
    if spec.name in pairs:
        done, planned = pairs[spec.name]
        m = (out[done] > out[planned]).fillna(False).to_numpy(dtype=bool)
        exclude(m, done, lambda o: _num_text(o[done]), lambda o: done + " is more than " + planned + " ("
                + _num_text(o[planned]) + "). Correct the session counts and export again.")
    if spec.name == "attendance":
        missed = out["authorised_absence"] + out["unauthorised_absence"]
        m = (missed > out["possible_sessions"]).fillna(False).to_numpy(dtype=bool)
        exclude(m, "possible_sessions", lambda o: _num_text(o["possible_sessions"]),
                lambda o: "authorised + unauthorised absence (" + _num_text(o["authorised_absence"]
                                                                            + o["unauthorised_absence"])
                + ") is more than the possible sessions. Correct the attendance figures and export again.")
    if spec.name == "surveys":
        m = (out["scale_min"] >= out["scale_max"]).fillna(False).to_numpy(dtype=bool)
        exclude(m, "scale_max", lambda o: _num_text(o["scale_max"]),
                "scale_max must be greater than scale_min. Correct the scale.")
        m = ((out["response"] < out["scale_min"]) | (out["response"] > out["scale_max"])).fillna(False)
        exclude(m.to_numpy(dtype=bool), "response", lambda o: _num_text(o["response"]),
                lambda o: "response is outside the scale (" + _num_text(o["scale_min"]) + " to "
                + _num_text(o["scale_max"]) + "). Correct the answer or the scale.")
    if spec.name == "assessments":
        _assessment_scores(out, log, label, live, exclude)


def _assessment_scores(out, log, label, live, exclude) -> None:
    """Derive points from KS1/KS2 outcome codes; check score ranges per score type."""
    rows = out["_row"].to_numpy()
    res = out["result"].str.upper()
    out["result"] = res
    rcodes, rvals = pd.factorize(res, use_na_sentinel=True)      # per distinct code, not per row
    rvals = pd.Series(rvals, dtype="object")
    stype_rows = out["score_type"]
    values = np.full(len(out), np.nan)
    for stype, table in (("ks1_outcome", KS1_POINTS), ("ks2_ta", KS2_TA_POINTS), ("gcse_grade", {"U": 0.0})):
        sel = (stype_rows == stype).fillna(False).to_numpy(dtype=bool)
        if sel.any():
            per_code = np.append(rvals.map(table).to_numpy(dtype="float64", na_value=np.nan), np.nan)
            values[sel] = per_code[rcodes[sel]]
    points = pd.Series(values, index=out.index)
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
        exclude(m, "score", lambda o: _num_text(o["score"]),
                f"A {stype} score must be from {lo:g} to {hi:g}. Correct the score (or its score_type) "
                f"and export again.")


def _where(df: pd.DataFrame) -> pd.Series:
    """``"<file> row <n>"`` of each row (made only for the rows a message needs)."""
    return df["_file"].astype("string") + " row " + df["_row"].astype("string")


def check_duplicates(df: pd.DataFrame, spec, log: ProblemLog) -> pd.DataFrame:
    """Exact copies: keep one, report the others; same key with different values: exclude all.

    Works on the rows of every file of one table together (``_file``, ``_row``,
    ``_excluded`` columns), so a pupil given twice in two files is caught as well.
    """
    if not spec.key or df.empty:
        return df
    cols = [c.name for c in spec.columns]
    alive = ~df["_excluded"].to_numpy(dtype=bool)
    sub = df.loc[alive, cols] if not alive.all() else df[cols]   # no copy of a table with nothing excluded
    h = pd.util.hash_pandas_object(sub, index=False)
    dup = h.duplicated(keep="first")
    if dup.any():
        first_where = _where(df.loc[alive]).groupby(h.to_numpy()).transform("first")
        idx = dup[dup].index
        log.add(df.loc[idx, "_file"], df.loc[idx, "_row"], None, None,
                "Exact copy of " + first_where.loc[idx] + "; one copy was kept.", "excluded", "warning")
        df.loc[idx, "_excluded"] = True
    alive = ~df["_excluded"].to_numpy(dtype=bool)
    keyed = df.loc[alive, list(spec.key)] if not alive.all() else df[list(spec.key)]
    clash = keyed.duplicated(keep=False)
    if clash.any():
        c = df.loc[clash[clash].index]
        gid = c.groupby(list(spec.key), dropna=False, sort=False).ngroup()
        wc = _where(c)
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


#: Dates of events that cannot lie after the day the data were exported.
_PAST_DATES = {"pupils": ("date_of_birth",), "assessments": ("date",), "interventions": ("start_date",),
               "mentoring": ("start_date",), "exclusions": ("start_date",)}


def _future_checks(out: pd.DataFrame, spec, log: ProblemLog, label: str, live: np.ndarray,
                   today: pd.Timestamp) -> None:
    """Dates after ``today`` (in place).

    A past event dated after today (a birth, an assessment, a first session, a
    suspension) is a typing error: a required date excludes its row, an optional
    one is set blank.  An ``end_date`` after today is a planned end (the programme
    is still running) and is only noted.  An ``academic_year`` beginning after the
    next academic year is excluded.
    """
    rows = out["_row"].to_numpy()
    alive = live & ~out["_excluded"].to_numpy(dtype=bool)
    day = today.strftime("%Y-%m-%d")
    for col in _PAST_DATES.get(spec.name, ()):
        m = (out[col] > today).fillna(False).to_numpy(dtype=bool) & alive
        if not m.any():
            continue
        req = spec.column(col).required
        log.add(label, rows[m], col, out.loc[m, col].dt.strftime("%Y-%m-%d"),
                f"{col} is after today ({day}), which cannot be right for something that has already happened. "
                + ("The row was not used" if req else "It was set blank and the row kept")
                + "; correct the date in your MIS.", "excluded" if req else "repaired", "error" if req else "warning")
        if req:
            out.loc[m, "_excluded"] = True
        else:
            out.loc[m, col] = pd.NaT
    if "end_date" in out.columns and spec.name in ("interventions", "mentoring"):
        m = (out["end_date"] > today).fillna(False).to_numpy(dtype=bool) & alive
        if m.any():
            log.add(label, rows[m], "end_date", out.loc[m, "end_date"].dt.strftime("%Y-%m-%d"),
                    f"end_date is after today ({day}): the programme is still running, so its results are not "
                    f"final.", "noted", "info")
    if "academic_year" in out.columns:
        next_start = today.year + (1 if today.month >= 9 else 0)
        codes, years = pd.factorize(out["academic_year"], use_na_sentinel=True)   # per distinct year, not per row
        first = pd.to_numeric(pd.Series(years, dtype="string").str[:4], errors="coerce").astype("float64")
        m = _per_row((first > next_start).fillna(False).to_numpy(dtype=bool), codes, False) & alive
        if m.any():
            log.add(label, rows[m], "academic_year", out.loc[m, "academic_year"],
                    f"academic_year begins after next year (today is {day}). The row was not used; correct the "
                    f"year in your MIS.", "excluded", "error")
            out.loc[m, "_excluded"] = True


#: Free-text labels that name the same thing whatever their case or spacing.
_LABELS = ("subject", "assessment")


def normalise_labels(df: pd.DataFrame, spec, log: ProblemLog) -> pd.DataFrame:
    """Spell a subject (or assessment name) one way across all files of a table.

    "Maths", "maths " and "MATHS" are one subject: where the same label is written
    with different case or spacing, every row gets the spelling used in most rows
    (the first seen on a tie) and each changed row is reported as repaired.
    """
    for col in (c for c in _LABELS if c in df.columns):
        s = df[col]
        counts = s.value_counts(sort=False)
        if len(counts) < 2:
            continue
        key = counts.index.to_series().str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
        first_seen = pd.Series(np.arange(len(counts)), index=counts.index)
        chosen = {}
        for _, spellings in key.groupby(key.to_numpy(), sort=False):
            if len(spellings) > 1:
                names = spellings.index.tolist()
                best = max(names, key=lambda x: (counts[x], -first_seen[x]))
                chosen.update({x: best for x in names if x != best})
        if not chosen:
            continue
        m = s.isin(list(chosen)).fillna(False).to_numpy(dtype=bool)
        new = s.map(chosen).where(m, s).astype("string")
        log.add(df.loc[m, "_file"], df.loc[m, "_row"], col, s[m],
                f"{col} written with different capitals or spaces in different rows; read as '" + new[m]
                + "' so they count as one.", "repaired", "warning")
        df[col] = new
    return df
