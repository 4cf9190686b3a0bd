"""MNIST with a feed-forward net and a CNN: the course's first project."""
