"""The weight of the public pages: HTML, stylesheet and script, gzip-compressed, no photos.

The app sends the assets gzipped itself; the HTML is compressed here as an edge or a
proxy in front would compress it.
"""

from __future__ import annotations

import gzip
import re

import httpx

ASSET = re.compile(rb'(?:href|src)="(/assets/[^"]+\.(?:css|js))"')


def page_weights(base_url: str, paths: dict[str, str]) -> dict[str, float]:
    """KB (1000 bytes) of each named page with its CSS and JS, compressed."""
    out: dict[str, float] = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for name, path in paths.items():
            html = client.get(path).raise_for_status().content
            total = len(gzip.compress(html))
            for asset in ASSET.findall(html):
                packed = client.get(asset.decode(), headers={"Accept-Encoding": "gzip"})
                total += int(packed.headers["content-length"])
            out[name] = round(total / 1000, 1)
    return out
