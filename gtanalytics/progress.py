"""Progress and value added: OLS, multilevel (random intercept) and DfE-style benchmark.

:func:`value_added` fits expectations from the data given (OLS or multilevel);
:func:`benchmark_progress` compares pupils with a national table by prior
attainment group, DfE style (``value_added(method="benchmark")`` is the same).
:func:`va_summary` re-groups pupil VA by any characteristics,
:func:`pooled_value_added` pools several years of a small cohort,
:func:`predict_expected` gives expectations for new pupils and
:func:`summer_progress` pairs this summer's scores with last summer's (via
:func:`gtanalytics.prior_attainment.pair_assessments`).  Conventions:
``va = actual - expected``; every group row carries ``n, va, se, ci_low,
ci_high, band, low_n`` and the method of its interval in ``ci_method``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import gtanalytics.dfe as dfe
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.multilevel import RandomInterceptFit, fit_random_intercept
from gtanalytics.prior_attainment import pair_assessments
from gtanalytics._stats import LOW_N, ols, require_columns, z_value

__all__ = [
    "previous_year",
    "summer_progress",
    "VAModel",
    "ValueAddedResult",
    "value_added",
    "benchmark_progress",
    "predict_expected",
    "va_summary",
    "pooled_value_added",
]

_METHODS = ("ols", "multilevel", "benchmark")


@dataclass(frozen=True)
class VAModel:
    """Fitted parameters of a value-added model.

    Attributes
    ----------
    method : str
        ``"ols"``, ``"multilevel"`` or ``"benchmark"``.
    coefficients : DataFrame or None
        Fixed effects ``term, estimate, se`` (None for benchmark).
    residual_sd : float
        SD of an outcome around its expectation: OLS ``sqrt(RSS/(N-p))``;
        multilevel ``sqrt(s2_between + s2_within)``; benchmark the SD of
        pupil ``va`` (N-1).  Used for targets and under-achievement.
    se_sd : float
        The SD behind DfE-style group SEs (``se = se_sd / sqrt(n)``): the SD
        of all pupil residuals (N-1), or the national SD for a benchmark.
    n, n_excluded : int
        Pupils used and pupils excluded for missing values.
    sigma2_between, sigma2_within, icc, loglik, reml : float or bool or None
        Multilevel variance components, intraclass correlation and
        (restricted) log-likelihood.
    r2 : float or None
        OLS R squared.
    table : DataFrame or None
        Benchmark table used (by PAG).
    divisor : float
        Benchmark scores are ``(actual - expected) / divisor``.
    well : float or None
        The "well above/below" threshold the bands used (None: three bands).
    fit : RandomInterceptFit or None
        The full multilevel fit.
    spec : dict
        What :func:`predict_expected` needs (column names, degree, dummy levels).
    """

    method: str
    coefficients: pd.DataFrame | None
    residual_sd: float
    se_sd: float
    n: int
    n_excluded: int
    sigma2_between: float | None = None
    sigma2_within: float | None = None
    icc: float | None = None
    loglik: float | None = None
    reml: bool | None = None
    r2: float | None = None
    table: pd.DataFrame | None = None
    divisor: float = 1.0
    well: float | None = None
    fit: RandomInterceptFit | None = None
    spec: dict = field(default_factory=dict)

    @property
    def fixed_effects(self) -> pd.DataFrame | None:
        """Alias of ``coefficients``."""
        return self.coefficients


@dataclass(frozen=True)
class ValueAddedResult:
    """Result of :func:`value_added`: ``pupils``, ``groups`` and ``model``."""

    pupils: pd.DataFrame
    groups: pd.DataFrame
    model: VAModel


def _design(df: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Design matrix: intercept, prior powers, covariates (categoricals dummy-coded)."""
    prior = spec["prior"]
    cols = {"(Intercept)": np.ones(len(df))}
    x = df[prior].astype(float).to_numpy()
    for k in range(1, spec["degree"] + 1):
        cols[prior if k == 1 else f"{prior}^{k}"] = x ** k
    for c in spec["covariates"]:
        levels = spec["levels"].get(c)
        if levels is None:
            cols[c] = df[c].astype(float).to_numpy()
        else:
            v = df[c].astype(str).to_numpy()
            for lev in levels[1:]:
                cols[f"{c}[{lev}]"] = (v == lev).astype(float)
    return pd.DataFrame(cols, index=df.index)


