"""The personal data service: case files' commands and reads, and erasing a subject.

`PersonalDataService` opens case files, records and closes them (details sealed by
`cipher` under the key from `keys`), reads them back decrypted or `[redacted]`, and
erases a subject: the `SubjectErased` events first, then the key, then the erasure
hooks that modules holding derived copies register. The API router and `lif subjects`
both use it; it is apart from them, and from the cipher and key stores it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from eventsourcing.persistence import IntegrityError, RecordConflictError
from pydantic import BaseModel

from adapters.store import EventStore
from adapters.subject_cipher import decrypt_details, encrypt_details
from adapters.subject_keys import SubjectKeys
from adapters.subject_scrub import ErasureIncomplete
from domain.aggregate import Change, Context, check_version
from domain.dates import not_after_today
from domain.errors import DomainError, NotFound, RuleViolation
from domain.events import DomainEvent
from domain.framework import SourceKind
from domain.partnership import Partnership, partnership_uuid
from domain.personal_data import (
    REDACTED,
    RETENTION_YEARS,
    CaseFile,
    CaseFileOpened,
    DataSubject,
    DetailsReadIn,
    ErasureBasis,
    PersonalDetails,
    PersonalDetailsRead,
    PersonalDetailsRecorded,
    RetentionRun,
    RetentionRunStarted,
    SubjectRole,
    close_case_file,
    erase_subject,
    new_subject_ref,
    open_case_file,
    read_personal_details,
    reads_aggregate_id,
    record_personal_details,
    retention_ends,
    retention_run_id,
    subjects_due_for_erasure,
)
from domain.privacy import check_case_reference
from domain.screening import EMPTY, screen
from services.application.subjects.known import KnownIdentitiesCache, KnownIdentitiesSource, identities_of
from services.application.unit_of_work import UnitOfWork

RUN_ABANDONED = timedelta(hours=1)
"""A day started this long ago and not finished was abandoned (its process died): it is run again."""


# ------------------------------------------------------------------ erasure hooks

ErasureHook = Callable[[str, Sequence[UUID]], None]
"""Called with (subject_ref, case file ids) after a subject's key is destroyed."""

ERASURE_HOOKS: list[ErasureHook] = []


def register_erasure_hook(hook: ErasureHook) -> ErasureHook:
    """Projections or caches that hold derived copies of personal data register here."""
    if hook not in ERASURE_HOOKS:
        ERASURE_HOOKS.append(hook)
    return hook


# ------------------------------------------------------------------ the service


class HistoryEntry(BaseModel):
    """One event of a case file. Its `personal_details` (of an opening or a correction) are
    decrypted for a reader with a need to know, `[redacted]` after erasure, and otherwise
    null with `personal_details_withheld`."""

    version: int
    topic: str
    timestamp: datetime
    principal: str
    rationale: str | None
    fields: dict[str, Any]


class ErasureReport(BaseModel):
    subject_ref: str
    case_file_ids: list[UUID]
    events_recorded: int
    key_destroyed: bool


_ENVELOPE = {"originator_id", "originator_version", "timestamp", "event_id", "partnership_id", "principal", "rationale"}
"""Fields every event has; a history entry shows them apart from the event's own."""


