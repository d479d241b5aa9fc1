"""Every event class of the domain, from every module that defines one.

What is derived from the event classes (audit lines, which events are learning) reads
them here, so it does not depend on which modules happen to be imported already. A module
with events of its own is added to `_MODULES` (tests/unit/test_command_declarations.py
finds any that is not).
"""

from __future__ import annotations

from domain import (
    access,
    action,
    activity,
    activity_state,
    briefing,
    claims,
    data_protection,
    decision,
    findings,
    meeting,
    newsletter,
    partnership,
    people,
    personal_data,
    rapid_review,
    recommendation,
    redaction,
    sign_in,
    subscriptions,
    time_events,
    yearly_report,
)
from domain.events import DomainEvent

_MODULES = (
    access, action, activity, activity_state, briefing, claims, data_protection, decision, findings, meeting,
    newsletter, partnership, people, personal_data, rapid_review, recommendation, redaction, sign_in, subscriptions,
    time_events, yearly_report,
)

EVENT_CLASSES: tuple[type[DomainEvent], ...] = tuple(
    value
    for module in _MODULES
    for value in vars(module).values()
    if isinstance(value, type) and issubclass(value, DomainEvent)
    and value.__module__ == module.__name__ and value.__dict__.get("TOPIC")
)
