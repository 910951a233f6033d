"""``/timetable``: the week's classes, day by day, for every branch or one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from readapi.pages.html import WEEKDAYS, name_of, page, site_name, text


def _slot(c: dict[str, Any]) -> str:
    trainer = c["trainer"]
    leave = " (on leave)" if trainer["on_leave"] else ""
    return (
        f"<li><time>{text(c['start_time'])}</time>{text(c['title'])}<br>"
        f'<a href="/trainers/{text(trainer["slug"])}">{text(name_of(trainer))}</a>{leave}'
        f" &middot; {text(c['branch']['name'])} &middot; {c['duration_minutes']} min</li>"
    )


def timetable(
    found: dict[str, Any], branch: str | None, branches: list[dict[str, Any]], origin: str
) -> str:
    days: dict[int, list[str]] = {}
    for c in found["items"]:
        days.setdefault(c["weekday"], []).append(_slot(c))
    sections = "".join(
        f'<section aria-labelledby="day-{n}"><h2 id="day-{n}">{WEEKDAYS[n]}</h2>'
        f'<ul class="slots">{"".join(days[n])}</ul></section>'
        for n in sorted(days)
        if n in WEEKDAYS
    )
    options = "".join(
        f'<option value="{text(b["slug"])}"{" selected" if b["slug"] == branch else ""}>'
        f"{text(b['name'])} ({text(b['city'])})</option>"
        for b in branches
    )
    main = (
        "<h1>Weekly timetable</h1>\n"
        '<form class="finder" method="get" action="/timetable" aria-label="Choose a branch">'
        '<div class="fields"><div><label for="branch">Branch</label>'
        f'<select id="branch" name="branch"><option value="">Every branch</option>{options}'
        '</select></div><div><button type="submit">Show</button></div></div></form>\n'
        + (
            f'<div class="days">{sections}</div>\n'
            if sections
            else '<p class="empty">No classes are on the timetable.</p>\n'
        )
    )
    query = urlencode({"branch": branch}) if branch else ""
    return page(
        title=f"Weekly timetable · {site_name()}",
        description=f"Every class of the week at {site_name()}, by day and branch.",
        canonical=f"{origin}/timetable" + (f"?{query}" if query else ""),
        main=main,
        live="page",
        current="/timetable",
    )
