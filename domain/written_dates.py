"""Dates as people write them in free text, found wherever they stand.

The identity screen (domain/screening.py) and the case-reference rule
(domain/privacy.py) both need to know where a text holds a date and which day it
could be: 17/03/2014, 17-3-14, 17.03.2014, 2014-03-17, 17 March 2014,
17th Mar 2014, March 17, 2014, 17Mar2014, 17032014 (and 170314, on request). A written date is often
ambiguous (03/04/2014 is 3 April in the UK and 4 March in the US; 17032014 could
be ddmmyyyy or mmddyyyy), so each place carries every day it could mean; only
real days count (31/02/2014 is no date), and a four-digit year must fall in
1900-2099 so that long runs of digits do not read as dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_ORDINAL = r"(?:st|nd|rd|th)?"
# Digit boundaries only (not letter ones): "DOB19991231X" and "ZQ-17Mar2014" hold dates.
_WRITTEN_DATE = re.compile(
    # 17/03/2014, 17-3-14, 17.03.2014 and the US 03/17/2014: one separator, used twice
    r"(?<!\d)(?P<a>\d{1,2})(?P<s1>[/.\-])(?P<b>\d{1,2})(?P=s1)(?P<y1>\d{4}|\d{2})(?!\d)"
    # 2014-03-17
    r"|(?<!\d)(?P<y2>\d{4})(?P<s2>[/.\-])(?P<m2>\d{1,2})(?P=s2)(?P<d2>\d{1,2})(?!\d)"
    # 17 March 2014, 17th Mar 2014, the 17th of March, 2014, 17-Mar-14, 17Mar2014
    rf"|(?<!\d)(?P<d3>\d{{1,2}}){_ORDINAL}(?:[ \t]+of)?[ \t\-/.]*(?P<m3>{_MONTH})(?![a-z])\.?"
    # (a two-digit year only right after the month: "12 March, 14 members" is no date)
    r"(?:[ \t\-/.,]*(?P<y3>\d{4})|[ \t\-/.]?'?(?P<y3s>\d{2}))(?!\d)"
    # March 17, 2014, Mar 17th 2014
    rf"|(?<![a-z])(?P<m4>{_MONTH})(?![a-z])\.?[ \t\-]*(?P<d4>\d{{1,2}}){_ORDINAL},?[ \t\-]*(?P<y4>\d{{4}})(?!\d)"
    # 17032014 or 20140317
    r"|(?<!\d)(?P<n8>\d{8})(?!\d)"
    # 170314 or 140317: read as a date only when asked (most six-digit numbers would be one)
    r"|(?<!\d)(?P<n6>\d{6})(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Day:
    """A day a written date could mean; `short_year` when only the year's last two digits were written."""

    year: int
    month: int
    day: int
    short_year: bool = False

    @classmethod
    def written_ways(cls, known: date) -> tuple[Day, Day]:
        """The two ways a known date can be written: with its whole year, or its last two digits."""
        return cls(known.year, known.month, known.day), cls(known.year % 100, known.month, known.day, True)


@dataclass(frozen=True)
class WrittenDate:
    """Where a date stands in a text (`start`, `end`) and every real day it could mean."""

    start: int
    end: int
    days: tuple[Day, ...]


def _real(year: int, month: int, day: int, short_year: bool) -> Day | None:
    if not short_year and not 1900 <= year <= 2099:
        return None
    try:
        # A two-digit year stands for 20yy or 19yy: the same leap years but 1900.
        date(2000 + year if short_year else year, month, day)
    except ValueError:
        return None
    return Day(year, month, day, short_year)


def _year(written: str) -> tuple[int, bool]:
    return int(written), len(written) == 2


def _days(match: re.Match[str]) -> list[Day | None]:
    group = match.group
    if group("a") is not None:
        year, short = _year(group("y1"))
        a, b = int(group("a")), int(group("b"))
        return [_real(year, b, a, short), _real(year, a, b, short)]
    if group("y2") is not None:
        return [_real(int(group("y2")), int(group("m2")), int(group("d2")), False)]
    if group("d3") is not None:
        year, short = _year(group("y3") or group("y3s"))
        return [_real(year, _MONTH_NUMBERS[group("m3")[:3].lower()], int(group("d3")), short)]
    if group("m4") is not None:
        return [_real(int(group("y4")), _MONTH_NUMBERS[group("m4")[:3].lower()], int(group("d4")), False)]
    n = group("n6")
    if n is not None:
        return [
            _real(int(n[4:]), int(n[2:4]), int(n[:2]), True),  # ddmmyy
            _real(int(n[:2]), int(n[2:4]), int(n[4:]), True),  # yymmdd
            _real(int(n[4:]), int(n[:2]), int(n[2:4]), True),  # mmddyy
        ]
    n = group("n8")
    return [
        _real(int(n[4:]), int(n[2:4]), int(n[:2]), False),  # ddmmyyyy
        _real(int(n[:4]), int(n[4:6]), int(n[6:]), False),  # yyyymmdd
        _real(int(n[4:]), int(n[:2]), int(n[2:4]), False),  # mmddyyyy
    ]


# Every written date holds a run of digits. Scanning for those runs is fast (the pattern
# starts with a character class, which the regex engine skips to); the full pattern, whose
# lookbehinds make the engine try it at every character, is only tried where a run starts
# and at a month's name right before one.
_DIGIT_RUN = re.compile(r"[0-9]+")
_MONTH_BEFORE = re.compile(rf"(?<![a-z]){_MONTH}\.?[ \t\-]*\Z", re.IGNORECASE)
_MONTH_REACH = 16


def written_dates(text: str, *, six_digits: bool = False) -> Iterator[WrittenDate]:
    """Every place in `text` that reads as a real day, in order; `six_digits` reads 170314
    as a date too (worth it only to compare with a known day)."""
    searched_to = 0
    for run in _DIGIT_RUN.finditer(text):
        if run.start() < searched_to:
            continue
        month = _MONTH_BEFORE.search(text, max(searched_to, run.start() - _MONTH_REACH), run.start())
        match = (month and _WRITTEN_DATE.match(text, month.start())) or _WRITTEN_DATE.match(text, run.start())
        if match is None or (match.group("n6") is not None and not six_digits):
            continue
        days = tuple(dict.fromkeys(day for day in _days(match) if day is not None))
        if days:
            searched_to = match.end()
            yield WrittenDate(match.start(), match.end(), days)
