"""Saying so on the terminal when submitted code ran without the strong fence.

The report's `isolation` field names the fence the worker ran in (autograder/sandbox/
isolation.py). The full fences hide the disk and the network from submitted code: bubblewrap,
and the dedicated-user fence (an unprivileged uid of its own, for grading as root). Any other
name (the process-group fallback, or a fence this module does not know) is a weakened fence,
and a grade given under it is worth a warning where people look, not only in the JSON.
"""

from __future__ import annotations

STRONG = ("bubblewrap", "dedicated user")  # how the full fences' names begin


def weakened(isolation: str) -> str | None:
    """One line warning that the fence was weakened, or None when it was not."""
    if not isolation or isolation.startswith(STRONG):
        return None
    return ("warning: submitted code ran WITHOUT the full sandbox (it could read this machine's "
            f"files and use the network): {isolation}. For grading that counts, make bubblewrap "
            "work here (Debian/Ubuntu: apt install bubblewrap) or grade as root.")
