"""What the benchmark asks, of our API, of each baseline and of the ceiling, and in what order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.database import ROOT
from bench.inputs import PAGE, Inputs

LUA = ROOT / "bench" / "lua"
NO_CACHE = "Cache-Control: no-cache"
# Paced writes a second of the staff writer in the ``:ours_writes`` scenario.
WRITES_PER_SECOND = 5.0
CEILING = "ceiling:bare_asgi"
# Through the Varnish edge (when varnishd is installed): Zipf-drawn profiles and list
# pages, one list page for every four profiles, while the staff writer writes.
EDGE = "edge:zipf_lists_writes"
# Zipf-drawn profiles with every fifth request one of their photo renditions, as a page
# shows a profile and its photo. The renditions are known after the uploads that make
# them (bench/photos.py): bench/measure.py fills the paths in.
MEDIA = "detail_media:ours"
PAGES = ("page_directory", "page_profile")
# Scenarios whose ratio is a target and that run back to back twice, A B B A, so that a
# drift in the machine's load weighs on both alike (the second round of each is averaged).
PAIRS = (
    ("first_page:ours_uncached", "deep_page:ours_uncached"),
    ("detail_zipf:ours", "detail_zipf:ours_writes"),
    # The pages against the JSON they are made of, in the same minute of the run.
    ("first_page:ours_uncached", "page_directory:ours_uncached"),
    ("detail:ours_uncached", "page_profile:ours_uncached"),
)
# The scale curve: p50 of these at each size.
SCALE_SCENARIOS = frozenset(
    [
        *("list:ours", "list:ours_uncached"),
        *("detail:ours", "detail:ours_uncached"),
        "search:ours_uncached",
    ]
)


@dataclass
class Scenario:
    name: str
    script: Path
    args: list[str]
    sample_path: str
    headers: dict[str, str] = field(default_factory=dict)
    # The distinct paths of a cached read scenario, each requested once before the load.
    prime: list[str] = field(default_factory=list)
    # "app" (the project, with the baselines) or "ceiling" (the bare ASGI process).
    server: str = "app"
    # Staff PATCHes a second while the load runs (the mixed scenario).
    writes_per_second: float = 0.0

    @property
    def django(self) -> bool:
        """Served by Django: one request at a time in its sync thread, so slow and queued."""
        return self.name.startswith("write:") or self.name.endswith("_drf")


def scenarios(inputs: Inputs) -> list[Scenario]:
    get, patch = LUA / "paths.lua", LUA / "patch.lua"

    def gets(name: str, paths: list[str], header: str | None = None) -> Scenario:
        args = [str(inputs.paths_file(name.replace(":", "_"), paths))]
        if header is None:
            cached = name.split(":")[1].startswith("ours")
            return Scenario(name, get, args, paths[0], prime=paths if cached else [])
        key, _, value = header.partition(": ")
        return Scenario(name, get, [*args, header], paths[0], {key: value})

    lists = [
        f"/query/trainers?{urlencode({'specialty': s, 'branch': b})}" for s, b in inputs.filters
    ]
    searches = [f"/query/trainers?{urlencode({'q': t}, quote_via=quote)}" for t in inputs.terms]
    naive_searches = [p.replace("/query/trainers?", "/bench/naive/trainers/?") for p in searches]
    naive_lists = [p.replace("/query/trainers?", "/bench/naive/trainers/?") for p in lists]
    details = [f"/query/trainers/{i}" for i in inputs.ids]
    profiles = [f"/trainers/{s}" for s in inputs.slugs]
    zipf = [f"/query/trainers/{i}" for i in inputs.zipf_ids]
    ceiling = gets(CEILING, ["/"])
    ceiling.server = "ceiling"
    mixed = gets("detail_zipf:ours_writes", zipf)
    mixed.writes_per_second = WRITES_PER_SECOND
    edge_paths = []
    for n, path in enumerate(zipf):
        edge_paths.append(path)
        if n % 4 == 0:
            edge_paths.append(lists[n // 4 % len(lists)])
    edge = gets(EDGE, edge_paths)
    edge.server, edge.writes_per_second, edge.prime = "edge", WRITES_PER_SECOND, []
    out = [
        ceiling,
        gets("list:ours", lists),
        # The same requests past the response cache: what a cache miss costs.
        gets("list:ours_uncached", lists, NO_CACHE),
        gets("list:naive_drf", naive_lists),
        gets("first_page:ours", ["/query/trainers"]),
        gets("first_page:ours_uncached", ["/query/trainers"], NO_CACHE),
    ]
    if inputs.deep_cursor:
        deep = [f"/query/trainers?cursor={inputs.deep_cursor}"]
        naive_deep = f"/bench/naive/trainers/?page={inputs.deep_items // PAGE + 1}"
        out += [
            gets("deep_page:ours", deep),
            gets("deep_page:ours_uncached", deep, NO_CACHE),
            gets("deep_page:naive_drf", [naive_deep]),
        ]
    out += [
        gets("search:ours", searches),
        gets("search:ours_uncached", searches, NO_CACHE),
        gets("search:naive_drf", naive_searches),
        gets("detail:ours", details),
        gets("detail:ours_uncached", details, NO_CACHE),
        gets("detail:naive_drf", [f"/bench/naive/trainers/{i}/" for i in inputs.ids]),
        gets("detail_zipf:ours", zipf),
        mixed,
        gets("facets:ours", ["/query/specialties", "/query/branches"]),
        # The public pages (readapi/pages/): the directory and profiles, as HTML.
        gets("page_directory:ours", ["/"]),
        gets("page_directory:ours_uncached", ["/"], NO_CACHE),
        gets("page_profile:ours", profiles),
        gets("page_profile:ours_uncached", profiles, NO_CACHE),
        gets(MEDIA, ["/placeholder"]),
        edge,
    ]
    auth = f"Token {inputs.token}"
    write_ids = inputs.ids[:2000]
    for name, prefix in (
        ("write:ours", "/api/trainers/"),
        ("write:plain_drf", "/bench/plain/trainers/"),
    ):
        paths = inputs.paths_file(name.replace(":", "_"), [f"{prefix}{i}/" for i in write_ids])
        sample = f"{prefix}{write_ids[0]}/"
        out.append(Scenario(name, patch, [str(paths), auth], sample, {"Authorization": auth}))
    return out


def chosen(all_scenarios: list[Scenario], only: set[str]) -> list[Scenario]:
    """The scenarios ``only`` names (whole names or the part before the colon); all if empty."""
    return [s for s in all_scenarios if not only or {s.name, s.name.split(":")[0]} & only]


def plan(selected: list[Scenario]) -> list[Scenario]:
    """The order of the run: the ceiling, the reads (pairs A B B A), the ceiling again, writes.

    The ceiling runs before and after the reads, and each ratio of it uses the mean of
    its two rounds; the writes come last, since they change the data the reads read.
    """
    by_name = {s.name: s for s in selected}
    ceiling = [s for s in selected if s.server == "ceiling"]
    writes = [s for s in selected if s.name.startswith("write:")]
    out = list(ceiling)
    for scenario in selected:
        if scenario in ceiling or scenario in writes:
            continue
        out.append(scenario)
        for first, second in PAIRS:
            if scenario.name == second and first in by_name:
                out += [scenario, by_name[first]]
    if len(out) > len(ceiling):
        out += ceiling
    return out + writes
