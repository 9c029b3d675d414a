"""Reading an article file: front matter, body, cover and images; every problem named at once."""

from __future__ import annotations

import io
import time
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask, abort
from PIL import Image

from bot import ZONE
from syndication import sources
from syndication.articles import ArticleError
from syndication.sources import read_markdown_file

SAMPLE = Path(__file__).parent / "data" / "column" / "alliance-founded.md"
COVER = SAMPLE.with_name("cover.jpg").read_bytes()
KNOWN = "（可用：title、author、digest、cover、accounts、source_url、publish_at）"
TIME_HINT = f"（{sources.TIME_HINT}）"
FRONT = "title: 标题\nauthor: 作者\ndigest: 摘要\ncover: cover.jpg\n"


def png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return out.getvalue()


def write(folder: Path, front: str = FRONT, body: str = "正文。", name: str = "a.md", **files):
    """An article file with `front` as its front matter, and files beside it."""
    for file_name, data in {"cover.jpg": COVER, **files}.items():
        (folder / file_name).parent.mkdir(parents=True, exist_ok=True)
        (folder / file_name).write_bytes(data)
    path = folder / name
    path.write_text(f"---\n{front}---\n\n{body}\n", "utf-8")
    return path


def shanghai(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE).timestamp()


def test_the_sample_article():
    data = read_markdown_file(SAMPLE)
    assert data.title == "长三角区域生态环境宣教联盟正式成立"
    assert data.author == "长三角区域生态环境保护协作小组办公室"
    assert data.digest.startswith("沪苏浙皖生态环境厅（局）")
    assert data.accounts == ("sh", "js", "zj", "ah")
    assert data.cover == COVER and data.cover_name == "cover.jpg"
    assert data.publish_at is None and data.source_url == "" and data.images == {}
    assert data.body.startswith("在8月17日") and data.body_format == "markdown"
    assert data.given == {"title", "author", "digest", "accounts", "cover"}


def test_bom_and_crlf_read_like_plain_utf8(tmp_path):
    plain = read_markdown_file(write(tmp_path, body="第一段。\n\n第二段。"))
    path = tmp_path / "windows.md"
    path.write_bytes(b"\xef\xbb\xbf" + (tmp_path / "a.md").read_bytes().replace(b"\n", b"\r\n"))
    windows = read_markdown_file(path)
    assert windows == plain and "\r" not in windows.body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('"2026-11-25 09:00"', shanghai("2026-11-25 09:00"), id="quoted"),
        pytest.param("2026-11-25 09:00", shanghai("2026-11-25 09:00"), id="plain"),
        pytest.param("2026-11-25 09:00:00", shanghai("2026-11-25 09:00"), id="yaml-datetime"),
        pytest.param("2026-11-25T01:00:00+00:00", shanghai("2026-11-25 09:00"), id="iso-offset"),
        pytest.param("now", None, id="now"),
    ],
)
def test_publish_at(tmp_path, value, expected):
    data = read_markdown_file(write(tmp_path, FRONT + f"publish_at: {value}\n"))
    assert data.publish_at == expected


def test_accounts_as_a_string_and_source_url(tmp_path):
    front = FRONT + "accounts: sh, js\nsource_url: https://example.org/a\n"
    data = read_markdown_file(write(tmp_path, front))
    assert data.accounts == ("sh", "js") and data.source_url == "https://example.org/a"


def test_images_beside_the_file_as_written(tmp_path):
    body = '![图一](图1.png)\n\n![](images/b.png "说明")\n\n<img src="c.png">\n\n![图一](图1.png)'
    files = {"图1.png": png("red"), "images/b.png": png("green"), "c.png": png("blue")}
    data = read_markdown_file(write(tmp_path, body=body, **files))
    assert data.images == files


def test_html_file(tmp_path):
    body = '<p>正文</p><p><img src="fig.png" alt="图"></p>'
    data = read_markdown_file(write(tmp_path, body=body, name="a.html", **{"fig.png": png()}))
    assert data.body_format == "html" and data.body == body and list(data.images) == ["fig.png"]


COVER_MISSING = FRONT.replace("cover.jpg", "nope.jpg")


