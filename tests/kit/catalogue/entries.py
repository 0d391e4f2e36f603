"""What a catalogue entry is: an id, edits of the reference solution, and what must happen."""

from __future__ import annotations

from dataclasses import dataclass

Edit = tuple[str, str]  # (old, new): `old` must occur exactly once in the reference solution


@dataclass(frozen=True)
class Mistake:
    """A common wrong solution: grading it must fail `stage` first (earlier stages pass), and
    the message of `check` (a check of that stage) must contain `diagnosis`."""

    id: str
    stage: int
    check: str
    diagnosis: str
    edits: tuple[Edit, ...]

    @property
    def stages(self) -> tuple[int, ...]:
        return tuple(range(1, self.stage + 1))


@dataclass(frozen=True)
class Variant:
    """A correct solution written differently: every graded stage must pass."""

    id: str
    edits: tuple[Edit, ...]
    stages: tuple[int, ...] = (1, 2, 3, 4, 5)
    allowed_packages: tuple[str, ...] = ()  # the course's setting it is graded with
