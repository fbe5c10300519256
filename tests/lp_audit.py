"""The tests' independent audit of cell suppression: linear programmes over a table's totals.

The standard "interval audit" (Cox 1980; Fischetti & Salazar 1999): given every shown cell,
every total equation and non-negativity, scipy.optimize.linprog finds the smallest and
largest value a hidden cell (or a sum of hidden cells) can take. Written independently of
``gtanalytics.disclosure._suppress``, which the tests check against it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog


def margin_lines(r: int, c: int) -> list:
    """The equations of an ``r`` x ``c`` table whose last row and last column are totals.

    Each is ``(cells, total)``: the cells (row, column) that add up to the ``total`` cell.
    """
    return ([([(i, j) for j in range(c - 1)], (i, c - 1)) for i in range(r)]
            + [([(i, j) for i in range(r - 1)], (r - 1, j)) for j in range(c)])


class Audit:
    """The system ``A x = b, x >= 0`` over the hidden cells of ``full`` (a 2-D array of counts)."""

    def __init__(self, full: np.ndarray, hidden: np.ndarray, lines: list):
        self.unknown = sorted((int(i), int(j)) for i, j in zip(*np.nonzero(hidden)))
        self.idx = {x: k for k, x in enumerate(self.unknown)}
        self.a_eq, self.b_eq = [], []
        for cells, total in lines:
            if not any(x in self.idx for x in [*cells, total]):
                continue                      # nothing hidden on this line: it says nothing about them
            row, rhs = np.zeros(len(self.idx)), 0.0
            for x, sign in [*[(cell, 1.0) for cell in cells], (total, -1.0)]:
                if x in self.idx:
                    row[self.idx[x]] += sign
                else:
                    rhs -= sign * full[x]
            self.a_eq.append(row)
            self.b_eq.append(rhs)

    def span(self, members) -> tuple[float, float]:
        """Smallest and largest value of the sum of hidden cells ``members`` (inf: unbounded above)."""
        obj = np.zeros(len(self.idx))
        obj[[self.idx[(int(i), int(j))] for i, j in members]] = 1.0
        bounds = [(0, None)] * len(self.idx)
        lo = linprog(obj, A_eq=self.a_eq, b_eq=self.b_eq, bounds=bounds)
        hi = linprog(-obj, A_eq=self.a_eq, b_eq=self.b_eq, bounds=bounds)
        return lo.fun, (math.inf if hi.status == 3 else -hi.fun)   # status 3: unbounded above


def lp_ranges(full: np.ndarray, hidden: np.ndarray) -> dict:
    """Min and max each hidden cell can take (tables whose last row and column are totals)."""
    audit = Audit(full, hidden, margin_lines(*full.shape))
    return {cell: audit.span([cell]) for cell in audit.unknown}
