"""Finding and stopping every process a worker started, wherever it went.

A submission can fork, put children in new sessions and process groups, or double-fork so they
are adopted away from the worker. `stop_everything` freezes the worker's whole process tree
with SIGSTOP (a stopped process cannot fork), collects it again until nothing new appears, then
SIGKILLs it all and waits until every one is gone. Processes carrying the worker's token in their
environment are included even if they left the tree.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")
FREEZE_ROUNDS = 50  # each round finds children forked just before the previous SIGSTOP
GONE_TIMEOUT = 5.0  # seconds to wait for the kernel to finish killing a namespace


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) for every process, from /proc/<pid>/stat."""
    table = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it exited while we looked
            continue
        # The command name is in parentheses and may itself hold spaces or parentheses.
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(root: int, table: dict[int, tuple[int, str]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def carrying(marker: bytes, table: dict[int, tuple[int, str]]) -> set[int]:
    """Processes whose environment holds `marker` (a NAME=token line)."""
    found = set()
    for pid in table:
        try:
            environment = (PROC / str(pid) / "environ").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if marker in environment.split(b"\0"):
            found.add(pid)
    return found


def alive(pid: int) -> bool:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"  # a zombie has finished running


def send(pids: set[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop_everything(leader: int, marker: bytes | None = None) -> set[int]:
    """SIGKILL `leader` (a session leader), its process group, its descendants and every
    process carrying `marker`; return once none of them runs any more."""
    try:
        os.killpg(leader, signal.SIGSTOP)
    except (ProcessLookupError, PermissionError):
        pass
    doomed = {leader}
    for _ in range(FREEZE_ROUNDS):
        table = process_table()
        found = descendants(leader, table) | (carrying(marker, table) if marker else set())
        found.discard(os.getpid())
        new = found - doomed
        if not new:
            break
        send(new, signal.SIGSTOP)
        doomed |= new
    try:
        os.killpg(leader, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    send(doomed, signal.SIGKILL)
    deadline, pause = time.monotonic() + GONE_TIMEOUT, 0.0005
    while any(alive(pid) for pid in doomed) and time.monotonic() < deadline:
        time.sleep(pause)  # a killed worker is usually gone within a millisecond: look soon
        pause = min(pause * 2, 0.02)
    return doomed
