"""The fence's self-test and the first worker, started before anything else: bubblewrap is
probed by starting a real worker under it (about a Python start-up), which used to wait until
the grader had imported its checks, and then the grading's worker started after it. Now the worker
starts first (on the main thread: a start on a thread waited for the imports, which hold the
interpreter), a thread waits for its self-test while the command imports, and the worker is
the one the grading uses (sandbox/warm_worker.py); the command waits for the thread before
choosing the fence, so the probe still runs once and its answer is the same."""

from __future__ import annotations

import threading

COMMANDS = ("check", "grade")  # the commands that start a worker at once
_probe: threading.Thread | None = None
_ready = threading.Event()


def _choose(launched: object) -> None:
    try:
        from autograder.sandbox import warm_worker

        # The first worker, made ready now; under bubblewrap it is the self-test as well, and
        # the fence's verdict is kept for the process.
        warm_worker.prepare(launched)  # type: ignore[arg-type]
    except BaseException:  # noqa: BLE001 - the command meets the same fault and reports it
        pass
    _ready.set()
    # Stay: bubblewrap's --die-with-parent kills the worker when the thread that started it
    # ends (the kernel's parent-death signal follows the thread), so this one must not end
    # before the command does.
    threading.Event().wait()


def begin(argv: list[str]) -> None:
    """Start the probe when `argv` (the command line) runs a command that grades."""
    global _probe
    if _probe is None and len(argv) > 1 and argv[1] in COMMANDS:
        launched = None
        try:
            from autograder.sandbox import warm_worker

            # Started here, before the command's imports: from the thread, the start waited
            # for them (they hold the interpreter), about a tenth of a second.
            launched = warm_worker.launch()
        except BaseException:  # noqa: BLE001 - the probe starts one, or meets the fault
            pass
        _probe = threading.Thread(target=_choose, args=(launched,), name="nnkit-fence-probe",
                                  daemon=True)
        _probe.start()


def wait() -> None:
    """Let the probe finish (if one was started) before the fence is chosen."""
    if _probe is not None:
        _ready.wait()
