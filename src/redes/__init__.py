"""redes: the experiments of a neural-networks course, rebuilt by `dvc repro`."""

import os

# TensorFlow's C++ start-up chatter (oneDNN, CPU features) buries the one line per
# epoch that stage logs are for; warnings and errors still come through.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
