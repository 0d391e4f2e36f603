"""Similarity across the class (instructor only; never in the release).

Every submission is first written in its normal form (normalise.py): each graded function
becomes its effective code (bindings such as `forward = _impl` resolved, helpers followed,
comments, docstrings, dead code and formatting removed), so a copy disguised by indirection,
renaming, reordering or reformatting reads like the original. copydetect then compares these
texts (its tokeniser turns every name into the same token):

- every pair of students, as whole submissions: what they share beyond the starter stubs and
  the kit's reference is what flags a pair; what they share that is also the reference's is
  shown beside it (a pair that both pasted the reference matches 100%, all of it the reference);
- each student against the kit's reference (issue 13, item 9; issue 23, item 7), function by
  function and as a whole, with the stubs as boilerplate, and against the grader's own code
  (its arithmetic and gradient models, each function with its helpers), whatever the names.

All of it flags for the instructor; none of it changes a score.
"""

from __future__ import annotations

import ast
import itertools
import json
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from autograder import assignment
from autograder.grader.classroom import normalise
from autograder.rendering import render

# copydetect counts characters of tokenised code (`V=V[-1]@V[S]`), called tokens here.
K, WINDOW = 10, 1  # k-gram length: a function is short, so shorter than copydetect's 25
PAIR_FLAG, REFERENCE_FLAG = 0.8, 0.9  # shares of the compared tokens that match
MIN_TOKENS = 40  # a pair must share more than a line or two to be flagged
FUNCTION_TOKENS = 2 * MIN_TOKENS  # one function alone flags a pair at PAIR_FLAG of this many
SHOWN = 20  # closest pairs in the HTML report
GRADER_CANDIDATES = 4  # grader functions sharing the most k-grams, measured exactly
MAX_BYTES = 2_000_000  # a submission this large is not compared (parsing it would be slow)
# The grader's code a student could paste: its arithmetic and its models of wrong backprops
# (modules that are not there, e.g. moved, are skipped).
GRADER_MODULES = ("autograder.grader.arithmetic", "autograder.grader.wrong_backprops",
                  "autograder.grader.computed_values", "autograder.checks.gradcheck")

Sources = dict[str, str]  # graded function name -> its effective code, normalised


