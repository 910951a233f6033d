"""``/trainers/{slug}``: one trainer's profile, with schema.org ``Person`` data in JSON-LD."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from readapi.pages.html import (
    WEEKDAYS,
    json_ld,
    name_of,
    page,
    photo,
    position_of,
    site_name,
    tenure,
    text,
)

PORTRAIT_SIZES = "(min-width: 48rem) 288px, 192px"
DESCRIPTION_CHARS = 155
PARAGRAPHS = re.compile(r"\n\s*\n")


def description(trainer: dict[str, Any]) -> str:
    """The meta description: the bio's opening, or a sentence made of the facts."""
    bio = " ".join(trainer["bio"].split())
    if len(bio) > DESCRIPTION_CHARS:
        bio = bio[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"
    if bio:
        return bio
    branch = trainer["branch"]
    specialties = ", ".join(s["name"] for s in trainer["specialties"])
    facts = (
        f"{name_of(trainer)}, {position_of(trainer).lower()} at {branch['name']} ({branch['city']})"
    )
    return facts + (f": {specialties}." if specialties else ".")


def person(
    trainer: dict[str, Any], url: str, origin: str, name: str, position: str
) -> dict[str, Any]:
    """schema.org ``Person``: who, where, what they know, what they hold (``name`` and
    ``position``: ``name_of`` and ``position_of`` the trainer)."""
    branch = trainer["branch"]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": name,
        "givenName": trainer["first_name"],
        "familyName": trainer["last_name"],
        "jobTitle": position,
        "url": url,
        "worksFor": {
            "@type": "ExerciseGym",
            "name": f"{site_name()} {branch['name']}",
            "address": {"@type": "PostalAddress", "addressLocality": branch["city"]},
        },
    }
    if trainer["bio"]:
        data["description"] = trainer["bio"]
    found = trainer.get("photo")
    image = found["url"] if found else trainer.get("photo_url")
    if image:
        data["image"] = origin + image if image.startswith("/") else image
    if trainer["specialties"]:
        data["knowsAbout"] = [s["name"] for s in trainer["specialties"]]
    if trainer["certifications"]:
        data["hasCredential"] = [
            {"@type": "EducationalOccupationalCredential", "name": c["name"]}
            | (
                {"recognizedBy": {"@type": "Organization", "name": c["issuer"]}}
                if c["issuer"]
                else {}
            )
            for c in trainer["certifications"]
        ]
    return data


def _date(iso: str, shown: str, esc: Callable[[object], str]) -> str:
    return f'<time datetime="{esc(iso)}">{esc(shown)}</time>'


def _certifications(items: list[dict[str, Any]], esc: Callable[[object], str]) -> str:
    if not items:
        return ""
    rows = []
    for c in items:
        line = esc(c["name"])
        if c["issuer"]:
            line += f" &mdash; {esc(c['issuer'])}"
        line += f", since {_date(c['issued_on'], c['issued_on'][:4], esc)}"
        if c["expires_on"]:
            line += f", valid until {_date(c['expires_on'], c['expires_on'], esc)}"
        rows.append(f"<li>{line}</li>")
    return f'<section><h2>Certifications</h2><ul class="certs">{"".join(rows)}</ul></section>\n'


def _classes(items: list[dict[str, Any]], esc: Callable[[object], str]) -> str:
    if not items:
        return ""
    rows = "".join(
        [
            f"<tr><td>{esc(WEEKDAYS.get(c['weekday'], c['weekday']))}</td>"
            f"<td><time>{esc(c['start_time'])}</time></td><td>{esc(c['title'])}</td>"
            f"<td>{c['duration_minutes']} min</td><td>{esc(c['branch']['name'])}</td></tr>"
            for c in items
        ]
    )
    return (
        '<section><h2 id="classes">Weekly classes</h2>'
        '<div class="scroll" role="region" aria-labelledby="classes" tabindex="0">'
        "<table><caption>Every week, local time</caption>"
        '<thead><tr><th scope="col">Day</th><th scope="col">Starts</th><th scope="col">Class</th>'
        '<th scope="col">Length</th><th scope="col">Branch</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>\n"
    )


def _bio(bio: str, esc: Callable[[object], str]) -> str:
    """The bio's paragraphs (blank lines part them), or nothing."""
    if "\n" in bio:
        paragraphs = "".join(
            [f"<p>{esc(p.strip())}</p>" for p in PARAGRAPHS.split(bio) if p.strip()]
        )
    else:
        bio = bio.strip()
        paragraphs = f"<p>{esc(bio)}</p>" if bio else ""
    return f'<section class="bio"><h2>About</h2>{paragraphs}</section>\n' if paragraphs else ""


def profile(trainer: dict[str, Any], origin: str, esc: Callable[[object], str] = text) -> str:
    """The profile page; ``esc`` escapes the trainer's values (``html.escaper`` of its JSON).

    Written in a few large pieces, each value looked up once: the render was ~40% of a
    profile page's Python past the cache (docs/performance.md)."""
    name = name_of(trainer)
    position = position_of(trainer)
    url = f"{origin}/trainers/{trainer['slug']}"
    branch = trainer["branch"]
    leave = ' <span class="badge">On leave</span>' if trainer["on_leave"] else ""
    specialties = trainer["specialties"]
    tags = (
        '<ul class="tags" aria-label="Specialties">'
        + "".join(
            [
                f'<li><a href="/?specialty={esc(s["slug"])}">{esc(s["name"])}</a></li>'
                for s in specialties
            ]
        )
        + "</ul>"
        if specialties
        else ""
    )
    main = (
        '<p class="crumbs"><a href="/">&larr; All trainers</a></p>\n'
        f'<article class="profile" data-id="{esc(trainer["id"])}"><div class="portrait">'
        f"{photo(trainer, sizes=PORTRAIT_SIZES, alt=name, esc=esc)}</div>"
        f"<div><h1>{esc(name)}{leave}</h1>"
        f'<p class="meta">{esc(position)} &middot; {esc(branch["name"])}, '
        f"{esc(branch['city'])} &middot; {esc(tenure(trainer['tenure_years']))}</p>"
        f"{tags}{_bio(trainer['bio'], esc)}{_certifications(trainer['certifications'], esc)}"
        f"{_classes(trainer['classes'], esc)}</div></article>\n"
    )
    head = (
        '<script type="application/ld+json">'
        f"{json_ld(person(trainer, url, origin, name, position))}</script>\n"
    )
    return page(
        title=f"{name}, {position.lower()} · {site_name()}",
        description=description(trainer),
        canonical=url,
        main=main,
        live=f"trainer:{trainer['id']}",
        head=head,
    )