def _as_list(by) -> list:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _r2(y: np.ndarray, resid: np.ndarray) -> float:
    """R squared; NaN (not a division warning) when every outcome is the same."""
    tss = float(np.sum((y - y.mean()) ** 2))
    return float(1 - resid @ resid / tss) if tss > 0 else float("nan")


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s)


def predict_expected(result: ValueAddedResult | VAModel, df: pd.DataFrame) -> pd.Series:
    """Expected outcome for (possibly new) pupils from a fitted value-added model.

    Multilevel models give the fixed part ``x'beta`` (a pupil in an average
    group); benchmark models look up the table by prior attainment group.

    Returns
    -------
    pandas.Series
        Expected outcome, NaN where a needed value is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ks2": [95.0, 100, 105, 110], "gcse": [3.0, 4, 6, 7]})
    >>> r = value_added(d, outcome="gcse", prior="ks2")
    >>> round(float(predict_expected(r, pd.DataFrame({"ks2": [102.5]})).iloc[0]), 2)
    5.0
    """
    model = result.model if isinstance(result, ValueAddedResult) else result
    spec = model.spec
    require_columns(df, [spec["prior"], *spec["covariates"]])
    ok = df[[spec["prior"], *spec["covariates"]]].notna().all(axis=1)
    out = pd.Series(np.nan, index=df.index)
    if model.method == "benchmark":
        pag = dfe.assign_pag(df.loc[ok, spec["prior"]].astype(float), model.table)
        out[ok] = pag.astype(float).map(model.table.set_index("pag")[spec["estimate"]].astype(float)).to_numpy()
        return out
    X = _design(df[ok], spec)
    out[ok] = X.to_numpy() @ model.coefficients["estimate"].to_numpy()
    return out


def _group_stats(pupils: pd.DataFrame, keys: list, *, se_sd: float, se: str, confidence: float,
                 min_n: int, well, group_sd: bool, score: str = "va") -> pd.DataFrame:
    z = z_value(confidence)
    used = pupils[pupils[score].notna()]
    if keys:
        g = used.groupby(keys, sort=True, observed=True, dropna=True)[score]
        out = g.agg(n="size", va="mean", sd="std").reset_index()
    else:
        s = used[score]
        out = pd.DataFrame({"n": [len(s)], "va": [s.mean()], "sd": [s.std(ddof=1)]})
    if se == "group":
        out["se"] = out["sd"] / np.sqrt(out["n"])
        how = "normal: group's own SD / sqrt(n)"
    else:
        out["se"] = se_sd / np.sqrt(out["n"])
        how = f"normal, DfE style: SD {se_sd:.6g} / sqrt(n)"
    return _finish(out, z, confidence, how, min_n, well, group_sd)


def _finish(out, z, confidence, how, min_n, well, group_sd):
    out["ci_low"] = out["va"] - z * out["se"]
    out["ci_high"] = out["va"] + z * out["se"]
    out["band"] = dfe.progress_band(out["va"], out["ci_low"], out["ci_high"], well=well)
    out["low_n"] = out["n"] < min_n
    out["ci_method"] = f"{confidence:.0%} CI, {how}"
    if not group_sd:
        out = out.drop(columns="sd")
    if out["low_n"].any():
        warnings.warn(f"{int(out['low_n'].sum())} group(s) have fewer than {min_n} pupils: their value added "
                      "is too uncertain to conclude anything (see the low_n column).", GTWarning, stacklevel=3)
    return out


def _pupil_rows(df: pd.DataFrame, *, outcome: str, prior: str, covariates: list, keys: list,
                confidence: float, se: str):
    """Check the inputs shared by every method; return the usable rows mask and the number left out."""
    if not 0 < confidence < 1:
        raise GTDataError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}.")
    if se not in ("dfe", "group"):
        raise GTDataError(f"se must be 'dfe' or 'group', not {se!r}.")
    require_columns(df, [outcome, prior, *covariates, *keys])
    for c in (outcome, prior):
        if not pd.api.types.is_numeric_dtype(df[c]):
            raise GTDataError(f"Column {c!r} must hold numbers (scores); convert codes to points first.")
    ok = df[[outcome, prior, *covariates, *keys]].notna().all(axis=1)
    n_excl = int((~ok).sum())
    if n_excl:
        warnings.warn(f"{n_excl} of {len(df)} pupils have a missing {outcome}, {prior}"
                      f"{', covariate' if covariates else ''}{' or group' if keys else ''} and were left out "
                      "(their expected and va are blank).", GTWarning, stacklevel=3)
    if ok.sum() < 3:
        raise GTDataError(f"Only {int(ok.sum())} pupils have both {outcome!r} and {prior!r}: too few to estimate "
                          "value added.")
    return ok, n_excl


