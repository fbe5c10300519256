# Sourced by metafor_effects.R and hedges2007_unequal.R.
# Hedges (2007, JEBS 32(4), 341-370) with every cluster keeping its own size. Written here from the
# definitions, not from gtanalytics: with Sigma = sigma^2 ((1 - rho) I + rho [same cluster]),
#   Var(D) = w' Sigma w (w = 1/N_T for treated pupils, -1/N_C for comparison pupils),
#   E[S_T^2] = tr(P Sigma) / (N - 2), Var(S_T^2) = 2 tr(P Sigma P Sigma) / (N - 2)^2 (P: centring within arms),
# so d_T = D / S_T * sqrt(E[S_T^2] / sigma^2) and Var(d_T) = Var(D) / sigma^2 + d_T^2 Var(S_T^2) / (4 E[S_T^2]);
# n_U = N_C sum(n_T^2) / (N_T N) + N_T sum(n_C^2) / (N_C N) gives Var(D) = sigma^2 N / (N_T N_C) (1 + (n_U - 1) rho).
hedges_moments <- function(cl, tr, rho) {
  N <- length(cl); NT <- sum(tr == 1); NC <- sum(tr == 0)
  S <- (1 - rho) * diag(N) + rho * outer(cl, cl, "==")
  w <- ifelse(tr == 1, 1 / NT, -1 / NC)
  P <- matrix(0, N, N)
  for (a in c(1, 0)) { i <- which(tr == a); P[i, i] <- diag(length(i)) - 1 / length(i) }
  PS <- P %*% S
  list(var_D = drop(t(w) %*% S %*% w), e_s2 = sum(diag(PS)) / (N - 2), v_s2 = 2 * sum(PS * t(PS)) / (N - 2)^2)
}
hedges_unequal <- function(y, cl, tr, rho) {
  N <- length(y); NT <- sum(tr == 1); NC <- sum(tr == 0); M <- length(unique(cl))
  D <- mean(y[tr == 1]) - mean(y[tr == 0])
  ST <- sqrt(((NT - 1) * var(y[tr == 1]) + (NC - 1) * var(y[tr == 0])) / (N - 2))
  SW <- sqrt(sum((y - ave(y, cl))^2) / (N - M))
  sz <- table(cl); arm <- tapply(tr, cl, unique)[names(sz)]
  nU <- NC * sum(sz[arm == 1]^2) / (NT * N) + NT * sum(sz[arm == 0]^2) / (NC * N)
  m <- hedges_moments(cl, tr, rho)
  stopifnot(abs(m$var_D - N / (NT * NC) * (1 + (nU - 1) * rho)) < 1e-12)
  dW <- D / SW; dT <- D / ST * sqrt(m$e_s2)
  c(n_u = nU, d_within = dW, variance_within = m$var_D / (1 - rho) + dW^2 / (2 * (N - M)),
    d_total = dT, variance_total = m$var_D + dT^2 * m$v_s2 / (4 * m$e_s2))
}
