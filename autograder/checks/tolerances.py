"""How close is right, and how to print two numbers so that they differ.

Each tolerance sits between two measured groups (benchmarks/tolerances.py measures the first on
the checks' own inputs):

* correct variants: float64 code in another order differs by ~1e-15 relative; the stabilised log
  `log(a + eps)` by 4.1e-7 for eps = 1e-7 (4.1e-12 for eps = 1e-12), `clip(a, eps, 1 - eps)` by
  2e-16 (the checks' activations lie in [0.05, 0.95], so the clip never bites); float32 code by
  1.2e-7 (neuron_cost, cross_entropy, forward), 1.9e-7 (three descent steps), 7.9e-7
  (neuron_gradient), 5.6e-6 (the tanh sigmoid near 0.0025, where 0.5 + 0.5 tanh cancels);
* mistakes: the catalogued ones (tests/kit/catalogue/mistakes.py) are off by a factor (m, 2, 1/2,
  -1, 1/k), a missing term or a wrong formula: 1e-2 relative or more.

COST_RTOL = 1e-5 for single numbers (costs, descent results) leaves a margin of 24 over the worst
correct variant (eps = 1e-7) and of 1000 under the nearest mistake. Arrays keep the strict
defaults of `expect_close` (1e-7) when they come back in float64; a float32 array is compared at
float32's precision (`precision_for`), and when it still does not match, the message names the
dtype. float16 (3 significant digits) is too coarse for any check and is named, not widened.
"""

from __future__ import annotations

from typing import Any

import numpy as np

COST_RTOL = 1e-5
GRADIENT_RTOL = 1e-5  # neuron_gradient against central differences (exact up to ~1e-9)
# float32 carries 24 bits (eps 1.2e-7): 100 eps relative, plus 10 eps of the largest value
# for entries near zero or computed with cancellation (the sigmoid's tails).
FLOAT32_RTOL_EPS, FLOAT32_ATOL_EPS = 100, 10


def precision_for(got: Any, expected: np.ndarray, rtol: float,
                  atol: float) -> tuple[float, float]:
    """(rtol, atol) for comparing `got` with `expected`: float32 arrays at float32's precision."""
    if getattr(got, "dtype", None) != np.float32:
        return rtol, atol
    eps = float(np.finfo(np.float32).eps)
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return max(rtol, FLOAT32_RTOL_EPS * eps), max(atol, FLOAT32_ATOL_EPS * eps * scale)


def dtype_note(got: Any) -> str:
    """A sentence naming a low-precision dtype, for the message of a failed comparison."""
    dtype = getattr(got, "dtype", None)
    if dtype is None or dtype.kind != "f" or dtype.itemsize >= 8:
        return ""
    digits = int(np.finfo(dtype).precision)
    return (f" Your result is {dtype} (about {digits} significant digits), "
            "which is not precise enough here: compute in float64, NumPy's default.")


def pair(expected: float, got: float, digits: int = 6) -> tuple[str, str]:
    """Both numbers with the fewest significant digits (at least `digits`) that tell them
    apart, so a message never says 'expected 0.5, got 0.5'."""
    for precision in range(digits, 18):
        shown = (f"{expected:.{precision}g}", f"{got:.{precision}g}")
        if shown[0] != shown[1] or expected == got:
            return shown
    return repr(float(expected)), repr(float(got))
