"""Before draft/add: WeChat's field limits (blocking), and lint for paste artefacts (advice)."""

from __future__ import annotations

import difflib
import re
from functools import cache
from urllib.parse import urlsplit

import opencc

from syndication.markup import (
    El,
    is_external,
    mp_link,
    parse,
    shows_its_url,
    source_html,
    text_of,
    walk,
)

TITLE_MAX, AUTHOR_MAX, DIGEST_MAX = 32, 16, 128  # wechat-api.md §2.1
SOURCE_URL_MAX_BYTES = 1024
CONTENT_MAX_CHARS = 20_000  # "必须少于2万字符": 20,000 itself is too many
CONTENT_MAX_BYTES = 1024 * 1024  # "小于1M"
DEFAULT_DIGEST_CHARS = 54
MAX_LIST_DEPTH, MAX_TABLE_COLUMNS = 2, 4
EXAMPLES = 3
_WECHAT_IMAGE = ("csj-blob:", "http://mmbiz.qpic.cn/", "https://mmbiz.qpic.cn/")
_FIELD_NAMES = {"title": "标题", "author": "作者", "digest": "摘要", "body": "正文"}
# A paragraph that ends a sentence, a single newline, then more prose: Markdown joins the two.
_JOINED = re.compile(r"[。！？；…”」』)）]\n(?=[\u3400-\u9fff“「《（])")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ\u0300\u0301\u0304\u030c"  # precomposed or combining
_SYLLABLE = f"[a-zü{_TONED}]"
# 區(qū), 態（tài）: a Chinese character, then one pinyin syllable that carries a tone mark.
_PINYIN = re.compile(
    rf"([\u3400-\u9fff\uf900-\ufaff])[(（](?=[a-zü]*[{_TONED}])({_SYLLABLE}{{1,7}})[)）]",
    re.IGNORECASE,
)


def pinyin_annotations(text: str) -> list[str]:
    """Every character-with-pinyin such as "區(qū)", in order."""
    return [match.group(0) for match in _PINYIN.finditer(text)]


def strip_pinyin_annotations(text: str) -> str:
    """Remove pinyin pasted after characters: "區(qū)域" → "區域"; "廳(局)" is left alone."""
    return _PINYIN.sub(r"\1", text)


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")  # as bot/text.py: the same conversion followers get


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC t2s, phrase-aware)."""
    return _t2s().convert(text)


def traditional_chars(text: str) -> list[tuple[str, str]]:
    """Each traditional character in `text` with its simplified form, in order, once."""
    simplified = to_simplified(text)
    if len(simplified) == len(text):
        pairs = zip(text, simplified, strict=True)
    else:  # a phrase conversion changed the length: line the two up
        ops = difflib.SequenceMatcher(None, text, simplified, autojunk=False).get_opcodes()
        pairs = (
            (text[i1 + k], simplified[j1 + k])
            for op, i1, i2, j1, j2 in ops
            if op == "replace" and i2 - i1 == j2 - j1
            for k in range(i2 - i1)
        )
    return list(dict.fromkeys((t, s) for t, s in pairs if t != s))


def _too_long(name: str, value: str, limit: int) -> list[str]:
    over = len(value) - limit
    return (
        [f"{name}有 {len(value)} 字，上限 {limit} 字（多 {over} 字）：请删减"] if over > 0 else []
    )


def _source_url_problems(url: str) -> list[str]:
    if not url:
        return []
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return [f"原文链接“{url[:60]}”不是网址：请填以 http:// 或 https:// 开头的完整地址"]
    size = len(url.encode("utf-8"))
    if size > SOURCE_URL_MAX_BYTES:
        over = size - SOURCE_URL_MAX_BYTES
        return [f"原文链接有 {size} 字节，上限 1024 字节（多 {over} 字节）：请换一个短些的地址"]
    return []


def _content_problems(html: str) -> list[str]:
    tree = parse(html)
    if not text_of(tree).strip() and not any(el.tag == "img" for el in walk(tree)):
        return ["正文是空的：请填写正文"]
    found = []
    chars, size = len(html), len(html.encode("utf-8"))
    if chars >= CONTENT_MAX_CHARS:
        over = chars - CONTENT_MAX_CHARS + 1
        found.append(
            f"正文排版后有 {chars} 字符（含排版代码），须少于 20000（多 {over} 字符）："
            "请删减或分成两篇"
        )
    if size >= CONTENT_MAX_BYTES:
        over = size - CONTENT_MAX_BYTES + 1
        found.append(f"正文排版后有 {size} 字节，须小于 1 MB（多 {over} 字节）：请删减或分成两篇")
    return found


def check_fields(title: str, author: str, digest: str, source_url: str, html: str) -> list[str]:
    """Problems that make draft/add fail, in Chinese, each naming the field and its limit."""
    problems = [] if title.strip() else ["标题是空的：请填写标题（32 字以内）"]
    problems += _too_long("标题", title, TITLE_MAX)
    problems += _too_long("作者", author, AUTHOR_MAX)
    problems += _too_long("摘要", digest, DIGEST_MAX)
    return problems + _source_url_problems(source_url) + _content_problems(html)


# --- lint: advice, never blocking ------------------------------------------------------------


def _pinyin_warning(field: str, text: str) -> list[str]:
    found = pinyin_annotations(text)
    if not found:
        return []
    examples = "、".join(f"“{e}”" for e in list(dict.fromkeys(found))[:EXAMPLES])
    return [
        f"{_FIELD_NAMES[field]}里有 {len(found)} 处粘贴带入的拼音注音，如 {examples}："
        "请删去（可一键清除拼音）"
    ]


def _traditional_warning(field: str, text: str) -> list[str]:
    pairs = traditional_chars(text)
    if not pairs:
        return []
    shown = "、".join(f"{t}→{s}" for t, s in pairs[:8])
    more = " 等" if len(pairs) > 8 else ""
    return [
        f"{_FIELD_NAMES[field]}里有 {len(pairs)} 个繁体字，如 {shown}{more}：本栏目用简体，"
        "请转换（可一键转为简体）"
    ]


def _paste_warnings(fields: dict[str, str]) -> list[str]:
    """One message per field and kind, so the body's match what `render` reported."""
    found = [w for name, text in fields.items() for w in _pinyin_warning(name, text)]
    return found + [w for name, text in fields.items() for w in _traditional_warning(name, text)]


