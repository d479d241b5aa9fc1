"""Data subjects' keys and case files' personal details: encryption and crypto-shredding.

Each data subject has one AES-256-GCM key in the `subject_keys` table, in the same
database as the events but apart from them. Personal details are encrypted under
that key before they enter an event (with the case file id and subject reference as
associated data, so ciphertext cannot be moved to another file). Erasing a subject
records a `SubjectErased` event on each of their case files (principal, rationale,
basis: the audit trail), then destroys the key, then calls the erasure hooks so
that modules holding derived copies purge them. Every read decrypts with the
current key, so after erasure the details read as `[redacted]`, in the current
state and in replayed history alike.

Erasure is re-runnable: if it stops after the events are recorded, running it again
destroys the key and calls the hooks.

What destroying the key cannot reach: database backups, PostgreSQL WAL archives and
replicas taken before the erasure still hold the key; their retention must be shorter
than the retention schedule's granularity (or they must be re-keyed).
"""

from __future__ import annotations

import base64
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, Protocol, TextIO
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import IntegrityError, RecordConflictError
from pydantic import BaseModel

from domain.aggregate import Change, Context, check_version
from domain.errors import NotFound, RuleViolation
from domain.framework import SourceKind
from domain.personal_data import (
    CIPHERTEXT_PREFIX,
    REDACTED,
    CaseFile,
    CaseFileOpened,
    DataSubject,
    ErasureBasis,
    PersonalDetails,
    PersonalDetailsRecorded,
    SubjectRole,
    check_ciphertext,
    close_case_file,
    erase_subject,
    new_subject_ref,
    open_case_file,
    record_personal_details,
    retention_ends,
    subjects_due_for_erasure,
)
from services.settings import Settings
from services.store import EventStore
from services.unit_of_work import UnitOfWork

# ------------------------------------------------------------------ erasure hooks

ErasureHook = Callable[[str, Sequence[UUID]], None]
"""Called with (subject_ref, case file ids) after a subject's key is destroyed."""

ERASURE_HOOKS: list[ErasureHook] = []


def register_erasure_hook(hook: ErasureHook) -> ErasureHook:
    """Projections or caches that hold derived copies of personal data register here."""
    if hook not in ERASURE_HOOKS:
        ERASURE_HOOKS.append(hook)
    return hook


# ------------------------------------------------------------------ encryption


def _aad(case_file_id: UUID, subject_ref: str) -> bytes:
    return f"{case_file_id}|{subject_ref}".encode()


def encrypt_details(key: bytes, details: PersonalDetails, case_file_id: UUID, subject_ref: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, details.model_dump_json().encode(), _aad(case_file_id, subject_ref))
    return CIPHERTEXT_PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt_details(key: bytes, ciphertext: str, case_file_id: UUID, subject_ref: str) -> PersonalDetails:
    raw = base64.b64decode(check_ciphertext(ciphertext)[len(CIPHERTEXT_PREFIX) :])
    plain = AESGCM(key).decrypt(raw[:12], raw[12:], _aad(case_file_id, subject_ref))
    return PersonalDetails.model_validate_json(plain)


# ------------------------------------------------------------------ key table


class SubjectKeys(Protocol):
    def create(self, subject_ref: str, partnership_id: str) -> bytes: ...
    def get(self, subject_ref: str) -> bytes | None: ...
    def destroy(self, subject_ref: str) -> bool: ...
    def close(self) -> None: ...


def _now() -> str:
    return datetime.now(UTC).isoformat()


