"""Physics-informed neural network for Burgers' equation: reference solutions, sampling, physics, training, evaluation."""
