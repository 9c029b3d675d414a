"""Field limits before draft/add (blocking) and lint for what editors paste (advice)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from PIL import Image

from syndication.checks import (
    check_fields,
    lint,
    lint_body,
    pinyin_annotations,
    strip_pinyin_annotations,
    to_simplified,
    traditional_chars,
)
from syndication.content import render

DATA = Path(__file__).parent / "data" / "column"
OK = {"title": "标题", "author": "作者", "digest": "摘要", "source_url": "", "html": "<p>正文</p>"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _sample() -> tuple[dict, str]:
    _, head, body = (DATA / "alliance-founded.md").read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


def _pasted() -> str:
    return (DATA / "alliance-founded.as-pasted.txt").read_text(encoding="utf-8")


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- check_fields ----------------------------------------------------------------------------


def test_valid_fields_pass():
    assert check_fields(**OK) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"title": ""}, "标题是空的", id="title-missing"),
        pytest.param({"title": "   "}, "标题是空的", id="title-blank"),
        pytest.param({"title": "题" * 33}, "标题有 33 字，上限 32 字（多 1 字）", id="title-33"),
        pytest.param({"author": "作" * 17}, "作者有 17 字，上限 16 字（多 1 字）", id="author-17"),
        pytest.param(
            {"digest": "摘" * 140}, "摘要有 140 字，上限 128 字（多 12 字）", id="digest-140"
        ),
        pytest.param(
            {"source_url": "ftp://e.com/a"}, "原文链接“ftp://e.com/a”不是网址", id="url-scheme"
        ),
        pytest.param({"source_url": "www.e.com/a"}, "http:// 或 https://", id="url-no-scheme"),
        pytest.param({"source_url": "https://"}, "不是网址", id="url-no-host"),
        pytest.param(
            {"source_url": "https://e.com/" + "路" * 400},
            "原文链接有 1214 字节，上限 1024 字节（多 190 字节）",
            id="url-bytes",
        ),
        pytest.param({"html": ""}, "正文是空的", id="content-missing"),
        pytest.param(
            {"html": "字" * 20_000},
            "有 20000 字符（含排版代码），须少于 20000（多 1 字符）",
            id="content-20000",
        ),
        pytest.param({"html": "字" * 25_000}, "（多 5001 字符）", id="content-25000"),
        pytest.param(
            {"html": "x" * (1024 * 1024 + 99)},
            "有 1048675 字节，须小于 1 MB（多 100 字节）",
            id="content-bytes",
        ),
    ],
)
def test_each_limit_names_field_and_limit(changes, message):
    problems = check_fields(**{**OK, **changes})
    assert any(message in p for p in problems), problems
    assert all(CJK.search(p) for p in problems)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"title": "题" * 32}, id="title-32"),
        pytest.param({"author": "作" * 16}, id="author-16"),
        pytest.param({"digest": "摘" * 128}, id="digest-128"),
        pytest.param({"source_url": "https://e.com/" + "a" * 1010}, id="url-1024-bytes"),
        pytest.param({"source_url": "http://e.com"}, id="url-http"),
        pytest.param({"html": "字" * 19_999}, id="content-19999"),
    ],
)
def test_limits_are_inclusive_where_wechat_says_so(changes):
    assert check_fields(**{**OK, **changes}) == []


@pytest.mark.parametrize(
    ("body", "empty"),
    [
        pytest.param("  \n\n ", True, id="blank"),
        pytest.param("<p></p><script>x</script>", True, id="nothing-visible"),
        pytest.param("![图](a.png)", False, id="only-an-image"),
        pytest.param("字", False, id="one-character"),
    ],
)
def test_empty_rendered_body_is_refused(body, empty):
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    html = render(body, "markdown", {"a.png": png.getvalue()}).html
    assert (check_fields(**{**OK, "html": html}) == ["正文是空的：请填写正文"]) is empty


def test_content_over_both_limits_says_both():
    problems = check_fields(**{**OK, "html": "字" * 400_000})
    assert len(problems) == 2 and "字符" in problems[0] and "字节" in problems[1]


def test_sample_author_is_too_long_for_wechat():
    meta, body = _sample()
    html = render(body, "markdown", {}).html
    problems = check_fields(meta["title"], meta["author"], meta["digest"], "", html)
    assert problems == ["作者有 18 字，上限 16 字（多 2 字）：请删减"]


# --- the paste fixes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        pytest.param("長三角區(qū)域", "長三角區域", id="ascii-parens"),
        pytest.param("生態（tài）環境", "生態環境", id="full-width-parens"),
        pytest.param("態(tài)環(huán)", "態環", id="consecutive"),
        pytest.param("(縣、區(qū))", "(縣、區)", id="nested-in-parens"),
        pytest.param("綠(lǜ)色", "綠色", id="u-umlaut"),
        pytest.param("區(QŪ)", "區", id="upper-case"),
        pytest.param("區(qu\u0304)", "區", id="combining-macron"),
        pytest.param("厅(局)", "厅(局)", id="chinese-in-parens"),
        pytest.param("附件(a)", "附件(a)", id="no-tone-mark"),
        pytest.param("PM2.5(pm)", "PM2.5(pm)", id="latin-before"),
        pytest.param("café(né)", "café(né)", id="not-after-cjk"),
        pytest.param("区(zhòngyàoxìng)", "区(zhòngyàoxìng)", id="too-long-for-a-syllable"),
    ],
)
def test_strip_pinyin_annotations(text, stripped):
    assert strip_pinyin_annotations(text) == stripped


@pytest.mark.parametrize(
    ("text", "simplified", "pairs"),
    [
        pytest.param("長三角區域", "长三角区域", [("長", "长"), ("區", "区")], id="chars"),
        pytest.param("聯盟聯動", "联盟联动", [("聯", "联"), ("動", "动")], id="each-once"),
        pytest.param("著名作家", "著名作家", [], id="simplified-phrase-kept"),
        pytest.param("长三角 ABC 123", "长三角 ABC 123", [], id="already-simplified"),
    ],
)
def test_traditional_to_simplified(text, simplified, pairs):
    assert to_simplified(text) == simplified
    assert traditional_chars(text) == pairs


def test_as_pasted_sample_fixes_to_the_markdown_body():
    _, body = _sample()
    pasted = _pasted()
    assert len(pinyin_annotations(pasted)) == 132  # 135 parentheses after a character; 3 are (局)
    fixed = to_simplified(strip_pinyin_annotations(pasted))
    # Character for character the same, punctuation included; only the paragraph breaks differ
    # (one newline in the paste, a blank line in Markdown).
    assert _paragraphs(fixed) == _paragraphs(body)
    assert traditional_chars(fixed) == [] and pinyin_annotations(fixed) == []


def test_as_pasted_sample_lints_pinyin_traditional_and_joined_paragraphs():
    warnings = lint("长三角区域生态环境宣教联盟正式成立", "", "摘要", _pasted(), "<p>x</p>")
    assert len(warnings) == 3, warnings
    pinyin, traditional, joined = warnings
    assert pinyin.startswith(
        "正文里有 132 处粘贴带入的拼音注音，如 “區(qū)”、“態(tài)”、“環(huán)”"
    )
    assert (
        traditional.startswith("正文里有 ") and "區→区" in traditional and "请转换" in traditional
    )
    assert joined.startswith("有 3 处段落之间只有一个换行")


def test_fixed_sample_lints_clean():
    meta, body = _sample()
    assert lint(meta["title"], "", meta["digest"], body, render(body, "markdown", {}).html) == []


# --- lint ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({}, [], id="clean"),
        pytest.param({"digest": ""}, ["没有填摘要，微信会取正文前 54 字"], id="digest-missing"),
        pytest.param(
            {"title": "區(qū)域"}, ["标题里有 1 处", "标题里有 1 个繁体字"], id="title-pasted"
        ),
        pytest.param(
            {"title": "區域", "author": "區(qū)", "body": "區(qū)"},
            [
                "作者里有 1 处",
                "正文里有 1 处",
                "标题里有 1 个繁体字",
                "作者里有 1 个",
                "正文里有 1 个",
            ],
            id="each-field-named",
        ),
        pytest.param(
            {"body": "見[文](https://e.com) [文](https://e.com) [二](https://f.com)"},
            ["正文里有 1 个繁体字", "有 2 个外部链接会改成文末“引用链接”脚注"],
            id="external-links",
        ),
        pytest.param(
            {"body": "[文章](https://mp.weixin.qq.com/s/x) <https://e.com>"},
            [],
            id="mp-and-bare-url",
        ),
        pytest.param(
            {"body": "[目录](#toc) [下页](p2.html)"}, ["有 2 个页内或相对链接"], id="anchors"
        ),
        pytest.param(
            {"body": "![a](a.svg) ![b](https://e.com/b.SVG?x=1)"},
            ["SVG 图片 a.svg、https://e.com/b.SVG?x=1"],
            id="svg",
        ),
        pytest.param(
            {"body": "![a](data:image/png;base64,AAAA)"},
            ["有 1 张 data: 内嵌图片"],
            id="data-uri-md",
        ),
        pytest.param(
            {"body": '<p><img src="data:image/gif;base64,R0lG"></p>', "body_format": "html"},
            ["有 1 张 data: 内嵌图片"],
            id="data-uri-html",
        ),
        pytest.param(
            {"body": "<svg><circle r='1'/></svg>", "body_format": "html"},
            ["<svg> 图形"],
            id="inline-svg",
        ),
        pytest.param({"body": "- 一\n  - 二"}, [], id="two-list-levels"),
        pytest.param(
            {"body": "- 一\n  - 二\n    - 三"}, ["列表嵌套了 3 层"], id="three-list-levels"
        ),
        pytest.param({"body": "|1|2|3|4|\n|-|-|-|-|\n|a|b|c|d|"}, [], id="four-columns"),
        pytest.param(
            {"body": "|1|2|3|4|5|\n|-|-|-|-|-|\n|a|b|c|d|e|"}, ["表格有 5 列"], id="five-columns"
        ),
        pytest.param(
            {"body": "第一段。\n第二段。"}, ["有 1 处段落之间只有一个换行"], id="joined-paragraph"
        ),
        pytest.param(
            {"body": "第一段。\n第二段。", "body_format": "html"}, [], id="joined-html-is-fine"
        ),
        pytest.param({"html": '<p class="x">x</p>'}, ["class、id"], id="output-class"),
        pytest.param(
            {"html": '<img src="https://e.com/a.png">'},
            ["1 张图片不是微信图片地址"],
            id="output-image",
        ),
        pytest.param(
            {"html": '<img src="http://mmbiz.qpic.cn/a/0?wx_fmt=png">'}, [], id="output-mmbiz"
        ),
    ],
)
def test_lint(fields, expected):
    args = {"title": "标题", "author": "", "digest": "摘要", "body": "正文", "html": "<p>正文</p>"}
    args.update(fields)
    body_format = args.pop("body_format", "markdown")
    warnings = lint(
        args["title"], args["author"], args["digest"], args["body"], args["html"], body_format
    )
    assert len(warnings) == len(expected), warnings
    for warning, part in zip(warnings, expected, strict=True):
        assert part in warning
        assert (
            CJK.search(warning) and "：" in warning
        )  # Chinese, and says what to do after the colon


def test_lint_examples_are_capped():
    warning = lint_body("".join(f"{c}(qū)" for c in "區驅軀嶇"), "markdown")[0]
    assert "4 处" in warning and "“軀(qū)”" in warning and "嶇" not in warning
