"""Case files and the retention schedule: the pure rules of domain/personal_data.py."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from domain.aggregate import Context
from domain.errors import InvalidInput, RuleViolation
from domain.framework import SourceKind
from domain.personal_data import (
    CIPHERTEXT_PREFIX,
    RETENTION_YEARS,
    CaseFile,
    DataSubject,
    SubjectRole,
    add_years,
    check_ciphertext,
    close_case_file,
    due_for_erasure,
    erase_subject,
    new_subject_ref,
    open_case_file,
    record_personal_details,
    retention_ends,
    subjects_due_for_erasure,
)

CTX = Context(partnership_id="st-helens", principal="dpo@st-helens", rationale="Subject access request 42")
CIPHER = CIPHERTEXT_PREFIX + base64.b64encode(bytes(40)).decode()


def case_file(
    kind: SourceKind = SourceKind.THEMATIC_AUDIT, *, subject_ref: str | None = None, ref: str = "SHSCP-2025-014"
) -> CaseFile:
    subject = DataSubject(subject_ref=subject_ref or new_subject_ref(), role=SubjectRole.CHILD)
    return open_case_file(CTX, case_reference=ref, source_kind=kind, subject=subject, details_ciphertext=CIPHER).result


def closed(cf: CaseFile, on: date) -> CaseFile:
    # The clock is set to the closure: these tests are about the retention that follows it.
    return close_case_file(cf, CTX, closed_on=on, today=on).result


def test_every_source_kind_has_a_retention_period() -> None:
    assert set(RETENTION_YEARS) == set(SourceKind)
    assert RETENTION_YEARS[SourceKind.SAFEGUARDING_PRACTICE_REVIEW] == 25
    assert RETENTION_YEARS[SourceKind.MULTI_AGENCY_CASE_AUDIT] == 6


@pytest.mark.parametrize(
    "value",
    ["Jane Smith", "SmFuZSBTbWl0aA==", CIPHERTEXT_PREFIX + "SmFuZQ==", CIPHERTEXT_PREFIX + "not base64!"],
)
def test_clear_text_cannot_pass_as_ciphertext(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_ciphertext(value)
    assert caught.value.code == "personal_data_not_encrypted"


def test_opening_refuses_a_case_reference_that_is_a_name() -> None:
    with pytest.raises(InvalidInput):
        case_file(ref="Jane Smith")


def test_subject_refs_are_pseudonymous_and_distinct() -> None:
    refs = {new_subject_ref() for _ in range(100)}
    assert len(refs) == 100
    assert all(DataSubject(subject_ref=r, role=SubjectRole.CHILD) for r in refs)


def test_an_erased_subject_cannot_be_given_details_again() -> None:
    cf = erase_subject(case_file(), CTX, basis="request").result
    assert cf.erased
    with pytest.raises(RuleViolation) as caught:
        record_personal_details(cf, CTX, details_ciphertext=CIPHER)
    assert caught.value.code == "subject_erased"
    with pytest.raises(RuleViolation):
        erase_subject(cf, CTX, basis="request")


def test_erasure_records_its_rationale() -> None:
    with pytest.raises(InvalidInput) as caught:
        erase_subject(case_file(), CTX.model_copy(update={"rationale": " "}), basis="request")
    assert caught.value.field == "rationale"
    event = erase_subject(case_file(), CTX, basis="retention").events[0]
    assert (event.principal, event.rationale) == ("dpo@st-helens", "Subject access request 42")


def test_a_case_file_closes_once() -> None:
    cf = closed(case_file(), date(2030, 1, 1))
    with pytest.raises(RuleViolation):
        closed(cf, date(2030, 1, 2))


def test_add_years_keeps_the_day_or_falls_back_from_29_february() -> None:
    assert add_years(date(2024, 2, 29), 6) == date(2030, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2025, 7, 31), 25) == date(2050, 7, 31)


def test_retention_runs_from_closure_by_source_kind() -> None:
    review = case_file(SourceKind.SAFEGUARDING_PRACTICE_REVIEW)
    assert retention_ends(review) is None  # open files are never due
    assert retention_ends(closed(review, date(2030, 3, 1))) == date(2055, 3, 1)
    assert retention_ends(closed(case_file(), date(2030, 3, 1))) == date(2036, 3, 1)


def test_due_for_erasure_on_and_after_the_day_retention_ends() -> None:
    audit = closed(case_file(), date(2030, 3, 1))
    review = closed(case_file(SourceKind.RAPID_REVIEW), date(2030, 3, 1))
    still_open = case_file()
    files = [review, still_open, audit]
    assert due_for_erasure(files, date(2036, 2, 28)) == []
    assert due_for_erasure(files, date(2036, 3, 1)) == [audit]
    assert due_for_erasure(files, date(2060, 1, 1)) == [audit, review]
    erased = erase_subject(audit, CTX, basis="retention").result
    assert due_for_erasure([erased], date(2060, 1, 1)) == []


def test_a_subject_in_several_files_is_due_only_when_all_are() -> None:
    ref = new_subject_ref()
    audit = closed(case_file(subject_ref=ref), date(2030, 3, 1))
    review = closed(case_file(SourceKind.SAFEGUARDING_PRACTICE_REVIEW, subject_ref=ref), date(2030, 3, 1))
    other = closed(case_file(), date(2030, 3, 1))
    assert subjects_due_for_erasure([audit, review, other], date(2040, 1, 1)) == {other.subject.subject_ref: [other]}
    due = subjects_due_for_erasure([audit, review, other], date(2056, 1, 1))
    assert due[ref] == [audit, review]
    # A custom schedule (the partnership's own policy) is honoured.
    schedule = dict(RETENTION_YEARS) | {SourceKind.SAFEGUARDING_PRACTICE_REVIEW: 6}
    assert ref in subjects_due_for_erasure([audit, review], date(2036, 3, 1), schedule)
