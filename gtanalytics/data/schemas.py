"""The data contract: canonical tidy tables, their columns and their rules.

This module is the single place where the tables gtanalytics understands are
defined. The loader (:mod:`gtanalytics.data`) maps a school's headers onto these
names and validates every row against these rules; the data dictionary in
``data/sample/README.md`` is generated from these specifications
(``python -m gtanalytics.data.schemas``) so the two can never drift.

Conventions
-----------
* ``academic_year`` is text ``"2023/24"``.
* Flags are booleans; the loader accepts Y/N, Yes/No, TRUE/FALSE, 1/0, T/F.
* ``upn`` is the 13-character Unique Pupil Number and is the pupil key in
  every table.  Pupil names and dates of birth are optional and are used only
  in internal (senior-leader) outputs, never in governor reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from gtanalytics.data._parsing import (parse_academic_year, parse_dates, parse_flags, parse_numbers,  # noqa: F401
                                 parse_year_group, upn_check_vectorised)

__all__ = [
    "Column",
    "TableSpec",
    "TABLES",
    "ETHNICITY_MAJOR",
    "SEN_CODES",
    "SCORE_TYPES",
    "TERMS",
    "data_dictionary_markdown",
    "DTYPES",
    "KS1_POINTS",
    "KS2_TA_POINTS",
    "SCORE_RANGES",
    "empty_frame",
]

#: DfE main ethnicity codes and the major group each belongs to.
ETHNICITY_MAJOR: dict[str, str] = {
    "WBRI": "White", "WIRI": "White", "WIRT": "White", "WOTH": "White", "WROM": "White",
    "MWBC": "Mixed", "MWBA": "Mixed", "MWAS": "Mixed", "MOTH": "Mixed",
    "AIND": "Asian", "APKN": "Asian", "ABAN": "Asian", "AOTH": "Asian",
    "BCRB": "Black", "BAFR": "Black", "BOTH": "Black",
    "CHNE": "Chinese",
    "OOTH": "Any other",
    "REFU": "Unclassified", "NOBT": "Unclassified",
}

#: SEN provision codes: England's census codes plus Wales's additional learning needs.
SEN_CODES: dict[str, str] = {
    "N": "No special educational need",
    "K": "SEN support",
    "E": "Education, health and care plan",
    "A": "Additional learning needs (Wales: ALN / IDP)",
}

#: The three terms of the school year, in order (an assessment's ``term``; attendance's ``period`` adds "Year").
TERMS = ("Autumn", "Spring", "Summer")

#: The kinds of score an assessment row can hold.
SCORE_TYPES: dict[str, str] = {
    "ks1_outcome": "KS1 teacher assessment (GDS/EXS/WTS/PK1-PK4 in `result`; `score` = DfE points)",
    "ks2_scaled": "KS2 test scaled score, 80-120 (below-standard codes in `result`)",
    "ks2_ta": "KS2 writing teacher assessment (GDS/EXS/WTS in `result`; `score` = 113/103/91)",
    "gcse_grade": "GCSE grade 9-1 (0 = U)",
    "attainment8": "Attainment 8 total, 0-95 (subject `A8`; elements `A8_english` etc.)",
    "standardised": "Standardised score, mean 100 SD 15 nationally (e.g. NGRT, PiRA, PUMA)",
    "age_months": "Reading or spelling age in months",
    "raw": "Raw test mark",
    "percent": "Percentage mark, 0-100",
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    Parameters
    ----------
    name : str
        Canonical snake_case name.
    dtype : str
        One of ``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"date"``.
    description : str
        What the column means, in plain English.
    example : str
        A typical value, as it appears in a file.
    required : bool
        Whether the table is unusable without it.
    allowed : tuple of str, optional
        The only values allowed (after normalising case), if restricted.
    minimum, maximum : float, optional
        Inclusive bounds for numeric columns.
    personal : bool
        Identifies a pupil directly (name, UPN, date of birth): never shown in
        governor-facing output.
    """

    name: str
    dtype: str
    description: str
    example: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    personal: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns, its key and the file names that hold it."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    file_names: tuple[str, ...] = field(default_factory=tuple)
    optional: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


_UPN = Column("upn", "str", "Unique Pupil Number: 13 characters, DfE check letter first; the pupil key",
              "H801200001001", required=True, personal=True)
_YEAR = Column("academic_year", "str", "Academic year, written YYYY/YY", "2023/24", required=True)
_FLAG_NOTE = " (Y/N, Yes/No, TRUE/FALSE, 1/0 accepted)"

TABLES: dict[str, TableSpec] = {}


def _table(spec: TableSpec) -> None:
    TABLES[spec.name] = spec


