# Monte Carlo check of Hedges (2007) effect sizes with unequal cluster sizes, written in R apart
# from gtanalytics (Hedges, L. V. (2007). Effect sizes in cluster-randomized designs. JEBS 32(4),
# 341-370).  A fixed design of 12 classes (6 per arm) of very unequal sizes, ICC 0.2, true total
# effect delta_T = 0.3 (so delta_W = 0.3 / sqrt(0.8)); 40,000 simulated trials.
#
# Regenerate (R 4.2 with metafor and lme4; not needed in CI):
#   cd tests/reference && Rscript hedges2007_unequal.R
# It writes hedges2007_unequal.csv (quantity, value): the design, the exact moments, the variances
# of d_T and d_W from the unequal-size formulas at the true effect, the same with every class given
# the average size (the method before issue 15 item 4), and the simulated variances and coverage.
source("hedges2007_formulas.R")
set.seed(20071204)
sizes <- c(3, 12, 40, 5, 25, 8, 60, 4, 30, 6, 15, 2); arm <- rep(c(1, 0), each = 6)
rho <- 0.2; delta <- 0.3; reps <- 40000
cl <- rep(seq_along(sizes), sizes); tr <- rep(arm, sizes)
N <- length(cl); M <- length(sizes); NT <- sum(tr); NC <- N - NT
m <- hedges_moments(cl, tr, rho)
Z <- outer(cl, seq_len(M), "==") * 1
y <- matrix(rnorm(reps * N, 0, sqrt(1 - rho)), reps, N) +
  matrix(rnorm(reps * M, 0, sqrt(rho)), reps, M)[, cl] + matrix(delta * tr, reps, N, byrow = TRUE)
D <- rowMeans(y[, tr == 1]) - rowMeans(y[, tr == 0])
ss_arm <- rowSums(y^2) - NT * rowMeans(y[, tr == 1])^2 - NC * rowMeans(y[, tr == 0])^2
ss_cl <- rowSums(y^2) - rowSums(sweep((y %*% Z)^2, 2, sizes, "/"))
s2T <- ss_arm / (N - 2); s2W <- ss_cl / (N - M)
dT <- D / sqrt(s2T) * sqrt(m$e_s2); dW <- D / sqrt(s2W)
vT <- m$var_D + dT^2 * m$v_s2 / (4 * m$e_s2); vW <- m$var_D / (1 - rho) + dW^2 / (2 * (N - M))
dW_true <- delta / sqrt(1 - rho)
# the previous method: every class given the average size nbar (mean over arms of (N_a^2 - sum n^2) / (N_a (M_a - 1)))
ntil <- function(s) (sum(s)^2 - sum(s^2)) / (sum(s) * (length(s) - 1))
nbar <- mean(c(ntil(sizes[arm == 1]), ntil(sizes[arm == 0])))
v_avg <- function(d) N / (NT * NC) * (1 + (nbar - 1) * rho) + d^2 * ((N - 2) * (1 - rho)^2 + nbar * (N - 2 * nbar) * rho^2 +
  2 * (N - 2 * nbar) * rho * (1 - rho)) / (2 * (N - 2) * ((N - 2) - 2 * (nbar - 1) * rho))
z <- qnorm(0.975)
out <- c(
  icc = rho, delta_total = delta, delta_within = dW_true, reps = reps, n = N, n_clusters = M,
  n_u = NC * sum(sizes[arm == 1]^2) / (NT * N) + NT * sum(sizes[arm == 0]^2) / (NC * N),
  exact_var_D = m$var_D, exact_e_s2 = m$e_s2, exact_var_s2 = m$v_s2,
  formula_variance_total = m$var_D + delta^2 * m$v_s2 / (4 * m$e_s2),
  formula_variance_within = m$var_D / (1 - rho) + dW_true^2 / (2 * (N - M)),
  average_size = nbar, average_size_variance_total = v_avg(delta),
  sim_var_D = var(D), sim_mean_s2_total = mean(s2T), sim_var_s2_total = var(s2T),
  sim_mean_d_total = mean(dT), sim_var_d_total = var(dT),
  sim_mean_d_within = mean(dW), sim_var_d_within = var(dW),
  sim_cover_total = mean(abs(dT - delta) <= z * sqrt(vT)),
  sim_cover_within = mean(abs(dW - dW_true) <= z * sqrt(vW)),
  sim_cover_total_average_size = mean(abs(dT - delta) <= z * sqrt(v_avg(dT))))
write.csv(data.frame(quantity = names(out), value = sprintf("%.15g", out)), "hedges2007_unequal.csv",
          row.names = FALSE, quote = FALSE)
print(out)
cat(sprintf("R %s\n", getRversion()))
