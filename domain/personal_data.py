"""Personal details of children and family members, held so that they can be forgotten.

Where a case file must hold a child's or family member's name, date of birth and
address, those details never enter an event in clear. A case file names its data subject by
a pseudonymous `subject_ref`; the details travel in events only as ciphertext,
encrypted under a key kept for that one subject outside the event log
(services/application/subjects/). Erasing a subject destroys the key ("crypto-shredding"):
the events stay, immutable and hash-chained, but their personal details can no
longer be read and show as `[redacted]`, while the decision trail (who did what,
when, why) survives.

Free-text fields (rationales) are not encrypted: they must not name anyone.

This module is pure: the encryption itself is done by the service layer.
"""

from __future__ import annotations

import base64
import binascii
import calendar
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from pydantic import BaseModel, ConfigDict, Field

from domain.aggregate import AggregateEvent, AggregateState, Change, Context, base_fields
from domain.dates import not_after_today
from domain.errors import InvalidInput, RuleViolation
from domain.events import DomainEvent
from domain.framework import SourceKind
from domain.privacy import check_case_reference

REDACTED = "[redacted]"
"""What a reader sees in place of personal details whose subject was erased."""

CIPHERTEXT_PREFIX = "aesgcm1:"
"""Marks a field as ciphertext (AES-GCM, nonce || ciphertext || tag, base64)."""

_MIN_CIPHERTEXT_BYTES = 12 + 16  # nonce + tag


class SubjectRole(StrEnum):
    CHILD = "child"
    PARENT_OR_CARER = "parent_or_carer"
    SIBLING = "sibling"
    OTHER_FAMILY_MEMBER = "other_family_member"


def new_subject_ref() -> str:
    """A pseudonymous reference that says nothing about the person."""
    return "DS-" + uuid4().hex[:20].upper()


class DataSubject(BaseModel):
    """A person whose personal data a case file holds, by pseudonymous reference only."""

    model_config = ConfigDict(frozen=True)

    subject_ref: str = Field(pattern=r"^DS-[0-9A-F]{20}$")
    role: SubjectRole


class PersonalDetails(BaseModel):
    """The personal details themselves: only ever encrypted into events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    date_of_birth: date | None = None
    address: str | None = Field(default=None, min_length=1, max_length=500)
    """A postal address, lines apart by commas or newlines (the first line is the house and street)."""


# The partnership's data-protection policy default: how many years after a case file
# is closed its subject's personal data is kept before erasure, per kind of source.
# Practice reviews and child deaths are kept long (a child may ask for their record
# into adulthood); audits and assurance work for six years. A partnership that
# adopts a different schedule changes it here.
RETENTION_YEARS: dict[SourceKind, int] = {
    SourceKind.SAFEGUARDING_PRACTICE_REVIEW: 25,
    SourceKind.RAPID_REVIEW: 25,
    SourceKind.MULTI_AGENCY_PRACTICE_LEARNING_REVIEW: 25,
    SourceKind.CRITICAL_INCIDENT_REVIEW: 25,
    SourceKind.CHILD_DEATH_REVIEW: 25,
    SourceKind.BEST_PRACTICE_PANEL: 6,
    SourceKind.SINGLE_AGENCY_REVIEW: 15,
    SourceKind.MULTI_AGENCY_CASE_AUDIT: 6,
    SourceKind.THEMATIC_AUDIT: 6,
    SourceKind.SINGLE_AGENCY_AUDIT: 6,
    SourceKind.SECTION_11_AUDIT: 6,
    SourceKind.SECTION_157_175_AUDIT: 6,
    SourceKind.QUALITY_ASSURANCE_ACTIVITY: 6,
    SourceKind.TRAINING_IMPACT_EVALUATION: 6,
}

ErasureBasis = Literal["request", "retention"]


class CaseFile(AggregateState):
    case_reference: str
    source_kind: SourceKind
    subject: DataSubject
    details_ciphertext: str | None
    details_recorded_at: datetime | None = None
    """When the details now held were recorded (opened, or corrected since)."""
    closed_on: date | None = None
    erased_on: datetime | None = None

    @property
    def erased(self) -> bool:
        return self.erased_on is not None

    @property
    def subject_ref(self) -> str:
        return self.subject.subject_ref


class CaseFileOpened(AggregateEvent[CaseFile]):
    TOPIC = "lif.case_file.opened"
    case_reference: str
    source_kind: SourceKind
    subject_ref: str
    role: SubjectRole
    details_ciphertext: str

    def apply(self, state: CaseFile | None) -> CaseFile:
        return CaseFile(
            **base_fields(self),
            case_reference=self.case_reference,
            source_kind=self.source_kind,
            subject=DataSubject(subject_ref=self.subject_ref, role=self.role),
            details_ciphertext=self.details_ciphertext,
            details_recorded_at=self.timestamp,
        )


class PersonalDetailsRecorded(AggregateEvent[CaseFile]):
    TOPIC = "lif.case_file.personal_details_recorded"
    details_ciphertext: str

    def apply(self, state: CaseFile | None) -> CaseFile:
        assert state is not None
        return state.model_copy(
            update={"details_ciphertext": self.details_ciphertext, "details_recorded_at": self.timestamp}
        )


class CaseFileClosed(AggregateEvent[CaseFile]):
    TOPIC = "lif.case_file.closed"
    closed_on: date

    def apply(self, state: CaseFile | None) -> CaseFile:
        assert state is not None
        return state.model_copy(update={"closed_on": self.closed_on})


class SubjectErased(AggregateEvent[CaseFile]):
    """The subject's key was destroyed: their details in this file are unreadable for good."""

    TOPIC = "lif.case_file.subject_erased"
    subject_ref: str
    basis: ErasureBasis

    def apply(self, state: CaseFile | None) -> CaseFile:
        assert state is not None
        return state.model_copy(update={"erased_on": self.timestamp})


