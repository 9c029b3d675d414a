"""Issue 11's corpus: activity, knowledge, follow-up, near-miss, date and not-understood messages,
each read as a follower means it; with the forecast corpus, the share of everything understood."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest

from bot.conversation import Previous
from bot.forecast.understand import default_day
from bot.questions import Reading, read
from bot.text import normalise
from tests import test_forecast_understand as forecast_corpus
from tests.forecast_data import DATA, NOW_DT, day

REGION = "上海"  # the account the corpus is sent to
NEW_CLASSES = ("activity", "knowledge", "followup", "nearmiss", "dates", "unclear")
MIN_PER_CLASS = 40
MIN_TOTAL = 400
MIN_SHARE = 0.99
# Keys always compared for a forecast or activity reading: absent in the file means "none".
ALWAYS = ("places", "days", "guessed", "ambiguous", "unknown", "unread", "outside")


@dataclass(frozen=True)
class Case:
    cls: str
    text: str
    expected: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.text}"


def load() -> list[Case]:
    cases = []
    for line in (DATA / "question_utterances.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cls, text, expected = line.split("\t")
        pairs = (item.partition("=") for item in expected.split(" ") if item)
        cases.append(Case(cls, text, {key: value for key, _, value in pairs}))
    return cases


CASES = load()


def previous_for(text: str) -> Previous | None:
    """The context a follow-up leans on: the previous message as the bot answered it."""
    reading = read(normalise(text), NOW_DT, lambda: None)
    if reading.kind not in ("forecast", "activity"):
        return None  # only forecast and activity answers are remembered
    asked = reading.asked
    days = asked.days or (default_day(NOW_DT),)
    return Previous(asked.places or (REGION,), days, reading.activity, NOW_DT.timestamp())


def reading_of(case: Case) -> Reading:
    previous = previous_for(case.expected["after"]) if "after" in case.expected else None
    return read(normalise(case.text), NOW_DT, lambda: previous)


def observed(reading: Reading) -> dict[str, object]:
    asked, activity = reading.asked, reading.activity
    return {
        "kind": reading.kind,
        "entry": reading.entry.id if reading.entry else "",
        "activity": activity.kind if activity else "",
        "group": activity.group if activity else "",
        "places": set(asked.places),
        "days": set(asked.days),
        "guessed": {f"{typed}:{place}" for typed, place in asked.guessed},
        "ambiguous": {typed for typed, _ in asked.ambiguous},
        "unknown": set(asked.unknown),
        "unread": set(asked.unread_days) | set(asked.impossible),
        "outside": set(asked.outside),
        "from": set(reading.from_previous),
    }


def expected_of(case: Case) -> dict[str, object]:
    raw = case.expected
    keys = ["kind", *(k for k in raw if k not in ("kind", "after"))]
    if raw.get("kind") in ("forecast", "activity"):
        keys += [k for k in ALWAYS if k not in keys]
    if case.cls == "followup" and "from" not in keys:
        keys.append("from")
    values: dict[str, object] = {}
    for key in keys:
        text = raw.get(key, "")
        if key == "days":
            values[key] = {day(int(d)) for d in text.split(",") if d}
        elif key in ("kind", "entry", "activity", "group"):
            values[key] = text
        else:
            values[key] = {part for part in text.split(",") if part}
    return values


def understood(case: Case) -> bool:
    expected = expected_of(case)
    got = observed(reading_of(case))
    return all(got[key] == value for key, value in expected.items())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reads(case: Case):
    expected = expected_of(case)
    got = observed(reading_of(case))
    assert {k: got[k] for k in expected} == expected


def test_every_new_class_is_large_enough():
    counts = Counter(c.cls for c in CASES)
    assert all(counts[cls] >= MIN_PER_CLASS for cls in NEW_CLASSES), counts
    assert len(CASES) + len(forecast_corpus.CORPUS) >= MIN_TOTAL


def test_share_understood(capsys):
    by_class: dict[str, list[bool]] = {
        "forecast": list(map(forecast_corpus.understood, forecast_corpus.CORPUS))
    }
    for case in CASES:
        by_class.setdefault(case.cls, []).append(understood(case))
    every = [ok for oks in by_class.values() for ok in oks]
    share = sum(every) / len(every)
    with capsys.disabled():
        for cls, oks in by_class.items():
            print(f"\n  {cls:<10} {sum(oks) / len(oks):6.1%} of {len(oks)}", end="")  # noqa: T201
        print(f"\nfollower corpus: {share:.1%} of {len(every)} understood")  # noqa: T201
    assert share >= MIN_SHARE
