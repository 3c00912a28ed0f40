"""The fiscal data model. Models hold no I/O: queries live in portal.queries."""

from portal.models.base import Base, Money
from portal.models.classifications import Classification, Node, NodeAncestor
from portal.models.datasets import (
    Dataset,
    DatasetVersion,
    Measure,
    Reconciliation,
    SourceFile,
)
from portal.models.facts import Fact, LineItem, LineItemNode, Payment, Supplier
from portal.models.search import SearchEntry

__all__ = [
    "Base",
    "Classification",
    "Dataset",
    "DatasetVersion",
    "Fact",
    "LineItem",
    "LineItemNode",
    "Measure",
    "Money",
    "Node",
    "NodeAncestor",
    "Payment",
    "Reconciliation",
    "SearchEntry",
    "SourceFile",
    "Supplier",
]