class RetentionRunStarted(DomainEvent):
    """One process took a partnership's day of the retention schedule (the first event of the
    day's stream, so two processes or a restart cannot both run it), with the subjects then due."""

    TOPIC = "lif.case_file.retention_run_started"
    SUMMARY = "Retention schedule for {run_on} started: {due_count} subject(s) due"
    run_on: date
    due_count: int


DetailsReadIn = Literal["case_file", "history"]


class PersonalDetailsRead(DomainEvent):
    """Someone read a case file's personal details: who (`principal`), when (`timestamp`) and
    why (`rationale`, the reason they gave). One log of reads per case file, apart from the
    case file itself, so a read never moves the version a command is checked against."""

    TOPIC = "lif.case_file.personal_details_read"
    SUMMARY = "Personal details of {subject_ref} read ({read_in}) in case file {case_file_id}"
    case_file_id: UUID
    subject_ref: str
    read_in: DetailsReadIn
    """What was read: the case file, or its replayed history."""


def reads_aggregate_id(case_file_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"lif:case-file-reads:{case_file_id}")


def read_personal_details(
    cf: CaseFile, ctx: Context, *, read_in: DetailsReadIn, version: int
) -> PersonalDetailsRead:
    """The record of a read, refused unless the reader states a reason (`ctx.rationale`).
    `version`: the read's place in the case file's log of reads."""
    if not (ctx.rationale or "").strip():
        raise InvalidInput(
            "reason_required", "Reading personal details needs a reason; it is recorded with the read.", "reason"
        )
    return PersonalDetailsRead(
        originator_id=reads_aggregate_id(cf.id), originator_version=version, partnership_id=cf.partnership_id,
        principal=ctx.principal, rationale=ctx.rationale, case_file_id=cf.id, subject_ref=cf.subject.subject_ref,
        read_in=read_in,
    )


class RetentionRun(DomainEvent):
    """The retention schedule applied to one partnership's case files on one day, and what it did."""

    TOPIC = "lif.case_file.retention_run"
    SUMMARY = "Retention schedule for {run_on}: erased {erased}; not yet erased {failed}"
    run_on: date
    erased: tuple[str, ...] = ()
    """The subjects erased as due."""
    failed: tuple[str, ...] = ()
    """Subjects due but not erased, each as `DS-...: code`: erasing them again completes it."""


def retention_run_id(partnership_id: str, run_on: date) -> UUID:
    """One run per partnership and day, whichever process or restart runs it."""
    return uuid5(NAMESPACE_URL, f"lif:retention-run:{partnership_id}:{run_on.isoformat()}")


