"""Files to SchoolData: read MIS exports and Common Transfer Files, map headers, repair what is safe, validate once.

The public face of the data layer: :func:`load` and :class:`SchoolData` (also at ``gtanalytics.load``), the data
contract in :mod:`gtanalytics.data.schemas`, the data-quality report, the CTF reader and writer, the UPN check
letter, and the questions asked of a loaded trust (its schools, years and what the data cover).  Modules with a
leading underscore are internals: reading files (``_readers``), parsing values (``_parsing``), row rules
(``_validation``), the quality log (``_quality``), the CTF (``_ctf``), UPNs (``_upn``).
"""

from gtanalytics.data._io import SchoolData, load, load_mapping
from gtanalytics.data._records import coverage, load_trust, school_ids, school_name, summer_scores, years_of
from gtanalytics.data._quality import ProblemLog, accounting_table, data_note, format_problems, quality_summary
from gtanalytics.data._ctf import read_ctf, write_ctf, write_school_ctfs
from gtanalytics.data._upn import check_letter, make_upn, make_upns, upn_problem

__all__ = [
    "SchoolData",
    "load",
    "load_mapping",
    "coverage",
    "load_trust",
    "school_ids",
    "school_name",
    "summer_scores",
    "years_of",
    "ProblemLog",
    "accounting_table",
    "data_note",
    "format_problems",
    "quality_summary",
    "read_ctf",
    "write_ctf",
    "write_school_ctfs",
    "check_letter",
    "make_upn",
    "make_upns",
    "upn_problem",
]
