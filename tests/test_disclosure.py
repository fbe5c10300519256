"""Tests of gtanalytics.disclosure.

The independent check of secondary suppression is a linear-programming audit (the standard
"interval audit" of cell suppression: Cox 1980, Fischetti & Salazar 1999): for every suppressed
cell, scipy.optimize.linprog finds the smallest and largest value it can take given every shown
cell, every total equation and non-negativity.  A cell is protected only if that range is
wider than 0 (it cannot be worked out exactly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from gtanalytics.disclosure import check_disclosure, suppress, wales_rule
from gtanalytics.errors import GTDataError


def _crosstab(m: np.ndarray) -> pd.DataFrame:
    """Rows r0.., columns c0.., a total column and a total row 'All'."""
    cols = [f"c{j}" for j in range(m.shape[1])]
    t = pd.DataFrame(m, columns=cols)
    t["total"] = t.sum(axis=1)
    t.loc[len(t)] = t.sum(axis=0)
    t.insert(0, "group", [f"r{i}" for i in range(m.shape[0])] + ["All"])
    return t, cols


def _lp_ranges(full: np.ndarray, hidden: np.ndarray):
    """Min and max of each hidden interior/margin cell of a table with margins (full includes them)."""
    r, c = full.shape  # last row and column are the totals
    idx = {(i, j): k for k, (i, j) in enumerate(zip(*np.nonzero(hidden)))}
    nv = len(idx)
    a_eq, b_eq = [], []

    def equation(cells, total):
        row, rhs = np.zeros(nv), 0.0
        for cell, sign in [*[(x, 1.0) for x in cells], (total, -1.0)]:
            if cell in idx:
                row[idx[cell]] += sign
            else:
                rhs -= sign * full[cell]
        a_eq.append(row)
        b_eq.append(rhs)

    for i in range(r):
        equation([(i, j) for j in range(c - 1)], (i, c - 1))
    for j in range(c):
        equation([(i, j) for i in range(r - 1)], (r - 1, j))
    out = {}
    for cell, k in idx.items():
        obj = np.zeros(nv)
        obj[k] = 1
        lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * nv).fun
        hi = -linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * nv).fun
        out[cell] = (lo, hi)
    return out


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
        for cell, (lo, hi) in _lp_ranges(full, mask).items():
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
    s = suppress(t, count_cols=["n", "on_register"], value_cols={"pct": ["n", "on_register"]},
                 total_row="All pupils", label_col="value", block_col="characteristic")
    d = s.display.set_index("value")
    assert d.loc["Black", "n"] == "c" and d.loc["Asian", "n"] == "c"  # 58 - 40 - 15 would give 3
    # on the register: Asian 4 and Black 1 are both hidden already, so White 8 can stay
    assert d.loc[["Asian", "Black"], "on_register"].tolist() == ["c", "c"]
    assert d.loc["F", "on_register"] == "6" and d.loc["White", "on_register"] == "8"
    assert d.loc["Black", "pct"] == "c" and d.loc["F", "pct"] == "20.0"
    assert check_disclosure(s.display, count_cols=["n", "on_register"], total_row="All pupils",
                            label_col="value", block_col="characteristic").empty


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
        rep[["characteristic", "value", "n_group", "n_group_register", "ratio", "verdict"]],
        pd.DataFrame({"characteristic": [None], "value": ["All pupils"], "n_group": [n],
                      "n_group_register": [int(p.gt_register.sum())]}),
    ], ignore_index=True)
    kw = dict(count_cols=["n_group", "n_group_register"], total_row="All pupils", label_col="value",
              block_col="characteristic")
    s = suppress(table, value_cols=["ratio", "verdict"], **kw)
    assert check_disclosure(s.display, value_cols=["ratio", "verdict"], **kw).empty
    assert (s.display.loc[table.n_group_register.between(1, 5), "n_group_register"] == "c").all()
    assert not check_disclosure(table.astype({"n_group": int}), **kw).empty  # the raw table is not safe
