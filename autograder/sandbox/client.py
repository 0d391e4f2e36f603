"""The grader's side of the pipe: start a worker, ask it to call the submission's functions.

Each call has a wall-clock limit enforced from here: when it runs out, the worker's whole process
group is killed (signals the submission might block do not matter to SIGKILL). A dead worker is
restarted on the next call, so one hang or crash costs only the checks that hit it.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.loader import SubmissionSource
from autograder.sandbox.codec import Handle, from_wire, read_message, to_wire, write_message
from autograder.sandbox.isolation import Isolation, choose_isolation

KIT_ROOT = Path(__file__).resolve().parents[2]


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
        self._ids = itertools.count(1)

    # -- life cycle ------------------------------------------------------------------------
    def __enter__(self) -> SandboxedSubmission:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self.workdir = tempfile.TemporaryDirectory(prefix="nnkit-submission-")
        command = [sys.executable, "-m", "autograder.sandbox.worker"]
        env = {key: value for key, value in os.environ.items() if not key.startswith("NNKIT_")}
        env["PYTHONPATH"] = str(KIT_ROOT)
        env["HOME"] = self.workdir.name
        env["TMPDIR"] = self.workdir.name
        self.process = self.isolation.popen(command, self.workdir.name, env)
        blocks = [[block.filename, block.source] for block in self.source.blocks]
        reply = self._request("load", {"blocks": blocks}, timeout=60, function="(loading)")
        self.names = set(reply["names"])
        self.load_errors = reply["errors"]

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
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()

    def _ensure_running(self) -> None:
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
        process = self.process
        assert process is not None and process.stdin and process.stdout
        buffers: list[bytes] = []
        request_id = next(self._ids)
        wire = to_wire(body, buffers)
        outcome: dict[str, Any] = {}

        def exchange() -> None:
            try:
                write_message(process.stdin, {"id": request_id, "op": op, "body": wire}, buffers)
                outcome["reply"] = read_message(process.stdout)
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
            self.timed_out.add(function)
            raise SubmissionProblem("timeout", function, {"seconds": timeout})
        if "reply" not in outcome:
            code = process.poll()
            if code is None:
                self._kill()
                code = process.returncode
            self._kill()
            raise SubmissionProblem("crashed", function, {"exit_code": code,
                                                          "reason": describe_exit(code)})
        message, reply_buffers = outcome["reply"]
        if message.get("id") != request_id:
            self._kill()
            raise SubmissionProblem("crashed", function,
                                    {"reason": "the worker's reply was forged"})
        if not message.get("ok"):
            detail = message.get("error", {})
            detail["output"] = message.get("output", "")
            raise SubmissionProblem("raised", function, detail)
        body = from_wire(message["body"], reply_buffers)
        body["output"] = message.get("output", "")
        return body

    def defines(self, name: str) -> bool:
        return name in self.names

    def call(self, function: str, *args: Any, timeout: float | None = None,
             record_warnings: bool = False, return_args: bool = False,
             **kwargs: Any) -> CallResult:
        if function not in self.names:
            raise SubmissionProblem("missing", function)
        self._ensure_running()
        body = {"name": function, "args": list(args), "kwargs": kwargs,
                "record_warnings": record_warnings, "return_args": return_args}
        reply = self._request("call", body, timeout, function)
        return CallResult(reply["value"], reply.get("warnings", []), [], reply["output"],
                          reply.get("args_after", []))

    def call_spied(self, function: str, *args: Any, spied: list[str],
                   timeout: float | None = None, **kwargs: Any) -> CallResult:
        for name in [function, *spied]:
            if name not in self.names:
                raise SubmissionProblem("missing", name)
        self._ensure_running()
        body = {"name": function, "args": list(args), "kwargs": kwargs, "spied": spied}
        reply = self._request("call_spied", body, timeout, function)
        return CallResult(reply["value"], [], reply["events"], reply["output"])

    def get(self, name: str, timeout: float | None = None) -> Any:
        if name not in self.names:
            raise SubmissionProblem("missing", name)
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
