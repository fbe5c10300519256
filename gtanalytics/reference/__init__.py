"""Versioned national reference data shipped with the package.

Each table is a CSV file in ``gtanalytics/reference/``.  Its first lines are
``# key: value`` metadata (at least ``title``, ``source`` and ``status``:
CONFIRMED, SECONDARY or UNCONFIRMED as in the methodology notes) and the rest
is the data.  Values are never invented: where a national table is not shipped,
the functions that need it take it as an argument.

National benchmarks by year, phase and group (absence, exclusions, key stage 2,
key stage 4) are looked up with :func:`national`, which returns a
:class:`NationalFigure` (value, unit, source, status) or ``None`` when DfE's
figure for that year, phase and group was not found in a retrievable source, or
was found only as UNCONFIRMED: then nothing is compared.  :func:`national_benchmarks`
gives the whole table, e.g. for a governor report's page-1 summary.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from gtanalytics.errors import GTDataError
from gtanalytics._stats import require_columns

__all__ = ["load_reference", "reference_metadata", "list_references", "NationalFigure", "national",
           "national_benchmarks", "national_headlines", "national_group", "academic_year", "BENCHMARK_TABLES",
           "COMPARABLE_STATUS"]

#: Shipped tables of national benchmarks (same columns: academic_year, measure, phase, group, value,
#: unit, status, source, note).
BENCHMARK_TABLES = ("national_attendance", "national_exclusions", "national_ks2", "national_ks4")
#: Statuses a comparison may use; an UNCONFIRMED figure is never compared with.
COMPARABLE_STATUS = ("CONFIRMED", "SECONDARY")
_PHASES = ("all", "primary", "secondary")
_GROUPS = ("all", "fsm", "not_fsm", "disadvantaged", "not_disadvantaged")
_HEADLINES = {
    "primary": ("ks2_rwm_expected", "ks2_rwm_higher", "ks2_reading_scaled_score", "ks2_maths_scaled_score"),
    "secondary": ("ks4_attainment8", "ks4_progress8", "ks4_english_maths_4plus", "ks4_english_maths_5plus"),
}
_TRUE = {"true", "y", "yes", "1", "1.0"}
_FALSE = {"false", "n", "no", "0", "0.0"}


def _read(name: str) -> tuple[dict[str, str], str]:
    try:
        text = resources.files("gtanalytics").joinpath("reference", f"{name}.csv").read_text("utf-8")
    except FileNotFoundError:
        raise GTDataError(
            f"There is no reference table called {name!r}. Tables shipped: "
            f"{', '.join(list_references())}. Pass your own table as an argument instead."
        ) from None
    meta: dict[str, str] = {}
    body = []
    for line in text.splitlines(keepends=True):
        if line.startswith("#") and not body:
            key, _, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
        else:
            body.append(line)
    return meta, "".join(body)


@lru_cache(maxsize=None)
def _cached(name: str) -> tuple[dict[str, str], pd.DataFrame]:
    meta, body = _read(name)
    return meta, pd.read_csv(io.StringIO(body))


def load_reference(name: str) -> pd.DataFrame:
    """Load a shipped reference table.

    Parameters
    ----------
    name : str
        File stem in ``gtanalytics/reference/``, e.g. ``"p8_2024_estimates"``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy of the table; its metadata (source, year, status) is in
        ``DataFrame.attrs``.

    Examples
    --------
    >>> from gtanalytics.reference import list_references
    >>> isinstance(list_references(), list)
    True
    """
    meta, frame = _cached(name)
    out = frame.copy()
    out.attrs.update(meta)
    return out


def reference_metadata(name: str) -> dict[str, str]:
    """Return the ``# key: value`` metadata of a reference table (title, source, status...)."""
    return dict(_cached(name)[0])


def list_references() -> list[str]:
    """Names of the reference tables shipped with this version."""
    folder = resources.files("gtanalytics").joinpath("reference")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".csv"))


@dataclass(frozen=True)
class NationalFigure:
    """One published national figure and where it comes from.

    Attributes
    ----------
    measure, academic_year, phase, group : str
        What the figure is (``phase`` ``all``/``primary``/``secondary``; ``group`` ``all``, ``fsm``,
        ``not_fsm``, ``disadvantaged`` or ``not_disadvantaged``).
    value : float
        The figure, in ``unit``.
    unit, status, source, note, table : str
        Unit; CONFIRMED or SECONDARY (see the module notes); the address it was read from; any
        caveat (provisional, rounded...); the shipped table holding it.
    """

    measure: str
    academic_year: str
    phase: str
    group: str
    value: float
    unit: str
    status: str
    source: str
    note: str
    table: str

    @property
    def basis(self) -> str:
        """Plain words for what the figure covers, e.g. ``"England 2023/24, primary schools, all pupils"``."""
        phase = {"all": "all state-funded schools", "primary": "primary schools",
                 "secondary": "secondary schools"}[self.phase]
        group = {"all": "all pupils", "fsm": "pupils eligible for free school meals",
                 "not_fsm": "pupils not eligible for free school meals",
                 "disadvantaged": "disadvantaged pupils", "not_disadvantaged": "other (non-disadvantaged) pupils",
                 }[self.group]
        return f"England {self.academic_year}, {phase}, {group} ({self.status.lower()})"


