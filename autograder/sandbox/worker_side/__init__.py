"""The worker side: the only kit code that runs beside submitted code, in the worker's process.

This folder IS the allow-list of the kit's own machinery: allowed.py mounts (under bubblewrap)
or copies (for the fallback) this whole folder, and private.py serves from private copies of
its modules; neither repeats their names. Every module here imports only the standard library,
NumPy and this folder (tests/kit/test_layers.py reads the imports and fails otherwise).

- worker.py: the process that loads the submission and answers requests over the pipe
- codec.py: plain data on the pipe (never pickle), both sides of it
- plan.py: which top-level statements of a submission run at grading
- private.py: the private copies the worker serves from, out of the submission's reach
- allowed.py: what of the kit a submission may import, and the guard that enforces it
"""

from __future__ import annotations

import pkgutil

# Not among the private copies: allowed and private do their work before any submitted code
# runs (the guard installed, the copies made); packages' import hook must be the installed
# module itself, because its judge of "who imports" counts a frame as the kit's own code only
# when the frame runs in the module Python imported (a private copy's frame would be judged as
# the submission's, and every library import made through the hook refused).
SETUP_MODULES = ("allowed", "packages", "private")
MAIN_MODULE = "worker"  # imports the others: its private copy is made last


def module_names() -> list[str]:
    """The folder's modules (full names), as found on disk, the worker itself last."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)
    names.sort(key=lambda name: name == MAIN_MODULE)
    return [f"{__name__}.{name}" for name in names]
