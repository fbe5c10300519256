"""DfE progress-measure building blocks (KS1 points, KS2 nominal scores, Progress 8).

Every rule here is from ``reference/methodology.md`` (sections cited in each
docstring).  National tables ship as versioned CSVs in ``gtanalytics/reference``
(``p8_2024_estimates``, ``p8_2024_sd``, ``ks2_nominal_scores``); tables that are
not shipped (KS1->KS2 estimates by PAG, negative-score minima) are arguments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gtanalytics.data import schemas
from gtanalytics.errors import GTDataError
from gtanalytics.reference import load_reference
from gtanalytics._stats import require_columns, z_value

__all__ = [
    "KS1_POINTS",
    "ks1_points",
    "ks1_aps",
    "ks2_nominal_score",
    "ks2_average",
    "p8_estimates",
    "p8_national_sd",
    "assign_pag",
    "pupil_progress",
    "progress8",
    "apply_negative_cap",
    "school_progress",
    "progress_band",
    "BANDS",
]

#: KS1 teacher-assessment points (methodology §1.3).  Only the values the sources
#: confirm are listed; P-scales between P1i and P4 are not, so they raise an error.  The interim
#: framework is the data contract's codes (:data:`gtanalytics.data.schemas.KS1_POINTS`, what a
#: ``ks1_outcome`` result may hold) plus the two P-scale codes only the DfE measure scores.
KS1_POINTS: dict[str, dict[str, float]] = {
    "levels": {"W": 3, "1": 9, "2C": 13, "2B": 15, "2A": 17, "3": 21, "4": 27},
    "interim": {**schemas.KS1_POINTS, "P1I": 0.25, "P4": 1.75},
}
_NO_RESULT = {"A", "D", "M"}  # absent, disapplied, missing: no APS, no PAG (§1.3)

#: The five DfE progress descriptors, best first (§2.5).
BANDS = ("well above average", "above average", "average", "below average", "well below average")


def ks1_points(code, *, framework: str = "interim") -> float:
    """Points for one KS1 teacher-assessment outcome (methodology §1.3).

    Codes are looked up first (so the text ``"3"`` is level 3 in the levels
    framework); other numbers pass through as points; A, D, M and blanks give NaN.

    Examples
    --------
    >>> ks1_points("EXS"), ks1_points("2b", framework="levels")
    (8.0, 15.0)
    """
    if framework not in KS1_POINTS:
        raise GTDataError(f"framework must be 'interim' or 'levels', not {framework!r}.")
    if code is None or (isinstance(code, float) and np.isnan(code)) or code is pd.NA:
        return np.nan
    if isinstance(code, (int, float, np.number)) and not isinstance(code, bool):
        return float(code)
    key = str(code).strip().upper()
    if key in _NO_RESULT or key == "":
        return np.nan
    if key in KS1_POINTS[framework]:  # before parsing numbers: "3" is level 3 (21 points), not 3 points
        return float(KS1_POINTS[framework][key])
    try:
        return float(key)
    except ValueError:
        pass
    if key not in KS1_POINTS[framework]:
        raise GTDataError(
            f"KS1 outcome {code!r} has no confirmed point score in the {framework!r} framework "
            f"(known: {', '.join(KS1_POINTS[framework])}). Convert it to points yourself and pass numbers.")
    return float(KS1_POINTS[framework][key])


def ks1_aps(reading, writing, maths, *, framework: str = "interim"):
    """KS1 average point score: ``mean(mean(R, W), M)`` (methodology §1.2-1.3).

    Parameters
    ----------
    reading, writing, maths : scalar or array-like
        Outcome codes (``"EXS"``, ``"2b"``...) or points.
    framework : {"interim", "levels"}
        Point map: the 2016-2019 interim framework or the levels era.

    Returns
    -------
    float or pandas.Series
        The APS; NaN when any subject is missing or coded A, D or M.

    Examples
    --------
    >>> ks1_aps("EXS", "WTS", "GDS")
    8.5
    """
    scalar = np.ndim(reading) == 0
    conv = [pd.Series(np.atleast_1d(np.asarray(v, dtype=object))).map(
        lambda c: ks1_points(c, framework=framework)).astype(float) for v in (reading, writing, maths)]
    aps = ((conv[0] + conv[1]) / 2 + conv[2]) / 2
    if isinstance(reading, pd.Series):
        aps.index = reading.index
    return float(aps.iloc[0]) if scalar else aps


def ks2_nominal_score(code, cohort_year: int, *, subject: str = "test", table: pd.DataFrame | None = None) -> float:
    """Score used for a KS2 outcome code when no scaled score exists (methodology §1.4).

    Parameters
    ----------
    code : str or number
        ``"N"``, ``"BLW"``, ``"PK3"``, ``"P5"``...; for writing ``"WTS"``/``"EXS"``/``"GDS"``.
        Numbers (scaled scores) pass through.
    cohort_year : int
        Calendar year the pupil took KS2 (e.g. 2019).
    subject : {"test", "writing"}
        ``"writing"`` for writing teacher assessment points.
    table : DataFrame, optional
        Your own table with columns ``code, subject, year_from, year_to, score``;
        defaults to the shipped ``ks2_nominal_scores`` (2016-2019).

    Returns
    -------
    float

    Examples
    --------
    >>> ks2_nominal_score("N", 2019), ks2_nominal_score("BLW", 2017)
    (79.0, 71.0)
    """
    if isinstance(code, (int, float, np.number)) and not isinstance(code, bool):
        return float(code)
    tab = load_reference("ks2_nominal_scores") if table is None else table
    key = str(code).strip().upper()
    codes = tab["code"].astype(str).str.upper()
    if key in {"P1I", "P1II", "P2I", "P2II", "P3I", "P3II"}:
        key = "P1I-P3II"
    hit = tab[(codes == key) & (tab["subject"] == subject)
              & (tab["year_from"] <= cohort_year) & (tab["year_to"] >= cohort_year)]
    if hit.empty:
        raise GTDataError(
            f"No nominal KS2 score for code {code!r} ({subject}) in {cohort_year}. The shipped table covers "
            "2016-2019; pass table= with the DfE values for that year.")
    return float(hit["score"].iloc[0])


def ks2_average(reading, maths):
    """KS2 prior attainment for Progress 8: the mean of reading and maths scaled scores (§2.3).

    Examples
    --------
    >>> ks2_average(104, 106)
    105.0
    """
    r = np.asarray(reading, dtype=float)
    m = np.asarray(maths, dtype=float)
    out = (r + m) / 2
    if isinstance(reading, pd.Series):
        return pd.Series(out, index=reading.index)
    return float(out) if out.ndim == 0 else out


def p8_estimates(year: int = 2024) -> pd.DataFrame:
    """The shipped national A8 estimates by KS2 PAG (``pag, ks2_low, ks2_high, a8, english, maths, ebacc, open``)."""
    return load_reference(f"p8_{year}_estimates")


def p8_national_sd(year: int = 2024) -> pd.DataFrame:
    """The shipped national pupil-level SDs (``measure, column, divisor, sd``)."""
    return load_reference(f"p8_{year}_sd")


def assign_pag(values, boundaries=None) -> pd.Series:
    """Prior attainment group from upper-inclusive boundaries (§2.3).

    Parameters
    ----------
    values : array-like
        KS2 averages (or KS1 APS with your own boundaries).
    boundaries : DataFrame or sequence, optional
        A table with columns ``pag`` and ``ks2_high`` (or ``upper``), or the
        sequence of upper bounds of groups 1..k-1 (group k is open-ended).
        Default: the 34 KS2 Progress 8 groups of 2024.

    Returns
    -------
    pandas.Series
        Integer PAG (``Int64``), missing where the value is missing.

    Examples
    --------
    >>> assign_pag([82, 82.5, 105, 119.5]).tolist()
    [1, 2, 19, 34]
    """
    if boundaries is None:
        boundaries = p8_estimates()
    if isinstance(boundaries, pd.DataFrame):
        col = "ks2_high" if "ks2_high" in boundaries else "upper"
        require_columns(boundaries, ["pag", col], "boundaries", caller="assign_pag",
                        hint="It needs the columns pag and ks2_high (or upper).")
        b = boundaries.sort_values(col)
        uppers = b[col].to_numpy(dtype=float)[:-1]
        labels = b["pag"].to_numpy()
    else:
        uppers = np.asarray(boundaries, dtype=float)
        labels = np.arange(1, len(uppers) + 2)
    v = np.asarray(values, dtype=float)
    idx = np.searchsorted(uppers, v, side="left")
    out = pd.Series(labels[np.minimum(idx, len(labels) - 1)], dtype="Int64",
                    index=values.index if isinstance(values, pd.Series) else None)
    out[np.isnan(v)] = pd.NA
    return out


def pupil_progress(actual, estimate, *, divisor: float = 1.0):
    """Pupil progress score ``(actual - estimate) / divisor`` (§1.2, §2.4: P8 uses 10; elements 2, 2, 3, 3).

    Examples
    --------
    >>> round(pupil_progress(50, 45.12, divisor=10), 3)
    0.488
    """
    out = (np.asarray(actual, dtype=float) - np.asarray(estimate, dtype=float)) / divisor
    return float(out) if out.ndim == 0 else out


_ELEMENT_DIVISORS = {"a8": 10.0, "english": 2.0, "maths": 2.0, "ebacc": 3.0, "open": 3.0}


def progress8(df: pd.DataFrame, *, prior: str = "ks2_average", a8: str = "a8",
              elements: dict[str, str] | None = None, estimates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pupil Progress 8 and element scores (DfE method, §2.3-2.4).

    Parameters
    ----------
    df : DataFrame
        One row per pupil.
    prior : str
        Column with the KS2 average (mean of reading and maths scaled scores).
    a8 : str
        Column with the Attainment 8 total.
    elements : dict, optional
        Element name (``english, maths, ebacc, open``) -> column with that element's points.
    estimates : DataFrame, optional
        National estimates by PAG (columns as :func:`p8_estimates`); default 2024.

    Returns
    -------
    pandas.DataFrame
        ``df`` plus ``pag``, ``a8_estimate``, ``p8`` and for each element
        ``<element>_estimate`` and ``p8_<element>``.

    Examples
    --------
    >>> import pandas as pd
    >>> out = progress8(pd.DataFrame({"ks2_average": [105.0], "a8": [50.0]}))
    >>> round(float(out["p8"].iloc[0]), 3)
    0.488
    """
    est = p8_estimates() if estimates is None else estimates
    require_columns(df, [prior, a8, *(elements or {}).values()], caller="progress8")
    out = df.copy()
    out["pag"] = assign_pag(out[prior].astype(float), est)
    lookup = est.set_index("pag")
    pag = out["pag"].astype("float")
    for name, col in [("a8", a8), *((elements or {}).items())]:
        if name not in _ELEMENT_DIVISORS or name not in lookup:
            raise GTDataError(f"Unknown Progress 8 element {name!r}: use english, maths, ebacc or open.")
        e = pag.map(lookup[name].astype(float))
        out[f"{name}_estimate"] = e
        out["p8" if name == "a8" else f"p8_{name}"] = pupil_progress(out[col].astype(float), e,
                                                                      divisor=_ELEMENT_DIVISORS[name])
    return out


