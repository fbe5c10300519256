"""Disclosure control for anything governor-facing: suppression, the document ledger, the privacy check.

:func:`suppress` hides small groups (with secondary suppression), :class:`Ledger` keeps one document's decisions
consistent, :func:`for_audience` makes a result frame safe for governors, :func:`check_audience` refuses a list of
pupils on its way to them, :func:`check_report_privacy` checks a built report for names, UPNs, dates of birth and
small groups, and :func:`redact_free_text` cleans staff notes.
"""

from gtanalytics.disclosure._suppress import Ledger, SYMBOLS, Suppressed, check_disclosure, suppress, wales_rule
from gtanalytics.disclosure._audience import (AUDIENCES, PERSONAL_COLUMNS, check_audience, for_audience, hide_near_totals,
                                             programmes_for_audience)
from gtanalytics.disclosure._privacy import PdfTextUnavailable, check_report_privacy, pdf_text, redact_free_text

__all__ = [
    "Ledger",
    "SYMBOLS",
    "Suppressed",
    "check_disclosure",
    "suppress",
    "wales_rule",
    "AUDIENCES",
    "PERSONAL_COLUMNS",
    "check_audience",
    "for_audience",
    "hide_near_totals",
    "programmes_for_audience",
    "PdfTextUnavailable",
    "check_report_privacy",
    "pdf_text",
    "redact_free_text",
]
