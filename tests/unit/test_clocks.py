"""Statutory clocks: working-day arithmetic over England and Wales bank holidays."""

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from domain.clocks import (
    ClockName,
    Deadline,
    RapidReviewStart,
    add_months,
    add_working_days,
    deadlines_for,
    is_working_day,
    subtract_working_days,
    working_days_between,
)


def _by_clock(deadlines: list[Deadline]) -> dict[ClockName, Deadline]:
    return {d.clock: d for d in deadlines}


def _notification_deadline(*, notified_on: date | None = None) -> Deadline:
    # Aware Thursday 17 Apr 2025: Good Friday and Easter Monday push the due date
    # from Thu 24 Apr (weekends only) to Mon 28 Apr.
    deadlines = _by_clock(
        deadlines_for(
            aware_on=date(2025, 4, 17),
            notified_on=notified_on,
            rapid_review_completed_on=None,
            initiated_on=None,
            planned_publication_on=None,
            published_on=None,
            final_report_sent_on=None,
        )
    )
    return deadlines[ClockName.SERIOUS_INCIDENT_NOTIFICATION]


@pytest.mark.parametrize(
    "holiday",
    [
        date(2025, 4, 18),  # Good Friday
        date(2025, 4, 21),  # Easter Monday
        date(2021, 12, 27),  # Christmas Day (substitute)
        date(2021, 12, 28),  # Boxing Day (substitute)
        date(2022, 6, 2),  # Spring bank holiday (moved for the jubilee)
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 9, 19),  # State funeral of Queen Elizabeth II
        date(2023, 5, 8),  # Coronation of King Charles III
        date(2022, 1, 3),  # New Year's Day (substitute)
    ],
)
def test_known_bank_holidays_are_not_working_days(holiday: date) -> None:
    assert holiday.weekday() < 5
    assert not is_working_day(holiday)


def test_ordinary_days_around_holidays_are_working_days() -> None:
    assert is_working_day(date(2021, 12, 29))
    assert is_working_day(date(2022, 6, 1))
    assert is_working_day(date(2022, 9, 20))
    assert is_working_day(date(2025, 4, 17))
    assert not is_working_day(date(2025, 4, 19))  # Saturday
    assert not is_working_day(date(2025, 4, 20))  # Sunday


def test_working_days_in_a_whole_year() -> None:
    # 2022: 260 weekdays less 10 weekday bank holidays (incl. jubilee and funeral).
    assert working_days_between(date(2021, 12, 31), date(2022, 12, 31)) == 250
    # 2025: 261 weekdays less 8 weekday bank holidays.
    assert working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 253


def test_add_working_days_over_a_weekend() -> None:
    assert add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)  # Fri -> Mon
    # Weekend followed by the spring bank holiday (Mon 26 May 2025).
    assert add_working_days(date(2025, 5, 23), 1) == date(2025, 5, 27)
    # Saturday start: the first working day after it is Monday.
    assert add_working_days(date(2025, 3, 8), 1) == date(2025, 3, 10)


def test_add_working_days_over_easter() -> None:
    assert add_working_days(date(2025, 4, 17), 1) == date(2025, 4, 22)
    assert add_working_days(date(2025, 4, 16), 3) == date(2025, 4, 23)


def test_add_working_days_over_one_off_holidays() -> None:
    assert add_working_days(date(2022, 6, 1), 1) == date(2022, 6, 6)
    assert add_working_days(date(2022, 9, 16), 1) == date(2022, 9, 20)
    assert add_working_days(date(2023, 5, 5), 1) == date(2023, 5, 9)


def test_zero_working_days_rolls_forward_or_back_to_a_working_day() -> None:
    assert add_working_days(date(2025, 4, 17), 0) == date(2025, 4, 17)
    assert add_working_days(date(2025, 4, 18), 0) == date(2025, 4, 22)
    assert subtract_working_days(date(2025, 4, 21), 0) == date(2025, 4, 17)


def test_subtract_working_days_over_easter() -> None:
    assert subtract_working_days(date(2025, 4, 22), 1) == date(2025, 4, 17)
    assert subtract_working_days(date(2025, 4, 22), 7) == date(2025, 4, 9)


def test_negative_counts_are_rejected() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2025, 4, 17), -1)
    with pytest.raises(ValueError):
        subtract_working_days(date(2025, 4, 17), -1)


