"""Vectorised parsers for the values MIS exports hold.

Each parser takes a pandas ``string`` Series (blank = ``<NA>``, already stripped)
and returns the parsed Series and a boolean mask of the non-blank values it could
not read.  :func:`parse_column` picks the parser for a column of
:mod:`gtanalytics.data.schemas`; :func:`gtanalytics.data._validation.validate_table` calls
it once per distinct value of each column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "parse_flags",
    "parse_dates",
    "parse_academic_year",
    "parse_numbers",
    "parse_year_group",
    "month_first_only",
    "day_month_ambiguous",
    "upn_check_vectorised",
    "parse_column",
    "describe",
    "take_codes",
    "parse_flags_bad",
    "number_locale",
    "term_words",
    "register_areas",
    "BLANKS",
    "OUTCOME_CODES",
]

_TRUE = ("y", "yes", "true", "t", "1", "1.0", "x", "✓", "on")
_FALSE = ("n", "no", "false", "f", "0", "0.0", "off")
_FLAGS = {**{k: True for k in _TRUE}, **{k: False for k in _FALSE}}


def parse_flags(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read Y/N, Yes/No, TRUE/FALSE, T/F, 1/0 (any case) as a nullable boolean.

    Examples
    --------
    >>> v, bad = parse_flags(pd.Series(["Y", "no", "TRUE", "0", None, "maybe"], dtype="string"))
    >>> v.tolist(), bad.tolist()
    ([True, False, True, False, <NA>, <NA>], [False, False, False, False, False, True])
    """
    low = s.str.lower()
    t = low.isin(_TRUE).to_numpy(dtype=bool)
    f = low.isin(_FALSE).to_numpy(dtype=bool)
    out = pd.array(np.where(t, True, False), dtype="boolean")
    out[~(t | f)] = pd.NA
    bad = s.notna().to_numpy(dtype=bool) & ~(t | f)
    return pd.Series(out, index=s.index), pd.Series(bad, index=s.index)


_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y", "%d/%m/%Y %H:%M:%S",
                 "%d/%m/%Y %H:%M", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%Y", "%d %b %Y", "%d-%b-%y",
                 "%d %B %Y", "%d-%B-%Y", "%Y/%m/%d", "%Y%m%d")


_ISO_ZONE = r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)"
_WORDY = (r"(?i)^(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?,?\s+)?(\d{1,2})(?:st|nd|rd|th)?"
          r"(?:\s+of)?[\s-]+([a-z]{3,9})\.?,?[\s-]+(\d{4})$")


def parse_dates(s: pd.Series, *, origin: str = "1899-12-30") -> tuple[pd.Series, pd.Series]:
    """Read dates: ISO, UK day-first (never US month-first), dd-Mon-yyyy, Excel serial numbers.

    Also "8th Jan 2024" (ordinals, weekday names) and ISO timestamps with a time zone
    ("2024-05-13T23:00:00Z"), which are read in UK time (that one is 14 May).  ``origin`` is
    day 0 of serial numbers: 1899-12-30, or 1904-01-01 for a workbook in Excel's 1904 system.

    Examples
    --------
    >>> v, bad = parse_dates(pd.Series(["2024-01-08", "08/01/2024", "8-Jan-2024", "45299", "13/13/2024",
    ...                                 "8th Jan 2024", "2024-01-08T09:30:00Z"], dtype="string"))
    >>> [str(d.date()) if not pd.isna(d) else None for d in v], bad.tolist()
    (['2024-01-08', '2024-01-08', '2024-01-08', '2024-01-08', None, '2024-01-08', '2024-01-08'], [False, False, False, False, True, False, False])
    """
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    todo = np.array(s.notna().to_numpy(dtype=bool))
    serial = s.str.fullmatch(r"\d{4,5}(\.\d+)?").fillna(False).to_numpy(dtype=bool) & todo
    if serial.any():
        num = pd.to_numeric(s[serial], errors="coerce").astype("float64")
        ok = (num >= 10000) & (num <= 80000)           # 1927-2119: plausible school dates
        conv = pd.to_datetime(num[ok].to_numpy(), unit="D", origin=origin)
        out.loc[num[ok].index] = conv.floor("D").astype("datetime64[ns]")
        todo = todo & out.isna().to_numpy(dtype=bool)
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        part = pd.to_datetime(s[todo], format=fmt, errors="coerce")
        good = part.notna()
        if good.any():
            out.loc[part.index[good]] = part[good].astype("datetime64[ns]")
            todo = todo & out.isna().to_numpy(dtype=bool)
    if todo.any():
        zoned = s.str.fullmatch(_ISO_ZONE).fillna(False).to_numpy(dtype=bool) & todo
        if zoned.any():
            t = pd.to_datetime(s[zoned], utc=True, errors="coerce", format="ISO8601")
            out.loc[t.index] = t.dt.tz_convert("Europe/London").dt.tz_localize(None).astype("datetime64[ns]")
            todo = todo & out.isna().to_numpy(dtype=bool)
    if todo.any():
        parts = s[todo].str.extract(_WORDY)
        ok = parts[0].notna()
        if ok.any():
            text = parts[0][ok] + " " + parts[1][ok].str[:3].str.title() + " " + parts[2][ok]
            part = pd.to_datetime(text, format="%d %b %Y", errors="coerce")
            good = part.notna()
            out.loc[part.index[good]] = part[good].astype("datetime64[ns]")
            todo = todo & out.isna().to_numpy(dtype=bool)
    return out, pd.Series(todo, index=s.index)


