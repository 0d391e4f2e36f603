"""The grader's side of the pipe: start a worker, ask it to call the submission's functions.

Each call has a wall-clock limit enforced from here: when it runs out, the worker's whole process
group is killed (signals the submission might block do not matter to SIGKILL). A dead worker is
restarted on the next call, so one hang or crash costs only the checks that hit it.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.sandbox import warm_worker
from autograder.sandbox.isolation import Isolation
from autograder.sandbox.loader import SubmissionSource
from autograder.sandbox.policy import choose_isolation
from autograder.sandbox.worker_side.codec import (
    EncodeError,
    Handle,
    from_wire,
    read_message,
    to_wire,
    write_message,
)

KIT_ROOT = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT = 60.0  # seconds to run a submission's definitions (imports included)
MAX_REPLY_BYTES = 512 << 20  # no reply may be larger, whatever a request allows
# What a reply may hold unless its request says otherwise: stages 1-5 exchange kilobytes, so a
# larger reply is refused as soon as its size is read, before it is received.
DEFAULT_REPLY_BYTES = 16 << 20
LOAD_REPLY_BYTES = 4 << 20  # the names a submission defines and its load errors
ERROR_FIELDS = {"type": 200, "message": 2000, "where": 500, "line": 500, "traceback": 6000}
MAX_LOAD_ERRORS = 50
MAX_SEGMENTS = 256  # parts of a watched call's record sent while it runs (one a checkpoint)
OUTPUT_TAIL = 2000  # characters of printed output kept per reply (as the worker sends)
CALL_OPTIONS = {"timeout", "record_warnings", "return_args", "reply_limit"}  # the grader's own
LOADING = "(loading your definitions)"
# Floating-point errors NumPy reports to the grader during a call (worker_side/conditions.py).
OBSERVABLE = ("divide", "over", "under", "invalid")


class SubmissionProblem(Exception):
    """The submission did not answer a call normally; `kind` says how."""

    def __init__(self, kind: str, function: str, detail: dict | None = None) -> None:
        self.kind = kind  # "raised", "timeout", "crashed", "missing", "refused"
        self.function = function
        self.detail = detail or {}
        super().__init__(f"{function}: {kind} {self.detail.get('message', '')}".strip())


@dataclass
class CallResult:
    value: Any
    warnings: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    output: str = ""
    args_after: list = field(default_factory=list)
    # Floating-point errors ("over", "divide", "invalid") NumPy met during the call, sent to the
    # grader as they happened under the grader's own error state (worker_side/conditions.py).
    observed: list[str] = field(default_factory=list)


class SandboxedSubmission:
    """A submission running in its own process; use as a context manager."""

    def __init__(self, source: SubmissionSource, isolation: Isolation | None = None,
                 allowed_packages: tuple[str, ...] | list[str] = ()) -> None:
        self.source = source
        # Packages besides NumPy and the standard library the submission may import (the
        # course's settings; see autograder/sandbox/worker_side/packages.py).
        self.allowed_packages = tuple(allowed_packages)
        self.isolation = isolation or choose_isolation()
        self.process: subprocess.Popen | None = None
        self.workdir: tempfile.TemporaryDirectory | None = None
        self.names: set[str] = set()
        self.load_errors: list[dict] = []
        self.restarts = 0
        self.call_timeout = 5.0  # seconds; stages 1-5 need milliseconds per call
        self.timed_out: set[str] = set()  # functions that hung once are not waited for again
        self.load_failure: SubmissionProblem | None = None  # loading crashed or hung: no retries
        self.deadline: float | None = None  # time.monotonic() when the current stage's time ends
        self.time_limit: float | None = None  # that stage's limit in seconds, for messages
        self.overall_deadline: float | None = None  # when the whole grading's time ends
        self.overall_limit: float | None = None  # that limit in seconds, for messages
        # Functions run elsewhere: by `reference` (another sandboxed worker, holding the
        # reference solution), on behalf of proxies in this worker (see substitute_remote).
        self.proxied: list[str] = []
        self.reference: SandboxedSubmission | None = None
        self.run_helpers = True  # False once the top-level helpers ended or hung the worker
        self._ids = itertools.count(1)
        self.last_observed: list[str] = []  # what the last request's call observed

    # -- life cycle ------------------------------------------------------------------------
    def __enter__(self) -> SandboxedSubmission:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        started_ahead = warm_worker.take(self.isolation)  # the command's first worker
        if started_ahead is not None:
            self.process, self.workdir = started_ahead
        else:
            self.workdir = tempfile.TemporaryDirectory(prefix="nnkit-submission-")
            self.process = self.isolation.start(self.workdir.name)
        widen_pipe(self.process.stdout)
        blocks = [[block.filename, block.source] for block in self.source.blocks]
        try:
            reply = self._request("load", {"blocks": blocks, "helpers": self.run_helpers,
                                           "allowed_packages": list(self.allowed_packages),
                                           "needed": sorted(self.source.needed)},
                                  timeout=LOAD_TIMEOUT, function=LOADING,
                                  reply_limit=LOAD_REPLY_BYTES)
            if self.proxied:  # so that a restarted worker keeps them
                proxies = self._request("proxy", {"names": self.proxied}, timeout=LOAD_TIMEOUT,
                                        function=LOADING, reply_limit=LOAD_REPLY_BYTES)
                reply = {"names": proxies.get("names"), "errors": reply.get("errors")}
        except SubmissionProblem as problem:
            self._kill()
            if problem.detail.get("stage_limit") and not problem.detail.get("submission_limit"):
                raise  # the stage's time ran out during a restart: the next stage starts afresh
            reason = problem.detail.get("reason") or (
                "the time for grading the whole submission ran out"
                if problem.detail.get("submission_limit") else
                f"they did not finish within {LOAD_TIMEOUT:g} s" if problem.kind == "timeout"
                else problem.detail.get("message", problem.kind))
            if self.run_helpers:  # the top-level helpers did it: grade without them
                self.run_helpers = False
                self.workdir.cleanup()
                self.start()
                if self.load_failure is not None:
                    return  # the definitions alone stop it too: that is what to report
                self.load_errors.insert(0, {"summary": (
                    f"running your top-level code stopped: {reason}; grading ran only your "
                    "imports, functions, classes and UPPER_CASE constants")})
                return
            # Exiting or hanging while the definitions run would do the same on every restart:
            # remember it, and let every check say so instead of trying again.
            self.load_failure = problem
            self.load_errors = [{"summary": f"running your definitions stopped: {reason}"}]
            return
        names, errors = reply.get("names"), reply.get("errors")
        self.names = {str(name)[:200] for name in names} if isinstance(names, list) else set()
        self.load_errors = ([with_source_line(bounded_error(error), self.source)
                             for error in errors[:MAX_LOAD_ERRORS]]
                            if isinstance(errors, list) else [])

    def set_time_limit(self, seconds: float | None) -> None:
        """Give the calls that follow `seconds` in total (a stage's limit); None lifts it."""
        self.time_limit = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def set_overall_limit(self, seconds: float | None) -> None:
        """One bound for every call of the grading from now on, whatever each stage allows."""
        self.overall_limit = seconds
        self.overall_deadline = None if seconds is None else time.monotonic() + seconds

    def _limit(self) -> tuple[float | None, dict]:
        """The earliest deadline in force, and what a timeout at it should report."""
        limits = [(deadline, detail) for deadline, detail in (
            (self.deadline, {"seconds": self.time_limit, "stage_limit": True}),
            (self.overall_deadline, {"seconds": self.overall_limit, "stage_limit": True,
                                     "submission_limit": True})) if deadline is not None]
        return min(limits, key=lambda limit: limit[0]) if limits else (None, {})

    def close(self) -> None:
        if self.process is not None:
            self._kill()
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None

    def _kill(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        self.isolation.kill(process)  # the worker and everything it started, by SIGKILL
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()

    def _ensure_running(self) -> None:
        if self.load_failure is not None:
            raise self.load_failure
        deadline, limit = self._limit()
        if self.process is None and deadline is not None and time.monotonic() > deadline:
            raise SubmissionProblem("timeout", LOADING, limit)
        if self.process is None:
            self.restarts += 1
            if self.workdir is not None:
                self.workdir.cleanup()
            self.start()

    # -- requests --------------------------------------------------------------------------
    def _request(self, op: str, body: dict, timeout: float | None, function: str,
                 reply_limit: int = DEFAULT_REPLY_BYTES,
                 on_segment: Callable[[tuple[dict, list[bytes]]], None] | None = None) -> dict:
        if function in self.timed_out:
            raise SubmissionProblem("timeout", function, {"seconds": self.call_timeout,
                                                          "earlier": True})
        timeout = timeout or self.call_timeout
        cut_by_stage_limit = False
        deadline, limit = self._limit()
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SubmissionProblem("timeout", function, limit)
            if remaining < timeout:
                timeout, cut_by_stage_limit = remaining, True
        process = self.process
        assert process is not None and process.stdin and process.stdout
        buffers: list[bytes] = []
        request_id = next(self._ids)
        wire = to_wire(body, buffers)
        outcome: dict[str, Any] = {}
        observed: list[str] = []

        def exchange() -> None:
            try:
                write_message(process.stdin, {"id": request_id, "op": op, "body": wire}, buffers)
                # A proxy's question may carry a whole network: with proxies, only the overall
                # bound holds.
                limit = MAX_REPLY_BYTES if self.proxied else min(reply_limit, MAX_REPLY_BYTES)
                while True:
                    message = read_message(process.stdout, limit)
                    kind_of = message[0].get("op") if isinstance(message[0], dict) else None
                    if kind_of == "observed":  # a floating-point error NumPy met, as it happened
                        if len(observed) < len(OBSERVABLE):
                            kind = str(message[0].get("kind"))[:20]
                            observed.extend([kind] if kind in OBSERVABLE else [])
                        continue
                    if kind_of == "segment" and on_segment is not None:
                        on_segment(message)  # part of a watched call's record, as it runs
                        continue
                    if kind_of != "ask":
                        break
                    write_message(process.stdin, *self._answer(*message))  # a proxy's question
                outcome["reply"] = message
            except (EOFError, BrokenPipeError, OSError) as error:
                outcome["lost"] = error
            except Exception as error:  # a garbled reply is the submission's doing
                outcome["garbled"] = error

        thread = threading.Thread(target=exchange, daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            self._kill()
            thread.join()
            if cut_by_stage_limit:
                raise SubmissionProblem("timeout", function, limit)
            self.timed_out.add(function)
            raise SubmissionProblem("timeout", function, {"seconds": timeout})
        if "garbled" in outcome:
            self._kill()
            raise SubmissionProblem("crashed", function, {
                "reason": f"its reply to the grader was unreadable ({outcome['garbled']})"})
        if "reply" not in outcome:
            try:  # the pipe closed: the worker is exiting, let it tell us how
                code = self.isolation.exit_code(process.wait(timeout=2))
            except subprocess.TimeoutExpired:
                code = None
            self._kill()
            raise SubmissionProblem("crashed", function, {"exit_code": code,
                                                          "reason": describe_exit(code)})
        self.last_observed = sorted(set(observed))
        try:
            return self._decode(*outcome["reply"], request_id, function)
        except (EncodeError, ValueError, TypeError, KeyError, AttributeError,
                RecursionError) as error:
            self._kill()
            raise SubmissionProblem("crashed", function, {
                "reason": f"its reply to the grader was malformed ({error})"[:500]}) from None

    def _answer(self, message: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        """Run a proxied function in the reference's worker, for a proxy in this one."""
        answer: list[bytes] = []
        try:
            request = from_wire(message["body"], buffers)
            name = str(request["name"])
            if name not in self.proxied or self.reference is None:
                raise EncodeError(f"{name[:100]} is not run from the reference")
            if not isinstance(request["kwargs"], dict) or CALL_OPTIONS & set(request["kwargs"]):
                raise EncodeError("its keyword arguments are not the function's")
            self._share_time_limit()
            value = self.reference.call(name, *request["args"], reply_limit=MAX_REPLY_BYTES,
                                        **request["kwargs"]).value
            return {"ok": True, "body": to_wire(value, answer)}, answer
        except SubmissionProblem as problem:
            return {"ok": False, "error": str(problem)[:500]}, []
        except (EncodeError, KeyError, TypeError, ValueError, AttributeError,
                RecursionError) as error:
            return {"ok": False, "error": f"a malformed request ({error})"[:500]}, []

    def _decode(self, message: Any, buffers: list[bytes], request_id: int,
                function: str) -> dict:
        """The reply's body as plain data; anything but the expected shape is refused."""
        if not isinstance(message, dict) or message.get("id") != request_id:
            raise EncodeError("the worker's reply was forged")
        output = str(message.get("output", ""))[-OUTPUT_TAIL:]
        if not message.get("ok"):
            detail = bounded_error(message.get("error"))
            detail["output"] = output
            raise SubmissionProblem("raised", function, detail)
        body = from_wire(message["body"], buffers)
        if not isinstance(body, dict):
            raise EncodeError(f"the reply's body is a {type(body).__name__}, not a dict")
        body["output"] = output
        return body

    def _share_time_limit(self) -> None:
        """Calls sent straight to the reference's worker count against this stage's time."""
        assert self.reference is not None
        self.reference.deadline, self.reference.time_limit = self.deadline, self.time_limit

    def defines(self, name: str) -> bool:
        return name in self.names

    def substitute_remote(self, reference: SandboxedSubmission, names: list[str]) -> None:
        """From now on (and after any restart) `names` run in `reference`, a worker of their
        own (see autograder/grader/substitution.py): this worker gets proxies that ask the
        grader, so the reference's code never runs beside the submission's."""
        self.reference = reference
        self.proxied += [name for name in names if name not in self.proxied]
        if self.process is None:
            return  # the next call restarts the worker, which installs them with the rest
        reply = self._request("proxy", {"names": self.proxied}, timeout=LOAD_TIMEOUT,
                              function=LOADING, reply_limit=LOAD_REPLY_BYTES)
        names_defined = reply.get("names")
        if isinstance(names_defined, list):
            self.names = {str(name)[:200] for name in names_defined}

    def _require(self, name: str) -> None:
        if self.load_failure is not None:  # nothing is defined: say why, not "missing"
            raise self.load_failure
        if name not in self.names:
            raise SubmissionProblem("missing", name)

    def call(self, function: str, *args: Any, timeout: float | None = None,
             record_warnings: bool = False, return_args: bool = False,
             reply_limit: int = DEFAULT_REPLY_BYTES, first_of_pair: bool = False,
             **kwargs: Any) -> CallResult:
        """Call `function` in the worker. With `first_of_pair`, a pair it returns comes back
        with its second item as None (forward's cache, when only its output is needed)."""
        if function in self.proxied and self.reference is not None:
            self._share_time_limit()
            return self.reference.call(function, *args, timeout=timeout,
                                       record_warnings=record_warnings, return_args=return_args,
                                       reply_limit=reply_limit, first_of_pair=first_of_pair,
                                       **kwargs)
        self._require(function)
        self._ensure_running()
        body = {"name": function, "args": list(args), "kwargs": kwargs,
                "record_warnings": record_warnings, "return_args": return_args,
                "first_of_pair": first_of_pair}
        reply = self._request("call", body, timeout, function, reply_limit)
        return CallResult(reply["value"], reply.get("warnings", []), [], reply["output"],
                          reply.get("args_after", []), self.last_observed)

    def call_spied(self, function: str, *args: Any, spied: list[str],
                   timeout: float | None = None, **kwargs: Any) -> CallResult:
        if function in self.proxied and self.reference is not None:
            self._share_time_limit()
            return self.reference.call_spied(function, *args, spied=spied, timeout=timeout,
                                             **kwargs)
        for name in [function, *spied]:
            self._require(name)
        self._ensure_running()
        body = {"name": function, "args": list(args), "kwargs": kwargs, "spied": spied}
        reply = self._request("call_spied", body, timeout, function)
        return CallResult(reply["value"], [], reply["events"], reply["output"])

    def call_watched(self, function: str, *args: Any, initial: dict, max_rows: int,
                     every: int, timeout: float | None = None,
                     reply_limit: int = DEFAULT_REPLY_BYTES,
                     on_segment: Callable[[Any], None] | None = None,
                     **kwargs: Any) -> CallResult:
        """Call `function` (train on the stored MNIST) with the worker's watch (sandbox/watch.py):
        init_params gives `initial`, the trace says which rows each forward got (forwards of
        more than `max_rows` rows are not named) and holds the parameters after every
        `every`-th update. The trace is in `events`. With `on_segment`, the worker sends the
        trace in segments as train runs, each ending at a checkpoint: on_segment(segment) is
        called with each as it comes (the submission's word, as the whole trace is), and
        `events` still holds the whole trace."""
        if function in self.proxied and self.reference is not None:
            self._share_time_limit()
            return self.reference.call_watched(function, *args, initial=initial,
                                               max_rows=max_rows, every=every, timeout=timeout,
                                               reply_limit=reply_limit, on_segment=on_segment,
                                               **kwargs)
        for name in (function, "init_params", "forward", "backward", "update"):
            self._require(name)
        self._ensure_running()
        body = {"name": function, "args": list(args), "kwargs": kwargs, "initial": initial,
                "max_rows": max_rows, "every": every, "stream": on_segment is not None}
        segments: list[Any] = []
        received = [0]  # bytes of segments: they and the reply share the reply's bound

        def take_segment(message: tuple[dict, list[bytes]]) -> None:
            received[0] += sum(len(buffer) for buffer in message[1]) + 1024
            if received[0] > reply_limit or len(segments) >= MAX_SEGMENTS:
                raise EncodeError("more of train's record than its bound")
            segments.append(from_wire(message[0].get("body"), message[1]))
            if on_segment is not None:
                on_segment(segments[-1])

        reply = self._request("call_watched", body, timeout, function, reply_limit,
                              take_segment if on_segment is not None else None)
        return CallResult(reply["value"], [], [whole_trace(segments, reply["trace"])],
                          reply["output"])

    def get(self, name: str, timeout: float | None = None) -> Any:
        self._require(name)
        self._ensure_running()
        return self._request("get", {"name": name}, timeout, name, LOAD_REPLY_BYTES)["value"]

    def store_mnist(self, images: Any, labels: Any,
                    timeout: float = 60.0) -> tuple[Handle, Handle]:
        """Hand the training set to the worker once; (X, Y) stay there, as handles (in the
        reference's worker when train runs there)."""
        return self._store("store_mnist", "train", {"images": images, "labels": labels},
                           timeout)

    def store_images(self, images: Any, rows: int, timeout: float = 60.0) -> Any:
        """Hand MNIST images (uint8) to the worker once, an eighth of their bytes as floats:
        it keeps them scaled as load_mnist scales them, in parts of `rows` rows, and answers
        with a handle for each part, to call forward on (where forward runs)."""
        return self._store("store_images", "forward", {"images": images, "rows": rows}, timeout)

    def _store(self, op: str, user: str, body: dict, timeout: float) -> Any:
        """Data kept in the worker where `user` (the function that will read it) runs: the
        reference's worker when `user` is substituted, else this one."""
        if user in self.proxied and self.reference is not None:
            self._share_time_limit()
            return self.reference._store(op, user, body, timeout)
        self._ensure_running()
        return self._request(op, body, timeout, "(loading MNIST)", LOAD_REPLY_BYTES)["value"]


def widen_pipe(stream: Any) -> None:
    """Let the worker write a megabyte ahead of the grader's reading (a checkpoint sent while
    train runs is 640 KB): with the default 64 KB, train would wait on the grader's threads."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (OSError, ValueError, AttributeError, ImportError):
        pass  # a smaller pipe only costs time


def whole_trace(segments: list[Any], rest: Any) -> Any:
    """A watched call's trace from the segments sent while it ran and the rest in its reply
    (both the submission's word: a malformed part makes a trace stage 6 calls unreadable)."""
    if not segments:
        return rest
    import numpy as np  # (only here: stages 1-5 start faster without it)

    try:
        parts = [*segments, rest]
        trace = {key: np.concatenate([np.asarray(part[key]) for part in parts])
                 for key in ("codes", "counts", "rows", "rates")}
        return {**trace, "problems": rest["problems"],
                "checkpoints": [segment["checkpoint"] for segment in segments]
                + list(rest["checkpoints"])}
    except Exception:  # noqa: BLE001 - whatever is wrong with it, it is no trace
        return {}


def bounded_error(error: Any) -> dict:
    """The worker's description of an exception, as short strings (it is the submission's to
    write: a 100 MB message must not reach the report)."""
    if not isinstance(error, dict):
        return {"type": "Error", "message": "(the worker's description was unreadable)"}
    return {key: str(error[key])[:limit] for key, limit in ERROR_FIELDS.items() if key in error}


def with_source_line(error: dict, source: SubmissionSource) -> dict:
    """A load error's line of code, from the grader's copy of the source when the worker could
    not quote it (a notebook's cells are not files there)."""
    filename, _, number = error.get("where", "").rpartition(", line ")
    if error.get("line") or not number.isdigit():
        return error
    for block in source.blocks:
        if block.filename == filename:
            lines = block.source.splitlines()
            if 0 < int(number) <= len(lines):
                error["line"] = lines[int(number) - 1].strip()[:500]
    return error


def describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else -code
        if -code == signal.SIGKILL:
            return f"it was killed ({name}), usually because it used too much memory"
        return f"it was killed by signal {name}"
    return f"it exited with code {code} (did your code call exit() or sys.exit()?)"
