"""A person's visits to a page, on SQLite and PostgreSQL: each visit answers the one before it, per
person and page, and the position kept never goes back."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.kafka_settings import delivery_db
from adapters.page_visits import PageVisits
from adapters.settings import Settings

AT = [datetime(2026, 12, 6, 9, minute, tzinfo=UTC) for minute in range(5)]


def test_each_visit_answers_the_previous_one_per_person_and_page(settings: Settings) -> None:
    visits = PageVisits(delivery_db(settings))
    try:
        assert visits.record("st-helens", "agency:merseyside-police:jdoe", "inbox", 40, AT[0]) is None
        previous = visits.record("st-helens", "agency:merseyside-police:jdoe", "inbox", 55, AT[1])
        assert previous is not None and (previous.position, previous.at) == (40, AT[0])
        # Another person, page or partnership has visits of its own.
        assert visits.record("st-helens", "agency:merseyside-police:kim", "inbox", 55, AT[1]) is None
        assert visits.record("st-helens", "agency:merseyside-police:jdoe", "actions", 55, AT[1]) is None
        assert visits.record("wirral", "agency:merseyside-police:jdoe", "inbox", 9, AT[1]) is None
        # A page read while the feed was behind does not make what was seen new again.
        visits.record("st-helens", "agency:merseyside-police:jdoe", "inbox", 30, AT[2])
        latest = visits.record("st-helens", "agency:merseyside-police:jdoe", "inbox", 60, AT[3])
        assert latest is not None and (latest.position, latest.at) == (55, AT[2])
    finally:
        visits.close()
    again = PageVisits(delivery_db(settings))  # kept: another connection (another server) reads it
    try:
        kept = again.record("st-helens", "agency:merseyside-police:jdoe", "inbox", 61, AT[4])
        assert kept is not None and (kept.position, kept.at) == (60, AT[3])
    finally:
        again.close()
