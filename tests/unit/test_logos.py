import io

import pytest
from PIL import Image, ImageFile

from checkout import logos
from checkout.errors import InvalidRequest
from tests import images


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_png_is_redrawn_without_its_text_chunks_and_scaled_to_fit():
    upload = images.png((600, 240), text_chunk="secret note")
    logo = logos.clean_logo(upload)
    assert (logo.ext, logo.content_type) == ("png", "image/png")
    assert logo.data != upload and b"secret note" not in logo.data
    image = opened(logo.data)
    assert image.format == "PNG" and image.size == (256, 102) == (logo.width, logo.height)
    assert image.mode == "RGBA" and "Comment" not in image.info
    assert image.getpixel((10, 10)) == (10, 88, 202, 255)
    assert logo.name.endswith(".png") and len(logo.name) == 64 + 4


def test_a_jpeg_loses_its_exif():
    upload = images.jpeg_with_exif()
    assert b"SecretCam" in upload
    logo = logos.clean_logo(upload)
    assert (logo.ext, logo.content_type) == ("jpg", "image/jpeg")
    assert b"SecretCam" not in logo.data and b"Exif" not in logo.data
    image = opened(logo.data)
    assert image.format == "JPEG" and len(image.getexif()) == 0


@pytest.mark.parametrize(
    "upload",
    [
        b"",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a" + b"\x00" * 100,
        images.png()[:60],  # a truncated PNG
    ],
    ids=["empty", "svg", "gif", "truncated"],
)
def test_anything_but_a_whole_png_or_jpeg_is_refused(upload):
    with pytest.raises(InvalidRequest) as refused:
        logos.clean_logo(upload)
    assert refused.value.details["field"] == "logo"


def test_a_gif_made_by_pillow_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(InvalidRequest, match="PNG or JPEG"):
        logos.clean_logo(out.getvalue())


def test_a_file_over_512_kb_is_refused():
    upload = images.noisy_png()
    assert len(upload) > logos.MAX_BYTES
    with pytest.raises(InvalidRequest, match="limit is 512 KB"):
        logos.clean_logo(upload)


def test_a_decompression_bomb_is_refused_before_decoding():
    upload = images.decompression_bomb()
    assert len(upload) < 64 * 1024  # a small file claiming 400 million pixels
    with pytest.raises(InvalidRequest, match="at most 2048x2048"):
        logos.clean_logo(upload)
    # Within Pillow's own guard, but over ours: refused from the header, before decoding.
    with pytest.raises(InvalidRequest, match="is 2049x10 pixels; at most 2048x2048"):
        logos.clean_logo(images.png((2049, 10)))
    with pytest.raises(InvalidRequest, match="is 9000x9000 pixels"):
        logos.clean_logo(images.decompression_bomb_under_pillows_limit())


def test_a_cut_off_file_is_refused_even_when_pillow_would_load_it(monkeypatch):
    # WeasyPrint turns this process-wide switch on when it is imported (the PDF code).
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    for whole in (images.png(), images.jpeg_with_exif()):
        with pytest.raises(InvalidRequest) as refused:
            logos.clean_logo(whole[: len(whole) - 40])
        assert refused.value.details["field"] == "logo"
