"""Ashyq: an open portal that shows where public money goes."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from portal import config, db


class Id64Converter(IntegerConverter):
    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: configuration from the environment unless a test passes its own."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
    )
    # Ids in URLs are database integers: a larger number is simply not found (a 404), never
    # an overflow inside the database driver.
    app.url_map.converters["int"] = Id64Converter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep fields in a readable order
    db.init_app(app)

    from portal.views import api, apidocs, explore, pages, payments, site

    site.init_app(app)  # languages, formatting, page headers, error pages
    app.register_blueprint(pages.bp)
    app.register_blueprint(explore.bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(apidocs.bp)
    from portal.views import assets, embed

    assets.init_app(app)  # hashed static names, compression of text responses
    app.register_blueprint(embed.bp)
    app.register_blueprint(embed.share)
    from portal.views import kazakhstan

    app.register_blueprint(kazakhstan.bp)
    return app
