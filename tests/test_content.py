"""Column bodies → WeChat-safe HTML: styling, links, lists, code, images, the sanitiser."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
import yaml
from PIL import Image

from syndication.content import image_refs, render, swap_images
from syndication.markup import parse, text_of, walk
from syndication.sanitise import clean_style, sanitise

SAMPLE = Path(__file__).parent / "data" / "column" / "alliance-founded.md"
BLOCKS = (
    "section",
    "p",
    "h1",
    "h2",
    "h3",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "figure",
    "table",
)


def _front_matter(path: Path) -> tuple[dict, str]:
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


def _png(colour: str = "green", size: tuple[int, int] = (60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def _md(body: str, images: dict[str, bytes] | None = None) -> str:
    return render(body, "markdown", images or {}).html


# --- the sample article ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    meta, body = _front_matter(SAMPLE)
    return body, render(body, "markdown", {})


def test_sample_renders_cleanly(sample):
    body, rendered = sample
    assert rendered.problems == [] and rendered.warnings == [] and rendered.images == {}
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    tree = parse(rendered.html)
    assert [text_of(p) for p in walk(tree) if p.tag == "p"] == [p.strip() for p in paragraphs]


def test_sample_passes_the_sanitiser_unchanged(sample):
    html = sample[1].html
    assert sanitise(html) == html
    assert sanitise(sanitise(html)) == html


def test_sample_has_no_class_id_or_style_sheet(sample):
    html = sample[1].html
    assert not re.search(r"\s(class|id)=|<style|<script|<div|<link", html)
    assert "\n" not in html  # stray newlines become hard breaks in WeChat's editor


def test_sample_every_block_is_styled(sample):
    for el in walk(parse(sample[1].html)):
        if el.tag in BLOCKS:
            style = el.attrs["style"]
            assert "#000;" not in style and "color:black" not in style
    first_p = next(el for el in walk(parse(sample[1].html)) if el.tag == "p")
    for part in ("font-size:16px", "line-height:1.75", "color:#3f3f3f", "margin:"):
        assert part in first_p.attrs["style"]


def test_render_is_deterministic(sample):
    body, rendered = sample
    assert render(body, "markdown", {}).html == rendered.html


# --- Markdown → styled HTML ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "present", "absent"),
    [
        pytest.param("# 标题", ['<h1 style="', "font-size:22px", "font-weight:bold"], [], id="h1"),
        pytest.param("### 小节", ["<h3 style=", "font-size:18px"], [], id="h3"),
        pytest.param(
            "*斜* **粗** ~~删~~", ["<em style=", "<strong style=", "<s style="], [], id="inline"
        ),
        pytest.param(
            "- 一\n- 二",
            ['<li style="margin:0.3em 0"><section style="font-size:16px', "list-style-type:disc"],
            ["<p"],
            id="list-item-section",
        ),
        pytest.param("1. 甲\n\n   乙\n2. 丙", ["甲<br>乙</section>"], ["<p"], id="loose-list-no-p"),
        pytest.param(
            "- 一\n  - 二\n    - 三\n      - 四",
            ["list-style-type:circle", "◦ 三", "◦ 四"],
            [],
            id="list-capped-at-two-levels",
        ),
        pytest.param(
            "1. a\n   1. b\n      1. c\n      2. d", ["1. c", "2. d"], [], id="deep-ol-rows"
        ),
        pytest.param(
            "> 引文\n> 续",
            ["<blockquote style=", "border-left:4px solid", "<p style=", "引文续"],
            [],
            id="blockquote",
        ),
        pytest.param(
            "| a | b |\n|---|--:|\n| 1 | 2 |",
            [
                '<section style="max-width:100%;margin:1.2em 0;overflow-x:auto"><table',
                "text-align:right",
            ],
            [],
            id="table-scrolls",
        ),
        pytest.param(
            "```\ndef f():\n\treturn  1\n```",
            [
                "def&nbsp;f():<br>&nbsp;&nbsp;&nbsp;&nbsp;return&nbsp;&nbsp;1</span>",
                "display:-webkit-box",
            ],
            ["\n", "\t"],
            id="code-block",
        ),
        pytest.param("`a  b`", ["<code style="], [], id="inline-code"),
        pytest.param("---", ["<hr style="], [], id="hr"),
        pytest.param("中文一行\n中文二行", ["中文一行中文二行"], [], id="cjk-soft-break-joins"),
        pytest.param("one line\ntwo line", ["one line two line"], [], id="latin-soft-break-space"),
        pytest.param(
            "零\u200b宽\u200d字\ufeff符", ["零宽字符"], ["\u200b", "\ufeff"], id="zero-width"
        ),
        pytest.param("&#8203;实体", [">实体</p>"], ["\u200b"], id="zero-width-entity"),
        pytest.param(
            '<div class="x" id="y">原始 <b>HTML</b></div>',
            ["<section>原始 <b", "font-weight:bold"],
            ["class=", "id=", "<div"],
            id="raw-html-sanitised",
        ),
        pytest.param(
            '<p style="color:#000;position:absolute;top:0;margin:0 !important">黑</p>',
            ["color:#3f3f3f", "margin:0"],
            ["position", "top:", "!important", "#000;"],
            id="style-filtered",
        ),
    ],
)
def test_markdown_rendering(markdown, present, absent):
    _assert_rendered(_md(markdown), present, absent)


def _assert_rendered(html: str, present: list[str], absent: list[str]) -> None:
    """The parts are there, the others not, and the result is already clean."""
    for part in present:
        assert part in html
    for part in absent:
        assert part not in html
    assert sanitise(html) == html


@pytest.mark.parametrize(
    ("body", "present", "absent"),
    [
        pytest.param(
            "<p>\n  文字  \n</p>", ['justify">文字</p>'], [" 文字", "文字 "], id="edge-spaces"
        ),
        pytest.param(
            "<p>a <strong> b </strong> c</p>",
            ['a <strong style="font-weight:bold"> b </strong> c'],
            [],
            id="inner-spaces",
        ),
        pytest.param("<p>&nbsp;</p>", ['justify">&nbsp;</p>'], [], id="nbsp-spacer-kept"),
        pytest.param("<p><br></p>", ['justify"><br></p>'], [], id="br-spacer-kept"),
        pytest.param(
            "<p></p><p>x</p>", ['justify">x</p>'], ['justify"></p>'], id="empty-p-dropped"
        ),
        pytest.param(
            "<div>块</div><article>文</article>",
            ["<section>块</section><section>文</section>"],
            ["<div", "<article"],
            id="div-to-section",
        ),
        pytest.param(
            '<p style="text-align:center">居中</p>',
            ["text-align:center"],
            ["justify"],
            id="author-style-wins",
        ),
        pytest.param("<h2>小标题</h2>", ["<h2 style=", "font-size:20px"], [], id="heading"),
        pytest.param(
            "<ul><li><p>一</p><p>二</p></li></ul>",
            ["一<br>二</section></li>"],
            ["<p"],
            id="list-paragraphs",
        ),
    ],
)
def test_html_body_rendering(body, present, absent):
    _assert_rendered(render(body, "html", {}).html, present, absent)


# --- links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "present", "absent"),
    [
        pytest.param(
            "见[文档](https://example.com/a)。",
            ["文档<sup style=", "[1]</sup>。", "引用链接", "[1] 文档：https://example.com/a"],
            ["<a "],
            id="external-becomes-footnote",
        ),
        pytest.param(
            "[甲](https://e.com) [乙](https://e.com) [丙](https://f.com)",
            ["[1] 甲：https://e.com", "[2] 丙：https://f.com", "乙<sup"],
            ["[3]", "乙："],
            id="same-url-same-number",
        ),
        pytest.param(
            "<https://e.com/x>", ["https://e.com/x</p>"], ["<sup", "引用链接"], id="text-is-url"
        ),
        pytest.param(
            "[文章](https://mp.weixin.qq.com/s/abc)",
            ['<a href="https://mp.weixin.qq.com/s/abc" style="color:#576b95'],
            ["<sup", "引用链接"],
            id="mp-link-kept",
        ),
        pytest.param(
            "[文章](http://mp.weixin.qq.com/s/abc)",
            ['href="https://mp.weixin.qq.com/s/abc"'],
            ["http://"],
            id="mp-link-https",
        ),
        pytest.param("[目录](#toc)", [">目录</p>"], ["href", "<sup"], id="anchor-dropped"),
        pytest.param("[下页](page2.html)", [">下页</p>"], ["href", "<sup"], id="relative-dropped"),
        pytest.param(
            "[写信](mailto:hb@example.cn)",
            ["写信<sup", "[1] 写信：mailto:hb@example.cn"],
            [],
            id="mailto",
        ),
        pytest.param(
            "[x](https://e.com/?a=1&b=2)", ["https://e.com/?a=1&amp;b=2</p>"], [], id="url-escaped"
        ),
    ],
)
def test_links(markdown, present, absent):
    html = _md(markdown)
    assert sanitise(html) == html
    for part in present:
        assert part in html
    for part in absent:
        assert part not in html


def test_footnote_warning_reaches_the_editor():
    warnings = render("[文档](https://example.com)", "markdown", {}).warnings
    assert any("引用链接" in w for w in warnings)


# --- images ----------------------------------------------------------------------------------


def _blobs(html: str) -> list[str]:
    return re.findall(r'src="csj-blob:([0-9a-f]{64})"', html)


def test_images_become_blobs_of_prepared_bytes():
    rendered = render(
        "![图一 说明](图1.png)\n\n![](https://e.com/a.png?x=1&y=2)",
        "markdown",
        {
            "图1.png": _png("green"),
            "https://e.com/a.png?x=1&y=2": _png("blue"),
            "unused.png": _png("red"),
        },
    )
    shas = _blobs(rendered.html)
    assert len(shas) == 2 and sorted(rendered.images) == sorted(shas)
    for sha, data in rendered.images.items():
        assert hashlib.sha256(data).hexdigest() == sha
    assert "<figure style=" in rendered.html and "<figcaption" in rendered.html
    assert rendered.html.count("<figcaption") == 1  # no alt, no caption
    assert rendered.problems == []


@pytest.mark.parametrize(
    ("alt", "caption"),
    [
        pytest.param("长三角生态绿色一体化发展示范区", True, id="real-caption"),
        pytest.param("图片", False, id="wechat-default"),
        pytest.param("image", False, id="english-default"),
        pytest.param("IMG_2041.JPG", False, id="file-name"),
        pytest.param("", False, id="none"),
    ],
)
def test_figure_caption_from_alt(alt, caption):
    html = _md(f"![{alt}](x.png)", {"x.png": _png()})
    assert "<figure" in html and ("<figcaption" in html) is caption


def test_same_image_twice_is_one_upload():
    rendered = render("![a](x.png)\n\n![b](y.png)", "markdown", {"x.png": _png(), "y.png": _png()})
    assert len(rendered.images) == 1 and len(_blobs(rendered.html)) == 2


def test_inline_image_is_not_a_figure():
    html = _md("文字 ![i](x.png) 文字", {"x.png": _png()})
    assert "<figure" not in html and "display:inline-block" in html


def test_html_body_figure_and_caption():
    body = '<figure><img src="x.png" alt="a"><figcaption>图注</figcaption></figure>'
    rendered = render(body, "html", {"x.png": _png()})
    assert re.search(r"<figure style=[^>]*><img src=\"csj-blob:[0-9a-f]{64}\"", rendered.html)
    assert "图注</figcaption>" in rendered.html


@pytest.mark.parametrize(
    ("markdown", "images", "problem", "warning"),
    [
        pytest.param("![a](missing.png)", {}, "missing.png”没有提供文件", None, id="missing"),
        pytest.param(
            "![a](bad.png)", {"bad.png": b"not an image"}, "bad.png”无法使用", None, id="garbage"
        ),
        pytest.param(
            "![a](logo.png)",
            {"logo.png": b'<svg xmlns="http://www.w3.org/2000/svg"/>'},
            None,
            "是 SVG",
            id="svg-bytes",
        ),
        pytest.param("![a](logo.svg)", {}, None, "SVG 图片 logo.svg", id="svg-name"),
        pytest.param(
            "![a](data:image/png;base64,iVBORw0KGgo=)", {}, None, "data: 内嵌", id="data-uri"
        ),
    ],
)
def test_images_that_cannot_go_out(markdown, images, problem, warning):
    rendered = render(markdown, "markdown", images)
    assert "<img" not in rendered.html
    if problem:
        assert any(problem in p for p in rendered.problems)
    if warning:
        assert rendered.problems == [] and any(warning in w for w in rendered.warnings)


def test_animated_gif_is_warned():
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    rendered = render("![a](a.gif)", "markdown", {"a.gif": out.getvalue()})
    assert len(rendered.images) == 1 and any("动图" in w for w in rendered.warnings)


@pytest.mark.parametrize(
    ("body", "body_format", "refs"),
    [
        pytest.param(
            "![a](图1.png) ![b](<my fig.png>)", "markdown", ["图1.png", "my fig.png"], id="md"
        ),
        pytest.param("![a](x.png)\n\n![a](x.png)", "markdown", ["x.png"], id="once"),
        pytest.param(
            '<img src="https://e.com/a.png?x=1&amp;y=2">',
            "html",
            ["https://e.com/a.png?x=1&y=2"],
            id="html",
        ),
        pytest.param(
            "![s](a.svg) ![d](data:image/png;base64,AAAA)", "markdown", [], id="never-fetched"
        ),
    ],
)
def test_image_refs(body, body_format, refs):
    assert image_refs(body, body_format) == refs


def test_swap_images():
    rendered = render("![a](x.png)", "markdown", {"x.png": _png()})
    (sha,) = rendered.images
    asked = []
    swapped = swap_images(
        rendered.html, lambda s: asked.append(s) or "http://mmbiz.qpic.cn/a?b=1&c=2"
    )
    assert asked == [sha]
    assert 'src="http://mmbiz.qpic.cn/a?b=1&amp;c=2"' in swapped and "csj-blob:" not in swapped
    assert sanitise(swapped) == swapped


# --- the sanitiser ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param('<a href="javascript:alert(1)">点</a>', id="javascript-href"),
        pytest.param('<a href="JaVaScRiPt:alert(1)">点</a>', id="javascript-href-case"),
        pytest.param('<img src="x.png" onerror="alert(1)">', id="onerror"),
        pytest.param('<img src="javascript:alert(1)">', id="javascript-src"),
        pytest.param("<script>alert(1)</script>", id="script"),
        pytest.param('<p style="width:expression(alert(1))">x</p>', id="style-expression"),
        pytest.param('<p style="background:url(javascript:alert(1))">x</p>', id="style-url"),
        pytest.param('<p style="width:\\65xpression(alert(1))">x</p>', id="style-escape"),
        pytest.param('<iframe src="https://evil.example/alert"></iframe>', id="iframe"),
        pytest.param('<svg onload="alert(1)"><text>alert</text></svg>', id="svg"),
        pytest.param("<style>p{x:expression(alert(1))}</style>", id="style-sheet"),
        pytest.param(
            '<form action="/x"><input value="alert"><button>alert</button></form>', id="form"
        ),
        pytest.param('<p onclick="alert(1)">x</p>', id="onclick"),
        pytest.param('<object data="alert.swf"></object><embed src="alert.swf">', id="object"),
    ],
)
@pytest.mark.parametrize("body_format", ["html", "markdown"])
def test_xss_is_removed(attack, body_format):
    html = render(attack, body_format, {"x.png": _png()}).html
    assert sanitise(html) == html
    html = html.lower()
    for bad in (
        "javascript",
        "alert",
        "<script",
        "expression",
        "onerror",
        "onclick",
        "<iframe",
        "url(",
    ):
        assert bad not in html


@pytest.mark.parametrize(
    ("style", "cleaned"),
    [
        pytest.param("color: red; position: fixed", "color:red", id="position"),
        pytest.param("top:0;left:1px;right:0;bottom:0;margin:0", "margin:0", id="offsets"),
        pytest.param("margin: 0 !important", "margin:0", id="important"),
        pytest.param("color: var(--x); font-size: 16px", "font-size:16px", id="var"),
        pytest.param("background: url(a.png)", "", id="url"),
        pytest.param("color: BLACK", "color:#3f3f3f", id="black"),
        pytest.param("color:rgb(0, 0, 0)", "color:#3f3f3f", id="black-rgb"),
        pytest.param("Font-Size : 16px ;; nonsense", "font-size:16px", id="tidy"),
    ],
)
def test_clean_style(style, cleaned):
    assert clean_style(style) == cleaned
    assert clean_style(cleaned) == cleaned


def test_unknown_body_format():
    with pytest.raises(ValueError, match="body_format"):
        render("x", "docx", {})
