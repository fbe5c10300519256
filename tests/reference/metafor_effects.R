# Independent reference values for tests/test_effects.py.
#
# Regenerate (R 4.2 with metafor and lme4; not needed in CI):
#   cd tests/reference && Rscript metafor_effects.R
# It writes metafor_data.csv (the simulated pupils) and metafor_expected.csv
# (one row per quantity: dataset, quantity, value), which the tests compare to.
suppressPackageStartupMessages({library(metafor); library(lme4)})
source("hedges2007_formulas.R")
set.seed(20240401)

rows <- list()
add <- function(dataset, quantity, value) rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, quantity = quantity, value = value)

# --- two independent groups, post-test only: metafor escalc(measure = "SMD") (Hedges' g, LS variance)
two <- list(small = c(8, 7), medium = c(30, 25), unbalanced = c(12, 40))
dat <- list()
for (nm in names(two)) {
  n <- two[[nm]]
  yt <- round(rnorm(n[1], 104, 14), 1); yc <- round(rnorm(n[2], 99, 15), 1)
  dat[[length(dat) + 1]] <- data.frame(dataset = nm, arm = c(rep("T", n[1]), rep("C", n[2])), post = c(yt, yc), pre = NA, cluster = NA)
  es <- escalc(measure = "SMD", m1i = mean(yt), sd1i = sd(yt), n1i = n[1], m2i = mean(yc), sd2i = sd(yc), n2i = n[2])
  ci <- summary(es)
  add(nm, "g", es$yi); add(nm, "variance", es$vi); add(nm, "ci_low", ci$ci.lb); add(nm, "ci_high", ci$ci.ub)
  # metafor 3.8 applies the exact gamma-function correction J(m) = gamma(m/2) / (sqrt(m/2) gamma((m-1)/2));
  # record it so the tests can recover metafor's uncorrected d = g / J exactly
  add(nm, "j_exact", metafor:::.cmicalc(sum(n) - 2))
}

# --- paired pre -> post: metafor escalc(measure = "SMCR") (standardised by the pre-test SD)
#     (metafor 3.8: vi = 2 (1 - r) / n + yi^2 / (2 n))
n <- 14
pre <- round(rnorm(n, 85, 8), 1); post <- round(pre + rnorm(n, 5, 6), 1)
dat[[length(dat) + 1]] <- data.frame(dataset = "paired", arm = "T", post = post, pre = pre, cluster = NA)
es <- escalc(measure = "SMCR", m1i = mean(post), m2i = mean(pre), sd1i = sd(pre), ni = n, ri = cor(pre, post))
ci <- summary(es)
add("paired", "j_exact", metafor:::.cmicalc(n - 1)); add("paired", "es", es$yi); add("paired", "variance", es$vi); add("paired", "ci_low", ci$ci.lb); add("paired", "ci_high", ci$ci.ub)

# --- cluster design: 14 classes (7 treated), unequal sizes, random intercepts; lme4 REML and
#     Hedges (2007) d_W, d_T and their variances for unequal cluster sizes (hedges2007_formulas.R).
m <- 14; sizes <- sample(8:16, m, replace = TRUE); arm <- rep(c(1, 0), each = m / 2)
u <- rnorm(m, 0, 4)
cl <- rep(seq_len(m), sizes); tr <- rep(arm, sizes)
pre <- rnorm(sum(sizes), 100, 12) + u[cl]
y <- 20 + 0.8 * pre + 4 * tr + u[cl] + rnorm(sum(sizes), 0, 9)
y <- round(y, 2); pre <- round(pre, 2)
dat[[length(dat) + 1]] <- data.frame(dataset = "cluster", arm = ifelse(tr == 1, "T", "C"), post = y, pre = pre, cluster = paste0("K", cl))
f0 <- lmer(y ~ 1 + (1 | cl), REML = TRUE)
v0 <- as.data.frame(VarCorr(f0)); s2b <- v0$vcov[1]; s2w <- v0$vcov[2]; rho <- s2b / (s2b + s2w)
f1 <- lmer(y ~ tr + (1 | cl), REML = TRUE)
f2 <- lmer(y ~ tr + pre + (1 | cl), REML = TRUE)
add("cluster", "icc", rho); add("cluster", "sd_total_uncond", sqrt(s2b + s2w))
add("cluster", "beta_tr", fixef(f1)[["tr"]]); add("cluster", "se_tr", sqrt(vcov(f1)[2, 2]))
add("cluster", "beta_tr_pre", fixef(f2)[["tr"]]); add("cluster", "se_tr_pre", sqrt(vcov(f2)[2, 2]))
# Hedges (2007) with every cluster keeping its own size (hedges2007_formulas.R), at the ICC of the
# unconditional model
h <- hedges_unequal(y, cl, tr, rho)
for (q in names(h)) add("cluster", q, h[[q]])

write.csv(do.call(rbind, dat), "metafor_data.csv", row.names = FALSE)
out <- do.call(rbind, rows)
out$value <- sprintf("%.12g", out$value)
write.csv(out, "metafor_expected.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("R %s, metafor %s, lme4 %s\n", getRversion(), packageVersion("metafor"), packageVersion("lme4")))
