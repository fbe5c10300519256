"""Result frames made safe for an audience: governors see suppressed small groups, leaders see all.

:func:`for_audience` applies :func:`gtanalytics.disclosure.suppress` to a
result frame and keeps it numeric (hidden cells become missing, so charts and
sentences say "too few pupils"); :func:`programmes_for_audience` does so for
intervention programmes whose counts add up to a total shown elsewhere in the
report. :func:`check_audience` is the library's gate for pupil lists: a frame that lists individual
pupils (marked ``attrs["audience"] = "internal"``, or with a column naming or identifying a pupil)
is refused on its way to governors.
"""

from __future__ import annotations

import pandas as pd

from gtanalytics.errors import GTDataError
from gtanalytics._stats import SUPPRESSION_THRESHOLD, require_columns
from gtanalytics.data.schemas import TABLES

__all__ = ["AUDIENCES", "PERSONAL_COLUMNS", "check_audience", "for_audience", "programmes_for_audience",
           "hide_near_totals"]

#: Who a report is for: governors get no names/UPNs/dates of birth and suppressed small groups.
AUDIENCES = ("governors", "leaders")

#: Columns that identify a pupil and never reach governors: the data contract's personal columns (UPN,
#: names, date of birth), their MIS variants, and the column a section puts a pupil's name in (``pupil``).
PERSONAL_COLUMNS = frozenset({c.name for spec in TABLES.values() for c in spec.columns if c.personal}
                             | {"pupil", "pupil_name", "full_name", "legal_forename", "legal_surname",
                                "preferred_forename", "preferred_surname", "dob"})


def check_audience(frame: pd.DataFrame, *, audience: str, what: str = "This table", headers=()) -> None:
    """Refuse a list of individual pupils on its way to governors; leaders may see it.

    A frame lists individual pupils when it is marked ``attrs["audience"] ==
    "internal"`` (the pupil lists of :mod:`gtanalytics.register`,
    :func:`gtanalytics.targets.under_achievers`,
    :func:`gtanalytics.interventions.mini_review` and
    :func:`gtanalytics.sections.under_achiever_evidence`) or when a column,
    index level or header it is shown under identifies a pupil
    (:data:`PERSONAL_COLUMNS`, compared without case, spaces or hyphens:
    "Date of birth" is ``date_of_birth``). The columns are checked as well as
    the marker because pandas keeps ``attrs`` through selection, ``assign``,
    ``copy``, sorting and renaming but drops them in ``merge``, ``join`` and
    ``concat`` of different frames: a pupil list merged with other columns
    loses its marker but keeps its names and UPNs. A ``groupby`` aggregation
    keeps or drops them depending on the function; a count by group made
    from a pupil list lists no pupil, and where it keeps the marker its
    maker clears it (``del counts.attrs["audience"]``), deliberately. Names
    typed into free text are :func:`gtanalytics.disclosure.redact_free_text`'s
    task, and a built report is checked again by
    :func:`gtanalytics.disclosure.check_report_privacy`.

    Parameters
    ----------
    frame : DataFrame
    audience : {"governors", "leaders"}
    what : str
        What the frame is, for the message (e.g. ``"The table 'Joiners and leavers'"``).
    headers : iterable of str
        Headers the columns are shown under, checked as the columns are.

    Raises
    ------
    GTDataError
        For governors, when ``frame`` lists individual pupils.

    Examples
    --------
    >>> import pandas as pd
    >>> pupils = pd.DataFrame({"upn": ["A123"], "gain": [4.0]})
    >>> check_audience(pupils, audience="leaders")
    >>> check_audience(pupils, audience="governors", what="The mini learning review")
    Traceback (most recent call last):
    ...
    gtanalytics.errors.GTDataError: The mini learning review lists individual pupils (upn) and is for senior ...
    """
    if audience not in AUDIENCES:
        raise GTDataError(f"audience must be one of {AUDIENCES}, not {audience!r}.")
    if audience != "governors":
        return
    labels = [*frame.columns, *(n for n in frame.index.names if n is not None), *headers]
    found = sorted({k for k in ("_".join(str(c).lower().replace("-", " ").split()) for c in labels)
                    if k in PERSONAL_COLUMNS})
    if found or frame.attrs.get("audience") == "internal":
        named = f" ({', '.join(found)})" if found else ""
        raise GTDataError(f"{what} lists individual pupils{named} and is for senior leaders only; it cannot be "
                          "shown to governors.")


