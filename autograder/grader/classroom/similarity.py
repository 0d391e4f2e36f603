"""Similarity across the class, function by function (instructor only; never in the release).

Each graded function of each submission is cut out with `ast` and fingerprinted by copydetect,
which tokenises the code (every name becomes the same token), so renamed variables still match,
and comparing by function name makes the order of the functions irrelevant. Two comparisons:

- every pair of students, with the starter stubs and the kit's reference as boilerplate: what
  two students share beyond what everyone is given (or may have found) is what counts;
- each student against the kit's reference (issue 13, item 9), with the stubs as boilerplate,
  and against the grader's own code (its arithmetic and gradient models), whatever the names.

Both flag for the instructor; neither changes a score.
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from autograder import assignment
from autograder.rendering import render

# copydetect counts characters of tokenised code (`V=V[-1]@V[S]`), called tokens here.
K, WINDOW = 10, 1  # k-gram length: a function is short, so shorter than copydetect's 25
PAIR_FLAG, REFERENCE_FLAG = 0.8, 0.9  # shares of the compared tokens that match
MIN_TOKENS = 40  # a pair must share more than a line or two to be flagged
SHOWN = 20  # closest pairs in the HTML report
MAX_BYTES = 2_000_000  # a submission this large is not compared (parsing it would be slow)
# The grader's code a student could paste: its arithmetic and its models of wrong backprops
# (modules that are not there, e.g. moved, are skipped).
GRADER_MODULES = ("autograder.grader.numerics", "autograder.grader.wrong_backprops",
                  "autograder.grader.expectations", "autograder.checks.gradcheck")

Sources = dict[str, str]  # function name -> its source


def _functions(text: str, names: frozenset[str] | None, into: Sources) -> None:
    tree = ast.parse(text)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                names is None or node.name in names):
            into[node.name] = ast.get_source_segment(text, node) or ""  # the last one wins


@cache
def reference() -> Sources:
    found: Sources = {}
    _functions(assignment.solution(assignment.read_source()), None, found)
    return found


@cache
def stubs() -> Sources:
    found: Sources = {}
    _functions(assignment.student(assignment.read_source()), None, found)
    return found


@cache
def grader_code() -> Sources:
    """Every function of the grader's modules, as "module.function" -> source."""
    import importlib.util

    found: Sources = {}
    for module in GRADER_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            continue
        functions: Sources = {}
        _functions(Path(spec.origin).read_text(encoding="utf-8"), None, functions)
        found.update({f"{module.rsplit('.', 1)[-1]}.{name}": code
                      for name, code in functions.items()})
    return found


def graded_functions(submission: Path) -> Sources:
    """The graded functions a submission defines (none if it cannot be read)."""
    from autograder.sandbox.loader import (
        SubmissionLoadError,
        find_submission_file,
        read_submission,
    )

    names = frozenset(reference())
    found: Sources = {}
    try:
        if find_submission_file(submission).stat().st_size > MAX_BYTES:
            return found  # not a hand-written solution; grading says what it is
        source = read_submission(submission)
    except (SubmissionLoadError, OSError):
        return found
    for block in source.blocks:
        try:
            _functions(block.source, names, found)
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            continue  # Python cannot read it: grading reports why
    return found


@lru_cache(maxsize=4096)  # the reference's and the grader's are compared with every student
def _fingerprint(code: str, boilerplate: tuple[int, ...]):
    import copydetect

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return copydetect.CodeFingerprint("function.py", K, WINDOW, boilerplate=list(boilerplate),
                                          language="python", fp=io.StringIO(code))


@cache
def _boilerplate(function: str, with_reference: bool) -> tuple[int, ...]:
    hashes: set[int] = set()
    for given in (stubs(), reference()) if with_reference else (stubs(),):
        if function in given:
            hashes |= _fingerprint(given[function], ()).hashes
    return tuple(sorted(hashes))


@dataclass
class FunctionMatch:
    function: str
    similarity: float  # matching tokens / the larger side's compared tokens
    tokens: int  # the larger side's compared tokens (0: only boilerplate on both sides)
    left_tokens: int = 0
    left: list[tuple[str, bool]] = field(default_factory=list)  # (text, copied?) segments
    right: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Pair:
    left: str
    right: str
    similarity: float
    tokens: int
    flagged: bool
    functions: list[FunctionMatch]


def _segments(code: str, slices) -> list[tuple[str, bool]]:
    parts, at = [], 0
    for start, end in zip(*slices) if len(slices) else []:
        start, end = int(start), int(end)
        if start > at:
            parts.append((code[at:start], False))
        parts.append((code[start:end], True))
        at = max(at, end)
    parts.append((code[at:], False))
    return [part for part in parts if part[0]]


