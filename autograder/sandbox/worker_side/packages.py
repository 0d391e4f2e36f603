"""Which packages submitted code may import while it is graded: NumPy, the standard library, the
kit's student helpers, the notebook's display libraries (their calls are experiments, skipped at
grading), and the packages the instructor's course settings allow (`allowed_packages`).

Only imports the submission's own code executes are judged: NumPy, the kit and every installed
library import what they need as usual (matplotlib its fonts, an allowed package its own
dependencies). The judge is the nearest frame on the stack that is not the standard library's or
importlib's: the code of an installed module (a file in site-packages or the kit, run as that
module) may import; anything else (the submission's cells or file, code it compiled itself) may
not. Two hooks say
so: a finder first on sys.meta_path (any route to a package not yet imported) and a wrapper of
`builtins.__import__` (an `import` statement, also of a module already imported by an allowed
package). Both raise ImportError naming the import and what the course allows.

Not a fence: code that removes both hooks first could still import a package that is installed.
What it gains is limited by the checks (stage 6 proves the training separately).
"""

from __future__ import annotations

import builtins
import importlib.abc
import os
import sys
import sysconfig
from typing import Any

ALWAYS = ("numpy", "autograder")
# The notebook's plots and progress bars: calls to them are skipped at grading as experiments.
DISPLAY = ("matplotlib", "mpl_toolkits", "tqdm", "IPython", "ipywidgets")
_SITE = ("site-packages", "dist-packages")


REFUSED = "is not available at grading (your code imports"  # in every refusal's message


def refusal(name: str, allowed: tuple[str, ...] | list[str]) -> str:
    """The ImportError's message: which import, and what the course allows instead."""
    top = name.partition(".")[0]
    also = f" (and: {', '.join(allowed)})" if allowed else ""
    return (f"{top} is not available at grading (your code imports {name}): the course allows "
            f"NumPy and the standard library{also}. Write this part yourself with NumPy")


def _stdlib_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple({os.path.realpath(paths[key]) + os.sep for key in ("stdlib", "platstdlib")})


def _package_dirs(names: tuple[str, ...]) -> tuple[str, ...]:
    """The folders (or single files) of the packages whose code may import freely."""
    import importlib.util

    found = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        for location in spec.submodule_search_locations or ([spec.origin] if spec.origin else []):
            if location and os.path.exists(location):
                real = os.path.realpath(location)
                found.append(real + os.sep if os.path.isdir(real) else real)
    return tuple(found)


class PackageGuard(importlib.abc.MetaPathFinder):
    """Refuses imports of packages the course does not allow, when the submission asks."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = tuple(allowed)
        self.permitted = frozenset(ALWAYS + DISPLAY + self.allowed)
        self.stdlib = _stdlib_dirs()
        self.trusted = tuple(place for place in _package_dirs(ALWAYS) if place.endswith(os.sep))
        self.real_import = builtins.__import__
        self.cache: dict[str, bool] = {}

    # -- who is importing -------------------------------------------------------------------
    def _transparent(self, filename: str) -> bool:
        """The standard library's and importlib's frames: they import on someone's behalf."""
        if filename.startswith("<frozen "):
            return True
        real = self._real(filename)
        return real.startswith(self.stdlib) and not any(part in real for part in _SITE)

    def _real(self, filename: str) -> str:
        return os.path.realpath(filename) if filename.startswith(os.sep) else filename

    def _installed(self, filename: str) -> bool:
        """A file of an installed library or of the kit (not the submission's)."""
        known = self.cache.get(filename)
        if known is None:
            real = self._real(filename)
            known = self.cache[filename] = any(part in real.split(os.sep) for part in _SITE) \
                or real.startswith(self.trusted)
        return known

    def _library_code(self, frame: Any) -> bool:
        """The frame runs an installed module's own code, in that module (not code compiled
        under a library's file name by someone else)."""
        filename = frame.f_code.co_filename
        if not self._installed(filename):
            return False
        module = sys.modules.get(frame.f_globals.get("__name__", ""))
        origin = getattr(module, "__file__", None)
        return module is not None and vars(module) is frame.f_globals and isinstance(
            origin, str) and self._real(origin) == self._real(filename)

    def submission_asks(self, depth: int) -> bool:
        frame = sys._getframe(depth)
        while frame is not None and self._transparent(frame.f_code.co_filename):
            frame = frame.f_back
        return frame is not None and not self._library_code(frame)

    def refused(self, name: str, depth: int) -> bool:
        top = name.partition(".")[0]
        if not top or top in self.permitted or top in sys.stdlib_module_names:
            return False
        return self.submission_asks(depth + 1)

    # -- the two hooks ----------------------------------------------------------------------
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if self.refused(name, 2):
            raise ImportError(refusal(name, self.allowed), name=name)
        return None

    def guarded_import(self, name: str, globals: Any = None, locals: Any = None,
                       fromlist: Any = (), level: int = 0) -> Any:
        if level == 0 and isinstance(name, str) and self.refused(name, 2):
            raise ImportError(refusal(name, self.allowed), name=name)
        return self.real_import(name, globals, locals, fromlist, level)


def install_package_guard(allowed: tuple[str, ...] | list[str]) -> PackageGuard:
    """Before submitted code runs: only NumPy, the standard library, the kit's helpers, the
    display libraries and `allowed` may be imported by it."""
    guard = PackageGuard(tuple(allowed))
    sys.meta_path.insert(0, guard)
    builtins.__import__ = guard.guarded_import
    return guard
