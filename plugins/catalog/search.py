"""Searching the catalog: one function, two back ends.

PostgreSQL: full-text search with an Italian configuration that also strips accents
(`condiviso_it` = `italian` + `unaccent`), and trigram similarity (`pg_trgm`) to forgive typos.
SQLite: FTS5 over Italian stems computed here with the same Snowball stemmer PostgreSQL uses.

On both, every query word also matches as a prefix of its stem ("anziano" → `anzi*` finds
"anziani" → `anzian`), a hyphenated word is also indexed joined ("baby-sitter" →
"babysitter"), and a word the catalog does not know is widened to the known words most like it
(trigrams, as pg_trgm counts them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from condiviso.plugin_api import db
from plugins.catalog.models import SearchWord, Service

CONFIG = "condiviso_it"
MIN_PREFIX = 3
SIMILARITY = 0.3  # pg_trgm's default threshold
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_stemmer = snowballstemmer.stemmer("italian")


def unaccent(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Lower-case, unaccented words; a hyphenated word also as one joined word."""
    found = []
    for match in _WORD.finditer(unaccent(text.lower())):
        word = match.group(0)
        if "-" in word:
            found.extend(part for part in word.split("-") if part)
            found.append(word.replace("-", ""))
        else:
            found.append(word)
    return found


