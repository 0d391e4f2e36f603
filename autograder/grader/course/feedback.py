"""Feedback pages that read well anywhere (nbgrader's generate_feedback): a check's diagnosis is
one long line of text, which nbgrader shows in a <pre> behind a horizontal scrollbar, so every
<pre> wraps; and the notebook's maths ($...$, $$...$$) is rendered into MathML, which browsers
draw themselves, because nbgrader's page loads MathJax from a CDN that a student offline (or a
locked-down campus) never reaches, leaving raw `$$\\frac{...}$$` on the page."""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

WRAP_CSS = """
/* nnkit: long messages wrap instead of scrolling sideways */
pre, div.output_area pre, div.output_subarea, div.output_text {
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  word-break: normal;
}
div.output_subarea { max-width: 100%; overflow-x: hidden; }
math[display="block"] { display: block; margin: 0.6em 0; overflow-x: auto; }
"""
# $$...$$ (display) first, then $...$ (inline) not next to a digit or another $ (a price such as
# "$5" stays text); a backslash-escaped \$ is never a delimiter.
DISPLAY = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", re.S)
INLINE = re.compile(r"(?<![\\$\w])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?![\d$])")
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)  # code spans keep their dollars


def to_mathml(latex: str, display: bool) -> str:
    """`latex` as MathML (one line), or the LaTeX itself in <code> when it cannot be read."""
    from latex2mathml.converter import convert

    try:
        markup = convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - an odd formula must not stop a student's feedback
        return f"<code>{latex.strip()}</code>"
    return markup.replace("\n", " ")


def render_maths(markdown: str) -> str:
    """Markdown with its formulas as MathML; code spans and blocks left as they are."""
    parts = CODE.split(markdown)
    for index in range(0, len(parts), 2):  # the odd parts are code
        text = DISPLAY.sub(lambda m: "\n\n" + to_mathml(m[1], True) + "\n\n", parts[index])
        parts[index] = INLINE.sub(lambda m: to_mathml(m[1], False), text)
    return "".join(parts)


class ReadableFeedback(Preprocessor):
    """For generate_feedback, after CSSHTMLHeaderPreprocessor: the wrapping style in the page's
    inlined CSS, and the markdown cells' maths as MathML."""

    # nbgrader registers its converters' preprocessors without enabling them: on by default.
    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        inlining = resources.setdefault("inlining", {})
        inlining.setdefault("css", []).append(WRAP_CSS)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "markdown" and "$" in cell.get("source", ""):
            cell.source = render_maths(cell.source)
        return cell, resources