def _shipped_divisor(table: pd.DataFrame | None, estimate: str) -> float | None:
    """The divisor of the shipped national SD of ``estimate`` (None with a table of your own)."""
    if table is not None:
        return None
    return float(dfe.p8_national_sd().set_index("column").loc[estimate, "divisor"])


def benchmark_progress(df: pd.DataFrame, *, outcome: str, prior: str, by=None, table: pd.DataFrame | None = None,
                       estimate: str = "a8", divisor: float = 1.0, national_sd: float | None = None,
                       cap: pd.DataFrame | None = None, well="auto", confidence: float = 0.95, se: str = "dfe",
                       min_n: int = LOW_N, group_sd: bool = False) -> ValueAddedResult:
    """DfE-style progress: each pupil's outcome against a national expectation for their prior attainment group.

    Each pupil's prior attainment places them in a prior attainment group
    (PAG, :func:`gtanalytics.dfe.assign_pag`); the table gives the national
    average outcome of that group (``expected``) and the pupil's score is
    ``va = (actual - expected) / divisor``.  A group's score is the mean of
    its pupils' scores, with the DfE confidence interval
    ``mean +/- z x national SD / sqrt(n)`` and the DfE progress band
    (methodology §1.5, §2.3-2.5).  ``value_added(method="benchmark")`` is the
    same function.

    Parameters
    ----------
    df : DataFrame
        One row per pupil.
    outcome, prior : str
        Columns with the outcome (e.g. Attainment 8) and the prior attainment
        (e.g. the KS2 average).
    by : str or list of str, optional
        Grouping column(s); None gives one overall row.
    table : DataFrame, optional
        National table with ``pag``, ``ks2_high`` (or ``upper``) and the
        ``estimate`` column; default the shipped 2024 Progress 8 estimates
        (:func:`gtanalytics.dfe.p8_estimates`).
    estimate : str
        Column of ``table`` holding the expected outcome (``a8``, ``english``...).
    divisor : float
        ``va = (actual - expected) / divisor`` (10 gives Progress 8 from Attainment 8).
    national_sd : float, optional
        National pupil SD of ``va`` for DfE intervals.  Default: the shipped
        2024 SD (rescaled to ``divisor``) with the shipped table, otherwise the
        SD of the pupils' own ``va``.
    cap : DataFrame, optional
        Minimum score per PAG (``pag, min_score``, in ``va`` units) applied to
        group averages (:func:`gtanalytics.dfe.apply_negative_cap`).
    well : float, None or "auto"
        "Well above/below" threshold of the band, in ``va`` units; "auto" =
        Progress 8's 0.5 (rescaled to ``divisor``) with the shipped table,
        otherwise three bands only.
    confidence : float
        Confidence level of the normal-quantile intervals.
    se : {"dfe", "group"}
        Group SE: ``"dfe"`` = the national SD over sqrt(n); ``"group"`` = the
        group's own SD over sqrt(n).
    min_n : int
        Groups with fewer pupils are flagged ``low_n`` (and a GTWarning);
        default :data:`gtanalytics._stats.LOW_N` (10).
    group_sd : bool
        Add each group's own SD of ``va`` as column ``sd``.

    Returns
    -------
    ValueAddedResult
        ``.pupils``: the input rows plus ``pag``, ``expected`` and ``va`` (NaN
        for rows excluded for missing values) and, with ``cap``, ``va_capped``.
        ``.groups``: the ``by`` column(s), then ``n, va, se, ci_low, ci_high,
        band, low_n, ci_method`` (``sd`` if ``group_sd``); with ``cap`` the
        group ``va`` is the mean of ``va_capped``.
        ``.model``: a :class:`VAModel` with ``method="benchmark"``, the
        ``table``, ``divisor``, ``well`` and the national SD as ``se_sd``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ks2": [105.0] * 30, "a8": [50.0] * 30})
    >>> r = benchmark_progress(d, outcome="a8", prior="ks2", divisor=10)
    >>> g = r.groups.iloc[0]
    >>> float(r.pupils["expected"].iloc[0]), round(float(g.va), 3), round(float(g.ci_high - g.va), 2), g.band
    (45.12, 0.488, 0.51, 'average')
    """
    keys = _as_list(by)
    ok, n_excl = _pupil_rows(df, outcome=outcome, prior=prior, covariates=[], keys=keys,
                             confidence=confidence, se=se)
    used = df[ok]
    tab = dfe.p8_estimates() if table is None else table
    require_columns(tab, ["pag", estimate], "benchmark")
    pag = dfe.assign_pag(used[prior].astype(float), tab)
    expected = pag.astype(float).map(tab.set_index("pag")[estimate].astype(float)).to_numpy()
    va = (used[outcome].astype(float).to_numpy() - expected) / divisor
    shipped = _shipped_divisor(table, estimate)
    if national_sd is None:
        national_sd = (float(dfe.p8_national_sd().set_index("column").loc[estimate, "sd"]) * shipped / divisor
                       if shipped else float(np.std(va, ddof=1)))
    if well == "auto":
        well = 0.5 * shipped / divisor if shipped else None
    pupils = df.copy()
    pupils["pag"] = pd.Series(pd.NA, index=df.index, dtype="Int64")
    pupils.loc[ok, "pag"] = pag.to_numpy()
    pupils.loc[ok, "expected"] = expected
    pupils.loc[ok, "va"] = va
    score = "va"
    if cap is not None:
        pupils.loc[ok, "va_capped"] = dfe.apply_negative_cap(va, pag.to_numpy(), cap).to_numpy()
        score = "va_capped"
    groups = _group_stats(pupils[ok], keys, se_sd=national_sd, se=se, confidence=confidence,
                          min_n=min_n, well=well, group_sd=group_sd, score=score)
    spec = {"outcome": outcome, "prior": prior, "degree": 1, "covariates": [], "levels": {}, "by": keys,
            "estimate": estimate}
    model = VAModel("benchmark", None, residual_sd=float(np.std(va, ddof=1)), se_sd=national_sd,
                    n=len(used), n_excluded=n_excl, table=tab, divisor=divisor, well=well, spec=spec)
    return ValueAddedResult(pupils, groups, model)


