"""The SQL of ``TrainerSearch``, assembled from fixed fragments for the filters present.

Only the filters a query uses appear in its statement, so each combination
gets a plan that uses its index (``$x IS NULL OR ...`` would defeat them).
"""

from __future__ import annotations

import re
from typing import Any

from readapi import cursor
from readapi.queries import InvalidQuery, TrainerSearch

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8

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
SELECT t.id, t.rev, t.sort_key AS k, t.hired_on, t.item,
       row_number() OVER (ORDER BY t.sort_key, t.id) AS n
  FROM read.trainer t
 WHERE {where}
 ORDER BY t.sort_key, t.id
 LIMIT %(limit)s + 1"""

# Ranks every match but carries only (id, rank) through the top-N sort; the page's
# documents are fetched for its rows alone. Sorting whole rows under the window
# function spilled to disk and cost 5x as much on broad terms (docs/performance.md).
BY_RANK = """
SELECT t.id, t.rev, r.rank::text AS k, t.hired_on, t.item,
       row_number() OVER (ORDER BY r.rank DESC, r.id) AS n
  FROM (SELECT r.id, r.rank
          FROM (SELECT t.id, ({rank})::real AS rank
                  FROM read.trainer t
                 WHERE {where}) r
         WHERE {after}
         ORDER BY r.rank DESC, r.id
         LIMIT %(limit)s + 1) r
  JOIN read.trainer t ON t.id = r.id
 ORDER BY r.rank DESC, r.id"""

PAGE = """
WITH page AS ({page})
SELECT coalesce(jsonb_agg(p.item || jsonb_build_object('tenure_years',
                                                       read.tenure_years(p.hired_on)))
                FILTER (WHERE p.n <= %(limit)s), '[]'),
       count(*) > %(limit)s,
       max(p.k) FILTER (WHERE p.n = %(limit)s),
       max(p.id::text) FILTER (WHERE p.n = %(limit)s),
       md5(to_char(read.today(), 'YYYYMMDD') || ':'
           || coalesce(string_agg(p.rev::text, ',' ORDER BY p.n)
                       FILTER (WHERE p.n <= %(limit)s), '')),
       {checks}
  FROM page p"""

CHECKS = {
    "branch": "(SELECT count(*) FROM read.branch WHERE slug = %(branch)s)",
    "specialties": "(SELECT count(*) FROM read.specialty WHERE slug = ANY(%(specialties)s))",
}


def words(q: str) -> list[str]:
    found = WORD.findall(q.lower())
    if not found:
        raise InvalidQuery("q", "The search text has no letters or digits.")
    if len(found) > MAX_WORDS:
        raise InvalidQuery("q", f"The search text has more than {MAX_WORDS} words.")
    return found


def statement(
    query: TrainerSearch, *, trigram: bool, ids: tuple[int | None, list[int]] | None = None
) -> tuple[str, dict[str, Any], cursor.Order, str]:
    """The SQL text, its parameters, the sort order and the cursor fingerprint of a search.

    ``ids``: the branch and specialty ids when the caller already resolved the slugs
    (and checked they exist); otherwise the statement resolves and checks them.
    """
    params: dict[str, Any] = {
        "limit": query.limit,
        "branch": query.branch,
        "specialties": sorted(set(query.specialties)),
        "shift": query.shift,
        "position": query.position,
        "weekday": query.weekday,
    }
    where = [FILTERS[name] for name in FILTERS if params[name]]
    checks = [CHECKS[name] for name in CHECKS if params[name]] or ["NULL"]
    if ids is not None:
        params.update(branch_id=ids[0], specialty_ids=ids[1])
        where = [BY_ID.get(name, FILTERS[name]) for name in FILTERS if params[name]]
        checks = ["NULL"]
    found = words(query.q) if query.q is not None else []
    order: cursor.Order = "rank" if found else "name"
    fp = cursor.fingerprint(*(params[name] for name in FILTERS), found)
    after = cursor.decode(query.cursor, order, fp) if query.cursor else None
    if after:
        params.update(after_k=after.key, after_id=after.id)
    if found:
        params.update(tsq=" & ".join(f"{w}:*" for w in found), words=" ".join(found))
        where.append(MATCH[trigram])
        page = BY_RANK.format(
            rank=RANK[trigram],
            where=" AND ".join(where),
            after="(r.rank < %(after_k)s::real OR (r.rank = %(after_k)s::real"
            " AND r.id > %(after_id)s))"
            if after
            else "true",
        )
    else:
        if after:
            where.append("(t.sort_key, t.id) > (%(after_k)s, %(after_id)s)")
        page = BY_NAME.format(where=" AND ".join(where) or "true")
    return PAGE.format(page=page, checks=", ".join(checks)), params, order, fp
