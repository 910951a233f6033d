"""The public pages, through the composed ASGI app over the real database: the directory and
its filters, paging by plain links, profiles with their metadata, 404 and 422 pages,
conditional answers and cache headers, hashed assets, and hostile text kept as text."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from fastapi.testclient import TestClient

from readapi.pages.directory import EAGER
from readapi.pages.html import CSP, escaper, frame_ancestors, text
from tests.factories import make_trainer
from tests.readapi.conftest import Gym
from tests.readapi.test_response_cache import get_cached
from trainers.commands import TrainerUpdateProfile
from trainers.handlers.trainer import trainer_update_profile

CARD_NAME = re.compile(r'<h2><a href="/trainers/([^"]+)">([^<]+)</a>')
MORE = re.compile(r'<a class="button" href="([^"]+)" rel="next">')


def names(html: str) -> list[str]:
    return [name for _, name in CARD_NAME.findall(html)]


def page(client: TestClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.text[:500])
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == CSP
    return response.text


class Parsed(HTMLParser):
    """The parts of a page a test reads: title, metas, links, JSON-LD."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title = ""
        self.metas: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.json_ld: list[str] = []
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and "name" in a:
            self.metas[a["name"]] = a["content"]
        elif tag == "link":
            self.links[a["rel"]] = a["href"]
        elif tag == "title" or (tag == "script" and a.get("type") == "application/ld+json"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.json_ld.append(data)


def test_the_directory_lists_public_trainers_as_cards(app_client: TestClient, gym: Gym) -> None:
    html = page(app_client, "/")
    assert names(html) == ["Bruno Costa", "Carla Mendes", "Ana Silva"]  # by name, as the API
    assert "Dora" not in html and "Retired" not in html
    assert '<span class="badge">On leave</span>' in html  # Carla
    assert "Senior trainer &middot; Downtown, Lisbon" in html
    assert "<li>Yoga</li>" in html and "years with us" in html
    # The form: a search box and the four filters, each with a label; GET to /.
    assert '<form class="finder" id="finder" method="get" action="/"' in html
    for field in ("q", "branch", "specialty", "shift", "weekday"):
        assert f'<label for="{field}">' in html and f'id="{field}" name="{field}"' in html
    assert '<option value="riverside">Riverside (Porto)</option>' in html
    assert '<option value="strength">Strength</option>' in html
    assert "3 trainers shown." in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("branch=riverside", ["Carla Mendes"]),
        ("specialty=yoga&shift=morning", ["Ana Silva"]),
        ("weekday=3", ["Bruno Costa", "Ana Silva"]),
        ("q=silva", ["Ana Silva"]),
        ("q=&branch=&specialty=&shift=&weekday=", ["Bruno Costa", "Carla Mendes", "Ana Silva"]),
        ("q=nobody-at-all", []),
    ],
)
def test_filters_as_a_form_sends_them(
    app_client: TestClient, gym: Gym, query: str, expected: list[str]
) -> None:
    html = page(app_client, f"/?{query}")
    assert names(html) == expected
    if not expected:
        assert "No trainer matches these filters." in html


def test_a_chosen_filter_stays_chosen(app_client: TestClient, gym: Gym) -> None:
    html = page(app_client, "/?branch=riverside&shift=evening&q=car")
    assert '<option value="riverside" selected>' in html
    assert '<option value="evening" selected>' in html
    assert 'name="q" value="car"' in html
    assert '<link rel="canonical" href="http://testserver/?q=car&amp;branch=riverside' in html


def test_paging_by_plain_links_reaches_everyone(app_client: TestClient, gym: Gym) -> None:
    """Without script, "More trainers" is a link to the next page (a cursor)."""
    seen: list[str] = []
    url = "/?limit=1"
    for _ in range(5):
        html = page(app_client, url)
        seen += names(html)
        more = MORE.search(html)
        if more is None:
            break
        url = more.group(1).replace("&amp;", "&")
        assert "limit=1" in url and "cursor=" in url
    assert seen == ["Bruno Costa", "Carla Mendes", "Ana Silva"]


