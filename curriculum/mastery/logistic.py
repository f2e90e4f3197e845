"""L2-regularised logistic regression with soft labels (scipy L-BFGS on a sparse design matrix)."""

from __future__ import annotations

import numpy as np
from scipy import optimize, sparse

from curriculum.mastery.errors import FitError


def fit_logistic(
    X: sparse.csr_matrix | np.ndarray,
    y: np.ndarray,
    l2: np.ndarray,
    *,
    max_iter: int = 500,
) -> np.ndarray:
    """Minimise ``sum_i logloss(y_i, sigmoid(X_i . w)) + 0.5 * sum_j l2_j w_j^2``.

    Args:
        X: design matrix, shape ``(N, D)`` (include a column of ones for an intercept).
        y: targets in [0, 1], shape ``(N,)`` (soft labels allowed).
        l2: per-coefficient penalty, shape ``(D,)`` (0 = unpenalised).
        max_iter: L-BFGS iterations at most.

    Returns:
        Coefficients ``w``, shape ``(D,)``.
    """
    X = sparse.csr_matrix(X)
    y = np.asarray(y, dtype=float)
    l2 = np.asarray(l2, dtype=float)
    n, d = X.shape
    if n == 0 or y.shape != (n,) or l2.shape != (d,):
        raise FitError(f"logistic fit: bad shapes X={X.shape}, y={y.shape}, l2={l2.shape}")
    if np.any((y < 0) | (y > 1)):
        raise FitError("logistic fit: targets must lie in [0, 1]")
    Xt = X.T.tocsr()

    def fg(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = X @ w
        # logloss = log(1 + e^z) - y z, computed stably
        loss = float(np.sum(np.logaddexp(0.0, z) - y * z)) + 0.5 * float(np.sum(l2 * w * w))
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        grad = Xt @ (p - y) + l2 * w
        return loss, grad

    res = optimize.minimize(fg, np.zeros(d), jac=True, method="L-BFGS-B",
                            options={"maxiter": max_iter, "gtol": 1e-6})
    if not np.all(np.isfinite(res.x)):
        raise FitError("logistic fit diverged")
    return np.asarray(res.x)
