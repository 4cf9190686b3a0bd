"""The report's two renderings of the same blocks: Markdown kept for GitHub, rendered by markdown-it for the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from redes.report.document import Figure, Headline, Section, Table, Text, to_html, to_markdown


@pytest.fixture
def sections(tmp_path: Path) -> list[Section]:
    figure = tmp_path / "figures" / "curve.png"
    figure.parent.mkdir()
    Image.new("RGB", (4, 3)).save(figure)
    headline = Headline("2.09e-04", "Raissi et al.: 6.7e-4", 2.09e-4, 6.7e-4, "run1", lower_is_better=True)
    return [
        Section("How these results were made", [Text("Code at `abc123`.")]),
        Section(
            "Physics-informed neural network: Burgers' equation",
            [
                Text("**3 of 3** checks pass, <script>alert(1)</script> stays text."),
                Table(("param", "value"), (("`pinn.width`", "20"),), folded="Params: section pinn (1 value)"),
                Figure(figure, "The error *gathers* at the front.", "A heat map of the error over t and x."),
            ],
            headline,
        ),
    ]


def test_a_section_s_anchor_is_the_one_github_gives_its_heading(sections: list[Section]) -> None:
    assert sections[1].anchor == "physics-informed-neural-network-burgers-equation"


def test_the_ratio_is_at_least_one_at_or_above_the_anchor_for_accuracies_and_errors_alike() -> None:
    assert Headline("", "", 0.9942, 0.9922, "r").ratio == pytest.approx(1.002, abs=1e-3)
    assert Headline("", "", 2.09e-4, 6.7e-4, "r", lower_is_better=True).ratio == pytest.approx(3.21, abs=1e-2)


def test_the_page_renders_the_markdown_the_summary_keeps(sections: list[Section], tmp_path: Path) -> None:
    page = to_html("results", sections)
    summary = to_markdown("results", sections, tmp_path)
    assert "<strong>3 of 3</strong>" in page and "**3 of 3**" in summary
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert "<td><code>pinn.width</code></td>" in page and "| `pinn.width` | 20 |" in summary
    assert "<figcaption>The error <em>gathers</em> at the front.</figcaption>" in page
    assert 'alt="A heat map of the error over t and x."' in page
    assert "![A heat map of the error over t and x.](figures/curve.png)" in summary


def test_the_opening_links_each_headline_to_its_section_and_folded_tables_fold(
    sections: list[Section], tmp_path: Path
) -> None:
    page = to_html("results", sections)
    summary = to_markdown("results", sections, tmp_path)
    link = "physics-informed-neural-network-burgers-equation"
    assert f'<h2 id="{link}">' in page
    assert f'<td><a href="#{link}">Physics-informed neural network: Burgers\' equation</a></td>' in page
    assert f"| [Physics-informed neural network: Burgers' equation](#{link}) | 2.09e-04 |" in summary
    assert page.index("<table>") < page.index("<h2")  # the headline table opens the page
    assert '<details><summary>Params: section pinn (1 value)</summary><div class="table"><table>' in page
    assert "<details><summary>Params: section pinn (1 value)</summary>\n\n| param | value |" in summary