def for_audience(frame: pd.DataFrame, *, count_cols, value_cols=None, threshold: int = SUPPRESSION_THRESHOLD,
                 audience: str = "governors", block_col=None, totals: dict | None = None) -> pd.DataFrame:
    """A result frame made safe for its audience, still numeric.

    For governors, cells that :func:`gtanalytics.disclosure.suppress` hides
    (counts below ``threshold``, and statistics of those groups) become
    missing, so charts draw "too few pupils to show" and sentences say "too
    few pupils to say". For leaders the frame is returned unchanged.

    With ``block_col`` the rows form blocks that each break a known total
    down (e.g. the register by SEN status: no SEN + SEN support + EHC plan =
    the register), and a reader who knows the total could work out what is
    hidden from what is shown. Each block then gets secondary suppression
    through ``suppress(..., block_col=..., total_row=...)`` and, on top of it,
    the rule ``suppress`` lacks: the counts a reader cannot see in a block
    (hidden cells, and the block's remainder when its rows do not cover the
    total, e.g. the "no" of a yes/no flag) must add up to 0 or to at least
    ``threshold``; otherwise the smallest shown count is hidden too, until
    they do. So neither a hidden group nor a small combined total of hidden
    groups can be derived from the total and the shown complement.

    Parameters
    ----------
    frame : DataFrame
        A metric result.
    count_cols : str or list of str
        Pupil-count columns (e.g. ``"n"``, or ``["n_focus", "n_other"]``).
    value_cols : list of str, optional
        Statistics of each row's group; by default every other numeric column.
    threshold : int
    audience : {"governors", "leaders"}
    block_col : str or list of str, optional
        Column(s) whose values name the blocks (e.g. ``"characteristic"``,
        or ``["academic_year", "characteristic"]``).
    totals : dict, optional
        With ``block_col``: ``{count_col: column holding the block's total}``
        (e.g. ``{"n_group_register": "n_register", "n_group": "n_cohort"}``);
        a count column without one adds up to the sum of its block. Totals
        are taken to be known to the reader; a total below ``threshold`` is
        hidden too.

    Returns
    -------
    DataFrame
        Same columns; suppressed cells are NA (the hidden mask is in
        ``attrs["hidden"]`` as a list of (row position, column)). With
        ``block_col`` a column ``suppressed`` is added: ``""`` (shown),
        ``"primary"`` (a count below ``threshold``) or ``"secondary"``
        (hidden so that a small group cannot be worked out).

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"group": ["a", "b"], "n": [4, 30], "va": [1.0, 0.2]})
    >>> for_audience(g, count_cols="n")["va"].isna().tolist()
    [True, False]
    >>> sen = pd.DataFrame({"characteristic": "sen", "value": ["N", "K", "E"], "n_register": 87,
    ...                     "n_group_register": [82, 4, 1], "share_register": [82 / 87, 4 / 87, 1 / 87]})
    >>> for_audience(sen, count_cols="n_group_register", block_col="characteristic",
    ...              totals={"n_group_register": "n_register"})["suppressed"].tolist()
    ['secondary', 'primary', 'primary']
    """
    from gtanalytics.disclosure._suppress import suppress

    check_audience(frame, audience=audience, what="The result given to for_audience()")
    out = frame.reset_index(drop=True).copy()
    if audience != "governors" or out.empty:
        return out
    counts = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    if value_cols is None:
        value_cols = [c for c in out.columns if c not in counts and c not in (totals or {}).values()
                      and pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    safe = out.copy()
    for c in counts:  # missing counts cannot be suppressed by rule: treat them as zero-size groups
        safe[c] = pd.to_numeric(safe[c], errors="coerce").fillna(0).round()
    if block_col is not None:
        hidden, rule, total_hidden = _block_hidden(safe, counts, value_cols, threshold, block_col, totals or {})
    else:
        hidden = suppress(safe, count_cols=counts, value_cols=list(value_cols), threshold=threshold).hidden
    cells = []
    for c in hidden.columns:
        mask = hidden[c].to_numpy(bool)
        if mask.any():
            if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
                out[c] = out[c].astype(float)
                out.loc[mask, c] = float("nan")
            else:
                out[c] = out[c].astype(object)
                out.loc[mask, c] = None
            cells += [(int(i), c) for i in mask.nonzero()[0]]
    out.attrs["hidden"] = cells
    if block_col is not None:
        for c, mask in total_hidden.items():
            out[c] = pd.to_numeric(out[c], errors="coerce").astype(float).mask(mask)
        out["suppressed"] = rule
    return out


def programmes_for_audience(impact: pd.DataFrame, interventions: pd.DataFrame, *, academic_year: str,
                            count_cols=("n", "n_comparison"), value_cols=None,
                            threshold: int = SUPPRESSION_THRESHOLD,
                            audience: str = "governors", label: str = "programme") -> pd.DataFrame:
    """Intervention programme results made safe for governors when the year's total is shown too.

    A report that also gives the number of pupils in interventions this year
    (key area 5, :func:`gtanalytics.oversight.staff_deployment`) lets a reader
    subtract: a programme whose records all start in ``academic_year`` counts
    only this year's pupils, so when every programme with records this year is
    such a programme and no pupil is in two of them, their ``n`` (pupils) add up
    to that total, and a hidden programme's count is the total minus the
    others. Those programmes then form one block whose total is the year's
    number of pupils (:func:`for_audience` with ``block_col``): what a reader
    cannot see adds up to 0 or to at least ``threshold``. Otherwise (records
    spread over years, or pupils in two programmes) the counts give a reader
    bounds only, and each programme is suppressed on its own.

    Parameters
    ----------
    impact : DataFrame
        :func:`gtanalytics.interventions.intervention_impact` rows by ``label``.
    interventions : DataFrame
        The interventions table ``impact`` was computed from (``upn``,
        ``start_date``, ``label``).
    academic_year : str
        The year whose total the report shows, e.g. ``"2023/24"``.
    count_cols, value_cols, threshold, audience
        As for :func:`for_audience`.
    label : str
        The column naming each programme.

    Returns
    -------
    DataFrame
        As :func:`for_audience`; with the block, also ``suppressed``
        (``""``, ``"primary"``, ``"secondary"``) and ``n_year_total``.

    Examples
    --------
    >>> import pandas as pd
    >>> iv = pd.DataFrame({"programme": ["A"] * 3 + ["B"] * 20, "upn": [f"p{i}" for i in range(23)],
    ...                    "start_date": pd.Timestamp("2024-01-08")})
    >>> impact = pd.DataFrame({"programme": ["A", "B"], "n": [3, 20], "n_comparison": [40, 40]})
    >>> programmes_for_audience(impact, iv, academic_year="2023/24")["suppressed"].tolist()
    ['primary', 'secondary']
    """
    from gtanalytics.comparison import school_calendar

    counts = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    kw = dict(count_cols=counts, value_cols=value_cols, threshold=threshold, audience=audience)
    if audience != "governors" or impact.empty or interventions.empty:
        return for_audience(impact, **kw)
    now = school_calendar(interventions["start_date"])["academic_year"].to_numpy() == academic_year
    this_year, other = interventions[now], interventions[~now]
    spread = set(this_year[label]) & set(other[label])
    year_total = this_year["upn"].nunique()
    per_programme = this_year.groupby(label)["upn"].nunique()
    if spread or not len(this_year) or per_programme.sum() != year_total:
        return for_audience(impact, **kw)       # bounds only: each programme on its own
    inside = impact[label].isin(per_programme.index).to_numpy()
    block = for_audience(impact[inside].assign(_block="this year", n_year_total=year_total), block_col="_block",
                         totals={counts[0]: "n_year_total"}, **kw)
    rest = for_audience(impact[~inside], **kw).assign(suppressed="", n_year_total=float("nan"))
    out = pd.concat([block.drop(columns="_block"), rest], ignore_index=True)
    order = {p: i for i, p in enumerate(impact[label])}
    return out.sort_values(label, key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def hide_near_totals(frame: pd.DataFrame, *, count_col: str, key_col: str, totals: dict, value_cols=(),
                     threshold: int = SUPPRESSION_THRESHOLD, audience: str = "governors") -> pd.DataFrame:
    """Hide counts that fall short of a total shown elsewhere in the report by 1 to ``threshold - 1``.

    Two sections of one report may count overlapping pupils: key area 1 how
    many able under-achievers were mentored this year (``M``), key area 5 how
    many pupils were mentored this year (``T``, every mentee). When ``0 < T - M
    < threshold``, the two together reveal a small group (the mentees who are
    not under-achievers). Such a count is hidden, with its ``value_cols``, and
    its row marked ``suppressed = "elsewhere"``. A count already hidden, or
    whose row has no total, is left as it is.

    Parameters
    ----------
    frame : DataFrame
        A result already made safe by :func:`for_audience` (hidden cells missing).
    count_col : str
        The count compared with the totals (e.g. ``"n_supported"``).
    key_col : str
        The column whose value picks a row's total (e.g. ``"support"``).
    totals : dict
        ``{key value: the total shown elsewhere}``; a missing or NaN total is
        not shown and constrains nothing.
    value_cols : sequence of str
        Statistics of the count (e.g. its share and interval), hidden with it.
    threshold : int
    audience : {"governors", "leaders"}
        Leaders' frames are returned unchanged.

    Returns
    -------
    DataFrame
        A copy with ``suppressed`` added if it was missing.

    Examples
    --------
    >>> import pandas as pd
    >>> cov = pd.DataFrame({"support": ["mentoring", "intervention"], "n_supported": [14, 9],
    ...                     "share": [0.5, 0.3]})
    >>> out = hide_near_totals(cov, count_col="n_supported", key_col="support", value_cols=["share"],
    ...                        totals={"mentoring": 17, "intervention": 40})
    >>> out["n_supported"].tolist(), out["suppressed"].tolist()
    ([nan, 9.0], ['elsewhere', ''])
    """
    check_audience(frame, audience=audience, what="The result given to hide_near_totals()")
    out = frame.reset_index(drop=True).copy()
    if audience != "governors" or out.empty:
        return out
    if "suppressed" not in out.columns:
        out["suppressed"] = ""
    shown = pd.to_numeric(out[count_col], errors="coerce")
    total = pd.to_numeric(out[key_col].map(lambda k: totals.get(k)), errors="coerce")
    gap = total - shown
    near = (shown.notna() & total.notna() & (gap > 0) & (gap < threshold)).to_numpy(bool)
    for c in [count_col, *value_cols]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float).mask(near)
    out.loc[near, "suppressed"] = "elsewhere"
    return out


def _block_hidden(safe: pd.DataFrame, counts: list, value_cols, threshold: int, block_col, totals: dict):
    """Hidden mask of a table of blocks, each adding up to a known total (see :func:`for_audience`)."""
    from gtanalytics.disclosure._suppress import suppress

    keys = [block_col] if isinstance(block_col, str) else list(block_col)
    require_columns(safe, [*keys, *totals.values()], "result", caller="for_audience",
                    hint="block_col= and totals= name columns of the result.")
    block = safe[keys].astype("string").fillna("(missing)").agg(" | ".join, axis=1)
    eq, origin = [], []  # the equations: each block's rows, its remainder ("rest") and its total
    for key in dict.fromkeys(block):
        rows = list(block.index[block == key])
        total = {}
        for c in counts:
            t = pd.to_numeric(safe.loc[rows, totals[c]], errors="coerce") if c in totals else None
            if t is not None and t.nunique(dropna=False) != 1:
                raise GTDataError(f"for_audience(): the total column {totals[c]!r} differs within block {key!r}.")
            total[c] = float(safe.loc[rows, c].sum() if t is None else t.iloc[0])
        rest = {c: total[c] - float(safe.loc[rows, c].sum()) for c in counts}
        if any(v < 0 for v in rest.values()):
            raise GTDataError(f"for_audience(): the counts of block {key!r} add up to more than its total.")
        eq += [{"_label": f"row {i}", "_block": key, **{c: safe.at[i, c] for c in counts}} for i in rows]
        origin += rows
        if any(v > 0 for v in rest.values()):
            eq.append({"_label": "rest", "_block": key, **rest})
            origin.append(None)
        eq.append({"_label": "Total", "_block": key, **total})
        origin.append(None)
    eq = pd.DataFrame(eq)
    # the remainder is never shown: unknown to the reader, to be protected only when it is small; suppress's
    # protect_combined rule then keeps what the reader cannot see in a block at 0 or at least the threshold
    unpublished = pd.DataFrame(False, index=eq.index, columns=eq.columns)
    unpublished.loc[eq["_label"] == "rest", counts] = True
    res = suppress(eq, count_cols=counts, threshold=threshold, total_row="Total", label_col="_label",
                   block_col="_block", protect_combined=True, unpublished=unpublished)
    shut = res.hidden[counts].to_numpy(bool)
    values, labels = eq[counts].to_numpy(float), eq["_label"].to_numpy()
    hidden = pd.DataFrame(False, index=safe.index, columns=safe.columns)
    rule = pd.Series("", index=safe.index, dtype=object)
    total_hidden = {c: pd.Series(False, index=safe.index) for c in totals.values()}
    for j, i in enumerate(origin):
        if i is None:
            if labels[j] == "Total":
                rows = block.index[block == eq.at[j, "_block"]]
                for k, c in enumerate(counts):
                    if shut[j, k] and c in totals:
                        total_hidden[totals[c]].loc[rows] = True
            continue
        for k, c in enumerate(counts):
            hidden.at[i, c] = shut[j, k]
        if shut[j].any():
            small = any(0 < values[j, k] < threshold for k in range(len(counts)))
            rule.at[i] = "primary" if small else "secondary"
            for v in value_cols:
                hidden.at[i, v] = True
    return hidden, rule, total_hidden
