"""The red-team corpus: hostile submissions (one file each, appended to the reference solution so
their definitions replace its own), and what the tests use to prove the machine was left as it
was: a process search by marker, file digests, and a loopback listener that counts connections.

In a hostile file, the lines between `# --- cheat ---` and `# --- end cheat ---` are its attack;
without them the same file is the honest version it is compared with. Words in double
underscores (__PORT__, __MARKER__, __REPORT__) are filled in by the test.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from pathlib import Path

from autograder.sandbox.loader import CodeBlock, SubmissionSource

CORPUS = Path(__file__).parent
CHEAT = ("# --- cheat ---", "# --- end cheat ---")


def hostile_text(name: str, **words: object) -> str:
    text = (CORPUS / name).read_text(encoding="utf-8")
    for word, value in words.items():
        text = text.replace(f"__{word.upper()}__", str(value))
    return text


def honest_version(text: str) -> str:
    """The same code with its attack cut out."""
    kept, cutting = [], False
    for line in text.splitlines(keepends=True):
        if line.strip() == CHEAT[0]:
            cutting = True
        elif line.strip() == CHEAT[1]:
            cutting = False
        elif not cutting:
            kept.append(line)
    assert not cutting, "a cheat block is not closed"
    return "".join(kept)


def as_source(text: str, name: str = "submission.py") -> SubmissionSource:
    return SubmissionSource(Path(name), "py", [CodeBlock(name, text)])


def processes_with(marker: str) -> list[int]:
    """Running processes (zombies excluded) whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker.encode() in command and state not in "ZX":
            found.append(int(entry.name))
    return found


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` (caches excluded), to prove nothing was changed."""
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


class Listener:
    """A TCP server on 127.0.0.1 that accepts and counts connections (and what they send)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.port = self.server.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                connection.settimeout(1)
                try:
                    self.connections.append(connection.recv(1024))
                except OSError:
                    self.connections.append(b"")

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()
