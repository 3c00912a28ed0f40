"""Ashyq: an open portal that shows where public money goes."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from portal import config, db


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: configuration from the environment unless a test passes its own."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    db.init_app(app)

    from portal.views import pages

    app.register_blueprint(pages.bp)
    return app
