"""Case references stay pseudonymous: no names, no dates of birth, no addresses."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.privacy import CASE_REFERENCE_PATTERN, check_case_reference
from domain.screening import KnownIdentities

ACCEPTED = [
    "SHSCP-2025-014",
    "SHSCP-RR-0142",
    "SHSCP-MAPLR-0057",
    "SHSCP-R014",
    "RR/24/007",
    "RR-2025-3",
    "CIR-25-1",
    "CSPR_2023_3",
    "A12",  # shortest: three characters
    "C" + "1" * 39,  # longest: forty characters
    "2025-0142",
    # 8 digits, but month 13 is no date. (Was "case-20251399": a reference is written in
    # capitals now, since names are written in mixed case.)
    "CASE-20251399",
    "ABCDEF-1",  # a letter run of six, like SHSCP
]


@pytest.mark.parametrize("reference", ACCEPTED)
def test_a_pseudonymous_reference_is_accepted(reference: str) -> None:
    assert check_case_reference(reference) == reference
    # The OpenAPI document is never stricter than the rule.
    assert re.fullmatch(CASE_REFERENCE_PATTERN, reference)


@pytest.mark.parametrize(
    "reference",
    [
        "Jane Smith",  # a name has spaces
        "Child Q 2025",
        "SHSCP-2025-014 ",
        "SHSCP-2025-014\n",  # a trailing newline is whitespace too
        "SHSCP-ABC",  # no digit
        "JaneSmith",
        "A1",  # too short
        "C" + "1" * 40,  # too long
        "-2025-014",  # must start with a letter or digit
        "SHSCP.2025.014",
        "Zoë-2025",
        "case-2025",  # small letters: names are written so
        "Shscp-2025",
        "ABCDEFG-1",  # a run of seven letters is longer than a code
        "ZEPHYRINE-1",
        # Issue 12: each got past the former rule.
        "Zephyrine-Quillfeather-1",
        "ZephyrineQuillfeather_17032014",
        "ZQ-17Mar2014",
        "Quillfeather/42-Marmalade-Lane",
        "QUILLFEATHER/42-MARMALADE-LANE",
    ],
)
def test_a_reference_that_could_be_a_name_is_refused(reference: str) -> None:
    with pytest.raises(InvalidInput) as e:
        check_case_reference(reference)
    assert (e.value.code, e.value.field) == ("case_reference_not_pseudonymous", "case_reference")
    assert e.value.status == 422


@pytest.mark.parametrize(
    "reference",
    [
        "SHSCP-14-03-2015",  # dd-mm-yyyy
        "CASE/1/3/15",  # d/m/yy
        "REF-2015-03-14",  # yyyy-mm-dd
        "REF_2015/3/4",
        "C20150314",  # yyyymmdd
        "DOB19991231X",
        "ZQ-17MAR2014",  # issue 12, in capitals
        "ZQ_17032014",  # ddmmyyyy
        "ZQ-17-MARCH-2014",
        "ZQ-MAR17-2014",
        "REF-17MAR14",
        "REF-17/3/14",
    ],
)
def test_a_reference_containing_a_date_is_refused(reference: str) -> None:
    with pytest.raises(InvalidInput) as e:
        check_case_reference(reference)
    assert (e.value.code, e.value.field) == ("case_reference_contains_date", "case_reference")


def test_the_field_at_fault_is_named() -> None:
    with pytest.raises(InvalidInput) as e:
        check_case_reference("Jane Smith", "items[3].case_reference")
    assert e.value.field == "items[3].case_reference"


@pytest.mark.parametrize("reference", ["Q/42-ELM-LANE", "SHSCP-7A/ELM/RD", "CASE-12-OAK-TREE-CL", "REF_3_MILL_ST"])
def test_a_reference_that_reads_as_an_address_is_refused(reference: str) -> None:
    with pytest.raises(InvalidInput) as e:
        check_case_reference(reference)
    assert (e.value.code, e.value.field) == ("case_reference_contains_address", "case_reference")


@pytest.mark.parametrize(
    "reference, code",
    [
        ("SHSCP-WA10-1AB", "text_contains_postcode"),
        ("SHSCP_WA101AB", "text_contains_postcode"),
        ("REF-943-476-5919", "text_contains_nhs_number"),
        ("TEL-07700-900123", "text_contains_phone_number"),
    ],
)
def test_the_identity_screen_runs_on_references(reference: str, code: str) -> None:
    with pytest.raises(InvalidInput) as e:
        check_case_reference(reference, "items[0].case_reference")
    assert (e.value.code, e.value.field) == (code, "items[0].case_reference")
    assert reference not in e.value.message


def test_a_reference_holding_a_known_name_or_date_of_birth_is_refused() -> None:
    known = KnownIdentities(names=["Ada Tam"], dates_of_birth=[date(2014, 3, 17)])
    with pytest.raises(InvalidInput) as e:
        check_case_reference("ADA-TAM-7", known=known)
    assert e.value.code == "text_contains_known_name"
    with pytest.raises(InvalidInput) as e:
        check_case_reference("REF-140317", known=known)  # yymmdd: no date but to one who knows it
    assert e.value.code == "text_contains_known_date_of_birth"
    assert check_case_reference("ADA-7", known=known) == "ADA-7"
    assert check_case_reference("REF-140318", known=known) == "REF-140318"


def _shape(reference: str) -> bool:
    """The rule's shape, said another way: capitals, digits and separators, starting with a
    capital or a digit, a digit somewhere, no run of seven capitals."""
    return (
        re.fullmatch(r"[A-Z0-9][A-Z0-9_/-]*", reference) is not None
        and any(c.isdigit() for c in reference)
        and re.search(r"[A-Z]{7}", reference) is None
    )


@given(st.text(alphabet="ABCDEFGHa0123-/_ .", max_size=24))
def test_the_documented_pattern_says_what_the_rule_says(reference: str) -> None:
    assert (re.fullmatch(CASE_REFERENCE_PATTERN, reference) is not None) == _shape(reference)