def value_added(df: pd.DataFrame, *, outcome: str, prior: str, by=None, method: str = "ols",
                covariates=(), confidence: float = 0.95, degree: int = 1, se: str = "dfe",
                reml: bool = True, well="auto", min_n: int = LOW_N, group_sd: bool = False,
                **benchmark) -> ValueAddedResult:
    """Value added of pupils and of groups (schools, classes, teachers, characteristics).

    Parameters
    ----------
    df : DataFrame
        One row per pupil.
    outcome, prior : str
        Columns with the outcome and the prior attainment.
    by : str or list of str, optional
        Grouping column(s); a list groups by their combinations.  None gives
        one overall row.  Required for ``method="multilevel"``.
    method : {"ols", "multilevel", "benchmark"}
        ``"ols"``: regression of outcome on prior (``degree`` powers) and
        ``covariates`` over the data given; group va = mean pupil residual.
        ``"multilevel"``: random intercept for ``by`` (REML, or ML with
        ``reml=False``); group va = BLUP (lme4 ``ranef``), se = its conditional
        SE (lme4 ``condVar``).  ``"benchmark"``: expected outcome from a
        national table by prior attainment group, the same as
        :func:`benchmark_progress` (which documents its options).
    covariates : sequence of str
        Contextual covariates (e.g. disadvantaged, sen, eal).  Numeric and
        boolean columns enter as they are; text columns are dummy-coded against
        their first level (sorted).  OLS and multilevel.
    confidence : float
        Confidence level of the normal-quantile intervals.
    degree : int
        Polynomial degree in prior attainment (OLS and multilevel).
    se : {"dfe", "group"}
        OLS/benchmark group SE: ``"dfe"`` = SD of all pupil residuals (N-1)
        (for a benchmark, the national SD) over sqrt(n); ``"group"`` = the
        group's own SD over sqrt(n).
    reml : bool
        Multilevel: REML (default) or ML.
    well : float, None or "auto"
        "Well above/below" threshold of the band, in ``va`` units; "auto" gives
        three bands only, except for a benchmark (see :func:`benchmark_progress`).
    min_n : int
        Groups with fewer pupils are flagged ``low_n`` (and a GTWarning);
        default :data:`gtanalytics._stats.LOW_N` (10).
    group_sd : bool
        Add each group's own SD of ``va`` as column ``sd``.
    **benchmark
        ``method="benchmark"`` only: ``table``, ``estimate``, ``divisor``,
        ``national_sd`` and ``cap``, passed to :func:`benchmark_progress`
        (the table is loaded from the bundled reference data when not given).

    Returns
    -------
    ValueAddedResult
        ``.pupils``: the input rows plus ``expected`` and ``va`` (NaN for rows
        excluded for missing values; benchmark adds ``pag`` and, with ``cap``,
        ``va_capped``).
        ``.groups``: the ``by`` column(s), then ``n, va, se, ci_low, ci_high,
        band, low_n, ci_method`` (``sd`` if ``group_sd``; multilevel adds
        ``mean_residual``, the unshrunken mean of pupil residuals).
        ``.model``: a :class:`VAModel`.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ks2": [95.0, 100, 105, 110, 98, 104], "gcse": [3.0, 4, 6, 7, 5, 5],
    ...                   "school": list("AAABBB")})
    >>> r = value_added(d, outcome="gcse", prior="ks2", by="school", min_n=2)
    >>> list(r.groups.columns)
    ['school', 'n', 'va', 'se', 'ci_low', 'ci_high', 'band', 'low_n', 'ci_method']
    """
    if method not in _METHODS:
        raise GTDataError(f"method must be one of {', '.join(_METHODS)}, not {method!r}.")
    if method == "benchmark":
        if list(covariates) or degree != 1 or not reml:
            raise GTDataError("covariates, degree and reml do not apply to method='benchmark': the expected "
                              "outcome comes from the national table by prior attainment group.")
        return benchmark_progress(df, outcome=outcome, prior=prior, by=by, confidence=confidence, se=se,
                                  well=well, min_n=min_n, group_sd=group_sd, **benchmark)
    if benchmark:
        raise TypeError(f"value_added(method={method!r}) got unexpected option(s) {', '.join(benchmark)}; "
                        "table, estimate, divisor, national_sd and cap apply only to method='benchmark'.")
    keys = _as_list(by)
    covariates = list(covariates)
    if method == "multilevel" and not keys:
        raise GTDataError("method='multilevel' needs by= (the grouping for the random intercept, e.g. 'school_id').")
    ok, n_excl = _pupil_rows(df, outcome=outcome, prior=prior, covariates=covariates, keys=keys,
                             confidence=confidence, se=se)
    used = df[ok]
    pupils = df.copy()
    z = z_value(confidence)
    spec = {"outcome": outcome, "prior": prior, "degree": int(degree), "covariates": covariates,
            "levels": {c: sorted(used[c].astype(str).unique()) for c in covariates if not _is_numeric(used[c])},
            "by": keys}
    y = used[outcome].astype(float).to_numpy()
    if well == "auto":
        well = None
    X = _design(used, spec)
    if method == "ols":
        if len(y) <= X.shape[1]:
            raise GTDataError(f"Only {len(y)} pupils for {X.shape[1]} terms: too few to estimate the regression "
                              "and its spread. Remove a covariate or lower the degree.")
        beta, cov, dof = ols(y, X)
        fitted = X.to_numpy() @ beta
        resid = y - fitted
        sigma2 = float(resid @ resid) / dof
        pupils.loc[ok, "expected"] = fitted
        pupils.loc[ok, "va"] = resid
        se_sd = float(np.std(resid, ddof=1))
        groups = _group_stats(pupils[ok], keys, se_sd=se_sd, se=se, confidence=confidence,
                              min_n=min_n, well=well, group_sd=group_sd)
        model = VAModel("ols", pd.DataFrame({"term": X.columns, "estimate": beta, "se": np.sqrt(np.diag(cov))}),
                        residual_sd=float(np.sqrt(sigma2)), se_sd=se_sd, n=len(y), n_excluded=n_excl,
                        r2=_r2(y, resid), well=well, spec=spec)
        return ValueAddedResult(pupils, groups, model)

    # multilevel
    if len(keys) == 1:
        label = used[keys[0]]
    else:
        label = pd.Series(list(zip(*(used[k] for k in keys))), index=used.index)
    codes, uniques = pd.factorize(label, sort=True)
    fit = fit_random_intercept(y, X, codes, reml=reml)
    fitted = X.to_numpy() @ fit.beta
    pupils.loc[ok, "expected"] = fitted
    pupils.loc[ok, "va"] = y - fitted
    key_frame = (pd.DataFrame({keys[0]: np.asarray(uniques)[fit.groups]}) if len(keys) == 1 else
                 pd.DataFrame([uniques[i] for i in fit.groups], columns=keys))
    mean_res = pd.Series(y - fitted).groupby(codes).mean().reindex(fit.groups).to_numpy()
    sd = pd.Series(y - fitted).groupby(codes).std().reindex(fit.groups).to_numpy()
    out = key_frame.assign(n=fit.n, va=fit.blup, sd=sd, se=fit.blup_se)
    groups = _finish(out, z, confidence, "normal: BLUP +/- z x conditional SE (lme4 condVar)",
                     min_n, well, group_sd)
    groups["mean_residual"] = mean_res
    se_sd = float(np.std(y - fitted, ddof=1))
    model = VAModel("multilevel", fit.fixed_effects(), residual_sd=float(np.sqrt(fit.sigma2_between + fit.sigma2_within)),
                    se_sd=se_sd, n=len(y), n_excluded=n_excl, sigma2_between=fit.sigma2_between,
                    sigma2_within=fit.sigma2_within, icc=fit.icc, loglik=fit.loglik, reml=fit.reml,
                    well=well, fit=fit, spec=spec)
    return ValueAddedResult(pupils, groups, model)


