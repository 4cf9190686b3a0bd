"""The course report: one section per project, assembled from metrics and figures on disk.

A project joins the report by adding its section builder to `SECTIONS`; the
report stage depends on each project's metrics and figures in dvc.yaml.
"""

from __future__ import annotations

from collections.abc import Callable

from redes.config import Params
from redes.paths import Workspace
from redes.report import aging, aircalc, foundations, har, mnist, pinn
from redes.report.document import Section, to_html, to_markdown
from redes.report.provenance import environment_section

TITLE = "redes: results of the neural-networks course"

SectionBuilder = Callable[[Workspace, Params], Section]

# The one registration point: each project's section, in course order.
SECTIONS: tuple[SectionBuilder, ...] = (
    foundations.section,
    mnist.section,
    aircalc.section,
    har.section,
    aging.section,
    pinn.section,
)


def build(workspace: Workspace, params: Params) -> tuple[str, str]:
    """The report as (self-contained HTML, Markdown with figures relative to reports/)."""
    sections = [environment_section(workspace)] + [build_section(workspace, params) for build_section in SECTIONS]
    return to_html(TITLE, sections), to_markdown(TITLE, sections, workspace.summary_md.parent)
