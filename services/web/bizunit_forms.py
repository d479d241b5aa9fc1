"""The business unit's forms: which command each is, and what the declaration cannot say of it
(labels, hints, the partnership's agencies and forums as choices by name).

The lifecycle steps an activity page offers are `STEPS`: each a declared command on the activity
and the statuses in which the page offers it. The offer is the page's; the rule is the domain's
(domain/activity.py), whose refusal, if it refuses, is shown on the step's form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.activity import Activity, ActivityStatus
from domain.commands import (
    DECLARATIONS,
    AgreeAction,
    MakeRecommendation,
    OpenActivity,
    RecordDecision,
    RecordFinding,
)
from domain.framework import DEFAULT_SOURCES, PARTNERSHIP_AGENCY, SourceKind
from domain.partnership import Partnership
from services.web.command_forms import Choice, FormField, describe

S = ActivityStatus
EVERY_STATUS = frozenset(S)
OPEN = frozenset({S.OPENED, S.IN_PROGRESS})
RATIONALE_HINT = "Why: shown in the audit trail."


@dataclass(frozen=True)
class Step:
    command: str
    button: str
    statuses: frozenset[ActivityStatus]
    fields: tuple[str, ...]
    when: Callable[[Activity], bool] = lambda _: True
    verb: str | None = None
    """Set for a change that matters: the page asks to check the answers first, to `verb`."""

    @property
    def slug(self) -> str:
        return self.command.replace("_", "-")

    def offered(self, a: Activity) -> bool:
        return a.status in self.statuses and self.when(a)


def _rapid(a: Activity) -> bool:
    return a.kind is SourceKind.RAPID_REVIEW


STEPS: tuple[Step, ...] = (
    Step("appoint_lead_reviewer", "Appoint a lead reviewer", OPEN, ("reviewer_name", "agency_id")),
    Step("involve_agency", "Involve an agency", OPEN | {S.REPORTED}, ("agency_id",)),
    Step("start_activity", "Start the activity", frozenset({S.OPENED}), ()),
    Step("notify_serious_incident", "Record the notification to the national Panel", EVERY_STATUS, ("notified_on",),
         when=lambda a: a.aware_on is not None and a.notified_on is None),
    Step("complete_rapid_review", "Complete the rapid review", EVERY_STATUS, ("completed_on",),
         when=lambda a: _rapid(a) and a.rapid_review_completed_on is None),
    Step("record_rapid_review_recommendation", "Record the rapid review's recommendation", EVERY_STATUS,
         ("recommends", "reasons", "recommended_on"),
         when=lambda a: _rapid(a) and a.rapid_review_recommendation is None),
    Step("record_panel_view", "Record the national Panel's view", EVERY_STATUS, ("view", "summary", "received_on"),
         when=lambda a: _rapid(a) and a.rapid_review_recommendation is not None and a.panel_view is None),
    Step("record_practitioner_involvement", "Record practitioners' involvement", OPEN, ("summary",)),
    Step("offer_family_involvement", "Record the offer of family involvement", OPEN,
         ("offered_on", "response", "summary")),
    Step("record_child_voice", "Record the child's voice", OPEN | {S.REPORTED}, ("summary",)),
    Step("report_activity", "Report the activity", frozenset({S.IN_PROGRESS}), ("report_summary", "reported_on")),
    Step("plan_publication", "Plan publication", OPEN | {S.REPORTED, S.SIGNED_OFF}, ("planned_on",)),
    Step("send_final_report", "Send the final report to the Panel", frozenset({S.REPORTED, S.SIGNED_OFF}),
         ("sent_on",), when=lambda a: a.kind is SourceKind.SAFEGUARDING_PRACTICE_REVIEW
         and a.final_report_sent_on is None),
    Step("publish_activity", "Publish the report", frozenset({S.SIGNED_OFF}), ("published_on", "url")),
    Step("close_activity", "Close the activity", frozenset({S.SIGNED_OFF, S.PUBLISHED}), ("closed_on",),
         verb="close the activity"),
)
STEP_BY_SLUG = {s.slug: s for s in STEPS}
for _step in STEPS:
    assert DECLARATIONS[_step.command].target is Activity, _step.command

SIGN_OFF = Step("record_decision", "Record the sign-off decision", frozenset({S.REPORTED}),
                ("forum_id", "meeting_on", "outcome", "decided_by", "chairs_action"), verb="record the sign-off")


def agencies(p: Partnership) -> list[Choice]:
    return sorted((Choice(a.agency_id, a.name) for a in p.agencies.values()), key=lambda c: c.text.lower())


def forums(p: Partnership) -> list[Choice]:
    return [Choice(f.forum_id, f.name) for f in p.forums.values()]


def _rationale() -> dict[str, str]:
    return {"rationale": "Why"}


def step_fields(step: Step, p: Partnership) -> tuple[FormField, ...]:
    command = DECLARATIONS[step.command].command
    labels = {"agency_id": "Agency", "reviewer_name": "Reviewer's name", "summary": "Summary",
              "report_summary": "What the report says", "url": "Web address of the published report",
              **_rationale()}
    hints = {"rationale": RATIONALE_HINT}
    if step.command == "appoint_lead_reviewer":
        hints["agency_id"] = "Leave as None when the reviewer is independent of every agency."
    return describe(command, (*step.fields, "rationale"), labels=labels, hints=hints,
                    choices={"agency_id": agencies(p)})


def decision_fields(p: Partnership, forum_ids: list[str] | None = None) -> tuple[FormField, ...]:
    choices = [c for c in forums(p) if forum_ids is None or c.value in forum_ids]
    return describe(
        RecordDecision, ("forum_id", "meeting_on", "outcome", "decided_by", "chairs_action", "rationale"),
        labels={"forum_id": "Forum", "meeting_on": "Date of the meeting", "decided_by": "Who decided",
                "chairs_action": "Chair's action", "rationale": "Rationale"},
        hints={"decided_by": "The chair or members, one a line.",
               "chairs_action": "Decided by the chair outside a meeting (say why in the rationale)",
               "meeting_on": "One of the forum's meetings, unless it is a chair's action.",
               "rationale": "Why the forum decided so: shown in the audit trail."},
        choices={"forum_id": choices}, widgets={"decided_by": "lines"}, required=("rationale",),
    )


def open_fields(p: Partnership) -> tuple[FormField, ...]:
    kinds = [
        Choice(kind.value, source.title, f"Signed off by {p.forums[p.routing[kind].sign_off_forum].name}"
               if kind in p.routing and p.routing[kind].sign_off_forum in p.forums else None)
        for kind, source in DEFAULT_SOURCES.items() if kind in p.routing
    ]
    return describe(
        OpenActivity,
        ("kind", "title", "scope", "opened_on", "aware_on", "case_reference", "agencies_involved", "rationale"),
        labels={"kind": "Method of learning", "scope": "Scope", "opened_on": "Date opened",
                "aware_on": "Date the partnership became aware of the serious incident",
                "case_reference": "Case reference", "agencies_involved": "Agencies involved",
                **_rationale()},
        hints={"title": "For example, Thematic audit: neglect in the early years",
               "scope": "What the activity will look at, and why.",
               "aware_on": "Needed for a rapid review or a safeguarding practice review: it starts the statutory "
                           "clocks.",
               "case_reference": "A pseudonymous reference: never a child's name or date of birth.",
               "rationale": "Why this scale is proportionate: required for a review that needs an independent "
                            "lead."},
        choices={"kind": kinds, "agencies_involved": agencies(p)},
    )


def finding_fields(p: Partnership) -> tuple[FormField, ...]:
    return describe(
        RecordFinding, ("category", "themes", "summary", "agencies_concerned", "recorded_on", "rationale"),
        labels={"category": "Category", "themes": "Themes", "summary": "Finding",
                "agencies_concerned": "Agencies concerned", "recorded_on": "Date recorded", **_rationale()},
        hints={"themes": "Choose every theme the finding is about.", "rationale": RATIONALE_HINT},
        choices={"agencies_concerned": agencies(p)},
    )


def recommendation_fields(a: Activity, p: Partnership) -> tuple[FormField, ...]:
    findings = [Choice(str(f.finding_id), f.summary[:120] + ("…" if len(f.summary) > 120 else ""))
                for f in a.current_findings]
    return describe(
        MakeRecommendation, ("finding_ids", "text", "addressed_to", "made_on", "rationale"),
        labels={"finding_ids": "Drawn from the findings", "text": "Recommendation", "addressed_to": "Addressed to",
                "made_on": "Date made", **_rationale()},
        hints={"addressed_to": "The agencies that should act on it, or the partnership as a whole.",
               "rationale": RATIONALE_HINT},
        choices={"finding_ids": findings,
                 "addressed_to": [Choice(PARTNERSHIP_AGENCY, "The partnership as a whole"), *agencies(p)]},
    )


def action_fields(p: Partnership) -> tuple[FormField, ...]:
    return describe(
        AgreeAction, ("owner_agency_id", "description", "due_on", "rationale"),
        labels={"owner_agency_id": "Agency that owns the action", "description": "What the agency will do",
                "due_on": "Due date", **_rationale()},
        hints={"rationale": RATIONALE_HINT},
        choices={"owner_agency_id": agencies(p)},
    )
