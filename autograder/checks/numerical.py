"""Central differences of any cost function: how a gradient is checked without knowing it.

Generic (nothing here knows what the cost computes), so it ships to students: the notebook
checks the student's backward against numerical gradients of the student's own cost.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Central differences in float64: truncation error ~eps**2 = 1e-10, round-off ~1e-16/eps = 1e-11,
# so a correct analytic gradient agrees to about 1e-8 relative; real mistakes differ by >1e-2.
EPSILON = 1e-5


def numerical_gradient(cost: Callable[[], float], array: np.ndarray,
                       indices: list[tuple[int, ...]] | None = None) -> np.ndarray:
    """Central differences of cost() with respect to `array`, which is perturbed in place and
    restored. With `indices`, only those entries are computed (the rest stay NaN)."""
    gradient = np.full(array.shape, np.nan)
    for index in indices if indices is not None else list(np.ndindex(array.shape)):
        saved = array[index]
        array[index] = saved + EPSILON
        plus = cost()
        array[index] = saved - EPSILON
        minus = cost()
        array[index] = saved
        gradient[index] = (plus - minus) / (2 * EPSILON)
    return gradient
