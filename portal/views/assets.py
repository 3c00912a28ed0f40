"""Static files under content-hashed names, and compression of every text response.

`asset_url("site.css")` gives `/assets/site.<hash>.css`: the name changes whenever the content
does, so browsers may keep it for a year without asking again. The compressed bodies of these
files are made once per content and kept in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from threading import Lock

from flask import Blueprint, Flask, Response, abort, current_app, request

try:  # brotli is optional: gzip is the fallback every client understands
    import brotli
except ImportError:  # pragma: no cover - depends on the installation
    brotli = None

bp = Blueprint("assets", __name__)
YEAR = 365 * 24 * 3600
# Files that keep a stable name (a snippet on another site names them; it cannot be updated).
STABLE = {"embed-host.js": 3600}
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "image/svg+xml",
)
MIN_SIZE = 512
BEST_UP_TO = 2_000_000
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<ext>\.[a-z0-9]+)$")
TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
}


@dataclass
class Asset:
    """One file's bytes, its hash and its compressed forms (made when first asked)."""

    data: bytes
    digest: str
    mimetype: str
    encoded: dict[str, bytes] = field(default_factory=dict)


_cache: dict[tuple[str, float], Asset] = {}
_lock = Lock()


def _source(name: str) -> Path:
    """Where a named asset is: the static folder, or plotly.js from the installed package."""
    if name == "plotly.min.js":
        return Path(str(files("plotly") / "package_data" / "plotly.min.js"))
    folder = Path(current_app.static_folder or "")
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents or not path.is_file():
        abort(404)
    return path


def asset(name: str) -> Asset:
    """The file's bytes and hash, read again only when it changes on disk."""
    path = _source(name)
    key = (str(path), path.stat().st_mtime)
    with _lock:
        found = _cache.get(key)
    if found is None:
        data = path.read_bytes()
        found = Asset(
            data,
            hashlib.sha256(data).hexdigest()[:10],
            TYPES.get(path.suffix, "application/octet-stream"),
        )
        with _lock:
            _cache[key] = found
    return found


def asset_url(name: str) -> str:
    """The hashed address of a static file (`site.css` -> `/assets/site.<hash>.css`)."""
    stem, dot, ext = name.rpartition(".")
    hashed = f"{stem}.{asset(name).digest}.{ext}" if dot else name
    return f"/assets/{hashed}"


def stable_url(name: str) -> str:
    return f"/assets/{name}"


def _encoding() -> str | None:
    accepted = request.accept_encodings
    if brotli is not None and accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def _compress(data: bytes, encoding: str, best: bool = False) -> bytes:
    if encoding == "br":
        assert brotli is not None
        # The best quality takes seconds a megabyte: the full plotly.js gets a quicker one.
        quality = (11 if len(data) < BEST_UP_TO else 9) if best else 5
        return bytes(brotli.compress(data, quality=quality))
    return gzip.compress(data, compresslevel=9 if best else 6, mtime=0)


@bp.get("/assets/<path:name>")
def serve(name: str) -> Response:
    """A hashed file (cached for a year, immutable) or one of the few stable names."""
    match = _HASHED.match(name)
    if match:
        real = match["stem"] + match["ext"]
        found = asset(real)
        if found.digest != match["hash"]:
            abort(404)  # an old name: its content is gone, never serve other bytes under it
        max_age, immutable = YEAR, True
    elif name in STABLE:
        found = asset(name)
        max_age, immutable = STABLE[name], False
    else:
        abort(404)
    encoding = _encoding()
    body = found.data
    if encoding:
        with _lock:
            packed = found.encoded.get(encoding)
        if packed is None:
            packed = _compress(found.data, encoding, best=True)
            with _lock:
                found.encoded[encoding] = packed
        body = packed
    response = Response(body, mimetype=found.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if immutable:
        response.cache_control.immutable = True
    response.set_etag(found.digest + (f"-{encoding}" if encoding else ""))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.make_conditional(request)
    return response


def compress(response: Response) -> Response:
    """gzip (or brotli) a text response when the client accepts it."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.status_code < 200
        or response.status_code in (204, 304)
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
        or request.method == "HEAD"
    ):
        return response
    response.vary.add("Accept-Encoding")
    data = response.get_data()
    encoding = _encoding()
    if encoding is None or len(data) < MIN_SIZE:
        return response
    response.set_data(_compress(data, encoding))
    response.headers["Content-Encoding"] = encoding
    return response


def init_app(app: Flask) -> None:
    """Serve hashed assets, offer `asset_url` to templates and compress text responses."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(asset_url=asset_url, stable_url=stable_url)
    app.after_request(compress)
