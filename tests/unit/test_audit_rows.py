"""The audit row's shortcuts give the text the plain forms give: summaries' whitespace, the time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.partnership import MeetingScheduled
from projections.audit import _occurred, _short
from projections.codecs import instant


@pytest.mark.parametrize("text", [
    "", "plain words", " leading", "trailing ", "two  spaces", "tab\there", "line\nbreak", "no\u00a0break",
    "ideographic\u3000space", "para\u2029graph", "zero\u200bwidth", "\x1cseparator", "  ", "é accented",
    "x" * 79, "x" * 80, "x" * 81, "word " * 20,
])
def test_a_value_is_shortened_as_its_whitespace_normalised_text(text: str) -> None:
    normal = " ".join(text.split())
    assert _short(text) == (normal if len(normal) <= 80 else normal[:79] + "…")


@pytest.mark.parametrize("at", [
    datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
    datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),  # no microseconds: JSON leaves them out
    datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=timezone(timedelta(hours=1))),
    datetime(2026, 3, 4, 5, 6, 7, 891011),  # naive: taken as UTC
    datetime(999, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
])
def test_the_time_of_an_event_is_its_instant_whatever_its_json_says(at: datetime) -> None:
    event = MeetingScheduled(originator_id=uuid4(), originator_version=1, timestamp=at, partnership_id="p",
                             principal="admin:jo", forum_id="board", meets_on=at.date())
    assert _occurred(event.model_dump(mode="json")["timestamp"], event) == instant(event.timestamp)
