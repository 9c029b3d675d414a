"""The picture's media_id per account: uploaded once, reused until just before it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.forecast import media
from bot.forecast.importer import read_forecast
from bot.forecast.service import import_forecast
from bot.store import Keys
from tests.forecast_data import NOW_DT, sample_bytes


class FakeUploader:
    """Records uploads and hands out media ids, as the WeChat media/upload call would."""

    def __init__(self, fail_for: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, int, str]] = []
        self.fail_for = fail_for

    def __call__(self, account, data: bytes, filename: str) -> str:
        if account.id in self.fail_for:
            raise ConnectionError("sandbox down")
        self.calls.append((account.id, len(data), filename))
        return f"media-{account.id}-{len(self.calls)}"


@pytest.fixture
def issue():
    return read_forecast(sample_bytes(), NOW_DT)


def test_import_draws_and_uploads_for_every_account(redis, config):
    uploader = FakeUploader()
    result = import_forecast(
        redis, sample_bytes(), NOW_DT, accounts=config.accounts.values(), uploader=uploader
    )
    assert set(result.media) == set(config.accounts)
    assert all(size > 20_000 and name.endswith(".png") for _, size, name in uploader.calls)
    assert media.media_id(redis, "sh", result.issue.id, NOW_DT) == result.media["sh"]


def test_media_id_is_reused_until_shortly_before_expiry(redis, config, issue):
    uploader = FakeUploader()
    sh = config.accounts["sh"]
    first = media.ensure_media(redis, sh, issue, uploader, NOW_DT)
    later = NOW_DT + media.MEDIA_LIFETIME - media.REFRESH_MARGIN - timedelta(seconds=1)
    assert media.ensure_media(redis, sh, issue, uploader, later) == first
    assert len(uploader.calls) == 1
    stale = NOW_DT + media.MEDIA_LIFETIME - media.REFRESH_MARGIN
    assert media.media_id(redis, "sh", issue.id, stale) is None
    renewed = media.ensure_media(redis, sh, issue, uploader, stale)
    assert renewed != first and len(uploader.calls) == 2
    assert media.media_id(redis, "sh", issue.id, stale) == renewed


def test_redis_forgets_the_record_when_wechat_does(redis, config, issue):
    media.ensure_media(redis, config.accounts["sh"], issue, FakeUploader(), NOW_DT)
    ttl = redis.ttl(Keys.forecast_media("sh", issue.id))
    assert 0 < ttl <= media.MEDIA_LIFETIME.total_seconds()


def test_a_second_process_does_not_upload_while_one_is(redis, config, issue):
    redis.set(Keys.forecast_media_lock("sh", issue.id), "1")
    uploader = FakeUploader()
    assert media.ensure_media(redis, config.accounts["sh"], issue, uploader, NOW_DT) is None
    assert uploader.calls == []


def test_one_failing_account_does_not_stop_the_others(redis, config, issue):
    done = media.prepare(
        redis, config.accounts.values(), issue, FakeUploader(fail_for=("js",)), NOW_DT
    )
    assert "js" not in done and {"sh", "zj", "ah"} <= set(done)
    assert not redis.exists(Keys.forecast_media_lock("js", issue.id))


def test_without_an_uploader_the_picture_is_still_drawn(redis, config, issue):
    assert media.prepare(redis, config.accounts.values(), issue, None, NOW_DT) == {}
    assert redis.get(Keys.forecast_card(issue.id))[:8] == b"\x89PNG\r\n\x1a\n"


def test_periodic_refresh_renews_only_what_is_about_to_expire(redis, config):
    from bot.forecast.service import refresh_media

    uploader = FakeUploader()
    accounts = config.accounts.values()
    first = import_forecast(redis, sample_bytes(), NOW_DT, accounts=accounts, uploader=uploader)
    assert refresh_media(redis, accounts, uploader, NOW_DT + timedelta(days=1)) == first.media
    assert len(uploader.calls) == len(config.accounts)  # nothing re-uploaded yet
    renewed = refresh_media(redis, accounts, uploader, NOW_DT + timedelta(days=2, hours=13))
    assert set(renewed) == set(config.accounts)
    assert not set(renewed.values()) & set(first.media.values())


def test_refresh_before_any_forecast(redis, config):
    from bot.forecast.service import refresh_media

    assert refresh_media(redis, config.accounts.values(), FakeUploader(), NOW_DT) == {}
