"""Demo avatars drawn here, so demo data loads no picture from another host.

A small set (a head and shoulders on a coloured ground), rendered and stored once
under ``demo/avatars/`` and shared by every demo trainer: rendering one per trainer
would make seeding 100,000 trainers take minutes longer. Files under that folder belong
to no trainer, so no trainer's change deletes them (``files.files_of``).
"""

from __future__ import annotations

import functools
import io
from typing import Any, Final

from PIL import Image, ImageDraw

from trainers.photos import files
from trainers.photos.renditions import Renditions, render

FOLDER: Final = "demo/avatars"
SIZE: Final = 480
# Ground, then figure: muted pairs that read well at 40 pixels and at 480.
PALETTE: Final = (
    ("#dbe9f6", "#3d6a99"),
    ("#f6e3d4", "#a4582a"),
    ("#e1f2e4", "#3f7f4e"),
    ("#efe1f4", "#7a4c8c"),
    ("#f7efd2", "#93752a"),
    ("#dff1f1", "#2f7c7c"),
    ("#f4dede", "#9b3f48"),
    ("#e5e6f5", "#4b5193"),
    ("#ececec", "#555555"),
    ("#f3e6da", "#6e4a33"),
    ("#dcefe9", "#2d6b5a"),
    ("#f6e0ec", "#94406b"),
)


def avatar(n: int) -> bytes:
    """Avatar ``n`` (0 <= n < len(PALETTE)) as a PNG: a head and shoulders, centred."""
    ground, figure = PALETTE[n % len(PALETTE)]
    image = Image.new("RGB", (SIZE, SIZE), ground)
    draw = ImageDraw.Draw(image)
    unit = SIZE / 12
    draw.ellipse((4 * unit, 2.2 * unit, 8 * unit, 6.6 * unit), fill=figure)  # head
    draw.ellipse((1.6 * unit, 7.2 * unit, 10.4 * unit, 15.5 * unit), fill=figure)  # shoulders
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def demo_avatars() -> list[dict[str, Any]]:
    """The photo documents of every demo avatar, stored (again if missing)."""
    return [files.store(renditions, FOLDER) for renditions in _rendered()]


@functools.cache
def _rendered() -> tuple[Renditions, ...]:
    return tuple(render(avatar(n)) for n in range(len(PALETTE)))
