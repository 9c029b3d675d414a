"""The follower corpus: places and days understood from every way people ask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from bot import ZONE
from bot.forecast.understand import default_day, understand
from bot.text import normalise
from tests.forecast_data import DATA, NOW_DT, day


@dataclass(frozen=True)
class Case:
    text: str
    places: frozenset[str]
    days: frozenset[date]
    outside: frozenset[str]
    known_miss: bool = False


def _split(field: str) -> list[str]:
    return [part.strip() for part in field.split(",") if part.strip()]


def load_corpus() -> list[Case]:
    """tests/data/forecast_utterances.tsv: text, places, day offsets, outside places."""
    cases = []
    for line in (DATA / "forecast_utterances.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, places, days, outside, miss = (line.split("\t") + ["", "", "", ""])[:5]
        cases.append(
            Case(
                text,
                frozenset(_split(places)),
                frozenset(day(int(d)) for d in _split(days)),
                frozenset(_split(outside)),
                bool(miss.strip()),
            )
        )
    return cases


CORPUS = load_corpus()


def understood(case: Case) -> bool:
    got = understand(normalise(case.text), NOW_DT)
    return (set(got.places), set(got.days), set(got.outside)) == (
        case.places,
        case.days,
        case.outside,
    )


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 200


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            id=c.text,
            marks=[pytest.mark.xfail(strict=True, reason="known miss")] if c.known_miss else [],
        )
        for c in CORPUS
    ],
)
def test_understands(case: Case):
    got = understand(normalise(case.text), NOW_DT)
    assert set(got.places) == case.places
    assert set(got.days) == case.days
    assert set(got.outside) == case.outside


def test_share_understood(capsys):
    share = sum(map(understood, CORPUS)) / len(CORPUS)
    with capsys.disabled():
        print(f"\nforecast corpus: {share:.1%} of {len(CORPUS)} understood")  # noqa: T201
    assert share >= 0.95


def test_district_is_reported_as_answered_by_shanghai():
    assert understand(normalise("闵行明天空气"), NOW_DT).via == (("闵行", "上海"),)


def test_air_words_are_seen():
    assert understand(normalise("明天南京空氣品質"), NOW_DT).asks_air
    assert not understand(normalise("南京"), NOW_DT).asks_air


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        (datetime(2026, 11, 24, 8, 0, tzinfo=ZONE), date(2026, 11, 24)),
        (datetime(2026, 11, 24, 19, 59, tzinfo=ZONE), date(2026, 11, 24)),
        (datetime(2026, 11, 24, 20, 0, tzinfo=ZONE), date(2026, 11, 25)),
        (datetime(2026, 12, 31, 23, 0, tzinfo=ZONE), date(2027, 1, 1)),
    ],
    ids=["morning", "before-cutover", "evening-cutover", "new-year"],
)
def test_default_day(clock, expected):
    assert default_day(clock) == expected


def test_month_day_near_new_year_is_next_year():
    late = datetime(2026, 12, 30, 9, 0, tzinfo=ZONE)
    assert understand(normalise("1月2日上海空气"), late).days == (date(2027, 1, 2),)
