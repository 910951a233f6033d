"""The SQL of ``TrainerSearch``, assembled from fixed fragments for the filters present.

Only the filters a query uses appear in its statement, so each combination
gets a plan that uses its index (``$x IS NULL OR ...`` would defeat them).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from readapi import cursor
from readapi.queries import InvalidQuery, TrainerSearch

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
# The bounds of a search (below): the trainers it ranks (and the postings a word needs
# to be listed from them alone), the postings of the driving word it reads to find
# them when filters or other words may reject some, the words starting with it.
CANDIDATES = 200
WALK = 500
MAX_TERMS = 32
# A word with at least this many name and specialty postings is listed from them.
LIST_FROM = 200

FILTERS = {
    "branch": "t.branch_id = (SELECT b.id FROM read.branch b WHERE b.slug = %(branch)s)",
    "specialties": "t.specialty_ids @> ARRAY(SELECT s.id FROM read.specialty s"
    " WHERE s.slug = ANY(%(specialties)s))",
    "shift": "t.shift = %(shift)s",
    "position": 't."position" = %(position)s',
    "weekday": "t.weekdays @> ARRAY[%(weekday)s::smallint]",
}
# The same filters once the slugs are resolved: values the planner can estimate.
BY_ID = {
    "branch": "t.branch_id = %(branch_id)s",
    "specialties": "t.specialty_ids @> %(specialty_ids)s::bigint[]",
}
TSQ = "to_tsquery('simple', %(tsq)s)"
MATCH = {True: f"(t.search @@ {TSQ} OR %(words)s <%% t.names)", False: f"t.search @@ {TSQ}"}
RANK = {
    True: f"ts_rank(t.search, {TSQ}) + word_similarity(%(words)s, t.names)",
    False: f"ts_rank(t.search, {TSQ})",
}

BY_NAME = """
SELECT t.id, t.rev, t.sort_key AS k, t.hired_on, {columns},
       row_number() OVER (ORDER BY t.sort_key, t.id) AS n
  FROM read.trainer t
 WHERE {where}
 ORDER BY t.sort_key, t.id
 LIMIT %(limit)s + 1"""

# A ranked search reads read.search_term, the words of trainers' names and specialty
# names, best first, so its work is bounded however many trainers match
# (docs/read-model.md, "Search"). The driving word is the query's word with the fewest
# postings there (counted up to a cap); its postings are those of the words starting
# with it (at most MAX_TERMS of them, found by skipping through the index).
WORDS = """
driver AS MATERIALIZED (
    SELECT u.w, u.w || chr(1114111) AS w_end,
           (SELECT count(*) FROM (SELECT FROM read.search_term s
                                   WHERE s.term >= u.w AND s.term < u.w || chr(1114111)
                                   LIMIT %(count_cap)s) c) AS found
      FROM unnest(%(word_list)s::text[]) WITH ORDINALITY AS u (w, n)
     ORDER BY 3, u.n
     LIMIT 1),
terms AS (
    SELECT (SELECT s.term FROM read.search_term s
             WHERE s.term >= (SELECT w FROM driver) AND s.term < (SELECT w_end FROM driver)
             ORDER BY s.term LIMIT 1) AS term, 1 AS k
    UNION ALL
    SELECT (SELECT s.term FROM read.search_term s
             WHERE s.term > t.term AND s.term < (SELECT w_end FROM driver)
             ORDER BY s.term LIMIT 1), t.k + 1
      FROM terms t
     WHERE t.term IS NOT NULL AND t.k < %(max_terms)s),
words AS (
    SELECT t.term FROM terms t WHERE t.term IS NOT NULL),
