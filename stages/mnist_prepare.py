"""Stage `mnist_prepare`: IDX files to scaled arrays with a seeded validation split."""

from redes.files import write_json
from redes.mnist.data import prepare, save_splits
from redes.mnist.params import MnistParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"mnist": MnistParams}, keras_backend=False)
    workspace, params = context.workspace, context.params
    splits = prepare(workspace.raw("mnist"), params.mnist.data.validation_size, params.base.seed)
    save_splits(splits, workspace.processed("mnist") / "mnist.npz")
    write_json(workspace.processed("mnist") / "card.json", splits.card())
    print(f"prepared {splits.sizes()}")


if __name__ == "__main__":
    run_stage(main)
