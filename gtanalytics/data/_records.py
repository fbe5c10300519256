"""The data a school's report is made from: one school's records, its years, its summer tests.

Helpers the notebooks and sections call (with tests): :func:`load_trust` loads
the trust's data (one school's part is :meth:`gtanalytics.data.SchoolData.for_school`),
:func:`summer_scores` gives the input of gap trends (the summer-to-summer
pairs for value added are :func:`gtanalytics.progress.summer_progress`), :func:`coverage` says what the data covers. No
matplotlib is imported here.
"""

from __future__ import annotations


import pandas as pd

from gtanalytics.errors import GTDataError
from gtanalytics.subjects import canonical_subject

__all__ = [
    "coverage",
    "load_trust",
    "school_ids",
    "school_name",
    "summer_scores",
    "years_of",
]

def load_trust(data_path, *, cache=None):
    """The trust's data for a notebook: loaded from ``data_path``, or the copy a report build loaded once.

    :func:`gtanalytics.report.build_reports` loads and validates the exports
    once and hands every notebook kernel it starts (one per school) that
    loaded copy, written to its own private temporary folder, as ``cache``;
    the kernel then reads it in a fraction of a second instead of validating
    every file again. Interactive use leaves ``cache`` as None.

    Parameters
    ----------
    data_path : str or Path
        Folder (or file) of MIS exports, as for :func:`gtanalytics.data.load`.
    cache : str or Path, optional
        A file written by :func:`gtanalytics.report.build_reports`
        (:func:`pickle.dump` of the :class:`gtanalytics.data.SchoolData` it
        loaded from ``data_path``). Pickle files can run code when read: pass
        only a file a report build made on this machine, never one from
        elsewhere.

    Returns
    -------
    gtanalytics.data.SchoolData
    """
    from gtanalytics.data._io import SchoolData, load

    if cache is None:
        return load(data_path)
    import pickle

    with open(cache, "rb") as f:
        data = pickle.load(f)
    if not isinstance(data, SchoolData):
        raise GTDataError(f"{cache} is not a trust's data written by a report build.")
    return data


_PUPIL_TABLES = ("assessments", "interventions", "mentoring", "enrichment", "attendance", "exclusions",
                 "parents_evenings", "surveys")


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
    schools = getattr(data, "schools", None)
    if isinstance(schools, pd.DataFrame) and len(schools) and "school_id" in schools.columns:
        return [str(s) for s in schools["school_id"].dropna().astype(str).unique()]
    return sorted(str(s) for s in data.pupils["school_id"].dropna().astype(str).unique())


def years_of(data, years=None) -> list[str]:
    """The academic years to report, sorted: ``years`` checked against the pupils table, or all of them."""
    present = sorted(data.pupils["academic_year"].dropna().unique())
    if not years:
        return [str(y) for y in present]
    missing = [y for y in years if y not in present]
    if missing:
        raise GTDataError(f"Year(s) {missing} are not in the data; years present: {present}.")
    return sorted(str(y) for y in years)


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



def summer_scores(data, *, subject: str, years=None, score_type: str = "standardised",
                  term: str = "Summer") -> pd.DataFrame:
    """One row per pupil per year: the ``term`` test score in ``subject`` with the pupil's characteristics.

    The input of :func:`gtanalytics.gap_trends.gap_trend` and :func:`gtanalytics.gaps.gap`.

    Returns
    -------
    pandas.DataFrame
        ``upn, academic_year, score`` and the pupils-table columns of that year.
    """
    a = data.assessments
    rows = a[((a["score_type"] == score_type) & (canonical_subject(a["subject"]) == canonical_subject(subject))
              & (a["term"] == term)).fillna(False)]
    if years:
        rows = rows[rows["academic_year"].isin(list(years))]
    rows = rows.dropna(subset=["score"]).drop_duplicates(["upn", "academic_year"], keep="last")
    out = rows[["upn", "academic_year", "score"]].merge(data.pupils, on=["upn", "academic_year"], how="inner")
    return out.reset_index(drop=True)
