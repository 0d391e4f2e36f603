"""Two promises of `train` that its calls to forward/backward/update cannot show: it leaves the
caller's X and Y as they were (shuffling them in place would reorder the grader's data, and a
student's own data in the notebook), and the same seed gives the same training. Only the worker
sees X and Y after the call, so the first is worth no points (stage 5's train_keeps_inputs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.compare import as_array
from autograder.checks.context import Grading
from autograder.checks.stage import CheckFailed


def where_trained(settings: tuple[Any, ...]) -> str:
    return "train(X, Y, layer_sizes={}, epochs={}, batch_size={}, learning_rate={}, seed=3)" \
        .format(*settings)


def check_inputs_kept(ctx: Grading, X: np.ndarray, Y: np.ndarray,
                      settings: tuple[Any, ...]) -> None:
    """X and Y after the call as the worker reports them: its word only (worth no points)."""
    where = where_trained(settings)
    first = ctx.call("train", X, Y, *settings, seed=3, return_args=True)
    changed = [name for name, before, after in (("X", X, first.args_after[0]),
                                                 ("Y", Y, first.args_after[1]))
               if not np.array_equal(as_array(after, f"{name} after {where}", finite=False),
                                     before)]
    if changed:
        both = " and ".join(changed)
        raise CheckFailed(
            f"{where}: train shuffled the caller's {both} in place ({both} after the call "
            f"{'differ' if len(changed) > 1 else 'differs'} from before). Leave them as they "
            "are: shuffle an index instead, order = rng.permutation(m), and take the minibatch "
            "X[order[start:start + batch_size]], which is a new array.")


def check_seeded(ctx: Grading, X: np.ndarray, Y: np.ndarray,
                 settings: tuple[Any, ...]) -> None:
    where = where_trained(settings)
    first = ctx.call("train", X, Y, *settings, seed=3).value
    second = ctx.call("train", X, Y, *settings, seed=3).value
    if not same_params(first, second):
        raise CheckFailed(
            f"Calling {where} twice: the same seed gave a different training (different "
            "parameters). Make every random choice come from the seed: rng = "
            "np.random.default_rng(seed), then rng.permutation(m), not np.random.permutation "
            "(which uses NumPy's global, unseeded generator).")


def same_params(first: Any, second: Any) -> bool:
    """Whether two results of train hold equal parameters (odd results are judged later)."""
    try:
        a, b = first[0], second[0]
        return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    except (TypeError, KeyError, IndexError, AttributeError):
        return True
