"""The notes' equations written out in NumPy, each checked against TensorFlow or scikit-learn.

Every module returns `Check`s (see `checks.py`); the `foundations` stage runs them all,
fails if any check misses its tolerance, and puts the figures and the check table in
MLflow and the report. Equation numbers are those of the course notes.
"""
