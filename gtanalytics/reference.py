"""Versioned national reference data shipped with the package.

Each table is a CSV file in ``gtanalytics/reference/``.  Its first lines are
``# key: value`` metadata (at least ``title``, ``source`` and ``status``:
CONFIRMED, SECONDARY or UNCONFIRMED as in the methodology notes) and the rest
is the data.  Values are never invented: where a national table is not shipped,
the functions that need it take it as an argument.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources

import pandas as pd

from gtanalytics.errors import GTDataError

__all__ = ["load_reference", "reference_metadata", "list_references"]


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
