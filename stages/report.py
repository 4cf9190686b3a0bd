"""Stage `report`: reports/report.html (self-contained) and reports/summary.md from metrics and figures."""

from redes.report import build
from redes.runtime import run_stage, start_stage
from redes.sections import SECTIONS


def main(argv: list[str]) -> None:
    context = start_stage(SECTIONS, keras_backend=False, whole=True)
    workspace = context.workspace
    report_html, summary_md = build(workspace, context.params)
    workspace.report_html.write_text(report_html)
    workspace.summary_md.write_text(summary_md)
    print(f"wrote {workspace.report_html} and {workspace.summary_md}")


if __name__ == "__main__":
    run_stage(main)
