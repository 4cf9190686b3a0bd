"""Course project 3: a physics-informed neural network that solves Burgers' equation and identifies its coefficients."""
