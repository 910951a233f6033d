"""An uploaded photo, checked and turned into its public renditions (Pillow), in memory.

Every check runs before anything is stored: size in bytes, the format sniffed from the
content (the file name and the declared type are ignored), the pixel count read from
the header before any pixel is decoded, animation, and a full decode (a truncated file
fails here). Then: EXIF orientation applied, colour converted to sRGB, transparency
flattened onto white, and the pixels re-encoded with no metadata at all (no EXIF, GPS,
camera serial, embedded thumbnail, XMP or ICC profile: untagged images are sRGB).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from trainers import errors

ACCEPTED_FORMATS: Final = ("JPEG", "PNG", "WEBP", "MPO")
# A JPEG with a multi-picture segment, as many phone cameras write it: Pillow calls it
# MPO. Its extra pictures (a depth or gain map, a preview) are not frames of an
# animation: the first picture is the photo.
_JPEG_FORMATS: Final = ("JPEG", "MPO")
# List thumbnails, cards, the profile, large screens; never wider than the original.
WIDTHS: Final = (160, 320, 640, 1024)
WEBP_QUALITY: Final = 80
JPEG_QUALITY: Final = 85
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True, slots=True)
class Rendition:
    width: int
    height: int
    extension: str  # "webp" or "jpg"
    content: bytes

    def name(self, folder: str) -> str:
        """A name that changes whenever the content does, so it can be cached forever."""
        digest = hashlib.sha256(self.content).hexdigest()[:20]
        return f"{folder}/{digest}-{self.width}.{self.extension}"


@dataclass(frozen=True, slots=True)
class Renditions:
    """WebP at each width, and one JPEG (the fallback ``url``) at the largest."""

    webp: tuple[Rendition, ...]
    jpeg: Rendition


def invalid(message: str) -> errors.InvalidInput:
    return errors.InvalidInput({"photo": [message]})


def render(content: bytes) -> Renditions:
    """The renditions of an uploaded image, or InvalidInput / PhotoTooLarge naming ``photo``."""
    if len(content) > settings.PHOTO_MAX_BYTES:
        raise errors.PhotoTooLarge(settings.PHOTO_MAX_BYTES)
    if not content:
        raise invalid(errors.PHOTO_NOT_IMAGE)
    image = _open(content)
    try:
        if image.format in _JPEG_FORMATS:
            # Let the decoder scale down by 1/2, 1/4 or 1/8 while both sides stay at least
            # the largest width (whatever the orientation): a 12 Mpx photo decodes 4x faster.
            image.draft(None, (WIDTHS[-1], WIDTHS[-1]))
        image.load()
        image = _to_srgb(ImageOps.exif_transpose(image))
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise invalid(errors.PHOTO_TRUNCATED) from exc
    widths = sorted({min(w, image.width) for w in WIDTHS})
    sized = [_resize(image, w) for w in widths]
    return Renditions(
        webp=tuple(_encode(s, "WEBP", quality=WEBP_QUALITY, method=4) for s in sized),
        jpeg=_encode(sized[-1], "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True),
    )


def _open(content: bytes) -> Image.Image:
    """The image with only its header read, once format, size and frames pass."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise invalid(
            errors.PHOTO_TOO_MANY_PIXELS.format(
                width="?", height="?", limit=settings.PHOTO_MAX_PIXELS
            )
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise invalid(errors.PHOTO_NOT_IMAGE) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise invalid(errors.PHOTO_FORMAT.format(format=image.format or "These"))
    width, height = image.size
    if width < 1 or height < 1 or width * height > settings.PHOTO_MAX_PIXELS:
        raise invalid(
            errors.PHOTO_TOO_MANY_PIXELS.format(
                width=width, height=height, limit=settings.PHOTO_MAX_PIXELS
            )
        )
    if image.format != "MPO" and getattr(image, "n_frames", 1) > 1:
        raise invalid(errors.PHOTO_ANIMATED)
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: an embedded ICC profile converted, transparency on white."""
    if image.mode.startswith("I"):  # 16-bit grey: scaled to 8 bits, not clipped
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # a broken profile: keep the pixels as they are
        if converted is not None:
            image = converted
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _resize(image: Image.Image, width: int) -> Image.Image:
    if width == image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode(image: Image.Image, fmt: str, **options: object) -> Rendition:
    image.info = {}  # nothing of the source's metadata may reach the output
    out = io.BytesIO()
    image.save(out, fmt, **options)
    extension = "webp" if fmt == "WEBP" else "jpg"
    return Rendition(image.width, image.height, extension, out.getvalue())
