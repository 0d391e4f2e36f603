"""Similarity that survives disguise (issue 23, item 7): a copy of the reference or of a
classmate, disguised by helpers, bindings, a class, renaming, reordering, dead code, comments,
formatting or split expressions (tests/kit/disguise.py builds them with `ast`), is flagged as
the plain copy is; two different correct variants of the catalogue never are; a file Python
cannot read is skipped with a note, never a crash; and the classroom pipeline's outputs
(similarity.json, similarity.html, each report's `similarity`) say so."""

from __future__ import annotations

import ast
import functools
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder import assignment
from autograder.cli import main
from autograder.grader.classroom import normalise, similarity
from tests.kit import classroom_students as students
from tests.kit import simulated_students as simulated
from tests.kit.catalogue.variants import VARIANTS
from tests.kit.conftest import apply_edits
from tests.kit.disguise import TRANSFORMS, disguise

# Grading for credit needs a course secret: these tests grade in a course.
pytestmark = pytest.mark.usefixtures("in_course")

NAMES = frozenset(similarity.graded_names())
ALL_AT_ONCE = ("helpers", "renamed", "reordered", "dead_code", "split")
DISGUISES = [(step,) for step in TRANSFORMS] + [
    ALL_AT_ONCE,
    ("split", "in_a_class", "renamed", "dead_code", "reordered"),
    ("split", "dict_of_functions", "renamed", "reordered"),
    ("split", "lambdas", "renamed", "dead_code"),
    ("split", "partials", "dead_code", "renamed"),
    ("helpers", "assigned", "renamed"),  # two kinds of indirection, one over the other
]


def functions_of(text: str, folder: Path) -> similarity.Sources:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "neural_network.py").write_text(text, encoding="utf-8")
    found, note = similarity.read_functions(folder)
    assert note == "", f"the submission should be readable, but: {note}"
    return found


def reference_text() -> str:
    return assignment.solution(assignment.read_source())


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict:
    """The reference pasted as it is: what a copy must be flagged for."""
    return similarity.against_reference(
        functions_of(reference_text(), tmp_path_factory.mktemp("plain")))


@pytest.mark.parametrize("steps", DISGUISES, ids="+".join)
def test_a_disguised_copy_of_the_reference_is_flagged_as_the_plain_copy_is(steps, plain,
                                                                           tmp_path):
    text = disguise(reference_text(), NAMES, *steps)
    found = similarity.against_reference(functions_of(text, tmp_path))
    assert len(plain["flagged"]) >= 8  # every function longer than a line or two
    missed = sorted(set(plain["flagged"]) - set(found["flagged"]))
    assert not missed, (
        f"the reference disguised by {steps} should be flagged for the same functions as the "
        f"plain copy, but these were not: {missed} (similarity {found['reference']})")
    assert found["whole"]["flagged"] and found["whole"]["reference"] >= 0.95, found["whole"]


@pytest.mark.parametrize("steps", DISGUISES, ids="+".join)
def test_a_disguised_copy_of_a_classmate_is_flagged_as_a_pair(steps, tmp_path):
    honest = students.honest()
    original = functions_of(honest, tmp_path / "ada")
    copied = functions_of(disguise(honest, NAMES, *steps), tmp_path / "cal")
    pair = similarity.compare_pair("ada", "cal", original, copied)
    assert pair.flagged and pair.similarity >= 0.9, (
        f"a classmate's solution disguised by {steps} should be flagged as a copy (at least "
        f"90% beyond the reference); it matched {pair.similarity:.0%} of {pair.tokens} tokens")
    assert pair.matching >= 0.95


def _with_functions_of(text: str, donor: str, names: set[str]) -> str:
    """`text` with the top-level functions `names` taken from `donor` (as written there)."""
    donated = {node.name: ast.get_source_segment(donor, node) for node in ast.parse(donor).body
               if isinstance(node, ast.FunctionDef) and node.name in names}
    lines = text.splitlines(keepends=True)
    for node in sorted((node for node in ast.parse(text).body if isinstance(
            node, ast.FunctionDef) and node.name in donated), key=lambda n: -n.lineno):
        lines[node.lineno - 1:node.end_lineno] = [donated[node.name] + "\n"]
    return "".join(lines)


@pytest.mark.parametrize("steps", [("renamed",), ALL_AT_ONCE], ids="+".join)
def test_a_part_copied_from_a_classmate_flags_the_pair_by_the_functions_copied(steps, tmp_path):
    """Two of the honest student's own functions (forward and init_params, their own way)
    copied into the reference, disguised: diluted in the whole, flagged by the functions."""
    honest = students.honest()
    partial = _with_functions_of(reference_text(), honest, {"forward", "init_params"})
    assert partial != reference_text()
    pair = similarity.compare_pair("ada", "cal", functions_of(honest, tmp_path / "ada"),
                                   functions_of(disguise(partial, NAMES, *steps), tmp_path / "c"))
    assert pair.flagged and set(pair.copied) == {"forward", "init_params"}, (
        f"forward and init_params copied should flag the pair; whole {pair.similarity:.0%}, "
        f"flagged by {pair.copied}")


