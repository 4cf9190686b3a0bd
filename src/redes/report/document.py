"""A report as plain blocks (text, tables, figures), rendered to Markdown and to self-contained HTML.

Sections are built once from metrics and figures on disk; the two renderers only
lay them out. The HTML embeds every figure as base64 and loads nothing from the
network, so it opens offline; the Markdown links figures relative to reports/, so
GitHub renders it from the committed files.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figure:
    path: Path
    caption: str


Block = Text | Table | Figure


@dataclass(frozen=True)
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


def to_markdown(title: str, sections: list[Section], base_dir: Path) -> str:
    lines = [f"# {title}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Text):
                lines += [block.text, ""]
            elif isinstance(block, Table):
                lines.append("| " + " | ".join(_md_cell(c) for c in block.columns) + " |")
                lines.append("|" + "---|" * len(block.columns))
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
                lines.append("")
            else:
                relative = block.path.resolve().relative_to(base_dir.resolve()).as_posix()
                lines += [f"![{block.caption}]({relative})", f"*{block.caption}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_cell(value: str) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
th { background: #f0f0f0; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; } figcaption { font-style: italic; color: #555; }
code { font-size: 0.9em; }
"""


def to_html(title: str, sections: list[Section]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        for block in section.blocks:
            if isinstance(block, Text):
                parts.append(f"<p>{_inline_code(html.escape(block.text))}</p>")
            elif isinstance(block, Table):
                header = "".join(f"<th>{html.escape(c)}</th>" for c in block.columns)
                body = "".join(
                    "<tr>" + "".join(f"<td>{_inline_code(html.escape(str(c)))}</td>" for c in row) + "</tr>"
                    for row in block.rows
                )
                parts.append(f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>")
            else:
                encoded = base64.b64encode(block.path.read_bytes()).decode("ascii")
                caption = html.escape(block.caption)
                parts.append(
                    f'<figure><img alt="{caption}" src="data:image/png;base64,{encoded}">'
                    f"<figcaption>{caption}</figcaption></figure>"
                )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _inline_code(escaped: str) -> str:
    """`code` spans, the one piece of Markdown the HTML renderer understands."""
    pieces = escaped.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))
