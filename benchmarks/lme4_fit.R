# Fit the benchmark's multilevel value-added model with lme4 (called by benchmarks/run.py).
#
#   Rscript benchmarks/lme4_fit.R DESIGN.csv RESULT.csv
#
# DESIGN.csv has columns y, g (group code) and x1..xk (fixed-effects design without the
# intercept, exactly the design gtanalytics fitted).  The model is
#   lmer(y ~ x1 + ... + xk + (1 | g), REML = TRUE)
# fitted twice: with lme4's default control (the timed fit: what a user gets) and with tight
# optimiser tolerances (for the agreement check, so that the difference measured is not the
# default optimiser's stopping rule).  Times are for the lmer() call only (reading the CSV and
# extracting results are timed separately).  RESULT.csv is long: fit, quantity, term, value.
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
t_read <- system.time(d <- read.csv(args[1]))[["elapsed"]]
d$g <- factor(d$g)
xs <- setdiff(names(d), c("y", "g"))
form <- as.formula(paste("y ~", paste(xs, collapse = " + "), "+ (1 | g)"))
tight <- lmerControl(optimizer = "nloptwrap", calc.derivs = FALSE,
                     optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, maxeval = 1e5),
                     check.conv.singular = "ignore")
out <- list()
add <- function(fit, quantity, term, value) {
  out[[length(out) + 1]] <<- data.frame(fit = fit, quantity = quantity, term = as.character(term),
                                         value = sprintf("%.17g", value))
}
for (which in c("default", "tight")) {
  ctrl <- if (which == "default") lmerControl() else tight
  gc()
  t_fit <- system.time(f <- lmer(form, data = d, REML = TRUE, control = ctrl))[["elapsed"]]
  t_extract <- system.time({
    fe <- fixef(f)
    vc <- as.data.frame(VarCorr(f))
    re <- ranef(f, condVar = TRUE)$g
  })[["elapsed"]]
  add(which, "seconds_fit", "", t_fit)
  add(which, "seconds_extract", "", t_extract)
  add(which, "beta", names(fe), fe)
  add(which, "sigma2_between", "", vc$vcov[vc$grp == "g"])
  add(which, "sigma2_within", "", sigma(f)^2)
  add(which, "blup", rownames(re), re[, 1])
  add(which, "blup_se", rownames(re), sqrt(attr(re, "postVar")[1, 1, ]))
}
add("read", "seconds_read_csv", "", t_read)
add("versions", paste("R", getRversion()), paste("lme4", packageVersion("lme4")), 0)
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