@pytest.mark.parametrize(
    ("front", "body", "expected"),
    [
        pytest.param(
            FRONT.replace("title: 标题\n", ""), "正文", "a.md：缺少 title（标题）", id="no-title"
        ),
        pytest.param(
            FRONT.replace("标题", '""'), "正文", "a.md：title（标题）不能为空", id="empty-title"
        ),
        pytest.param(
            FRONT.replace("标题", "[a, b]"), "正文", "title（标题）应为一段文字", id="list-title"
        ),
        pytest.param(
            FRONT.replace("cover: cover.jpg\n", ""), "正文", "缺少 cover（封面）", id="no-cover"
        ),
        pytest.param(
            FRONT + "tags: [环保]\n",
            "正文",
            "a.md：不认识的字段 tags（可用：title、",
            id="unknown-key",
        ),
        pytest.param(
            FRONT + "accounts: 5\n",
            "正文",
            "accounts（发布账号）应为账号编号的列表",
            id="accounts-number",
        ),
        pytest.param(
            FRONT + "accounts: [sh, 3]\n",
            "正文",
            "accounts（发布账号）应为账号编号",
            id="accounts-item",
        ),
        pytest.param(
            FRONT + "publish_at: 明天上午\n",
            "正文",
            "publish_at（发布时间）“明天上午”不是有效的时间",
            id="publish-words",
        ),
        pytest.param(
            FRONT + "publish_at: 2026-11-25\n",
            "正文",
            "“2026-11-25”不是有效的时间（格式：YYYY-MM-DD HH:MM",
            id="publish-date-only",
        ),
        pytest.param(
            FRONT + "publish_at: 2026-13-40 09:00\n",
            "正文",
            "publish_at（发布时间）",
            id="publish-impossible",
        ),
        pytest.param(
            COVER_MISSING, "正文", "a.md：封面 nope.jpg：找不到文件", id="cover-file-missing"
        ),
        pytest.param(
            FRONT, "![](fig1.png)", "a.md：正文图片 fig1.png：找不到文件", id="image-missing"
        ),
        pytest.param(
            FRONT + "title: [unclosed\n",
            "正文",
            "a.md 第 6 行：front matter 不是有效的 YAML",
            id="yaml-syntax",
        ),
        pytest.param(
            "title：全角冒号\n", "正文", "front matter 应是“字段: 值”的形式", id="yaml-not-mapping"
        ),
        pytest.param(FRONT, "  ", "a.md：正文是空的", id="empty-body"),
    ],
)
def test_front_matter_errors(tmp_path, front, body, expected):
    with pytest.raises(ArticleError) as raised:
        read_markdown_file(write(tmp_path, front, body))
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        pytest.param(
            "a.md", b"title: x\n\nbody", "a.md：开头缺少 front matter", id="no-front-matter"
        ),
        pytest.param(
            "a.md", b"---\ntitle: x\nbody", "a.md：front matter 没有结束行 ---", id="unclosed"
        ),
        pytest.param("a.md", "---\ntitle: 标题\n---\n".encode("gbk"), "a.md：不是 UTF-8", id="gbk"),
        pytest.param("a.txt", b"---\n---\n", "a.txt：只支持 .md 或 .html 文件", id="extension"),
    ],
)
def test_file_errors(tmp_path, name, raw, expected):
    (tmp_path / name).write_bytes(raw)
    with pytest.raises(ArticleError) as raised:
        read_markdown_file(tmp_path / name)
    assert raised.value.problems == [expected] or expected in raised.value.problems[0]


def test_missing_file(tmp_path):
    with pytest.raises(ArticleError, match="nope.md：找不到这个文件"):
        read_markdown_file(tmp_path / "nope.md")


def test_every_problem_at_once(tmp_path):
    front = "author: 作者\ncover: nope.jpg\npublish_at: soon\nextra: 1\n"
    with pytest.raises(ArticleError) as raised:
        read_markdown_file(write(tmp_path, front, "![](gone.png)"))
    assert raised.value.problems == [
        f"a.md：不认识的字段 extra{KNOWN}",
        "a.md：缺少 title（标题）",
        f"a.md：正文图片 gone.png：找不到文件（应放在文章旁边：{tmp_path}）",
        f"a.md：封面 nope.jpg：找不到文件（应放在文章旁边：{tmp_path}）",
        f"a.md：publish_at（发布时间）“soon”不是有效的时间{TIME_HINT}",
    ]


def test_a_file_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_IMAGE_BYTES", 1000)
    with pytest.raises(ArticleError, match="a.md：封面 cover.jpg：超过"):
        read_markdown_file(write(tmp_path))


@pytest.fixture
def image_server(live_server):
    app = Flask(__name__)

    @app.get("/fig.png")
    def fig():
        return png(), 200, {"Content-Type": "image/png"}

    @app.get("/big.png")
    def big():
        return b"x" * 5000

    @app.get("/slow.png")
    def slow():
        time.sleep(1)
        return png()

    @app.get("/gone.png")
    def gone():
        abort(404)

    return live_server(app)


def test_images_by_url_are_downloaded(tmp_path, image_server):
    body = f"![]({image_server}/fig.png)"
    data = read_markdown_file(write(tmp_path, body=body))
    assert data.images == {f"{image_server}/fig.png": png()}


def test_url_failures_name_the_url(tmp_path, image_server, monkeypatch):
    monkeypatch.setattr(sources, "MAX_IMAGE_BYTES", 1000)
    monkeypatch.setattr(sources, "FETCH_TIMEOUT", 0.2)
    refs = [f"{image_server}/{name}" for name in ("gone.png", "big.png", "slow.png")]
    refs.append("http://127.0.0.1:9/none.png")  # nothing listens on the discard port
    with pytest.raises(ArticleError) as raised:
        body = "\n\n".join(f"![]({r})" for r in refs)
        read_markdown_file(write(tmp_path, body=body, **{"cover.jpg": png()}))
    assert raised.value.problems == [
        f"a.md：正文图片 {refs[0]}：下载失败（HTTP 404）",
        f"a.md：正文图片 {refs[1]}：超过 0 MB",
        f"a.md：正文图片 {refs[2]}：下载超时（0.2 秒）",
        f"a.md：正文图片 {refs[3]}：下载失败（ConnectionError）",
    ]