def test_working_days_between_counts_after_a_up_to_and_including_b() -> None:
    assert working_days_between(date(2025, 4, 17), date(2025, 4, 28)) == 5
    assert working_days_between(date(2025, 4, 28), date(2025, 4, 17)) == -5
    assert working_days_between(date(2025, 4, 17), date(2025, 4, 17)) == 0
    assert working_days_between(date(2025, 4, 17), date(2025, 4, 21)) == 0


def test_working_days_between_inverts_add_and_subtract() -> None:
    start = date(2021, 12, 1)
    for offset in range(0, 600, 7):
        d = start + timedelta(days=offset)
        for n in (1, 5, 7, 15):
            assert working_days_between(d, add_working_days(d, n)) == n
            # A non-working end is not itself counted, so one fewer lies in between.
            expected = n if is_working_day(d) else n - 1
            assert working_days_between(subtract_working_days(d, n), d) == expected


def test_notification_within_5_working_days_from_thursday_before_easter() -> None:
    deadline = _notification_deadline()
    assert deadline.starts_on == date(2025, 4, 17)
    assert deadline.due_on == date(2025, 4, 28)


def test_rapid_review_15_working_days_across_christmas() -> None:
    deadlines = _by_clock(
        deadlines_for(
            aware_on=date(2021, 12, 20),
            notified_on=date(2021, 12, 22),
            rapid_review_completed_on=None,
            initiated_on=None,
            planned_publication_on=None,
            published_on=None,
            final_report_sent_on=None,
        )
    )
    # Skips 27-28 Dec 2021 (substitutes) and 3 Jan 2022 (New Year substitute).
    assert deadlines[ClockName.RAPID_REVIEW].due_on == date(2022, 1, 13)
    assert deadlines[ClockName.SERIOUS_INCIDENT_NOTIFICATION].due_on == date(2021, 12, 29)


def test_rapid_review_start_configuration() -> None:
    def rapid_review(notified_on: date | None, starts_from: RapidReviewStart) -> Deadline:
        deadlines = deadlines_for(
            aware_on=date(2025, 4, 17),
            notified_on=notified_on,
            rapid_review_completed_on=None,
            initiated_on=None,
            planned_publication_on=None,
            published_on=None,
            final_report_sent_on=None,
            rapid_review_starts_from=starts_from,
        )
        return _by_clock(deadlines)[ClockName.RAPID_REVIEW]

    from_awareness = rapid_review(date(2025, 4, 22), "awareness")
    from_notification = rapid_review(date(2025, 4, 22), "notification")
    not_yet_notified = rapid_review(None, "notification")

    # Easter and May Day (5 May 2025) both fall inside the window.
    assert from_awareness.starts_on == date(2025, 4, 17)
    assert from_awareness.due_on == date(2025, 5, 13)
    assert from_notification.starts_on == date(2025, 4, 22)
    assert from_notification.due_on == date(2025, 5, 14)
    # Until the Panel is notified the clock runs from awareness (never hidden).
    assert not_yet_notified.starts_on == date(2025, 4, 17)
    assert not_yet_notified.due_on == date(2025, 5, 13)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 10, 15), 6) == date(2026, 4, 15)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 5, 31), 0) == date(2025, 5, 31)


def test_practice_review_publication_due_six_calendar_months_after_initiation() -> None:
    deadlines = _by_clock(
        deadlines_for(
            aware_on=None,
            notified_on=None,
            rapid_review_completed_on=None,
            initiated_on=date(2023, 8, 31),
            planned_publication_on=None,
            published_on=date(2024, 3, 1),
            final_report_sent_on=None,
        )
    )
    publication = deadlines[ClockName.PRACTICE_REVIEW_PUBLICATION]
    # Calendar months, not working days: due on a leap day even though it is a Thursday
    # and regardless of bank holidays.
    assert publication.due_on == date(2024, 2, 29)
    assert publication.status(date(2024, 3, 1)) == "met_late"


def _final_report(*, planned: date | None, published: date | None) -> Deadline | None:
    return _by_clock(
        deadlines_for(
            aware_on=None,
            notified_on=None,
            rapid_review_completed_on=None,
            initiated_on=None,
            planned_publication_on=planned,
            published_on=published,
            final_report_sent_on=date(2025, 4, 10),
        )
    ).get(ClockName.FINAL_REPORT_TO_PANEL)


