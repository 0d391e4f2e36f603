"""The fence's self-test, started before anything else: bubblewrap is probed by starting a real
worker under it (sandbox/policy.py: about a Python start-up), which used to wait until the
grader had imported its checks. Started first, on a thread, the two overlap; the command waits
for it before choosing the fence, so the probe still runs once and its answer is the same."""

from __future__ import annotations

import threading

COMMANDS = ("check", "grade")  # the commands that start a worker at once
_probe: threading.Thread | None = None


def _choose() -> None:
    try:
        from autograder.sandbox.policy import choose_isolation

        choose_isolation()  # its bubblewrap probe is cached for the process
    except BaseException:  # noqa: BLE001 - the command meets the same fault and reports it
        pass


def begin(argv: list[str]) -> None:
    """Start the probe when `argv` (the command line) runs a command that grades."""
    global _probe
    if _probe is None and len(argv) > 1 and argv[1] in COMMANDS:
        _probe = threading.Thread(target=_choose, name="nnkit-fence-probe", daemon=True)
        _probe.start()


def wait() -> None:
    """Let the probe finish (if one was started) before the fence is chosen."""
    if _probe is not None:
        _probe.join()
