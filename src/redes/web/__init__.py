"""The web page of the projects people try by hand, and its JSON API: `redes aircalc serve` runs it.

`create_app` builds the FastAPI app around a loaded recogniser; the page (static/) is plain
HTML, CSS and JavaScript served from the package, so it works offline and needs no build step.
"""

from redes.web.app import create_app

__all__ = ["create_app"]
