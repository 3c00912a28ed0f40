"""A real HTTP server running the portal in a thread, for browser tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from werkzeug.serving import make_server

from portal import create_app


@contextmanager
def serve(engine: Engine) -> Iterator[str]:
    """Serve the portal on the engine's database at a free local port; yield its base URL."""
    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["ashyq.engine"].dispose()