_table(TableSpec(
    "schools",
    "One row per school: what the school is and where it is.",
    (
        Column("school_id", "str", "School identifier (URN or LAESTAB)", "100001", required=True),
        Column("school_name", "str", "School name", "Oakfield Primary", required=True),
        Column("phase", "str", "Phase of education", "primary", required=True,
               allowed=("primary", "secondary", "all-through", "special")),
        Column("la_code", "str", "Local authority number (3 digits)", "801"),
        Column("country", "str", "Country, which decides SEN/ALN codes and disclosure rules", "England",
               allowed=("England", "Wales")),
    ),
    key=("school_id",),
    file_names=("schools", "school", "establishments"),
    optional=True,
))

_table(TableSpec(
    "pupils",
    "One row per pupil per academic year: a census snapshot of who the pupil is.",
    (
        _UPN,
        _YEAR,
        Column("school_id", "str", "School the pupil attends that year", "100001", required=True),
        Column("year_group", "int", "National curriculum year group (Reception = 0)", "6",
               required=True, minimum=0, maximum=14),
        Column("forename", "str", "First name (internal lists only)", "Amira", personal=True),
        Column("surname", "str", "Last name (internal lists only)", "Khan", personal=True),
        Column("date_of_birth", "date", "Date of birth (internal use; gives month of birth)", "2012-11-03",
               personal=True),
        Column("sex", "str", "Sex as recorded in the census", "F", required=True, allowed=("F", "M")),
        Column("class_name", "str", "Registration class or form", "6B"),
        Column("fsm", "bool", "Eligible for free school meals now" + _FLAG_NOTE, "N"),
        Column("ever6_fsm", "bool", "Eligible for FSM at any time in the last six years" + _FLAG_NOTE, "Y"),
        Column("lac", "bool", "Looked after by a local authority" + _FLAG_NOTE, "N"),
        Column("plac", "bool", "Previously looked after (adopted, SGO or CAO from care)" + _FLAG_NOTE, "N"),
        Column("disadvantaged", "bool",
               "DfE disadvantaged: Ever-6 FSM or looked after or previously looked after; "
               "derived from those columns when absent" + _FLAG_NOTE, "Y"),
        Column("sen", "str", "SEN provision: N none, K SEN support, E EHC plan, A Welsh ALN", "N",
               allowed=tuple(SEN_CODES)),
        Column("eal", "bool", "English as an additional language" + _FLAG_NOTE, "N"),
        Column("ethnicity", "str", "DfE main ethnicity code (extended codes are rolled up)", "WBRI",
               allowed=tuple(ETHNICITY_MAJOR)),
        Column("gt_register", "bool", "On the school's gifted and talented register" + _FLAG_NOTE, "N",
               required=True),
        Column("gt_area", "str", "Area(s) the pupil is gifted or talented in, separated by ';'",
               "maths;music"),
    ),
    key=("upn", "academic_year"),
    file_names=("pupils", "pupil", "census", "students", "cohort"),
))

_table(TableSpec(
    "assessments",
    "Long form: one row per pupil per assessment per subject.",
    (
        _UPN,
        _YEAR,
        Column("term", "str", "Term the assessment was taken", "Summer", required=True,
               allowed=TERMS),
        Column("date", "date", "Date taken, if known", "2024-05-14"),
        Column("subject", "str", "Subject", "maths", required=True),
        Column("assessment", "str", "Name of the assessment", "KS2", required=True),
        Column("score_type", "str", "What kind of score this is", "ks2_scaled", required=True,
               allowed=tuple(SCORE_TYPES)),
        Column("score", "float", "Numeric score (derived from `result` for KS1/KS2 codes)", "104"),
        Column("result", "str", "Outcome code where the result is not a number (EXS, GDS, WTS, PK4, N, A, ...)",
               "EXS"),
        Column("teaching_group", "str", "Class or set the pupil was taught in for this subject", "9X2"),
        Column("teacher", "str", "Teacher of that group (staff code)", "JSM"),
    ),
    key=("upn", "academic_year", "term", "subject", "assessment"),
    file_names=("assessments", "assessment", "results", "marksheet", "tests"),
))

