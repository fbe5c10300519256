"""Statistical disclosure control for anything governor-facing.

:func:`suppress` turns a results table into a display table of strings:

1. **Primary suppression**: a count below ``threshold`` (default 6: schools' policy of not
   publishing results for groups of fewer than 6 pupils, methodology §4) is replaced by ``c``.
2. **Secondary suppression**: where a table shows totals (a total row and/or a total column),
   every total is an equation ``total = sum of its cells``.  If exactly one term of an equation
   is hidden it could be worked out by subtraction, so the next-smallest cell of that equation
   is hidden too (never a zero; the total when no non-zero cell is left), repeated until no equation has exactly one hidden
   term.  This line-by-line rule is the usual heuristic; the whole table is then audited
   exactly (a linear programme per hidden cell over all the totals' equations) and more cells
   are hidden while any hidden cell could still be worked out.  With ``protect_combined`` (the
   default) no *set* of hidden cells may have a combined count of 1 to ``threshold - 1`` that the
   totals pin down either (register 87, no SEN 82 shown, SEN support 4 and EHC plan 1 hidden:
   "5 pupils with SEN" could be worked out, so no SEN is hidden too); a mixed-integer programme
   finds such sets exactly.
3. **Dependent values**: a statistic (mean, %, gap, interval) about a group whose count is
   hidden is hidden too.
4. Optional **rounding** of the shown counts to a base (e.g. 5; Ofqual/GSS practice); a non-zero
   count that rounds to 0 is shown as ``low``.

Symbols follow the DfE/GSS convention (DfE Analysts' Guide, "Data symbols"): ``c`` suppressed,
``x`` unavailable (missing), ``z`` not applicable, ``low`` rounds to 0 but is not 0.
:func:`check_disclosure` audits a display table; :func:`wales_rule` is the Welsh governors'
report rule (fewer than 5: publish nothing; 5 to 9: percentages only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from gtanalytics.errors import GTDataError
from gtanalytics._stats import SUPPRESSION_THRESHOLD, require_columns

__all__ = ["SYMBOLS", "Ledger", "Suppressed", "check_disclosure", "suppress", "wales_rule"]

#: DfE/GSS data symbols.
SYMBOLS = {"c": "confidential (suppressed)", "x": "unavailable", "z": "not applicable",
           "low": "rounds to 0 but is not 0", "u": "low reliability"}


@dataclass(frozen=True)
class Suppressed:
    """Result of :func:`suppress`.

    Attributes
    ----------
    display : pandas.DataFrame
        The table as strings, ready to show.
    hidden : pandas.DataFrame
        Boolean mask (same shape as ``display``) of the cells suppressed.
    record : pandas.DataFrame
        One row per suppressed cell: ``row`` (row label), ``column``, ``rule`` (primary /
        secondary / dependent) and ``reason`` in words.  The record never holds the hidden value.
    """

    display: pd.DataFrame
    hidden: pd.DataFrame
    record: pd.DataFrame


def _cols(x) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def _labels(table: pd.DataFrame, label_col) -> list:
    if label_col is None:
        return list(table.index)
    require_columns(table, [label_col], hint="label_col= names the column of row labels.")
    return list(table[label_col])


def _lines(table, labels, count_cols, total_row, total_col, block_col):
    """Equations of the table: (cells, total cell) with cells as (row position, column)."""
    lines = []
    totals = [i for i, lab in enumerate(labels) if total_row is not None and lab == total_row]
    if total_row is not None and not totals:
        raise GTDataError(f"No row is labelled {total_row!r} (the total_row). Row labels: {labels[:10]}.")
    if totals:
        if block_col is None:
            blocks = {None: list(range(len(table)))}
        else:
            require_columns(table, [block_col], hint="block_col= names the column of blocks.")
            blocks = {}
            for i, b in enumerate(table[block_col]):
                blocks.setdefault(None if pd.isna(b) else b, []).append(i)
        for key, rows in blocks.items():
            own = [i for i in rows if i in totals]
            if own:
                tot = own[0]
            elif len(totals) == 1:
                tot = totals[0]
            else:
                raise GTDataError(f"Block {key!r} has no total row and the table has several; "
                                  "give each block its own total row.")
            inner = [i for i in rows if i not in totals]
            if block_col is not None and not inner:
                continue  # the total row's own block (its block value is empty, or "x" once displayed)
            for c in count_cols:
                lines.append(([(i, c) for i in inner], (tot, c)))
    if total_col is not None:
        parts = [c for c in count_cols if c != total_col]
        for i in range(len(table)):
            lines.append(([(i, c) for c in parts], (i, total_col)))
    return lines


def _system(counts, hidden, lines):
    """The totals' equations in the hidden cells: (unknown cells, A, b) with ``A x = b``, ``x >= 0``.

    Each usable equation ``sum(cells) = total`` with a hidden term becomes one row; shown terms
    move to the right-hand side.  Equations with a missing term are skipped, as in the
    line-by-line rule.
    """
    eqs = [(cells, tot) for cells, tot in lines
           if not any(math.isnan(counts.at[x]) for x in [*cells, tot]) and any(hidden.at[x] for x in [*cells, tot])]
    unknown = sorted({x for cells, tot in eqs for x in [*cells, tot] if hidden.at[x]}, key=str)
    idx = {x: k for k, x in enumerate(unknown)}
    a_eq, b_eq = np.zeros((len(eqs), len(idx))), np.zeros(len(eqs))
    for r, (cells, tot) in enumerate(eqs):
        for x, sign in [*[(c, 1.0) for c in cells], (tot, -1.0)]:
            if hidden.at[x]:
                a_eq[r, idx[x]] += sign
            else:
                b_eq[r] -= sign * counts.at[x]
    return unknown, a_eq, b_eq


def _ranges(a_eq, b_eq):
    """Smallest and largest value of each unknown given ``A x = b, x >= 0`` (linear programmes).

    NaN where the equations have no solution (an inconsistent display table).
    """
    k = a_eq.shape[1]
    lo, hi = np.full(k, np.nan), np.full(k, np.nan)
    for j in range(k):
        obj = np.zeros(k)
        obj[j] = 1.0
        a = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
        z = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
        if a.status == 0 and z.status == 0:
            lo[j], hi[j] = a.fun, -z.fun
    return lo, hi


def _small_sums(a_eq, b_eq, x0, hi, candidates, threshold, limit=25) -> list:
    """Sets of two or more unknowns whose combined count is fixed by the totals at 1 to ``threshold - 1``.

    A sum ``c . x`` of unknowns is the same in every non-negative solution of ``A x = b`` exactly
    when ``c`` is a combination of the equations' rows plus unit vectors of the unknowns that are
    0 in every solution (``hi == 0``: the implicit equalities, which span the rest of the
    solutions' affine hull).  So a 0/1 vector ``c`` with ``c = A' y`` on every other unknown (``y``
    free), ``sum(c) >= 2`` and ``1 <= c . x0 <= threshold - 1`` (``x0`` any solution) is a small
    combined total a reader can work out.  A mixed-integer programme (scipy.optimize.milp, HiGHS)
    finds the smallest such set; sets containing one already found are then excluded, so the sets
    come back smallest first and none contains another.  Only ``candidates`` (unknown positions)
    may be in a set.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    m, k = a_eq.shape
    free = [j for j in candidates if not hi[j] < 1e-7]
    if len(free) < 2 or threshold < 2:
        return []
    nf = len(free)
    rows = [j for j in range(k) if not hi[j] < 1e-7]  # implicit zeros drop out of c = A' y
    eq = np.zeros((len(rows), nf + m))
    for r, j in enumerate(rows):
        if j in free:
            eq[r, free.index(j)] = 1.0
        eq[r, nf:] = -a_eq[:, j]
    value = np.concatenate([np.asarray(x0, float)[free], np.zeros(m)])
    size = np.concatenate([np.ones(nf), np.zeros(m)])
    cons = [LinearConstraint(eq, 0, 0), LinearConstraint(value, 1 - 1e-6, threshold - 1 + 1e-6),
            LinearConstraint(size, 2, np.inf)]
    bounds = Bounds(np.concatenate([np.zeros(nf), np.full(m, -np.inf)]),
                    np.concatenate([np.ones(nf), np.full(m, np.inf)]))
    integrality = np.concatenate([np.ones(nf), np.zeros(m)])
    found = []
    while len(found) < limit:
        res = milp(size, constraints=cons, bounds=bounds, integrality=integrality)
        if res.status != 0 or res.x is None:
            break
        chosen = [free[i] for i in range(nf) if res.x[i] > 0.5]
        found.append(chosen)
        cut = np.zeros(nf + m)
        cut[[free.index(j) for j in chosen]] = 1.0
        cons.append(LinearConstraint(cut, -np.inf, len(chosen) - 1))  # no set containing this one again
    return found


def _counts(table, count_cols) -> pd.DataFrame:
    out = {}
    for c in count_cols:
        v = pd.to_numeric(table[c], errors="coerce").astype(float)
        bad = table[c].notna() & v.isna()
        if bad.any() or (v < 0).any() or (v.dropna() % 1 != 0).any():
            raise GTDataError(f"Count column {c!r} must hold whole numbers of pupils (0 or more); "
                              f"found {list(table[c][bad | (v < 0) | (v % 1 != 0)].unique()[:3])}.")
        out[c] = v.to_numpy()
    return pd.DataFrame(out)


def _fmt(v, decimals) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{v:.{decimals}f}" if decimals is not None else f"{v:g}"
    return str(v)


def suppress(table, *, count_cols, value_cols=None, threshold=SUPPRESSION_THRESHOLD, secondary=True, round_base=None,
             symbol="c", total_row=None, total_col=None, label_col=None, block_col=None,
             suppress_zeros=False, decimals=1, not_applicable=None, protect_combined=True, unpublished=None):
    """Suppress small groups (and anything that would reveal them) and format a table for display.

    Parameters
    ----------
    table : pandas.DataFrame
        A results table: one row per group, count columns and statistic columns.  A total row
        (``total_row``) and/or a total column (``total_col``) may be present.
    count_cols : str or list of str
        Columns holding numbers of pupils (cells of the table's equations).
    value_cols : list of str or dict, optional
        Statistics about each row's group.  A list: each is hidden when any count in its row is
        hidden.  A dict ``{value_col: count_col or [count_cols]}``: hidden when those are.
    threshold : int
        Counts below it are suppressed (default :data:`gtanalytics._stats.SUPPRESSION_THRESHOLD`,
        6; a privacy rule, distinct from the ``low_n`` flag of the metric modules).
    secondary : bool
        Apply secondary suppression so totals cannot reveal a hidden cell.
    round_base : int, optional
        Round the shown counts to this base (e.g. 5); a non-zero count rounding to 0 shows "low".
    symbol : str
        Symbol for a suppressed cell (DfE: ``"c"``; performance tables: ``"SUPP"``).
    total_row : object, optional
        Label (index value, or value of ``label_col``) of the row(s) holding column totals.
    total_col : str, optional
        The count column that is the sum of the other count columns in each row.
    label_col : str, optional
        Column holding row labels (default: the index).
    block_col : str, optional
        Column splitting the rows into blocks whose counts each add up to a total (e.g. the
        characteristic in a register table: the sexes add up, the ethnic groups add up).
    suppress_zeros : bool
        Treat a count of 0 as small (default False: a zero reveals no individual's result).
    decimals : int or dict, optional
        Decimal places for float statistics (per column with a dict); None: as they are.
    not_applicable : pandas.DataFrame of bool, optional
        Cells to show as ``z``.
    protect_combined : bool
        Also protect small *combined* totals (default True): no set of hidden cells may add up
        to a number from 1 to ``threshold - 1`` that the shown cells and totals pin down.  E.g.
        a register of 87 with no SEN 82, SEN support 4 (hidden) and EHC plan 1 (hidden): neither
        hidden cell can be worked out alone, but 87 - 82 = 5 pupils with SEN can, so no SEN is
        hidden too.  Checked exactly over the whole table (a mixed-integer programme over all the
        totals' equations); like the whole-table check of single cells, it is skipped when
        counts are rounded (``round_base``).
    unpublished : pandas.DataFrame of bool, optional
        Count cells the reader never sees although they belong to an equation (e.g. the
        remainder row that makes a breakdown add up to a known total: the "no" of a yes/no
        flag).  They count as unknown in the equations; one need not be protected itself unless
        it is below ``threshold``, but it does count towards combined totals.  They are shown as
        ``symbol`` and not listed in ``record``; drop those rows before showing the table.

    Returns
    -------
    Suppressed
        ``.display`` (strings; missing values ``x``), ``.hidden`` (bool mask) and ``.record``
        (``row, column, rule, reason``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group": ["Boys", "Girls", "All"], "n": [4, 20, 24],
    ...                   "mean": [101.5, 104.2, 103.7]})
    >>> s = suppress(t, count_cols="n", value_cols=["mean"], total_row="All", label_col="group")
    >>> s.display["n"].tolist()
    ['c', 'c', '24']
    """
    if not isinstance(table, pd.DataFrame):
        raise GTDataError(f"Expected a pandas DataFrame, got {type(table).__name__}.")
    if not (isinstance(threshold, (int, np.integer)) and threshold >= 1):
        raise GTDataError(f"threshold must be a whole number of pupils, 1 or more; got {threshold!r}.")
    if round_base is not None and not (isinstance(round_base, (int, np.integer)) and round_base >= 1):
        raise GTDataError(f"round_base must be a positive whole number (e.g. 5); got {round_base!r}.")
    count_cols = _cols(count_cols)
    if total_col is not None and total_col not in count_cols:
        count_cols.append(total_col)
    deps = ({v: _cols(c) for v, c in value_cols.items()} if isinstance(value_cols, dict)
            else {v: count_cols for v in _cols(value_cols)})
    require_columns(table, [*count_cols, *deps, *(x for d in deps.values() for x in d)], caller="suppress",
                    hint="Pass count_cols= and value_cols= with columns of the table.")
    t = table.reset_index(drop=True)
    labels = _labels(table, label_col)
    counts = _counts(t, count_cols)
    hidden = pd.DataFrame(False, index=range(len(t)), columns=t.columns)
    record = []
    unseen = set()
    if unpublished is not None:
        mask = np.asarray(unpublished, dtype=bool)
        if mask.shape != t.shape:
            raise GTDataError(f"unpublished must be a mask of the table's shape {t.shape}, not {mask.shape}.")
        for i, j in zip(*np.nonzero(mask)):
            if t.columns[j] in count_cols:
                hidden.iat[i, j] = True
                unseen.add((int(i), t.columns[j]))

    def secret(x):
        """Must this hidden cell not be worked out? (an unpublished cell only when it is small)"""
        if x not in unseen:
            return True
        v = counts.at[x]
        return not math.isnan(v) and v < threshold and (v > 0 or suppress_zeros)

    def hide(i, c, rule, reason):
        hidden.loc[i, c] = True
        record.append({"row": labels[i], "column": c, "rule": rule, "reason": reason})

    for c in count_cols:
        for i, v in enumerate(counts[c]):
            if not math.isnan(v) and v < threshold and (v > 0 or suppress_zeros) and (i, c) not in unseen:
                hide(i, c, "primary", f"fewer than {threshold} pupils")
    if secondary:
        lines = _lines(t, labels, count_cols, total_row, total_col, block_col)
        changed = True
        while changed:
            changed = False
            for cells, tot in lines:
                terms = [*cells, tot]
                if any(math.isnan(counts.at[i, c]) for i, c in terms):
                    continue  # not a usable equation: a term is missing anyway
                shut = [x for x in terms if hidden.at[x]]
                if len(shut) != 1 or not secret(shut[0]):
                    continue
                # a hidden zero protects nothing when its own line total can pin it to 0, so only
                # non-zero cells are candidates; with none left, the total itself is hidden
                free = [x for x in cells if not hidden.at[x] and counts.at[x] > 0]
                order = sorted(free, key=lambda x: counts.at[x])
                pick = order[0] if order else (tot if not hidden.at[tot] else None)
                if pick is None:
                    continue
                i0, c0 = shut[0]
                hide(*pick, "secondary", f"stops row {labels[i0]!r}, column {c0!r} being worked out "
                                         f"from the total in row {labels[tot[0]]!r}, column {tot[1]!r}")
                changed = True
        # the line-by-line rule is a heuristic: audit the whole table exactly and, while a hidden
        # cell (or, with protect_combined, a small combined total of hidden cells) can still be
        # worked out, hide the smallest shown cell (or total) beside it
        while not round_base:
            unknown, a_eq, b_eq = _system(counts, hidden, lines)
            if not unknown:
                break
            lo, hi = _ranges(a_eq, b_eq)
            fixed = [j for j, x in enumerate(unknown) if hi[j] - lo[j] < 0.5]
            pinned = [unknown[j] for j in fixed if secret(unknown[j])]
            if pinned:
                group = pinned[:1]
                why = (f"stops row {labels[group[0][0]]!r}, column {group[0][1]!r} being worked out from the "
                       "totals (whole-table check)")
            elif protect_combined:
                x0 = [counts.at[x] for x in unknown]
                sets = _small_sums(a_eq, b_eq, x0, hi, [j for j in range(len(unknown)) if j not in fixed],
                                   threshold, limit=1)
                if not sets:
                    break
                group = [unknown[j] for j in sets[0]]
                why = ("stops the combined count of " + ", ".join(f"row {labels[i]!r} column {c!r}" for i, c in group)
                       + f" (fewer than {threshold}) being worked out from the totals")
            else:
                break
            beside = {x for cells, tot in lines if set(group) & {*cells, tot} for x in (*cells, tot)}
            # smallest non-zero first; a zero only when nothing else beside it is left to hide
            order = (lambda x: (counts.at[x] == 0, counts.at[x], str(x)))
            shown = sorted((x for x in beside if not hidden.at[x] and not math.isnan(counts.at[x])), key=order)
            if not shown:   # every line through the group is hidden: the totals that give it away lie further off
                shown = sorted({x for cells, tot in lines for x in (*cells, tot)
                                if not hidden.at[x] and not math.isnan(counts.at[x])}, key=order)
            if not shown:
                break
            hide(*shown[0], "secondary", why)
    for v, cs in deps.items():
        for i in range(len(t)):
            if any(hidden.at[i, c] for c in cs) and not hidden.at[i, v]:
                hide(i, v, "dependent", "describes a group whose count is suppressed")
    display = pd.DataFrame(index=t.index)
    for col in t.columns:
        dec = decimals.get(col, 1) if isinstance(decimals, dict) else decimals
        out = []
        for i, v in enumerate(t[col]):
            if hidden.at[i, col]:
                out.append(symbol)
            elif not_applicable is not None and bool(np.asarray(not_applicable)[i, list(t.columns).index(col)]):
                out.append("z")
            elif col in count_cols:
                n = counts.at[i, col]
                if math.isnan(n):
                    out.append("x")
                elif round_base:
                    r = int(math.floor(n / round_base + 0.5) * round_base)
                    out.append("low" if r == 0 and n > 0 else str(r))
                else:
                    out.append(str(int(n)))
            elif v is None or (not isinstance(v, str) and pd.isna(v)):
                out.append("x")
            else:
                out.append(_fmt(v, dec))
        display[col] = pd.Series(out, index=t.index, dtype=object)
    display.index = table.index
    hidden.index = table.index
    rec = pd.DataFrame(record, columns=["row", "column", "rule", "reason"])
    display.attrs.update(table.attrs)
    display.attrs["suppression"] = (f"counts below {threshold} suppressed ({symbol})"
                                    + ("; secondary suppression applied" if secondary else "")
                                    + (f"; counts rounded to base {round_base}" if round_base else ""))
    return Suppressed(display=display, hidden=hidden, record=rec)


def check_disclosure(table, threshold=SUPPRESSION_THRESHOLD, *, count_cols, value_cols=None, total_row=None, total_col=None,
                     label_col=None, block_col=None, suppress_zeros=False, symbols=("c", "SUPP")):
    """Audit a display table: is any small count shown, or derivable from the totals?

    Four kinds of problem are found: a shown count below ``threshold``; a hidden cell that
    one total gives away by subtraction (line by line) or that all the totals pin down
    together (a linear programme per hidden cell gives its smallest and largest value; a range
    under one pupil is a derivation); a *small combined total*: two or more hidden cells whose
    sum the totals pin down at 1 to ``threshold - 1`` (e.g. SEN support and EHC plan hidden,
    but register 87 - no SEN 82 = 5); and a statistic shown for a hidden group.  Combined
    totals are found exactly by a mixed-integer programme (see :func:`suppress`); each set
    reported contains no smaller set that is also reported (at most 25 per table).

    Parameters
    ----------
    table : pandas.DataFrame
        The table as it will be shown (strings or numbers; symbols for hidden cells).
    threshold : int
        Smallest count that may be shown (default ``SUPPRESSION_THRESHOLD``, 6).
    count_cols, value_cols, total_row, total_col, label_col, block_col, suppress_zeros
        As in :func:`suppress`.
    symbols : tuple of str
        Symbols that mark a suppressed cell.

    Returns
    -------
    pandas.DataFrame
        One row per problem (``row, column, problem``); empty when the table is safe.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group": ["Boys", "Girls", "All"], "n": ["c", "20", "24"]})
    >>> check_disclosure(t, count_cols="n", total_row="All", label_col="group")["problem"].tolist()
    ["can be worked out as 4 from the total in row 'All'"]
    """
    count_cols = _cols(count_cols)
    if total_col is not None and total_col not in count_cols:
        count_cols.append(total_col)
    t = table.reset_index(drop=True)
    labels = _labels(table, label_col)
    shown = {c: pd.to_numeric(t[c].astype(object).where(~t[c].astype(str).isin(symbols)), errors="coerce")
             for c in count_cols}
    secret = {c: t[c].astype(str).isin(symbols).to_numpy() for c in count_cols}
    problems = []
    for c in count_cols:
        for i, v in enumerate(shown[c]):
            if not pd.isna(v) and v < threshold and (v > 0 or suppress_zeros):
                problems.append({"row": labels[i], "column": c, "problem": f"shows a count below {threshold}"})
    lines = _lines(t, labels, count_cols, total_row, total_col, block_col)
    flagged = set()
    for cells, tot in lines:
        terms = [*cells, tot]
        unknown = [x for x in terms if pd.isna(shown[x[1]][x[0]])]
        if len(unknown) == 1 and secret[unknown[0][1]][unknown[0][0]]:
            i, c = unknown[0]
            known = sum(shown[cc][ii] for ii, cc in cells if (ii, cc) != (i, c))
            value = known if (i, c) == tot else shown[tot[1]][tot[0]] - known
            flagged.add((i, c))
            if value == 0 and not suppress_zeros:
                continue  # a hidden zero reveals no pupil
            problems.append({"row": labels[i], "column": c,
                             "problem": f"can be worked out as {value:g} from the total in row {labels[tot[0]]!r}"
                             + (f", column {tot[1]!r}" if total_col is not None else "")})
    counts = pd.DataFrame({c: shown[c].fillna(0).where(~pd.isna(shown[c]) | secret[c], np.nan).astype(float)
                           for c in count_cols})
    unknown, a_eq, b_eq = _system(counts, pd.DataFrame(secret), lines)
    if unknown:
        lo, hi = _ranges(a_eq, b_eq)
        point = linprog(np.zeros(len(unknown)), A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * len(unknown),
                        method="highs")
        if point.status == 0:  # else the shown counts do not add up (e.g. rounded): nothing can be worked out
            fixed = [j for j in range(len(unknown)) if hi[j] - lo[j] < 0.5]
            for j in fixed:
                v = float(np.round(point.x[j], 6))
                if unknown[j] not in flagged and (v > 0 or suppress_zeros):
                    i, c = unknown[j]
                    problems.append({"row": labels[i], "column": c,
                                     "problem": f"can be worked out as {v:g} from the totals taken together"})
            for group in _small_sums(a_eq, b_eq, point.x, hi, [j for j in range(len(unknown)) if j not in fixed],
                                     threshold):
                cells = [unknown[j] for j in group]
                v = float(np.round(sum(point.x[j] for j in group), 6))
                others = "; ".join(f"row {labels[i]!r}, column {c!r}" for i, c in cells[1:])
                problems.append({"row": labels[cells[0][0]], "column": cells[0][1],
                                 "problem": f"adds up with {others} to {v:g} (fewer than {threshold}), "
                                            "which can be worked out from the totals"})
    deps = ({v: _cols(c) for v, c in value_cols.items()} if isinstance(value_cols, dict)
            else {v: count_cols for v in _cols(value_cols)})
    for v, cs in deps.items():
        for i in range(len(t)):
            if any(secret[c][i] for c in cs) and str(t[v][i]) not in symbols:
                problems.append({"row": labels[i], "column": v,
                                 "problem": "shows a statistic for a group whose count is suppressed"})
    return pd.DataFrame(problems, columns=["row", "column", "problem"])


def wales_rule(n) -> str:
    """The Welsh governors' report rule for a group of ``n`` eligible pupils.

    Returns
    -------
    str
        ``"withhold"`` (fewer than 5: publish nothing), ``"percentages only"`` (5 to 9: the
        headline percentage only, with an explanatory statement) or ``"publish"`` (10 or more).
        Source: governorswales.org.uk FAQ, 24 May 2017 (methodology §4).

    Examples
    --------
    >>> [wales_rule(n) for n in (4, 5, 9, 10)]
    ['withhold', 'percentages only', 'percentages only', 'publish']
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise GTDataError(f"wales_rule needs a whole number of pupils (0 or more); got {n!r}.")
    return "withhold" if n < 5 else ("percentages only" if n < 10 else "publish")


class Ledger:
    """Every count shown in one document, by the population it counts, so no small group can be derived.

    Two counts of one population shown anywhere in a document (in two
    sections, or in a table and on a chart) that differ by 1 to
    ``threshold - 1`` reveal a small group: 39 pupils on the register in key
    area 2 and 35 with attendance data in key area 4 tell a reader that 4
    register pupils have none. A document keeps one ledger; every count goes
    through :meth:`admit` (one count) or :meth:`protect` (a result frame)
    before it is shown. The first count of a population is kept; a later
    count that is neither equal to every count already shown of that
    population (and of any population it is part of) nor at least
    ``threshold`` away from each is refused, and the caller hides it.

    Parameters
    ----------
    threshold : int
        Smallest group that may be shown (default 6).

    Examples
    --------
    >>> ledger = Ledger(threshold=6)
    >>> ledger.admit("register pupils 2023/24", 39), ledger.admit("register pupils 2023/24", 35)
    (True, False)
    >>> ledger.admit("register pupils 2023/24", 39), ledger.admit("register pupils 2023/24", 20)
    (True, True)
    >>> ledger.admit("mentored under-achievers", 15, within="mentees"), ledger.admit("mentees", 17)
    (True, False)
    """

    def __init__(self, threshold: int = SUPPRESSION_THRESHOLD):
        self.threshold = int(threshold)
        self._shown: dict[str, list[int]] = {}
        self._within: dict[str, set[str]] = {}

    def _related(self, population: str) -> set[str]:
        out = {population} | self._within.get(population, set())
        return out | {p for p, parents in self._within.items() if population in parents}

    def allows(self, population: str, count, *, within=None) -> bool:
        """True when ``count`` may be shown next to every count of ``population`` already admitted."""
        if count is None or pd.isna(count):
            return True
        n = round(float(count))
        related = self._related(population) | set([within] if isinstance(within, str) else within or ())
        return all(not 0 < abs(n - m) < self.threshold for p in related for m in self._shown.get(p, ()))

    def admit(self, population: str, count, *, within=None) -> bool:
        """Record ``count`` of ``population`` and return True if it may be shown; False (not recorded) if not.

        ``within`` names the population(s) this one is part of (e.g. the
        mentored under-achievers are part of the mentees): counts of those
        must not differ from this one by 1 to ``threshold - 1`` either.
        """
        parents = set([within] if isinstance(within, str) else within or ())
        if parents:
            self._within.setdefault(population, set()).update(parents)
        if not self.allows(population, count, within=parents):
            return False
        if count is not None and not pd.isna(count):
            self._shown.setdefault(population, []).append(round(float(count)))
        return True

    def protect(self, frame: pd.DataFrame, *, count_col: str, population, value_cols=(), within=None) -> pd.DataFrame:
        """A copy of ``frame`` in which each row's count the ledger refuses is hidden, with its statistics.

        Parameters
        ----------
        frame : DataFrame
            A result already made safe for its audience (hidden cells missing).
        count_col : str
            The count shown.
        population : str or callable
            The population each row counts: one name for every row, or a
            function of the row (a Series) returning its name.
        value_cols : sequence of str
            Statistics of the count, hidden with it.
        within : str or callable, optional
            The population(s) each row's population is part of.

        Returns
        -------
        DataFrame
            Refused rows have ``count_col`` and ``value_cols`` missing and
            ``suppressed == "elsewhere"`` (column added if absent).
        """
        out = frame.reset_index(drop=True).copy()
        if "suppressed" not in out.columns:
            out["suppressed"] = ""
        for i, row in out.iterrows():
            pop = population(row) if callable(population) else population
            parent = within(row) if callable(within) else within
            if pop is None or self.admit(pop, row[count_col], within=parent):
                continue
            for c in [count_col, *value_cols]:
                out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
                out.loc[i, c] = float("nan")
            out.loc[i, "suppressed"] = "elsewhere"
        return out
