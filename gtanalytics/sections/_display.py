"""How a section is displayed: the report's title block and its plain, rounded tables.

:func:`header_markdown` and :func:`table` write them deterministically (no random ids), so two
builds on the same data differ only in the "generated on" date.
"""

from __future__ import annotations

import datetime as _dt

import pandas as pd

from gtanalytics._stats import SUPPRESSION_THRESHOLD, require_columns

__all__ = ["header_markdown", "table"]


def header_markdown(title: str, *, school_name: str | None = None, audience: str = "governors",
                    years=None, generated_on: _dt.date | None = None,
                    threshold: int = SUPPRESSION_THRESHOLD) -> str:
    """The title block of a report, as Markdown.

    The "generated on" date is the only thing that differs between two runs
    on the same data.

    Examples
    --------
    >>> import datetime
    >>> print(header_markdown("Governor report", school_name="Oak Primary",
    ...                       generated_on=datetime.date(2024, 7, 1)).splitlines()[0])
    # Governor report: Oak Primary
    """
    day = generated_on or _dt.date.today()
    who = ("governors: no pupil is named, and groups of fewer than "
           f"{threshold} pupils are not shown" if audience == "governors"
           else "senior leaders: internal, may list individual pupils; do not share")
    yrs = ""
    if years:
        ys = sorted(str(y) for y in years)
        yrs = f" | Years: {ys[0]} to {ys[-1]}" if len(ys) > 1 else f" | Year: {ys[0]}"
    title_line = f"# {title}: {school_name}" if school_name else f"# {title}"
    return f"{title_line}\n\nFor {who}.{yrs} | Generated on {day:%d %B %Y}."


def table(frame: pd.DataFrame, *, columns: dict[str, str] | None = None, decimals: int | dict = 2,
          index: bool = False):
    """A result frame as a plain, rounded HTML table for a report.

    Rounds for presentation only, renames columns to readable headers, and
    writes missing values as "c" (suppressed / not available, the DfE symbol).
    Produces deterministic HTML (no random ids, unlike ``DataFrame.style``).

    Parameters
    ----------
    frame : DataFrame
    columns : dict, optional
        Columns to keep, mapped to their headers, in order.
    decimals : int or dict
        Decimal places for float columns (a dict per column).
    index : bool
        Write the index.

    Returns
    -------
    IPython.display.HTML
        Displays as a table in a notebook and in the exported report.

    Examples
    --------
    >>> import pandas as pd
    >>> t = table(pd.DataFrame({"n": [12], "va": [0.1234]}), columns={"n": "Pupils", "va": "Value added"})
    >>> "0.12" in t.data and "Pupils" in t.data
    True
    """
    from IPython.display import HTML

    df = frame.copy()
    if columns:
        require_columns(df, columns, "result", caller="table", hint="columns= names columns of the result.")
        df = df[list(columns)].rename(columns=columns)
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        d = decimals.get(c, 2) if isinstance(decimals, dict) else decimals
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.map({True: "yes", False: "no"}).astype("object").where(s.notna(), "c")
        elif pd.api.types.is_integer_dtype(s):
            out[c] = [("c" if pd.isna(v) else f"{int(v)}") for v in s]
        elif pd.api.types.is_float_dtype(s):
            out[c] = [("c" if pd.isna(v) else (f"{int(v)}" if float(v).is_integer() and d == 0 else
                                                f"{float(v):.{d}f}".replace("-", "\u2212"))) for v in s]
        else:
            out[c] = ["c" if (v is None or (not isinstance(v, str) and pd.isna(v))) else str(v) for v in s]
    html = out.to_html(index=index, border=0, classes="dataframe gt-table", escape=True)
    return HTML(html)
