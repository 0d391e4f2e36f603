"""The kit's Jinja2 templates (autograder/templates/): pages, Markdown, and student-repo files."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jinja2

# Characters that would make a name or message into markup: HTML (tags, entities) becomes
# entities; Markdown's emphasis, code, links, images, strike-through and table pipes get a
# backslash. What is left reads the same, as plain text.
HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")


def markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell or list item: one line, no markup of its own."""
    text = " ".join(str(value).split())
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return "".join(HTML_ENTITIES.get(character, character) for character in text)


def toml_string(value: str) -> str:
    """A TOML basic string (a JSON string is one, given no HTML escaping)."""
    return json.dumps(str(value), ensure_ascii=False)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("autograder", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"),
                                            default_for_string=False),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly, not silently blank
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown_cell
    env.filters["toml"] = toml_string
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
