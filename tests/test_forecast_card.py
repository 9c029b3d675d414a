"""The "一图可见" picture: it renders, has its shape, never draws a glyph the font lacks."""

from __future__ import annotations

import io
from datetime import date

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from bot.forecast import card, fonts
from bot.forecast.importer import read_forecast
from bot.forecast.levels import LEVELS, POLLUTANTS, level_text
from bot.forecast.text import WEEKDAYS
from bot.places import provinces
from tests.forecast_data import NOW_DT, sample_bytes


@pytest.fixture(scope="module")
def issue():
    return read_forecast(sample_bytes(), NOW_DT)


def test_renders_a_png_of_the_expected_shape(issue):
    png = card.render(issue)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == card.WIDTH and 1000 <= image.height <= 1600
    assert 20_000 < len(png) < 1_000_000  # WeChat's image limit is 10 MB; a phone wants far less


def test_cells_are_in_hj633_colours(issue):
    image = Image.open(io.BytesIO(card.render(issue))).convert("RGB")
    # Day 3 in 江苏 is 轻度污染 (orange); its lower-left corner area is plain cell colour.
    x = int(card._column_x(2)) + 8
    top = 180 + card.HEADER_H + 1 * (card.ROW_H + card.GAP)
    assert image.getpixel((x, top + card.ROW_H - 20)) == LEVELS[2].rgb


def test_jpeg_too(issue):
    assert card.render(issue, "JPEG")[:3] == b"\xff\xd8\xff"


def drawable_strings(issue) -> list[str]:
    """Everything the picture can draw: fixed texts, every level and range, every date form."""
    ranges = [level_text(lo, hi) for lo in range(1, 7) for hi in range(lo, 7)]
    dates = [f"{m}/{d} {m}月{d}日" for m in range(1, 13) for d in range(1, 32)]
    years = [f"{y}年" for y in range(2024, 2031)]
    return [
        *card.fixed_strings(),
        *card.issue_strings(issue),
        *ranges,
        *dates,
        *years,
        *(f"周{w}" for w in WEEKDAYS),
        *POLLUTANTS,
        *provinces(),
        "0123456789–-/:",
    ]


def test_font_covers_every_string_the_picture_can_draw(issue):
    choice = fonts.resolve("".join(card.fixed_strings()))
    with TTFont(choice.path, fontNumber=choice.index, lazy=True) as font:
        cmap = font.getBestCmap()
    missing = {
        c for s in drawable_strings(issue) for c in s if not c.isspace() and ord(c) not in cmap
    }
    assert missing == set()


def test_the_pinned_package_font_is_chosen_by_default():
    choice = fonts.resolve("长三角", environ={})
    assert choice.origin == "pylopdf-fonts-zh-cn" and choice.path.endswith("NotoSansSC-Regular.otf")


def test_csj_font_overrides(tmp_path):
    default = fonts.resolve("长三角", environ={})
    chosen = fonts.resolve("长三角", environ={"CSJ_FONT": f"{default.path}#0"})
    assert chosen.origin == "CSJ_FONT"


def test_no_usable_font_is_a_hard_error(monkeypatch, tmp_path):
    not_a_font = tmp_path / "x.ttf"
    not_a_font.write_bytes(b"nope")
    monkeypatch.setattr(
        fonts,
        "candidates",
        lambda environ=None: [
            fonts.FontChoice(str(not_a_font), 0, "test"),
            fonts.FontChoice("/nonexistent.otf", 0, "gone"),
        ],
    )
    with pytest.raises(fonts.FontError, match="no usable CJK font"):
        fonts.resolve("长三角")


def test_a_font_lacking_glyphs_is_refused(monkeypatch):
    dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not __import__("os").path.exists(dejavu):
        pytest.skip("DejaVu Sans not installed")
    monkeypatch.setattr(
        fonts, "candidates", lambda environ=None: [fonts.FontChoice(dejavu, 0, "latin")]
    )
    with pytest.raises(fonts.FontError, match="lacks"):
        fonts.resolve("长三角")


def test_a_source_the_font_cannot_draw_is_refused(issue):
    import dataclasses

    odd = dataclasses.replace(issue, source="\U000e0100 centre", id="x")
    with pytest.raises(fonts.FontError, match="cannot draw"):
        card.render(odd)


def test_summary_is_wrapped_into_the_picture(issue):
    import dataclasses

    long = dataclasses.replace(issue, summary="受冷空气影响，" * 20, id="y")
    assert (
        Image.open(io.BytesIO(card.render(long))).height
        > Image.open(io.BytesIO(card.render(issue))).height
    )


def test_missing_cells_are_drawn_as_no_forecast(issue):
    import dataclasses

    rows = tuple(r for r in issue.rows if (r.place, r.day) != ("浙江", date(2026, 11, 28)))
    image = Image.open(io.BytesIO(card.render(dataclasses.replace(issue, rows=rows, id="z"))))
    top = 180 + card.HEADER_H + 2 * (card.ROW_H + card.GAP)
    assert image.convert("RGB").getpixel((int(card._column_x(4)) + 8, top + 20)) == card.EMPTY
