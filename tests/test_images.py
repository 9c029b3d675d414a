"""Body images and covers made acceptable to WeChat (jpg/png < 1 MB; cover JPEG ≤ 2 MB)."""

from __future__ import annotations

import io
import random
import struct
import zlib
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from syndication import images
from syndication.images import (
    BODY_MAX_BYTES,
    COVER_MAX_BYTES,
    ImageError,
    cover_warnings,
    prepare_body_image,
    prepare_cover,
)

COVER = Path(__file__).parent / "data" / "column" / "cover.jpg"
ONE_MB = 1024 * 1024


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 1) -> Image.Image:
    """Random pixels: the worst case for every encoder, and the same on every run."""
    bands = len(mode)
    return Image.frombytes(mode, size, random.Random(seed).randbytes(size[0] * size[1] * bands))


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def transparent_png(size: tuple[int, int] = (400, 300)) -> bytes:
    image = Image.new("RGBA", size, (255, 0, 0, 0))
    image.paste((0, 128, 0, 255), (50, 50, 200, 200))
    return encode(image, "PNG")


def exif_jpeg(orientation: int) -> bytes:
    """400×200: red on the left, blue on the right, with an orientation, a camera and GPS."""
    image = Image.new("RGB", (400, 200), "red")
    image.paste("blue", (200, 0, 400, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
    return encode(image, "JPEG", exif=exif.tobytes(), quality=95)


# --- body images -----------------------------------------------------------------------------


def test_noisy_png_with_alpha_stays_png_under_1mb():
    source = encode(noise((1000, 800), "RGBA"), "PNG")  # RGBA noise: over 3 MB as PNG
    assert len(source) > 3 * ONE_MB
    out = prepare_body_image(source)
    result = opened(out)
    assert result.format == "PNG" and len(out) <= BODY_MAX_BYTES < ONE_MB
    assert result.convert("RGBA").getchannel("A").getextrema()[0] < 255


def test_wide_png_with_alpha_is_downscaled_and_stays_png():
    result = opened(prepare_body_image(transparent_png((2400, 1800))))
    assert (result.format, result.mode, result.size) == ("PNG", "RGBA", (1080, 810))


def test_small_transparent_png_keeps_its_size_and_alpha():
    result = opened(prepare_body_image(transparent_png()))
    assert (result.format, result.mode, result.size) == ("PNG", "RGBA", (400, 300))
    assert result.getpixel((0, 0))[3] == 0


def test_noisy_4000x3000_jpeg_shrinks_below_1mb():
    source = encode(noise((4000, 3000)), "JPEG", quality=95)
    assert len(source) > 5 * ONE_MB
    out = prepare_body_image(source)
    result = opened(out)
    assert result.format == "JPEG" and len(out) < ONE_MB and result.size == (1080, 810)


def test_noisy_png_photo_falls_back_to_lower_quality_jpeg():
    source = encode(noise((700, 700)), "PNG")
    assert len(source) > ONE_MB
    out = prepare_body_image(source)
    result = opened(out)
    assert result.format == "JPEG" and len(out) < ONE_MB and result.size == (700, 700)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_quality_then_size_fall_until_it_fits(monkeypatch, mode):
    monkeypatch.setattr(images, "BODY_MAX_BYTES", 30_000)
    out = prepare_body_image(encode(noise((600, 400), mode), "PNG"))
    assert len(out) <= 30_000
    assert opened(out).width < 600  # even the lowest quality was too big: it shrank


def gif_with_transparency() -> bytes:
    image = Image.new("P", (60, 40), 1)
    image.putpalette([255, 255, 255, 255, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 30, 40))
    return encode(image, "GIF", transparency=0)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (60, 40), colour) for colour in ("red", "green", "blue")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:])


@pytest.mark.parametrize(
    ("make", "fmt", "mode"),
    [
        pytest.param(
            lambda: encode(Image.new("RGB", (60, 40), "red").quantize(8), "GIF"),
            "PNG",
            "RGB",
            id="gif",
        ),
        pytest.param(gif_with_transparency, "PNG", "RGBA", id="gif-transparent"),
        pytest.param(animated_gif, "PNG", "RGB", id="gif-animated-first-frame"),
        pytest.param(lambda: encode(noise((60, 40)), "WEBP"), "JPEG", "RGB", id="webp"),
        pytest.param(
            lambda: encode(Image.new("RGBA", (60, 40), (0, 0, 255, 90)), "WEBP"),
            "PNG",
            "RGBA",
            id="webp-alpha",
        ),
        pytest.param(
            lambda: encode(Image.new("RGB", (60, 40), "red"), "BMP"), "PNG", "RGB", id="bmp"
        ),
        pytest.param(
            lambda: encode(Image.new("RGB", (60, 40), "red"), "TIFF"), "PNG", "RGB", id="tiff"
        ),
        pytest.param(
            lambda: encode(Image.new("CMYK", (60, 40), (0, 255, 255, 0)), "JPEG"),
            "JPEG",
            "RGB",
            id="cmyk-jpeg",
        ),
        pytest.param(
            lambda: encode(Image.new("CMYK", (60, 40), (0, 255, 255, 0)), "TIFF"),
            "PNG",
            "RGB",
            id="cmyk-tiff",
        ),
        pytest.param(
            lambda: encode(Image.new("RGB", (60, 40), "red").quantize(4), "PNG"),
            "PNG",
            "RGB",
            id="palette-png",
        ),
        pytest.param(
            lambda: encode(Image.new("LA", (60, 40), (100, 255)), "PNG"), "PNG", "L", id="opaque-la"
        ),
        pytest.param(
            lambda: encode(Image.new("I;16", (60, 40), 40000), "PNG"), "PNG", "L", id="16-bit-grey"
        ),
        pytest.param(lambda: encode(Image.new("1", (60, 40), 1), "PNG"), "PNG", "L", id="bilevel"),
        pytest.param(
            lambda: encode(Image.new("L", (60, 40), 90), "JPEG"), "JPEG", "L", id="grey-jpeg"
        ),
    ],
)
def test_formats_convert_to_jpeg_or_png(make, fmt, mode):
    result = opened(prepare_body_image(make()))
    assert (result.format, result.mode, result.size) == (fmt, mode, (60, 40))


