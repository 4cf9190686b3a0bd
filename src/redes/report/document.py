"""A report as plain blocks (Markdown text, tables, figures), rendered to Markdown and to self-contained HTML.

Sections are built once from metrics and figures on disk; the two renderers only
lay them out. Text and table cells are Markdown, written once: the Markdown output
keeps it, the HTML output renders it with markdown-it (CommonMark), so both read
the same. The HTML embeds every figure as base64 and loads nothing from the
network, so it opens offline; its tables scroll inside their own box, so the page
fits a phone as well as a laptop. The Markdown links figures relative to
reports/, so GitHub renders it from the committed files; both open with the
headline table and the contents, linked to each section by GitHub's anchor for
its heading.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

# CommonMark, raw HTML escaped: the text of a section is Markdown only.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class Text:
    """A paragraph (or list) of Markdown."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table whose cells are inline Markdown; `folded`, when given, is the summary it is folded under."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    folded: str = ""


@dataclass(frozen=True)
class Figure:
    """A PNG with `caption`, what to look at, and `alt`, what it shows to a reader who cannot see it."""

    path: Path
    caption: str
    alt: str


Block = Text | Table | Figure


@dataclass(frozen=True)
class Headline:
    """A project's result in one row of the report's opening table, against its anchor.

    `ratio` is the result over the anchor, or the anchor over the result where lower is
    better (an error), so that 1 or more always means at or above the anchor.
    """

    result: str
    anchor: str
    value: float
    anchor_value: float
    run_id: str
    lower_is_better: bool = False

    @property
    def ratio(self) -> float:
        return self.anchor_value / self.value if self.lower_is_better else self.value / self.anchor_value


@dataclass(frozen=True)
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)
    headline: Headline | None = None

    @property
    def anchor(self) -> str:
        """The id GitHub gives the section's heading: lower case, punctuation dropped, spaces as hyphens."""
        kept = "".join(c for c in self.title.lower() if c.isalnum() or c in " -_")
        return kept.replace(" ", "-")


RATIO_NOTE = (
    "Ratio: the result over its anchor, or the anchor over the result for an error, so 1 or more is at or above the "
    "anchor."
)


def opening(sections: list[Section]) -> list[Block]:
    """The headline table (one row per project, linked to its section) and the contents."""
    table = Table(
        ("project", "result", "anchor", "ratio", "MLflow run"),
        tuple(
            (f"[{section.title}](#{section.anchor})", h.result, h.anchor, f"{h.ratio:.3f}", f"`{h.run_id}`")
            for section, h in ((section, section.headline) for section in sections)
            if h is not None
        ),
    )
    contents = "\n".join(f"{number}. [{s.title}](#{s.anchor})" for number, s in enumerate(sections, start=1))
    return [table, Text(RATIO_NOTE), Text("**Contents**"), Text(contents)]


def to_markdown(title: str, sections: list[Section], base_dir: Path) -> str:
    lines = [f"# {title}", ""]
    for block in opening(sections):
        lines += _markdown_block(block, base_dir)
    for section in sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            lines += _markdown_block(block, base_dir)
    return "\n".join(lines).rstrip() + "\n"


def _markdown_block(block: Block, base_dir: Path) -> list[str]:
    if isinstance(block, Text):
        return [block.text, ""]
    if isinstance(block, Table):
        lines = ["| " + " | ".join(_md_cell(c) for c in block.columns) + " |", "|" + "---|" * len(block.columns)]
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
        if block.folded:  # GitHub renders <details> in Markdown; a blank line lets the table inside be Markdown
            lines = [f"<details><summary>{html.escape(block.folded)}</summary>", "", *lines, "", "</details>"]
        return [*lines, ""]
    relative = block.path.resolve().relative_to(base_dir.resolve()).as_posix()
    return [f"![{_md_cell(block.alt)}]({relative})", "", f"*{block.caption}*", ""]


def _md_cell(value: str) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.45; overflow-wrap: break-word; }
.table { overflow-x: auto; margin: 1em 0; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-style: italic; color: #555; }
details { margin: 1em 0; } summary { cursor: pointer; color: #235; }
code { font-size: 0.9em; overflow-wrap: anywhere; }
"""


def to_html(title: str, sections: list[Section]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        *(_html_block(block) for block in opening(sections)),
    ]
    for section in sections:
        parts.append(f'<h2 id="{section.anchor}">{html.escape(section.title)}</h2>')
        parts += [_html_block(block) for block in section.blocks]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_block(block: Block) -> str:
    if isinstance(block, Text):
        return _MARKDOWN.render(block.text).strip()
    if isinstance(block, Table):
        header = "".join(f"<th>{_MARKDOWN.renderInline(c)}</th>" for c in block.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_MARKDOWN.renderInline(str(c))}</td>" for c in row) + "</tr>" for row in block.rows
        )
        table = f'<div class="table"><table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>'
        return f"<details><summary>{html.escape(block.folded)}</summary>{table}</details>" if block.folded else table
    encoded = base64.b64encode(block.path.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(block.alt)}" src="data:image/png;base64,{encoded}">'
        f"<figcaption>{_MARKDOWN.renderInline(block.caption)}</figcaption></figure>"
    )
