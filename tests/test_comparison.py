"""Tests of gtanalytics.comparison internals.

Independent check: _full_rank against the greedy loop on numpy.linalg.matrix_rank of the full matrix.
"""


def test_full_rank_keeps_the_columns_matrix_rank_keeps():
    # Reference: the former greedy loop on numpy.linalg.matrix_rank of the full n-row matrix.
    import numpy as np

    from gtanalytics.comparison import _full_rank

    def by_matrix_rank(X):
        keep = []
        for j in range(X.shape[1]):
            if np.linalg.matrix_rank(X[:, keep + [j]]) == len(keep) + 1:
                keep.append(j)
        return X[:, keep]

    rng = np.random.default_rng(5)
    for n in (8, 60, 500):
        g = rng.integers(0, 4, n)
        d = [(g == k).astype(float) for k in range(4)]           # all four dummies: one is aliased
        X = np.column_stack([np.ones(n), rng.normal(size=n), *d, np.zeros(n), 2 * d[1], d[0] + d[2],
                             rng.normal(size=n)])
        np.testing.assert_array_equal(_full_rank(X), by_matrix_rank(X))
