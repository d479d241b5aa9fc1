"""Commands: what a person or a service asks the partnership to record, one declaration each.

A declaration is the command's payload class (its fields are the HTTP/JSON body) under
`@declare(run, path, roles, claims=...)`: the domain function it runs, its HTTP path
relative to the partnership, and who may run it (role -> scope name, as
services/application/auth/policy.py `SCOPES` names them). Everything else is derived from
`DECLARATIONS`: the POST route (operation id = `name`, summary = the docstring), the
handler, the policy rule (also for /v1/ingest and Kafka ingest), the answer's status
(201 when it creates an aggregate) and model. See domain/commands/base.py for what is read
off the domain function.

To add a command:

1. In the aggregate's module (domain/activity.py, ...): the event class, with its `TOPIC`,
   its audit line `SUMMARY` (a template over its fields) and, if it is learning, `LEARNING`;
   and the function that decides it, `(target, [partnership,] ctx, *, <fields>) -> Change[...]`.
2. In this package's module for that aggregate: the command class, under `@declare(...)`,
   with fields named as the function's keyword parameters. Client-chosen ids go in
   `claims`. (Re-exporting it below only lets Python code write `commands.TheCommand`.)

Nothing else is edited: tests/unit/test_command_declarations.py checks that every command
has its route, rule, handler and audit lines.
"""

from __future__ import annotations

from domain.commands.action import (
    AgreeAction,
    AssureAction,
    CompleteAction,
    EvidenceItem,
    NoteProgress,
    ReopenAction,
    RescheduleAction,
)
from domain.commands.activity import (
    AcknowledgeLearning,
    AmendFinding,
    AppointLeadReviewer,
    CloseActivity,
    CompleteRapidReview,
    InvolveAgency,
    NotifySeriousIncident,
    OfferFamilyInvolvement,
    OpenActivity,
    PlanPublication,
    PublishActivity,
    RecordChildVoice,
    RecordFinding,
    RecordPanelView,
    RecordPractitionerInvolvement,
    RecordRapidReviewRecommendation,
    ReportActivity,
    SendFinalReport,
    StartActivity,
    WithdrawFinding,
)
from domain.commands.base import DECLARATIONS, Claim, Command, Declaration, declare
from domain.commands.briefing import ApproveBriefing, DraftBriefing, EditBriefing, PublishBriefing
from domain.commands.meeting import (
    AddAgendaItem,
    ApproveMinutes,
    CompleteMeetingAction,
    DraftAgenda,
    LogMeetingAction,
    PublishAgenda,
    RecordAttendance,
    RecordMinutes,
    RemoveAgendaItem,
    ReorderAgenda,
)
from domain.commands.newsletter import ApproveNewsletter, DraftNewsletter, EditNewsletter, IssueNewsletter
from domain.commands.partnership import (
    AddAgency,
    AddForum,
    RedactText,
    RegisterPartnership,
    RegisterWebhook,
    ScheduleMeeting,
    SetReminderPolicy,
    SetRouting,
    SetSignInClaims,
    Subscribe,
    Unsubscribe,
)
from domain.commands.recommendation import MakeRecommendation, RecordDecision
from domain.commands.reports import PublishYearlyReport, SendYearlyReportToPanel

COMMANDS: dict[str, type[Command]] = {name: d.command for name, d in DECLARATIONS.items()}

__all__ = [
    "COMMANDS",
    "DECLARATIONS",
    "AcknowledgeLearning",
    "AddAgency",
    "AddAgendaItem",
    "AddForum",
    "AgreeAction",
    "AmendFinding",
    "AppointLeadReviewer",
    "ApproveBriefing",
    "ApproveMinutes",
    "ApproveNewsletter",
    "AssureAction",
    "Claim",
    "CloseActivity",
    "Command",
    "CompleteAction",
    "CompleteMeetingAction",
    "CompleteRapidReview",
    "Declaration",
    "DraftAgenda",
    "DraftBriefing",
    "DraftNewsletter",
    "EditBriefing",
    "EditNewsletter",
    "EvidenceItem",
    "InvolveAgency",
    "IssueNewsletter",
    "LogMeetingAction",
    "MakeRecommendation",
    "NoteProgress",
    "NotifySeriousIncident",
    "OfferFamilyInvolvement",
    "OpenActivity",
    "PlanPublication",
    "PublishActivity",
    "PublishAgenda",
    "PublishBriefing",
    "PublishYearlyReport",
    "RecordAttendance",
    "RecordChildVoice",
    "RecordDecision",
    "RecordFinding",
    "RecordMinutes",
    "RecordPanelView",
    "RecordPractitionerInvolvement",
    "RecordRapidReviewRecommendation",
    "RedactText",
    "RegisterPartnership",
    "RegisterWebhook",
    "RemoveAgendaItem",
    "ReopenAction",
    "ReorderAgenda",
    "ReportActivity",
    "RescheduleAction",
    "ScheduleMeeting",
    "SendFinalReport",
    "SendYearlyReportToPanel",
    "SetReminderPolicy",
    "SetRouting",
    "SetSignInClaims",
    "StartActivity",
    "Subscribe",
    "Unsubscribe",
    "WithdrawFinding",
    "declare",
]
