"""Tests of gtanalytics.disclosure._suppress.

The independent check of secondary suppression is a linear-programming audit (the standard
"interval audit" of cell suppression: Cox 1980, Fischetti & Salazar 1999; ``tests/lp_audit.py``):
for every suppressed cell, scipy.optimize.linprog finds the smallest and largest value it can take
given every shown cell, every total equation and non-negativity.  A cell is protected only if that
range is wider than 0 (it cannot be worked out exactly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lp_audit import Audit, lp_ranges, margin_lines

from gtanalytics.disclosure._suppress import check_disclosure, suppress, wales_rule
from gtanalytics.errors import GTDataError


def _crosstab(m: np.ndarray) -> pd.DataFrame:
    """Rows r0.., columns c0.., a total column and a total row 'All'."""
    cols = [f"c{j}" for j in range(m.shape[1])]
    t = pd.DataFrame(m, columns=cols)
    t["total"] = t.sum(axis=1)
    t.loc[len(t)] = t.sum(axis=0)
    t.insert(0, "group", [f"r{i}" for i in range(m.shape[0])] + ["All"])
    return t, cols


@pytest.mark.parametrize("seed", range(12))
def test_secondary_suppression_passes_linear_programming_audit(seed):
    rng = np.random.default_rng(seed)
    m = rng.integers(0, 25, size=(rng.integers(2, 5), rng.integers(2, 5)))
    m[rng.random(m.shape) < 0.3] = rng.integers(1, 6)  # plant small cells
    t, cols = _crosstab(m)
    s = suppress(t, count_cols=cols, total_col="total", total_row="All", label_col="group")
    full = t[[*cols, "total"]].to_numpy(float)
    mask = s.hidden[[*cols, "total"]].to_numpy()
    small = (full > 0) & (full < 6)
    assert mask[small].all()  # every small cell (margins included) is hidden
    if mask.any():
        for cell, (lo, hi) in lp_ranges(full, mask).items():
            assert hi - lo > 0.5, f"cell {cell} = {full[cell]} can be worked out exactly"
    assert check_disclosure(s.display, count_cols=cols, total_col="total", total_row="All",
                            label_col="group").empty


def test_total_row_would_reveal_single_suppressed_cell():
    t = pd.DataFrame({"group": ["Boys", "Girls", "All"], "n": [4, 20, 24], "mean": [101.5, 104.2, 103.7]})
    # primary suppression alone: 24 - 20 = 4 gives the hidden cell away, and the audit says so
    naive = suppress(t, count_cols="n", value_cols=["mean"], total_row="All", label_col="group", secondary=False)
    probs = check_disclosure(naive.display, count_cols="n", total_row="All", label_col="group")
    assert probs["problem"].tolist() == ["can be worked out as 4 from the total in row 'All'"]
    s = suppress(t, count_cols="n", value_cols=["mean"], total_row="All", label_col="group")
    assert s.display["n"].tolist() == ["c", "c", "24"]
    assert s.display["mean"].tolist() == ["c", "c", "103.7"]
    assert s.record["rule"].tolist() == ["primary", "secondary", "dependent", "dependent"]
    assert check_disclosure(s.display, count_cols="n", value_cols=["mean"], total_row="All",
                            label_col="group").empty


def test_next_smallest_cell_is_chosen_and_zero_last():
    t = pd.DataFrame({"n": [3, 0, 9, 7, 30, 49]}, index=["a", "b", "c", "d", "e", "Total"])
    s = suppress(t, count_cols="n", total_row="Total")
    assert s.display["n"].tolist() == ["c", "0", "c", "c", "30", "49"] or \
        s.display["n"].tolist() == ["c", "0", "9", "c", "30", "49"]
    assert s.display.loc["d", "n"] == "c" and s.display.loc["b", "n"] == "0"
    assert check_disclosure(s.display, count_cols="n", total_row="Total").empty


def test_blocks_add_up_to_one_total_row():
    """A register-style table: each characteristic's groups add up to the cohort (row 'All pupils')."""
    t = pd.DataFrame({
        "characteristic": ["sex", "sex", "ethnicity", "ethnicity", "ethnicity", None],
        "value": ["F", "M", "White", "Asian", "Black", "All pupils"],
        "n": [30, 28, 40, 15, 3, 58],
        "on_register": [6, 7, 8, 4, 1, 13],
        "pct": [20.0, 25.0, 20.0, 26.7, 33.3, 22.4],
    })
    kw = dict(count_cols=["n", "on_register"], total_row="All pupils", label_col="value", block_col="characteristic")
    s = suppress(t, value_cols={"pct": ["n", "on_register"]}, protect_combined=False, **kw)
    d = s.display.set_index("value")
    assert d.loc["Black", "n"] == "c" and d.loc["Asian", "n"] == "c"  # 58 - 40 - 15 would give 3
    # on the register: Asian 4 and Black 1 are both hidden already, so (cell by cell) White 8 can stay
    assert d.loc[["Asian", "Black"], "on_register"].tolist() == ["c", "c"]
    assert d.loc["F", "on_register"] == "6" and d.loc["White", "on_register"] == "8"
    assert d.loc["Black", "pct"] == "c" and d.loc["F", "pct"] == "20.0"
    # ... but 13 - 8 = 5 pupils on the register are Asian or Black: a small combined total
    probs = check_disclosure(s.display, **kw)
    assert probs["problem"].tolist() == [
        "adds up with row 'Black', column 'on_register' to 5 (fewer than 6), which can be worked out from the totals"]
    # the default (protect_combined=True) hides White too, and then the table passes the audit
    d = suppress(t, value_cols={"pct": ["n", "on_register"]}, **kw).display.set_index("value")
    assert d.loc[["White", "Asian", "Black"], "on_register"].tolist() == ["c", "c", "c"]
    assert d.loc["F", "on_register"] == "6" and d.loc["M", "on_register"] == "7"
    assert check_disclosure(d.reset_index(), **kw).empty


