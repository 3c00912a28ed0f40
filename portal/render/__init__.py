"""Renderers: one query result, several formats (JSON, CSV)."""