def test_results_are_the_cards_alone(app_client: TestClient, gym: Gym) -> None:
    html = page(app_client, "/results?specialty=strength")
    assert "<html" not in html and "<form" not in html
    assert names(html) == ["Bruno Costa", "Carla Mendes"]


def test_a_profile_page_has_its_metadata(app_client: TestClient, gym: Gym) -> None:
    html = page(app_client, "/trainers/" + gym.ana.slug)
    parsed = Parsed(html)
    assert parsed.title == "Ana Silva, senior trainer · Trainer Profiles"
    assert parsed.metas["description"] == "Vinyasa flow and mobility."
    assert parsed.links["canonical"] == f"http://testserver/trainers/{gym.ana.slug}"
    person = json.loads(parsed.json_ld[0])
    assert person["@type"] == "Person" and person["name"] == "Ana Silva"
    assert person["jobTitle"] == "Senior trainer"
    assert person["url"] == parsed.links["canonical"]
    assert person["knowsAbout"] == ["Yoga"]
    assert person["worksFor"]["address"]["addressLocality"] == "Lisbon"
    assert [c["name"] for c in person["hasCredential"]] == ["RYT 200"]
    # The page: bio, specialties (links to the filtered directory), valid certificates,
    # weekly classes.
    assert "<p>Vinyasa flow and mobility.</p>" in html
    assert '<a href="/?specialty=yoga">Yoga</a>' in html
    assert "RYT 200" in html and "Old CPR" not in html
    assert "Morning flow" in html and "Sunset yoga" in html and "Monday" in html


@pytest.mark.parametrize(
    "path",
    [
        "/trainers/nobody",
        "/trainers/{draft}",
        "/trainers/{retired}",
        "/trainers/{ana}/more",
        "/trainers/%3Cscript%3E",
        "/trainers/{ana_id}",
        "/assets/site.css",
    ],
)
def test_unknown_or_hidden_is_a_404_page(app_client: TestClient, gym: Gym, path: str) -> None:
    url = path.format(
        draft=gym.draft.slug, retired=gym.retired.slug, ana=gym.ana.slug, ana_id=gym.ana.pk
    )
    html = page(app_client, url, 404)
    assert "<h1>This page is not in the directory</h1>" in html
    assert '<a class="button" href="/">See all trainers</a>' in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("shift=noon", "shift"),
        ("weekday=8", "weekday"),
        ("branch=nowhere", "branch"),
        ("specialty=knitting", "specialty"),
        ("q=%00", "q"),
        ("cursor=AAAA", "cursor"),
        ("limit=1000", "limit"),
    ],
)
def test_a_value_no_filter_takes_is_a_422_page_naming_it(
    app_client: TestClient, gym: Gym, query: str, field: str
) -> None:
    html = page(app_client, f"/?{query}", 422)
    assert f"<li><strong>{field}</strong>:" in html


@pytest.mark.parametrize("path", ["/", "/?q=ana", "/results", "/trainers/{ana}", "/timetable"])
def test_pages_revalidate_and_carry_the_apis_cache_headers(
    app_client: TestClient, gym: Gym, path: str
) -> None:
    url = path.format(ana=gym.ana.slug)
    first = app_client.get(url)
    etag = first.headers["etag"]
    assert (
        first.headers["cache-control"] == app_client.get("/query/trainers").headers["cache-control"]
    )
    assert first.headers["surrogate-key"] == first.headers["xkey"]
    assert app_client.get(url, headers={"If-None-Match": etag}).status_code == 304
    trainer_update_profile(TrainerUpdateProfile(gym.ana.id, last_name="Santos"))
    changed = app_client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Santos" in changed.text


def test_surrogate_keys_name_what_a_page_shows(app_client: TestClient, gym: Gym) -> None:
    assert app_client.get("/").headers["surrogate-key"] == "facets lists"
    assert app_client.get("/?q=ana").headers["surrogate-key"] == "facets lists search"
    profile = app_client.get("/trainers/" + gym.ana.slug)
    assert profile.headers["surrogate-key"] == f"t:{gym.ana.pk}"
    assert app_client.get("/timetable").headers["surrogate-key"] == "facets timetable"


