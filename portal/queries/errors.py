"""Errors the query layer raises; each surface turns them into its own 404 / 400."""

from __future__ import annotations


class QueryError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(QueryError):
    """An unknown dataset, version, classification, node or supplier."""

    status = 404


class BadRequest(QueryError):
    """A parameter with a value we cannot use; the message names it and what is allowed."""
