"""Personal data in case files: encrypted per subject, erased by destroying the key.

On SQLite and PostgreSQL: the name and date of birth never reach the event log in
clear; reads decrypt them; `lif subjects erase` and `erase-due` record an audited
SubjectErased event, destroy the key, call the erasure hooks, and from then on the
case file and its replayed history show `[redacted]` while the decision trail and
the hash chain stay intact. Over HTTP, the case-file endpoints and the audit trail.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.chain import verify
from adapters.settings import Settings, get_settings
from adapters.store import EventStore
from adapters.subject_keys import MemorySubjectKeys, SQLiteSubjectKeys, SubjectKeys, subject_keys_for
from domain.aggregate import Context
from domain.errors import NotFound, RuleViolation
from domain.framework import SourceKind
from domain.partnership import register_partnership
from domain.personal_data import REDACTED, PersonalDetails, SubjectErased, SubjectRole, add_years
from services import cli
from services.application.subjects.service import ERASURE_HOOKS, PersonalDataService
from tests.fixtures.services import postgres_dsn  # noqa: F401  (fixture)
from tests.integration.stores import sqlite_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PARTNERSHIP = "st-helens"
DPO = "dpo@st-helens"
CTX = Context(partnership_id=PARTNERSHIP, principal="caseworker@st-helens", rationale="Case file for the review")
NAME = "Jemima Quenby-Foxglove"
DOB = date(2015, 4, 9)
DETAILS = PersonalDetails(name=NAME, date_of_birth=DOB)
READER = Context(partnership_id=PARTNERSHIP, principal="admin:dpo", rationale="Checking the file for the review")


@pytest.fixture
def store(settings: Settings) -> Iterator[EventStore]:
    s = EventStore.from_settings(settings)
    s.save(*register_partnership(CTX, display_name="St Helens", with_framework_defaults=False).events)
    yield s
    s.close()


@pytest.fixture
def keys(settings: Settings) -> Iterator[SubjectKeys]:
    k = subject_keys_for(settings)
    yield k
    k.close()


@pytest.fixture
def service(store: EventStore, keys: SubjectKeys) -> PersonalDataService:
    return PersonalDataService(store, keys)


@pytest.fixture
def hook_calls() -> Iterator[list[tuple[str, list[UUID]]]]:
    calls: list[tuple[str, list[UUID]]] = []

    def hook(subject_ref: str, ids: Sequence[UUID]) -> None:
        calls.append((subject_ref, list(ids)))

    ERASURE_HOOKS.append(hook)
    yield calls
    ERASURE_HOOKS.remove(hook)


def all_state_bytes(store: EventStore) -> bytes:
    return b"\n".join(bytes(n.state) for n in store.recorder.select_notifications(start=None, limit=100_000))


def test_details_are_stored_only_as_ciphertext_and_read_back_decrypted(
    service: PersonalDataService, store: EventStore
) -> None:
    view = service.open(
        CTX,
        case_reference="SHSCP-2025-014",
        source_kind=SourceKind.RAPID_REVIEW,
        role=SubjectRole.CHILD,
        details=DETAILS,
    )
    assert "personal_details" not in type(view).model_fields and view.subject_ref.startswith("DS-")
    stored = all_state_bytes(store)
    for clear in (NAME.encode(), b"Jemima", DOB.isoformat().encode(), b"2015"):
        assert clear not in stored
    assert b"aesgcm1:" in stored
    assert service.read_details(READER, service.get(PARTNERSHIP, view.id)) == DETAILS


def test_erasure_redacts_state_and_replayed_history_and_keeps_the_trail(
    service: PersonalDataService, store: EventStore, keys: SubjectKeys, hook_calls: list[tuple[str, list[UUID]]]
) -> None:
    view = service.open(
        CTX,
        case_reference="SHSCP-2025-014",
        source_kind=SourceKind.RAPID_REVIEW,
        role=SubjectRole.CHILD,
        details=DETAILS,
    )
    corrected = PersonalDetails(name="Jemima Quenby", date_of_birth=DOB)
    service.record_details(CTX, view.id, corrected, expected_version=1)
    history = service.history(READER, view.id, with_details=True)
    assert [h.fields["personal_details"]["name"] for h in history] == [NAME, "Jemima Quenby"]

    report = service.erase(view.subject_ref, principal=DPO, rationale="Erasure request under Article 17, ref 77")
    assert (report.events_recorded, report.key_destroyed) == (1, True)
    assert keys.get(view.subject_ref) is None
    assert hook_calls == [(view.subject_ref, [view.id])]

    after = service.get(PARTNERSHIP, view.id)
    assert service.read_details(READER, after) == REDACTED and after.erased and after.erased_on is not None
    history = service.history(READER, view.id, with_details=True)
    assert [h.fields.get("personal_details") for h in history] == [REDACTED, REDACTED, None]
    erased = history[-1]
    assert erased.topic == SubjectErased.TOPIC
    assert (erased.principal, erased.rationale) == (DPO, "Erasure request under Article 17, ref 77")
    assert erased.fields["basis"] == "request"
    # Who opened and corrected the file, and when, survives.
    assert [h.principal for h in history[:2]] == ["caseworker@st-helens"] * 2
    # The events were not touched: the chain still verifies.
    assert verify(store).ok

    with pytest.raises(RuleViolation):
        service.record_details(CTX, view.id, corrected)
    # Running it again records nothing more and is not an error.
    again = service.erase(view.subject_ref, principal=DPO, rationale="again")
    assert (again.events_recorded, again.key_destroyed) == (0, False)


def test_one_key_serves_the_same_subject_across_case_files(service: PersonalDataService) -> None:
    first = service.open(
        CTX,
        case_reference="SHSCP-2025-014",
        source_kind=SourceKind.RAPID_REVIEW,
        role=SubjectRole.CHILD,
        details=DETAILS,
    )
    second = service.open(
        CTX,
        case_reference="SHSCP-2025-020",
        source_kind=SourceKind.THEMATIC_AUDIT,
        role=SubjectRole.CHILD,
        details=DETAILS,
        subject_ref=first.subject_ref,
    )
    report = service.erase(first.subject_ref, principal=DPO, rationale="Request ref 78")
    assert sorted(report.case_file_ids) == sorted([first.id, second.id]) and report.events_recorded == 2
    assert service.read_details(READER, service.get(PARTNERSHIP, second.id)) == REDACTED
    with pytest.raises(NotFound):
        service.open(
            CTX,
            case_reference="SHSCP-2025-021",
            source_kind=SourceKind.THEMATIC_AUDIT,
            role=SubjectRole.CHILD,
            details=DETAILS,
            subject_ref="DS-" + "0" * 20,
        )


def test_ciphertext_cannot_be_moved_to_another_case_file(service: PersonalDataService, keys: SubjectKeys) -> None:
    from adapters.subject_cipher import decrypt_details

    a = service.open(
        CTX,
        case_reference="SHSCP-2025-014",
        source_kind=SourceKind.RAPID_REVIEW,
        role=SubjectRole.CHILD,
        details=DETAILS,
    )
    cf = service.get(PARTNERSHIP, a.id)
    key = keys.get(a.subject_ref)
    assert key is not None and cf.details_ciphertext is not None
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        decrypt_details(key, cf.details_ciphertext, UUID(int=1), a.subject_ref)


def test_sqlite_file_keeps_no_copy_of_a_destroyed_key(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    store = EventStore.from_settings(settings)
    try:
        store.save(*register_partnership(CTX, display_name="St Helens", with_framework_defaults=False).events)
        keys = subject_keys_for(settings)
        assert isinstance(keys, SQLiteSubjectKeys)
        service = PersonalDataService(store, keys)
        view = service.open(
            CTX,
            case_reference="SHSCP-2025-014",
            source_kind=SourceKind.THEMATIC_AUDIT,
            role=SubjectRole.CHILD,
            details=DETAILS,
        )
        key = keys.get(view.subject_ref)
        assert key is not None
        service.erase(view.subject_ref, principal=DPO, rationale="Request ref 79")
    finally:
        store.close()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("events.sqlite")]
    assert files
    for path in files:
        assert key not in path.read_bytes(), path


def test_memory_store_uses_process_keys() -> None:
    settings = Settings(persistence="memory")
    keys = subject_keys_for(settings)
    assert isinstance(keys, MemorySubjectKeys)
    store = EventStore.from_settings(settings)
    store.save(*register_partnership(CTX, display_name="St Helens", with_framework_defaults=False).events)
    service = PersonalDataService(store, keys)
    view = service.open(
        CTX,
        case_reference="SHSCP-2025-014",
        source_kind=SourceKind.THEMATIC_AUDIT,
        role=SubjectRole.CHILD,
        details=DETAILS,
    )
    service.erase(view.subject_ref, principal=DPO, rationale="Request ref 80")
    assert service.read_details(READER, service.get(PARTNERSHIP, view.id)) == REDACTED
    with pytest.raises(RuleViolation):
        keys.create(view.subject_ref, PARTNERSHIP)


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def lif_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LIF_PERSISTENCE", settings.persistence)
    monkeypatch.setenv("LIF_SQLITE_PATH", settings.sqlite_path)
    monkeypatch.setenv("LIF_POSTGRES_DSN", settings.postgres_dsn)
    if settings.postgres_schema:
        monkeypatch.setenv("LIF_POSTGRES_SCHEMA", settings.postgres_schema)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_lif_subjects_erase(service: PersonalDataService, lif_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    view = service.open(
        CTX,
        case_reference="SHSCP-2025-014",
        source_kind=SourceKind.RAPID_REVIEW,
        role=SubjectRole.CHILD,
        details=DETAILS,
    )
    args = ["subjects", "erase", view.subject_ref, "--principal", DPO, "--rationale", "Request ref 81"]
    assert cli.main(args) == 0
    assert f"erased {view.subject_ref}: 1 erasure event(s) recorded, key destroyed" in capsys.readouterr().out
    assert service.read_details(READER, service.get(PARTNERSHIP, view.id)) == REDACTED
    assert cli.main(args) == 0
    assert "0 erasure event(s) recorded, key already gone" in capsys.readouterr().out
    assert cli.main(["subjects", "erase", "DS-" + "0" * 20, "--principal", DPO, "--rationale", "x"]) == 1
    assert "unknown_subject" in capsys.readouterr().err


def test_lif_subjects_erase_due_follows_the_retention_schedule(
    service: PersonalDataService, store: EventStore, lif_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    def opened(ref: str, kind: SourceKind) -> Any:
        view = service.open(CTX, case_reference=ref, source_kind=kind, role=SubjectRole.CHILD, details=DETAILS)
        return service.close(CTX, view.id, today())

    audit = opened("SHSCP-2025-030", SourceKind.MULTI_AGENCY_CASE_AUDIT)
    review = opened("SHSCP-2025-031", SourceKind.SAFEGUARDING_PRACTICE_REVIEW)
    assert service.retention_ends(audit) == add_years(today(), 6)
    assert service.retention_ends(review) == add_years(today(), 25)

    six_years_on = add_years(today(), 6).isoformat()
    assert cli.main(["subjects", "erase-due", "--principal", DPO, "--today", six_years_on, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"due {audit.subject_ref}" in out and review.subject_ref not in out
    assert service.read_details(READER, service.get(PARTNERSHIP, audit.id)) == DETAILS  # dry run erased nothing

    assert cli.main(["subjects", "erase-due", "--principal", DPO, "--today", six_years_on]) == 0
    assert "1 subject(s) erased" in capsys.readouterr().out
    assert service.read_details(READER, service.get(PARTNERSHIP, audit.id)) == REDACTED
    assert service.read_details(READER, service.get(PARTNERSHIP, review.id)) == DETAILS
    erased = [e for e in store.events_of(audit.id) if isinstance(e, SubjectErased)]
    assert len(erased) == 1 and erased[0].basis == "retention" and erased[0].principal == DPO
    assert "multi_agency_case_audit closed" in (erased[0].rationale or "")

    # Twenty-five years on, the review is due too; the audit is not erased twice.
    later = add_years(today(), 25).isoformat()
    assert cli.main(["subjects", "erase-due", "--principal", DPO, "--today", later]) == 0
    assert "1 subject(s) erased" in capsys.readouterr().out
    assert service.read_details(READER, service.get(PARTNERSHIP, review.id)) == REDACTED


def today() -> date:
    return datetime.now(UTC).date()


# ------------------------------------------------------------------ HTTP


def test_case_file_endpoints_and_the_audit_trail(tmp_path: Path) -> None:
    from services.api.app import create_app
    from tests.fixtures.auth import auth_headers

    settings = sqlite_settings(tmp_path)
    store = EventStore.from_settings(settings)
    store.save(*register_partnership(CTX, display_name="St Helens", with_framework_defaults=False).events)
    base = f"/v1/partnerships/{PARTNERSHIP}/casefiles"
    app = create_app(settings, store=store)
    with TestClient(app, headers=auth_headers(app)) as client:
        payload = {
            "case_reference": "SHSCP-2025-014",
            "source_kind": "rapid_review",
            "role": "child",
            "name": NAME,
            "date_of_birth": DOB.isoformat(),
            "rationale": "Opened for the rapid review",
        }
        created = client.post(base, json=payload)
        assert created.status_code == 201, created.text
        body = created.json()
        assert "personal_details" not in body and body["details_recorded_at"] is not None  # commands answer none
        case_id, ref = body["id"], body["subject_ref"]
        why = {"reason": "Preparing the review panel"}

        fixed = client.post(f"{base}/{case_id}/personal-details", json={"name": "Jemima Quenby", "expected_version": 1})
        assert fixed.status_code == 200 and "Jemima" not in fixed.text
        stale = client.post(f"{base}/{case_id}/personal-details", json={"name": "X Y", "expected_version": 1})
        assert stale.status_code == 409
        closed = client.post(f"{base}/{case_id}/close", json={"closed_on": today().isoformat()})
        assert closed.status_code == 200, closed.text
        assert closed.json()["retention_ends_on"] == add_years(today(), 25).isoformat()
        assert "Jemima" not in closed.text and "2015-04-09" not in closed.text

        assert client.get(f"{base}/{case_id}", params=why).json()["personal_details"]["name"] == "Jemima Quenby"
        assert client.get(f"{base}/{UUID(int=5)}", params=why).status_code == 404
        # Another partnership's path: refused for a st-helens credential (services/application/auth).
        assert client.get(f"/v1/partnerships/wirral/casefiles/{case_id}", params=why).status_code == 403
        refused = client.post(base, json={**payload, "case_reference": "Jemima Quenby"})
        assert refused.status_code == 422

        service = PersonalDataService(store, subject_keys_for(settings))
        service.erase(ref, principal=DPO, rationale="Request ref 82")

        after = client.get(f"{base}/{case_id}", params=why).json()
        assert after["personal_details"] == REDACTED and after["erased"] is True
        history = client.get(f"{base}/{case_id}/history", params=why).json()["items"]
        assert [item["fields"].get("personal_details") for item in history] == [REDACTED, REDACTED, None, None]
        assert history[-1]["principal"] == DPO

        head = store.recorder.max_notification_id()
        audit = client.get(f"/v1/partnerships/{PARTNERSHIP}/audit", params={"entity_id": case_id, "min_position": head})
        assert audit.status_code == 200, audit.text
        topics = [item["topic"] for item in audit.json()["items"]]
        # Its four events, and the three reads of its details (each with the reason given).
        assert len(topics) == 7 and topics.count("lif.case_file.personal_details_read") == 3
        assert "Jemima" not in audit.text and "2015-04-09" not in audit.text