def test_two_different_correct_variants_are_never_flagged_as_copies():
    """The catalogue's 43 correct variants, pair by pair (903 pairs): each writes the solution
    its own way, so what they share is the reference's, and that never flags a pair."""
    sources = {variant.id: normalise.normalise(
        [apply_edits(reference_text(), list(variant.edits))], similarity.graded_names()).functions
        for variant in VARIANTS}
    assert len(sources) == len(VARIANTS) >= 38
    pairs = similarity.class_pairs(sources)
    flagged = [(p.left, p.right, round(p.similarity, 2)) for p in pairs if p.flagged]
    assert not flagged, f"independent correct variants were flagged as copies: {flagged}"
    assert all(p.matching_reference >= 0.9 for p in pairs if p.matching >= 0.9)


def test_a_variant_written_in_another_style_is_not_flagged_against_its_classmates(tmp_path):
    """The classroom's honest student and a student of other variants (a class per layer, a
    loop per sample): not flagged, and what they share is mostly the reference's."""
    others = {variant.id: variant for variant in VARIANTS}
    text = simulated.solution()
    for name in ("class-based-layers", "clipped-log-cross-entropy"):
        if name in others:
            text = apply_edits(text, list(others[name].edits))
    ada = functions_of(students.honest(), tmp_path / "ada")
    eve = functions_of(text, tmp_path / "eve")
    pair = similarity.compare_pair("ada", "eve", ada, eve)
    assert not pair.flagged, f"{pair.similarity:.0%} of {pair.tokens} tokens"


def test_two_students_who_both_pasted_the_reference_show_it_as_the_references_share(tmp_path):
    one = functions_of(disguise(reference_text(), NAMES, "in_a_class", "renamed"), tmp_path / "a")
    two = functions_of(disguise(reference_text(), NAMES, *ALL_AT_ONCE), tmp_path / "b")
    pair = similarity.compare_pair("a", "b", one, two)
    assert pair.matching >= 0.95 and pair.matching_reference >= 0.95, pair
    assert not pair.flagged  # each is flagged against the reference, not the pair for it


# -- one binding, every way of writing it ------------------------------------------------------
BODY = "    z = X @ W\n    out = z + b\n    return np.tanh(out)\n"
WAYS = {
    "def": f"def forward(X, W, b):\n    '''doc'''\n{BODY}",
    "assigned": f"def _f(X, W, b):\n{BODY}\nforward = _f\n",
    "chain": f"def _f(X, W, b):\n{BODY}\n_g = _f\n_h = _g\nforward = _h\n",
    "wrapper": f"def _f(X, W, b):\n{BODY}\ndef _g(X, W, b):\n    return _f(X, W, b)\n"
               "def forward(X, W, b):\n    # just delegates\n    return _g(X, W, b)\n",
    "lambda": f"def _f(X, W, b):\n{BODY}\nforward = lambda X, W, b: _f(X, W, b)\n",
    "partial": f"import functools\ndef _f(X, W, b):\n{BODY}\nforward = functools.partial(_f)\n",
    "from-partial": f"from functools import partial\ndef _f(X, W, b):\n{BODY}\n"
                    "forward = partial(_f)\n",
    "dict": f"def _f(X, W, b):\n{BODY}\nOPS = {{'forward': _f}}\nforward = OPS['forward']\n",
    "dict-call": f"def _f(X, W, b):\n{BODY}\nOPS = dict(fw=_f)\n"
                 "def forward(X, W, b):\n    return OPS['fw'](X, W, b)\n",
    "staticmethod": "class Net:\n    @staticmethod\n    def fw(X, W, b):\n"
                    + BODY.replace("    ", "        ") + "forward = Net.fw\n",
    "instance": "class Net:\n    def fw(self, X, W, b):\n        return self._go(X, W, b)\n"
                "    def _go(self, X, W, b):\n" + BODY.replace("    ", "        ")
                + "net = Net()\nforward = net.fw\n",
    "not-self": "class Net:\n    def fw(me, X, W, b):\n        return me._go(X, W, b)\n"
                "    def _go(this, X, W, b):\n" + BODY.replace("    ", "        ")
                + "forward = Net().fw\n",
    "inherited": "class Base:\n    def fw(self, X, W, b):\n        return self._go(X, W, b)\n"
                 "    def _go(self, X, W, b):\n" + BODY.replace("    ", "        ")
                 + "class Net(Base):\n    pass\nforward = Net().fw\n",
    "globals": f"def _f(X, W, b):\n{BODY}\nglobals()['forward'] = _f\n",
    "tuple": f"def _f(X, W, b):\n{BODY}\nforward, other = _f, None\n",
    "setattr": f"import sys\ndef _f(X, W, b):\n{BODY}\n"
               "setattr(sys.modules[__name__], 'forward', _f)\n",
    "if-true": f"if True:\n    def _f(X, W, b):\n{BODY.replace('    ', '        ')}"
               "    forward = _f\n",
    "merged": "import numpy as xp\ndef forward(X: 'array', W, b) -> 'array':\n"
              "    return xp.tanh(X @ W + b)\n",
    "augmented": "from numpy import tanh\ndef forward(X, W, b):\n    out = X @ W\n"
                 "    out += b\n    unused = 3\n    if False:\n        print('never')\n"
                 "    return tanh(out)\n    print('after return')\n",
}