def query_words(text: str) -> list[str]:
    """The words of a query: a hyphenated word counts once, joined."""
    return [m.group(0).replace("-", "") for m in _WORD.finditer(unaccent(text.lower()))][:12]


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(first: str, second: str) -> float:
    a, b = trigrams(first), trigrams(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def document_parts(service: Service) -> tuple[str, str]:
    """(title, body) of what a service is found by."""
    body = " ".join(
        filter(
            None,
            [
                service.audience,
                service.description,
                service.category.name if service.category else "",
                service.provider_name,
                " ".join(c.name for c in service.comuni),
            ],
        )
    )
    return service.title, body


def _dialect() -> str:
    return db.session.get_bind(mapper=Service).dialect.name


# -- indexing ------------------------------------------------------------------------------------


def _insert_statement() -> sa.TextClause:
    if _dialect() == "postgresql":
        return sa.text(
            "INSERT INTO catalog_search (service_id, document) VALUES (:id, "
            f"setweight(to_tsvector('{CONFIG}', :title), 'A') || to_tsvector('{CONFIG}', :body))"
        )
    return sa.text("INSERT INTO catalog_search (rowid, title, body) VALUES (:id, :title, :body)")


def _entry(service: Service) -> tuple[dict[str, object], list[str]]:
    """The index row of a published service (for this back end), and the words it holds."""
    title, body = document_parts(service)
    found = words(f"{title} {body}")
    if _dialect() == "postgresql":
        # PostgreSQL parses the text itself; the words it would not see (a hyphenated word
        # joined) are added to the body.
        extra = " ".join(w for w in found if w not in (title + body).lower())
        row = {"id": service.id, "title": title, "body": f"{body} {extra}"}
    else:
        row = {
            "id": service.id,
            "title": " ".join(stem(w) for w in words(title)),
            "body": " ".join(stem(w) for w in words(body)),
        }
    return row, found


def index_service(service: Service) -> None:
    """Bring the service's entry in the search index up to date (the caller commits)."""
    remove_from_index(service.id)
    if service.status != "published":
        return
    row, found = _entry(service)
    db.session.execute(_insert_statement(), row)
    _remember_words(found)


def remove_from_index(service_id: int) -> None:
    key = "service_id" if _dialect() == "postgresql" else "rowid"
    db.session.execute(sa.text(f"DELETE FROM catalog_search WHERE {key} = :id"), {"id": service_id})


def _remember_words(found: Iterable[str]) -> None:
    new = sorted({w for w in found if 4 <= len(w) <= 60 and not w.isdigit()})
    if new:
        insert = postgresql.insert if _dialect() == "postgresql" else sqlite.insert
        db.session.execute(
            insert(SearchWord.__table__).on_conflict_do_nothing(), [{"word": w} for w in new]
        )


def rebuild_index() -> int:
    """Index every published service again, in one pass (after an import, say); the number of
    services indexed."""
    db.session.execute(sa.text("DELETE FROM catalog_search"))
    db.session.execute(sa.delete(SearchWord))
    rows, found = [], set()
    for service in db.session.scalars(sa.select(Service).where(Service.status == "published")):
        row, service_words = _entry(service)
        rows.append(row)
        found.update(service_words)
    if rows:
        db.session.execute(_insert_statement(), rows)
    _remember_words(found)
    return len(rows)


# -- querying ------------------------------------------------------------------------------------


def _similar_words(word: str) -> list[str]:
    if len(word) < 4:
        return []
    if _dialect() == "postgresql":
        return list(
            db.session.scalars(
                sa.text(
                    "SELECT word FROM catalog_search_word WHERE word % :w "
                    "ORDER BY similarity(word, :w) DESC LIMIT 3"
                ),
                {"w": word},
            )
        )
    candidates = db.session.scalars(
        sa.select(SearchWord.word).where(SearchWord.word.like(f"{word[0]}%"))
    )
    scored = sorted(((similarity(word, c), c) for c in candidates), reverse=True)
    return [c for score, c in scored[:3] if score >= SIMILARITY]


def _alternatives(word: str) -> list[str]:
    return [word, *(w for w in _similar_words(word) if w != word)]


@dataclass(frozen=True)
class Match:
    """A query turned into what the back end matches: None when it has no searchable word."""

    groups: tuple[tuple[str, ...], ...]


def parse(query: str) -> Match | None:
    groups = tuple(tuple(_alternatives(w)) for w in query_words(query) if len(w) >= 2)
    return Match(groups) if groups else None


def _postgres_tsquery(match: Match) -> str:
    def term(word: str) -> str:
        return f"{word}:*" if len(word) >= MIN_PREFIX else word

    return " & ".join("(" + " | ".join(term(w) for w in group) + ")" for group in match.groups)


def _sqlite_match(match: Match) -> str:
    def term(word: str) -> str:
        stemmed = stem(word)
        return f'"{stemmed}"*' if len(stemmed) >= MIN_PREFIX else f'"{stemmed}"'

    return " AND ".join("(" + " OR ".join(term(w) for w in group) + ")" for group in match.groups)


def ranked_ids(match: Match) -> sa.Subquery:
    """(service_id, rank) of the services matching, as a subquery; higher rank is better."""
    if _dialect() == "postgresql":
        tsquery = sa.func.to_tsquery(sa.literal_column(f"'{CONFIG}'"), _postgres_tsquery(match))
        search = sa.table("catalog_search", sa.column("service_id"), sa.column("document"))
        return (
            sa.select(
                search.c.service_id.label("service_id"),
                sa.func.ts_rank_cd(search.c.document, tsquery).label("rank"),
            )
            .where(search.c.document.op("@@")(tsquery))
            .subquery()
        )
    search = sa.table("catalog_search", sa.column("rowid"))
    return (
        sa.select(
            search.c.rowid.label("service_id"),
            (-sa.func.bm25(sa.literal_column("catalog_search"), 5.0, 1.0)).label("rank"),
        )
        .where(sa.literal_column("catalog_search").op("MATCH")(_sqlite_match(match)))
        .subquery()
    )


def order_and_filter(query: sa.Select, match: Match | None) -> sa.Select:
    """Restrict a `select(Service)` to the services matching, best first."""
    if match is None:
        return query.order_by(Service.title)
    ranked = ranked_ids(match)
    return query.join(ranked, ranked.c.service_id == Service.id).order_by(
        ranked.c.rank.desc(), Service.title
    )


def search_words_of(services: Sequence[Service]) -> set[str]:
    return {w for s in services for w in words(" ".join(document_parts(s)))}
