"""The stages as the course in force has them: the kit's six, and the instructor's own checks.

An instructor adds a check, or a whole stage, without editing the kit: a small module in the
course folder's `checks/` (`COURSE/checks/*.py`), written with the kit's own vocabulary:

    STAGE = Stage(7, "softmax", "the output layer as probabilities")

    @expected.request("softmax")          # the grader's own arithmetic (never in a release)
    def softmax_answers(z): ...

    @STAGE.check("softmax gives probabilities", 6, ["softmax"])
    def softmax_values(ctx): ...          # ctx.call, CheckFailed, inputs.jitter, expected.of

A module's `STAGE` (or a list `STAGES`) numbered after the kit's last stage is a new stage;
one numbered like a kit stage adds its checks to that stage. The module is imported here, in
the grading process, never in the sandbox's worker: its checks call the submission through the
same `ctx.call` as the kit's, with the same time limits, messages, hidden inputs and reports.

A student release carries the course's modules with their visible checks only, and without
their `expected.request` arithmetic (autograder/grader/release.py), in `autograder/checks/
course_checks/` of its wheel: they are loaded from there, with the values the release recorded.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

from autograder import settings
from autograder.checks.stage import Stage

BUNDLED = Path(__file__).resolve().parent / "course_checks"  # a release's copy of them
MODULE_PREFIX = "nnkit_course_checks"


class CourseCheckError(settings.CourseSettingsError):
    """An instructor's check module cannot be used (message: which file, what, the fix)."""


def module_paths(course: settings.CourseSettings) -> list[Path]:
    """The course's check modules: its own `checks/*.py` and, in a student release, the ones
    its wheel carries (a course module of the same name wins). Files starting with `_` are
    helpers, not stages."""
    found: dict[str, Path] = {}
    for folder in (BUNDLED, course.checks_folder):
        if folder is not None and folder.is_dir():
            for path in sorted(folder.glob("*.py")):
                if not path.name.startswith("_"):
                    found[path.name] = path
    return list(found.values())


def _load(path: Path) -> ModuleType:
    name = f"{MODULE_PREFIX}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CourseCheckError(f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - any fault of the instructor's module
        sys.modules.pop(name, None)
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if frame.filename == str(path)]
        where = f" at line {frames[-1].lineno}" if frames else ""
        raise CourseCheckError(f"the course's check module {path} fails to load{where}: "
                               f"{type(error).__name__}: {error}") from None
    return module


def _module_stages(path: Path, module: ModuleType) -> list[Stage]:
    stages = getattr(module, "STAGES", None)
    if stages is None:
        stages = [getattr(module, "STAGE", None)]
    if not stages or not all(isinstance(stage, Stage) for stage in stages):
        raise CourseCheckError(
            f"{path} defines no STAGE: a course check module sets STAGE = Stage(number, name, "
            "summary) (autograder.checks.stage) and registers its checks with @STAGE.check")
    return list(stages)


def adapt(kit: Sequence[Stage], course: settings.CourseSettings) -> list[Stage]:
    """The kit's stages with the course's modules' checks added, and their new stages after."""
    stages = {stage.number: stage for stage in kit}
    added: dict[int, Stage] = {}
    for path in module_paths(course):
        for extra in _module_stages(path, _load(path)):
            if extra.number in stages and extra.number not in added:  # a kit stage grows
                base = stages[extra.number]
                stages[extra.number] = Stage(base.number, base.name, base.summary,
                                             [*base.checks, *extra.checks])
                continue
            expected_number = max(stages) + 1
            if extra.number in added or extra.number != expected_number:
                raise CourseCheckError(
                    f"{path}: STAGE is numbered {extra.number}, but the stages so far are "
                    f"1-{max(stages)}: number a new stage {expected_number}, or a kit stage's "
                    "number to add checks to it")
            stages[extra.number] = added[extra.number] = extra
    return [stages[number] for number in sorted(stages)]


class StageRegistry(Sequence[Stage]):
    """`autograder.checks.stages.STAGES`: the stages of the course in force, read again when the
    course, its settings or its check modules change (on disk), so a process grading with one
    course folder and then another sees each."""

    def __init__(self, kit: Sequence[Stage]) -> None:
        self.kit = list(kit)
        self._key: tuple | None = None
        self._stages: list[Stage] = self.kit

    def _current(self) -> list[Stage]:
        course = settings.current()
        paths = module_paths(course)
        key = (course.folder, tuple((path, path.stat().st_mtime_ns) for path in paths))
        if key != self._key:
            self._stages = adapt(self.kit, course) if paths else self.kit
            self._key = key
        return self._stages

    def __getitem__(self, index):  # type: ignore[override]
        return self._current()[index]

    def __len__(self) -> int:
        return len(self._current())

    def __iter__(self) -> Iterator[Stage]:
        return iter(self._current())

    def numbers(self) -> tuple[int, ...]:
        return tuple(stage.number for stage in self._current())

    def by_number(self, number: int) -> Stage:
        for stage in self._current():
            if stage.number == number:
                return stage
        raise KeyError(f"no stage {number}")