def va_summary(result: ValueAddedResult, *, by, confidence: float = 0.95, se: str = "dfe",
               min_n: int = LOW_N, well=None, group_sd: bool = False) -> pd.DataFrame:
    """Mean pupil VA by any characteristics (e.g. gt_register, disadvantaged, sen, eal, sex, class).

    Re-groups ``result.pupils`` (mean of pupil ``va``; for a multilevel model
    this is the mean residual from the fixed part, not a BLUP) with the SE
    convention of ``se``, like :func:`value_added`'s OLS groups.

    Parameters
    ----------
    by : str, list of str, or dict
        A column, a list (their combinations), or a dict ``{name: column or
        list}`` to stack several breakdowns in one frame (with columns
        ``breakdown`` and ``level``).

    Returns
    -------
    pandas.DataFrame
        The ``by`` column(s) (or ``breakdown, level``), ``n, va, se, ci_low,
        ci_high, band, low_n, ci_method`` (``sd`` if ``group_sd``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ks2": [95.0, 100, 105, 110, 98, 104], "gcse": [3.0, 4, 6, 7, 5, 5],
    ...                   "gt_register": [False, False, True, True, False, True]})
    >>> r = value_added(d, outcome="gcse", prior="ks2")
    >>> va_summary(r, by="gt_register", min_n=2)["n"].tolist()
    [3, 3]
    """
    score = "va_capped" if "va_capped" in result.pupils else "va"
    kw = dict(se_sd=result.model.se_sd, se=se, confidence=confidence, min_n=min_n, well=well,
              group_sd=group_sd, score=score)
    if isinstance(by, dict):
        parts = []
        for name, cols in by.items():
            keys = _as_list(cols)
            require_columns(result.pupils, keys)
            t = _group_stats(result.pupils, keys, **kw)
            level = t[keys].astype(str).agg(" / ".join, axis=1)
            parts.append(t.drop(columns=keys).assign(breakdown=name, level=level.to_numpy()))
        out = pd.concat(parts, ignore_index=True)
        return out[["breakdown", "level", *[c for c in out.columns if c not in ("breakdown", "level")]]]
    keys = _as_list(by)
    require_columns(result.pupils, keys)
    return _group_stats(result.pupils, keys, **kw)


