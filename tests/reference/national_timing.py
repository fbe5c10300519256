"""One-off timing: fit_random_intercept vs lme4 on a national-size cohort (not a unit test).

Run from the repository root: ``.venv/bin/python tests/reference/national_timing.py``.
Generates 650,000 pupils in 16,000 schools (seed 2024), times our fit, writes a CSV to /tmp and times
``lmer(y ~ prior + disadvantaged + (1 | school), REML = TRUE)`` with Rscript (model fit only, reading excluded).
"""
import subprocess
import time

import numpy as np
import pandas as pd

from gtanalytics.multilevel import fit_random_intercept

rng = np.random.default_rng(2024)
m, n = 16_000, 650_000
school = np.sort(rng.integers(0, m, n))
prior = np.round(rng.normal(104, 6, n) * 2) / 2
dis = (rng.random(n) < 0.25).astype(float)
y = -9 + 0.095 * prior - 0.3 * dis + rng.normal(0, 0.35, m)[school] + rng.normal(0, 1, n)
X = np.column_stack([np.ones(n), prior, dis])
times = []
for _ in range(3):
    t0 = time.perf_counter()
    fit = fit_random_intercept(y, X, school)
    times.append(time.perf_counter() - t0)
print(f"python fit_random_intercept: best {min(times):.3f} s of 3; beta={fit.beta}, s2u={fit.sigma2_between:.6f}, "
      f"s2e={fit.sigma2_within:.6f}, evals={fit.iterations}")
pd.DataFrame({"school": school, "prior": prior, "dis": dis, "y": y}).to_csv("/tmp/national.csv", index=False)
r = subprocess.run(["Rscript", "-e", """
suppressPackageStartupMessages(library(lme4))
d <- read.csv('/tmp/national.csv'); d$school <- factor(d$school)
t <- system.time(f <- lmer(y ~ prior + dis + (1 | school), data = d, REML = TRUE))
vc <- as.data.frame(VarCorr(f))
cat(sprintf('lme4 lmer: %.3f s elapsed; beta=%s; s2u=%.6f; s2e=%.6f\\n', t[['elapsed']],
    paste(signif(fixef(f), 8), collapse=' '), vc$vcov[1], sigma(f)^2))
"""], capture_output=True, text=True)
print(r.stdout, r.stderr[-500:])