def test_cmyk_colour_survives():
    result = opened(
        prepare_body_image(encode(Image.new("CMYK", (60, 40), (0, 255, 255, 0)), "JPEG"))
    )
    red, green, blue = result.getpixel((30, 20))
    assert red > 200 and green < 60 and blue < 60


def test_16_bit_grey_is_scaled_not_clipped():
    result = opened(prepare_body_image(encode(Image.new("I;16", (60, 40), 40000), "PNG")))
    assert result.getpixel((0, 0)) == 40000 // 256


@pytest.mark.parametrize(
    ("orientation", "size", "red_at"),
    [
        pytest.param(1, (400, 200), (100, 100), id="upright"),
        pytest.param(3, (400, 200), (300, 100), id="rotated-180"),
        pytest.param(6, (200, 400), (100, 100), id="rotated-90-cw"),
        pytest.param(8, (200, 400), (100, 300), id="rotated-90-ccw"),
    ],
)
def test_exif_orientation_is_applied_then_exif_stripped(orientation, size, red_at):
    result = opened(prepare_body_image(exif_jpeg(orientation)))
    assert result.size == size
    red, _, blue = result.getpixel(red_at)
    assert red > 200 and blue < 60
    assert dict(result.getexif()) == {} and "exif" not in result.info


def test_wide_image_downscaled_small_one_not_upscaled():
    assert opened(
        prepare_body_image(encode(Image.new("RGB", (3000, 1000), "red"), "PNG"))
    ).size == (1080, 360)
    assert opened(prepare_body_image(encode(Image.new("RGB", (50, 20), "red"), "PNG"))).size == (
        50,
        20,
    )


def test_output_is_deterministic():
    source = encode(noise((1500, 900)), "JPEG", quality=92)
    assert prepare_body_image(source) == prepare_body_image(source)
    assert prepare_cover(source) == prepare_cover(source)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def bomb(width: int, height: int) -> bytes:
    """A black-and-white PNG of many pixels in a few KB, written by hand (Pillow would need GBs)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(bytes((1 + (width + 7) // 8) * height), 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda: b"", "空的", id="empty"),
        pytest.param(lambda: b"definitely not an image", "不是可识别的图片", id="garbage"),
        pytest.param(lambda: b"<html><body>404</body></html>", "不是可识别的图片", id="html-page"),
        pytest.param(lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "不是可识别的图片", id="pdf"),
        pytest.param(
            lambda: encode(noise((300, 300)), "JPEG")[:3000], "损坏或不完整", id="truncated-jpeg"
        ),
        pytest.param(lambda: bomb(9000, 9000), "9000×9000", id="decompression-bomb"),
        pytest.param(lambda: bomb(20000, 10000), "解压炸弹", id="past-pillows-own-limit"),
    ],
)
@pytest.mark.parametrize("prepare", [prepare_body_image, prepare_cover, cover_warnings])
def test_unusable_bytes_raise_image_error(make, message, prepare):
    with pytest.raises(ImageError, match=message):
        prepare(make())


# --- covers ----------------------------------------------------------------------------------


def test_sample_cover_prepares_fine():
    data = COVER.read_bytes()
    out = prepare_cover(data)
    result = opened(out)
    assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (900, 383))
    assert len(out) <= COVER_MAX_BYTES
    assert cover_warnings(data) == []


@pytest.mark.parametrize(
    ("make", "size"),
    [
        pytest.param(
            lambda: encode(noise((3000, 1277)), "JPEG", quality=95), (1080, 460), id="big-jpeg"
        ),
        pytest.param(transparent_png, (400, 300), id="transparent-png-on-white"),
        pytest.param(lambda: encode(Image.new("CMYK", (940, 400)), "JPEG"), (940, 400), id="cmyk"),
        pytest.param(lambda: exif_jpeg(6), (200, 400), id="exif-rotated"),
    ],
)
def test_cover_is_jpeg_uncropped(make, size):
    out = prepare_cover(make())
    result = opened(out)
    assert (result.format, result.mode, result.size) == ("JPEG", "RGB", size)
    assert len(out) <= COVER_MAX_BYTES


def test_transparent_cover_lies_on_white():
    result = opened(prepare_cover(transparent_png()))
    assert min(result.getpixel((0, 0))) > 245


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        pytest.param((900, 383), [], id="ideal"),
        pytest.param((1080, 460), [], id="ideal-large"),
        pytest.param((900, 420), [], id="close-enough"),
        pytest.param((200, 85), ["太小"], id="too-small"),
        pytest.param((600, 600), ["2.35:1"], id="square"),
        pytest.param((200, 200), ["太小", "2.35:1"], id="small-and-square"),
    ],
)
def test_cover_warnings(size, expected):
    warnings = cover_warnings(encode(Image.new("RGB", size, "green"), "JPEG"))
    assert len(warnings) == len(expected)
    for warning, part in zip(warnings, expected, strict=True):
        assert part in warning


def test_cover_warnings_use_upright_size():
    assert any("2.35:1" in w for w in cover_warnings(exif_jpeg(6)))  # 200×400 once turned


def test_animated_cover_is_warned():
    assert any("动图" in w for w in cover_warnings(animated_gif()))
