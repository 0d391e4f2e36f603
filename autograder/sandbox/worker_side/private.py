"""The worker's own code, loaded where the submission's patches cannot reach it.

A submission runs in the worker's process, so it can import and patch the kit's modules, the
builtins and NumPy. Values it returns are validated by the grader whatever it patched, but some
checks also rely on what the worker observes for the grader: the warnings a call raised, whether
it changed its arguments, which functions `train` called. So the worker serves from private
copies of its modules (plan, codec, worker), made before any submitted code runs: they are not
in sys.modules, and they see a snapshot of the builtins and of the namespaces of the modules they
import (NumPy included). Patching what `import` gives the submission changes only its own view.

Not covered: a submission that deliberately digs into the worker's frames or memory (frame
objects, gc, ctypes) could still forge those observations. So what earns points is verified
grader-side where values allow (stage 5 replays the minibatches train reported), and what only
the worker sees (arguments changed, warnings) is worth little and labelled as reported by it.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import types
from typing import Any

from autograder.sandbox import worker_side

# The worker side's modules that serve requests (not allowed/private, done before submitted
# code runs), read from the folder; the worker last, wired to the copies of the others.
PRIVATE_MODULES = tuple(name for name in worker_side.module_names()
                        if name.rpartition(".")[2] not in worker_side.SETUP_MODULES)


def snapshot(module: types.ModuleType) -> types.SimpleNamespace:
    """The module's names as they are now; later patches of the module do not show here."""
    return types.SimpleNamespace(**vars(module))


def load_private_worker() -> types.ModuleType:
    """A private copy of the worker (worker_side/worker.py), wired to private copies of its kit
    imports."""
    copies: dict[str, types.ModuleType] = {}
    namespaces: dict[str, types.SimpleNamespace] = {}
    real_import = builtins.__import__

    def private_import(name: str, globals: Any = None, locals: Any = None,
                       fromlist: Any = (), level: int = 0) -> Any:
        if name in copies:
            return copies[name]
        module = real_import(name, globals, locals, fromlist, level)
        if fromlist or "." in name or name == "builtins":
            # `from x import y` reads y once, now: that is a snapshot already. The builtins
            # module itself is what the submission's own module gets.
            return module
        if name not in namespaces:
            namespaces[name] = snapshot(module)
        return namespaces[name]

    private_builtins = dict(vars(builtins), __import__=private_import)
    for name in PRIVATE_MODULES:
        importlib.import_module(name)  # the public copy: dataclasses look up its namespace
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None and spec.origin is not None
        copy = types.ModuleType(name)
        copy.__file__, copy.__builtins__ = spec.origin, private_builtins
        exec(compile(spec.loader.get_source(name), spec.origin, "exec"), copy.__dict__)
        copies[name] = copy
    return copies[f"{worker_side.__name__}.{worker_side.MAIN_MODULE}"]
