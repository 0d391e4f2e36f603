"""Saying so on the terminal when submitted code ran without the strong fence.

The report's `isolation` field names the fence the worker ran in (autograder/sandbox/
isolation.py). Only bubblewrap hides the disk and the network from submitted code; anything
else (the process-group fallback, another weaker fence) is a weakened fence, and a grade given
under it is worth a warning where people look, not only in the JSON.
"""

from __future__ import annotations

STRONG = "bubblewrap"  # how the full fence's name begins


def weakened(isolation: str) -> str | None:
    """One line warning that the fence was weakened, or None when it was not."""
    if not isolation or isolation.startswith(STRONG):
        return None
    return ("warning: submitted code ran WITHOUT the full sandbox (it could read this machine's "
            f"files and use the network): {isolation}. Install bubblewrap (Debian/Ubuntu: "
            "apt install bubblewrap) for grading that counts.")
