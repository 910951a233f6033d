"""``/``: the directory: a search form (a plain GET, so it works without script) and cards."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from readapi.pages.html import (
    SHIFTS,
    WEEKDAYS,
    page,
    photo,
    position_of,
    site_name,
    tenure,
    text,
)
from readapi.queries import TrainerSearch

# The JSON API's default page: a page of cards costs one page of the list's statement.
PAGE_SIZE = 20
# Cards show the photo 6rem wide: the 160w rendition, 320w on a dense screen.
CARD_SIZES = "96px"
# Cards above the fold load at once; the rest when scrolled to.
EAGER = 6


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


def card(trainer: dict[str, Any], n: int, esc: Callable[[object], str] = text) -> str:
    """One trainer's card; ``esc`` escapes the trainer's values (``html.escaper``).
    Written for speed (twenty a page): one f-string, the tags joined from a list."""
    branch = trainer["branch"]
    leave = ' <span class="badge">On leave</span>' if trainer["on_leave"] else ""
    specialties = trainer["specialties"]
    tags = (
        '<ul class="tags" aria-label="Specialties"><li>'
        + "</li><li>".join([esc(s["name"]) for s in specialties])
        + "</li></ul>"
        if specialties
        else ""
    )
    return (
        # An id is a UUID (the column's type): nothing in it to escape.
        f'<li class="card" data-id="{trainer["id"]}">'
        f"{photo(trainer, sizes=CARD_SIZES, alt='', lazy=n >= EAGER, esc=esc)}<div>"
        f'<h2><a href="/trainers/{esc(trainer["slug"])}">'
        f"{esc(trainer['first_name'])} {esc(trainer['last_name'])}</a>{leave}</h2>"
        f"<p>{esc(position_of(trainer))} &middot; {esc(branch['name'])}, {esc(branch['city'])}</p>"
        f"<p>{tenure(trainer['tenure_years'])}</p>{tags}</div></li>"
    )


def results(
    found: dict[str, Any], search: TrainerSearch, esc: Callable[[object], str] = text
) -> str:
    """The cards and the "more" link: the part of ``/`` that ``/results`` serves alone.
    ``esc``: how the page's values are escaped (``html.escaper`` of its JSON)."""
    items = found["items"]
    if not items:
        return (
            '<p class="empty">No trainer matches these filters. '
            '<a href="/">See all trainers</a></p>\n'
        )
    cards = "\n".join(card(t, n, esc) for n, t in enumerate(items))
    out = f'<ul class="cards">\n{cards}\n</ul>\n'
    if found["next_cursor"]:
        href = "/?" + urlencode(params_of(search, found["next_cursor"]))
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
    found: dict[str, Any],
    search: TrainerSearch,
    branches: list[dict[str, Any]],
    specialties: list[dict[str, Any]],
    origin: str,
    esc: Callable[[object], str] = text,
) -> str:
    site = site_name()
    items = found["items"]
    status = summary(len(items), bool(found["next_cursor"]))
    query = urlencode(params_of(search))
    main = (
        "<h1>Find your trainer</h1>\n"
        '<p class="lead">Search our coaches by name or specialty, or narrow the list by '
        "branch, shift and the days they teach.</p>\n"
        + form(search, branches, specialties)
        + f'<p id="status" class="status" role="status">{status}</p>\n'
        + f'<div id="results" data-limit="{PAGE_SIZE}">\n{results(found, search, esc)}</div>\n'
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