def test_every_way_of_binding_a_function_has_the_same_normal_form():
    forms = {way: normalise.normalise([text], ["forward"]).functions.get("forward")
             for way, text in WAYS.items()}
    expected = "def forward(X, W, b):\n    return np.tanh(X @ W + b)"
    assert forms["def"] == expected
    different = {way: form for way, form in forms.items()
                 if form != expected and way != "augmented"}
    assert not different, f"these ways of writing forward did not reduce to {expected!r}: " \
                          f"{different}"
    # `+=` is `out = out + b` (written twice, so not merged); dead code and `tanh` imported
    # from numpy are gone.
    assert forms["augmented"] == "def forward(X, W, b):\n    out = X @ W\n" \
                                 "    out = out + b\n    return np.tanh(out)"


OPAQUE = {
    "decorator-result": f"def _f(X, W, b):\n{BODY}\ndef keep(f):\n    return f\n"
                        "forward = keep(_f)\n",
    "called-lambda": f"def _f(X, W, b):\n{BODY}\nforward = (lambda f: f)(_f)\n",
    "callable-object": "class Forward:\n    def __call__(self, X, W, b):\n"
                       + BODY.replace("    ", "        ") + "forward = Forward()\n",
}


@pytest.mark.parametrize("way", OPAQUE)
def test_a_binding_the_normaliser_cannot_see_through_still_brings_the_code_it_uses(way):
    form = normalise.normalise([OPAQUE[way]], ["forward"]).functions.get("forward")
    assert form is not None and "return np.tanh(X @ W + b)" in form, form


def test_a_graded_function_another_one_calls_is_compared_on_its_own_not_twice():
    text = ("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
            "_s = sigmoid\n"
            "def forward(X, W):\n    return _s(X @ W)\n")
    found = normalise.normalise([text], ["sigmoid", "forward"]).functions
    assert "np.exp" not in found["forward"] and "np.exp" in found["sigmoid"]


# -- files Python cannot read ------------------------------------------------------------------
UNREADABLE = {  # what Python raises, and the start of the note
    "syntax-error": ("def forward(params, X)\n    return X\n", "not compared: "),
    "nested-parentheses": ("x = " + "(" * 200_000 + "1" + ")" * 200_000 + "\n",
                           "not compared: "),  # SyntaxError: too many nested parentheses
    "recursion-in-the-parser": ("x = " + "+".join(["1"] * 100_000) + "\n", "not compared: "),
    "memory-in-the-parser": ("x = " + "-" * 300_000 + "1\n", "not compared: "),
    # parsed, but too deep for the normaliser's own recursion
    "deep-in-a-function": ("def forward(params, X):\n    return " + "+".join(["X"] * 900)
                           + "\n", "forward could not be normalised (RecursionError)"),
}


@pytest.mark.parametrize("kind", UNREADABLE)
def test_a_file_python_cannot_parse_is_skipped_with_a_note_never_a_crash(kind, tmp_path,
                                                                        request):
    # What is "too deep" depends on Python's recursion limit, which a library may have raised
    # earlier in the same process: the test holds it at Python's default, then restores it.
    import sys

    request.addfinalizer(functools.partial(sys.setrecursionlimit, sys.getrecursionlimit()))
    sys.setrecursionlimit(1000)
    text, expected = UNREADABLE[kind]
    (tmp_path / "neural_network.py").write_text(text, encoding="utf-8")
    found, note = similarity.read_functions(tmp_path)
    assert found == {} and note.startswith(expected), (found, note)
    report = similarity.against_reference(found, note)
    assert report["note"] == note and report["flagged"] == []
    sources = {"bad": found, "ada": functions_of(students.honest(), tmp_path / "ada")}
    similarity.write_report(sources, tmp_path / "out", notes={"bad": note})
    html = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    assert 'data-student="bad"' in html and html.count(note[:30]) == 1


