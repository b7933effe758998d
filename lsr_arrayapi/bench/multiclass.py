"""Multi-class classification: shared factors against one-vs-rest, and against LogisticRegression.

``python -m lsr_arrayapi.bench multiclass`` compares, on held-out data,
:class:`~lsr_arrayapi.LSRClassifier` for C >= 3 classes (the multinomial
family: C - 1 log-odds tensors sharing their factor matrices), the simple
baseline of independent LSR tensors per class (scikit-learn's
``OneVsRestClassifier`` around the binary classifier) and scikit-learn's
``LogisticRegression`` on the flattened samples: accuracy and seconds, on a
synthetic multi-class LSR problem and on scikit-learn's 10-class digits
(8 x 8).  For the synthetic problem it also prints the multinomial fit's
error against the truth, next to a fit started at the truth.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier

from lsr_arrayapi import LSRClassifier, fit_lsr
from lsr_arrayapi._argtypes import int_at_least
from lsr_arrayapi.data.datasets import make_multiclass_problem
from lsr_arrayapi.metrics import nee

#: the synthetic problem: C = 4 classes, shape (6, 7, 8), ranks 2, S = 1, log-odds scale 2
SYNTHETIC: dict[str, Any] = {"n_classes": 4, "sample_shape": (6, 7, 8), "ranks": (2, 2, 2),
                             "scale": 2.0}  # fmt: skip


def _timed(model: Any, X: Any, y: Any, X_test: Any, y_test: Any) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        began = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - began
    return float(model.score(X_test, y_test)), seconds


def _row(
    name: str, model: Any, X: Any, y: Any, X_test: Any, y_test: Any, flat: bool = False
) -> str:
    if flat:
        X, X_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)
    accuracy, seconds = _timed(model, X, y, X_test, y_test)
    return f"| {name} | {accuracy:.3f} | {seconds:.2f} |"


def synthetic(n: int, seed: int) -> list[str]:
    """Rows for the synthetic problem (training n, 2000 test samples)."""
    p = make_multiclass_problem(n + 2000, random_state=seed, **SYNTHETIC)
    X, y = np.asarray(p.X), np.asarray(p.y).astype(int)
    X_train, X_test, y_train, y_test = X[:n], X[n:], y[:n], y[n:]
    options: dict[str, Any] = {"ranks": 2, "random_state": 0}
    rows = [
        _row("LSRClassifier (shared factors)", LSRClassifier(**options), X_train, y_train, X_test, y_test),
        _row("one-vs-rest LSRClassifier", OneVsRestClassifier(LSRClassifier(**options)), X_train, y_train, X_test, y_test),
        _row("LogisticRegression", LogisticRegression(max_iter=5000), X_train, y_train, X_test, y_test, flat=True),
    ]  # fmt: skip
    coef = np.asarray(p.coef)
    logits = np.concatenate([np.zeros((len(y_test), 1)), X_test.reshape(len(y_test), -1) @ coef.reshape(len(coef), -1).T], axis=1)  # fmt: skip
    rows.append(f"| the Bayes rule (the true coefficients) | {np.mean(np.argmax(logits, 1) == y_test):.3f} | |")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cold = fit_lsr(X_train, y_train, ranks=2, family="multinomial", fit_intercept=True,
                       random_state=0)  # fmt: skip
        truth = {"core": p.core, "factors": p.factors}
        warm = fit_lsr(X_train, y_train, ranks=2, family="multinomial", fit_intercept=True,
                       init=truth, tol=1e-10, max_iter=2000)  # fmt: skip
    rows.append(f"| NEE of the multinomial fit / truth-started | {nee(cold.coef, coef):.4f} "
                f"/ {nee(warm.coef, coef):.4f} | |")  # fmt: skip
    return rows


def digits() -> list[str]:
    """Rows for scikit-learn's digits (30 % held out, stratified)."""
    data = load_digits()
    X, y = data.images / 16.0, data.target
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                        stratify=y)  # fmt: skip
    alpha = 1.0 / len(y_train)  # LogisticRegression's default penalty, C = 1
    rows = []
    for ranks in (3, 5):
        model = LSRClassifier(ranks=ranks, alpha=alpha, max_iter=2000, random_state=0)
        rows.append(_row(f"LSRClassifier (shared factors), ranks {ranks}", model, X_train, y_train, X_test, y_test))  # fmt: skip
    for ranks in (2, 3):
        model = OneVsRestClassifier(LSRClassifier(ranks=ranks, alpha=alpha, random_state=0))
        rows.append(_row(f"one-vs-rest LSRClassifier, ranks {ranks}", model, X_train, y_train, X_test, y_test))  # fmt: skip
    rows.append(_row("LogisticRegression", LogisticRegression(max_iter=5000), X_train, y_train, X_test, y_test, flat=True))  # fmt: skip
    return rows


def run(args: Any) -> int:
    header = ["| model | held-out accuracy | fit s |", "|---|---|---|"]
    print(f"Synthetic: C = 4, shape (6, 7, 8), ranks 2, S = 1, n = {args.n} (2000 held out)\n")
    print("\n".join(header + synthetic(args.n, seed=0)))
    print("\nDigits: 10 classes, 8 x 8, 1257 training and 540 held-out images\n")
    print("\n".join(header + digits()))
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("multiclass", help=__doc__.splitlines()[0])
    minimum = 10 * SYNTHETIC["n_classes"]  # every class in the training set
    parser.add_argument(
        "--n",
        type=int_at_least(minimum),
        default=2000,
        help=f"training samples of the synthetic problem, at least {minimum} (default: 2000)",
    )
    parser.set_defaults(run=run)
