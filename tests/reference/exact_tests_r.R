# Reference values for tests/test_engagement.py and tests/test_attendance.py, produced with base R
# (R 4.2, stats::fisher.test and stats::poisson.test).
# Regenerate from the repository root with:  Rscript tests/reference/exact_tests_r.R
# It writes tests/reference/exact_tests_r.csv.
fisher_cases <- list(c(2, 9, 8, 3), c(0, 6, 5, 5), c(12, 40, 30, 35), c(1, 4, 1, 4), c(3, 17, 11, 14))
rows <- list()
for (x in fisher_cases) {
  # x = takers_focus, non_takers_focus, takers_other, non_takers_other
  ft <- fisher.test(matrix(x, nrow = 2, byrow = TRUE))
  rows[[length(rows) + 1]] <- data.frame(kind = "fisher", a = x[1], b = x[2], c = x[3], d = x[4],
                                         value = ft$p.value, low = NA, high = NA)
}
poisson_cases <- list(c(0, 120), c(1, 120), c(7, 340), c(55, 800), c(3, 57))
for (x in poisson_cases) {
  pt <- poisson.test(x[1], T = x[2], conf.level = 0.95)
  rows[[length(rows) + 1]] <- data.frame(kind = "poisson", a = x[1], b = x[2], c = NA, d = NA,
                                         value = unname(pt$estimate), low = pt$conf.int[1], high = pt$conf.int[2])
}
out <- do.call(rbind, rows)
write.csv(out, "tests/reference/exact_tests_r.csv", row.names = FALSE)
print(out, digits = 15)