listed AS MATERIALIZED (
    SELECT (SELECT found FROM driver) >= %(list_from)s AND (SELECT count(*) FROM words) = 1
           AS yes)"""

# One word, no filter, that starts exactly one word of read.search_term, with at least
# LIST_FROM postings: the page is read straight from that word's postings, best first
# (score, then trainer id, both descending), so the cursor pages exactly through every
# name and specialty match. Bio words and typos are left to rarer words.
BY_POSTING = """
SELECT t.id, t.rev, p.score::text AS k, t.hired_on, {columns},
       row_number() OVER (ORDER BY p.score DESC, p.trainer_id DESC) AS n
  FROM (SELECT s.trainer_id, s.score
          FROM read.search_term s
         WHERE s.term = (SELECT min(term) FROM words) AND {after}
           AND (SELECT yes FROM listed)
         ORDER BY s.score DESC, s.trainer_id DESC
         LIMIT %(limit)s + 1) p
  JOIN read.trainer t ON t.id = p.trainer_id
 ORDER BY p.score DESC, p.trainer_id DESC"""
AFTER_POSTING = "(s.score, s.trainer_id) < (%(after_k)s::real, %(after_id)s)"

# Otherwise at most CANDIDATES trainers are ranked (full-text rank plus trigram
# similarity of the names): the first that pass the filters and match every word
# among WALK postings of the driving word, best first; and, when that word has fewer
# than CANDIDATES postings, as many of the matches the GIN indexes find (bio words,
# typos). Only the page's documents are fetched.
BY_RANK = """
SELECT t.id, t.rev, r.rank::text AS k, t.hired_on, {columns},
       row_number() OVER (ORDER BY r.rank DESC, r.id) AS n
  FROM (SELECT r.id, r.rank
          FROM (SELECT t.id, ({rank})::real AS rank
                  FROM (SELECT DISTINCT ON (t.id) t.id, t.search, t.names
                          FROM ((SELECT t.id, t.search, t.names
                                   FROM (SELECT p.trainer_id, max(p.score) AS score
                                           FROM words w
                                          CROSS JOIN LATERAL (
                                                SELECT s.trainer_id, s.score
                                                  FROM read.search_term s
                                                 WHERE s.term = w.term
                                                 ORDER BY s.score DESC, s.trainer_id DESC
                                                 LIMIT %(walk)s) p
                                          GROUP BY p.trainer_id
                                          ORDER BY 2 DESC, 1 DESC
                                          LIMIT %(walk)s) p
                                   JOIN read.trainer t ON t.id = p.trainer_id
                                  WHERE {where}
                                  ORDER BY p.score DESC, p.trainer_id DESC
                                  LIMIT %(candidates)s){fallback}) t
                         WHERE {gate}
                         ORDER BY t.id) t) r
         WHERE {after}
         ORDER BY r.rank DESC, r.id
         LIMIT %(limit)s + 1) r
  JOIN read.trainer t ON t.id = r.id
 ORDER BY r.rank DESC, r.id"""

# The matches the GIN indexes find, when the driving word has few postings: full text
# (bio words) and, where pg_trgm is installed, trigram similarity to the names (typos),
# each the first CANDIDATES in the table's physical order. No sort: a common bio word
# stops after CANDIDATES rows of a sequential scan instead of sorting all its matches,
# and the read pool turns off synchronized scans, so every page sees the same
# candidates (readapi/db.py, docs/read-model.md "Search").
FALLBACK = """
                                UNION ALL
                                (SELECT t.id, t.search, t.names
                                   FROM read.trainer t
                                  WHERE (SELECT found FROM driver) < %(candidates)s
                                    AND {where}
                                  LIMIT %(candidates)s)"""
FULL_TEXT = f"t.search @@ {TSQ}"
# The same test where no index can answer it: a sequential scan that stops at the
# CANDIDATES-th match. For a word in at least COMMON of the trainers (by PostgreSQL's
# statistics, ``CommonWords``) that is a few thousand rows, where the index's bitmap
# collects every match first ("since": all 34,000 of 85,000 trainers, 8.6 ms, before the
# first 200 are taken); the plan made once for one statement text cannot tell the two
# kinds of word apart, so a common word gets a text of its own. Both read the table in
# its physical order and take the same first matches (docs/read-model.md "Search").
FULL_TEXT_SCAN = f"(t.search @@ {TSQ}) IS TRUE"
COMMON = 0.1
TRIGRAM = "%(words)s <%% t.names"
AFTER_RANK = "(r.rank < %(after_k)s::real OR (r.rank = %(after_k)s::real AND r.id > %(after_id)s))"

# The items are spliced as text, each with its tenure first: half the statement's time
# went to building a jsonb array from jsonb items, only to print it as text again.
# ``item_text`` is the item printed once, when its row is written (a column PostgreSQL
# generates, migration 0021): printing 21 items as JSON was a third of a list page's
# statement. The directory's pages splice their cards the same way (``cards``).
PAGE = """
WITH page AS ({page})
SELECT {items},
       count(*) > %(limit)s,
       max(p.k) FILTER (WHERE p.n = %(limit)s),
       max(p.id::text) FILTER (WHERE p.n = %(limit)s),
       md5(to_char(read.today(), 'YYYYMMDD') || ':'
           || coalesce(string_agg(p.rev::text, ',' ORDER BY p.n)
                       FILTER (WHERE p.n <= %(limit)s), '')),
       {checks}
  FROM page p"""
ITEMS = """'[' || coalesce(string_agg('{"tenure_years": ' || read.tenure_years(p.hired_on) || ', '
                                  || p.item_text, ', ' ORDER BY p.n)
                       FILTER (WHERE p.n <= %(limit)s), '') || ']'"""
# What a page's rows carry for ITEMS, and for the cards of the directory
# (readapi/pages/directory.py ``CARDS``: ``card_html``, migration 0023).
COLUMNS = {False: "t.item_text", True: 't."position", t.card_html'}

# Values with few possible values, validated (the page size, shift, position, weekday) or
# read from the read model (the ids of branches and specialties), are written into the
# statement as constants rather than sent as parameters. A statement without parameters
# is planned once when it is prepared (readapi/statements.py); with them, PostgreSQL
# planned a list page anew at every execution (0.19 ms of its 0.4 ms), its plan for any
# value (a bitmap over every match, sorted) being 20x slower than the one it plans for
# the values it is given. Words and cursor positions stay parameters.
INLINE = ("limit", "branch_id", "specialty_ids", "shift", "position", "weekday")
NAME = re.compile(r"[a-z][a-z0-9_-]*")

CHECKS = {
    "branch": "(SELECT count(*) FROM read.branch WHERE slug = %(branch)s)",
    "specialties": "(SELECT count(*) FROM read.specialty WHERE slug = ANY(%(specialties)s))",
}


def constant(value: object) -> str | None:
    """``value`` as an SQL constant, or None to leave it a parameter."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list) and all(type(v) is int for v in value):
        return "'{" + ",".join(map(str, value)) + "}'"
    if isinstance(value, str) and NAME.fullmatch(value):
        return f"'{value}'"
    return None


