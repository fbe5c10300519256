"""The one exception family and the one warning class of gtanalytics."""

from __future__ import annotations

__all__ = ["GTDataError", "GTWarning"]


class GTDataError(ValueError):
    """Input data cannot be used as given.

    The message is plain English and names, where known, the file, row, column
    and value, what was expected and what to do about it.
    """


class GTWarning(UserWarning):
    """An answer was produced but needs care: a small cohort, an unstable estimate."""