def test_rounding_symbols_and_missing():
    t = pd.DataFrame({"n": [12, 2, np.nan, 0], "pct": [55.55, np.nan, 10.0, 3.0]}, index=list("abcd"))
    na = pd.DataFrame(False, index=t.index, columns=t.columns)
    na.loc["d", "pct"] = True
    s = suppress(t, count_cols="n", value_cols=["pct"], threshold=1, round_base=5, not_applicable=na,
                 decimals={"pct": 0})
    assert s.display["n"].tolist() == ["10", "low", "x", "0"]
    assert s.display["pct"].tolist() == ["56", "x", "10", "z"]
    s2 = suppress(t, count_cols="n", symbol="SUPP", suppress_zeros=True)
    assert s2.display["n"].tolist() == ["12", "SUPP", "x", "SUPP"]
    assert "rounded to base 5" in s.display.attrs["suppression"]


def test_check_flags_shown_small_count_and_statistic():
    t = pd.DataFrame({"g": ["A", "B"], "n": ["3", "c"], "mean": ["100.0", "98.0"]})
    p = check_disclosure(t, count_cols="n", value_cols=["mean"], label_col="g")
    assert set(p["problem"]) == {"shows a count below 6", "shows a statistic for a group whose count is suppressed"}


def test_bad_input():
    t = pd.DataFrame({"n": [1.5, 10]})
    with pytest.raises(GTDataError, match="whole numbers"):
        suppress(t, count_cols="n")
    with pytest.raises(GTDataError, match="no column 'count'"):
        suppress(t, count_cols="count")
    with pytest.raises(GTDataError, match="No row is labelled 'All'"):
        suppress(pd.DataFrame({"n": [1, 10]}), count_cols="n", total_row="All")
    with pytest.raises(GTDataError, match="threshold"):
        suppress(pd.DataFrame({"n": [1, 10]}), count_cols="n", threshold=0)


def test_wales_rule():
    """governorswales.org.uk (2017): < 5 publish nothing; 5-9 percentages only."""
    assert [wales_rule(n) for n in (0, 4, 5, 9, 10, 120)] == [
        "withhold", "withhold", "percentages only", "percentages only", "publish", "publish"]
    with pytest.raises(GTDataError):
        wales_rule(-1)
    with pytest.raises(GTDataError):
        wales_rule(4.5)


def test_register_table_for_governors_passes_audit():
    """A register_representation table made governor-ready: each characteristic's groups add up to the
    cohort (total row), the register counts add up to the register size."""
    from gtanalytics.register import register_representation

    rng = np.random.default_rng(3)
    n = 240
    p = pd.DataFrame({"gt_register": rng.random(n) < 0.12, "sex": rng.choice(["F", "M"], n),
                      "ethnicity": rng.choice(["WBRI", "BCRB", "AIND", "CHNE"], n, p=[.8, .08, .1, .02])})
    rep = register_representation(p, characteristics=["sex", "ethnicity_major"])
    table = pd.concat([
        rep[["characteristic", "value", "n", "n_group_register", "estimate", "verdict"]],
        pd.DataFrame({"characteristic": [None], "value": ["All pupils"], "n": [n],
                      "n_group_register": [int(p.gt_register.sum())]}),
    ], ignore_index=True)
    kw = dict(count_cols=["n", "n_group_register"], total_row="All pupils", label_col="value",
              block_col="characteristic")
    s = suppress(table, value_cols=["estimate", "verdict"], **kw)
    assert check_disclosure(s.display, value_cols=["estimate", "verdict"], **kw).empty
    assert (s.display.loc[table.n_group_register.between(1, 5), "n_group_register"] == "c").all()
    assert not check_disclosure(table.astype({"n": int}), **kw).empty  # the raw table is not safe