def inline(sql: str, params: dict[str, Any]) -> str:
    for name in INLINE:
        value = constant(params.get(name))
        if value is not None:
            sql = sql.replace(f"%({name})s", value)
    return sql


def words(q: str) -> list[str]:
    found = WORD.findall(q.lower())
    if not found:
        raise InvalidQuery("q", "The search text has no letters or digits.")
    if len(found) > MAX_WORDS:
        raise InvalidQuery("q", f"The search text has more than {MAX_WORDS} words.")
    return found


class CommonWords:
    """How often words start the lexemes of ``read.trainer.search``: PostgreSQL's most
    common elements of the column (``pg_stats``, up to ten times the statistics target,
    with their frequencies), summed over the lexemes a prefix matches."""

    def __init__(self, elements: Sequence[str] = (), frequencies: Sequence[float] = ()) -> None:
        pairs = sorted(zip(elements, frequencies, strict=True))
        self.lexemes = [lexeme for lexeme, _ in pairs]
        self.sums = list(itertools.accumulate((f for _, f in pairs), initial=0.0))

    def frequency(self, prefix: str) -> float:
        start = bisect.bisect_left(self.lexemes, prefix)
        end = bisect.bisect_left(self.lexemes, prefix + "\U0010ffff", start)
        return self.sums[end] - self.sums[start]


NO_STATISTICS = CommonWords()