def apply_negative_cap(scores, pag, min_table: pd.DataFrame, *, column: str = "min_score") -> pd.Series:
    """Replace extremely negative pupil scores by their PAG's minimum (2018+ rule, §1.6).

    The minima are not published in the sources this library uses, so they are
    an argument; positive scores are never capped.  Use the result only for
    the school average and keep the pupil's own score for reporting.

    Parameters
    ----------
    scores : array-like
        Pupil progress scores.
    pag : array-like
        Their prior attainment groups.
    min_table : DataFrame
        Columns ``pag`` and ``column`` (the minimum score for the group); PAGs
        not in the table are not capped.

    Returns
    -------
    pandas.Series
        ``max(score, minimum[pag])``.

    Examples
    --------
    >>> import pandas as pd
    >>> apply_negative_cap([-4.0, -1.0], [1, 1], pd.DataFrame({"pag": [1], "min_score": [-3.0]})).tolist()
    [-3.0, -1.0]
    """
    require_columns(min_table, ["pag", column], "minimum scores", caller="apply_negative_cap")
    s = pd.Series(np.asarray(scores, dtype=float))
    floor = pd.Series(np.asarray(pag)).map(min_table.set_index("pag")[column].astype(float)).astype(float)
    capped = np.where(floor.notna() & (s < floor), floor, s)
    idx = scores.index if isinstance(scores, pd.Series) else None
    return pd.Series(capped, index=idx)


