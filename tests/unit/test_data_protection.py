"""A partnership's data-protection policy as data: who reads personal details, how long they are kept."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from pydantic import ValidationError

from domain.commands.partnership import SetPersonalDataReaders
from domain.data_protection import set_personal_data_readers, set_retention_period
from domain.errors import InvalidInput, RuleViolation
from domain.framework import SourceKind
from domain.personal_data import (
    CIPHERTEXT_PREFIX,
    RETENTION_YEARS,
    DataSubject,
    SubjectRole,
    close_case_file,
    new_subject_ref,
    open_case_file,
    read_personal_details,
    reads_aggregate_id,
    subjects_due_for_erasure,
)
from tests.unit.builders import ctx, partnership

AUDIT = SourceKind.THEMATIC_AUDIT


def test_a_partnership_starts_with_its_admins_as_readers_and_the_seeds_schedule() -> None:
    p = partnership()
    assert p.personal_data_readers == ("admin",)
    assert p.may_read_personal_data("admin") and not p.may_read_personal_data("scrutineer")
    assert p.retention_schedule() == RETENTION_YEARS


def test_readers_are_named_with_a_rationale_and_only_when_they_change() -> None:
    p = partnership()
    with pytest.raises(InvalidInput) as unreasoned:
        set_personal_data_readers(p, ctx(), roles=("secretary", "admin"))
    assert unreasoned.value.field == "rationale"
    p2 = set_personal_data_readers(p, ctx("Panel secretaries prepare the papers"), roles=("secretary", "admin")).result
    assert p2.personal_data_readers == ("admin", "secretary") and p2.may_read_personal_data("secretary")
    with pytest.raises(RuleViolation) as same:
        set_personal_data_readers(p2, ctx("again"), roles=("admin", "secretary", "admin"))
    assert same.value.code == "personal_data_readers_unchanged"
    nobody = set_personal_data_readers(p2, ctx("Details are held only to be erased"), roles=()).result
    assert not nobody.may_read_personal_data("admin")


def test_an_emitting_service_cannot_be_named_a_reader() -> None:
    with pytest.raises(ValidationError):
        SetPersonalDataReaders.model_validate({"roles": ["service"], "rationale": "x"})


def test_a_retention_period_is_set_per_kind_with_a_rationale() -> None:
    p = partnership()
    with pytest.raises(InvalidInput) as unreasoned:
        set_retention_period(p, ctx(), source_kind=AUDIT, retention_years=2)
    assert unreasoned.value.field == "rationale"
    with pytest.raises(InvalidInput) as zero:
        set_retention_period(p, ctx("why"), source_kind=AUDIT, retention_years=0)
    assert zero.value.field == "retention_years"
    with pytest.raises(RuleViolation):
        set_retention_period(p, ctx("why"), source_kind=AUDIT, retention_years=RETENTION_YEARS[AUDIT])
    p2 = set_retention_period(p, ctx("Records policy 2026"), source_kind=AUDIT, retention_years=2).result
    assert p2.retention_schedule()[AUDIT] == 2
    assert {k: v for k, v in p2.retention_schedule().items() if k is not AUDIT} == {
        k: v for k, v in RETENTION_YEARS.items() if k is not AUDIT
    }


def test_the_partnerships_schedule_decides_who_is_due() -> None:
    cipher = CIPHERTEXT_PREFIX + base64.b64encode(bytes(40)).decode()
    subject = DataSubject(subject_ref=new_subject_ref(), role=SubjectRole.CHILD)
    opened = open_case_file(
        ctx("x"), case_reference="SHSCP-2025-014", source_kind=AUDIT, subject=subject, details_ciphertext=cipher
    ).result
    closed_on = opened.created_on.date()
    cf = close_case_file(opened, ctx("x"), closed_on=closed_on, today=closed_on).result
    two_years_on = date(closed_on.year + 2, closed_on.month, min(closed_on.day, 28))
    p = set_retention_period(partnership(), ctx("Records policy"), source_kind=AUDIT, retention_years=2).result
    assert subjects_due_for_erasure([cf], two_years_on, partnership().retention_schedule()) == {}
    assert list(subjects_due_for_erasure([cf], two_years_on, p.retention_schedule())) == [subject.subject_ref]


def test_a_read_of_personal_details_needs_a_reason_and_names_no_one() -> None:
    subject = DataSubject(subject_ref=new_subject_ref(), role=SubjectRole.CHILD)
    cipher = CIPHERTEXT_PREFIX + base64.b64encode(bytes(40)).decode()
    cf = open_case_file(
        ctx("x"), case_reference="SHSCP-2025-014", source_kind=AUDIT, subject=subject, details_ciphertext=cipher
    ).result
    for reason in (None, "", "  \n"):
        with pytest.raises(InvalidInput) as refused:
            read_personal_details(cf, ctx(reason), read_in="case_file", version=1)
        assert (refused.value.code, refused.value.field) == ("reason_required", "reason")
    read = read_personal_details(cf, ctx("Panel papers"), read_in="history", version=3)
    assert (read.originator_id, read.originator_version) == (reads_aggregate_id(cf.id), 3)
    assert (read.case_file_id, read.subject_ref, read.rationale) == (cf.id, subject.subject_ref, "Panel papers")
    assert read.originator_id != cf.id  # a read never moves the case file's version
