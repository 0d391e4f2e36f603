"""The conditions the grader observes a call under are the grader's: NumPy's error state and the
warning filters.

A submission runs in the worker's process and may call np.seterr, np.errstate, np.seterrcall or
warnings.simplefilter at its top level or inside its functions. Before every observed call the
worker puts back the grader's state (`owned_call`). Inside the call the submission may still ask
for another error state: it gets the behaviour it asked for (ignore, warn, raise, call, print,
log), but NumPy reports every floating-point error to the grader first. Every way NumPy makes an
error state goes through `_make_extobj` (np.seterr, np.errstate, np.seterrcall, and the function
itself), and `install` replaces it where NumPy keeps it with `owned_extobj`, which always asks
NumPy to call `Recorder`. A recorder tells the grader at once, on a message of its own down the
private pipe (`report`), so nothing the submission does afterwards (clearing a list, editing the
worker's frames, filtering warnings) takes the observation back.

NumPy's own default error state (used in a fresh contextvars.Context or a new thread) is made to
report too (`own_the_default`).

Not covered: code that digs the original `_make_extobj` or the reporter out of these wrappers
(their globals) and uses or replaces it. So what rests on these observations is worth little
(stage 2: 2 points).
"""

from __future__ import annotations

import contextvars
import ctypes
import sys
import warnings
from collections.abc import Callable
from typing import Any

# NumPy's initial state, which the grader's own is: warn on everything but underflow.
GRADER_STATE = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}
KINDS = ("divide", "over", "under", "invalid")
NAMES = {"divide": "divide by zero", "over": "overflow", "under": "underflow",
         "invalid": "invalid value"}

_real_make_extobj: Callable[..., Any] | None = None
_contextvar: Any = None
_get_dict: Callable[[], dict] | None = None
_report: Callable[[str], None] | None = None  # sends an observation to the grader
_seen: set[str] = set()  # kinds already sent during the current call (one message each)


class Recorder:
    """The error callback NumPy always has: reports to the grader, then does what was asked."""

    __slots__ = ("requested",)

    def __init__(self, requested: dict) -> None:
        self.requested = requested

    def __call__(self, kind: str, flag: int) -> None:
        kind = {"divide by zero": "divide", "overflow": "over", "underflow": "under",
                "invalid value": "invalid"}.get(kind, kind)
        if kind not in _seen and _report is not None:  # no switch to turn off: always sent
            _seen.add(kind)
            _report(kind)
        mode, call = self.requested.get(kind, "ignore"), self.requested.get("call")
        text = f"{NAMES.get(kind, kind)} encountered"
        if mode == "warn":
            warnings.warn(text, RuntimeWarning, stacklevel=2)
        elif mode == "raise":
            raise FloatingPointError(text)
        elif mode == "call" and callable(call):
            call(text, flag)
        elif mode == "log" and hasattr(call, "write"):
            call.write(f"Warning: {text}\n")
        elif mode == "print":
            print(f"Warning: {text}", file=sys.stderr)


def owned_extobj(*args: Any, **kwargs: Any) -> Any:
    """NumPy's `_make_extobj`, except that every error calls a Recorder, which reports it to
    the grader before doing what `kwargs` asked for."""
    assert _real_make_extobj is not None and _contextvar is not None and _get_dict is not None
    asked = _real_make_extobj(*args, **kwargs)
    requested = contextvars.copy_context().run(_requested, asked)
    inner = requested.get("call")
    if isinstance(inner, Recorder):  # a state made from one already owned
        requested = {**inner.requested, **{k: v for k, v in requested.items() if k in KINDS
                                           and v != "call"}}
    under = "ignore" if requested.get("under") == "ignore" else "call"  # frequent, harmless
    return _real_make_extobj(all="call", under=under, call=Recorder(requested),
                             bufsize=requested.get("bufsize", 8192))


def _requested(extobj: Any) -> dict:
    _contextvar.set(extobj)
    return _get_dict()


def install() -> None:
    """Before any submitted code runs: NumPy's error states are made by `owned_extobj`."""
    global _real_make_extobj, _contextvar, _get_dict
    from numpy._core import _multiarray_umath, _ufunc_config, umath

    _real_make_extobj = _multiarray_umath._make_extobj
    _contextvar, _get_dict = _multiarray_umath._extobj_contextvar, _ufunc_config._get_extobj_dict
    for module in (_multiarray_umath, umath, _ufunc_config):
        module._make_extobj = owned_extobj
    _contextvar.set(owned_extobj(**GRADER_STATE))  # what top-level code finds there is owned too
    own_the_default()


class _Extobj(ctypes.Structure):
    """NumPy's error state inside its capsule (numpy/_core/src/umath/extobj.h)."""

    _fields_ = [("errmask", ctypes.c_int), ("bufsize", ctypes.c_ssize_t),
                ("pyfunc", ctypes.c_void_p)]


DEFAULT_ERRMASK = 1 | 1 << 3 | 0 << 6 | 1 << 9  # warn on divide, over, invalid; ignore under
OWNED_ERRMASK = 3 | 3 << 3 | 0 << 6 | 3 << 9  # the same, but NumPy calls the recorder
_default_recorder = Recorder(dict(GRADER_STATE))


def own_the_default() -> bool:
    """The error state NumPy uses where none was set (a fresh contextvars.Context, a new
    thread) is one object, made when NumPy was imported: make it call a Recorder too (it then
    warns, as NumPy's default does). Its layout is checked first; anything unexpected leaves
    it alone. Whether it is owned now."""
    try:
        default = contextvars.Context().run(_contextvar.get)
        api = ctypes.pythonapi
        api.PyCapsule_GetName.restype, api.PyCapsule_GetName.argtypes = \
            ctypes.c_char_p, [ctypes.py_object]
        api.PyCapsule_GetPointer.restype, api.PyCapsule_GetPointer.argtypes = \
            ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
        name = api.PyCapsule_GetName(default)
        if name != b"numpy.ufunc.extobj":
            return False
        state = _Extobj.from_address(api.PyCapsule_GetPointer(default, name))
        if (state.errmask, state.bufsize, state.pyfunc) != (DEFAULT_ERRMASK, 8192, id(None)):
            return False
        api.Py_IncRef(ctypes.py_object(_default_recorder))  # held by NumPy from now on
        state.pyfunc = id(_default_recorder)
        state.errmask = OWNED_ERRMASK
        return True
    except (AttributeError, OSError, TypeError, ValueError):
        return False


def set_reporter(report: Callable[[str], None]) -> None:
    global _report
    _report = report


def owned_call(function: Callable[..., Any], args: list, kwargs: dict) -> tuple[Any, list]:
    """`function(*args, **kwargs)` under the grader's error state and warning filters, in a
    context of its own (what it changes there does not outlive the call). Returns its value and
    the warnings it raised that reached the grader's filters."""
    def run() -> tuple[Any, list]:
        if _real_make_extobj is not None:
            _contextvar.set(owned_extobj(**GRADER_STATE))
        with warnings.catch_warnings(record=True) as caught:
            warnings.resetwarnings()
            warnings.simplefilter("always")
            _seen.clear()
            value = function(*args, **kwargs)
        return value, caught

    return contextvars.copy_context().run(run)
