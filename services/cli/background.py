"""What `lif serve` runs beside the API on the embedded default: the daily retention schedule,
the clock and the mail sender (elsewhere they are processes of their own: `lif subjects erase-due`,
`lif clock`, `lif mail send`)."""

from __future__ import annotations

from typing import Any


def retention_schedule(app: Any) -> Any:
    """On the embedded default, the retention schedule runs daily inside `lif serve`."""
    settings = app.state.settings
    if settings.persistence != "sqlite" or not settings.retention_schedule:
        return None
    from adapters.subject_keys import subject_keys_for
    from services.application.subjects.schedule import RetentionSchedule
    from services.application.subjects.service import PersonalDataService

    schedule = RetentionSchedule(PersonalDataService(app.state.store, subject_keys_for(settings)))
    schedule.start()
    return schedule


def clock_schedule(app: Any) -> Any:
    """On the embedded default, the clock ticks inside `lif serve`, judging the views its projector keeps."""
    settings = app.state.settings
    if settings.persistence != "sqlite" or not settings.clock_in_process:
        return None
    from services.application.clock import Clock, ClockSchedule, waiting_for

    projector = app.state.projector
    clock = ClockSchedule(
        Clock(app.state.store, projector.db, catch_up=waiting_for(projector)), every_seconds=settings.clock_interval,
    )
    clock.start()
    return clock


def mail_schedule(app: Any) -> Any:
    """On the embedded default, the mail sender passes inside `lif serve` (LIF_MAIL_IN_PROCESS, LIF_MAIL_INTERVAL)."""
    from adapters.settings import MailSettings

    settings, mail = app.state.settings, MailSettings()
    if settings.persistence != "sqlite" or not mail.in_process:
        return None
    from services.application.mail import MailSchedule
    from services.workers.mailer import build_sender

    schedule = MailSchedule(build_sender(settings, app.state.store, mail), every_seconds=mail.interval)
    schedule.start()
    return schedule
