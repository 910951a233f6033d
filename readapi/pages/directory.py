"""``/``: the directory: a search form (a plain GET, so it works without script) and cards."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from readapi.pages.html import (
    POSITIONS,
    SHIFTS,
    WEEKDAYS,
    page,
    site_name,
    tenure,
    text,
)
from readapi.queries import TrainerSearch

# The JSON API's default page: a page of cards costs one page of the list's statement.
PAGE_SIZE = 20
# Cards above the fold load at once; the rest when scrolled to.
EAGER = 6
# Tenures written out, from none; a longer one shows as this many years.
TENURES = 100


def _literal(value: str) -> str:
    """``value`` as HTML text in an SQL string constant (no ``%``: the statement's
    parameters are ``%(name)s``)."""
    escaped = text(value).replace("'", "''")
    assert "%" not in escaped
    return f"'{escaped}'"


def _cards() -> str:
    """The expression that writes a page's cards (``search.statement``'s ``cards``).

    Each card is stored as HTML (``read.trainer.card_html``, trainers/sql/current/cards.sql)
    but for its position's label (chr(1)) and its tenure (chr(2)), written here from
    ``POSITIONS`` and ``tenure``; the first ``EAGER`` cards load their photo at once."""
    labels = " ".join(f"WHEN '{code}' THEN {_literal(label)}" for code, label in POSITIONS.items())
    position = (
        f"""CASE p."position" {labels} ELSE read.html_escape(replace(p."position", '_', ' ')) END"""
    )
    tenures = ", ".join(_literal(tenure(years)) for years in range(TENURES + 1))
    years = f"least(read.tenure_years(p.hired_on), {TENURES}) + 1"
    card = (
        f"CASE WHEN p.n > {EAGER} THEN p.card_html"
        " ELSE replace(p.card_html, ' loading=\"lazy\"', '') END"
    )
    return (
        f"coalesce(string_agg(replace(replace({card}, chr(1), {position}),"
        f" chr(2), (ARRAY[{tenures}])[{years}]), E'\\n' ORDER BY p.n)"
        " FILTER (WHERE p.n <= %(limit)s), '')"
    )


CARDS = _cards()


def params_of(search: TrainerSearch, cursor: str | None = None) -> list[tuple[str, str]]:
    """The query string that asks for ``search`` (its first page, or the page at ``cursor``)."""
    out: list[tuple[str, str]] = []
    if search.q:
        out.append(("q", search.q))
    if search.branch:
        out.append(("branch", search.branch))
    out += [("specialty", s) for s in search.specialties]
    if search.shift:
        out.append(("shift", search.shift))
    if search.weekday:
        out.append(("weekday", str(search.weekday)))
    if search.limit != PAGE_SIZE:
        out.append(("limit", str(search.limit)))
    if cursor:
        out.append(("cursor", cursor))
    return out


def summary(count: int, more: bool) -> str:
    """What the status line says (site.js says the same after each update)."""
    if count == 0:
        return "No trainer matches these filters."
    shown = f"{count} trainer{'s' if count != 1 else ''} shown"
    return shown + (", more below." if more else ".")


def results(cards: str, next_cursor: str | None, search: TrainerSearch) -> str:
    """The cards and the "more" link: the part of ``/`` that ``/results`` serves alone.
    ``cards``: the page's cards as its statement wrote them (``CARDS``)."""
    if not cards:
        return (
            '<p class="empty">No trainer matches these filters. '
            '<a href="/">See all trainers</a></p>\n'
        )
    out = f'<ul class="cards">\n{cards}\n</ul>\n'
    if next_cursor:
        href = "/?" + urlencode(params_of(search, next_cursor))
        link = f'<a class="button" href="{text(href)}" rel="next">More trainers</a>'
        out += f'<p class="more">{link}</p>\n'
    return out


@functools.lru_cache(maxsize=64)
def _options(options: tuple[tuple[str, str], ...]) -> str:
    """A select's options, rendered once per distinct list (branches and specialties
    change rarely; each page would otherwise escape every one of them again)."""
    return "".join(f'<option value="{text(v)}">{text(shown)}</option>' for v, shown in options)


def _select(name: str, label: str, anyone: str, options: list[tuple[str, str]], chosen: str) -> str:
    rows = _options(tuple(options))
    if chosen:
        mark = f'<option value="{text(chosen)}">'
        rows = rows.replace(mark, mark[:-1] + " selected>", 1)
    return (
        f'<div><label for="{name}">{label}</label>'
        f'<select id="{name}" name="{name}"><option value="">{anyone}</option>{rows}</select></div>'
    )


def form(
    search: TrainerSearch, branches: list[dict[str, Any]], specialties: list[dict[str, Any]]
) -> str:
    branch_options = [(b["slug"], f"{b['name']} ({b['city']})") for b in branches]
    specialty_options = [(s["slug"], s["name"]) for s in specialties]
    specialty = search.specialties[0] if search.specialties else ""
    return (
        '<form class="finder" id="finder" method="get" action="/" role="search" '
        'aria-label="Find a trainer"><div class="fields">'
        '<div class="q"><label for="q">Search by name, specialty or bio</label>'
        f'<input type="search" id="q" name="q" value="{text(search.q or "")}" maxlength="100" '
        'autocomplete="off" spellcheck="false"></div>'
        + _select("branch", "Branch", "Any branch", branch_options, search.branch or "")
        + _select("specialty", "Specialty", "Any specialty", specialty_options, specialty)
        + _select("shift", "Shift", "Any shift", list(SHIFTS.items()), search.shift or "")
        + _select(
            "weekday",
            "Teaches on",
            "Any day",
            [(str(k), v) for k, v in WEEKDAYS.items()],
            str(search.weekday or ""),
        )
        + '<div><button type="submit">Search</button></div></div></form>\n'
    )


def directory(
    cards: str,
    next_cursor: str | None,
    search: TrainerSearch,
    branches: list[dict[str, Any]],
    specialties: list[dict[str, Any]],
    origin: str,
) -> str:
    site = site_name()
    status = summary(cards.count('<li class="card"'), bool(next_cursor))
    query = urlencode(params_of(search))
    main = (
        "<h1>Find your trainer</h1>\n"
        '<p class="lead">Search our coaches by name or specialty, or narrow the list by '
        "branch, shift and the days they teach.</p>\n"
        + form(search, branches, specialties)
        + f'<p id="status" class="status" role="status">{status}</p>\n'
        + f'<div id="results" data-limit="{PAGE_SIZE}">\n'
        + f"{results(cards, next_cursor, search)}</div>\n"
    )
    return page(
        title=f"Trainers · {site}",
        description=f"Find a trainer at {site}: search coaches by name, specialty, "
        "branch, shift and teaching days.",
        canonical=origin + "/" + (f"?{query}" if query else ""),
        main=main,
        live="results",
        current="/",
    )
