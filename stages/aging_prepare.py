"""Stage `aging_prepare`: UTKFace's faces resized and split by file, stratified by age group, with a data card."""

from redes.aging.data import UTKFACE_FILE, prepare, read_utkface, save_splits
from redes.aging.params import AgingParams
from redes.files import write_json
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"aging": AgingParams}, keras_backend=False)
    workspace, data = context.workspace, context.params.aging.data
    archive = read_utkface(workspace.raw("utkface") / UTKFACE_FILE, data.image_size)
    splits = prepare(archive, data.validation_fraction, data.test_fraction, seed=context.params.base.seed)
    save_splits(splits, workspace.processed("aging") / "faces.npz")
    card = {
        "image_size": data.image_size,
        "seed": context.params.base.seed,
        "sizes": splits.sizes(),
        "faces_per_group_and_gender": splits.card(),
        # Names off the published pattern: read where they hold an age and a gender, else left out.
        "irregular_names_read": archive.irregular,
        "names_skipped": archive.skipped,
    }
    write_json(workspace.processed("aging") / "card.json", card)
    print(f"prepared {splits.sizes()}; {len(archive.irregular)} irregular names read, {len(archive.skipped)} skipped")


if __name__ == "__main__":
    run_stage(main)
