"""domain/screening.py: free text that would identify someone is refused, naming the field, never the detail."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.screening import EMPTY, KnownIdentities, fold, screen

FIELD = "items[2].rationale"
KNOWN = KnownIdentities(
    names=["Zéphyrine Amelia Quillfeather", "Li Wu", "Grace Hope Brown", "Ottoline McAllister"],
    dates_of_birth=[date(2014, 3, 17)],
    addresses=["42 Marmalade Lane, Thatto Heath, St Helens WA10 1AB", "Flat 7\nLowther House"],
)


def refusal(text: str, known: KnownIdentities = EMPTY, field: str = FIELD) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        screen(text, field, known)
    return caught.value


def assert_refused(text: str, detail: str, code: str, known: KnownIdentities = EMPTY) -> None:
    """Refused with `code`, naming the field and where `detail` starts, and never echoing it."""
    error = refusal(text, known)
    assert (error.code, error.field, error.status) == (code, FIELD, 422)
    assert error.message.startswith(f"{FIELD} holds what looks like ")
    assert f"at character {text.index(detail)}:" in error.message
    assert detail not in error.message
    assert fold(detail) not in fold(error.message)
    digits = "".join(c for c in detail if c.isdigit())
    assert len(digits) < 2 or digits not in "".join(c for c in error.message if c.isdigit())


def in_a_sentence(detail: str) -> str:
    return f"Agreed by the ARLF after the review: {detail} was shared."


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "943-476-5919", "401 023 2137"])
def test_an_nhs_number_with_a_valid_check_digit_is_refused(number: str) -> None:
    assert_refused(in_a_sentence(number), number, "text_contains_nhs_number")


@pytest.mark.parametrize(
    "text",
    [
        "943 476 5918",  # the check digit fails
        "943 476 5910",
        "943 4765 919",  # not 3-3-4
        "943-476 5919",  # two kinds of separator
        "94347659",  # too short
        "Cases 2024: 4015 across 23 agencies",
        "C1111111111111111111111111",  # a longer run of digits holds no 10-digit number
    ],
)
def test_ten_digits_that_are_no_nhs_number_pass(text: str) -> None:
    screen(text, FIELD)


@pytest.mark.parametrize(
    "postcode",
    ["WA10 1AB", "wa10 1ab", "WA101AB", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB", "GIR 0AA"],
)
def test_a_uk_postcode_is_refused_in_any_case_with_or_without_the_space(postcode: str) -> None:
    assert_refused(in_a_sentence(postcode), postcode, "text_contains_postcode")


@pytest.mark.parametrize(
    "text",
    [
        "SHSCP-2025-014",
        "Q3 2025 return",
        "Section 11 audit 2025",
        "Vitamin B12 deficiency was not picked up",
        "a B12 2nd dose",  # a lower-case ordinal is no inward code
        "The WA10 area",  # an outward code alone
        "GCP2 multi-agency training",
        "Year 7 2nd term",
        "NHS Cheshire and Merseyside ICB (St Helens Place)",
        "Mersey and West Lancashire Teaching Hospitals",
        "Section 157/175 audit",
    ],
)
def test_what_only_looks_close_to_a_postcode_passes(text: str) -> None:
    screen(text, FIELD)


@pytest.mark.parametrize(
    "number",
    [
        "0151 123 4567",
        "01511234567",
        "0151-123-4567",
        "(0151) 123 4567",
        "01744 456789",
        "07700 900123",
        "07700-900-123",
        "020 7946 0000",
        "0300 123 4567",
        "0800 123 4567",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)151 123 4567",
        "0044 20 7946 0000",
    ],
)
def test_a_uk_telephone_number_is_refused(number: str) -> None:
    assert_refused(in_a_sentence(number), number, "text_contains_phone_number")


@pytest.mark.parametrize(
    "text",
    [
        "SHSCP-2025-014",
        "01-02-2014 12 attended",  # a date and a count
        "0151 123",  # too short
        "0900 123 4567",  # premium-rate numbers are nobody's home
        "In 2025 07 actions closed",
        "RR/24/007",
    ],
)
def test_numbers_that_are_no_telephone_number_pass(text: str) -> None:
    screen(text, FIELD)


@pytest.mark.parametrize("email", ["jane.smith@example.org", "j+x@mail.example.co.uk", "A_B@school.sch.uk"])
def test_an_email_address_is_refused(email: str) -> None:
    assert_refused(in_a_sentence(email), email, "text_contains_email")


@pytest.mark.parametrize("text", ["Signed off by dpo@st-helens", "@st-helens", "email the chair", "a@b"])
def test_what_is_no_email_address_passes(text: str) -> None:
    screen(text, FIELD)


DATE_FORMS = [
    "17/03/2014", "17-3-14", "17.03.2014", "2014-03-17", "17 March 2014", "17th Mar 2014",
    "March 17, 2014", "17Mar2014", "17032014", "17-MAR-2014", "17th of March, 2014",
    "170314",
]


@pytest.mark.parametrize("written", DATE_FORMS)
@pytest.mark.parametrize("cue", ["DOB ", "DOB: ", "D.O.B. ", "d.o.b ", "date of birth ", "Date of Birth is ", "born ",
                                 "born on ", "b. ", "aged 11, ", "birthday "])
def test_a_date_after_a_cue_is_a_date_of_birth(cue: str, written: str) -> None:
    assert_refused(f"Child C ({cue}{written}) was seen.", written, "text_contains_date_of_birth")


@pytest.mark.parametrize("written", ["17/03/2014", "17 March 2014"])
def test_a_date_before_a_cue_is_a_date_of_birth(written: str) -> None:
    assert_refused(f"Child C, {written} (DOB), was seen.", written, "text_contains_date_of_birth")


@pytest.mark.parametrize(
    "text",
    [
        "Agreed at the Board on 12 March 2025.",
        "Meeting 2025-03-12; actions due 30/04/2025.",
        "The idea was born. On 12 March 2025 the Board agreed it.",  # a sentence ends between cue and date
        "Newborn checks were reviewed on 12/03/2025.",
        "Dobson Road clinic, 12 March 2025",
        "Appendix B. 12 March 2025 minutes",  # "b." is a cue in small letters only
        "Born out of the learning from review 3, agreed 12 March 2025",  # a number stands between
        "17032014 records were checked",
        "Ref 170314 was closed",
        "Q3 2025 return",
    ],
)
def test_a_date_without_a_cue_passes(text: str) -> None:
    screen(text, FIELD)


@pytest.mark.parametrize(
    "text, detail",
    [
        ("Zéphyrine Amelia Quillfeather", "Zéphyrine Amelia Quillfeather"),
        ("met ZEPHYRINE at school", "ZEPHYRINE"),
        ("met zephyrine at school", "zephyrine"),  # accents folded
        ("the Quillfeather family", "Quillfeather"),
        ("ZephyrineQuillfeather_17", "ZephyrineQuillfeather"),  # run together
        ("Zephyrine Quillfeather", "Zephyrine Quillfeather"),  # without the middle name
        ("Quillfeather/42", "Quillfeather"),
        ("spoke to Li Wu", "Li Wu"),  # short parts: the full name only
        ("Grace Brown", "Grace Brown"),  # common words: the full name only
        ("GRACE HOPE BROWN", "GRACE HOPE BROWN"),
        ("the McAllister household", "McAllister"),
        ("the MCALLISTER household", "MCALLISTER"),
        ("Ottoline's school", "Ottoline"),
        ("Mc Allister", "Allister"),  # a part of a part
        ("the café at McAllister\u2019s", "McAllister"),  # a text that is not ASCII is cut the same way
    ],
)
def test_a_known_name_is_refused(text: str, detail: str) -> None:
    assert_refused(text, detail, "text_contains_known_name", KNOWN)


@pytest.mark.parametrize(
    "text",
    [
        "Li and Wu",  # short parts on their own are no name
        "We hope the review brings grace to the practice.",
        "Brown envelope, grace period",
        "Quillfeathers",  # on word boundaries only
        "Ameliorate the plan",
    ],
)
def test_ordinary_words_that_share_letters_with_a_known_name_pass(text: str) -> None:
    screen(text, FIELD, KNOWN)


def test_a_known_middle_name_is_a_part_like_the_others() -> None:
    assert_refused("Amelia was present", "Amelia", "text_contains_known_name", KNOWN)


@pytest.mark.parametrize("written", [*DATE_FORMS, "03/17/2014", "3/17/14", "17 Mar '14", "20140317", "140317"])
def test_a_known_date_of_birth_is_refused_in_any_form_without_a_cue(written: str) -> None:
    assert_refused(f"Seen on {written} by the health visitor.", written, "text_contains_known_date_of_birth", KNOWN)


@pytest.mark.parametrize("text", ["Seen on 18/03/2014.", "Seen on 17 March 2015.", "Seen on 17/03/2024."])
def test_another_date_is_not_a_known_date_of_birth(text: str) -> None:
    screen(text, FIELD, KNOWN)


@pytest.mark.parametrize(
    "text, detail",
    [
        ("Visit to 42 Marmalade Lane", "42 Marmalade Lane"),
        ("visit to 42, marmalade  lane", "42, marmalade  lane"),
        ("Visit to 42 MARMALADE LN.", "42 MARMALADE LN"),
        ("Visit to 42-Marmalade-Lane", "42-Marmalade-Lane"),
        ("Visit to 42 Marmalade Lane's corner", "42 Marmalade Lane"),
        ("Visit to Flat 7", "Flat 7"),  # a first line as the case file holds it
        ("Area WA10 1AB", "WA10 1AB"),  # its postcode: more than a postcode
        ("Area wa101ab", "wa101ab"),
    ],
)
def test_a_known_address_is_refused_by_its_first_line_or_its_postcode(text: str, detail: str) -> None:
    assert_refused(text, detail, "text_contains_known_address", KNOWN)


@pytest.mark.parametrize("text", ["Visit to 43 Marmalade Lane", "Thatto Heath children's centre", "St Helens"])
def test_the_rest_of_a_known_address_is_not_screened(text: str) -> None:
    screen(text, FIELD, KNOWN)


def test_known_identities_never_show_their_details() -> None:
    shown = repr(KNOWN) + str(KNOWN)
    assert shown.count("KnownIdentities(4 names, 1 dates of birth, 2 addresses)") == 2
    for detail in ("Quillfeather", "quillfeather", "2014", "Marmalade", "marmalade", "WA10"):
        assert detail not in shown
    assert not EMPTY and KNOWN


def test_the_field_at_fault_is_named() -> None:
    error = refusal("ring 0151 123 4567", field="findings[3].summary")
    assert error.field == "findings[3].summary"
    assert error.message.startswith("findings[3].summary holds what looks like a telephone number at character 5:")


def test_a_known_detail_is_reported_before_a_kind_of_detail() -> None:
    assert refusal("WA10 1AB", KNOWN).code == "text_contains_known_address"
    assert refusal("WA9 1AB", KNOWN).code == "text_contains_postcode"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


SEED = Path(__file__).parents[2] / "services" / "seeds" / "scenarios" / "st-helens.toml"


def test_every_text_of_the_demo_partnership_passes() -> None:
    texts = list(_strings(tomllib.loads(SEED.read_text(encoding="utf-8"))))
    assert len(texts) > 300
    for text in texts:
        screen(text, FIELD, KNOWN)
