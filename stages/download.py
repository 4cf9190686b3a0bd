"""Stage `<dataset>_download`: the dataset's published files into data/raw/<dataset>, sha256-verified."""

from redes.fetch import fetch_all
from redes.runtime import run_stage, start_stage
from redes.sources import dataset_sources


def main(argv: list[str]) -> None:
    (dataset,) = argv
    context = start_stage({}, keras_backend=False)
    sources = dataset_sources(dataset, context.data_catalog)
    for path in fetch_all(sources, context.workspace.raw(dataset), context.data_mirror):
        print(f"{path}: verified")


if __name__ == "__main__":
    run_stage(main)