def test_final_report_to_panel_from_planned_publication() -> None:
    deadline = _final_report(planned=date(2025, 4, 22), published=None)
    assert deadline is not None
    # Seven working days before Tue 22 Apr 2025, skipping Easter: Wed 9 Apr.
    assert deadline.starts_on == date(2025, 4, 22)
    assert deadline.due_on == date(2025, 4, 9)
    assert deadline.met_on == date(2025, 4, 10)
    assert deadline.status(date(2025, 4, 22)) == "met_late"


def test_final_report_to_panel_from_actual_publication_overrides_planned() -> None:
    deadline = _final_report(planned=date(2025, 4, 22), published=date(2025, 5, 27))
    assert deadline is not None
    # Seven working days before Tue 27 May 2025, skipping the spring bank holiday.
    assert deadline.starts_on == date(2025, 5, 27)
    assert deadline.due_on == date(2025, 5, 15)
    assert deadline.status(date(2025, 5, 27)) == "met"


def test_final_report_to_panel_absent_without_publication_date() -> None:
    assert _final_report(planned=None, published=None) is None


def test_clocks_absent_when_their_start_dates_are_unknown() -> None:
    none_known = deadlines_for(
        aware_on=None,
        notified_on=date(2025, 4, 22),
        rapid_review_completed_on=None,
        initiated_on=None,
        planned_publication_on=None,
        published_on=None,
        final_report_sent_on=None,
        rapid_review_starts_from="notification",
    )
    assert none_known == []

    all_known = deadlines_for(
        aware_on=date(2025, 4, 17),
        notified_on=date(2025, 4, 22),
        rapid_review_completed_on=date(2025, 5, 2),
        initiated_on=date(2025, 5, 6),
        planned_publication_on=date(2025, 11, 4),
        published_on=None,
        final_report_sent_on=None,
    )
    assert [d.clock for d in all_known] == [
        ClockName.SERIOUS_INCIDENT_NOTIFICATION,
        ClockName.RAPID_REVIEW,
        ClockName.PRACTICE_REVIEW_PUBLICATION,
        ClockName.FINAL_REPORT_TO_PANEL,
    ]
    by_clock = _by_clock(all_known)
    assert by_clock[ClockName.RAPID_REVIEW].due_on == date(2025, 5, 13)
    assert by_clock[ClockName.PRACTICE_REVIEW_PUBLICATION].due_on == date(2025, 11, 6)
    assert by_clock[ClockName.FINAL_REPORT_TO_PANEL].due_on == date(2025, 10, 24)


def test_status_met_on_the_due_date() -> None:
    deadline = _notification_deadline(notified_on=date(2025, 4, 28))
    assert deadline.status(date(2025, 6, 1)) == "met"
    assert not deadline.is_breached(date(2025, 6, 1))


def test_status_met_late_after_the_due_date() -> None:
    deadline = _notification_deadline(notified_on=date(2025, 4, 29))
    assert deadline.due_on == date(2025, 4, 28)
    assert deadline.status(date(2025, 4, 29)) == "met_late"
    assert deadline.is_breached(date(2025, 4, 29))


def test_status_open_until_the_due_date_passes() -> None:
    deadline = _notification_deadline()
    assert deadline.status(date(2025, 4, 25)) == "open"
    assert deadline.status(date(2025, 4, 28)) == "open"
    assert not deadline.is_breached(date(2025, 4, 28))


def test_status_breached_after_the_due_date() -> None:
    deadline = _notification_deadline()
    assert deadline.due_on == date(2025, 4, 28)
    assert deadline.status(date(2025, 4, 29)) == "breached"
    assert deadline.is_breached(date(2025, 4, 29))


def test_days_remaining_in_working_days() -> None:
    deadline = _notification_deadline()
    assert deadline.days_remaining(date(2025, 4, 17)) == 5
    assert deadline.days_remaining(date(2025, 4, 18)) == 5  # Good Friday
    assert deadline.days_remaining(date(2025, 4, 25)) == 1
    assert deadline.days_remaining(date(2025, 4, 28)) == 0
    assert deadline.days_remaining(date(2025, 4, 30)) == -2


def test_deadline_is_frozen() -> None:
    deadline = _notification_deadline()
    with pytest.raises(ValidationError):
        deadline.due_on = date(2025, 4, 24)  # type: ignore[misc]
