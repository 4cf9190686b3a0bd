"""Stage `report`: reports/report.html (self-contained) and reports/summary.md from metrics and figures."""

from redes.report import build
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage(keras_backend=False)
    workspace = context.workspace
    report_html, summary_md = build(workspace, context.params)
    workspace.report_html.write_text(report_html)
    workspace.summary_md.write_text(summary_md)
    print(f"wrote {workspace.report_html} and {workspace.summary_md}")


if __name__ == "__main__":
    run_stage(main)
