"""nbgrader's feedback page reads well offline: a check's long diagnosis wraps instead of hiding
behind a horizontal scrollbar, and the notebook's maths is MathML the browser draws itself, not
raw `$$...$$` waiting for MathJax from a CDN. Rendered with nbgrader's own feedback template and
the course's feedback preprocessors, and looked at in headless Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import nbgrader
import pytest
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder import assignment
from autograder.grader.course.feedback import ReadableFeedback, render_maths
from autograder.grader.course.preprocessors import HideHiddenTests
from tests.kit import chromium
from tests.kit.conftest import ROOT

# A diagnosis as long as stage 4's: one line of plain words.
DIAGNOSIS = ("stage 4: backward's gradient for W1 is off by a factor of the batch size: your dW1 "
             "is 32 times the numerical gradient on a 5-4-3 network with m = 32; you divided the "
             "output error by m twice, or not at all. Check that delta = (A - Y) / m appears once "
             "and that the sums over the batch (a.T @ delta, delta.sum(axis=0)) are not divided "
             "again.")
WIDTH = 800  # CSS pixels: a laptop's browser window beside the notebook
# Measured after load: how far the page and each <pre> scroll sideways.
PROBE = """<script>window.addEventListener('load', () => {
  const page = document.documentElement;
  const wide = [...document.querySelectorAll('pre')].filter(p => p.scrollWidth > p.clientWidth + 1);
  document.body.setAttribute('data-page-overflow', String(page.scrollWidth - page.clientWidth));
  document.body.setAttribute('data-wide-pre', String(wide.length));
  document.body.setAttribute('data-math', String(document.querySelectorAll('math').length));
});</script></body>"""


def course_feedback_steps() -> list[type]:
    """GenerateFeedback's preprocessors, as the course's nbgrader_config.py sets them."""
    loader = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "course"))
    steps = loader.load_config().GenerateFeedback.preprocessors
    assert ReadableFeedback in steps, "the course's feedback must wrap and render maths"
    return steps


def feedback_page(cells: list, readable: bool) -> str:
    """The feedback HTML nbgrader's generate_feedback writes (its template, its CSS step, the
    course's HideHiddenTests), with the course's ReadableFeedback or without it."""
    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    config.HTMLExporter.extra_template_paths = [
        str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    exporter = HTMLExporter(config=config)
    steps = [step for step in course_feedback_steps() if step is not GetGrades]  # no gradebook
    for step in steps if readable else [HideHiddenTests, CSSHTMLHeaderPreprocessor]:
        exporter.register_preprocessor(step)  # as nbgrader's converter does: not enabled here
    notebook = nbformat.v4.new_notebook(cells=cells)
    resources = {"nbgrader": {"notebook": "neural_network", "score": 55, "max_score": 100,
                              "late_penalty": 0}}
    return exporter.from_notebook_node(notebook, resources=resources)[0]


def stage4_cells() -> list:
    """The notebook's stage 4 text (its maths) and a test cell failing with the diagnosis."""
    source = assignment.read_source()
    start = source.index("# ## Stage 4")
    lines = source[start:source.index("# %%", start)].splitlines()
    text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines)
    test = nbformat.v4.new_code_cell("grade_stage(4)")
    test.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue=DIAGNOSIS,
                                           traceback=[f"AssertionError: {DIAGNOSIS}"])]
    return [nbformat.v4.new_markdown_cell(text), test]


def measured(html: str, folder: Path, name: str) -> dict[str, int]:
    page = folder / f"{name}.html"
    page.write_text(html.replace("</body>", PROBE), encoding="utf-8")
    dom = chromium.run(page, folder / f"profile-{name}", f"--window-size={WIDTH},900",
                       "--virtual-time-budget=3000", "--dump-dom").stdout
    found = {key: int(value) for key, value in
             re.findall(r'data-(page-overflow|wide-pre|math)="(-?\d+)"', dom)}
    assert len(found) == 3, f"the probe did not run: {dom[-500:]}"
    return found


def test_the_feedback_page_wraps_long_messages_and_renders_maths_offline(tmp_path):
    cells = stage4_cells()
    assert "$$" in cells[0].source, "stage 4's text holds display maths"
    readable = feedback_page(cells, readable=True)
    plain = feedback_page(stage4_cells(), readable=False)
    # Without the course's step, the browser shows what the issue reported: a <pre> that
    # scrolls sideways and raw maths (MathJax from a CDN never arrives offline).
    before = measured(plain, tmp_path, "plain")
    assert before["wide-pre"] >= 1 and before["math"] == 0
    assert "$$" in re.sub(r"<script.*?</script>", "", plain, flags=re.S)
    after = measured(readable, tmp_path, "readable")
    assert after == {"page-overflow": 0, "wide-pre": 0, "math": after["math"]}
    assert after["math"] >= 5, "every formula of the text is MathML"
    body = re.sub(r"<script.*?</script>", "", readable, flags=re.S)
    assert "$" not in re.sub(r"<(code|pre)\b.*?</\1>", "", body, flags=re.S), \
        "no raw maths left outside code"
    assert DIAGNOSIS in readable
    png = chromium.screenshot(tmp_path / "readable.html", tmp_path / "profile-shot",
                              tmp_path / "feedback.png", size=(WIDTH, 900))
    assert chromium.png_size(png) == (WIDTH, 900)
    if os.environ.get("NNKIT_KEEP_SCREENSHOT"):  # to look at it: the path to copy it to
        Path(os.environ["NNKIT_KEEP_SCREENSHOT"]).write_bytes(png.read_bytes())


@pytest.mark.parametrize(("markdown", "kept"), [
    ("costs `$5` in code", "`$5`"),
    ("a price of $5 and $6", "$5 and $6"),
    ("```\nx = '$a$'\n```", "'$a$'"),
    (r"an escaped \$ sign", r"\$"),
])
def test_dollars_that_are_not_maths_are_left_alone(markdown, kept):
    assert kept in render_maths(markdown)


def test_inline_and_display_maths_become_mathml():
    text = render_maths(r"the slope $\sigma'(z)$ and $$\frac{\partial C}{\partial W}$$ end")
    assert text.count("<math") == 2 and 'display="block"' in text and "$" not in text
