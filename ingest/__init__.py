"""Ingest: turn published spreadsheets into the fiscal data model, driven by recipes."""