def school_progress(scores, *, national_sd: float, confidence: float = 0.95) -> pd.DataFrame:
    """School progress score and its DfE confidence interval (§1.5, §2.4).

    ``score = mean``, half-width ``= z * national_sd / sqrt(n)`` with ``z`` the
    normal quantile for ``confidence`` (1.96 for 95%).

    Returns
    -------
    pandas.DataFrame
        One row: ``n, score, se, ci_low, ci_high, ci_method``.

    Examples
    --------
    >>> r = school_progress([0.2] * 30, national_sd=1.41628)
    >>> round(float(r.ci_high.iloc[0] - r.score.iloc[0]), 2)
    0.51
    """
    s = np.asarray(scores, dtype=float)
    s = s[~np.isnan(s)]
    n = len(s)
    if n == 0:
        raise GTDataError("No pupil scores to average: every score is missing.")
    z = z_value(confidence)
    mean = float(s.mean())
    se = national_sd / np.sqrt(n)
    return pd.DataFrame({"n": [n], "score": [mean], "se": [se], "ci_low": [mean - z * se],
                         "ci_high": [mean + z * se],
                         "ci_method": [f"DfE: mean +/- z({confidence:g}) x national SD {national_sd:g} / sqrt(n)"]})


def progress_band(score, ci_low, ci_high, *, well: float | None = 0.5):
    """DfE progress descriptor from a score and its confidence interval (§2.5).

    * well above average: score >= ``well`` and lower limit > 0
    * above average: lower limit > 0 (and score < ``well``)
    * average: the interval includes 0
    * below average: upper limit < 0 (and score >= -``well``)
    * well below average: score < -``well`` and upper limit < 0

    Parameters
    ----------
    score, ci_low, ci_high : scalar or array-like
    well : float or None
        The "well above/below" threshold: 0.5 for Progress 8.  KS2 thresholds
        are not confirmed, so pass your own; ``None`` gives three bands only.

    Returns
    -------
    str or numpy.ndarray of str
        One of :data:`BANDS` (missing input gives ``None``).

    Examples
    --------
    >>> progress_band(0.6, 0.1, 1.1), progress_band(-0.3, -0.6, -0.01)
    ('well above average', 'below average')
    """
    sc, lo, hi = (np.asarray(v, dtype=float) for v in (score, ci_low, ci_high))
    big = np.inf if well is None else well
    out = np.select(
        [np.isnan(sc) | np.isnan(lo) | np.isnan(hi),
         (lo > 0) & (sc >= big), lo > 0, hi < 0, ],
        [None, BANDS[0], BANDS[1], np.where(sc < -big, BANDS[4], BANDS[3])],
        default=BANDS[2]).astype(object)
    return out.item() if out.ndim == 0 else out