def academic_year(year) -> str:
    """Normalise a year to ``"2023/24"``.

    Accepts ``"2023/24"``, ``"2023-24"``, ``"202324"`` or the calendar year an academic year ends
    in (``2024`` is 2023/24: the summer of KS2 tests and GCSEs).

    Examples
    --------
    >>> academic_year(2024), academic_year("2023-24"), academic_year("202324")
    ('2023/24', '2023/24', '2023/24')
    """
    text = str(year).strip()
    m = re.fullmatch(r"(\d{4})\s*[/-]?\s*(\d{2})", text)
    if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
        return f"{m.group(1)}/{m.group(2)}"
    if re.fullmatch(r"\d{4}", text):
        end = int(text)
        return f"{end - 1}/{end % 100:02d}"
    raise GTDataError(f"{year!r} is not an academic year: write it as '2023/24' (or 2024 for the year ending in "
                      "summer 2024).")


@lru_cache(maxsize=None)
def _benchmarks() -> pd.DataFrame:
    parts = [load_reference(name).assign(table=name) for name in BENCHMARK_TABLES]
    out = pd.concat(parts, ignore_index=True)
    out["note"] = out["note"].fillna("")
    return out[["table", "academic_year", "measure", "phase", "group", "value", "unit", "status", "source", "note"]]


def national_benchmarks(measure: str | None = None, *, year=None, phase: str | None = None,
                        group: str | None = None) -> pd.DataFrame:
    """All shipped national benchmarks in one tidy table (optionally filtered).

    Returns
    -------
    pandas.DataFrame
        ``table, academic_year, measure, phase, group, value, unit, status, source, note``; every
        status is listed, UNCONFIRMED included (:func:`national` never returns those).

    Examples
    --------
    >>> t = national_benchmarks("overall_absence", year="2023/24")
    >>> t.set_index("phase")["value"].to_dict()
    {'all': 7.1, 'primary': 5.5, 'secondary': 8.9}
    """
    out = _benchmarks().copy()
    if measure is not None:
        out = out[out["measure"] == measure]
    if year is not None:
        out = out[out["academic_year"] == academic_year(year)]
    if phase is not None:
        out = out[out["phase"] == phase]
    if group is not None:
        out = out[out["group"] == group]
    return out.reset_index(drop=True)


def national(measure: str, *, year, phase: str = "all", group: str = "all",
             table: pd.DataFrame | None = None) -> NationalFigure | None:
    """The published national figure for one measure, year, phase and group, or ``None``.

    ``None`` means there is nothing to compare with: DfE's figure for exactly that year, phase and
    group was not found in a retrievable source (or only as UNCONFIRMED).  No other figure is
    substituted (a primary school is never set against an all-schools figure, nor disadvantaged
    pupils against all pupils).

    Parameters
    ----------
    measure : str
        E.g. ``overall_absence``, ``persistent_absence``, ``suspension_rate``,
        ``permanent_exclusion_rate``, ``ks2_rwm_expected``, ``ks2_rwm_higher``,
        ``ks2_reading_expected``, ``ks2_reading_scaled_score``, ``ks4_attainment8``,
        ``ks4_progress8``, ``ks4_english_maths_4plus``, ``ks4_english_maths_5plus``
        (see :func:`national_benchmarks` for all).
    year : str or int
        Academic year (``"2023/24"``) or the calendar year it ends in (``2024``).
    phase : {"all", "primary", "secondary"}
        For key stage results (``ks2_...``, ``ks4_...``) the phase is implied by the measure and
        ignored: DfE publishes them for all state-funded schools with pupils at that key stage.
    group : {"all", "fsm", "not_fsm", "disadvantaged", "not_disadvantaged"}
    table : pandas.DataFrame, optional
        Your own benchmarks (columns ``academic_year, measure, value`` and optionally ``phase, group,
        unit, status, source, note``) instead of the shipped ones.

    Returns
    -------
    NationalFigure or None

    Examples
    --------
    >>> national("overall_absence", year=2024, phase="primary").value
    5.5
    >>> national("ks2_rwm_expected", year="2023/24", group="disadvantaged").value
    46.0
    >>> national("overall_absence", year="2023/24", group="fsm") is None  # not found: no comparison
    True
    """
    if phase not in _PHASES:
        raise GTDataError(f"phase must be one of {', '.join(_PHASES)}, not {phase!r}.")
    if group not in _GROUPS:
        raise GTDataError(f"group must be one of {', '.join(_GROUPS)}, not {group!r}.")
    if measure.startswith(("ks2_", "ks4_")):
        phase = "all"
    if table is None:
        t = _benchmarks()
    elif "table" in table.columns and set(table["table"]) <= set(BENCHMARK_TABLES):
        t = table
    else:
        t = _user_table(table)
    hit = t[(t["measure"] == measure) & (t["academic_year"] == academic_year(year)) & (t["phase"] == phase)
            & (t["group"] == group) & t["status"].isin(COMPARABLE_STATUS)]
    if hit.empty:
        return None
    r = hit.iloc[0]
    return NationalFigure(measure=measure, academic_year=str(r["academic_year"]), phase=phase, group=group,
                          value=float(r["value"]), unit=str(r["unit"]), status=str(r["status"]),
                          source=str(r["source"]), note=str(r["note"]), table=str(r["table"]))