def test_a_cached_profile_page_shows_an_edit_at_once(app_client: TestClient, gym: Gym) -> None:
    url = "/trainers/" + gym.ana.slug
    assert "Vinyasa flow" in get_cached(app_client, url).text
    trainer_update_profile(TrainerUpdateProfile(gym.ana.id, bio="Now teaching ashtanga."))
    assert "Now teaching ashtanga." in app_client.get(url).text


def test_hostile_trainer_text_stays_text(app_client: TestClient, gym: Gym) -> None:
    evil = make_trainer(
        first_name='Eve"><img src=x onerror=alert(1)>',
        last_name="</script><script>alert(2)</script>",
        slug="eve-evil",
        bio="<script>alert(3)</script> & </SCRIPT> <!-- -->",
        branch=gym.downtown,
    )
    for url in ("/", "/?q=alert", "/results", f"/trainers/{evil.slug}", "/timetable"):
        html = page(app_client, url)
        assert "<img src=x" not in html and "<script>alert" not in html, url
        assert "</SCRIPT>" not in html, url
    profile = page(app_client, f"/trainers/{evil.slug}")
    assert "&lt;script&gt;alert(3)&lt;/script&gt; &amp; &lt;/SCRIPT&gt;" in profile
    person = json.loads(Parsed(profile).json_ld[0])
    assert person["description"] == evil.bio  # intact as data, inert as markup
    assert person["familyName"] == evil.last_name


def test_pages_are_ascii_whatever_their_data(app_client: TestClient, gym: Gym) -> None:
    """Other characters leave as references (JSON escapes in JSON-LD) and read back the same."""
    zoe = make_trainer(
        first_name="Zoë",
        last_name="Müller-Łukasz 😀",
        slug="zoe-muller",
        bio="Ausdauer für alle… 日本語も話します。",
        branch=gym.downtown,
    )
    for url in (
        "/",
        "/?q=M%C3%BCller",
        "/results",
        f"/trainers/{zoe.slug}",
        "/timetable",
        "/trainers/x",
    ):
        raw = app_client.get(url).content
        assert raw.isascii(), (url, [c for c in raw.decode() if not c.isascii()][:5])
    profile = page(app_client, f"/trainers/{zoe.slug}")
    parsed = Parsed(profile)
    assert (
        parsed.title.startswith("Zoë Müller-Łukasz 😀, ") and "· Trainer Profiles" in parsed.title
    )
    assert "<p>Ausdauer f&#252;r alle&#8230; &#26085;" in profile
    person = json.loads(parsed.json_ld[0])
    assert person["familyName"] == zoe.last_name and person["description"] == zoe.bio
    assert "Zo&#235; M&#252;ller" in page(app_client, "/")


