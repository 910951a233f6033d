"""The pages' frame and the pieces every page shares; every value is escaped here.

Plain functions over the documents the query handlers return (already JSON): no
template engine, so the pages need no dependency and a render costs tens of
microseconds. Text from the read model only ever goes out through ``text`` (or
``json_ld``), so a trainer's bio cannot become markup; the directory's cards, stored as
HTML by the read model, escape theirs in SQL the same way (``read.html_escape`` and
``read.html_ascii``, trainers/sql/current/cards.sql; a test holds them equal to ``text``).

A page is ASCII whatever its data: the templates write their few other characters as
named references (``&middot;``), ``text`` writes a value's as numeric ones and
``json_ld`` as JSON escapes. Encoding an ASCII string is a copy; one ``·`` made the
encoding of a whole directory page a per-character loop (~30 µs of its render).
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
from collections.abc import Callable
from typing import Any

import orjson

from readapi.pages import assets
from readapi.vocab import Position, Shift, Weekday


def frame_ancestors() -> str:
    """Who may show the pages in a frame: ``SITE_FRAME_ANCESTORS`` (the gym's own sites,
    space-separated origins), else nobody."""
    origins = os.environ.get("SITE_FRAME_ANCESTORS", "").split()
    if any(not re.fullmatch(r"https?://[A-Za-z0-9.*:-]+", o) for o in origins):
        raise ValueError(
            "SITE_FRAME_ANCESTORS: space-separated origins, such as https://gym.example"
        )
    return " ".join(origins) or "'none'"


# The pages load nothing from another host and run no inline script. Photos may live
# in object storage (MEDIA_STORAGE=s3), hence https: images. JSON-LD is data, not run.
# Browsers that know frame-ancestors ignore X-Frame-Options (readapi/security.py).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; "
    f"frame-ancestors {frame_ancestors()}"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = ((b"content-security-policy", CSP.encode()),)
HTML = b"text/html; charset=utf-8"
SPECIAL = re.compile("[&<>\"']")

POSITIONS = {
    Position.HEAD_COACH: "Head coach",
    Position.SENIOR_TRAINER: "Senior trainer",
    Position.TRAINER: "Trainer",
    Position.ASSISTANT: "Assistant trainer",
}
SHIFTS = {s.value: s.value.capitalize() for s in Shift}
WEEKDAYS = {d.value: d.name.capitalize() for d in Weekday}


@functools.cache
def site_name() -> str:
    """``SITE_NAME``, read once per process."""
    return os.environ.get("SITE_NAME", "").strip() or "Trainer Profiles"


def text(value: object) -> str:
    """``value`` as HTML text or a quoted attribute value, in ASCII (other characters
    as numeric references, which mean the same in text and in attribute values).

    Most values hold no character to escape: one scan finds that, where ``html.escape``
    would make five replacements (escaping was most of a directory page's render)."""
    raw = value if isinstance(value, str) else str(value)
    if raw.isascii() and SPECIAL.search(raw) is None:
        return raw
    return html.escape(raw, quote=True).encode("ascii", "xmlcharrefreplace").decode("ascii")


# In a JSON text, a string holds one of the characters ``text`` escapes only if the text
# shows it as is, or escaped as \" or \uXXXX (PostgreSQL prints the others as is).
PLAIN_MARKS = (b"<", b">", b"&", b"'")
ESCAPED_MARKS = (b'\\"', b"\\u")


def escaper(document: bytes) -> Callable[[object], str]:
    """``text`` for the values of the JSON ``document``, or plain ``str`` when none of its
    strings holds a character to escape: a few scans of the document (``bytes.find``, a
    regular expression costs more) instead of one a value. One-byte marks are found by
    ``memchr``; the two-byte ones are looked for only when a backslash is there at all
    (a two-byte search of a page costs as much as rendering a third of it). A document
    with any other character than ASCII needs ``text`` too (the page stays ASCII)."""
    if not document.isascii() or any(mark in document for mark in PLAIN_MARKS):
        return text
    if b"\\" in document and any(mark in document for mark in ESCAPED_MARKS):
        return text
    return str


def json_ld(value: Any) -> str:
    """JSON for a ``<script type="application/ld+json">``: no ``<`` can end the element,
    and other characters than ASCII are JSON escapes (a script's text takes no HTML
    character references)."""
    raw = orjson.dumps(value).decode()
    if not raw.isascii():
        raw = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def name_of(trainer: dict[str, Any]) -> str:
    return f"{trainer['first_name']} {trainer['last_name']}"


def position_of(trainer: dict[str, Any]) -> str:
    position = trainer["position"]
    return POSITIONS.get(position) or str(position).replace("_", " ")


@functools.lru_cache(maxsize=128)
def tenure(years: int) -> str:
    if years < 1:
        return "New this year"
    return f"{years} year{'s' if years != 1 else ''} with us"


def photo(
    trainer: dict[str, Any],
    *,
    sizes: str,
    alt: str,
    esc: Callable[[object], str] = text,
) -> str:
    """The trainer's photo (WebP widths in ``srcset``, JPEG fallback), or initials, as the
    profile shows it. ``esc``: how the trainer's values are escaped (``escaper``). The
    directory's cards write theirs in SQL (trainers/sql/current/cards.sql)."""
    found = trainer.get("photo")
    if found:
        return (
            f'<img class="photo" src="{esc(found["url"])}" srcset="{esc(found["srcset"])}" '
            f'sizes="{sizes}" width="{found["width"]}" height="{found["height"]}" '
            f'alt="{text(alt) if alt else ""}" decoding="async">'
        )
    if trainer.get("photo_url"):
        return f'<img class="photo" src="{esc(trainer["photo_url"])}" alt="{text(alt)}">'
    initials = (trainer["first_name"][:1] + trainer["last_name"][:1]).upper()
    return f'<div class="initials" aria-hidden="true">{esc(initials)}</div>'


def page(
    *,
    title: str,
    description: str,
    canonical: str,
    main: str,
    live: str = "",
    current: str = "",
    head: str = "",
) -> str:
    """A whole document. ``live``: what the script refreshes on a change (see site.js);
    ``current``: the nav entry of this page."""
    links, top, foot = _frame(current)
    live_attr = f' data-live="{text(live)}"' if live else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n"
        f'<meta name="description" content="{text(description)}">\n'
        f'<link rel="canonical" href="{text(canonical)}">\n'
        f"{links}{head}</head>\n<body>\n{top}"
        f'<main id="main" class="wrap"{live_attr}>\n{main}{foot}'
    )


