"""Find a CJK font we may embed (OFL / Apache), or fail loudly: a picture of boxes is never sent.

Order: the CSJ_FONT environment variable ("path" or "path#face-index"), the pinned pip package
pylopdf-fonts-zh-cn (Noto Sans SC, OFL), Debian's Noto Sans CJK (face 2 is SC: face 0 draws
Japanese glyph forms), Debian's WenQuanYi Micro Hei.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont

DEBIAN_NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEBIAN_WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


class FontError(RuntimeError):
    """No usable CJK font: says what was tried and why each was refused."""


@dataclass(frozen=True)
class FontChoice:
    path: str
    index: int = 0
    origin: str = ""


def candidates(environ: dict[str, str] | None = None) -> list[FontChoice]:
    """The fonts to try, best first."""
    env = os.environ if environ is None else environ
    found = []
    if env.get("CSJ_FONT"):
        path, _, index = env["CSJ_FONT"].partition("#")
        found.append(FontChoice(path, int(index or 0), "CSJ_FONT"))
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        pass
    else:
        found.append(FontChoice(str(pylopdf_fonts_zh_cn.sans_path()), 0, "pylopdf-fonts-zh-cn"))
    found.append(FontChoice(DEBIAN_NOTO, 2, "fonts-noto-cjk"))
    found.append(FontChoice(DEBIAN_WQY, 0, "fonts-wqy-microhei"))
    return found


@cache
def coverage(choice: FontChoice) -> frozenset[int]:
    """The code points the font has glyphs for."""
    with TTFont(choice.path, fontNumber=choice.index, lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing(choice: FontChoice, text: str) -> str:
    """The characters of `text` the font cannot draw (spaces need no glyph)."""
    table = coverage(choice)
    return "".join(sorted({c for c in text if not c.isspace() and ord(c) not in table}))


def resolve(required: str, environ: dict[str, str] | None = None) -> FontChoice:
    """The first candidate that exists and covers every character of `required`."""
    refused = []
    for choice in candidates(environ):
        if not Path(choice.path).is_file():
            refused.append(f"{choice.origin}: {choice.path} not found")
            continue
        try:
            lacking = missing(choice, required)
        except Exception as exc:  # a corrupt or non-font file: try the next one
            refused.append(f"{choice.origin}: {choice.path} unreadable ({exc})")
            continue
        if not lacking:
            return choice
        refused.append(f"{choice.origin}: {choice.path} lacks {lacking[:20]!r}")
    raise FontError(
        "no usable CJK font for the forecast picture; install pylopdf-fonts-zh-cn or "
        "fonts-noto-cjk, or set CSJ_FONT. Tried: " + "; ".join(refused)
    )


@cache
def font(choice: FontChoice, size: int) -> ImageFont.FreeTypeFont:
    """The Pillow font at a pixel size."""
    return ImageFont.truetype(choice.path, size, index=choice.index)
