"""The forecast pages: upload, every problem by line and column, the preview picture, publish."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from html import unescape

import pytest
from click.testing import CliRunner
from PIL import Image

from bot import ZONE
from bot.forecast.repo import ForecastRepo
from bot.store import AdminKeys
from syndication import audit, forecast_uploads
from syndication.admin import create_app, users
from syndication.cli import main
from syndication.demo import load_demo_forecast
from tests.forecast_data import SAMPLE, newer_bytes, sample_bytes
from tests.test_admin_auth import PASSWORD, AuthActions
from tests.test_forecast_media import FakeUploader
from tests.test_forecast_webhook import ask

BAD = (
    SAMPLE.read_text("utf-8")
    .replace("2026-11-24,上海,55,75,良,PM2.5", "2026-11-24,广州,55,75,良,PM2.5")
    .replace("2026-11-25,上海,70,95,良,PM2.5", "2026-11-25,上海,70,95,优,PM2.5")
    .replace("2026-11-30,安徽", "2026-11-31,安徽")
    .encode()
)


class Editor:
    """One signed-in person and what they do on the forecast pages."""

    def __init__(self, app, name: str) -> None:
        self.client = app.test_client()
        self.auth = AuthActions(self.client)
        assert self.auth.login(name).status_code == 302
        self.token = self.auth.csrf()

    def upload(self, data: bytes, filename: str = "week.csv", csrf: bool = True):
        form = {"file": (io.BytesIO(data), filename)}
        if csrf:
            form["csrf_token"] = self.token
        return self.client.post("/forecasts", data=form, content_type="multipart/form-data")

    def publish(self, location: str, csrf: bool = True):
        data = {"csrf_token": self.token} if csrf else {}
        return self.client.post(f"{location}/publish", data=data)

    def page(self, url: str) -> tuple[int, str]:
        response = self.client.get(url)
        return response.status_code, unescape(response.get_data(as_text=True))


@pytest.fixture
def uploader() -> FakeUploader:
    return FakeUploader()


@pytest.fixture
def admin_app(config, redis, clock, uploader):
    for name, role in (("editor1", "editor"), ("editor2", "editor"), ("reviewer1", "reviewer")):
        users.add(redis, name, role, PASSWORD, clock())
    return create_app(config, redis=redis, clock=clock, uploader=uploader)


@pytest.fixture
def editor(admin_app) -> Editor:
    return Editor(admin_app, "editor1")


def upload_keys(redis) -> list[bytes]:
    return list(redis.scan_iter(AdminKeys.forecast_upload("*", "*")))


def problem_rows(page: str) -> list[list[str]]:
    body = page.split('id="problems"', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]  # after the header row
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in r] for r in cells]


def test_an_upload_with_errors_lists_every_problem_and_stores_nothing(editor, redis, uploader):
    response = editor.upload(BAD)
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert "「week.csv」有 3 处问题" in page and "没有保存任何内容" in page
    assert problem_rows(page) == [
        [
            "第 2 行",
            "region",
            "未知地区「广州」，应为上海/江苏/浙江/安徽或长三角41个城市之一",
            "2026-11-24,广州,55,75,良,PM2.5,2026-11-23 16:00 单元格： 广州",
        ],
        [
            "第 3 行",
            "level",
            "等级「优」与 AQI 70–95 不符，应为「良」",
            "2026-11-25,上海,70,95,优,PM2.5,2026-11-23 16:00 单元格： 优",
        ],
        [
            "第 29 行",
            "date",
            "日期「2026-11-31」不存在",
            "2026-11-31,安徽,,,良,,2026-11-23 16:00 单元格： 2026-11-31",
        ],
    ]
    assert upload_keys(redis) == [] and ForecastRepo(redis).latest_id() is None
    assert uploader.calls == []


def test_json_problems_point_at_the_item(editor):
    row = {"region": "上海", "aqi_max": 75, "level": "良", "primary_pollutant": "PM2.5"}
    rows = [
        row | {"date": "2026-11-24", "aqi_min": 55},
        row | {"date": "2026-11-25", "aqi_min": 700},
    ]
    data = json.dumps({"issued_at": "2026-11-23 16:00", "rows": rows}, ensure_ascii=False)
    response = editor.upload(data.encode(), "week.json")
    page = unescape(response.get_data(as_text=True))
    [row] = problem_rows(page)
    assert row[:3] == ["第 2 条", "aqi_min", "AQI「700」应为 0–500 的整数"]
    assert '"aqi_min": 700' in row[3] and row[3].endswith("单元格： 700")


@pytest.mark.parametrize(
    ("data", "filename", "status", "message"),
    [
        pytest.param(b"", "week.csv", 400, "请先选择要上传的预报文件", id="empty"),
        pytest.param("日期\n".encode("gbk"), "week.csv", 422, "文件不是 UTF-8 编码", id="gbk"),
        pytest.param(b"date,region\n", "week.csv", 422, "缺少列：aqi_min", id="columns"),
        pytest.param(b"[1, 2", "week.json", 422, "不是有效的 JSON", id="json"),
        pytest.param(b"x" * (3 * 1024 * 1024), "big.csv", 413, "文件太大（最多 2 MB）", id="big"),
    ],
)
def test_bad_files(editor, redis, data, filename, status, message):
    assert editor.page("/forecasts")[0] == 200  # the form first, as a person would
    response = editor.upload(data, filename)
    assert response.status_code == status
    assert message in unescape(response.get_data(as_text=True))
    assert upload_keys(redis) == [] and ForecastRepo(redis).latest_id() is None


def test_a_good_upload_is_previewed_then_published(editor, redis, uploader, config):
    response = editor.upload(sample_bytes())
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/forecasts/uploads/")
    assert ForecastRepo(redis).latest_id() is None and uploader.calls == []  # not yet
    [key] = upload_keys(redis)
    assert 3500 < redis.ttl(key) <= forecast_uploads.UPLOAD_TTL
    status, page = editor.page(location)
    assert status == 200 and "检查通过，请确认后发布" in page
    assert "共 35 行，7 天，11 个地区" in page and "2026-11-24 至 2026-11-30" in page
    picture = editor.client.get(f"{location}/picture.png")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert Image.open(io.BytesIO(picture.data)).size[0] == 1080

    published = editor.publish(location)
    assert published.status_code == 302 and published.headers["Location"] == "/forecasts"
    issue = ForecastRepo(redis).latest()
    assert issue is not None and issue.issued_at.isoformat() == "2026-11-23T16:00:00+08:00"
    assert sorted(a for a, _, _ in uploader.calls) == sorted(config.accounts)
    status, page = editor.page("/forecasts")
    assert "已发布：粉丝现在询问空气质量预报时，收到的就是这份预报" in page
    assert "editor1，11月24日 10:40（网页，week.csv）" in page
    current = editor.client.get(f"/forecasts/issues/{issue.id}/picture.png")
    assert current.status_code == 200 and current.data == picture.data
    [entry] = [e for e in audit.entries(redis) if e.action == "forecast-import"]
    assert (entry.by, entry.detail) == (
        "editor1",
        {"issue": issue.id, "via": "web", "filename": "week.csv", "rows": 35},
    )


def test_followers_get_a_checked_forecast_only_once_it_is_published(editor, wechat, config):
    editor.publish(editor.upload(sample_bytes()).headers["Location"])
    assert "AQI：70–95" in ask(wechat, config, "明天上海空气")["Content"]
    location = editor.upload(newer_bytes()).headers["Location"]
    assert "AQI：70–95" in ask(wechat, config, "明天上海空气")["Content"]  # checked, not out
    editor.publish(location)
    content = ask(wechat, config, "明天上海空气")["Content"]
    assert "AQI：105–135" in content and "发布：11月24日 07:00" in content


def test_publishing_twice_or_after_expiry_is_refused_clearly(editor, redis, clock):
    location = editor.upload(sample_bytes()).headers["Location"]
    assert editor.publish(location).status_code == 302
    again = editor.publish(location)
    assert again.status_code == 409
    assert "这份预报已于 11月24日 10:40 发布过，无需再次发布" in unescape(
        again.get_data(as_text=True)
    )
    assert len([e for e in audit.entries(redis) if e.action == "forecast-import"]) == 1
    status, page = editor.page(location)
    assert status == 200 and "这份预报已发布" in page and 'id="publish"' not in page

    later = editor.upload(newer_bytes()).headers["Location"]
    for key in upload_keys(redis):
        redis.delete(key)  # what Redis does when the hour is up
    expired = editor.publish(later)
    assert expired.status_code == 409 and forecast_uploads.EXPIRED in unescape(
        expired.get_data(as_text=True)
    )
    assert editor.page(later)[0] == 404


def test_an_upload_belongs_to_its_uploader(admin_app, editor, redis):
    location = editor.upload(sample_bytes()).headers["Location"]
    other = Editor(admin_app, "editor2")
    assert other.page(location)[0] == 404
    assert other.client.get(f"{location}/picture.png").status_code == 404
    assert other.publish(location).status_code == 409
    assert ForecastRepo(redis).latest_id() is None
    assert editor.publish(location).status_code == 302


def test_an_older_issue_is_saved_but_does_not_replace_the_current_one(editor, redis):
    editor.publish(editor.upload(newer_bytes()).headers["Location"])
    newest = ForecastRepo(redis).latest_id()
    location = editor.upload(sample_bytes()).headers["Location"]
    page = editor.page(location)[1]
    assert "早于当前预报" in page and "粉丝收到的仍是当前预报" in page
    editor.publish(location)
    assert ForecastRepo(redis).latest_id() == newest
    assert "仍在使用" in editor.page("/forecasts")[1]


def test_the_same_issue_again_is_pointed_out(editor):
    editor.publish(editor.upload(sample_bytes()).headers["Location"])
    page = editor.page(editor.upload(sample_bytes()).headers["Location"])[1]
    assert "与当前预报完全相同" in page


def test_a_failed_picture_upload_is_reported(config, redis, clock):
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    app = create_app(config, redis=redis, clock=clock, uploader=FakeUploader(fail_for=("zj",)))
    editor = Editor(app, "editor1")
    editor.publish(editor.upload(sample_bytes()).headers["Location"])
    assert (
        "暂未上传成功，暂以文字回复（稍后自动重试）：浙江省生态环境厅"
        in editor.page("/forecasts")[1]
    )


def test_without_a_csrf_token_nothing_happens(editor, redis):
    refused = editor.upload(sample_bytes(), csrf=False)
    assert refused.status_code == 400 and "安全校验失败" in refused.get_data(as_text=True)
    assert upload_keys(redis) == []
    location = editor.upload(sample_bytes()).headers["Location"]
    assert editor.publish(location, csrf=False).status_code == 400
    assert ForecastRepo(redis).latest_id() is None
    assert editor.publish(location).status_code == 302  # the upload is still there


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/forecasts"),
        ("post", "/forecasts"),
        ("get", "/forecasts/uploads/abcdefghijklmnopqrstuv"),
        ("get", "/forecasts/uploads/abcdefghijklmnopqrstuv/picture.png"),
        ("post", "/forecasts/uploads/abcdefghijklmnopqrstuv/publish"),
        ("get", "/forecasts/issues/202611231600-0123456789/picture.png"),
    ],
)
def test_signed_out_is_refused(admin_app, redis, method, path):
    response = getattr(admin_app.test_client(), method)(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert upload_keys(redis) == [] and ForecastRepo(redis).latest_id() is None


def test_a_reviewer_may_upload_too(admin_app, redis):
    reviewer = Editor(admin_app, "reviewer1")
    assert reviewer.publish(reviewer.upload(sample_bytes()).headers["Location"]).status_code == 302
    assert ForecastRepo(redis).latest_id() is not None


@pytest.mark.parametrize(
    "path",
    [
        "/forecasts/uploads/x/picture.png",
        "/forecasts/issues/nope/picture.png",
        "/forecasts/issues/202611231600-0123456789/picture.png",
    ],
)
def test_unknown_pictures_are_404(editor, path):
    assert editor.client.get(path).status_code == 404


def test_the_page_without_a_forecast(editor):
    status, page = editor.page("/forecasts")
    assert status == 200 and "尚未导入预报" in page and 'name="csrf_token"' in page


def test_the_api_import_is_noted_too(admin_app, redis):
    editor = Editor(admin_app, "editor1")
    response = editor.client.post(
        "/api/forecasts",
        data=sample_bytes(),
        content_type="text/csv",
        headers={"X-CSRF-Token": editor.token},
    )
    assert response.status_code == 201
    assert "editor1，11月24日 10:40（接口）" in editor.page("/forecasts")[1]


def test_excerpts_for_whole_file_problems_are_empty():
    from bot.forecast.importer import Problem

    problems = [Problem(None, "summary", "x"), Problem(99, "date", "y")]
    assert [e.text for e in forecast_uploads.excerpts(sample_bytes(), problems)] == ["", ""]


def test_the_command_line_import_is_noted(config_file, redis_server, redis):
    args = ["--config", str(config_file), "forecast", "import", "--by", "王编辑", str(SAMPLE)]
    result = CliRunner().invoke(main, args, env={"CSJ_REDIS__URL": redis_server.url})
    assert result.exit_code == 0, result.output
    issue_id = ForecastRepo(redis).latest_id()
    note = forecast_uploads.import_notes(redis, [issue_id])[issue_id]
    assert (note.by, note.via, note.filename) == ("王编辑", "cli", "forecast_sample.csv")
    assert [e.by for e in audit.entries(redis) if e.action == "forecast-import"] == ["王编辑"]


def test_the_demo_forecast_says_the_demo_imported_it(config, redis, clock):
    result = load_demo_forecast(config, redis, datetime.fromtimestamp(clock(), ZONE))
    assert result is not None
    note = forecast_uploads.import_notes(redis, [result.issue.id])[result.issue.id]
    assert (note.by, note.via) == ("demo", "demo")


def test_the_served_app_uploads_the_picture_to_each_accounts_wechat(
    config_file, redis_server, redis, sandbox, monkeypatch
):
    """`csj admin` serves production_app(): its uploader is the WeChat API's, from the config."""
    from syndication.admin import production_app

    monkeypatch.setenv("CSJ_CONFIG", str(config_file))
    monkeypatch.setenv("CSJ_REDIS__URL", redis_server.url)
    monkeypatch.setenv("CSJ_WECHAT__API_BASE_URL", sandbox.api)
    app = production_app()
    upload = app.extensions["csj_admin"]["uploader"]
    account = app.extensions["csj_admin"]["config"].accounts["zj"]
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(picture, "PNG")
    media_id = upload(account, picture.getvalue(), "card.png")
    assert sandbox.client("zj").media.download(media_id).content == picture.getvalue()
