"""The identities free text is screened against follow the case files, on SQLite and PostgreSQL.

The cache (services/application/subjects/known.py) learns of a change from the log, not from the process
that made it: here the case file is opened and erased through a personal data service with a
cache of its own, and the command service's cache sees both at its next command, whether the
command arrives as a call or as a Kafka ingest message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

import consumers.ingest
from adapters.settings import Settings
from adapters.store import EventStore
from adapters.subject_keys import SubjectKeys, subject_keys_for
from domain.aggregate import Context
from domain.commands import OpenActivity
from domain.errors import InvalidInput
from domain.framework import SourceKind
from domain.partnership import register_partnership
from domain.personal_data import PersonalDetails, SubjectRole
from services.application.auth.apikeys import create_api_key
from services.application.service import LearningService
from services.application.subjects.known import KnownIdentitiesCache
from services.application.subjects.service import PersonalDataService
from tests.fixtures.services import postgres_dsn  # noqa: F401  (fixture)

PARTNERSHIP = "st-helens"
CTX = Context(partnership_id=PARTNERSHIP, principal="admin:test")
CHILD = PersonalDetails(name="Zephyrine Quillfeather", date_of_birth=date(2014, 3, 17))
AUDIT = {"kind": "thematic_audit", "title": "Thematic audit: neglect", "opened_on": "2026-02-02",
         "scope": "Ten cases of neglect."}
NAMED = {**AUDIT, "scope": "Work with Zephyrine at school."}


@pytest.fixture
def keys(settings: Settings) -> Iterator[SubjectKeys]:
    k = subject_keys_for(settings)
    yield k
    k.close()


def test_a_case_file_opened_or_erased_elsewhere_is_seen_at_the_next_command(
    store: EventStore, keys: SubjectKeys
) -> None:
    store.save(*register_partnership(CTX, display_name="St Helens").events)
    case_files = PersonalDataService(store, keys)  # another cache: as another process would have
    service = LearningService(store, KnownIdentitiesCache(store, lambda: PersonalDataService(store, keys)))

    assert not service.known(PARTNERSHIP)  # no case file: nothing decrypted, nothing known
    service.execute(CTX, OpenActivity.model_validate(NAMED))  # a first name no case file holds

    opened = case_files.open(CTX, case_reference="SHSCP-2025-014", source_kind=SourceKind.THEMATIC_AUDIT,
                             role=SubjectRole.CHILD, details=CHILD)
    head = store.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as refused:
        service.execute(CTX, OpenActivity.model_validate(NAMED))
    assert (refused.value.code, refused.value.field) == ("text_contains_known_name", "scope")
    dated = {**AUDIT, "title": "Audit of the 17 March 2014 referral"}
    with pytest.raises(InvalidInput) as refused:
        service.execute(CTX, OpenActivity.model_validate(dated))
    assert (refused.value.code, refused.value.field) == ("text_contains_known_date_of_birth", "title")

    key = create_api_key(store, PARTNERSHIP, "case-system", issued_by="admin:test").key
    message = {"partnership_id": PARTNERSHIP, "command": "open_activity", "payload": NAMED}
    letter = consumers.ingest.apply_message(service, json.dumps(message).encode(), key)
    assert letter is not None
    assert (letter["error"]["code"], letter["error"]["field"]) == ("text_contains_known_name", "scope")
    assert "Zephyrine" not in letter["error"]["message"]
    assert store.recorder.max_notification_id() == head + 1  # the API key's event, nothing else

    case_files.erase(opened.subject_ref, principal="dpo", rationale="The subject's request.")
    service.execute(CTX, OpenActivity.model_validate(NAMED))  # erased: the details are unreadable
