"""Subjects matched whatever their spelling: "Reading" and "English", "Maths" and "Mathematics".

MIS exports spell subjects in many ways. Every comparison of subjects in the
library goes through :func:`canonical_subject`, the one place that says which
spellings name the same subject; :func:`subjects_in` lists the subjects a
school's data hold summer test scores in, so that sections and notebooks take
the subjects present rather than assuming reading and maths.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["SUBJECT_NAMES", "canonical_subject", "subjects_in"]

#: Canonical subject -> the spellings taken to mean it (compared in lower case, spaces and punctuation folded).
#: English is matched with reading: a secondary's "English" test is the primary's "reading" test's successor.
SUBJECT_NAMES: dict[str, tuple[str, ...]] = {
    "reading": ("reading", "english", "english reading", "english language", "eng", "literacy"),
    "maths": ("maths", "math", "mathematics", "numeracy"),
    "writing": ("writing", "english writing"),
    "gps": ("gps", "spag", "grammar punctuation and spelling", "grammar punctuation spelling"),
    "science": ("science", "combined science"),
}
_ALIASES = {alias: key for key, names in SUBJECT_NAMES.items() for alias in names}


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split())


def canonical_subject(subject):
    """The canonical name of a subject (or of each subject in a Series).

    Known spellings (:data:`SUBJECT_NAMES`) map to their canonical name; any
    other subject is folded to lower case with spaces and punctuation tidied,
    so "Art & Design" and "art and design" still match. Missing stays missing.

    Examples
    --------
    >>> canonical_subject("Mathematics"), canonical_subject("English"), canonical_subject(" Art & Design ")
    ('maths', 'reading', 'art and design')
    >>> import pandas as pd
    >>> canonical_subject(pd.Series(["Reading", "MATHS", None])).tolist()
    ['reading', 'maths', <NA>]
    """
    if isinstance(subject, pd.Series):
        codes, uniques = pd.factorize(subject.astype("string"), use_na_sentinel=True)
        mapped = pd.array([canonical_subject(u) for u in uniques] + [pd.NA], dtype="string")
        return pd.Series(mapped[codes], index=subject.index, name=subject.name)
    if subject is None or (not isinstance(subject, str) and pd.isna(subject)):
        return pd.NA
    folded = _fold(str(subject))
    return _ALIASES.get(folded, folded)


def subjects_in(assessments: pd.DataFrame, *, score_type: str = "standardised", term: str = "Summer",
                years=None) -> list[str]:
    """Canonical subjects with ``term`` scores of ``score_type`` in the assessments, reading and maths first.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"subject": ["Maths", "English", "Science"], "score_type": "standardised",
    ...                   "term": "Summer", "academic_year": "2023/24", "score": 100.0})
    >>> subjects_in(a)
    ['reading', 'maths', 'science']
    """
    a = assessments
    keep = (a["score_type"] == score_type) & (a["term"].astype("string").str.lower() == term.lower()) \
        & a["score"].notna()
    if years is not None:
        keep &= a["academic_year"].isin(list(years))
    found = set(canonical_subject(a.loc[keep.fillna(False), "subject"]).dropna())
    order = list(SUBJECT_NAMES)
    return sorted(found, key=lambda s: (order.index(s) if s in order else len(order), s))
