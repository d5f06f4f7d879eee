"""Merchant logos: an uploaded PNG or JPEG is decoded and drawn again from its pixels, so
what we serve carries no metadata (EXIF, GPS, ICC, text chunks), no second frame and no
bytes the uploader chose. Pure (Pillow, no I/O); CPU-bound, so callers run it in a thread.

Dimensions are checked from the header before any pixel is decoded, so a small file that
claims to be a huge image (a decompression bomb) is refused without being expanded.
"""

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from .errors import InvalidRequest

MAX_BYTES = 512 * 1024
MAX_SIDE = 2048  # pixels, either side, of the upload
MAX_PIXELS = 2048 * 2048
SERVED_SIDE = 256  # the page shows it 48 px high; 256 covers high-density screens
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg")}
CONTENT_TYPES = {ext: content_type for ext, content_type in FORMATS.values()}


@dataclass(frozen=True)
class Logo:
    data: bytes
    ext: str
    content_type: str
    width: int
    height: int

    @property
    def name(self) -> str:
        """Content-addressed: the file's name changes whenever its bytes do, so it can be
        cached for a year."""
        return f"{hashlib.sha256(self.data).hexdigest()}.{self.ext}"


def clean_logo(data: bytes, field: str = "logo") -> Logo:
    if not data:
        raise InvalidRequest(f"{field} is empty: choose a PNG or JPEG file", field=field)
    if len(data) > MAX_BYTES:
        raise InvalidRequest(
            f"{field} is {len(data) // 1024} KB; the limit is {MAX_BYTES // 1024} KB", field=field
        )
    not_an_image = InvalidRequest(f"{field} must be a PNG or JPEG image", field=field)
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            if image.format not in FORMATS:
                raise not_an_image
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise InvalidRequest(
                    f"{field} is {width}x{height} pixels; at most {MAX_SIDE}x{MAX_SIDE} please",
                    field=field,
                )
            ext, content_type = FORMATS[image.format]
            if not whole_file(data, ext):
                raise not_an_image
            image.load()
            clean = redraw(image, keep_alpha=ext == "png")
    except InvalidRequest:
        raise
    except Image.DecompressionBombError:  # Pillow's own guard, at open, for absurd sizes
        raise InvalidRequest(
            f"{field} claims far more pixels than allowed; at most {MAX_SIDE}x{MAX_SIDE} please",
            field=field,
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    clean.thumbnail((SERVED_SIDE, SERVED_SIDE))
    out = io.BytesIO()
    if ext == "png":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "JPEG", quality=90)
    return Logo(out.getvalue(), ext, content_type, clean.width, clean.height)


def whole_file(data: bytes, ext: str) -> bool:
    """Whether the file ends as a whole PNG (IEND chunk) or JPEG (EOI marker) does. Pillow
    would fill a cut-off image with grey when ImageFile.LOAD_TRUNCATED_IMAGES is on, and
    WeasyPrint (the PDF renderer) turns that process-wide switch on when it is imported."""
    if ext == "png":
        return data.endswith(b"IEND\xaeB`\x82")
    return data.rstrip(b"\x00").endswith(b"\xff\xd9")


def redraw(image: Image.Image, keep_alpha: bool) -> Image.Image:
    """A new image made only of the decoded pixels (no info, no palette tricks)."""
    mode = "RGBA" if keep_alpha else "RGB"
    pixels = image.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())
