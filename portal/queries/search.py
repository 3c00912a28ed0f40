"""Search across every dataset: titles, classification labels and codes, suppliers, payments.

A hit needs every query word to start a word of the label's native or Latin key (see
portal/textsearch.py). SQLite answers through FTS5, PostgreSQL through LIKE on the same keys,
so both return the same hits; ranking happens here, the same for both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, literal, literal_column, or_, select, text
from sqlalchemy.orm import Session

from portal.models import Dataset, SearchEntry
from portal.queries.errors import BadRequest
from portal.textsearch import fold, query_tokens

KINDS = ("dataset", "node", "supplier", "payment")
KIND_WEIGHT = {"dataset": 40, "node": 30, "supplier": 25, "payment": 10}
CANDIDATES = 2000
MAX_QUERY = 200


def search(
    session: Session, q: str, kind: str | None = None, dataset: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Ranked hits for a query in any script, case or accentuation."""
    if len(q) > MAX_QUERY:
        raise BadRequest(f"q: at most {MAX_QUERY} characters")
    tokens = query_tokens(q)[:10]
    if not tokens:
        raise BadRequest("q: give at least one word or code to search for")
    if kind is not None and kind not in KINDS:
        raise BadRequest(f"kind must be one of {', '.join(KINDS)}, not '{kind}'")
    stmt = select(SearchEntry, Dataset.title).outerjoin(
        Dataset, Dataset.id == SearchEntry.dataset_id
    )
    if session.get_bind().dialect.name == "sqlite":
        match = " AND ".join(f'(native_key : "{n}"* OR latin_key : "{lat}"*)' for n, lat in tokens)
        stmt = stmt.where(
            SearchEntry.id.in_(
                select(literal_column("rowid"))
                .select_from(text("search_fts"))
                .where(text("search_fts MATCH :match"))
            )
        ).params(match=match)
    else:
        native = literal(" ") + SearchEntry.native_key
        latin_ = literal(" ") + SearchEntry.latin_key
        stmt = stmt.where(
            and_(*(or_(native.like(f"% {n}%"), latin_.like(f"% {lat}%")) for n, lat in tokens))
        )
    if kind:
        stmt = stmt.where(SearchEntry.kind == kind)
    if dataset:
        stmt = stmt.where(SearchEntry.dataset_id == dataset)
    rows = session.execute(stmt.limit(CANDIDATES)).all()
    words = [n for n, _ in tokens]
    folded_query = fold(q)
    hits = [_hit(e, title, _score(e, words, folded_query)) for e, title in rows]
    hits.sort(
        key=lambda h: (
            -h["score"],
            h["kind"],
            h["dataset"]["id"] if h["dataset"] else "",
            h["label"],
            h["code"] or "",
        )
    )
    return hits[:limit]


def _score(entry: SearchEntry, words: list[str], folded_query: str) -> float:
    label_words = entry.native_key.split()
    score = float(KIND_WEIGHT[entry.kind])
    score += 10 * sum(w in label_words for w in words)  # whole words beat prefixes
    if entry.native_key == folded_query or (entry.code and fold(entry.code) == folded_query):
        score += 20
    elif entry.native_key.startswith(folded_query):
        score += 5
    score -= min(len(entry.label), 200) / 40
    score -= entry.level or 0
    return round(score, 3)


def _hit(entry: SearchEntry, title: str | None, score: float) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "label": entry.label,
        "code": entry.code,
        "context": entry.context,
        "level": entry.level,
        "ref_id": entry.ref_id,
        "dataset": {"id": entry.dataset_id, "title": title} if entry.dataset_id else None,
        "score": score,
    }