def _user_table(table: pd.DataFrame) -> pd.DataFrame:
    require_columns(table, ["academic_year", "measure", "value"], "national",
                    hint="It needs academic_year, measure and value (and optionally phase, group, unit, status, "
                         "source, note).")
    out = table.copy()
    for col, default in (("phase", "all"), ("group", "all"), ("unit", ""), ("status", "CONFIRMED"),
                         ("source", "user-supplied"), ("note", ""), ("table", "user-supplied")):
        out[col] = out[col].fillna(default) if col in out.columns else default
    out["academic_year"] = [academic_year(y) for y in out["academic_year"]]
    return out


def national_group(column: str, value) -> str | None:
    """The national group matching a pupil grouping, or ``None`` when DfE has no such breakdown.

    ``fsm`` (free school meals now) maps to ``fsm``/``not_fsm``; ``disadvantaged`` to
    ``disadvantaged``/``not_disadvantaged``.  Any other column (sex, SEN, year group, class...)
    has no matching national figure here, so ``None``.

    Examples
    --------
    >>> national_group("fsm", "Y"), national_group("disadvantaged", False), national_group("sex", "F")
    ('fsm', 'not_disadvantaged', None)
    """
    if column not in ("fsm", "disadvantaged"):
        return None
    text = str(value).strip().lower()
    if text in _TRUE:
        return "fsm" if column == "fsm" else "disadvantaged"
    if text in _FALSE:
        return "not_fsm" if column == "fsm" else "not_disadvantaged"
    return None


def national_headlines(year, *, phase: str) -> pd.DataFrame:
    """The national figures a governor report's first page sets a school against.

    For a primary school: KS2 reading, writing and maths at the expected and higher standard and
    the reading and maths scaled scores; for a secondary: Attainment 8, Progress 8 and grade 4+ /
    5+ in English and maths; each for all, disadvantaged and other pupils.  Then overall and
    persistent absence for the phase, for all pupils and by free-school-meal eligibility (the
    breakdown DfE publishes for absence).  A figure not found is a row with ``value`` NaN and a
    ``basis`` that says so: compare with nothing there.

    Parameters
    ----------
    year : str or int
        Academic year (``"2023/24"`` or ``2024``).
    phase : {"primary", "secondary"}

    Returns
    -------
    pandas.DataFrame
        ``measure, group, value, unit, status, source, basis``.

    Examples
    --------
    >>> h = national_headlines(2024, phase="primary").set_index(["measure", "group"])
    >>> float(h.loc[("ks2_rwm_expected", "disadvantaged"), "value"])
    46.0
    """
    if phase not in _HEADLINES:
        raise GTDataError(f"phase must be 'primary' or 'secondary' for headline figures, not {phase!r}.")
    wanted = [(m, g) for m in _HEADLINES[phase] for g in ("all", "disadvantaged", "not_disadvantaged")]
    wanted += [(m, g) for m in ("overall_absence", "persistent_absence") for g in ("all", "fsm", "not_fsm")]
    table = national_benchmarks()
    rows = []
    for measure, group in wanted:
        fig = national(measure, year=year, phase=phase, group=group, table=table)
        if fig is None:
            rows.append({"measure": measure, "group": group, "value": float("nan"), "unit": "", "status": "",
                         "source": "", "basis": f"no published national figure found for {academic_year(year)}"})
        else:
            rows.append({"measure": measure, "group": group, "value": fig.value, "unit": fig.unit,
                         "status": fig.status, "source": fig.source, "basis": fig.basis})
    return pd.DataFrame(rows)
