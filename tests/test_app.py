"""The app factory serves the home page from the configured database."""

from __future__ import annotations

from flask import Flask


def test_home_page_lists_no_datasets_on_an_empty_database(app: Flask) -> None:
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "No datasets are loaded yet" in response.get_data(as_text=True)
