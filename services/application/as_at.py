"""Reading a record "as at" a moment, in the two readings a scrutineer needs.

**Recorded by an instant** (`AsAt.recorded(instant)`, the API's `as_of=`): what lif had
recorded by then, the events whose timestamp is at or before the instant. It answers "what
could anyone have seen in lif at that moment"; on a history loaded in one go (the demo) every
instant before the load is empty.

**Effective on a day** (`AsAt.effective(day)`, the API's `as_at_day=`): what the records' own
dates say held at the end of that day, whenever lif was told. Each event of an activity,
recommendation, action or decision counts from its *effective date*:

- an event that carries the date the thing happened counts from that date (`DATED` below:
  an activity from `opened_on`, a finding from `recorded_on`, a report from `reported_on`,
  a sign-off from `signed_off_on`, a closure from `closed_on`, an acknowledgement from
  `acknowledged_on`; a recommendation from `made_on` and its decision from `decided_on`; a
  forum decision from its `meeting_on`; an action's progress from `noted_on`, its completion
  from `completed_on`, its assurance from `assured_on`; and so on);
- an event with no such date (an activity started, an agency involved, a lead reviewer
  appointed; an action rescheduled or reopened, whose `due_on` is when it falls due, not
  when it was moved; a publication planned, whose `planned_on` is a plan) counts from the
  effective date of the event before it in the same record: the earliest day it can have
  happened, since a record's events happened in the order they were recorded;
- an event never counts before the one recorded before it in its record (the effective
  date is the latest of its own date and its predecessor's), so a record as at a day is
  always a prefix of its history and reads as it did;
- an action's first event, `ActionAgreed`, carries only the day the action falls due: it
  counts from the day its recommendation was accepted (an action is agreed only against an
  accepted recommendation), or, when that decision is not at hand, the day it was recorded.

An action's RAG rating and a deadline's status are judged on the day itself (the instant's
day for the recorded reading). The partnership's own configuration (agencies, forums,
routing) carries no date of when it took effect: the effective reading takes it as it now
stands (every event of a record of another kind is kept).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal, TypeVar
from uuid import UUID

from adapters.store import EventStore
from domain import action as act
from domain import activity_state as ev
from domain import briefing as brf
from domain import findings as fnd
from domain import rapid_review as rr
from domain import recommendation as rec
from domain.action import Action
from domain.activity_state import Activity
from domain.aggregate import AggregateEvent, AggregateState, project
from domain.catalogue import EVENT_CLASSES
from domain.decision import Decision, DecisionRecorded
from domain.errors import InvalidInput
from domain.events import DomainEvent

S = TypeVar("S", bound=AggregateState)

Reading = Literal["recorded", "effective"]

DATED: dict[type[DomainEvent], str] = {
    ev.ActivityOpened: "opened_on",
    ev.SeriousIncidentNotified: "notified_on",
    ev.RapidReviewCompleted: "completed_on",
    ev.FamilyInvolvementOffered: "offered_on",
    ev.FindingRecorded: "recorded_on",
    fnd.FindingAmended: "amended_on",
    fnd.FindingWithdrawn: "withdrawn_on",
    ev.ActivityReported: "reported_on",
    ev.ActivitySignedOff: "signed_off_on",
    ev.FinalReportSentToPanel: "sent_on",
    ev.ActivityPublished: "published_on",
    ev.ActivityClosed: "closed_on",
    ev.LearningAcknowledged: "acknowledged_on",
    rr.RapidReviewRecommended: "recommended_on",
    rr.PanelViewRecorded: "received_on",
    rr.PracticeReviewCommissioningDecided: "decided_on",
    rec.RecommendationMade: "made_on",
    rec.RecommendationDecided: "decided_on",
    DecisionRecorded: "meeting_on",
    act.ActionProgressNoted: "noted_on",
    act.ActionCompleted: "completed_on",
    act.ActionImpactAssured: "assured_on",
    brf.BriefingDrafted: "drafted_on",
    brf.BriefingEdited: "edited_on",
    brf.BriefingApproved: "approved_on",
    brf.BriefingPublished: "published_on",
}
"""The field of each event that says on which day the thing happened."""

NOT_WHEN_IT_HAPPENED: dict[type[DomainEvent], str] = {
    act.ActionAgreed: "due_on is when the action falls due",
    act.ActionRescheduled: "due_on is the new due day",
    act.ActionReopened: "due_on is the new due day",
    ev.PublicationPlanned: "planned_on is the day publication is planned for",
}
"""Events whose dates are not the day they happened (they are carried forward instead)."""




def record_of(event_class: type[DomainEvent]) -> type[AggregateState] | None:
    """The kind of record an event evolves (its AggregateEvent[...] argument)."""
    for base in event_class.__mro__:
        args = getattr(base, "__pydantic_generic_metadata__", {}).get("args")
        if args and isinstance(args[0], type) and issubclass(args[0], AggregateState):
            return args[0]
    return None


RECORDS: tuple[type[AggregateState], ...] = (Activity, rec.Recommendation, Action, Decision)
"""The records the effective reading reads by their own dates."""
RECORD_EVENTS = frozenset(c for c in EVENT_CLASSES if record_of(c) in RECORDS)


@dataclass(frozen=True)
class AsAt:
    """One reading at one moment: `instant` for "recorded", `day` for "effective"."""

    reading: Reading
    instant: datetime | None = None
    on: date | None = None

    @classmethod
    def recorded(cls, instant: datetime) -> AsAt:
        return cls("recorded", instant=instant)

    @classmethod
    def effective(cls, day: date) -> AsAt:
        return cls("effective", on=day)

    @classmethod
    def of(cls, as_of: datetime | None, as_at_day: date | None) -> AsAt | None:
        """The reading the API's two parameters ask for (None: now); both at once is refused."""
        if as_of is not None and as_at_day is not None:
            raise InvalidInput(
                "two_readings",
                "Ask for one reading: as_of (what lif had recorded by an instant) or as_at_day "
                "(what the records' own dates say held on a day), not both.",
                "as_at_day",
            )
        if as_of is not None:
            return cls.recorded(as_of)
        return cls.effective(as_at_day) if as_at_day is not None else None

    @property
    def day(self) -> date:
        """The day RAG ratings and deadlines are judged on."""
        if self.on is not None:
            return self.on
        assert self.instant is not None
        return self.instant.date()  # the day at the instant's own offset, as the API always read it

    @property
    def end(self) -> datetime:
        """The latest instant the reading can include (the end of the day, for "effective")."""
        if self.instant is not None:
            return self.instant
        return datetime.combine(self.day, time.max, tzinfo=UTC)

    def describe(self) -> str:
        """The words a page says it shows."""
        if self.reading == "recorded":
            return f"As recorded by {_instant_words(self.instant or self.end)}"
        return f"As the records' own dates say on {_day_words(self.day)}"


