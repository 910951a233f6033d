"""Image files for the photo tests, made with Pillow in memory (small and fast)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
CAMERA_SERIAL = 0xA431  # BodySerialNumber
EXIF_IFD = 0x8769


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def photo(width: int = 400, height: int = 300, fmt: str = "JPEG", **options: Any) -> bytes:
    """A two-colour picture: left half red, right half blue (orientation shows)."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (width // 2, 0, width, height))
    return encode(image, fmt, **options)


def phone_jpeg(width: int = 400, height: int = 300) -> bytes:
    """A JPEG as a phone writes it: rotated (orientation 6), GPS position, camera serial."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the viewer must turn it 90 degrees clockwise
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (38.0, 42.0, 30.0), 3: "W", 4: (9.0, 8.0, 20.0)})
    exif.get_ifd(EXIF_IFD)[CAMERA_SERIAL] = "SERIAL-12345"
    return encode(image, "JPEG", exif=exif.tobytes())


def phone_mpo(width: int = 400, height: int = 300) -> bytes:
    """A JPEG with a second picture in a multi-picture segment (Pillow: MPO), as many
    phones write one; the second picture (a depth map, a preview) is smaller and grey."""
    first = Image.open(io.BytesIO(phone_jpeg(width, height)))
    second = Image.new("RGB", (width // 4, height // 4), (128, 128, 128))
    return encode(first, "MPO", save_all=True, append_images=[second], exif=first.info["exif"])


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "green")]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape)."""
    data = bytearray(photo(8, 8, "PNG"))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def stored(root: Path) -> set[str]:
    """Every file under the storage folder, by its storage name."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
