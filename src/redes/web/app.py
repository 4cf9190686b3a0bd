"""The FastAPI app: the page, its static files, and the limits and error answers every API route shares.

Whatever a client sends, the answer is JSON it can show: `{"error": "..."}` with 400 for an
image that cannot be decoded, 413 for a body over `max_body_bytes` (refused by its
Content-Length before it is read, or counted as it arrives by Starlette's
RequestBodyLimitMiddleware, so nothing larger is buffered), 422 for a request of the wrong
shape, 429 past `requests_per_minute` API requests from one address (slowapi), never a traceback.
The camera mode's WebSocket (redes.web.camera) has limits of its own: per frame and per server.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIASGIMiddleware
from slowapi.util import get_remote_address
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from redes.web.aging import add_aging_routes
from redes.web.aircalc import add_aircalc_routes
from redes.web.camera import add_camera_route

if TYPE_CHECKING:
    from redes.aging.render import Ager
    from redes.aircalc.recognize import Recognizer

MAX_BODY_BYTES = 10 * 2**20  # a phone photo is 2-8 MB; a pad's strokes are a few kB
# The page reads once per pause in the writing; a person rarely pauses once a second for a minute.
REQUESTS_PER_MINUTE = 60
STATIC = Path(__file__).parent / "static"
# The page loads nothing from anywhere else (it works offline); a photo's preview is a blob: URL.
PAGE_POLICY = "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
_SHOWN_PROBLEMS = 5  # of a request's validation errors: enough to fix it, short enough to read


def create_app(
    recognizer: Recognizer,
    *,
    hand_model: Path | None = None,
    ager: Ager | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    requests_per_minute: int = REQUESTS_PER_MINUTE,
) -> FastAPI:
    """AirCalc's page at `/` and its API under `/api/aircalc/`, face aging's page at `/age` and its API
    at `/api/age`, their files under `/static/`.

    `hand_model` is MediaPipe's hand landmarker for the camera mode (without it the mode says it is unavailable).
    `ager` is the trained face ager (without it the aging API says how to train one).
    """
    # The docs pages load their scripts from a CDN, which an offline machine does not reach.
    app = FastAPI(title="redes", docs_url=None, redoc_url=None, form_limits={"max_files": 1})
    # Not FastAPI's own max_body_size: that one answers an announced oversized body in plain text, past
    # any handler. Each middleware added wraps those before it, so a request meets them in reverse:
    # the rate limit, then the announced length, then the count of the bytes as they arrive.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=max_body_bytes)
    app.add_middleware(AnnouncedBodyLimit, max_body_bytes=max_body_bytes)
    # Counted per client address over all API routes together; the page and its files are free.
    limiter = Limiter(key_func=get_remote_address, application_limits=[f"{requests_per_minute}/minute"])
    app.state.limiter = limiter
    # Middleware rather than a decorator: the limit is checked before the body is read.
    app.add_middleware(SlowAPIASGIMiddleware)

    def too_many_requests(request: Request, error: RateLimitExceeded) -> JSONResponse:
        message = f"too many requests: at most {error.detail} from one address; wait a minute and try again"
        return JSONResponse({"error": message}, status_code=429, headers={"Retry-After": "60"})

    def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 413:  # a body sent without its length, counted past the limit
            return too_large(max_body_bytes)
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code, headers=error.headers)

    app.add_exception_handler(RateLimitExceeded, too_many_requests)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, server_error)

    @app.get("/", include_in_schema=False)
    @limiter.exempt
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": PAGE_POLICY})

    @app.get("/age", include_in_schema=False)
    @limiter.exempt
    async def aging_page() -> FileResponse:
        return FileResponse(STATIC / "age.html", headers={"Content-Security-Policy": PAGE_POLICY})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_aircalc_routes(app, recognizer)
    add_camera_route(app, hand_model)
    add_aging_routes(app, ager)
    return app


class AnnouncedBodyLimit:
    """413 for a request whose Content-Length is over the limit, before anything reads its body."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length", "")
            if length.isdigit() and int(length) > self.max_body_bytes:
                await too_large(self.max_body_bytes)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def too_large(max_body_bytes: int) -> JSONResponse:
    return JSONResponse({"error": f"the request is too large: at most {_size(max_body_bytes)} are read"}, 413)


def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 with what is wrong where, e.g. "strokes[0][2]: Tuple should have at most 2 items ...", and the details."""
    problems = []
    for problem in error.errors():
        place = _place(problem.get("loc", ()))
        reason = problem.get("msg", "invalid")
        if problem.get("type") == "json_invalid":
            reason += f" ({problem.get('ctx', {}).get('error', '')})"
        problems.append(f"{place}: {reason}" if place else reason)
    message = "; ".join(problems[:_SHOWN_PROBLEMS])
    if len(problems) > _SHOWN_PROBLEMS:
        message += f"; and {len(problems) - _SHOWN_PROBLEMS} more"
    detail = [{key: problem[key] for key in ("loc", "msg", "type") if key in problem} for problem in error.errors()]
    return JSONResponse({"error": message, "detail": detail}, status_code=422)


def server_error(request: Request, error: Exception) -> JSONResponse:
    # Uvicorn logs the traceback for whoever runs the server; the client gets a sentence.
    return JSONResponse({"error": "the server failed on this request; its log says why"}, status_code=500)


def _place(location: tuple | list) -> str:
    """("body", "strokes", 0, 2) -> "strokes[0][2]"; the body itself is the place nobody needs named."""
    place = ""
    for part in location:
        if part == "body" and not place:
            continue
        if isinstance(part, int):
            place += f"[{part}]" if place else f"character {part}"
        else:
            place += f".{part}" if place else str(part)
    return place


def _size(count: int) -> str:
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"