class MemorySubjectKeys:
    """For the in-memory store (tests, demos): keys live as long as the process."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes | None] = {}

    def create(self, subject_ref: str, partnership_id: str) -> bytes:
        existing = self.keys.get(subject_ref)
        if existing is not None:
            return existing
        if subject_ref in self.keys:
            raise _erased(subject_ref)
        self.keys[subject_ref] = AESGCM.generate_key(bit_length=256)
        return self.keys[subject_ref] or b""

    def get(self, subject_ref: str) -> bytes | None:
        return self.keys.get(subject_ref)

    def destroy(self, subject_ref: str) -> bool:
        had = self.keys.get(subject_ref) is not None
        self.keys[subject_ref] = None
        return had

    def close(self) -> None:
        pass


def _erased(subject_ref: str) -> RuleViolation:
    return RuleViolation("subject_erased", f"Data subject {subject_ref} was erased; their key is gone for good.")


class SQLiteSubjectKeys:
    """`subject_keys` in the events' SQLite file. A destroyed key is overwritten, not just unlinked."""

    def __init__(self, path: str) -> None:
        self.path = path
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS subject_keys (subject_ref TEXT PRIMARY KEY, partnership_id TEXT NOT NULL, "
                "key BLOB, created_at TEXT NOT NULL, erased_at TEXT)"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            # Freed pages are zeroed, so the old key does not linger in the file.
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def create(self, subject_ref: str, partnership_id: str) -> bytes:
        with self._connect() as conn:
            row = conn.execute("SELECT key, erased_at FROM subject_keys WHERE subject_ref=?", (subject_ref,)).fetchone()
            if row is not None:
                if row[0] is None:
                    raise _erased(subject_ref)
                return bytes(row[0])
            key = AESGCM.generate_key(bit_length=256)
            conn.execute(
                "INSERT INTO subject_keys (subject_ref, partnership_id, key, created_at) VALUES (?,?,?,?)",
                (subject_ref, partnership_id, key, _now()),
            )
            return key

    def get(self, subject_ref: str) -> bytes | None:
        with self._connect() as conn:
            row = conn.execute("SELECT key FROM subject_keys WHERE subject_ref=?", (subject_ref,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def destroy(self, subject_ref: str) -> bool:
        with self._connect() as conn:
            cur = conn.execute(
                "UPDATE subject_keys SET key=NULL, erased_at=? WHERE subject_ref=? AND key IS NOT NULL",
                (_now(), subject_ref),
            )
            destroyed = cur.rowcount > 0
        if destroyed:
            # The WAL still holds the page with the key until it is checkpointed.
            conn = sqlite3.connect(self.path, timeout=10)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        return destroyed

    def close(self) -> None:
        pass


class PostgresSubjectKeys:
    """`subject_keys` in the events' PostgreSQL schema."""

    def __init__(self, dsn: str, schema: str) -> None:
        from psycopg.sql import SQL, Identifier

        self.dsn = dsn
        self.schema = schema
        self.table = SQL("{}.subject_keys").format(Identifier(schema))
        with self._connect() as conn:
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (subject_ref text PRIMARY KEY, partnership_id text NOT NULL, "
                    "key bytea, created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz)"
                ).format(self.table)
            )

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.dsn) as conn:
            yield conn

    def create(self, subject_ref: str, partnership_id: str) -> bytes:
        from psycopg.sql import SQL

        key = AESGCM.generate_key(bit_length=256)
        with self._connect() as conn:
            conn.execute(
                SQL(
                    "INSERT INTO {} (subject_ref, partnership_id, key) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(self.table),
                (subject_ref, partnership_id, key),
            )
            row = conn.execute(
                SQL("SELECT key FROM {} WHERE subject_ref = %s").format(self.table), (subject_ref,)
            ).fetchone()
        if row is None or row[0] is None:
            raise _erased(subject_ref)
        return bytes(row[0])

    def get(self, subject_ref: str) -> bytes | None:
        from psycopg.sql import SQL

        with self._connect() as conn:
            row = conn.execute(
                SQL("SELECT key FROM {} WHERE subject_ref = %s").format(self.table), (subject_ref,)
            ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def destroy(self, subject_ref: str) -> bool:
        import psycopg
        from psycopg.sql import SQL

        with self._connect() as conn:
            cur = conn.execute(
                SQL("UPDATE {} SET key = NULL, erased_at = now() WHERE subject_ref = %s AND key IS NOT NULL").format(
                    self.table
                ),
                (subject_ref,),
            )
            destroyed: bool = cur.rowcount > 0
        if destroyed:
            # VACUUM FULL rewrites the table, so the dead row version with the key is dropped
            # from the data files (it cannot run inside a transaction).
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                conn.execute(SQL("VACUUM FULL {}").format(self.table))
        return destroyed

    def close(self) -> None:
        pass


def subject_keys_for(settings: Settings) -> SubjectKeys:
    if settings.persistence == "sqlite":
        return SQLiteSubjectKeys(settings.sqlite_path)
    if settings.persistence == "postgres":
        return PostgresSubjectKeys(settings.postgres_dsn, settings.postgres_schema or "public")
    return MemorySubjectKeys()


# ------------------------------------------------------------------ the service


class CaseFileView(BaseModel):
    """A case file as a reader sees it: details decrypted, or `[redacted]` after erasure."""

    id: UUID
    version: int
    partnership_id: str
    case_reference: str
    source_kind: SourceKind
    subject_ref: str
    role: SubjectRole
    personal_details: PersonalDetails | str
    closed_on: date | None
    retention_ends_on: date | None
    erased: bool
    erased_on: datetime | None


class HistoryEntry(BaseModel):
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
    def __init__(self, store: EventStore, keys: SubjectKeys) -> None:
        self.store = store
        self.keys = keys

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
    ) -> CaseFileView:
        """Opens a case file for a new subject, or for a known one (`subject_ref`)."""
        UnitOfWork(self.store).partnership(ctx.partnership_id)
        subject = DataSubject(subject_ref=subject_ref or new_subject_ref(), role=role)
        if subject_ref is not None:
            self._known_subject(ctx.partnership_id, subject_ref)
        case_file_id = case_file_id or uuid4()
        key = self.keys.create(subject.subject_ref, ctx.partnership_id)
        cf = self._save(
            open_case_file(
                ctx,
                case_reference=case_reference,
                source_kind=source_kind,
                subject=subject,
                details_ciphertext=encrypt_details(key, details, case_file_id, subject.subject_ref),
                case_file_id=case_file_id,
            )
        )
        return self.view(cf)

    def _known_subject(self, partnership_id: str, subject_ref: str) -> None:
        if not any(cf.subject.subject_ref == subject_ref for cf in self.case_files(partnership_id)):
            raise NotFound("unknown_subject", f"No data subject {subject_ref} in this partnership.", "subject_ref")

    def record_details(
        self, ctx: Context, case_file_id: UUID, details: PersonalDetails, expected_version: int | None = None
    ) -> CaseFileView:
        cf = self.get(ctx.partnership_id, case_file_id)
        check_version(cf, expected_version)
        key = self.keys.get(cf.subject.subject_ref)
        if key is None:
            raise RuleViolation("subject_erased", f"Data subject {cf.subject.subject_ref} was erased.")
        ciphertext = encrypt_details(key, details, cf.id, cf.subject.subject_ref)
        return self.view(self._save(record_personal_details(cf, ctx, details_ciphertext=ciphertext)))

    def close(self, ctx: Context, case_file_id: UUID, closed_on: date) -> CaseFileView:
        cf = self.get(ctx.partnership_id, case_file_id)
        return self.view(self._save(close_case_file(cf, ctx, closed_on=closed_on)))

    def erase(
        self, subject_ref: str, *, principal: str, rationale: str, basis: ErasureBasis = "request"
    ) -> ErasureReport:
        """Records the erasure on each of the subject's case files, destroys the key, runs the hooks."""
        files = [cf for cf in self.case_files() if cf.subject.subject_ref == subject_ref]
        if not files and self.keys.get(subject_ref) is None:
            raise NotFound("unknown_subject", f"No data subject {subject_ref}.", "subject_ref")
        recorded = 0
        for cf in files:
            if cf.erased:
                continue
            ctx = Context(partnership_id=cf.partnership_id, principal=principal, rationale=rationale)
            self._save(erase_subject(cf, ctx, basis=basis))
            recorded += 1
        destroyed = self.keys.destroy(subject_ref)
        ids = [cf.id for cf in files]
        for hook in list(ERASURE_HOOKS):
            hook(subject_ref, ids)
        return ErasureReport(
            subject_ref=subject_ref, case_file_ids=ids, events_recorded=recorded, key_destroyed=destroyed
        )

    def due(self, today: date) -> dict[str, list[CaseFile]]:
        return subjects_due_for_erasure(self.case_files(), today)

    def erase_due(self, today: date, *, principal: str, rationale: str | None = None) -> list[ErasureReport]:
        reports = []
        for ref, files in self.due(today).items():
            why = rationale or (
                "Retention period ended under the partnership's data-protection policy: "
                + ", ".join(sorted({f"{cf.source_kind.value} closed {cf.closed_on}" for cf in files}))
            )
            reports.append(self.erase(ref, principal=principal, rationale=why, basis="retention"))
        return reports

    # -- reads

    def case_files(self, partnership_id: str | None = None) -> list[CaseFile]:
        """Every case file (of one partnership), found through the log's opening events."""
        ids: list[UUID] = []
        after = 0
        while True:
            page = self.store.recorder.select_notifications(
                start=after, limit=500, topics=[CaseFileOpened.TOPIC], inclusive_of_start=False
            )
            if not page:
                break
            ids.extend(UUID(str(n.originator_id)) for n in page)
            after = page[-1].id
        files = [self.store.load(i, CaseFile) for i in ids]
        return [cf for cf in files if cf is not None and partnership_id in (None, cf.partnership_id)]

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

    def view(self, cf: CaseFile) -> CaseFileView:
        return CaseFileView(
            id=cf.id,
            version=cf.version,
            partnership_id=cf.partnership_id,
            case_reference=cf.case_reference,
            source_kind=cf.source_kind,
            subject_ref=cf.subject.subject_ref,
            role=cf.subject.role,
            personal_details=REDACTED
            if cf.erased
            else self._details(cf.id, cf.subject.subject_ref, cf.details_ciphertext),
            closed_on=cf.closed_on,
            retention_ends_on=retention_ends(cf),
            erased=cf.erased,
            erased_on=cf.erased_on,
        )

    def history(self, partnership_id: str, case_file_id: UUID) -> list[HistoryEntry]:
        """The case file's decision trail replayed, personal details decrypted or `[redacted]`."""
        cf = self.get(partnership_id, case_file_id)
        entries = []
        for event in self.store.events_of(case_file_id):
            fields = event.model_dump(
                mode="json",
                exclude=_ENVELOPE,
            )
            if isinstance(event, CaseFileOpened | PersonalDetailsRecorded):
                fields.pop("details_ciphertext", None)
                details = self._details(cf.id, cf.subject.subject_ref, event.details_ciphertext)
                fields["personal_details"] = details if isinstance(details, str) else details.model_dump(mode="json")
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


# ------------------------------------------------------------------ `lif subjects`


def run_subjects_cli(settings: Settings, store: EventStore, args: Any, out: TextIO, err: TextIO) -> int:
    """`lif subjects erase REF` and `lif subjects erase-due`; 0 on success."""
    import projections.registry  # noqa: F401  (view modules register their erasure hooks on import)
    from domain.errors import DomainError

    keys = subject_keys_for(settings)
    service = PersonalDataService(store, keys)
    try:
        if args.action == "erase":
            report = service.erase(args.ref, principal=args.principal, rationale=args.rationale)
            print(_describe(report), file=out)
            return 0
        today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
        if args.dry_run:
            for ref, files in service.due(today).items():
                refs = ", ".join(f"{cf.case_reference} ({cf.source_kind.value}, closed {cf.closed_on})" for cf in files)
                print(f"due {ref}: {refs}", file=out)
            return 0
        reports = service.erase_due(today, principal=args.principal, rationale=args.rationale)
        for report in reports:
            print(_describe(report), file=out)
        print(f"{len(reports)} subject(s) erased as due on {today}", file=out)
        return 0
    except DomainError as exc:
        print(f"lif subjects: {exc.code}: {exc.message}", file=err)
        return 1
    finally:
        keys.close()


def _describe(report: ErasureReport) -> str:
    key = "key destroyed" if report.key_destroyed else "key already gone"
    return f"erased {report.subject_ref}: {report.events_recorded} erasure event(s) recorded, {key}"