_table(TableSpec(
    "interventions",
    "One row per pupil per intervention programme they took part in.",
    (
        Column("programme", "str", "Intervention programme", "Catch-up Literacy", required=True),
        _UPN,
        Column("staff", "str", "Member of staff delivering it (name or staff code)", "LSA-07", required=True),
        Column("staff_role", "str", "Role of that member of staff", "LSA",
               allowed=("LSA", "HLTA", "teacher", "other")),
        Column("subject", "str", "Subject the programme targets", "reading"),
        Column("start_date", "date", "First session", "2024-01-08", required=True),
        Column("end_date", "date", "Last session", "2024-03-22", required=True),
        Column("sessions_planned", "int", "Sessions planned", "30", minimum=0),
        Column("sessions_attended", "int", "Sessions attended", "27", minimum=0),
        Column("measure", "str", "Kind of pre/post score (a score type)", "standardised",
               allowed=tuple(SCORE_TYPES)),
        Column("pre_score", "float", "Score on the pre-test", "84"),
        Column("post_score", "float", "Score on the post-test", "91"),
        Column("cost", "float", "Cost attributed to this pupil, in pounds", "240", minimum=0),
        Column("selection", "str", "Why the pupil was chosen (e.g. 'low pre-score', 'teacher referral')",
               "low pre-score"),
    ),
    key=("programme", "upn", "start_date"),
    file_names=("interventions", "intervention", "provision", "provision_map"),
    optional=True,
))

_table(TableSpec(
    "mentoring",
    "One row per mentoring relationship (mentor and mentee).",
    (
        Column("mentor", "str", "Mentor (name or staff/pupil code)", "LSA-03", required=True),
        Column("mentor_role", "str", "Who the mentor is", "LSA", required=True,
               allowed=("LSA", "HLTA", "teacher", "peer", "other")),
        _UPN,
        Column("start_date", "date", "First meeting", "2023-09-18", required=True),
        Column("end_date", "date", "Last meeting", "2024-07-12", required=True),
        Column("sessions_planned", "int", "Meetings planned", "30", minimum=0),
        Column("sessions_held", "int", "Meetings held", "26", minimum=0),
        Column("log_entries", "int", "Entries in the learning log", "22", minimum=0),
        Column("focus", "str", "What the mentoring aims at", "under-achievement in maths"),
    ),
    key=("mentor", "upn", "start_date"),
    file_names=("mentoring", "mentors", "mentees"),
    optional=True,
))

_table(TableSpec(
    "enrichment",
    "One row per pupil per opportunity beyond the classroom they took up.",
    (
        _UPN,
        _YEAR,
        Column("activity", "str", "Activity", "Maths masterclass", required=True),
        Column("category", "str", "Kind of activity", "learner_academy", required=True,
               allowed=("club", "trip", "masterclass", "competition", "learner_academy", "summer_school",
                        "other")),
        Column("sessions_attended", "int", "Sessions attended, if recorded", "6", minimum=0),
    ),
    key=("upn", "academic_year", "activity"),
    file_names=("enrichment", "opportunities", "extracurricular", "clubs"),
    optional=True,
))

_table(TableSpec(
    "attendance",
    "One row per pupil per period: possible sessions and sessions missed.",
    (
        _UPN,
        _YEAR,
        Column("period", "str", "Period covered (a term, or the whole year)", "Autumn", required=True,
               allowed=(*TERMS, "Year")),
        Column("possible_sessions", "int", "Possible sessions (two a day)", "140", required=True,
               minimum=0, maximum=400),
        Column("authorised_absence", "int", "Sessions missed, authorised", "6", required=True, minimum=0),
        Column("unauthorised_absence", "int", "Sessions missed, unauthorised", "2", required=True, minimum=0),
    ),
    key=("upn", "academic_year", "period"),
    file_names=("attendance", "absence"),
    optional=True,
))

_table(TableSpec(
    "exclusions",
    "One row per suspension or permanent exclusion.",
    (
        _UPN,
        _YEAR,
        Column("start_date", "date", "First day", "2024-02-05", required=True),
        Column("category", "str", "Suspension (fixed period) or permanent exclusion", "suspension",
               required=True, allowed=("suspension", "permanent")),
        Column("days", "float", "Length in school days (permanent: leave blank)", "2", minimum=0, maximum=45),
        Column("reason", "str", "DfE reason code", "PP"),
    ),
    key=("upn", "start_date", "category"),
    file_names=("exclusions", "suspensions", "behaviour"),
    optional=True,
))

_table(TableSpec(
    "parents_evenings",
    "One row per pupil per parents' evening or consultation: did a parent or carer attend?",
    (
        _UPN,
        _YEAR,
        Column("event", "str", "Which evening or consultation", "Spring consultation", required=True),
        Column("attended", "bool", "A parent or carer attended" + _FLAG_NOTE, "Y", required=True),
    ),
    key=("upn", "academic_year", "event"),
    file_names=("parents_evenings", "parents_evening", "consultations"),
    optional=True,
))

