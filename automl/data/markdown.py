"""Text from the data shown inside the app's Markdown, as it is written and nothing more.

The pages show sentences through Streamlit's Markdown (captions, alerts, errors, metric labels), and those
sentences carry column names, class labels, category values and file names that whoever wrote the file
chose. Written raw, `![x](http://…)` in a column name makes every browser that opens Monitor fetch that
address, and `**`, backticks, `$` (math) or `:red[…]` change what the sentence says. Every data-derived
string goes through one of these two:

- `code(value)`: a code span (how the app quotes a column or a value), with a fence no backtick in the value
  can close; nothing inside a code span is read as Markdown, HTML or math.
- `md(value)`: plain text with every character Markdown, Streamlit's directives or math would read escaped.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["code", "md"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^])")


def code(value: Any) -> str:
    """`value` as a Markdown code span that shows it exactly (line breaks as spaces)."""
    text = " ".join(str(value).splitlines()) or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" or text.strip() == "" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md(value: Any) -> str:
    """`value` as plain text inside Markdown: every character that could start Markdown, HTML, a link or an
    image, math or a Streamlit directive is escaped (line breaks become spaces)."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).splitlines()))