def check_ciphertext(value: str, field: str = "details_ciphertext") -> str:
    """Refuses anything that is not our ciphertext format, so clear text cannot slip in."""
    if not value.startswith(CIPHERTEXT_PREFIX):
        raise InvalidInput("personal_data_not_encrypted", "Personal details are stored encrypted only.", field)
    try:
        raw = base64.b64decode(value[len(CIPHERTEXT_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "personal_data_not_encrypted", "Personal details are stored encrypted only.", field
        ) from None
    if len(raw) < _MIN_CIPHERTEXT_BYTES:
        raise InvalidInput("personal_data_not_encrypted", "Personal details are stored encrypted only.", field)
    return value


def open_case_file(
    ctx: Context,
    *,
    case_reference: str,
    source_kind: SourceKind,
    subject: DataSubject,
    details_ciphertext: str,
    case_file_id: UUID | None = None,
) -> Change[CaseFile]:
    check_case_reference(case_reference)
    check_ciphertext(details_ciphertext)
    c: Change[CaseFile] = Change(None, case_file_id or uuid4())
    return c.trigger(
        CaseFileOpened,
        ctx,
        case_reference=case_reference,
        source_kind=source_kind,
        subject_ref=subject.subject_ref,
        role=subject.role,
        details_ciphertext=details_ciphertext,
    )


def _not_erased(cf: CaseFile) -> None:
    if cf.erased:
        raise RuleViolation(
            "subject_erased", "This case file's data subject was erased; their details cannot be recorded again."
        )


def record_personal_details(cf: CaseFile, ctx: Context, *, details_ciphertext: str) -> Change[CaseFile]:
    _not_erased(cf)
    check_ciphertext(details_ciphertext)
    return Change(cf, cf.id).trigger(PersonalDetailsRecorded, ctx, details_ciphertext=details_ciphertext)


def close_case_file(cf: CaseFile, ctx: Context, *, closed_on: date, today: date | None = None) -> Change[CaseFile]:
    """`today`: England's date now unless given (tests set the clock)."""
    if cf.closed_on is not None:
        raise RuleViolation("case_file_closed", f"This case file was closed on {cf.closed_on}.")
    # A closure dated ahead would push the retention schedule, and so erasure, out by as much.
    not_after_today("closed_on", closed_on, "a case file's closure", today)
    if closed_on < cf.created_on.date():
        raise RuleViolation(
            "closed_before_opened",
            f"A case file cannot close before it was opened: closed_on must be on or after {cf.created_on.date()}.",
            "closed_on",
        )
    return Change(cf, cf.id).trigger(CaseFileClosed, ctx, closed_on=closed_on)


def erase_subject(cf: CaseFile, ctx: Context, *, basis: ErasureBasis) -> Change[CaseFile]:
    """Records the erasure decision; the caller destroys the subject's key."""
    if not (ctx.rationale or "").strip():
        raise InvalidInput("rationale_required", "An erasure records its rationale.", "rationale")
    _not_erased(cf)
    return Change(cf, cf.id).trigger(SubjectErased, ctx, subject_ref=cf.subject.subject_ref, basis=basis)


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February falls back to the 28th."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def retention_ends(cf: CaseFile, schedule: dict[SourceKind, int] | None = None) -> date | None:
    """The day from which the subject's data is due for erasure; None while the file is open."""
    if cf.closed_on is None:
        return None
    return add_years(cf.closed_on, (schedule or RETENTION_YEARS)[cf.source_kind])


def due_for_erasure(
    case_files: Iterable[CaseFile], today: date, schedule: dict[SourceKind, int] | None = None
) -> list[CaseFile]:
    """Closed, not yet erased case files whose retention period has ended by `today`."""
    due: list[tuple[date, CaseFile]] = []
    for cf in case_files:
        ends = retention_ends(cf, schedule)
        if ends is not None and ends <= today and not cf.erased:
            due.append((ends, cf))
    return [cf for _, cf in sorted(due, key=lambda pair: (pair[0], pair[1].case_reference, str(pair[1].id)))]


def subjects_due_for_erasure(
    case_files: Iterable[CaseFile], today: date, schedule: dict[SourceKind, int] | None = None
) -> dict[str, list[CaseFile]]:
    """Subjects whose every case file is past retention (one key serves all their files).

    A child in both a practice review (kept 25 years) and an audit (kept 6) is due only
    when the review's period ends too: destroying the key earlier would erase both.
    Maps each due subject_ref to its case files not yet erased, earliest due first.
    """
    by_subject: dict[str, list[CaseFile]] = {}
    for cf in case_files:
        by_subject.setdefault(cf.subject.subject_ref, []).append(cf)
    due: dict[str, list[CaseFile]] = {}
    for ref, files in by_subject.items():
        pending = [cf for cf in files if not cf.erased]
        if pending and len(due_for_erasure(pending, today, schedule)) == len(pending):
            due[ref] = due_for_erasure(pending, today, schedule)
    return dict(sorted(due.items(), key=lambda item: (retention_ends(item[1][-1], schedule) or today, item[0])))