# --------------------------------------------------------------------------- small combined totals
def test_sen_register_small_combined_total():
    """The governor-report case: register 87, no SEN 82, SEN support 4, EHC plan 1.

    Both small cells are hidden and neither can be worked out alone, but 87 - 82 = 5 pupils with
    SEN can; protect_combined (the default) hides no SEN too."""
    t = pd.DataFrame({"sen": ["No SEN", "SEN support", "EHC plan", "Register"], "n": [82, 4, 1, 87],
                      "pct": [94.3, 4.6, 1.1, 100.0]})
    kw = dict(count_cols="n", total_row="Register", label_col="sen")
    old = suppress(t, value_cols=["pct"], protect_combined=False, **kw)
    assert old.display["n"].tolist() == ["82", "c", "c", "87"]
    assert check_disclosure(old.display, **kw)["problem"].tolist() == [
        "adds up with row 'EHC plan', column 'n' to 5 (fewer than 6), which can be worked out from the totals"]
    s = suppress(t, value_cols=["pct"], **kw)
    assert s.display["n"].tolist() == ["c", "c", "c", "87"]
    assert s.display["pct"].tolist() == ["c", "c", "c", "100.0"]
    assert s.record.query("rule == 'secondary'")["row"].tolist() == ["No SEN"]
    assert "combined count" in s.record.query("rule == 'secondary'")["reason"].iloc[0]
    assert check_disclosure(s.display, value_cols=["pct"], **kw).empty
    # a combined total of 6 or more is no disclosure: nothing more is hidden
    t6 = t.assign(n=[81, 4, 2, 87])
    assert suppress(t6, **kw).display["n"].tolist() == ["81", "c", "c", "87"]


def test_unpublished_remainder_counts_towards_combined_totals():
    """A yes/no flag shown as its 'yes' row only: the 'no' (the remainder) is unknown to the reader."""
    t = pd.DataFrame({"g": ["yes", "rest", "All"], "n": [20, 3, 23]})
    un = pd.DataFrame({"g": [False, True, False], "n": [False, True, False]})
    s = suppress(t, count_cols="n", total_row="All", label_col="g", unpublished=un)
    assert s.display["n"].tolist() == ["c", "c", "23"]  # 23 - 20 would give the 3 'no' away
    assert s.record["row"].tolist() == ["yes"]
    big = suppress(t.assign(n=[20, 30, 50]), count_cols="n", total_row="All", label_col="g", unpublished=un)
    assert big.display["n"].tolist() == ["20", "c", "50"] and big.record.empty  # a large remainder needs nothing
    with pytest.raises(GTDataError, match="unpublished"):
        suppress(t, count_cols="n", unpublished=un.iloc[:2])


# An independent audit by brute force: every subset of the hidden cells, its smallest and largest possible sum
# from a linear programme (scipy.optimize.linprog) over the table's equations and non-negativity.
def _equations_blocks(sizes):
    """Blocks of rows (e.g. the sexes, the SEN groups) each adding up to one shared total row (the last row)."""
    eqs, pos, total = [], 0, sum(sizes)
    for k in sizes:
        eqs.append(([(pos + i, 0) for i in range(k)], (total, 0)))
        pos += k
    return eqs


def _brute_force_small_sets(full, hidden, eqs, threshold=6):
    """(pinned singletons {cell: value}, minimal hidden sets of 2+ cells pinned at 1..threshold-1)."""
    from itertools import combinations

    audit = Audit(full, hidden, eqs)
    unknown, span = audit.unknown, audit.span
    single = {x: span([x]) for x in unknown}
    pinned = {x: lo for x, (lo, hi) in single.items() if hi - lo < 0.5}
    pool = [x for x in unknown if x not in pinned and single[x][1] > 1e-7]
    bad = []
    for size in range(2, len(pool) + 1):
        for members in combinations(pool, size):
            if any(set(b) <= set(members) for b in bad):
                continue
            lo, hi = span(members)
            if hi - lo < 0.5 and 1 - 1e-6 <= lo <= threshold - 1 + 1e-6:
                bad.append(members)
    return pinned, {frozenset(b) for b in bad}


