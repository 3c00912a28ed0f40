"""The OpenAPI 3.1 document of /api/v1, built from one table of endpoints and parameters."""

from __future__ import annotations

import re
from typing import Any

from portal.queries.params import MAX_PAGESIZE

PARAMS: dict[str, dict[str, Any]] = {
    "dataset_id": {
        "in": "path",
        "schema": {"type": "string"},
        "description": "Dataset id (a stable slug).",
        "example": "us-omb-outlays-fy2022",
    },
    "classification": {
        "in": "path",
        "schema": {"type": "string"},
        "description": "Classification key of the dataset.",
        "example": "administrative",
    },
    "supplier_id": {
        "in": "path",
        "schema": {"type": "integer", "minimum": 1},
        "description": "Supplier id.",
        "example": 1,
    },
    "fmt": {
        "in": "path",
        "schema": {"type": "string", "enum": ["json", "csv"]},
        "description": "Output format as a suffix: .json or .csv.",
    },
    "format": {
        "schema": {"type": "string", "enum": ["json", "csv"]},
        "description": "Output format (default json); same as the .csv suffix.",
    },
    "bom": {
        "schema": {"type": "string", "enum": ["0", "1"]},
        "description": "With format=csv, 1 starts the file with a UTF-8 byte-order mark so "
        "Excel reads Cyrillic and Hebrew right.",
    },
    "version": {
        "schema": {"type": "string"},
        "description": "Dataset version number, or 'current' (default).",
    },
    "country": {
        "schema": {"type": "string"},
        "description": "ISO 3166-1 alpha-2 country code.",
        "example": "KZ",
    },
    "kind": {
        "schema": {"type": "string"},
        "description": "Datasets: budget, payments or statistic. Search: dataset, node, "
        "supplier or payment.",
    },
    "year": {"schema": {"type": "integer"}, "description": "Fiscal year held by the dataset."},
    "drilldown": {
        "schema": {"type": "string"},
        "description": "Fields to group by, separated by '|': a classification key, "
        "optionally at a level (administrative.2), or year, period, "
        "phase, direction, role, measure.",
        "example": "administrative",
    },
    "cut": {
        "schema": {"type": "string"},
        "description": "Filters field:value separated by '|'; ';' separates allowed values. "
        "Classification cuts take a node code (or label when it has none).",
        "example": "year:2020|phase:executed",
    },
    "measure": {"schema": {"type": "string"}, "description": "Measure key (same as cut measure:)."},
    "order": {
        "schema": {"type": "string"},
        "description": "Sort fields with :asc or :desc, separated by '|'.",
        "example": "amount:desc",
    },
    "page": {"schema": {"type": "integer", "minimum": 1}, "description": "Page number (from 1)."},
    "pagesize": {
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGESIZE},
        "description": f"Rows per page (at most {MAX_PAGESIZE}).",
    },
    "after": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Keyset cursor: the id to continue after (from the `next` link).",
    },
    "parent": {"schema": {"type": "string"}, "description": "Node id whose children to list."},
    "q": {
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": "Words or codes in any script; case, accents and Hebrew points do not "
        "matter; Latin finds Cyrillic (Almaty finds Алматы).",
        "example": "Almaty",
    },
    "dataset": {"schema": {"type": "string"}, "description": "Only hits in this dataset."},
    "limit": {
        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
        "description": "Number of hits (default 50).",
    },
}

ENDPOINTS: list[tuple[str, str, str, list[str]]] = [
    ("/datasets", "dataset_list", "Every dataset with its metadata", ["country", "kind", "year"]),
    (
        "/datasets/{dataset_id}",
        "dataset_detail",
        "Metadata, classifications, provenance and reconciliation results",
        ["version"],
    ),
    (
        "/datasets/{dataset_id}/aggregate",
        "dataset_aggregate",
        "Sums by classification levels and fields; series that may not be added stay apart",
        ["version", "drilldown", "cut", "measure", "order", "page", "pagesize"],
    ),
    (
        "/datasets/{dataset_id}/facts",
        "dataset_facts",
        "Line items with their classification paths and source cells (keyset pages)",
        ["version", "cut", "after", "pagesize"],
    ),
    (
        "/datasets/{dataset_id}/members/{classification}",
        "dataset_members",
        "The nodes of a classification tree",
        ["version", "parent"],
    ),
    (
        "/datasets/{dataset_id}/datapackage.json",
        "dataset_datapackage",
        "Fiscal Data Package descriptor",
        ["version"],
    ),
    (
        "/datasets/{dataset_id}/datapackage.csv",
        "dataset_datapackage_csv",
        "The Fiscal Data Package's CSV",
        ["version"],
    ),
    (
        "/search",
        "search_view",
        "Ranked hits across every dataset",
        ["q", "kind", "dataset", "limit"],
    ),
    ("/suppliers", "supplier_list", "Who got paid, by total received", ["q", "page", "pagesize"]),
    (
        "/suppliers/{supplier_id}",
        "supplier_detail",
        "A supplier's totals and payments across datasets",
        ["after", "pagesize"],
    ),
]
# Every list endpoint also answers at PATH.json and PATH.csv.
SUFFIXED = {
    "dataset_list",
    "dataset_detail",
    "dataset_aggregate",
    "dataset_facts",
    "dataset_members",
    "search_view",
    "supplier_list",
    "supplier_detail",
}
FORMAT_PARAMS = ["format", "bom"]

ERROR = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _parameter(name: str, path_params: set[str]) -> dict[str, Any]:
    spec = dict(PARAMS[name])
    where = "path" if name in path_params else "query"
    spec["in"] = where
    spec["name"] = name
    spec["required"] = where == "path"
    return spec


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, Any] = {}
    for path, operation, summary, params in ENDPOINTS:
        variants = [(path, operation)]
        if operation in SUFFIXED:
            variants.append((path + ".{fmt}", operation + "_fmt"))
        for variant, op_id in variants:
            path_params = set(re.findall(r"\{(\w+)\}", variant))
            names = (
                sorted(path_params)
                + params
                + (
                    []
                    if operation.startswith("dataset_datapackage") and "csv" not in operation
                    else FORMAT_PARAMS
                )
            )
            paths[variant] = {
                "get": {
                    "operationId": op_id,
                    "summary": summary,
                    "parameters": [_parameter(n, path_params) for n in names],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
                        "400": ERROR,
                        "404": ERROR,
                    },
                }
            }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ashyq download API",
            "version": "1",
            "description": "Budgets and payments as governments publish them. Amounts are "
            "exact decimal strings in base currency units; JSON by default, CSV "
            "with a .csv suffix or format=csv.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["ok", "status", "error"],
                    "properties": {
                        "ok": {"const": False},
                        "status": {"type": "integer"},
                        "error": {"type": "string"},
                    },
                }
            }
        },
    }
