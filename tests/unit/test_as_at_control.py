"""The scrutineer's "as at" control: read from the address or the form, carried by every link."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from services.application.as_at import AsAt
from services.web.as_at_control import chosen


def test_the_form_gives_either_reading_and_links_carry_the_apis_parameter() -> None:
    recorded = chosen({"reading": "recorded", "on-day": "1", "on-month": "11", "on-year": "2026", "at": "09:30"})
    assert recorded.as_at == AsAt.recorded(datetime(2026, 11, 1, 9, 30, tzinfo=UTC)) and not recorded.errors
    href = recorded.link("/scrutiny/actions", sort="due_on", cursor=None)
    assert urlsplit(href).path == "/scrutiny/actions"
    assert parse_qs(urlsplit(href).query) == {"sort": ["due_on"], "as_of": ["2026-11-01T09:30:00+00:00"]}

    effective = chosen({"reading": "effective", "on-day": "1", "on-month": "11", "on-year": "2026"})
    assert effective.as_at == AsAt.effective(date(2026, 11, 1))
    assert effective.link("/scrutiny") == "/scrutiny?as_at_day=2026-11-01"
    assert chosen({"reading": "now"}).link("/scrutiny") == "/scrutiny"


def test_an_address_reads_back_as_the_reading_it_carries() -> None:
    again = chosen({"as_of": "2026-11-01T10:30:00+01:00"})
    assert again.as_at == AsAt.recorded(datetime(2026, 11, 1, 9, 30, tzinfo=UTC))
    assert again.form_values() == {"reading": "recorded", "on-day": "1", "on-month": "11", "on-year": "2026",
                                   "at": "09:30"}
    assert chosen({"as_at_day": "2026-11-01"}).describe() == "As the records' own dates say on 1 Nov 2026"


def test_what_cannot_be_read_is_said_on_its_field_and_kept() -> None:
    no_date = chosen({"reading": "effective", "on-day": "", "on-month": "", "on-year": ""})
    assert no_date.as_at is None and [e.code for e in no_date.errors.errors] == ["date_required"]
    bad_time = chosen({"reading": "recorded", "on-day": "1", "on-month": "11", "on-year": "2026", "at": "25:00"})
    assert [(e.code, e.field) for e in bad_time.errors.errors] == [("invalid_time", "at")]
    assert bad_time.form_values()["at"] == "25:00"
    naive = chosen({"as_of": "2026-11-01T00:00:00"})
    assert naive.as_at is None and [e.code for e in naive.errors.errors] == ["invalid_as_at"]