def test_a_notebook_cell_python_cannot_parse_is_noted_and_the_rest_compared(tmp_path):
    text = disguise(reference_text(), NAMES, "helpers")
    blocks = [text, "def broken(:\n    pass\n", "y = " + "(" * 100_000 + ")" * 100_000]
    found = normalise.normalise(blocks, similarity.graded_names())
    assert len(found.notes) == 2 and "block 2" in found.notes[0] and "block 3" in found.notes[1]
    assert similarity.against_reference(found.functions)["whole"]["flagged"]


# -- the classroom pipeline --------------------------------------------------------------------
@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> Path:
    """A class graded on stage 1 only (similarity needs no training): ada (honest), cal (ada,
    disguised every way at once), rex and dot (the reference, disguised two other ways), eve
    (other correct variants), syn (a file Python cannot parse)."""
    root = tmp_path_factory.mktemp("similar-class")
    deadline = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0)
    before = deadline - timedelta(hours=3)
    honest = students.honest()
    others = {variant.id: variant for variant in VARIANTS}
    eve = apply_edits(simulated.solution(), [*others["class-based-layers"].edits,
                                            *others["clipped-log-cross-entropy"].edits])
    texts = {"ada": honest, "cal": disguise(honest, NAMES, *ALL_AT_ONCE),
             "rex": disguise(reference_text(), NAMES, "split", "in_a_class", "renamed",
                             "dead_code"),
             "dot": disguise(reference_text(), NAMES, "dict_of_functions", "reordered"),
             "eve": eve, "syn": "def forward(params, X)\n    return X\n"}
    lines = ["student,url"]
    for name, text in texts.items():
        students.commit(root / "repos" / name, {"neural_network.py": text}, "mine", before)
        lines.append(f"{name},{(root / 'repos' / name).as_uri()}")
    (root / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["classroom", "grade", str(root / "roster.csv"),
                                       "--deadline", deadline.isoformat(), "--out",
                                       str(root / "out"), "--stages", "1", "--jobs", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "out"


def test_the_pipeline_flags_the_disguised_classmate_and_nothing_else(classroom):
    pairs = json.loads((classroom / "similarity.json").read_text(encoding="utf-8"))
    flagged = [{pair["left"], pair["right"]} for pair in pairs if pair["flagged"]]
    assert flagged == [{"ada", "cal"}], f"flagged: {flagged}"
    both = next(p for p in pairs if {p["left"], p["right"]} == {"dot", "rex"})
    assert both["matching"] >= 0.95 and both["matching_reference"] >= 0.95, both
    html = (classroom / "similarity.html").read_text(encoding="utf-8")
    section = re.search(r'<section class="pair flagged" data-left="ada" data-right="cal".*?'
                        r"</section>", html, re.DOTALL)
    assert section and "of which also matching the" in section.group(0)
    assert section.group(0).count('<mark class="ref">') > 5  # the reference's share, shown
    assert re.search(r'data-student="rex" data-reference="1\.000"', html)


def test_the_pipelines_reports_flag_the_disguised_reference(classroom):
    def report(name: str) -> dict:
        return json.loads((classroom / "reports" / f"{name}.json").read_text())["similarity"]

    plain = similarity.against_reference(similarity.reference())
    for name in ("rex", "dot"):
        found = report(name)
        assert set(plain["flagged"]) <= set(found["flagged"]), (name, found["reference"])
        assert found["whole"]["flagged"], (name, found["whole"])
    assert report("syn")["note"].startswith("not compared: ")
    assert report("eve")["flagged"] != plain["flagged"]


def test_the_similarity_page_opens_in_headless_chromium_with_both_shares(classroom, tmp_path):
    from PIL import Image

    from tests.kit import chromium

    page = classroom / "similarity.html"
    dom = chromium.dump_dom(page, tmp_path / "profile")
    rows = dict(re.findall(r'<tr data-student="(\w+)" data-reference="([\d.]+)">', dom))
    assert set(rows) == {"ada", "cal", "dot", "eve", "rex", "syn"}, rows
    assert float(rows["rex"]) == float(rows["dot"]) == 1.0 and float(rows["syn"]) == 0.0
    syn = re.search(r'<tr data-student="syn".*?</tr>', dom, re.DOTALL).group(0)
    assert "not compared: " in syn  # why it is not compared, on its row
    # (the legend alone is a few hundred pixels of each)
    png = chromium.screenshot(page, tmp_path / "profile", tmp_path / "page.png",
                              size=(1400, 2400))
    with Image.open(png) as image:
        colours = dict((rgb, count) for count, rgb in
                       image.convert("RGB").getcolors(maxcolors=1 << 22))
    yellow, blue = colours.get((0xff, 0xe0, 0x8a), 0), colours.get((0xcf, 0xe3, 0xff), 0)
    assert yellow > 5000 and blue > 5000, \
        f"the page should highlight shared code (yellow: {yellow} px) and the reference's share " \
        f"of it (blue: {blue} px)"