def _top_level_functions(text: str) -> list[str]:
    return [node.name for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


@cache
def graded_names() -> tuple[str, ...]:
    """The graded functions, in the reference's order (the canonical order of a submission)."""
    return tuple(_top_level_functions(assignment.solution(assignment.read_source())))


@cache
def reference() -> Sources:
    text = assignment.solution(assignment.read_source())
    return normalise.normalise([text], graded_names()).functions


@cache
def stubs() -> Sources:
    text = assignment.student(assignment.read_source())
    return normalise.normalise([text], graded_names()).functions


@cache
def grader_code() -> Sources:
    """Every function of the grader's modules with its helpers, as "module.function" -> code."""
    import importlib.util

    found: Sources = {}
    for module in GRADER_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            continue
        text = Path(spec.origin).read_text(encoding="utf-8")
        functions = normalise.normalise([text], _top_level_functions(text),
                                        follow_graded=True).functions
        found.update({f"{module.rsplit('.', 1)[-1]}.{name}": code
                      for name, code in functions.items()})
    return found


def read_functions(submission: Path) -> tuple[Sources, str]:
    """The graded functions' effective code (see normalise.py), and a note on what could not be
    read ("" if nothing): a file Python cannot parse is skipped, never a crash."""
    from autograder.sandbox.loader import (
        SubmissionLoadError,
        find_submission_file,
        read_submission,
    )

    try:
        if find_submission_file(submission).stat().st_size > MAX_BYTES:
            return {}, f"not compared: larger than {MAX_BYTES // 1_000_000} MB"
        source = read_submission(submission)
    except (SubmissionLoadError, OSError, *normalise.PARSE_ERRORS) as error:
        reason = str(error)[:200] or "too deeply nested for Python's parser"
        return {}, f"not compared: {type(error).__name__}: {reason}"
    try:
        found = normalise.normalise([block.source for block in source.blocks], graded_names())
    except normalise.PARSE_ERRORS as error:
        return {}, f"not compared: {type(error).__name__} while reading the code"
    return found.functions, "; ".join(found.notes)


def graded_functions(submission: Path) -> Sources:
    """The graded functions a submission defines, normalised (none if it cannot be read)."""
    return read_functions(submission)[0]


def whole(functions: Mapping[str, str]) -> str:
    """A submission as one text: its graded functions' effective code in the reference's order."""
    return "\n\n".join(functions[name] for name in graded_names() if name in functions)


@lru_cache(maxsize=4096)
def _tokens(code: str) -> tuple[str, np.ndarray]:
    """copydetect's tokenised code (every name the same token) and its map back to `code`."""
    from copydetect.utils import filter_code

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return filter_code(code, "function.py", "python")


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """What copydetect.CodeFingerprint holds, built with copydetect's own functions, but
    tokenising a text once for all the boilerplates it is compared with."""

    raw_code: str
    filtered_code: str
    offsets: np.ndarray
    hashes: set
    hash_idx: dict
    token_coverage: int
    k: int = K


@lru_cache(maxsize=8192)  # the reference's and the grader's are compared with every student
def _fingerprint(code: str, boilerplate: tuple[int, ...]) -> Fingerprint:
    from copydetect.utils import get_document_fingerprints, get_token_coverage

    filtered, offsets = _tokens(code)
    hashes, where = get_document_fingerprints(filtered, K, WINDOW, list(boilerplate))
    return Fingerprint(code, filtered, offsets, hashes, where,
                       int(get_token_coverage(where, K, len(filtered))))


@cache
def _boilerplate(function: str, with_reference: bool) -> tuple[int, ...]:
    """What everyone is given (the stubs), and may have found (the reference): `function`'s,
    or, for "" (a whole submission), every function's and the whole texts'."""
    hashes: set[int] = set()
    for given in (stubs(), reference()) if with_reference else (stubs(),):
        codes = [given[function]] if function in given else []
        if not function:
            codes = [*given.values(), whole(given)]
        for code in codes:
            hashes |= _fingerprint(code, ()).hashes
    return tuple(sorted(hashes))


def _matched(a: Fingerprint, b: Fingerprint) -> np.ndarray:
    """Which tokens of `a` are part of a k-gram that `b` has too (as copydetect's slices)."""
    size = len(a.filtered_code)
    common = a.hashes & b.hashes
    if not common:
        return np.zeros(size, dtype=bool)
    starts = np.fromiter(itertools.chain.from_iterable(a.hash_idx[h] for h in common), int)
    change = np.zeros(size + K + 1, dtype=np.int32)
    np.add.at(change, starts, 1)
    np.add.at(change, starts + K, -1)
    return np.cumsum(change)[:size] > 0


def _raw(fingerprint: Fingerprint, position: int) -> int:
    """A position in the tokenised code as a position in the code (copydetect's own mapping)."""
    offsets = fingerprint.offsets
    if not len(offsets):
        return position
    row = min(int(np.searchsorted(offsets[:, 0], position)), offsets.shape[0] - 1)
    return position + int(offsets[row, 1])


Segment = tuple[str, bool, bool]  # (text, shared by the pair?, also the reference's?)


def _segments(fingerprint: Fingerprint, shared: np.ndarray,
              also_reference: np.ndarray) -> list[Segment]:
    code, parts, at = fingerprint.raw_code, [], 0
    state = shared.astype(np.int8) + (shared & also_reference).astype(np.int8)
    edges = np.flatnonzero(np.diff(state)) + 1
    for start, end in zip([0, *edges], [*edges, len(state)]):
        if not state[start]:
            continue
        left, right = _raw(fingerprint, int(start)), _raw(fingerprint, int(end))
        if left > at:
            parts.append((code[at:left], False, False))
        parts.append((code[left:right], True, bool(state[start] == 2)))
        at = max(at, right)
    parts.append((code[at:], False, False))
    return [part for part in parts if part[0]]


@dataclass
class FunctionMatch:
    function: str
    similarity: float  # matching tokens / the larger side's compared tokens
    tokens: int  # the larger side's compared tokens (0: only boilerplate on both sides)
    left_tokens: int = 0
    left: list[Segment] = field(default_factory=list)  # normalised code, in segments
    right: list[Segment] = field(default_factory=list)
    matching: float = 0.0  # the same with the stubs only as boilerplate
    matching_reference: float = 0.0  # of the tokens matching: the share also the reference's


@dataclass
class Pair:
    left: str
    right: str
    similarity: float  # whole submissions: share matching beyond the stubs and the reference
    tokens: int
    flagged: bool
    functions: list[FunctionMatch]
    matching: float = 0.0  # share matching each other, the stubs only as boilerplate
    matching_reference: float = 0.0  # of that: the share also matching the reference
    copied: list[str] = field(default_factory=list)  # functions that flag the pair on their own


def _share(a: Fingerprint, b: Fingerprint) -> tuple[float, int, np.ndarray]:
    """Tokens of `a` and `b` that match, over the larger side's; their count; `a`'s mask."""
    mask = _matched(a, b)
    tokens = int(max(a.token_coverage, b.token_coverage))
    overlap = int(mask.sum())
    return (min(1.0, overlap / tokens) if tokens else 0.0), tokens, mask


def _of_reference(shared: np.ndarray, code: str, function: str) -> tuple[float, np.ndarray]:
    """Of the tokens of `code` in `shared`, the share that matches the reference too."""
    given = reference().get(function, "") if function else whole(reference())
    mine = _fingerprint(code, _boilerplate(function, False))
    mask = _matched(mine, _fingerprint(given, ()))
    count = int(shared.sum())
    return (float((shared & mask).sum() / count) if count else 0.0), mask


def compare_function(function: str, left: str, right: str, with_reference: bool,
                     keep_code: bool = False) -> FunctionMatch:
    """`function` of two students ("" for whole submissions), beyond the stubs (and the
    reference if `with_reference`)."""
    boilerplate = _boilerplate(function, with_reference)
    a, b = _fingerprint(left, boilerplate), _fingerprint(right, boilerplate)
    score, tokens, _ = _share(a, b)
    match = FunctionMatch(function, float(score), tokens, int(a.token_coverage))
    if keep_code:
        given = _boilerplate(function, False)
        a, b = _fingerprint(left, given), _fingerprint(right, given)
        match.matching, _, shared = _share(a, b)
        match.matching_reference, in_reference = _of_reference(shared, left, function)
        _, theirs = _of_reference(_matched(b, a), right, function)
        match.left = _segments(a, shared, in_reference)
        match.right = _segments(b, _matched(b, a), theirs)
    return match


@lru_cache(maxsize=1024)  # each submission is in a pair with every other
def _whole_prints(code: str) -> tuple:
    """A whole submission's fingerprints: beyond the stubs, beyond the stubs and the reference,
    and which of its tokens match the reference."""
    alone, beyond = _fingerprint(code, _boilerplate("", False)), \
        _fingerprint(code, _boilerplate("", True))
    return alone, beyond, _matched(alone, _fingerprint(whole(reference()), ()))


def compare_pair(left: str, right: str, a: Sources, b: Sources,
                 keep_code: bool = False) -> Pair:
    """Two whole submissions; function by function too (the JSON's, and the page's code)."""
    ours, theirs = _whole_prints(whole(a)), _whole_prints(whole(b))
    score, tokens, _ = _share(ours[1], theirs[1])
    matching, _, shared = _share(ours[0], theirs[0])
    count = int(shared.sum())
    of_reference = float((shared & ours[2]).sum() / count) if count else 0.0
    matches = [compare_function(name, a[name], b[name], True, keep_code)
               for name in graded_names() if name in a and name in b]
    # A part copied (a function or two, the rest written or pasted from the reference) is
    # diluted in the whole: a function that matches on its own, at twice the size, flags too.
    copied = [m.function for m in matches
              if m.similarity >= PAIR_FLAG and m.similarity * m.tokens >= FUNCTION_TOKENS]
    flagged = (score >= PAIR_FLAG and score * tokens >= MIN_TOKENS) or bool(copied)
    return Pair(left, right, float(score), tokens, flagged,
                [match for match in matches if match.tokens or (keep_code and match.matching)],
                round(float(matching), 3), round(of_reference, 3), copied)


def class_pairs(sources: Mapping[str, Sources]) -> list[Pair]:
    """Every pair of students, closest first."""
    pairs = [compare_pair(a, b, sources[a], sources[b])
             for a, b in itertools.combinations(sorted(sources, key=str.casefold), 2)]
    return sorted(pairs, key=lambda pair: (not pair.flagged, -pair.similarity, -pair.matching,
                                           pair.left,
                                           pair.right))


def _share_of(function: str, code: str, other: str) -> tuple[float, int]:
    """The share of the student's `code` (beyond the stub) found in `other`, and its size."""
    mine, theirs = _fingerprint(code, _boilerplate(function, False)), _fingerprint(other, ())
    if not mine.token_coverage:
        return 0.0, 0
    overlap = int(_matched(mine, theirs).sum())
    return float(min(1.0, overlap / mine.token_coverage)), int(mine.token_coverage)


@lru_cache(maxsize=1024)
def _normal(name: str, code: str) -> str:
    """`code` of `name` in its normal form (the same if it already is; as it is if unreadable)."""
    return normalise.normalise([code], [name]).functions.get(name, code)


def against_reference(functions: Sources, note: str = "", normalised: bool = False) -> dict:
    """Per graded function, its similarity to the kit's reference and to the closest function of
    the grader's code; flagged ones listed; and the whole submission's share that matches the
    reference. For the instructor's report: a flag to look at, never a lost point (a one-line
    function matches everyone's, so small ones are not flagged). `note`: what could not be
    read (read_functions)."""
    scores, grader, flagged, flagged_grader = {}, {}, [], []
    if not normalised:  # read_functions' answer already is
        functions = {name: _normal(name, code) for name, code in functions.items()}
    for name, code in functions.items():
        if name not in reference():
            continue
        match = compare_function(name, code, reference()[name], with_reference=False)
        if not match.left_tokens:
            continue  # still the stub: nothing of the student's to compare
        scores[name] = round(match.similarity, 3)
        if match.similarity >= REFERENCE_FLAG and match.left_tokens >= MIN_TOKENS:
            flagged.append(name)
        # The closest: the largest share, then the smallest function holding it (a grader
        # function's code includes its helpers, so its callers hold it too).
        mine = _fingerprint(code, _boilerplate(name, False)).hashes
        likely = sorted(grader_code().items(), key=lambda item: (
            -len(mine & _fingerprint(item[1], ()).hashes), len(item[1])))[:GRADER_CANDIDATES]
        shares = [(*_share_of(name, code, other), -len(other), where)
                  for where, other in likely]
        if shares:
            share, size, _, where = max(shares)
            grader[name] = {"similarity": round(share, 3), "closest": where}
            if share >= REFERENCE_FLAG and size >= MIN_TOKENS:
                flagged_grader.append(name)
    share, size = _share_of("", whole(functions), whole(reference()))
    found = {"reference": scores, "flagged": flagged, "grader": grader,
             "flagged_grader": flagged_grader,
             "whole": {"reference": round(share, 3), "tokens": size,
                       "flagged": share >= REFERENCE_FLAG and size >= MIN_TOKENS},
             "method": f"copydetect k={K} on the normalised code (helpers followed, bindings "
                       f"resolved, comments, docstrings and dead code removed), stubs as "
                       f"boilerplate; flag at {REFERENCE_FLAG:.0%} of at least {MIN_TOKENS} "
                       f"tokens"}
    if note:
        found["note"] = note
    return found


def note_in(report: Path) -> str:
    """What the similarity scan could not read of a graded submission (its report's note)."""
    try:
        found = json.loads(report.read_text(encoding="utf-8")).get("similarity") or {}
    except (OSError, ValueError, AttributeError):
        return ""
    return str(found.get("note", "")) if isinstance(found, dict) else ""


def write_report(sources: Mapping[str, Sources], out: Path, shown: int = SHOWN,
                 notes: Mapping[str, str] | None = None) -> list[Pair]:
    """similarity.html (closest pairs, code side by side, and each submission's share that
    matches the reference) and similarity.json (every pair)."""
    pairs = class_pairs(sources)
    closest = [compare_pair(p.left, p.right, sources[p.left], sources[p.right], keep_code=True)
               for p in pairs[:shown] if p.similarity or p.matching]
    students = []
    for name in sorted(sources, key=str.casefold):
        share, size = _share_of("", whole(sources[name]), whole(reference()))
        students.append({"student": name, "reference": share, "tokens": size,
                         "flagged": share >= REFERENCE_FLAG and size >= MIN_TOKENS,
                         "note": (notes or {}).get(name, "")})
    out.mkdir(parents=True, exist_ok=True)
    (out / "similarity.html").write_text(
        render("similarity.html.j2", pairs=closest, total=len(pairs), flag=PAIR_FLAG,
               reference_flag=REFERENCE_FLAG, min_tokens=MIN_TOKENS, students=len(sources),
               function_tokens=FUNCTION_TOKENS,
               submissions=students), encoding="utf-8")
    summary = [{k: v for k, v in asdict(p).items() if k != "functions"}
               | {"functions": {m.function: round(m.similarity, 3) for m in p.functions}}
               for p in pairs]
    (out / "similarity.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return pairs