def _link_warnings(tree: El) -> list[str]:
    footnoted, text_only = set(), 0
    for a in (el for el in walk(tree) if el.tag == "a" and el.attrs.get("href", "").strip()):
        href = a.attrs["href"].strip()
        if mp_link(href) or (is_external(href) and shows_its_url(href, text_of(a))):
            continue
        if is_external(href):
            footnoted.add(href)
        else:
            text_only += 1
    found = []
    if footnoted:
        found.append(
            f"有 {len(footnoted)} 个外部链接会改成文末“引用链接”脚注"
            "（微信正文只能链接公众号文章）："
            "需要可点的，请换成 mp.weixin.qq.com 的文章链接"
        )
    if text_only:
        found.append(
            f"有 {text_only} 个页内或相对链接（如 #目录）在微信里无效，只保留文字：请改成完整网址"
        )
    return found


def _image_warnings(tree: El) -> list[str]:
    sources = [el.attrs.get("src", "").strip() for el in walk(tree) if el.tag == "img"]
    inline = sum(src.lower().startswith("data:") for src in sources)
    svgs = [s for s in sources if urlsplit(s).path.lower().endswith(".svg")]
    drawings = sum(el.tag == "svg" for el in walk(tree))
    found = []
    if inline:
        found.append(f"有 {inline} 张 data: 内嵌图片，微信会丢弃：请另存为 JPG/PNG 文件再插入")
    if svgs:
        names = "、".join(svgs[:EXAMPLES])
        found.append(f"SVG 图片 {names} 微信无法上传，会被删除：请导出为 PNG 再插入")
    if drawings:
        found.append(f"正文里有 {drawings} 个 <svg> 图形，会被删除：请导出为 PNG 图片再插入")
    return found


def _list_depth(node: El, depth: int = 0) -> int:
    here = depth + (node.tag in ("ul", "ol"))
    return max([here, *(_list_depth(c, here) for c in node.children if isinstance(c, El))])


def _table_columns(tree: El) -> int:
    rows = (row for row in walk(tree) if row.tag == "tr")
    counts = (
        sum(isinstance(c, El) and c.tag in ("th", "td") for c in row.children) for row in rows
    )
    return max(counts, default=0)


def _structure_warnings(tree: El) -> list[str]:
    found = []
    depth = _list_depth(tree)
    if depth > MAX_LIST_DEPTH:
        found.append(f"列表嵌套了 {depth} 层，微信只显示 2 层：第 3 层起改成了缩进行，请合并层级")
    columns = _table_columns(tree)
    if columns > MAX_TABLE_COLUMNS:
        found.append(f"表格有 {columns} 列，手机上要左右滑动才能看全：建议不超过 4 列或拆成两张表")
    return found


def _joined_paragraph_warnings(body: str, body_format: str) -> list[str]:
    joins = len(_JOINED.findall(body.replace("\r\n", "\n"))) if body_format == "markdown" else 0
    if not joins:
        return []
    return [f"有 {joins} 处段落之间只有一个换行，Markdown 会把它们并成一段：分段请空一行"]


def lint_body(body: str, body_format: str) -> list[str]:
    """Advice about the body alone (what `render` reports as warnings)."""
    return _lint({"body": body}, body, body_format)


def _lint(fields: dict[str, str], body: str, body_format: str) -> list[str]:
    tree = parse(source_html(body, body_format))
    return (
        _paste_warnings(fields)
        + _joined_paragraph_warnings(body, body_format)
        + _link_warnings(tree)
        + _image_warnings(tree)
        + _structure_warnings(tree)
    )


def _output_warnings(html: str) -> list[str]:
    """HTML not made by `render` (or edited after it): what WeChat will throw away."""
    elements = list(walk(parse(html)))
    foreign = sum(
        el.tag == "img" and not el.attrs.get("src", "").startswith(_WECHAT_IMAGE) for el in elements
    )
    unused = any(
        el.tag in ("style", "script") or {"class", "id"} & el.attrs.keys() for el in elements
    )
    found = []
    if foreign:
        found.append(
            f"正文 HTML 里有 {foreign} 张图片不是微信图片地址，会被过滤：请重新排版生成正文"
        )
    if unused:
        found.append(
            "正文 HTML 里有 class、id、<style> 或 <script>，微信不会保留：请重新排版生成正文"
        )
    return found


def lint(
    title: str, author: str, digest: str, body_source: str, html: str, body_format: str = "markdown"
) -> list[str]:
    """Advice for the editor, in Chinese: paste artefacts, links, images, lists, tables, digest."""
    fields = {"title": title, "author": author, "digest": digest, "body": body_source}
    found = _lint(fields, body_source, body_format)
    if not digest.strip():
        found.append(
            f"没有填摘要，微信会取正文前 {DEFAULT_DIGEST_CHARS} 字：建议写一句 128 字以内的摘要"
        )
    return found + _output_warnings(html)