def _day_words(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def _instant_words(instant: datetime) -> str:
    try:
        at = instant.astimezone(UTC)
    except OverflowError:  # an instant at the calendar's edge, with an offset past it
        return instant.isoformat()
    return f"{_day_words(at.date())} {at.strftime('%H:%M')} UTC"


def accepted_on(events: Iterable[DomainEvent]) -> dict[UUID, date]:
    """The day each recommendation among `events` was accepted."""
    return {
        e.originator_id: e.decided_on for e in events
        if isinstance(e, rec.RecommendationDecided) and e.outcome is rec.DecisionOutcome.ACCEPT
    }


EventKey = tuple[UUID, int]
"""(originator_id, originator_version): one event."""


def key_of(e: DomainEvent) -> EventKey:
    return e.originator_id, e.originator_version


def effective_dates(stream: list[DomainEvent], accepted: dict[UUID, date] | None = None) -> dict[EventKey, date]:
    """Each event's effective date (module docstring); `stream` holds whole records, each
    in its own order (several records may be interleaved)."""
    accepted = accepted if accepted is not None else accepted_on(stream)
    last: dict[UUID, date] = {}
    dates: dict[EventKey, date] = {}
    for e in stream:
        field = DATED.get(type(e))
        own: date | None = getattr(e, field) if field else None
        if own is None and isinstance(e, act.ActionAgreed):
            own = accepted.get(e.recommendation_id)
        before = last.get(e.originator_id)
        if own is None:
            own = before if before is not None else e.timestamp.astimezone(UTC).date()
        elif before is not None and before > own:
            own = before
        last[e.originator_id] = dates[key_of(e)] = own
    return dates


def events_as_at(stream: Iterable[DomainEvent], as_at: AsAt, accepted: dict[UUID, date] | None = None,
                 ) -> list[DomainEvent]:
    """The events of `stream` the reading counts, in the order they were recorded."""
    events = list(stream)
    if as_at.reading == "recorded":
        chosen = [e for e in events if e.timestamp <= as_at.end]
    else:
        dates = effective_dates(events, accepted)
        chosen = [e for e in events if type(e) not in RECORD_EVENTS or dates[key_of(e)] <= as_at.day]
    chosen.sort(key=lambda e: e.timestamp)
    return chosen


def load_as_at(store: EventStore, aggregate_id: UUID, kind: type[S], as_at: AsAt | None) -> S | None:
    """The record now (None), or as `as_at` reads it; None if it did not exist then."""
    if as_at is None:
        return store.load(aggregate_id, kind)
    if as_at.reading == "recorded":
        return store.load(aggregate_id, kind, as_of=as_at.end)
    events = [e for e in store.events_of(aggregate_id) if isinstance(e, AggregateEvent)]
    accepted: dict[UUID, date] = {}
    if events and isinstance(events[0], act.ActionAgreed):
        accepted = accepted_on(store.events_of(events[0].recommendation_id))
    chosen = [e for e in events_as_at(events, as_at, accepted) if isinstance(e, AggregateEvent)]
    state = project(None, chosen)
    return state if isinstance(state, kind) else None