class PersonalDataService:
    def __init__(self, store: EventStore, keys: SubjectKeys, known: KnownIdentitiesSource | None = None) -> None:
        self.store = store
        self.keys = keys
        self.known: KnownIdentitiesSource = known or KnownIdentitiesCache(store, lambda: self)
        """The identities a rationale is screened against: one cache may serve this service
        and the command service (services/api/app.py)."""

    def _screen(self, rationale: str | None, partnership_ids: Sequence[str], *details: PersonalDetails) -> None:
        """A rationale is recorded in clear: it must identify no one, least of all the subject."""
        if not rationale:
            return
        against = [self.known(p) for p in dict.fromkeys(partnership_ids)]
        if details:
            against.append(identities_of(list(details)))
        for known in against or [EMPTY]:
            screen(rationale, "rationale", known)

    # -- writes

    def _save(self, change: Change[CaseFile]) -> CaseFile:
        try:
            self.store.save(*change.events)
        except (IntegrityError, RecordConflictError):
            raise RuleViolation(
                "concurrent_write",
                "Another command changed the same record at the same time; re-read and retry.",
                "expected_version",
            ) from None
        return change.result

    def open(
        self,
        ctx: Context,
        *,
        case_reference: str,
        source_kind: SourceKind,
        role: SubjectRole,
        details: PersonalDetails,
        subject_ref: str | None = None,
        case_file_id: UUID | None = None,
    ) -> CaseFile:
        """Opens a case file for a new subject, or for a known one (`subject_ref`)."""
        UnitOfWork(self.store).partnership(ctx.partnership_id)
        _born_already(details)
        check_case_reference(case_reference, known=self.known(ctx.partnership_id))
        self._screen(ctx.rationale, [ctx.partnership_id], details)
        subject = DataSubject(subject_ref=subject_ref or new_subject_ref(), role=role)
        if subject_ref is not None:
            self._known_subject(ctx.partnership_id, subject_ref)
        case_file_id = case_file_id or uuid4()
        key = self.keys.create(subject.subject_ref, ctx.partnership_id)
        return self._save(
            open_case_file(
                ctx,
                case_reference=case_reference,
                source_kind=source_kind,
                subject=subject,
                details_ciphertext=encrypt_details(key, details, case_file_id, subject.subject_ref),
                case_file_id=case_file_id,
            )
        )

    def _known_subject(self, partnership_id: str, subject_ref: str) -> None:
        if not any(cf.subject.subject_ref == subject_ref for cf in self.case_files(partnership_id)):
            raise NotFound("unknown_subject", f"No data subject {subject_ref} in this partnership.", "subject_ref")

    def record_details(
        self, ctx: Context, case_file_id: UUID, details: PersonalDetails, expected_version: int | None = None
    ) -> CaseFile:
        cf = self.get(ctx.partnership_id, case_file_id)
        check_version(cf, expected_version)
        key = self.keys.get(cf.subject.subject_ref)
        if key is None:
            raise RuleViolation("subject_erased", f"Data subject {cf.subject.subject_ref} was erased.")
        _born_already(details)
        earlier = self._details(cf.id, cf.subject.subject_ref, cf.details_ciphertext)
        also = [earlier] if isinstance(earlier, PersonalDetails) else []
        self._screen(ctx.rationale, [ctx.partnership_id], details, *also)
        ciphertext = encrypt_details(key, details, cf.id, cf.subject.subject_ref)
        return self._save(record_personal_details(cf, ctx, details_ciphertext=ciphertext))

    def close(self, ctx: Context, case_file_id: UUID, closed_on: date) -> CaseFile:
        cf = self.get(ctx.partnership_id, case_file_id)
        self._screen(ctx.rationale, [ctx.partnership_id])
        return self._save(close_case_file(cf, ctx, closed_on=closed_on))

    def erase(
        self, subject_ref: str, *, principal: str, rationale: str, basis: ErasureBasis = "request"
    ) -> ErasureReport:
        """Records the erasure on each of the subject's case files, destroys the key, runs the hooks."""
        files = [cf for cf in self.case_files() if cf.subject.subject_ref == subject_ref]
        if not files and self.keys.get(subject_ref) is None:
            raise NotFound("unknown_subject", f"No data subject {subject_ref}.", "subject_ref")
        if basis == "request":  # the retention schedule's own rationale names kinds and dates only
            self._screen(rationale, [cf.partnership_id for cf in files])
        recorded = 0
        for cf in files:
            if cf.erased:
                continue
            ctx = Context(partnership_id=cf.partnership_id, principal=principal, rationale=rationale)
            self._save(erase_subject(cf, ctx, basis=basis))
            recorded += 1
        incomplete: ErasureIncomplete | None = None
        try:
            destroyed = self.keys.destroy(subject_ref)
        except ErasureIncomplete as exc:
            # The key is unreadable already: derived copies go now, and the failure is still raised.
            incomplete, destroyed = exc, True
        ids = [cf.id for cf in files]
        for hook in list(ERASURE_HOOKS):
            hook(subject_ref, ids)
        if incomplete is not None:
            raise incomplete
        return ErasureReport(
            subject_ref=subject_ref, case_file_ids=ids, events_recorded=recorded, key_destroyed=destroyed
        )

    def due(self, today: date) -> dict[str, list[CaseFile]]:
        """Each partnership's subjects due by its own retention schedule."""
        by_partnership: dict[str, list[CaseFile]] = {}
        for cf in self.case_files():
            by_partnership.setdefault(cf.partnership_id, []).append(cf)
        due: dict[str, list[CaseFile]] = {}
        for partnership_id, files in sorted(by_partnership.items()):
            due.update(subjects_due_for_erasure(files, today, self.schedule(partnership_id)))
        return due

    def run_retention(self, today: date, *, principal: str, rationale: str | None = None) -> list[RetentionRun]:
        """The retention schedule, once per partnership and day: each due subject erased, and
        the run's result recorded as a `RetentionRun` event. A day already run, or being run by
        another schedule (it claimed the day first: `_run_day`), is left alone."""
        due_by_partnership: dict[str, list[tuple[str, list[CaseFile]]]] = {
            cf.partnership_id: [] for cf in self.case_files()
        }
        for ref, files in self.due(today).items():
            due_by_partnership[files[0].partnership_id].append((ref, files))
        self._screen(rationale, [p for p, due in due_by_partnership.items() if due])
        runs: list[RetentionRun] = []
        for partnership_id, due in sorted(due_by_partnership.items()):
            run = self._run_day(partnership_id, today, due, principal, rationale)
            if run is not None:
                runs.append(run)
        return runs

    def _run_day(
        self, partnership_id: str, today: date, due: list[tuple[str, list[CaseFile]]], principal: str,
        rationale: str | None,
    ) -> RetentionRun | None:
        run_id = retention_run_id(partnership_id, today)
        started = [e for e in self.store.events.get(run_id) if isinstance(e, DomainEvent)]
        stale = len(started) == 1 and datetime.now(UTC) - started[0].timestamp > RUN_ABANDONED
        if started and not stale:
            return None  # this day is run, or being run, by another process
        why = "The retention schedule of the partnership's data-protection policy, run daily."
        if not started:
            try:  # the day is claimed before anything is erased: only its winner runs it
                self.store.save(RetentionRunStarted(
                    originator_id=run_id, originator_version=1, partnership_id=partnership_id,
                    principal=principal, rationale=why, run_on=today, due_count=len(due),
                ))
            except (IntegrityError, RecordConflictError):
                return None
        erased, failed = [], []
        for ref, files in due:
            try:
                why_erased = rationale or _retention_rationale(files)
                self.erase(ref, principal=principal, rationale=why_erased, basis="retention")
                erased.append(ref)
            except DomainError as exc:
                failed.append(f"{ref}: {exc.code}")
        run = RetentionRun(
            originator_id=run_id, originator_version=2, partnership_id=partnership_id, principal=principal,
            rationale=why, run_on=today, erased=tuple(erased), failed=tuple(failed),
        )
        try:
            self.store.save(run)
        except (IntegrityError, RecordConflictError):
            return None  # an abandoned day was finished by another process meanwhile
        return run

    # -- reads

    def case_files(self, partnership_id: str | None = None) -> list[CaseFile]:
        """Every case file (of one partnership), found through the log's opening events."""
        return case_files(self.store, partnership_id)

    def get(self, partnership_id: str, case_file_id: UUID) -> CaseFile:
        cf = self.store.load(case_file_id, CaseFile)
        if cf is None or cf.partnership_id != partnership_id:
            raise NotFound(
                "unknown_case_file", f"No case file {case_file_id} in partnership {partnership_id!r}.", "case_file_id"
            )
        return cf

    def _details(self, cf_id: UUID, subject_ref: str, ciphertext: str | None) -> PersonalDetails | str:
        key = self.keys.get(subject_ref)
        if key is None or ciphertext is None:
            return REDACTED
        try:
            return decrypt_details(key, ciphertext, cf_id, subject_ref)
        except InvalidTag:
            return REDACTED

    def decrypted(self, cf: CaseFile) -> PersonalDetails | str:
        """The case file's details decrypted, or `[redacted]`, without recording a read: for
        `read_details`, and for the identity screen, which answers them to no one
        (services/application/subjects/known.py)."""
        return REDACTED if cf.erased else self._details(cf.id, cf.subject.subject_ref, cf.details_ciphertext)

    def schedule(self, partnership_id: str) -> dict[SourceKind, int]:
        """The partnership's retention schedule: years kept after closure, per kind."""
        partnership = self.store.load(partnership_uuid(partnership_id), Partnership)
        return partnership.retention_schedule() if partnership is not None else dict(RETENTION_YEARS)

    def retention_ends(self, cf: CaseFile) -> date | None:
        return retention_ends(cf, self.schedule(cf.partnership_id))

    def may_read_details(self, partnership_id: str, role: str) -> bool:
        """Whether the partnership allows this role to read case files' personal details."""
        partnership = self.store.load(partnership_uuid(partnership_id), Partnership)
        return partnership is not None and partnership.may_read_personal_data(role)

    def read_details(self, ctx: Context, cf: CaseFile) -> PersonalDetails | str:
        """The case file's details, decrypted or `[redacted]`: recorded as a read first,
        with who (`ctx.principal`) and why (`ctx.rationale`, required)."""
        self._record_read(ctx, cf, "case_file")
        return self.decrypted(cf)

    def _record_read(self, ctx: Context, cf: CaseFile, read_in: DetailsReadIn) -> PersonalDetailsRead:
        """A read that is not recorded is not served. Readers at the same moment take the
        next version in turn (the store refuses a version taken)."""
        log = reads_aggregate_id(cf.id)
        for _ in range(20):
            last = list(self.store.events.get(log, desc=True, limit=1))
            version = last[0].originator_version + 1 if last else 1
            event = read_personal_details(cf, ctx, read_in=read_in, version=version)
            try:
                self.store.save(event)
            except (IntegrityError, RecordConflictError):
                continue
            return event
        raise RuleViolation("concurrent_write", "Too many reads of this case file at once; retry.")

    def reads(self, cf: CaseFile) -> list[PersonalDetailsRead]:
        """Every recorded read of the case file's personal details, oldest first."""
        return [e for e in self.store.events_of(reads_aggregate_id(cf.id)) if isinstance(e, PersonalDetailsRead)]

    def history(self, ctx: Context, case_file_id: UUID, *, with_details: bool) -> list[HistoryEntry]:
        """The case file's decision trail replayed. `with_details`: decrypted or `[redacted]`,
        recorded as a read (a reason required); otherwise withheld."""
        cf = self.get(ctx.partnership_id, case_file_id)
        if with_details:
            self._record_read(ctx, cf, "history")
        entries = []
        for event in self.store.events_of(case_file_id):
            fields = event.model_dump(
                mode="json",
                exclude=_ENVELOPE,
            )
            if isinstance(event, CaseFileOpened | PersonalDetailsRecorded):
                fields.pop("details_ciphertext", None)
                if with_details:
                    details = self._details(cf.id, cf.subject.subject_ref, event.details_ciphertext)
                    fields["personal_details"] = (
                        details if isinstance(details, str) else details.model_dump(mode="json")
                    )
                else:
                    fields["personal_details"] = None
                    fields["personal_details_withheld"] = True
            entries.append(
                HistoryEntry(
                    version=event.originator_version,
                    topic=type(event).topic(),
                    timestamp=event.timestamp,
                    principal=event.principal,
                    rationale=event.rationale,
                    fields=fields,
                )
            )
        return entries


def case_files(store: EventStore, partnership_id: str | None = None) -> list[CaseFile]:
    """Every case file (of one partnership), found through the log's opening events."""
    ids: list[UUID] = []
    after = 0
    while True:
        page = store.recorder.select_notifications(
            start=after, limit=500, topics=[CaseFileOpened.TOPIC], inclusive_of_start=False
        )
        if not page:
            break
        ids.extend(UUID(str(n.originator_id)) for n in page)
        after = page[-1].id
    files = [store.load(i, CaseFile) for i in ids]
    return [cf for cf in files if cf is not None and partnership_id in (None, cf.partnership_id)]


def _born_already(details: PersonalDetails) -> None:
    if details.date_of_birth is not None:
        not_after_today("date_of_birth", details.date_of_birth, "a date of birth")


def _retention_rationale(files: Sequence[CaseFile]) -> str:
    return "Retention period ended under the partnership's data-protection policy: " + ", ".join(
        sorted({f"{cf.source_kind.value} closed {cf.closed_on}" for cf in files})
    )
