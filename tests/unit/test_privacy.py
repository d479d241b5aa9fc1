"""Case references stay pseudonymous: no names, no dates of birth."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.privacy import check_case_reference


@pytest.mark.parametrize(
    "reference",
    [
        "SHSCP-2025-014",
        "RR/24/007",
        "CSPR_2023_3",
        "A12",  # shortest: three characters
        "C" + "1" * 39,  # longest: forty characters
        "2025-0142",
        "case-20251399",  # 8 digits, but month 13 is no date
    ],
)
def test_a_pseudonymous_reference_is_accepted(reference: str) -> None:
    assert check_case_reference(reference) == reference


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
