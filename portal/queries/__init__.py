"""The one query layer that pages, the API and embeds call."""

from portal.queries import datasets

__all__ = ["datasets"]
