"""A worker started ahead: while `nnkit check` or `nnkit grade` imports its checks, the first
worker is already starting, and under bubblewrap it is the fence's self-test too.

Starting a worker (a Python with NumPy, behind the fence) takes about a quarter of a second, and
so does bubblewrap's self-test, which used to be a worker of its own: started, asked, thrown
away, before the real one started. Here autograder/early_fence.py starts the real worker once,
exactly as SandboxedSubmission would (`launch`, on the command's main thread, before its
imports), and its probe thread asks it for the self-test (`self_test`: the same imports as the
submission's uid, behind the same fence) and keeps it.
The first SandboxedSubmission whose worker would be started with the same command, environment
and fence takes it instead of starting one (`take`); any other starts its own, and the kept one
is stopped. Nothing of a submission has reached the kept worker before that: it has loaded no
code, only answered the self-test.

Only commands that grade at once start one (early_fence.COMMANDS); a worker nobody took is
stopped when the command exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass

from autograder.sandbox.isolation import (
    MODE_ENV,
    THREADS_ENV,
    BubblewrapIsolation,
    Isolation,
    Limits,
    mark_bubblewrap_working,
    python_trees,
    secret_paths,
)

SELF_TEST_SECONDS = 60.0


@dataclass
class Warm:
    signature: tuple
    isolation: Isolation
    process: object  # isolation.WorkerProcess
    workdir: tempfile.TemporaryDirectory


_kept: Warm | None = None
_lock = threading.Lock()


def signature(isolation: Isolation) -> tuple:
    """Everything a worker's command, environment and fence are made from: two workers with the
    same signature are started alike (isolation.py), but for their token, uid and folder."""
    return (type(isolation).__name__, isolation.limits, getattr(isolation, "bwrap", None),
            getattr(isolation, "as_root", None), sys.executable,
            tuple(map(str, python_trees())), tuple(map(str, secret_paths())),
            tuple(os.environ.get(name) for name in ("PATH", "LANG", "LD_LIBRARY_PATH",
                                                     THREADS_ENV)))


def start(isolation: Isolation) -> Warm:
    workdir = tempfile.TemporaryDirectory(prefix="nnkit-submission-")
    try:
        process = isolation.start(workdir.name)
    except BaseException:
        workdir.cleanup()
        raise
    return Warm(signature(isolation), isolation, process, workdir)


def answers_self_test(warm: Warm) -> bool:
    """Ask the worker for its self-test; whether it answered that all is well in time."""
    from autograder.sandbox.worker_side.codec import read_message, to_wire, write_message

    answer: dict = {}

    def ask() -> None:
        try:
            write_message(warm.process.stdin, {"id": 0, "op": "self_test", "body": to_wire({}, [])},
                          [])
            answer["reply"] = read_message(warm.process.stdout, 1 << 20)[0]
        except Exception:  # noqa: BLE001 - no answer is the answer
            pass

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(SELF_TEST_SECONDS)
    reply = answer.get("reply")
    return isinstance(reply, dict) and reply.get("ok") is True


def stop(warm: Warm) -> None:
    warm.isolation.kill(warm.process)
    for stream in (warm.process.stdin, warm.process.stdout):
        if stream:
            with contextlib.suppress(OSError):  # a worker that died first: its pipe is broken
                stream.close()
    warm.workdir.cleanup()


def keep(warm: Warm | None) -> None:
    global _kept
    with _lock:
        old, _kept = _kept, warm
    if old is not None:
        stop(old)


def launch() -> Warm | None:
    """Start the worker under bubblewrap, if bubblewrap is the fence to try; else None. Called
    on the command's main thread before its imports (early_fence.begin): a start on a thread
    would wait for those imports, which hold the interpreter."""
    bwrap = shutil.which("bwrap")
    if os.environ.get(MODE_ENV, "auto") in ("auto", "bwrap") and bwrap is not None:
        return start(BubblewrapIsolation(Limits.from_environment(), bwrap))
    return None


def prepare(launched: Warm | None = None) -> None:
    """Make ready the worker the command will need (on early_fence's thread): `launched`, or
    one started now. Under bubblewrap it answers the self-test first, and its answer is the
    fence's verdict (choose_isolation then reuses it); with any other fence it starts once the
    fence is chosen."""
    warm = launched if launched is not None else launch()
    if warm is not None:
        if answers_self_test(warm):
            mark_bubblewrap_working(warm.isolation.bwrap, warm.isolation.limits)
            keep(warm)
        else:
            stop(warm)  # choose_isolation's own self-test says why
    from autograder.sandbox.policy import choose_isolation

    isolation = choose_isolation()
    if _kept is None or _kept.signature != signature(isolation):
        keep(start(isolation))


def take(isolation: Isolation) -> tuple[object, tempfile.TemporaryDirectory] | None:
    """The kept worker and its folder, if it was started as a worker for `isolation` would be
    now (and is still running); else None, and the kept one is stopped."""
    global _kept
    with _lock:
        warm, _kept = _kept, None
    if warm is None:
        return None
    if warm.signature == signature(isolation) and warm.process.poll() is None:
        return warm.process, warm.workdir
    stop(warm)
    return None


atexit.register(keep, None)  # a worker nobody took stops with the command
