"""The overflowing textbook sigmoid that, inside the call, asks NumPy for every error state that
would hide the overflow from the grader: np.errstate(all="ignore") and a filter ignoring every
warning, its own error callback, errors raised and caught (then recomputed with a stable form),
NumPy's private constructor of error states, the error state its top-level code found, and
NumPy's own default (in a fresh contextvars.Context and in a thread of its own). Each still
reports the overflow to the grader."""

import warnings

import numpy as np

# --- cheat ---
from numpy._core import _multiarray_umath as _umath  # noqa: E402

_STATE_AT_LOAD = _umath._extobj_contextvar.get()  # the error state found at the top level
# --- end cheat ---


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    # --- cheat ---
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quiet = 1.0 / (1.0 + np.exp(-z))
    with np.errstate(all="call", call=lambda kind, flag: None):
        quiet = 1.0 / (1.0 + np.exp(-z))
    np.seterr(all="raise")
    try:
        quiet = 1.0 / (1.0 + np.exp(-z))
    except FloatingPointError:
        quiet = 0.5 + 0.5 * np.tanh(0.5 * z)
    from numpy._core import _multiarray_umath as umath

    token = umath._extobj_contextvar.set(umath._make_extobj(all="ignore"))
    try:
        quiet = 1.0 / (1.0 + np.exp(-z))
    finally:
        umath._extobj_contextvar.reset(token)
    import contextvars
    import threading

    def in_numpys_default_state():  # nothing set here: NumPy's own default applies
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return 1.0 / (1.0 + np.exp(-z))

    quiet = contextvars.Context().run(in_numpys_default_state)
    results = []
    thread = threading.Thread(target=lambda: results.append(in_numpys_default_state()))
    thread.start()
    thread.join()
    token = umath._extobj_contextvar.set(_STATE_AT_LOAD)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quiet = 1.0 / (1.0 + np.exp(-z))
    finally:
        umath._extobj_contextvar.reset(token)
    return quiet
    # --- end cheat ---
    return 1.0 / (1.0 + np.exp(-z))