def pooled_value_added(df: pd.DataFrame, *, outcome: str, prior: str, by=None, year: str = "academic_year",
                       years: int = 3, method: str = "ols", confidence: float = 0.95, small_n: int = 30,
                       min_n: int = LOW_N, **kwargs) -> pd.DataFrame:
    """Value added per year and pooled over the last ``years`` years (for small cohorts).

    Each year's expectations are fitted (or looked up) within that year with
    :func:`value_added`; the pooled row averages all those pupils' ``va``
    together (so each pupil counts once, as in a three-year average of a small
    school), with a DfE-style SE: the SD of all pooled pupil residuals (or the
    national SD for a benchmark) over sqrt(n).

    Parameters
    ----------
    year : str
        Column holding the academic year (text sorts chronologically: "2023/24").
    years : int
        How many of the latest years to pool.
    method : {"ols", "benchmark"}
        Multilevel pooling is not offered (the BLUPs of separate fits do not pool).
    small_n : int
        Below this many pupils the ``note`` says the figure is too uncertain
        to support a conclusion.
    **kwargs
        Passed to :func:`value_added` (covariates, table, divisor...).

    Returns
    -------
    pandas.DataFrame
        The ``by`` column(s), ``period`` (each year, then ``"pooled"``),
        ``years`` (the years covered), ``n, va, se, ci_low, ci_high, band,
        low_n, ci_method``, ``small_n`` (bool) and ``note`` (a sentence).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"academic_year": np.repeat(["2021/22", "2022/23", "2023/24"], 15),
    ...                   "ks2": rng.normal(104, 6, 45)})
    >>> d["gcse"] = 0.3 * d["ks2"] - 26 + rng.normal(0, 1, 45)
    >>> pooled_value_added(d, outcome="gcse", prior="ks2")["period"].tolist()
    ['2021/22', '2022/23', '2023/24', 'pooled']
    """
    if method not in ("ols", "benchmark"):
        raise GTDataError("pooled_value_added supports method='ols' or 'benchmark'.")
    require_columns(df, [year])
    chosen = sorted(df[year].dropna().unique())[-years:]
    keys = _as_list(by)
    z = z_value(confidence)
    parts, pooled, sds = [], [], []
    for yr in chosen:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GTWarning)
            r = value_added(df[df[year] == yr], outcome=outcome, prior=prior, by=by, method=method,
                            confidence=confidence, min_n=min_n, **kwargs)
        parts.append(r.groups.assign(period=yr, years=yr))
        pooled.append(r.pupils[r.pupils["va"].notna()])
        sds.append(r.model.se_sd)
    allp = pd.concat(pooled, ignore_index=True)
    se_sd = (float(np.mean(sds)) if method == "benchmark" else float(np.std(allp["va"], ddof=1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        p = _group_stats(allp, keys, se_sd=se_sd, se=kwargs.get("se", "dfe"), confidence=confidence,
                         min_n=min_n, well=r.model.well, group_sd=False)
    span = f"{chosen[0]} to {chosen[-1]}"
    p = p.assign(period="pooled", years=span)
    out = pd.concat([*parts, p], ignore_index=True)
    out["small_n"] = out["n"] < small_n
    half = z * out["se"]
    out["note"] = [
        (f"Only {n} pupils ({yrs}): too few to say whether progress differs from expected."
         if small else f"{'Average over ' + span if per == 'pooled' else yrs}: value added {va:+.2f} "
         f"(range {lo:+.2f} to {hi:+.2f}, {n} pupils).")
        for n, yrs, per, va, lo, hi, small in zip(out["n"], out["years"], out["period"], out["va"],
                                                  out["va"] - half, out["va"] + half, out["small_n"])]
    lead = [*keys, "period", "years"]
    return out[[*lead, *[c for c in out.columns if c not in lead]]]


def previous_year(academic_year: str) -> str:
    """The academic year before, e.g. ``"2023/24"`` -> ``"2022/23"``.

    Examples
    --------
    >>> previous_year("2023/24"), previous_year("2000/01")
    ('2022/23', '1999/00')
    """
    m = re.fullmatch(r"(\d{4})/(\d{2})", str(academic_year).strip())
    if not m:
        raise GTDataError(f"Cannot read {academic_year!r} as an academic year like '2023/24'.")
    start = int(m.group(1)) - 1
    return f"{start}/{(start + 1) % 100:02d}"


def summer_progress(data, *, subject: str, year: str, score_type: str = "standardised", term: str = "Summer"):
    """Pupils' standardised scores this summer against last summer, for value added.

    Pairs each pupil's ``term`` test in ``subject`` in ``year`` (outcome) with
    the same test a year earlier (prior), with the pupil's characteristics.
    This within-school progress measure works in primary and secondary
    schools alike; statutory key-stage measures are used where present.

    Returns
    -------
    pandas.DataFrame
        As :func:`gtanalytics.progress.pair_assessments` with value columns
        ``outcome`` and ``prior``.
    """
    last = previous_year(year)
    return pair_assessments(data, outcome=dict(score_type=score_type, subject=subject, term=term, academic_year=year),
                            prior=dict(score_type=score_type, subject=subject, term=term, academic_year=last))