_table(TableSpec(
    "surveys",
    "One row per answer to a pupil-voice or parent survey question, on a stated scale.",
    (
        Column("upn", "str", "Pupil the answer is about (blank for anonymous surveys)", "H801200001001",
               personal=True),
        _YEAR,
        Column("respondent", "str", "Who answered", "parent", required=True, allowed=("pupil", "parent")),
        Column("survey", "str", "Survey name", "Pupil voice 2024", required=True),
        Column("question", "str", "Question text or code", "I am challenged in lessons", required=True),
        Column("response", "float", "Answer on the scale", "4", required=True),
        Column("scale_min", "float", "Lowest point of the scale", "1", required=True),
        Column("scale_max", "float", "Highest point of the scale", "5", required=True),
    ),
    file_names=("surveys", "survey", "pupil_voice", "parent_survey"),
    optional=True,
))

_table(TableSpec(
    "self_evaluation",
    "The school's own rating of itself per Excellence for All key area.",
    (
        Column("school_id", "str", "School", "100001", required=True),
        _YEAR,
        Column("key_area", "int", "Key area 1-5 (1 leadership, 2 use of data, 3 effective learning, "
                                  "4 engaging pupils and parents, 5 building capacity)", "2",
               required=True, minimum=1, maximum=5),
        Column("rating", "str", "Self-evaluation level (IQS manner)", "Developing", required=True,
               allowed=("Entry", "Developing", "Exemplary")),
        Column("evidence", "str", "The school's own note of its evidence", "Termly data reviews by leading teacher"),
    ),
    key=("school_id", "academic_year", "key_area"),
    file_names=("self_evaluation", "self_review", "sef"),
    optional=True,
))


def data_dictionary_markdown() -> str:
    """Return the data dictionary of every table as Markdown.

    Returns
    -------
    str
        One section per table with a row per column: meaning, type, whether it
        is required, allowed values and an example.
    """
    out = []
    for spec in TABLES.values():
        need = "optional table" if spec.optional else "required table"
        out.append(f"### `{spec.name}` ({need})\n")
        out.append(f"{spec.description} File names recognised: "
                   + ", ".join(f"`{n}.csv`/`.xlsx`" for n in spec.file_names) + ".")
        if spec.key:
            out.append(f" Each row is unique on {', '.join(f'`{k}`' for k in spec.key)}.")
        out.append("\n\n| column | meaning | type | required | allowed values | example |\n"
                   "|---|---|---|---|---|---|\n")
        for c in spec.columns:
            allowed = ", ".join(c.allowed) if c.allowed else ""
            if c.minimum is not None or c.maximum is not None:
                lo = "" if c.minimum is None else f"{c.minimum:g}"
                hi = "" if c.maximum is None else f"{c.maximum:g}"
                allowed = (allowed + " " if allowed else "") + f"{lo} to {hi}".strip()
            req = "yes" if c.required else ""
            desc = c.description.replace("|", "/")
            out.append(f"| `{c.name}` | {desc} | {c.dtype} | {req} | {allowed} | `{c.example}` |\n")
        out.append("\n")
    return "".join(out)


# --------------------------------------------------------------------------- types and points

#: pandas dtype of each column type after loading.
DTYPES: dict[str, str] = {"str": "string", "int": "Int64", "float": "float64", "bool": "boolean",
                          "date": "datetime64[ns]"}

#: KS1 interim-framework outcome -> DfE points (methodology.md §1.3; PKF is the 2022 model's
#: name for the band the 2023 model calls PK4).
KS1_POINTS: dict[str, float] = {"GDS": 10.0, "EXS": 8.0, "WTS": 6.0, "PKF": 4.0, "PK4": 4.0,
                                "PK3": 3.5, "PK2": 3.0, "PK1": 2.5}
#: KS2 writing teacher assessment -> points used in progress (methodology.md §1.4).
KS2_TA_POINTS: dict[str, float] = {"GDS": 113.0, "EXS": 103.0, "WTS": 91.0}
#: Plausible range of ``score`` for each score type (inclusive).
SCORE_RANGES: dict[str, tuple[float, float]] = {
    "ks1_outcome": (0, 10), "ks2_scaled": (80, 120), "ks2_ta": (59, 120), "gcse_grade": (0, 9),
    "attainment8": (0, 95), "standardised": (40, 160), "age_months": (0, 300), "raw": (0, float("inf")),
    "percent": (0, 100),
}


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """Return an empty DataFrame with the canonical columns and dtypes of ``spec``."""
    return pd.DataFrame({c.name: pd.Series(dtype=DTYPES[c.dtype]) for c in spec.columns})


if __name__ == "__main__":  # pragma: no cover - tiny helper for the README
    print(data_dictionary_markdown())
