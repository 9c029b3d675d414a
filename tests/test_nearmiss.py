"""Places typed with a same-sounding character, read only when the sound names one place; and the
day words issue 11 added (月底, 11.25)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.forecast.days import take_days
from bot.forecast.nearmiss import _syllables, _toneless, near_miss
from bot.places import cities


def test_pypinyin_reads_every_city_as_the_curated_table_does():
    # pypinyin misreads some names (长宁 as zhang ning); the cities must all be read right, or a
    # mistyped one would be matched against the wrong sound.
    wrong = [
        (c.name, _toneless(_syllables(c.name)))
        for c in cities()
        if _toneless(_syllables(c.name)) != c.pinyin.lower().replace("'", "")
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("typed", "places"),
    [
        ("杭洲", ("杭州",)),  # a character in common, same sound
        ("合废", ("合肥",)),  # in common, other tones
        ("航州", ("杭州",)),  # nothing in common, the very same tones
        ("苏洲", ("苏州",)),  # suzhou is two cities; only 苏州 shares 苏
        ("马安山", ("马鞍山",)),
        ("素州", ("苏州", "宿州")),  # both share 州: ask
        ("太洲", ("泰州", "台州")),  # 太 sounds like 泰, 洲 like both: ask
        ("进化", None),  # jinhua, but nothing in common and other tones: not 金华
        ("伤害", None),  # shanghai without a tone in common
        ("公园", None),
        ("杭", None),  # one character is no place name
        ("杭洲市中心", None),  # nor five
    ],
)
def test_near_miss(typed, places):
    found = near_miss(typed)
    assert (found.places if found else None) == places


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("月底", date(2026, 12, 15), [date(2026, 12, 31)]),
        ("月底", date(2026, 11, 30), [date(2026, 11, 30)]),
        ("月底", date(2028, 2, 3), [date(2028, 2, 29)]),
        ("1.2", date(2026, 12, 30), [date(2027, 1, 2)]),
        ("12.4", date(2026, 11, 24), [date(2026, 12, 4)]),
        ("pm2.5", date(2026, 11, 24), []),
        ("pm 2.5", date(2026, 11, 24), []),
        ("1.5.3", date(2026, 11, 24), []),
    ],
    ids=["december", "last-day", "leap-february", "new-year", "dot", "pm2.5", "pm-2.5", "version"],
)
def test_new_day_words(text, today, expected):
    assert take_days(text, today)[1] == expected
