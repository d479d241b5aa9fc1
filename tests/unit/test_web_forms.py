"""Forms' errors (services/web/forms.py, templates/macros/forms.html) and charts' geometry."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from domain.errors import RuleViolation
from services.web.charts import HALF_LABEL_WIDTH, HALF_WIDTH, LABEL_WIDTH, VALUE_ROOM, WIDTH, bars, stacked_bars
from services.web.forms import FieldError, FormErrors, errors_from, field_id, read_date
from services.web.templating import environment


def test_a_refusal_lands_on_the_form_field_the_api_named() -> None:
    refusal = RuleViolation("not_a_meeting", "2026-07-09 is not a meeting of the Board.", "payload.meeting_on")
    errors = errors_from(refusal, {"meeting_on": "2026-07-09"})
    assert errors.summary() == [{
        "text": "2026-07-09 is not a meeting of the Board.", "href": "#meeting_on",
        "attributes": {"data-error-code": "not_a_meeting"},
    }]
    assert errors.message("meeting_on") == {"text": "2026-07-09 is not a meeting of the Board."}
    assert errors.message("rationale") is None
    assert errors.value("meeting_on") == "2026-07-09"


def test_a_payload_that_does_not_validate_names_each_field() -> None:
    class Payload(BaseModel):
        title: str
        agencies: list[int]

    with pytest.raises(ValidationError) as raised:
        Payload.model_validate({"agencies": ["x"]})
    errors = errors_from(raised.value)
    assert [(e.field, e.code) for e in errors.errors] == [
        ("title", "invalid_missing"), ("agencies.0", "invalid_int_parsing"),
    ]
    assert [item["href"] for item in errors.summary()] == ["#title", "#agencies-0"]


def test_an_error_with_no_field_is_listed_without_a_link() -> None:
    errors = FormErrors([FieldError("store_busy", "Try again.")])
    assert errors.summary() == [{"text": "Try again.", "attributes": {"data-error-code": "store_busy"}}]
    assert field_id("") == "main-content"


@pytest.mark.parametrize(("typed", "expected", "code", "target"), [
    ({}, None, None, None),
    ({"d-day": "27", "d-month": "3", "d-year": "2026"}, date(2026, 3, 27), None, None),
    ({"d-day": "31", "d-month": "2", "d-year": "2026"}, None, "invalid_date", "d-day"),
    ({"d-day": "1", "d-month": "", "d-year": "2026"}, None, "incomplete_date", "d-month"),
    ({"d-day": "one", "d-month": "2", "d-year": "2026"}, None, "invalid_date", "d-day"),
    ({"d-day": "1", "d-month": "2", "d-year": "26"}, None, "invalid_date", "d-day"),
])
def test_a_date_is_read_from_the_three_inputs_or_refused_on_the_right_one(
    typed: dict[str, str], expected: date | None, code: str | None, target: str | None
) -> None:
    errors = FormErrors(typed=typed)
    assert read_date("d", typed, errors) == expected
    assert [(e.code, e.field, e.target) for e in errors.errors] == ([(code, "d", target)] if code else [])


def test_the_error_summary_links_each_sentence_to_its_field() -> None:
    template = environment().from_string(
        '{% from "macros/forms.html" import error_summary %}{{ error_summary(errors) }}'
    )
    html = template.render(errors=FormErrors([
        FieldError("not_a_meeting", "Not a <meeting> day.", "meeting_on"),
        FieldError("invalid_date", "Enter a real date.", "due", "due-day"),
    ]))
    assert 'class="govuk-error-summary"' in html and "There is a problem" in html
    assert '<a href="#meeting_on" data-error-code="not_a_meeting">Not a &lt;meeting&gt; day.</a>' in html
    assert '<a href="#due-day" data-error-code="invalid_date">Enter a real date.</a>' in html


def test_bars_share_one_scale_and_the_largest_fills_the_room() -> None:
    chart = stacked_bars([("a", [("red", 2), ("green", 6)]), ("b", [("red", 0), ("green", 4)]), ("c", [])])
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    a, b, c = chart.rows
    assert [s.tone for s in a.segments] == ["red", "green"]
    assert a.segments[0].x == LABEL_WIDTH and a.segments[1].x == LABEL_WIDTH + room / 4
    assert a.segments[1].x + a.segments[1].width == pytest.approx(LABEL_WIDTH + room)
    assert [s.tone for s in b.segments] == ["green"] and b.segments[0].width == pytest.approx(room / 2)
    assert (a.total, b.total, c.total) == (8, 4, 0) and c.segments == ()
    assert a.y < b.y < c.y < chart.height
    assert (chart.width, chart.label_width) == (WIDTH, LABEL_WIDTH)


def test_a_half_width_chart_keeps_its_own_width_and_labels() -> None:
    chart = bars([("Opened", "blue", 3), ("Closed", "blue", 1)], half=True)
    assert (chart.width, chart.label_width) == (HALF_WIDTH, HALF_LABEL_WIDTH)
    opened = chart.rows[0]
    assert opened.segments[0].x == HALF_LABEL_WIDTH
    assert opened.segments[0].x + opened.segments[0].width == pytest.approx(HALF_WIDTH - VALUE_ROOM)


def test_bars_of_nothing_draw_no_bar() -> None:
    chart = bars([("x", "blue", 0), ("y", "blue", 0)])
    assert all(row.segments == () for row in chart.rows)
