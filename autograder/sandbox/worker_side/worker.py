"""The worker: the only process that runs a submission's code.

It reads requests from the grader on a private pipe, runs the requested function and sends back
plain data. Everything the submission prints goes to a scratch file, not to the pipe. Nothing
here decides a verdict: the grader validates every value it receives.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import os
import signal
import sys
import tempfile
import time
import traceback
import types
from typing import Any

from autograder.sandbox.worker_side.codec import (
    Handle,
    from_wire,
    read_message,
    to_wire,
    write_message,
)
from autograder.sandbox.worker_side.conditions import install as own_numpy_error_state
from autograder.sandbox.worker_side.conditions import owned_call, set_reporter
from autograder.sandbox.worker_side.packages import install_package_guard
from autograder.sandbox.worker_side.plan import (
    UnparsableCode,
    definition_or_constant,
    parse_python,
    plan_blocks,
    runs_always,
)

STATEMENT_SECONDS = 5.0  # a top-level helper statement taking longer is stopped, and reported
HELPER_SECONDS = 20.0  # all of them together; past that, the rest are reported, not run
OUTPUT_TAIL = 2000  # characters of the submission's printed output returned with each reply
PR_SET_CHILD_SUBREAPER = 36  # prctl option, from <linux/prctl.h>


class Worker:
    def __init__(self, output_path: str) -> None:
        self.module = types.ModuleType("submission")
        self.module.__file__ = "submission.py"
        self.module.__builtins__ = builtins  # the real ones (this code may run on a snapshot)
        self.objects: dict[int, Any] = {}
        self.output_path = output_path
        self.output_offset = 0
        self.pipe_in: Any = None  # the grader's pipe, for proxies to ask it (see `ask`)
        self.pipe_out: Any = None
        self.package_guard: Any = None
        self.rows: Any = None  # the stored MNIST rows, to name the rows train passes to forward

    # -- handles: objects that cannot be sent stay here ------------------------------------
    def keep(self, value: Any) -> Handle:
        handle = Handle(len(self.objects) + 1, type(value).__name__)
        self.objects[handle.id] = value
        return handle

    def resolve(self, handle: Handle) -> Any:
        return self.objects[handle.id]

    # -- requests ----------------------------------------------------------------------------
    def load(self, blocks: list[list[str]], helpers: bool = True,
             allowed_packages: list[str] | None = None, needed: Any = ()) -> dict:
        """Run the submission's definitions and, with `helpers`, its top-level helpers (see
        plan.py); without, only definitions and UPPER_CASE constants. From now on the
        submission may import only NumPy, the standard library and `allowed_packages`."""
        if self.package_guard is None:
            self.package_guard = install_package_guard(allowed_packages or [])
        sys.modules["submission"] = self.module
        errors: list[dict] = []
        trees = []
        for filename, source in blocks:  # the grader parsed them already; this is a backstop
            try:
                trees.append((filename, parse_python(source, filename)))
            except UnparsableCode as error:
                errors.append({"type": "SyntaxError", "message": f"{filename} {error.reason}",
                               "where": filename, "line": "", "traceback": ""})
        helper_time = HELPER_SECONDS
        plans = plan_blocks(trees, [str(name) for name in needed])[0] if helpers else [
            ast.Module(body=[node for node in tree.body if definition_or_constant(node)],
                       type_ignores=[]) for _, tree in trees]
        for (filename, _), plan in zip(trees, plans):
            for node in plan.body:  # one statement at a time: a failing one stops only itself
                limit = None if runs_always(node) else min(STATEMENT_SECONDS, helper_time)
                started = time.monotonic()
                try:
                    statement = ast.Module(body=[node], type_ignores=[])
                    with time_limit(limit):
                        exec(compile(statement, filename, "exec"), self.module.__dict__)
                except BaseException as error:  # noqa: BLE001 - any failure is reported, not fatal
                    errors.append(describe_error(error))
                if limit is not None:
                    helper_time = max(helper_time - (time.monotonic() - started), 0.001)
        names = sorted(name for name in vars(self.module) if not name.startswith("__"))
        return {"names": names, "errors": errors}

    def call(self, name: str, args: list, kwargs: dict, record_warnings: bool,
             return_args: bool, first_of_pair: bool = False) -> dict:
        function = getattr(self.module, name)
        # The grader's error state and warning filters, whatever the submission set; the
        # floating-point errors NumPy met go to the grader as they happen (conditions.py).
        value, caught = owned_call(function, args, kwargs)
        if first_of_pair and isinstance(value, tuple | list) and len(value) == 2:
            value = (value[0], None)  # (A, cache) when only A is wanted: megabytes not sent
        reply = {"value": value}
        if return_args:  # lets the grader see whether the function changed its inputs
            reply["args_after"] = args
        if record_warnings:
            reply["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
        return reply

    def call_spied(self, name: str, args: list, kwargs: dict, spied: list[str]) -> dict:
        """Call `name` while recording each call it makes to the module-level `spied` functions."""
        events: list[dict] = []
        originals = {spy: getattr(self.module, spy) for spy in spied}

        def recorder(spy: str, original: Any) -> Any:
            def recorded(*call_args: Any, **call_kwargs: Any) -> Any:
                event = summarise_call(spy, call_args, call_kwargs)
                events.append(event)
                result = original(*call_args, **call_kwargs)
                if spy == "update":  # any mapping (parameter_sum is NaN for anything else)
                    event["result_sum"] = parameter_sum(result)
                return result

            return recorded

        try:
            for spy, original in originals.items():
                setattr(self.module, spy, recorder(spy, original))
            value = owned_call(getattr(self.module, name), args, kwargs)[0]
        finally:
            for spy, original in originals.items():
                setattr(self.module, spy, original)
        return {"value": value, "events": events}

    # -- proxies: functions that run elsewhere -------------------------------------------------
    def install_proxies(self, names: list[str]) -> dict:
        """Define `names` as proxies: calling one asks the grader, which runs the reference's
        function in a worker of its own and answers with its value. The reference's code never
        comes here; the submission sees only what the function returns."""
        for name in names:
            self.module.__dict__[name] = self.proxy(name)
        return {"names": sorted(name for name in vars(self.module) if not name.startswith("__"))}

    def proxy(self, name: str) -> Any:
        def proxy(*args: Any, **kwargs: Any) -> Any:
            return self.ask(name, list(args), kwargs)

        proxy.__name__ = proxy.__qualname__ = name
        return proxy

    def ask(self, name: str, args: list, kwargs: dict) -> Any:
        buffers: list[bytes] = []
        try:  # no handles: the reference's worker could not resolve this worker's objects
            body = to_wire({"name": name, "args": args, "kwargs": kwargs}, buffers)
        except TypeError as error:
            raise TypeError(f"{name} runs from the reference solution, outside your process, "
                            f"and its arguments must be plain data: {error}") from None
        write_message(self.pipe_out, {"op": "ask", "body": body}, buffers)
        message, buffers = read_message(self.pipe_in)
        if not message.get("ok"):
            raise RuntimeError(f"{name} (from the reference solution) failed: "
                               f"{message.get('error', '')}")
        return from_wire(message["body"], buffers)

    def send_segment(self, segment: dict) -> None:
        """A part of train's record, sent while train runs (watch.py)."""
        buffers: list[bytes] = []
        body = to_wire(segment, buffers, self.keep)
        write_message(self.pipe_out, {"op": "segment", "body": body}, buffers)

    def handle(self, message: dict, buffers: list[bytes]) -> dict:
        request = from_wire(message["body"], buffers, self.resolve)
        op = message["op"]
        if op == "load":
            return self.load(request["blocks"], request.get("helpers", True),
                             request.get("allowed_packages"), request.get("needed", ()))
        if op == "self_test":  # the fence's self-test, asked of a worker started ahead
            return self_test()
        if op == "names":
            return {"names": sorted(vars(self.module))}
        if op == "get":
            return {"value": getattr(self.module, request["name"])}
        if op == "store":
            return {"value": self.keep(request["value"])}
        if op == "store_mnist":
            # (The clock of the training has started: whatever of the submission's runs now is
            # timed, and learns nothing of the initial parameters, which come with train's call.)
            X, Y = mnist_training_arrays(request["images"], request["labels"])
            from autograder.sandbox.worker_side.watch import RowIndex

            self.rows = RowIndex(request["images"])
            return {"value": (self.keep(X), self.keep(Y))}
        if op == "store_images":  # images sent once as bytes, kept as float rows to call on
            X, rows = scaled(request["images"]), max(int(request["rows"]), 1)
            return {"value": [self.keep(X[start:start + rows])
                              for start in range(0, X.shape[0], rows)]}
        if op == "call_watched":
            from autograder.sandbox.worker_side.watch import call_watched

            return call_watched(self.module, self.rows, request,
                                self.send_segment if request.get("stream") else None)
        if op == "call":
            return self.call(request["name"], request["args"], request["kwargs"],
                             request["record_warnings"], request["return_args"],
                             request.get("first_of_pair", False))
        if op == "proxy":
            return self.install_proxies(request["names"])
        if op == "call_spied":
            return self.call_spied(request["name"], request["args"], request["kwargs"],
                                   request["spied"])
        raise ValueError(f"unknown request {op!r}")

    def new_output(self) -> str:
        """The tail of what the submission printed since the last reply."""
        try:
            with open(self.output_path, "rb") as file:
                file.seek(0, os.SEEK_END)
                size = file.tell()
                file.seek(max(self.output_offset, size - OUTPUT_TAIL))
                self.output_offset = size
                return file.read().decode("utf-8", "replace")
        except OSError:
            return ""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise TimeoutError in the statement running when `seconds` are up (None: no limit). It
    stops Python code, even `while True: pass`; the grader's own limit on the whole load stays,
    for code that blocks the signal."""
    if seconds is None:
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise TimeoutError(f"this top-level statement did not finish within {seconds:g} s, "
                           "so grading stopped it")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def summarise_call(name: str, args: tuple, kwargs: dict) -> dict:
    """What the grader needs to know about one forward/backward/update call made by train."""
    import numpy as np

    event: dict[str, Any] = {"function": name}
    if name == "forward":  # forward(params, X), its arguments by position or by name
        X = np.asarray(args[1] if len(args) > 1 else kwargs.get("X"))
        event["rows"] = X.shape[0] if X.ndim else 0
        # The grader tags each training row with a unique id in column 0.
        event["row_ids"] = np.asarray(X[:, 0], dtype=float) if X.ndim == 2 else np.zeros(0)
        event["param_sum"] = parameter_sum(args[0] if args else kwargs.get("params"))
    elif name == "backward":  # how many rows its Y holds, to pair it with its forward call
        try:
            event["rows"] = int(np.shape(args[2] if len(args) > 2 else kwargs["Y"])[0])
        except Exception:  # noqa: BLE001 - an odd Y just pairs with the latest forward
            pass
    elif name == "update":
        params = args[0] if args else kwargs.get("params")
        rate = args[2] if len(args) > 2 else kwargs.get("learning_rate")
        event["learning_rate"] = float(rate) if rate is not None else None
        event["param_sum"] = parameter_sum(params)
    return event


def parameter_sum(params: Any) -> float:
    """A fingerprint of a params dict, to see whether one call's output is the next one's input."""
    import numpy as np

    try:
        return float(sum(np.sum(np.asarray(value, dtype=float)) for value in params.values()))
    except Exception:  # noqa: BLE001 - a malformed dict just gets no fingerprint
        return float("nan")


def scaled(images: Any) -> Any:
    """images / 255.0 as float64, as load_mnist (data/mnist.py) scales them; with the dtype
    given NumPy divides in one direct loop, 8x faster than the operator's casting one (0.1 s
    instead of 0.8 s at the handover)."""
    import numpy as np

    return np.divide(images, 255.0, dtype=np.float64)


def mnist_training_arrays(images: Any, labels: Any) -> tuple:
    import numpy as np

    X = scaled(images)
    Y = np.zeros((labels.shape[0], 10))
    Y[np.arange(labels.shape[0]), labels] = 1.0
    return X, Y


def describe_error(error: BaseException) -> dict:
    frames = traceback.extract_tb(error.__traceback__)
    kit = ("worker.py", "codec.py", "allowed.py", "packages.py")
    student_frames = [f for f in frames if not f.filename.endswith(kit)]
    where = student_frames[-1] if student_frames else None
    return {
        "type": type(error).__name__,
        "message": str(error)[:2000],
        "where": f"{where.filename}, line {where.lineno}" if where else "",
        "line": (where.line or "") if where else "",
        "traceback": "".join(traceback.format_exception(error))[-6000:],
    }


def serve() -> None:
    # Keep the real stdin/stdout as the private pipe; the submission's prints go to a file.
    pipe_in = os.fdopen(os.dup(0), "rb", buffering=0)
    pipe_out = os.fdopen(os.dup(1), "wb")
    scratch = tempfile.NamedTemporaryFile(prefix="nnkit-output-", suffix=".txt", delete=False)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(scratch.fileno(), 1)
    os.dup2(scratch.fileno(), 2)
    worker = Worker(scratch.name)
    worker.pipe_in, worker.pipe_out = pipe_in, pipe_out

    def report(kind: str) -> None:  # a floating-point error NumPy met, sent at once
        write_message(pipe_out, {"op": "observed", "kind": kind}, [])
        pipe_out.flush()

    own_numpy_error_state()  # before any submitted code runs
    set_reporter(report)
    while True:
        # No trace or profile hook of the submission's watches the worker between calls (reading
        # a request, the handover of the training set): what it set in a call ends with it.
        sys.settrace(None)
        sys.setprofile(None)
        try:
            message, buffers = read_message(pipe_in)
        except EOFError:
            return
        out_buffers: list[bytes] = []
        try:
            result = worker.handle(message, buffers)
            body = to_wire(result, out_buffers, worker.keep)
            reply = {"id": message["id"], "ok": True, "body": body}
        except BaseException as error:  # noqa: BLE001 - SystemExit from a submission included
            out_buffers = []
            reply = {"id": message["id"], "ok": False, "error": describe_error(error)}
        reply["output"] = worker.new_output()
        write_message(pipe_out, reply, out_buffers)


def confine(uid: int | None, max_processes: int | None, subreaper: bool) -> None:
    """Limits the worker sets on itself before any submitted code runs (see isolation.py)."""
    import resource

    if max_processes:  # counts processes and threads of this uid (of this user namespace)
        resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
    if subreaper:
        # Orphans of a double fork are adopted by this process instead of init, so they stay
        # in the tree the grader sweeps when it stops the worker.
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if uid is not None:
        # Under bubblewrap as root: become an unprivileged uid of our own (root's capabilities
        # go with it), so RLIMIT_NPROC applies and nothing of root's is left to the submission.
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid):
            raise SystemExit(f"could not drop to uid {uid}")


def self_test() -> dict:
    """What the fence's self-test asks of a worker, confined as for grading: the submodules
    NumPy loads lazily import as the submission's uid (the installation is readable)."""
    import numpy.fft  # noqa: F401
    import numpy.linalg  # noqa: F401
    import numpy.random  # noqa: F401

    return {"ok": True}


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.sandbox.worker_side.worker")
    parser.add_argument("--uid", type=int, help="drop to this uid first")
    parser.add_argument("--max-processes", type=int, help="RLIMIT_NPROC")
    parser.add_argument("--subreaper", action="store_true", help="adopt orphaned descendants")
    parser.add_argument("--self-test", action="store_true", help="check the fence and exit")
    args = parser.parse_args(argv)
    confine(args.uid, args.max_processes, args.subreaper)
    from autograder.sandbox.worker_side.private import load_private_worker

    worker = load_private_worker()  # a copy of this module that the submission cannot patch
    from autograder.sandbox.worker_side.allowed import install_guard

    install_guard()  # the grader's modules are not the submission's to import
    if args.self_test:
        self_test()
        print("nnkit-worker-ok", flush=True)  # isolation.SELF_TEST_OK
        return
    worker.serve()


if __name__ == "__main__":
    main()
