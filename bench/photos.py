"""Photos in the benchmark: what a 3-megapixel upload costs, and renditions served.

``time_uploads`` PUTs a 3-megapixel JPEG (2048 x 1536, a phone camera's size class,
with texture so that it compresses like a photograph) to ``UPLOADS`` trainers, one at
a time, as staff do, and times each: decoding, orientation, colour, four WebP widths,
the JPEG and the storage, all inside the request. It returns those timings and the
paths of the renditions the public documents now name, which the ``media:ours``
scenario then requests (``bench/measure.py``).
"""

from __future__ import annotations

import io
import statistics
import time
from typing import Any

import httpx

UPLOADS = 8
SIZE = (2048, 1536)


def three_megapixel_jpeg(seed: int = 7) -> bytes:
    from PIL import Image, ImageFilter

    noise = Image.effect_noise(SIZE, 64).filter(ImageFilter.GaussianBlur(2))
    gradient = Image.linear_gradient("L").resize(SIZE)
    photo = Image.merge("RGB", (noise, gradient, Image.eval(noise, lambda v: (v + seed) % 256)))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    return out.getvalue()


def time_uploads(base_url: str, token: str, ids: list[str], n: int = UPLOADS) -> dict[str, Any]:
    body = three_megapixel_jpeg()
    seconds: list[float] = []
    renditions: list[str] = []
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=60
    ) as http:
        for trainer_id in ids[:n]:
            started = time.perf_counter()
            response = http.put(
                f"/api/trainers/{trainer_id}/photo/",
                files={"photo": ("portrait.jpg", body, "image/jpeg")},
            )
            seconds.append(time.perf_counter() - started)
            response.raise_for_status()
            photo = http.get(
                f"/query/trainers/{trainer_id}", headers={"Cache-Control": "no-cache"}
            ).json()["photo"]
            renditions += [part.rsplit(" ", 1)[0] for part in photo["srcset"].split(", ")]
    return {
        "uploads": len(seconds),
        "bytes": len(body),
        "megapixels": round(SIZE[0] * SIZE[1] / 1e6, 2),
        "mean_s": round(statistics.mean(seconds), 3),
        "p50_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
        "renditions": renditions,
    }