def parse_academic_year(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalise "2023-24", "2023/2024", "202324", "2023 to 2024", "23/24" to "2023/24".

    Examples
    --------
    >>> v, bad = parse_academic_year(pd.Series(["2023-24", "2023/2024", "202324", "2023/25"], dtype="string"))
    >>> v.tolist(), bad.tolist()
    (['2023/24', '2023/24', '2023/24', <NA>], [False, False, False, True])
    """
    parts = s.str.lower().str.extract(r"^(\d{4}|\d{2})\s*(?:[-/_\u2013]|to)?\s*(\d{4}|\d{2})$")
    first = pd.to_numeric(parts[0], errors="coerce").astype("float64")
    second = pd.to_numeric(parts[1], errors="coerce").astype("float64")
    first = first.where(parts[0].str.len() != 2, first + 2000)
    four = (parts[1].str.len() == 4).fillna(False).to_numpy(dtype=bool)
    ok = np.where(four, second == first + 1, second == (first + 1) % 100)
    ok = pd.Series(ok, index=s.index) & first.notna() & second.notna()
    text = first.astype("Int64").astype("string") + "/" + ((first + 1) % 100).astype("Int64").astype(
        "string").str.zfill(2)
    out = text.where(ok, pd.NA).astype("string")
    return out, s.notna() & ~ok


def parse_numbers(s: pd.Series, *, whole: bool = False) -> tuple[pd.Series, pd.Series]:
    """Read numbers, ignoring £, % signs and thousands commas; ``whole`` rejects fractions.

    A comma is read only as a thousands separator ("1,240"); a decimal comma
    ("10,5") is rejected rather than misread as 105.  Infinite values are rejected.

    Examples
    --------
    >>> v, bad = parse_numbers(pd.Series(["£1,240", "12.5", "abc", None, "10,5"], dtype="string"))
    >>> v.tolist()[:2], bad.tolist()
    ([1240.0, 12.5], [False, False, True, False, True])
    """
    clean = s.str.replace(r"[£%\s]", "", regex=True)
    comma = clean.str.contains(",", regex=False).fillna(False)
    thousands = clean.str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?").fillna(False)
    clean = clean.str.replace(",", "", regex=False).where(~comma | thousands, "x")
    num = pd.to_numeric(clean, errors="coerce").astype("float64")
    num = num.where(np.isfinite(num))
    bad = s.notna() & num.isna()
    if whole:
        frac = num.notna() & (num != np.floor(num))
        bad |= frac
        num = num.where(~frac)
    return num, bad.astype(bool)


_EURO = r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[-+]?\d+,\d{1,2}|[-+]?\d{4,},\d+"
_UK = r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d*\.(?:\d{1,2}|\d{4,})"
_DOT_THOUSANDS = r"[-+]?\d{1,3}(?:\.\d{3})+"


def number_locale(s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Decide by the column's own evidence whether "1.240" means 1240 or 1.24.

    A column holding decimal commas ("10,5", "1.240,50"), in at least two values, and no
    UK-style numbers is read the continental way: its values are rewritten ("1.240" -> "1240", "10,5" -> "10.5").
    A "1.240" in a column with no evidence either way is ambiguous.  Returns the
    (possibly rewritten) values, a mask of the values rewritten and a mask of the
    ambiguous ones.

    Examples
    --------
    >>> v, moved, amb = number_locale(pd.Series(["1.240", "10,5", "7"], dtype="string"))
    >>> v.tolist(), moved.tolist(), amb.tolist()
    (['1240', '10.5', '7'], [True, True, False], [False, False, False])
    >>> number_locale(pd.Series(["1.240", "7"], dtype="string"))[2].tolist()
    [True, False]
    """
    none = np.zeros(len(s), dtype=bool)
    if not s.str.contains(r"\d[.,]\d", regex=True).fillna(False).any():
        return s, none, none
    clean = s.str.replace(r"[£%\s]", "", regex=True)
    euro = clean.str.fullmatch(_EURO).fillna(False).to_numpy(dtype=bool)
    uk = clean.str.fullmatch(_UK).fillna(False).to_numpy(dtype=bool)
    dots = clean.str.fullmatch(_DOT_THOUSANDS).fillna(False).to_numpy(dtype=bool)
    if (euro & ~dots).any() and euro.sum() >= 2 and not uk.any():
        new = clean.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        return s.where(~euro, new), euro, none
    return s, none, dots & ~uk.any()


_DMY = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T].*)?$"