def test_assets_have_hashed_names_and_are_kept_a_year(app_client: TestClient, gym: Gym) -> None:
    html = page(app_client, "/")
    urls = re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)
    assert {u.rsplit(".", 1)[1] for u in urls} == {"css", "js", "svg"}
    for url in urls:
        assert re.fullmatch(r"/assets/[a-z]+\.[0-9a-f]{12}\.(css|js|svg)", url)
        plain = app_client.get(url, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200
        assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
        packed = app_client.get(url, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.content == plain.content  # the client inflated it
        again = app_client.get(url, headers={"If-None-Match": plain.headers["etag"]})
        assert again.status_code == 304
    css = app_client.get(urls[0] if urls[0].endswith(".css") else urls[1])
    assert css.headers["content-type"].startswith(("text/css", "image/svg", "text/javascript"))


def test_page_weight_stays_small(app_client: TestClient, gym: Gym) -> None:
    """HTML, CSS and script of ``/``, compressed, far under the 50 KB budget (bench/)."""
    html = app_client.get("/").content
    urls = re.findall(rb'(?:href|src)="(/assets/[^"]+\.(?:css|js))"', html)
    total = len(gzip.compress(html))
    for url in urls:
        total += len(app_client.get(url.decode(), headers={"Accept-Encoding": "gzip"}).content)
    assert total < 50_000


def test_head_and_the_host_guard_apply_to_pages(app_client: TestClient, gym: Gym) -> None:
    head = app_client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == app_client.get("/").headers["etag"]
    forged = app_client.get("/", headers={"Host": "evil.example"})
    assert forged.status_code == 400


def test_the_admins_view_site_link_opens_the_directory(admin_client: Client) -> None:
    assert '<a href="/">View site</a>' in admin_client.get("/admin/").content.decode()


def test_no_site_may_frame_the_pages_unless_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "frame-ancestors 'none'" in CSP
    monkeypatch.setenv("SITE_FRAME_ANCESTORS", "https://www.gym.example https://*.gym.example")
    assert frame_ancestors() == "https://www.gym.example https://*.gym.example"
    monkeypatch.setenv("SITE_FRAME_ANCESTORS", "https://gym.example; script-src *")
    with pytest.raises(ValueError, match="SITE_FRAME_ANCESTORS"):
        frame_ancestors()


@pytest.mark.parametrize(
    ("document", "escaped"),
    [
        (b'{"name": "Ana Quintela", "city": "Porto"}', False),
        (b'{"name": "<b>Ana</b>"}', True),
        (b'{"name": "Ana & Bruno"}', True),
        (b'{"name": "O\'Brien"}', True),
        (b'{"name": "say \\"hi\\""}', True),  # a quote inside a string
        (b'{"name": "\\u003cscript\\u003e"}', True),  # a < written as an escape
        (b'{"path": "a\\\\b"}', False),  # a backslash: nothing HTML cares about
        ('{"name": "Zoë"}'.encode(), True),  # not ASCII: written as a reference
    ],
)
def test_a_page_escapes_its_values_unless_its_json_cannot_hold_markup(
    document: bytes, escaped: bool
) -> None:
    assert (escaper(document) is text) is escaped
    values = json.loads(document).values()
    assert all(escaper(document)(v) == text(v) for v in values)


# Values the cards' SQL escapes as the pages' Python does (read.html_escape, then
# read.html_ascii over the whole card: trainers/sql/current/cards.sql).
NASTY = [
    "plain",
    "",
    "a & b",
    '<script>"x"</script>',
    "O'Brien",
    "&amp; already",
    "Zoë Müller-Łukasz 😀",
    "日本語も話します。",
    "tab\tnew\nline",
    "\u00a0non-breaking\u2028separator",
]


@pytest.mark.django_db
def test_the_cards_sql_escapes_values_as_the_pages_python_does() -> None:
    with connection.cursor() as cursor:
        for value in NASTY:
            cursor.execute("SELECT read.html_ascii(read.html_escape(%s))", [value])
            assert cursor.fetchone()[0] == text(value), value


def test_cards_show_a_photo_or_initials_and_only_the_first_load_eagerly(
    app_client: TestClient, gym: Gym
) -> None:
    """Ten trainers with a photo address: the first six cards load theirs at once, the
    rest when scrolled to; a trainer without one shows initials."""
    for n in range(10):
        make_trainer(
            first_name="Paula",
            last_name=f"Photo{n:02d}",
            branch=gym.riverside,
            photo_url=f"https://cdn.example.com/p{n}.jpg",
            hired_on=date.today(),
        )
    html = page(app_client, "/?branch=riverside")
    cards = re.findall(r'<li class="card".*?</li>(?=\n|$)', html, re.S)
    assert names(html)[0] == "Carla Mendes" and len(cards) == 11
    assert '<div class="initials" aria-hidden="true">CM</div>' in cards[0]
    photos = [c for c in cards if "<img" in c]
    assert len(photos) == 10
    for n, card in enumerate(photos):
        assert f'src="https://cdn.example.com/p{n}.jpg"' in card
        # Carla's card is the first of the page: the photos from the 2nd card on.
        assert ('loading="lazy"' in card) is (n + 1 >= EAGER), n
        assert "<p>New this year</p>" in card and "<p>Trainer &middot; Riverside, Porto</p>" in card
    assert '<span class="badge">On leave</span>' in cards[0]
