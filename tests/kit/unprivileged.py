"""Running a command as an unprivileged instructor (`nobody`) on a machine where the kit's
Python lives under root's private home: a root bubblewrap view of the whole machine in which
only /root is replaced by a traversable folder holding the Python installation, then setpriv
drops to uid 65534 with no groups and no capabilities."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

NOBODY = 65534


def python_home() -> Path:
    """The outermost folder of the Python installation (its prefix)."""
    return Path(sys.base_prefix)


def as_nobody(command: list[str]) -> list[str]:
    bwrap, setpriv = shutil.which("bwrap"), shutil.which("setpriv")
    assert bwrap and setpriv, "these tests need bubblewrap and setpriv (util-linux)"
    view = ["--dev-bind", "/", "/"]
    home = python_home()
    if home.is_relative_to("/root"):
        view += ["--tmpfs", "/root"]
        for folder in reversed(home.parents[:-2]):  # below /root: traversable, as bwrap would not
            view += ["--perms", "0755", "--dir", str(folder)]
        view += ["--ro-bind", str(home), str(home)]
    return [bwrap, *view, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
            setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
