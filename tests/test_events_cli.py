"""`csj events add|import|list|registrations|remind` through click's CliRunner, on the test Redis.

The commands run on the tests' clock (conftest's NOW), and the sample is moved to sit around it.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from bot import ZONE
from bot.events import signup
from bot.events.repo import EventRepo
from syndication import audit
from syndication.cli import main
from tests.conftest import NOW
from tests.events_support import NANJING, shifted_sample

TODAY = datetime.fromtimestamp(NOW, ZONE)
OPENIDS = [f"oFollower{i:019d}" for i in range(3)]


@pytest.fixture
def csj(config_file, redis_server, redis, clock):
    def run(*args: str):
        return CliRunner().invoke(
            main,
            ["--config", str(config_file), "events", *args],
            env={"CSJ_REDIS__URL": redis_server.url},
            obj=SimpleNamespace(clock=clock),
        )

    return run


@pytest.fixture
def sample_file(tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(shifted_sample(TODAY))
    return path


def _at(days: int, hour: int = 9) -> str:
    when = TODAY.replace(hour=hour, minute=30) + timedelta(days=days)
    return when.strftime("%Y-%m-%d %H:%M")


def test_import_then_list(csj, sample_file):
    imported = csj("import", str(sample_file))
    assert imported.exit_code == 0, imported.output
    assert "imported 6 events" in imported.output and "#1 江心洲污水处理厂开放日" in imported.output
    listed = csj("list")
    assert listed.exit_code == 0
    assert "#1    江心洲污水处理厂开放日" in listed.output and "places left 30/30" in listed.output
    assert "sign-up opens" in listed.output and "sign-up closed" in listed.output


def test_a_bad_file_lists_every_problem_and_stores_nothing(csj, sample_file, redis):
    text = (
        sample_file.read_text("utf-8")
        .replace(",开放日,南京,", ",聚会,南京,")
        .replace(",50,", ",五十,")
    )
    sample_file.write_text(text, "utf-8")
    result = csj("import", str(sample_file))
    assert result.exit_code == 1
    assert "rejected: 2 problem(s); no event was imported" in result.output
    assert "第2行 kind：类型「聚会」应为" in result.output and "第3行 capacity" in result.output
    assert EventRepo(redis).all() == []


def test_add_with_flags(csj, redis):
    result = csj(
        "add", "--title", "湿地公园观鸟", "--kind", "志愿", "--region", "盐城",
        "--place", "湿地公园", "--start", _at(5), "--end", _at(5, 11), "--capacity", "12",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith("added #1 湿地公园观鸟")
    event = EventRepo(redis).get(1)
    assert event.capacity == 12 and event.region == "盐城"
    assert audit.entries(redis)[0].action == "event-add"


def test_add_lists_every_problem(csj, redis):
    result = csj(
        "add", "--title", "观鸟", "--kind", "party", "--region", "北京", "--place", "湿地",
        "--start", "tomorrow", "--end", _at(5), "--capacity", "0",
    )  # fmt: skip
    assert result.exit_code == 1
    for expected in ("--kind", "未知地区「北京」", "--start：时间「tomorrow」", "--capacity"):
        assert expected in result.output
    assert EventRepo(redis).all() == []


def test_registrations_csv_hides_openids(csj, sample_file, redis):
    csj("import", str(sample_file))
    repo = EventRepo(redis)
    now = TODAY.timestamp()
    small = repo.add([_capacity(repo.get(NANJING), 1)])[0]
    for i, openid in enumerate(OPENIDS):
        signup.sign_up(redis, small.number, "sh", openid, now, f"m{i}")
    signup.cancel(redis, small.number, "sh", OPENIDS[0], now, "c0")
    result = csj("registrations", str(small.number))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["position"], r["status"]) for r in rows] == [
        ("", "cancelled"),
        ("1", "confirmed"),
        ("1", "waitlisted"),
    ]
    assert all(len(r["checkin_code"]) == 6 for r in rows)
    assert not any(openid in result.output for openid in OPENIDS)
    assert rows[1]["follower"] == "oFol…0001" and rows[1]["promoted_at"]


def test_registrations_of_an_unknown_event(csj):
    result = csj("registrations", "42")
    assert result.exit_code == 1 and "no event #42" in result.output


def test_remind_with_nothing_due(csj):
    result = csj("remind")
    assert result.exit_code == 0 and "no one to remind" in result.output


def _capacity(event, capacity: int):
    from dataclasses import replace

    return replace(event, capacity=capacity, title="小型开放日", number=0)


def test_the_demo_events_load_once_around_today(redis):
    from syndication.demo import load_demo_events

    now = TODAY
    loaded = load_demo_events(redis, now)
    assert len(loaded) == 6 and all(e.start > now for e in loaded)
    assert load_demo_events(redis, now) == []


def test_cancel(csj, sample_file, redis):
    csj("import", str(sample_file))
    signup.sign_up(redis, NANJING, "sh", OPENIDS[0], TODAY.timestamp(), "m")
    result = csj("cancel", str(NANJING))
    assert result.exit_code == 0, result.output
    assert "1 follower(s) will be told" in result.output
    assert "江心洲" not in csj("list").output and "cancelled" in csj("list", "--all").output
    again = csj("cancel", str(NANJING))
    assert again.exit_code == 1 and "already cancelled" in again.output
    assert csj("cancel", "99").exit_code == 1
