"""Evaluation metrics for binary predictions, numpy only."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from curriculum.mastery.errors import MasteryError


def _check(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape or y.size == 0:
        raise MasteryError(f"labels and predictions must be equal-length and non-empty ({y.size} vs {p.size})")
    if not np.all(np.isfinite(p)):
        raise MasteryError("predictions contain NaN or infinity")
    return y, p


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney form, ties count one half). Needs both classes in ``y`` (0/1)."""
    y, p = _check(y, p)
    pos = y > 0.5
    n_pos = int(pos.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise MasteryError("AUC needs at least one positive and one negative label")
    ranks = rankdata(p)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def rmse(y: np.ndarray, p: np.ndarray) -> float:
    """Root mean squared error between 0/1 labels and probabilities."""
    y, p = _check(y, p)
    return float(np.sqrt(np.mean((y - p) ** 2)))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Mean negative log-likelihood (natural log), probabilities clipped to [1e-12, 1 - 1e-12]."""
    y, p = _check(y, p)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
