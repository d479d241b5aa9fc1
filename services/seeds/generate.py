"""A realistic, reproducible history for tests and benchmarks.

`generate_history(service, n_events, seed)` drives the real commands (through
`LearningService.ingest`, in batches, so that a million events take minutes,
not hours) for one partnership: activities of every kind opened, staffed and
reported; findings with themes; recommendations decided (accepted, rejected,
deferred) by the forums the routing names; actions agreed, progressed,
rescheduled, completed, assured and reopened. Activities and actions run
interleaved, as they do in life. The same seed gives the same commands.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.framework import DEFAULT_AGENCIES, DEFAULT_SOURCES, PARTNERSHIP_AGENCY, SourceKind, Theme
from services.application.service import LearningService

Item = dict[str, Any]
_SERIOUS = {SourceKind.RAPID_REVIEW, SourceKind.SAFEGUARDING_PRACTICE_REVIEW}
_PRINCIPALS = (
    "business-manager@partnership", "arlf-chair@partnership", "lead.reviewer@independent",
    "analyst@council", "di.smith@police", "named.nurse@nhs", "dsl@school", "kafka:ingest",
)
_WORDS = (
    "information sharing between health and police was delayed",
    "the voice of the child was not recorded at strategy meetings",
    "fathers and male carers were not engaged",
    "neglect was not recognised over a long period",
    "escalation policy was not used when concerns persisted",
    "good practice: the school nurse persisted in seeking consent",
    "thresholds were applied inconsistently at the front door",
    "exploitation risk outside the home was not assessed",
)


@dataclass
class GenerationStats:
    events: int = 0
    commands: int = 0
    activities: int = 0
    recommendations: int = 0
    actions: int = 0
    seconds: float = 0.0
    principals: set[str] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _History:
    def __init__(self, partnership_id: str, rng: random.Random, stats: GenerationStats) -> None:
        self.pid = partnership_id
        self.rng = rng
        self.stats = stats
        self.agencies = [a.agency_id for a in DEFAULT_AGENCIES]
        self.routing = {kind: defaults.points_of_dissemination for kind, defaults in DEFAULT_SOURCES.items()}
        self.pool: list[Iterator[Item]] = []
        self.activity_scripts: set[int] = set()
        self.opened = 0
        self.meetings: set[tuple[str, date]] = set()

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def item(self, command: str, payload: dict[str, Any], target: UUID | None = None) -> Item:
        return {
            "partnership_id": self.pid,
            "command": command,
            "target_id": str(target) if target else None,
            "payload": payload,
        }

    def text(self) -> str:
        return self.rng.choice(_WORDS).capitalize() + "."

    # --- scripts -------------------------------------------------------------

    def setup(self) -> Iterator[Item]:
        yield self.item("register_partnership", {"partnership_id": self.pid, "display_name": "Generated Partnership"})
        # One partnership-specific routing, so views must follow RoutingSet, not the defaults.
        points = ("audit-review-learning-forum", "safeguarding-children-partnership-forum")
        self.routing[SourceKind.THEMATIC_AUDIT] = points
        yield self.item(
            "set_routing",
            {
                "source_kind": SourceKind.THEMATIC_AUDIT.value,
                "points_of_dissemination": list(points),
                "sign_off_forum": DEFAULT_SOURCES[SourceKind.THEMATIC_AUDIT].sign_off_forum,
                "rationale": "Thematic audits report to the children's partnership forum too.",
            },
        )

    def activity(self) -> Iterator[Item]:
        rng = self.rng
        kind = rng.choice(list(SourceKind))
        rules = DEFAULT_SOURCES[kind]
        activity_id = self.uuid()
        day = date(2023, 1, 2) + timedelta(days=self.opened * 3 % 1200)
        self.opened += 1
        self.stats.activities += 1
        involved = rng.sample(self.agencies, k=min(3, len(self.agencies)))
        opening: dict[str, Any] = {
            "activity_id": str(activity_id),
            "kind": kind.value,
            "title": f"{rules.title} #{self.opened}",
            "opened_on": day.isoformat(),
            "scope": "Agency involvement with the family over the previous year.",
            "agencies_involved": involved,
            "rationale": "Proportionate to the concerns raised.",
        }
        if kind in _SERIOUS:
            opening["aware_on"] = (day - timedelta(days=rng.randint(1, 5))).isoformat()
        yield self.item("open_activity", opening)
        if rules.requires_independent_lead:
            yield self.item("appoint_lead_reviewer", {"reviewer_name": "Independent Reviewer", "agency_id": None},
                            activity_id)
        yield self.item("start_activity", {}, activity_id)
        if kind is SourceKind.RAPID_REVIEW:
            yield self.item("complete_rapid_review", {"completed_on": (day + timedelta(days=14)).isoformat()},
                            activity_id)
        findings: list[UUID] = []
        for _ in range(rng.randint(1, 4)):
            day += timedelta(days=rng.randint(3, 20))
            finding_id = self.uuid()
            findings.append(finding_id)
            yield self.item(
                "record_finding",
                {
                    "finding_id": str(finding_id),
                    "category": rng.choice(["area_for_improvement"] * 4 + ["good_practice"]),
                    "summary": self.text(),
                    "themes": rng.sample([t.value for t in Theme], k=rng.randint(1, 3)),
                    "agencies_concerned": rng.sample(involved, k=rng.randint(0, len(involved))),
                    "recorded_on": day.isoformat(),
                },
                activity_id,
            )
        yield self.item("record_practitioner_involvement", {"summary": "Practitioner workshop held."}, activity_id)
        yield self.item(
            "offer_family_involvement",
            {"offered_on": day.isoformat(), "response": rng.choice(["accepted", "declined", "no_response"]),
             "summary": "Family offered a meeting with the lead."},
            activity_id,
        )
        yield self.item("record_child_voice", {"summary": "What the child told the school nurse."}, activity_id)
        day += timedelta(days=rng.randint(5, 30))
        yield self.item("report_activity", {"report_summary": self.text(), "reported_on": day.isoformat()}, activity_id)
        for _ in range(rng.randint(1, 3)):
            yield from self.recommendation(kind, activity_id, findings, day)
        day += timedelta(days=rng.randint(10, 40))
        yield from self.decision("activity_sign_off", activity_id, rules.sign_off_forum, "accept", day)
        if kind is SourceKind.SAFEGUARDING_PRACTICE_REVIEW:
            yield self.item("send_final_report", {"sent_on": day.isoformat()}, activity_id)
        if rules.requires_publication:
            day += timedelta(days=rng.randint(5, 30))
            yield self.item("publish_activity", {"published_on": day.isoformat(), "url": "https://example.org/r"},
                            activity_id)
        if rng.random() < 0.5:
            yield self.item("close_activity", {"closed_on": (day + timedelta(days=30)).isoformat()}, activity_id)

    def decision(self, subject: str, subject_id: UUID, forum: str, outcome: str, day: date) -> Iterator[Item]:
        # A forum decides at a meeting: the first decision on a day schedules it.
        if (forum, day) not in self.meetings:
            self.meetings.add((forum, day))
            yield self.item("schedule_meeting", {"forum_id": forum, "meets_on": day.isoformat()})
        yield self.item(
            "record_decision",
            {
                "decision_id": str(self.uuid()),
                "forum_id": forum,
                "meeting_on": day.isoformat(),
                "subject": subject,
                "subject_id": str(subject_id),
                "outcome": outcome,
                "decided_by": ["Independent Chair"],
                "rationale": "Agreed after discussion of the learning.",
            },
        )

    def recommendation(self, kind: SourceKind, activity_id: UUID, findings: list[UUID], day: date) -> Iterator[Item]:
        rng = self.rng
        recommendation_id = self.uuid()
        self.stats.recommendations += 1
        made_on = day + timedelta(days=rng.randint(0, 10))
        addressed = rng.sample(self.agencies, k=rng.randint(1, 2))
        if rng.random() < 0.3:
            addressed.append(PARTNERSHIP_AGENCY)
        yield self.item(
            "make_recommendation",
            {
                "recommendation_id": str(recommendation_id),
                "finding_ids": [str(f) for f in rng.sample(findings, k=rng.randint(1, len(findings)))],
                "text": "Agencies should act on this: " + self.text(),
                "addressed_to": addressed,
                "made_on": made_on.isoformat(),
            },
            activity_id,
        )
        forum = self.routing[kind][0]
        roll = rng.random()
        if roll < 0.1:
            yield from self.decision("recommendation", recommendation_id, forum, "reject", made_on + timedelta(days=14))
            return
        if roll < 0.25:
            yield from self.decision(
                "recommendation", recommendation_id, forum, "defer", made_on + timedelta(days=14)
            )
        decided_on = made_on + timedelta(days=rng.randint(14, 60))
        yield from self.decision("recommendation", recommendation_id, forum, "accept", decided_on)
        for _ in range(rng.randint(1, 3)):
            action_id = self.uuid()
            due_on = decided_on + timedelta(days=rng.randint(30, 400))
            self.stats.actions += 1
            self.pool.append(self.action(action_id, decided_on, due_on))
            yield self.item(
                "agree_action",
                {"action_id": str(action_id), "owner_agency_id": rng.choice(addressed[:1]),
                 "description": "Deliver: " + self.text().lower(), "due_on": due_on.isoformat()},
                recommendation_id,
            )

    def action(self, action_id: UUID, day: date, due_on: date) -> Iterator[Item]:
        rng = self.rng
        for _ in range(rng.randint(0, 3)):
            day += timedelta(days=rng.randint(10, 60))
            yield self.item(
                "note_progress",
                {"noted_on": day.isoformat(), "note": "Progress reported.", "on_track": rng.random() < 0.75},
                action_id,
            )
        if rng.random() < 0.15:
            due_on += timedelta(days=rng.randint(30, 120))
            yield self.item(
                "reschedule_action", {"due_on": due_on.isoformat(), "rationale": "Waiting on a new system."}, action_id
            )
        if rng.random() < 0.3:
            return  # still open
        day += timedelta(days=rng.randint(5, 90))
        yield self.item(
            "complete_action",
            {"completed_on": day.isoformat(), "evidence": [{"description": "Audit of ten cases shows the change."}]},
            action_id,
        )
        if rng.random() < 0.6:
            day += timedelta(days=rng.randint(20, 90))
            yield self.item(
                "assure_action",
                {"assured_on": day.isoformat(), "impact_statement": "Re-audit shows the practice has changed."},
                action_id,
            )
        if rng.random() < 0.08:
            yield self.item(
                "reopen_action",
                {"reason": "Re-audit found the change had not stuck.",
                 "due_on": (day + timedelta(days=rng.randint(30, 120))).isoformat()},
                action_id,
            )

    def next_item(self) -> Item:
        while True:
            if len(self.activity_scripts) < 8:
                script = self.activity()
                self.pool.append(script)
                self.activity_scripts.add(id(script))
            index = self.rng.randrange(len(self.pool))
            script = self.pool[index]
            try:
                return next(script)
            except StopIteration:
                self.pool.pop(index)
                self.activity_scripts.discard(id(script))


def generate_history(
    service: LearningService,
    n_events: int,
    seed: int = 0,
    partnership_id: str = "generated",
    batch_size: int = 200,
) -> GenerationStats:
    """Appends at least `n_events` events (a few more at most) for a new partnership."""
    rng = random.Random(seed)
    stats = GenerationStats()
    history = _History(partnership_id, rng, stats)
    recorder = service.store.recorder
    first = recorder.max_notification_id() or 0
    started = time.monotonic()

    def send(items: list[Item]) -> None:
        principal = rng.choice(_PRINCIPALS)
        stats.principals.add(principal)
        report = service.ingest(principal, items)
        if report.rejected:
            bad = report.rejected[0]
            raise RuntimeError(f"generated command refused: {items[bad.index]['command']}: {bad.code} {bad.message}")
        stats.commands += len(items)

    send(list(history.setup()))
    while True:
        written = (recorder.max_notification_id() or 0) - first
        remaining = n_events - written
        if remaining <= 0:
            break
        # Most commands write one event, decisions two: aim not to overshoot.
        count = max(1, min(batch_size, remaining * 2 // 3))
        send([history.next_item() for _ in range(count)])
    stats.events = (recorder.max_notification_id() or 0) - first
    stats.seconds = time.monotonic() - started
    return stats