def _day_month(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    parts = u.str.extract(_DMY)
    a = pd.to_numeric(parts[0], errors="coerce").astype("float64").to_numpy()
    b = pd.to_numeric(parts[1], errors="coerce").astype("float64").to_numpy()
    return a, b


def month_first_only(u: pd.Series, bad: pd.Series) -> np.ndarray:
    """Unreadable dates that only make sense month-first (US style, "12/31/2024"): a mask over ``u``."""
    a, b = _day_month(u)
    with np.errstate(invalid="ignore"):
        return bad.to_numpy(dtype=bool) & (a <= 12) & (b > 12) & (b <= 31)


def day_month_ambiguous(u: pd.Series, bad: pd.Series) -> np.ndarray:
    """Dates read day-first that would be a different date month-first ("01/08/2024"): a mask over ``u``.

    They are only doubtful when the same file also holds month-first-only dates
    (:func:`month_first_only`); the loader then refuses to guess.
    """
    a, b = _day_month(u)
    with np.errstate(invalid="ignore"):
        return ~bad.to_numpy(dtype=bool) & (a <= 12) & (b <= 12) & (a != b)


def parse_year_group(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read year groups: "6", "Y6", "Year 6", "Yr 6", "R"/"Reception" (= 0).

    Examples
    --------
    >>> v, bad = parse_year_group(pd.Series(["Year 6", "R", "Y10", "N2"], dtype="string"))
    >>> v.tolist(), bad.tolist()
    ([6, 0, 10, <NA>], [False, False, False, True])
    """
    low = s.str.lower().str.replace(r"^(nc\s*)?(year|yr|y)\s*", "", regex=True)
    low = low.mask(low.isin(["r", "rec", "reception", "yr", "fs2", "f2"]), "0")
    num, bad = parse_numbers(low, whole=True)
    return num.astype("Int64"), bad


def upn_check_vectorised(s: pd.Series) -> pd.Series:
    """True where a UPN (upper case) is valid, by the DfE check-letter rule, vectorised.

    The same algorithm as :func:`gtanalytics.data.check_letter`, written with numpy so
    that hundreds of thousands of UPNs are checked without a Python loop.
    """
    from gtanalytics.data._upn import CHECK_ALPHABET, check_letter_places

    shaped = s.str.fullmatch(r"[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]").fillna(False).to_numpy(dtype=bool)
    ok = np.zeros(len(s), dtype=bool)
    if shaped.any():
        arr = np.frombuffer("".join(s[shaped].tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 13)
        lookup = np.zeros(256, dtype=np.int64)
        lookup[np.arange(48, 58)] = np.arange(10)
        for i, ch in enumerate(CHECK_ALPHABET):
            lookup[ord(ch)] = i
        alphabet = np.frombuffer(CHECK_ALPHABET.encode("ascii"), dtype=np.uint8)
        ok[shaped] = alphabet[check_letter_places(lookup[arr[:, 1:]])] == arr[:, 0]
    return pd.Series(ok, index=s.index)


BLANKS = ("n/a", "na", "null", "nan", "none", "-", "<na>", "nat")
OUTCOME_CODES = frozenset("GDS EXS WTS HNM PKF PKE PKG PK1 PK2 PK3 PK4 PK5 PK6 BLW A B D M N T U X P Q H "
                           "L S".split())
_ENGLISH = ("eng", "enb", "english", "believed to be english", "english (believed)")
_LANG_UNKNOWN = ("not", "ref", "not known", "refused", "information not obtained", "unknown")
_FLAG_WORDS = ("y", "yes", "true", "t", "1", "1.0", "x", "n", "no", "false", "f", "0", "0.0", "on", "off")


def describe(c) -> str:
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


def take_codes(values, codes: np.ndarray, index) -> pd.Series:
    """Expand per-unique-value results back to rows (code -1 = blank -> missing)."""
    arr = values.array if isinstance(values, pd.Series) else values
    return pd.Series(pd.api.extensions.take(arr, codes, allow_fill=True), index=index)


_TERMS = {"autumn": "Autumn", "spring": "Spring", "summer": "Summer", "1": "Autumn", "2": "Spring", "3": "Summer"}


def term_words(u: pd.Series) -> pd.Series:
    """"Summer Term", "summer term 2", "Term 3" -> "Summer" (a term or period name; others unchanged)."""
    low = u.str.lower().str.replace(r"[\s_-]+", " ", regex=True).str.strip()
    parts = low.str.extract(r"^(?:(autumn|spring|summer)(?: term)?(?: ?[12])?(?: term)?|(?:term|t) ?([123]) of 3)$")
    name = parts[0].fillna(parts[1]).map(_TERMS)
    return u.where(name.isna(), name).astype("string")


_AREAS = frozenset("""maths mathematics math numeracy english literacy reading writing spelling grammar science
biology chemistry physics music art design drama dance pe sport sports games athletics football swimming gymnastics
history geography humanities re rs philosophy languages language mfl french spanish german latin mandarin computing
ict computer science dt technology leadership creative creativity performing arts academic chess debating oracy
enterprise business economics psychology sociology media film photography textiles food cooking""".split())


def register_areas(u: pd.Series) -> pd.Series:
    """Areas named in a G&T register column ("Maths", "Music; Art") as "maths;music;art" (else missing).

    Only values every word of which is a known area of talent count (so "Maybe" or
    "TBC" stay unreadable).

    Examples
    --------
    >>> register_areas(pd.Series(["Maths", "Music; Art", "Art and Design", "Maybe", None], dtype="string")).tolist()
    ['maths', 'music;art', 'art and design', <NA>, <NA>]
    """
    low = u.str.lower().str.strip()
    words = low.str.replace(r"[;,/+&()-]|\band\b", " ", regex=True).str.split()
    known = words.map(lambda ws: bool(ws) and all(w in _AREAS for w in ws), na_action="ignore")
    joined = low.str.replace(r"\s*[;,/+]\s*", ";", regex=True).str.replace(r"\s+", " ", regex=True)
    return joined.where(known.fillna(False).astype(bool)).astype("string")


def parse_column(c, u: pd.Series, *, origin: str = "1899-12-30"):
    """Parse the distinct cleaned values ``u`` of column ``c``; return (parsed, bad)."""
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
        return parse_dates(u, origin=origin)
    if c.dtype in ("int", "float"):
        num, bad = parse_numbers(u, whole=c.dtype == "int")
        return (num.astype("Int64") if c.dtype == "int" else num), bad
    if c.allowed:
        canon = {a.lower(): a for a in c.allowed}
        if c.name in ("term", "period"):
            u = term_words(u)
        parsed = u.str.lower().map(canon).astype("string")
        return parsed, (u.notna() & parsed.isna())
    return u, bad


def parse_flags_bad(u: pd.Series) -> np.ndarray:
    """Distinct EAL values that were languages rather than flags (for the note)."""
    low = u.str.lower()
    return (u.notna() & ~low.isin(_FLAG_WORDS) & ~low.isin(_LANG_UNKNOWN)).to_numpy(dtype=bool)
