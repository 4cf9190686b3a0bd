"""Stage `har_prepare`: HAPT raw signals to filtered, standardised windows split by subject, and a data card."""

from redes.files import write_json
from redes.har.data import prepare, save_windows
from redes.har.params import HarParams
from redes.runtime import run_stage, start_stage
from redes.sources import SOURCES


def main(argv: list[str]) -> None:
    context = start_stage({"har": HarParams}, keras_backend=False)
    workspace = context.workspace
    (source,) = SOURCES["hapt"]
    windows = prepare(workspace.raw("hapt") / source.filename, context.params.har.data)
    save_windows(windows, workspace.processed("har") / "har.npz")
    card = windows.card()
    write_json(workspace.processed("har") / "card.json", card)
    print("prepared " + ", ".join(f"{split}: {card[split]['windows']} windows" for split in card))


if __name__ == "__main__":
    run_stage(main)