def compare_function(function: str, left: str, right: str, with_reference: bool,
                     keep_code: bool = False) -> FunctionMatch:
    import copydetect

    boilerplate = _boilerplate(function, with_reference)
    a, b = _fingerprint(left, boilerplate), _fingerprint(right, boilerplate)
    tokens = int(max(a.token_coverage, b.token_coverage))
    if not a.token_coverage or not b.token_coverage or not a.hashes & b.hashes:
        match = FunctionMatch(function, 0.0, tokens, int(a.token_coverage))
        if keep_code:
            match.left, match.right = [(left, False)], [(right, False)]
        return match
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        overlap, _, slices = copydetect.compare_files(a, b)
    match = FunctionMatch(function, float(min(1.0, overlap / tokens)), tokens,
                          int(a.token_coverage))
    if keep_code:
        match.left, match.right = _segments(left, slices[0]), _segments(right, slices[1])
    return match


def compare_pair(left: str, right: str, a: Sources, b: Sources,
                 keep_code: bool = False) -> Pair:
    matches = [compare_function(name, a[name], b[name], True, keep_code)
               for name in reference() if name in a and name in b]
    tokens = sum(match.tokens for match in matches)
    shared = sum(match.similarity * match.tokens for match in matches)
    score = shared / tokens if tokens else 0.0
    return Pair(left, right, float(score), tokens, score >= PAIR_FLAG and shared >= MIN_TOKENS,
                [match for match in matches if match.tokens])


def class_pairs(sources: Mapping[str, Sources]) -> list[Pair]:
    """Every pair of students, closest first."""
    pairs = [compare_pair(a, b, sources[a], sources[b])
             for a, b in itertools.combinations(sorted(sources, key=str.casefold), 2)]
    return sorted(pairs, key=lambda pair: (-pair.similarity, pair.left, pair.right))


def _share_of(function: str, code: str, other: str) -> tuple[float, int]:
    """The share of the student's `code` (beyond the stub) found in `other`, and its size."""
    import copydetect

    mine, theirs = _fingerprint(code, _boilerplate(function, False)), _fingerprint(other, ())
    if not mine.token_coverage or not theirs.token_coverage or not mine.hashes & theirs.hashes:
        return 0.0, int(mine.token_coverage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        overlap, _, _ = copydetect.compare_files(mine, theirs)
    return float(min(1.0, overlap / mine.token_coverage)), int(mine.token_coverage)


def against_reference(functions: Sources) -> dict:
    """Per graded function, its similarity to the kit's reference and to the closest function of
    the grader's code; flagged ones listed. For the instructor's report: a flag to look at,
    never a lost point (a one-line function matches everyone's, so small ones are not flagged)."""
    scores, grader, flagged, flagged_grader = {}, {}, [], []
    for name, code in functions.items():
        if name not in reference():
            continue
        match = compare_function(name, code, reference()[name], with_reference=False)
        if not match.left_tokens:
            continue  # still the stub: nothing of the student's to compare
        scores[name] = round(match.similarity, 3)
        if match.similarity >= REFERENCE_FLAG and match.left_tokens >= MIN_TOKENS:
            flagged.append(name)
        shares = [(*_share_of(name, code, other), where) for where, other in grader_code().items()]
        if shares:
            share, size, where = max(shares)
            grader[name] = {"similarity": round(share, 3), "closest": where}
            if share >= REFERENCE_FLAG and size >= MIN_TOKENS:
                flagged_grader.append(name)
    return {"reference": scores, "flagged": flagged, "grader": grader,
            "flagged_grader": flagged_grader,
            "method": f"copydetect k={K}, stubs as boilerplate; flag at {REFERENCE_FLAG:.0%} "
                      f"of at least {MIN_TOKENS} tokens"}


def write_report(sources: Mapping[str, Sources], out: Path, shown: int = SHOWN) -> list[Pair]:
    """similarity.html (closest pairs, code side by side) and similarity.json (every pair)."""
    pairs = class_pairs(sources)
    closest = [compare_pair(p.left, p.right, sources[p.left], sources[p.right], keep_code=True)
               for p in pairs[:shown] if p.tokens]
    out.mkdir(parents=True, exist_ok=True)
    (out / "similarity.html").write_text(
        render("similarity.html.j2", pairs=closest, total=len(pairs), flag=PAIR_FLAG,
               min_tokens=MIN_TOKENS, students=len(sources)), encoding="utf-8")
    summary = [{k: v for k, v in asdict(p).items() if k != "functions"}
               | {"functions": {m.function: round(m.similarity, 3) for m in p.functions}}
               for p in pairs]
    (out / "similarity.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return pairs
