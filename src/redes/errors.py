"""Errors a user can act on: a stage prints their message (no traceback) and exits 1."""


class RedesError(Exception):
    """Base of every error whose message says what went wrong and what to do."""
