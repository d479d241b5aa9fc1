"""domain/meeting.py: a forum meeting's agenda drafted, ordered, published (frozen), and the meeting recorded."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from domain import meeting as mt
from domain.aggregate import project
from domain.errors import DomainError
from domain.framework import ARLF
from domain.meeting_state import DeclaredInterest, ItemOrigin, Meeting, MeetingStatus, Purpose, meeting_uuid
from domain.partnership import Partnership, schedule_meeting
from projections.agenda.models import RecommendationRow
from services.application.meeting_items import compare, generated_items
from tests.unit import builders as build
from tests.unit.builders import D0, POLICE, ctx
from tests.unit.test_agenda_render import action, activity, agenda_of, facts, finding

MEETING = date(2025, 6, 4)
NEXT = date(2025, 9, 3)


def forum_partnership() -> Partnership:
    p = build.partnership(meetings=False)
    for day in (MEETING, NEXT):
        p = schedule_meeting(p, ctx(), forum_id=ARLF, meets_on=day).result
    return p


AUDIT = activity(status="reported", reported_on=date(2025, 4, 1))
FINDING = finding(AUDIT)
ACTION = action(AUDIT, "Audit referrals", date(2025, 5, 1))


def the_facts(text: str = "Police share referrals within a day", overdue_due: date = date(2025, 5, 1)) -> Any:
    """The same records each time (the same ids), with the recommendation's text and the action's due day as told."""
    r = RecommendationRow(recommendation_id=FINDING.finding_id, activity_id=AUDIT.activity_id, text=text,
                          addressed_to=(POLICE,), finding_ids=(FINDING.finding_id,), made_on=date(2025, 4, 2),
                          status="awaiting_decision")
    return facts(activities=[AUDIT], findings=[FINDING], recommendations=[r],
                 actions=[ACTION.model_copy(update={"due_on": overdue_due})])


def drafted(p: Partnership, on: date = MEETING, **changes: Any) -> Meeting:
    generated = tuple(g.to_item() for g in generated_items(agenda_of(the_facts(**changes), on)))
    return mt.draft_agenda(
        p, ctx(), forum_id=ARLF, meets_on=on, venue="Town Hall, Room 2", starts_at=time(10, 0),
        chair="Independent chair", generated=generated, drafted_on=D0,
    ).result


def published(p: Partnership) -> Meeting:
    m = mt.add_agenda_item(drafted(p), ctx(), title="Any other business", purpose=Purpose.INFORMATION,
                           presenter="Chair", minutes_allowed=5).result
    return mt.publish_agenda(m, ctx(), published_on=D0).result


def refused(call: Any, code: str, field: str | None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    return caught.value


def test_the_draft_takes_the_generated_items_under_an_id_found_from_forum_and_day() -> None:
    m = drafted(forum_partnership())
    assert m.id == meeting_uuid(build.PARTNERSHIP_ID, ARLF, MEETING)
    sections = [i.section for i in m.items]
    assert sections[:3] == ["awaiting_decision", "awaiting_sign_off", "actions_overdue"]
    decision = m.items[0]
    assert decision.purpose is Purpose.DECISION and decision.origin is ItemOrigin.GENERATED
    assert decision.title == "Recommendation: Police share referrals within a day"
    assert m.items[2].purpose is Purpose.ASSURANCE and "Merseyside Police" in m.items[2].detail


def test_items_are_added_reordered_and_removed_while_a_draft() -> None:
    m = drafted(forum_partnership())
    m = mt.add_agenda_item(m, ctx(), title="Neglect strategy", purpose=Purpose.DECISION, presenter="Head of service",
                           minutes_allowed=20).result
    m = mt.add_agenda_item(m, ctx(), title="Any other business", purpose=Purpose.INFORMATION).result
    assert [i.item_id for i in m.items[-2:]] == ["added-1", "added-2"]
    order = ("added-1", *(i.item_id for i in m.items if i.item_id != "added-1"))
    m = mt.reorder_agenda(m, ctx(), order=order).result
    assert m.items[0].title == "Neglect strategy" and m.items[0].minutes_allowed == 20
    m = mt.remove_agenda_item(m, ctx(), item_id="added-1").result
    assert "added-1" not in [i.item_id for i in m.items]
    # A number once used is not given again: the log's lines name items by it.
    m = mt.add_agenda_item(m, ctx(), title="Late paper", purpose=Purpose.INFORMATION).result
    assert m.items[-1].item_id == "added-3"
    refused(lambda: mt.remove_agenda_item(m, ctx(), item_id=m.items[0].item_id), "generated_item", "item_id")
    refused(lambda: mt.reorder_agenda(m, ctx(), order=order), "order_mismatch", "order")
    refused(lambda: mt.add_agenda_item(m, ctx(), title="x", purpose=Purpose.DECISION, minutes_allowed=0),
            "invalid_minutes_allowed", "minutes_allowed")


def test_publish_freezes_the_agenda_whatever_happens_to_the_records_after() -> None:
    p = forum_partnership()
    m = published(p)
    assert m.status is MeetingStatus.PUBLISHED
    at_publication = m.items
    # The records move on: the recommendation's text is amended, the overdue action is rescheduled.
    live = generated_items(agenda_of(the_facts(text="Police share referrals the same day",
                                               overdue_due=date(2025, 6, 10)), MEETING))
    assert m.items == at_publication  # the meeting's record does not read the live agenda
    # The published event alone carries the whole agenda, added items and all.
    draft = mt.add_agenda_item(drafted(p), ctx(), title="Any other business", purpose=Purpose.INFORMATION,
                               presenter="Chair", minutes_allowed=5).result
    [event] = mt.publish_agenda(draft, ctx(), published_on=D0).events
    assert isinstance(event, mt.AgendaPublished) and event.items == at_publication
    assert (event.venue, event.starts_at, event.chair) == ("Town Hall, Room 2", time(10, 0), "Independent chair")
    diff = compare(m.items, live)
    assert [c.title for c in diff.changed] == ["Recommendation: Police share referrals the same day"]
    assert [c.published_title for c in diff.changed] == ["Recommendation: Police share referrals within a day"]
    assert [c.item_id.split(":")[0] for c in diff.gone] == ["actions_overdue"]
    assert [c.item_id.split(":")[0] for c in diff.added] == ["actions_at_risk"]
    for change in (
        lambda: mt.add_agenda_item(m, ctx(), title="Late", purpose=Purpose.INFORMATION),
        lambda: mt.remove_agenda_item(m, ctx(), item_id="added-1"),
        lambda: mt.publish_agenda(m, ctx(), published_on=D0),
    ):
        with pytest.raises(DomainError) as caught:
            change()
        assert caught.value.code == "agenda_published" and caught.value.status == 409


def test_the_meeting_is_recorded_only_once_published_and_held() -> None:
    p = forum_partnership()
    draft = drafted(p)
    refused(lambda: mt.record_attendance(draft, ctx(), present=("Chair",)), "agenda_not_published", "present")
    later = date.today() + timedelta(days=30)
    p = schedule_meeting(p, ctx(), forum_id=ARLF, meets_on=later).result
    future = mt.publish_agenda(drafted(p, on=later), ctx(), published_on=D0).result
    item = future.items[0].item_id
    refused(lambda: mt.record_minutes(future, ctx(), item_id=item, minutes="x"), "date_in_future", "meets_on")


def test_attendance_minutes_action_log_and_approval_at_the_next_meeting() -> None:
    p = forum_partnership()
    m = published(p)
    first = m.items[0].item_id
    m = mt.record_attendance(
        m, ctx(), present=("Independent chair", "DI Jones"), apologies=("Head of education",),
        declarations=(DeclaredInterest(person="DI Jones", interest="Line manager of the officer", item_id=first),),
    ).result
    assert m.present == ("Independent chair", "DI Jones") and m.declarations[0].item_id == first
    refused(lambda: mt.record_attendance(m, ctx(), present=("DI Jones",), apologies=("di jones",)),
            "present_and_apologies", "apologies")
    refused(lambda: mt.record_attendance(m, ctx(), present=("A",), declarations=(
        DeclaredInterest(person="A", interest="B", item_id="nope"),)), "unknown_item", "declarations.0.item_id")
    m = mt.record_minutes(m, ctx(), item_id=first, minutes="Discussed.", decision="Accepted").result
    assert m.minutes[first].decision == "Accepted"
    refused(lambda: mt.record_minutes(m, ctx(), item_id="added-9", minutes="x"), "unknown_item", "item_id")
    m = mt.log_meeting_action(m, p, ctx(), description="Circulate the audit", owner_agency_id=POLICE,
                              due_on=date(2025, 7, 1), item_id=first).result
    assert [(a.number, a.done_on) for a in m.actions] == [(1, None)]
    refused(lambda: mt.log_meeting_action(m, p, ctx(), description="x", owner_agency_id="nobody",
                                          due_on=date(2025, 7, 1)), "unknown_agency", "owner_agency_id")
    refused(lambda: mt.log_meeting_action(m, p, ctx(), description="x", owner_agency_id=POLICE,
                                          due_on=date(2025, 6, 1)), "date_out_of_order", "due_on")
    m = mt.complete_meeting_action(m, ctx(), number=1, done_on=date(2025, 6, 20)).result
    assert m.open_actions == ()
    refused(lambda: mt.complete_meeting_action(m, ctx(), number=1, done_on=date(2025, 6, 21)), "action_done",
            "number")
    refused(lambda: mt.approve_minutes(m, p, ctx(), approved_on=MEETING), "not_the_next_meeting", "approved_on")
    m = mt.approve_minutes(m, p, ctx(), approved_on=NEXT).result
    assert m.minutes_approved_on == NEXT
    refused(lambda: mt.record_minutes(m, ctx(), item_id=first, minutes="Later."), "minutes_approved", "minutes")
    refused(lambda: mt.approve_minutes(m, p, ctx(), approved_on=NEXT), "minutes_approved", "approved_on")


def test_a_draft_is_for_one_of_the_forums_meetings() -> None:
    p = forum_partnership()
    refused(lambda: drafted(p, on=date(2025, 6, 5)), "not_a_meeting_date", "meets_on")
    refused(lambda: mt.draft_agenda(p, ctx(), forum_id="nope", meets_on=MEETING, venue="v", starts_at=time(9),
                                    chair="c", generated=(), drafted_on=D0), "unknown_forum", "forum_id")


def test_replaying_the_events_gives_the_same_meeting() -> None:
    p = forum_partnership()
    c = mt.draft_agenda(p, ctx(), forum_id=ARLF, meets_on=MEETING, venue="Town Hall", starts_at=time(10),
                        chair="Chair", generated=(), drafted_on=D0)
    m = c.result
    events = list(c.events)
    for step in (
        mt.add_agenda_item(m, ctx(), title="Neglect strategy", purpose=Purpose.DECISION),
    ):
        events += step.events
        m = step.result
    assert project(None, events) == m
