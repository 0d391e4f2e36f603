"""What a leaderboard says about itself: whether its reports were verified, and whether its
pseudonyms can be recomputed. Shown on the page and in leaderboard.md, and printed."""

from __future__ import annotations

UNVERIFIED = ("Unverified reports: this board was built without the course key, so nothing "
              "tells these reports from hand-written ones (build it with --key, or from "
              "`nnkit classroom grade --key`, to accept only signed reports).")
RECOMPUTABLE = ("Pseudonyms without a salt: anyone with the class list can recompute who is "
                "who (give --salt SECRET).")


def anonymise_warning(anonymise: bool, salt: str) -> str | None:
    """The warning for --anonymise without --salt (None when there is nothing to say)."""
    return f"warning: {RECOMPUTABLE}" if anonymise and not salt else None


def notes(verified: bool, anonymise: bool, salt: str) -> list[str]:
    """The board's notes about itself, most important first."""
    found = [] if verified else [UNVERIFIED]
    if anonymise and not salt:
        found.append(RECOMPUTABLE)
    return found