def statement(
    query: TrainerSearch,
    *,
    trigram: bool,
    ids: tuple[int | None, list[int]] | None = None,
    common: CommonWords = NO_STATISTICS,
    cards: str = "",
) -> tuple[str, dict[str, Any], cursor.Order, str]:
    """The SQL text, its parameters, the sort order and the cursor fingerprint of a search.

    ``ids``: the branch and specialty ids when the caller already resolved the slugs
    (and checked they exist); otherwise the statement resolves and checks them.
    ``common``: the words a sequential scan finds sooner than the full-text index.
    ``cards``: the expression that writes the page's cards in place of its JSON items
    (readapi/pages/directory.py ``CARDS``), over the page's rows (``COLUMNS``).
    """
    params: dict[str, Any] = {
        "limit": query.limit,
        "branch": query.branch,
        "specialties": sorted(set(query.specialties)),
        "shift": query.shift,
        "position": query.position,
        "weekday": query.weekday,
    }
    if ids is not None:
        params.update(branch_id=ids[0], specialty_ids=ids[1])
    found = words(query.q) if query.q is not None else []
    order: cursor.Order = "rank" if found else "name"
    fp = cursor.fingerprint(*(params[name] for name in FILTERS), found)
    after = cursor.decode(query.cursor, order, fp) if query.cursor else None
    if after:
        params.update(after_k=after.key, after_id=after.id)
    filters = tuple(name for name in FILTERS if params[name])
    one_word = len(found) == 1 and not filters
    scan = False
    if found:
        params.update(
            tsq=" & ".join(f"{w}:*" for w in found),
            words=" ".join(found),
            word_list=found,
            candidates=CANDIDATES,
            walk=CANDIDATES if one_word else WALK,
            count_cap=max(LIST_FROM, CANDIDATES) if one_word else WALK,
            list_from=LIST_FROM,
            max_terms=MAX_TERMS,
        )
        scan = one_word and common.frequency(found[0]) >= COMMON
    # The text depends on which values are present, not on the words or the position:
    # assembled once per shape (and per constant written into it).
    shape = Shape(
        filters,
        tuple((name, _hashable(params[name])) for name in INLINE if name in params),
        resolved=ids is not None,
        ranked=bool(found),
        one_word=one_word,
        scan=scan,
        after=after is not None,
        trigram=trigram,
        cards=cards,
    )
    return _text(shape), params, order, fp


@dataclass(frozen=True, slots=True)
class Shape:
    """What a search's SQL text depends on: the filters present, the values written into
    it as constants (``INLINE``), whether it ranks words and continues from a cursor, and
    what it writes of its rows (JSON items, or ``cards``)."""

    filters: tuple[str, ...]
    constants: tuple[tuple[str, Any], ...]
    resolved: bool
    ranked: bool
    one_word: bool
    scan: bool
    after: bool
    trigram: bool
    cards: str = ""


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


@functools.lru_cache(maxsize=1024)
def _text(shape: Shape) -> str:
    columns = COLUMNS[bool(shape.cards)]
    where = [FILTERS[name] for name in shape.filters]
    checks = [CHECKS[name] for name in CHECKS if name in shape.filters] or ["NULL"]
    if shape.resolved:
        where = [BY_ID.get(name, FILTERS[name]) for name in shape.filters]
        checks = ["NULL"]
    if shape.ranked:
        one_word = shape.one_word
        full_text = FULL_TEXT_SCAN if shape.scan else FULL_TEXT
        fallback = "".join(
            FALLBACK.format(where=" AND ".join([*where, match]))
            for match in ([full_text, TRIGRAM] if shape.trigram else [full_text])
        )
        where.append(MATCH[shape.trigram])
        ranked = BY_RANK.format(
            rank=RANK[shape.trigram],
            where=" AND ".join(where),
            fallback=fallback,
            gate="NOT (SELECT yes FROM listed)" if one_word else "true",
            after=AFTER_RANK if shape.after else "true",
            columns=columns,
        )
        page = f"WITH RECURSIVE {WORDS}\n({ranked})"
        if one_word:
            listed = BY_POSTING.format(
                after=AFTER_POSTING if shape.after else "true", columns=columns
            )
            page += f"\nUNION ALL\n({listed})"
    else:
        if shape.after:
            where.append("(t.sort_key, t.id) > (%(after_k)s, %(after_id)s)")
        page = BY_NAME.format(where=" AND ".join(where) or "true", columns=columns)
    constants = {name: list(v) if isinstance(v, tuple) else v for name, v in shape.constants}
    text = PAGE.format(page=page, items=shape.cards or ITEMS, checks=", ".join(checks))
    return inline(text, constants)
