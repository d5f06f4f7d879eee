"""Image files for the logo tests, made with Pillow in memory."""

import functools
import io
import os

from PIL import Image
from PIL.PngImagePlugin import PngInfo


def png(size=(300, 120), colour=(10, 88, 202, 255), text_chunk: str | None = None) -> bytes:
    out = io.BytesIO()
    info = PngInfo()
    if text_chunk:
        info.add_text("Comment", text_chunk)
    Image.new("RGBA", size, colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_exif(size=(400, 200)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "secret-software"  # Software
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=80)
    return out.getvalue()


@functools.cache
def decompression_bomb() -> bytes:
    """A small file that decodes to 20000x20000 pixels (400 million)."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def noisy_png(size=(448, 400)) -> bytes:
    """Random pixels do not compress: about 538 KB, over the logo limit (512 KB) but within
    the upload route's body cap."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@functools.cache
def decompression_bomb_under_pillows_limit() -> bytes:
    """81 million pixels: below Pillow's own bomb guard (89 million), above ours."""
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG", optimize=True)
    return out.getvalue()
