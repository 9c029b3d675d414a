"""Article images made acceptable to WeChat (wechat-api.md §2.2): body images and the cover."""

from __future__ import annotations

import io
import warnings

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

BODY_MAX_BYTES = 1024 * 1024 - 1  # media/uploadimg: jpg/png "大小必须在1MB以下"
COVER_MAX_BYTES = 2 * 1024 * 1024
MAX_WIDTH = 1080  # wider than any phone column (677 px desktop); WeChat scales down anyway
MAX_PIXELS = 64_000_000  # beyond this, decoding alone can take gigabytes: a decompression bomb
COVER_RATIO = 2.35
COVER_MIN_WIDTH = 300
_QUALITIES = (90, 85, 80, 75, 70, 65, 60, 50, 40)
_PHOTO_FORMATS = frozenset({"JPEG", "MPO", "WEBP"})  # lossy sources: JPEG is the honest output
_KEEP_MODES = frozenset({"L", "RGB"})


class ImageError(ValueError):
    """Bytes that cannot become a WeChat image; the message is for an editor (Chinese)."""


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ImageError("图片文件是空的：请重新选择文件")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(
            f"图片像素超过上限 {MAX_PIXELS // 10_000} 万，疑似解压炸弹：请缩小后再上传"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError(
            "不是可识别的图片（支持 JPG、PNG、GIF、WebP、BMP、TIFF）：请换成 JPG 或 PNG"
        ) from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"图片 {width}×{height} 像素，超过上限 {MAX_PIXELS // 10_000} 万像素（疑似解压炸弹）："
            "请缩小后再上传"
        )
    return image


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """Width and height once the EXIF orientation is applied (for JPEG: no decoding needed)."""
    turned = image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
    return (image.height, image.width) if turned else image.size


def _draft(image: Image.Image) -> None:
    """Let the JPEG decoder scale down by 1/2–1/8 while decoding: far less memory for big photos."""
    if image.format not in ("JPEG", "MPO"):
        return
    width = _upright_size(image)[0]
    if width > MAX_WIDTH:
        scale = MAX_WIDTH / width
        image.draft(
            image.mode, (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        )


def _decode(image: Image.Image) -> Image.Image:
    """Decode the first frame, turned upright by its EXIF orientation."""
    try:
        image.load()
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError("图片文件已损坏或不完整：请重新导出后再上传") from exc


def _load(data: bytes) -> tuple[Image.Image, str]:
    """The decoded, upright image and the format it came in."""
    image = _open(data)
    _draft(image)
    return _decode(image), image.format or ""


def _alpha_or_none(image: Image.Image) -> Image.Image | None:
    """The image as RGBA if any pixel is actually transparent, else None."""
    if "A" not in image.getbands() and "transparency" not in image.info:
        return None
    rgba = image.convert("RGBA")
    return rgba if rgba.getchannel("A").getextrema()[0] < 255 else None


def _opaque(image: Image.Image) -> Image.Image:
    """An L or RGB image (16-bit greys scaled, not clipped)."""
    if image.mode in _KEEP_MODES:
        return image
    if image.mode in ("I;16", "I;16B", "I", "F"):
        return image.convert("I").point(lambda value: value / 256).convert("L")
    return image.convert("L" if image.mode in ("1", "LA") else "RGB")


def _flatten(image: Image.Image) -> Image.Image:
    """An opaque image, any transparency laid on white (JPEG has no alpha channel)."""
    rgba = _alpha_or_none(image)
    if rgba is None:
        return _opaque(image)
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def _fit(image: Image.Image, width: int) -> Image.Image:
    """Scale down (never up) to at most `width` pixels wide."""
    if image.width <= width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """Encode with no metadata but the colour profile: EXIF (GPS, camera) stays behind."""
    out = io.BytesIO()
    icc = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
    clean = image.copy()
    clean.info = {}
    clean.save(out, fmt, icc_profile=icc, **options)
    return out.getvalue()


def _jpeg_under(image: Image.Image, max_bytes: int) -> bytes:
    """JPEG at falling quality, then smaller, until it fits."""
    while True:
        for quality in _QUALITIES:
            data = _encode(image, "JPEG", quality=quality, optimize=True)
            if len(data) <= max_bytes:
                return data
        image = _fit(image, max(1, image.width * 3 // 4))


def _png_under(image: Image.Image, max_bytes: int) -> bytes:
    """PNG that keeps transparency: full colour, then 256 colours, then smaller, until it fits."""
    while True:
        data = _encode(image, "PNG", optimize=True)
        if len(data) <= max_bytes:
            return data
        data = _encode(image.quantize(256, method=Image.Quantize.FASTOCTREE), "PNG", optimize=True)
        if len(data) <= max_bytes:
            return data
        image = _fit(image, max(1, image.width * 3 // 4))


def prepare_body_image(data: bytes) -> bytes:
    """A JPEG or PNG under 1 MB, upright, at most 1080 px wide, without EXIF (for uploadimg)."""
    image, source_format = _load(data)
    transparent = _alpha_or_none(image)
    if transparent is not None:
        return _png_under(_fit(transparent, MAX_WIDTH), BODY_MAX_BYTES)
    image = _fit(_opaque(image), MAX_WIDTH)
    if source_format not in _PHOTO_FORMATS:  # drawings and screenshots stay sharp as PNG
        data = _encode(image, "PNG", optimize=True)
        if len(data) <= BODY_MAX_BYTES:
            return data
    return _jpeg_under(image, BODY_MAX_BYTES)


def prepare_cover(data: bytes) -> bytes:
    """The cover as a JPEG of at most 2 MB and 1080 px wide, uncropped (permanent material)."""
    image, _ = _load(data)
    return _jpeg_under(_fit(_flatten(image), MAX_WIDTH), COVER_MAX_BYTES)


def cover_warnings(data: bytes) -> list[str]:
    """What an editor should know about a cover; raises ImageError if it is unusable."""
    image = _open(data)
    frames = getattr(image, "n_frames", 1)
    width, height = _decode(image).size
    found = []
    if width < COVER_MIN_WIDTH:
        found.append(f"封面只有 {width} 像素宽，太小会发虚：请换一张至少 900×383 的图")
    ratio = width / height
    if abs(ratio / COVER_RATIO - 1) > 0.2:
        found.append(
            f"封面比例约 {ratio:.2f}:1，微信推荐 2.35:1（如 900×383），列表里会被裁掉一部分："
            "请换图或确认裁切后仍可看"
        )
    if frames > 1:
        found.append("封面是动图，只会用第一帧")
    return found


def is_animated(data: bytes) -> bool:
    """Whether the bytes are an animation (uploadimg keeps only a still frame)."""
    try:
        return getattr(_open(data), "n_frames", 1) > 1
    except ImageError:
        return False


def looks_like_svg(data: bytes) -> bool:
    """Whether the bytes are an SVG drawing (WeChat cannot take SVG through uploadimg)."""
    head = data[:512].lstrip().lower()
    return head.startswith(b"<svg") or (
        head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()
    )