def _reported_sets(problems, row_of, col_of):
    """Sets of cells named in check_disclosure's 'adds up with ...' problems."""
    import re

    out = set()
    for _, p in problems.iterrows():
        if p["problem"].startswith("adds up with"):
            cells = [(p["row"], p["column"])] + re.findall(r"row '([^']*)', column '([^']*)'", p["problem"])
            out.add(frozenset((row_of[r], col_of[c]) for r, c in cells))
    return out


def _random_table(rng, high=9):
    """A random register-style block table or crosstab with small counts: (table, values, equations, keywords,
    count columns)."""
    if rng.random() < 0.5:
        total = int(rng.integers(4, 2 * high + 2))
        sizes = [int(k) for k in rng.integers(2, 4, size=rng.integers(1, 3))]
        vals, rows, blocks = [], [], []
        for b, k in enumerate(sizes):
            cuts = np.sort(rng.integers(0, total + 1, size=k - 1))
            vals += list(np.diff([0, *cuts, total]))
            rows += [f"b{b}r{i}" for i in range(k)]
            blocks += [f"b{b}"] * k
        t = pd.DataFrame({"g": [*rows, "All"], "block": [*blocks, None], "n": [*vals, total]})
        kw = dict(count_cols="n", total_row="All", label_col="g", block_col="block")
        return t, t[["n"]].to_numpy(float), _equations_blocks(sizes), kw, ["n"]
    r, c = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    t, cols = _crosstab(rng.integers(0, high, size=(r, c)))
    return t, t[[*cols, "total"]].to_numpy(float), margin_lines(r + 1, c + 1), dict(
        count_cols=cols, total_col="total", total_row="All", label_col="group"), [*cols, "total"]


def test_check_disclosure_agrees_with_brute_force_audit():
    """Random hiding patterns on tables of small counts: check_disclosure's derivable cells and small combined
    totals are exactly those the brute-force linprog audit finds (combined: minimal sets of two or more hidden
    cells).  Seeded; the tables are drawn so that small combined totals do occur (counted at the end)."""
    rng = np.random.default_rng(100)
    tables = n_sets = n_pinned = 0
    while tables < 40:
        t, full, eqs, kw, cols = _random_table(rng, high=4)
        is_total = np.zeros(full.shape, bool)
        for _, tot in eqs:
            is_total[tot] = True
        hidden = rng.random(full.shape) < np.where(is_total, 0.15, 0.5)
        if not 2 <= hidden.sum() <= 7:
            continue
        tables += 1
        display = t.astype({c: object for c in cols})
        for i, j in zip(*np.nonzero(hidden)):
            display.iat[i, display.columns.get_loc(cols[j])] = "c"
        problems = check_disclosure(display, threshold=6, **kw)
        pinned, bad = _brute_force_small_sets(full, hidden, eqs)
        row_of = {lab: i for i, lab in enumerate(t[kw["label_col"]])}
        col_of = {c: j for j, c in enumerate(cols)}
        assert _reported_sets(problems, row_of, col_of) == bad, (t, hidden, problems)
        derived = problems[problems["problem"].str.startswith("can be worked out")]
        expected = {x for x, v in pinned.items() if v > 1e-7}
        assert {(row_of[r], col_of[c]) for r, c in zip(derived["row"], derived["column"])} == expected, (
            t, hidden, problems, pinned)
        n_sets, n_pinned = n_sets + len(bad), n_pinned + len(expected)
    assert n_sets >= 8 and n_pinned >= 20  # the comparison was not vacuous (seeded: 10 sets, 40+ cells)


@pytest.mark.parametrize("seed", range(6))
def test_suppress_leaves_no_small_combined_total(seed):
    """Random tables suppressed with the defaults: the brute-force audit finds no derivable hidden cell and no
    small combined total, and check_disclosure agrees that the table is safe."""
    rng = np.random.default_rng(200 + seed)
    for _ in range(3):
        t, full, eqs, kw, cols = _random_table(rng)
        s = suppress(t, **kw)
        hidden = s.hidden[cols].to_numpy()
        if hidden.sum() > 9:  # everything hidden in a tiny table: the brute force would take too long
            continue
        pinned, bad = _brute_force_small_sets(full, hidden, eqs)
        assert bad == set(), (t, s.display)
        assert not any(v > 1e-7 for v in pinned.values()), (t, s.display)
        assert check_disclosure(s.display, **kw).empty