@functools.cache
def _frame(current: str) -> tuple[str, str, str]:
    """What every page of the process shows around its own parts, for the nav entry
    ``current``: the asset links, the header, the footer (made once)."""
    site = text(site_name())

    def nav(href: str, label: str) -> str:
        here = ' aria-current="page"' if href == current else ""
        return f'<li><a href="{href}"{here}>{label}</a></li>'

    links = (
        f'<link rel="stylesheet" href="{assets.url("site.css")}">\n'
        f'<link rel="icon" href="{assets.url("icon.svg")}" type="image/svg+xml">\n'
        f'<script src="{assets.url("site.js")}" defer></script>\n'
    )
    top = (
        '<a class="skip" href="#main">Skip to content</a>\n'
        f'<header class="site"><div class="wrap"><a class="brand" href="/">{site}</a>\n'
        f'<nav aria-label="Site"><ul>{nav("/", "Trainers")}{nav("/timetable", "Timetable")}'
        "</ul></nav></div></header>\n"
    )
    foot = (
        "</main>\n"
        f'<footer class="site-foot"><div class="wrap">{site} &middot; trainer directory &middot; '
        '<a href="/query/docs">Open data API</a></div></footer>\n</body>\n</html>\n'
    )
    return links, top, foot


def message(*, title: str, heading: str, body: str, canonical: str) -> str:
    """A short page that says what went wrong and leads back to the directory; ``body``
    is markup."""
    main = (
        f"<h1>{text(heading)}</h1>\n{body}\n"
        '<p><a class="button" href="/">See all trainers</a></p>\n'
    )
    return page(
        title=f"{title} · {site_name()}", description=heading, canonical=canonical, main=main
    )
