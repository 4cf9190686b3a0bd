"""Stage `aircalc_prepare`: MNIST's digits and the two operator sets as 14-class splits, every image normalised."""

from redes.aircalc.data import prepare, save_splits
from redes.aircalc.params import AircalcParams
from redes.files import write_json
from redes.mnist.data import load_splits as load_mnist
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"aircalc": AircalcParams}, keras_backend=False)
    workspace, data = context.workspace, context.params.aircalc.data
    splits = prepare(
        load_mnist(workspace.processed("mnist") / "mnist.npz"),
        workspace.raw("aircalc"),
        validation_fraction=data.validation_fraction,
        test_fraction=data.test_fraction,
        seed=context.params.base.seed,
    )
    save_splits(splits, workspace.processed("aircalc") / "aircalc.npz")
    write_json(workspace.processed("aircalc") / "card.json", splits.card())
    print(f"prepared {splits.sizes()}")


if __name__ == "__main__":
    run_stage(main)
