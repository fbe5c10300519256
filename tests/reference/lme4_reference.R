# Reference fits for tests/test_multilevel.py, made with R's lme4.
#
# Regenerate (from the repository root, with R, lme4 and mlmRev installed):
#   .venv/bin/python tests/reference/synthetic_multilevel.py   # writes ml_*.csv
#   Rscript tests/reference/lme4_reference.R                     # writes lme4_reference.csv
#
# Datasets:
#   exam        mlmRev::Exam (4,059 pupils, 65 London schools), normexam ~ standLRT + (1 | school).
#               mlmRev is GPL (>= 2) and this project is MIT, so the data are NOT committed; the test
#               dumps them live with Rscript when R and mlmRev are available and skips otherwise.
#   schools     synthetic, y ~ prior + disadvantaged + (1 | school), 60 schools of 4-150 pupils
#   singletons  synthetic, 40 groups of size one among 65 groups
#   zero_icc    synthetic, no between-group variance in the generating model
#   boundary    synthetic, estimated between-group variance exactly 0 (singular fit)
# Each is fitted by REML and by ML.  Output: long CSV with dataset, method, quantity, term, value.
suppressPackageStartupMessages({library(lme4); library(mlmRev)})
here <- "tests/reference"
ctrl <- lmerControl(optimizer = "nloptwrap",
                    optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, maxeval = 1e5),
                    check.conv.singular = "ignore")
out <- list()
add <- function(ds, meth, quantity, term, value) {
  out[[length(out) + 1]] <<- data.frame(dataset = ds, method = meth, quantity = quantity,
                                         term = as.character(term), value = sprintf("%.17g", value))
}
fit_one <- function(ds, formula, data, reml) {
  meth <- if (reml) "REML" else "ML"
  f <- lmer(formula, data = data, REML = reml, control = ctrl)
  fe <- fixef(f)
  add(ds, meth, "beta", names(fe), fe)
  add(ds, meth, "beta_se", names(fe), sqrt(diag(as.matrix(vcov(f)))))
  vc <- as.data.frame(VarCorr(f))
  add(ds, meth, "sigma2_between", "", vc$vcov[vc$grp == "school"])
  add(ds, meth, "sigma2_within", "", sigma(f)^2)
  add(ds, meth, "loglik", "", as.numeric(logLik(f)))
  re <- ranef(f, condVar = TRUE)$school
  add(ds, meth, "blup", rownames(re), re[, 1])
  add(ds, meth, "blup_se", rownames(re), sqrt(attr(re, "postVar")[1, 1, ]))
  add(ds, meth, "singular", "", as.numeric(isSingular(f)))
}
data(Exam, package = "mlmRev")
for (reml in c(TRUE, FALSE)) fit_one("exam", normexam ~ standLRT + (1 | school), Exam, reml)
for (ds in c("schools", "singletons", "zero_icc", "boundary")) {
  d <- read.csv(file.path(here, paste0("ml_", ds, ".csv")))
  d$school <- factor(d$school)
  for (reml in c(TRUE, FALSE)) fit_one(ds, y ~ prior + disadvantaged + (1 | school), d, reml)
}
res <- do.call(rbind, out)
con <- file(file.path(here, "lme4_reference.csv"), "w")
writeLines(c(sprintf("# made by tests/reference/lme4_reference.R with R %s, lme4 %s, mlmRev %s",
                     getRversion(), packageVersion("lme4"), packageVersion("mlmRev"))), con)
write.csv(res, con, row.names = FALSE)
close(con)
