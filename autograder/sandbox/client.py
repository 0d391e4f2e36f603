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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.sandbox.codec import (
    EncodeError,
    Handle,
    from_wire,
    read_message,
    to_wire,
    write_message,
)
from autograder.sandbox.isolation import Isolation, choose_isolation
from autograder.sandbox.loader import SubmissionSource

KIT_ROOT = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT = 60.0  # seconds to run a submission's definitions (imports included)
MAX_REPLY_BYTES = 512 << 20  # a reply larger than this is refused before it fills our memory
LOADING = "(loading your definitions)"


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


class SandboxedSubmission:
    """A submission running in its own process; use as a context manager."""

    def __init__(self, source: SubmissionSource, isolation: Isolation | None = None) -> None:
        self.source = source
        self.isolation = isolation or choose_isolation()
        self.process: subprocess.Popen | None = None
        self.workdir: tempfile.TemporaryDirectory | None = None
        self.names: set[str] = set()
        self.load_errors: list[dict] = []
        self.restarts = 0
        self.memo: dict[str, Any] = {}  # results shared by the checks of one grading
        self.options: Any = None  # the GradeOptions of the grading in progress
        self.call_timeout = 5.0  # seconds; stages 1-5 need milliseconds per call
        self.timed_out: set[str] = set()  # functions that hung once are not waited for again
        self.load_failure: SubmissionProblem | None = None  # loading crashed or hung: no retries
        self.deadline: float | None = None  # time.monotonic() when the current stage's time ends
        self.time_limit: float | None = None  # that stage's limit in seconds, for messages
        self.substitutes: list[list[str]] = []  # [filename, source]: run after the submission
        self.run_helpers = True  # False once the top-level helpers ended or hung the worker
        self._ids = itertools.count(1)

    # -- life cycle ------------------------------------------------------------------------
    def __enter__(self) -> SandboxedSubmission:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self.workdir = tempfile.TemporaryDirectory(prefix="nnkit-submission-")
        self.process = self.isolation.start(self.workdir.name)
        blocks = [[block.filename, block.source] for block in self.source.blocks]
        blocks += self.substitutes  # so that a restarted worker keeps them
        try:
            reply = self._request("load", {"blocks": blocks, "helpers": self.run_helpers},
                                  timeout=LOAD_TIMEOUT, function=LOADING)
        except SubmissionProblem as problem:
            self._kill()
            if problem.detail.get("stage_limit"):
                raise  # the stage's time ran out during a restart: the next stage starts afresh
            reason = problem.detail.get("reason") or (
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
        self.names = set(reply["names"])
        self.load_errors = reply["errors"]

    def set_time_limit(self, seconds: float | None) -> None:
        """Give the calls that follow `seconds` in total (a stage's limit); None lifts it."""
        self.time_limit = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

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
        if self.process is None and self.deadline is not None and time.monotonic() > self.deadline:
            raise SubmissionProblem("timeout", LOADING, {"seconds": self.time_limit,
                                                         "stage_limit": True})
        if self.process is None:
            self.restarts += 1
            if self.workdir is not None:
                self.workdir.cleanup()
            self.start()

    # -- requests --------------------------------------------------------------------------
    def _request(self, op: str, body: dict, timeout: float | None, function: str) -> dict:
        if function in self.timed_out:
            raise SubmissionProblem("timeout", function, {"seconds": self.call_timeout,
                                                          "earlier": True})
        timeout = timeout or self.call_timeout
        cut_by_stage_limit = False
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise SubmissionProblem("timeout", function, {"seconds": self.time_limit,
                                                              "stage_limit": True})
            if remaining < timeout:
                timeout, cut_by_stage_limit = remaining, True
        process = self.process
        assert process is not None and process.stdin and process.stdout
        buffers: list[bytes] = []
        request_id = next(self._ids)
        wire = to_wire(body, buffers)
        outcome: dict[str, Any] = {}

        def exchange() -> None:
            try:
                write_message(process.stdin, {"id": request_id, "op": op, "body": wire}, buffers)
                outcome["reply"] = read_message(process.stdout, MAX_REPLY_BYTES)
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
                raise SubmissionProblem("timeout", function, {"seconds": self.time_limit,
                                                              "stage_limit": True})
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
        try:
            return self._decode(*outcome["reply"], request_id, function)
        except (EncodeError, ValueError, TypeError, KeyError, AttributeError,
                RecursionError) as error:
            self._kill()
            raise SubmissionProblem("crashed", function, {
                "reason": f"its reply to the grader was malformed ({error})"[:500]}) from None

    def _decode(self, message: Any, buffers: list[bytes], request_id: int,
                function: str) -> dict:
        """The reply's body as plain data; anything but the expected shape is refused."""
        if not isinstance(message, dict) or message.get("id") != request_id:
            raise EncodeError("the worker's reply was forged")
        output = str(message.get("output", ""))
        if not message.get("ok"):
            error = message.get("error")
            detail = {key: str(value) for key, value in error.items()
                      if key in ("type", "message", "where", "line", "traceback")}
            detail["output"] = output
            raise SubmissionProblem("raised", function, detail)
        body = from_wire(message["body"], buffers)
        if not isinstance(body, dict):
            raise EncodeError(f"the reply's body is a {type(body).__name__}, not a dict")
        body["output"] = output
        return body

    def defines(self, name: str) -> bool:
        return name in self.names

    def substitute(self, filename: str, source: str) -> None:
        """Run more definitions (the reference's, see autograder/grader/substitution.py) after the
        submission's own, replacing functions of the same names, now and after any restart."""
        self.substitutes.append([filename, source])
        if self.process is None:
            return  # the next call restarts the worker, which loads them with the rest
        reply = self._request("load", {"blocks": [[filename, source]]}, timeout=LOAD_TIMEOUT,
                              function=LOADING)
        self.names = set(reply["names"])

    def _require(self, name: str) -> None:
        if self.load_failure is not None:  # nothing is defined: say why, not "missing"
            raise self.load_failure
        if name not in self.names:
            raise SubmissionProblem("missing", name)

    def call(self, function: str, *args: Any, timeout: float | None = None,
             record_warnings: bool = False, return_args: bool = False,
             **kwargs: Any) -> CallResult:
        self._require(function)
        self._ensure_running()
        body = {"name": function, "args": list(args), "kwargs": kwargs,
                "record_warnings": record_warnings, "return_args": return_args}
        reply = self._request("call", body, timeout, function)
        return CallResult(reply["value"], reply.get("warnings", []), [], reply["output"],
                          reply.get("args_after", []))

    def call_spied(self, function: str, *args: Any, spied: list[str],
                   timeout: float | None = None, **kwargs: Any) -> CallResult:
        for name in [function, *spied]:
            self._require(name)
        self._ensure_running()
        body = {"name": function, "args": list(args), "kwargs": kwargs, "spied": spied}
        reply = self._request("call_spied", body, timeout, function)
        return CallResult(reply["value"], [], reply["events"], reply["output"])

    def get(self, name: str, timeout: float | None = None) -> Any:
        self._require(name)
        self._ensure_running()
        return self._request("get", {"name": name}, timeout, name)["value"]

    def store_mnist(self, images: Any, labels: Any,
                    timeout: float = 60.0) -> tuple[Handle, Handle]:
        """Hand the training set to the worker once; (X, Y) stay there, as handles."""
        self._ensure_running()
        reply = self._request("store_mnist", {"images": images, "labels": labels}, timeout,
                              "(loading MNIST)")
        return reply["value"]


def describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else -code
        if -code == signal.SIGKILL:
            return f"it was killed ({name}), usually because it used too much memory"
        return f"it was killed by signal {name}"
    return f"it exited with code {code} (did your code call exit() or sys.exit()?)"
