"""The identity screen: free text that would identify a child is refused before it is recorded.

Titles, scopes, rationales, summaries and recommendations are recorded in clear,
copied into views, feeds and Kafka, and kept for years: they must name no one.
`screen` refuses a text that holds

- a name, date of birth or address held in the partnership's own case files
  (`KnownIdentities`, given in memory by the caller from the decrypted details);
- an NHS number (with a valid modulus-11 check digit), a UK postcode, a UK
  telephone number or an e-mail address;
- a date of birth: a date next to a cue (DOB, date of birth, born, b., aged ...).
  A bare date is a meeting's or a decision's ("agreed at the Board on 12 March 2025")
  and passes, unless it is a known child's date of birth.

The refusal names the field, the kind of detail and where it starts (a character
offset), and never the detail itself: refusals are logged and kept in ingest reports,
and the detail is personal data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import NamedTuple

from domain.common_words import COMMON_WORDS
from domain.errors import InvalidInput
from domain.written_dates import Day, written_dates

# 10 digits, optionally 3-3-4 with one kind of separator (the check digit is tested after).
_NHS_NUMBER = re.compile(r"(?<!\d)\d{3}([ -]?)\d{3}\1\d{4}(?!\d)")
# Starting only where a local part can start keeps a long word without "@" linear.
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")
# 01/02/03/07/08 numbers: 10 or 11 digits with the 0, or +44 / 0044 (and "(0)") with 9 or 10.
# The first group has 3 digits at least (0151, 07700), so that 01-02-2014 is no number.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)44[ \-]?(?:\(0\)[ \-]?)?|\(?0)[1237-8]\d(?:[ \-()]{0,2}\d){7,8}(?!\d)"
)
# Outward code (A9, A99, A9A, AA9, AA99, AA9A, with the letters each position allows),
# an optional space, inward code (9AA, never C I K M O V).
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r" ?(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2}))(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ORDINAL_ENDINGS = frozenset({"st", "nd", "rd", "th"})
_DOB_CUE = (
    r"(?:\bd\.?[ ]?o\.?[ ]?b(?:\.|\b)|\bdate[ ]+of[ ]+birth\b|\bbirth[ ]?date\b|\bbirthday\b|\bborn\b"
    r"|(?-i:\bb\.))"  # "b." in small letters only: "Appendix B." is no cue
)
# A cue, then up to 30 characters that end no sentence and hold no number, then the date.
_CUE = rf"(?:{_DOB_CUE}|\baged[ ]+\d{{1,2}}(?:[ ]*(?:years?|yrs?|months?|mths?))?(?:[ ]+old)?)"
_ANY_CUE = re.compile(_CUE, re.IGNORECASE)
_CUE_BEFORE = re.compile(rf"{_CUE}[^\d.;!?\n]{{0,30}}\Z", re.IGNORECASE)
_CUE_AFTER = re.compile(rf"[ \t]*[(\[,:\-]?[ \t]*{_DOB_CUE}", re.IGNORECASE)
_CUE_REACH = 80
# Nothing the generic detectors look for can be written without a digit or an "@".
_DIGIT_OR_AT = re.compile(r"[\d@]")
# A word: letters and digits, with any combining accents that follow them.
_WORD = re.compile(r"(?:[^\W_][\u0300-\u036f]*)+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_ASCII_CUT = re.compile(r"[a-z][A-Z]|[A-Za-z][0-9]|[0-9][A-Za-z]")
_ASCII_PIECE = re.compile(r"[A-Z]+[a-z]*|[a-z]+|[0-9]+")
_FIRST_LINE = re.compile(r"[,;\n]")
_STREET_TYPES = {
    "road": "rd", "street": "st", "lane": "ln", "avenue": "ave", "av": "ave", "close": "cl", "drive": "dr",
    "court": "ct", "crescent": "cres", "gardens": "gdns", "place": "pl", "terrace": "tce", "square": "sq",
    "grove": "gr", "mount": "mt", "parade": "pde",
}
_SHORTEST_NAME_PART = 4


class Found(NamedTuple):
    """What the screen found (its error code and a description) and where it starts."""

    code: str
    what: str
    offset: int


def fold(text: str) -> str:
    """Lower case without accents: "Zoë" and "ZOE" are the same name."""
    if text.isascii():
        return text.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _pieces(word: str, start: int) -> Iterator[tuple[str, int]]:
    """A word cut where digits meet letters and where a capital follows a small letter
    ("ZephyrineQuillfeather17" reads as three pieces)."""
    if word.isalpha() and (word.islower() or word.isupper() or word.istitle()):
        yield fold(word), start  # most words: one piece
        return
    begin = 0
    for i in range(1, len(word)):
        before, here = word[i - 1], word[i]
        if before.isdigit() != here.isdigit() or (before.islower() and here.isupper()):
            yield fold(word[begin:i]), start + begin
            begin = i
    yield fold(word[begin:]), start + begin


class _Words(NamedTuple):
    whole: list[tuple[str, int]]
    pieces: list[tuple[str, int]]


def _words(text: str) -> _Words:
    if text.isascii():  # most texts: a regex cuts them as _pieces would, without a loop in Python
        words = [(m.group(), m.start()) for m in _ASCII_WORD.finditer(text.lower())]
        if not _ASCII_CUT.search(text):
            return _Words(words, words)
        return _Words(words, [(m.group().lower(), m.start()) for m in _ASCII_PIECE.finditer(text)])
    whole: list[tuple[str, int]] = []
    pieces: list[tuple[str, int]] = []
    for match in _WORD.finditer(text):
        whole.append((fold(match.group()), match.start()))
        pieces.extend(_pieces(match.group(), match.start()))
    return _Words(whole, pieces)


def _find_sequence(words: Sequence[tuple[str, int]], sequences: dict[str, list[tuple[str, ...]]]) -> int | None:
    folded = [word for word, _ in words]
    for i, (word, offset) in enumerate(words):
        for sequence in sequences.get(word, ()):
            if tuple(folded[i : i + len(sequence)]) == sequence:
                return offset
    return None


def _index(sequences: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for sequence in set(sequences):
        by_first.setdefault(sequence[0], []).append(sequence)
    return by_first


def _street(words: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(_STREET_TYPES.get(word, word), offset) for word, offset in words]


def _postcode(written: str) -> str:
    return written.replace(" ", "").upper()


class KnownIdentities:
    """Names, dates of birth and addresses from the partnership's case files, held in memory.

    Built by the caller from the decrypted details, for one screening or a batch; its
    repr gives counts only, so that it can never put a detail in a log.
    """

    __slots__ = ("_addresses", "_counts", "_dates_of_birth", "_name_parts", "_names", "_postcodes")

    def __init__(
        self, names: Iterable[str] = (), dates_of_birth: Iterable[date] = (), addresses: Iterable[str] = ()
    ) -> None:
        names, dates_of_birth, addresses = list(names), list(dates_of_birth), list(addresses)
        self._counts = (len(names), len(dates_of_birth), len(addresses))
        sequences: list[tuple[str, ...]] = []
        parts: set[str] = set()
        for name in names:
            words = _words(name)
            for tokens in (words.whole, words.pieces):
                folded = tuple(word for word, _ in tokens)
                if len(folded) >= 2:
                    sequences.append(folded)
                    sequences.append((folded[0], folded[-1]))  # without the middle names
                parts.update(
                    word for word in folded if len(word) >= _SHORTEST_NAME_PART and word not in COMMON_WORDS
                )
        self._names = _index(sequences)
        self._name_parts = frozenset(parts)
        self._dates_of_birth = frozenset(way for known in dates_of_birth for way in Day.written_ways(known))
        lines = (tuple(word for word, _ in _street(_words(_FIRST_LINE.split(a)[0]).pieces)) for a in addresses)
        self._addresses = _index(line for line in lines if line)
        self._postcodes = frozenset(_postcode(m.group()) for a in addresses for m in _POSTCODE.finditer(a))

    def __bool__(self) -> bool:
        return any(self._counts)

    def __repr__(self) -> str:
        names, dates, addresses = self._counts
        return f"KnownIdentities({names} names, {dates} dates of birth, {addresses} addresses)"

    def find_in(self, text: str) -> Found | None:
        """The first known detail in `text`: a name, then a date of birth, then an address."""
        words = _words(text)
        offset = _find_sequence(words.whole, self._names)
        if offset is None:
            offset = _find_sequence(words.pieces, self._names)
        if offset is None:
            offset = next((at for word, at in words.whole + words.pieces if word in self._name_parts), None)
        if offset is not None:
            return Found("text_contains_known_name", "a name held in the partnership's case files", offset)
        if self._dates_of_birth:
            for written in written_dates(text, six_digits=True):
                if not self._dates_of_birth.isdisjoint(written.days):
                    return Found(
                        "text_contains_known_date_of_birth",
                        "a date of birth held in the partnership's case files",
                        written.start,
                    )
        offset = _find_sequence(_street(words.pieces), self._addresses)
        if offset is None:
            postcodes = (m for m in _POSTCODE.finditer(text) if _postcode(m.group()) in self._postcodes)
            offset = next((m.start() for m in postcodes), None)
        if offset is not None:
            return Found("text_contains_known_address", "an address held in the partnership's case files", offset)
        return None


EMPTY = KnownIdentities()
"""No case files to screen against: the detectors that need no knowledge still run."""


def _nhs_check_digit_holds(digits: str) -> bool:
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_number(text: str) -> int | None:
    for match in _NHS_NUMBER.finditer(text):
        if _nhs_check_digit_holds(re.sub(r"\D", "", match.group())):
            return match.start()
    return None


def _first(pattern: re.Pattern[str]) -> Callable[[str], int | None]:
    def where(text: str) -> int | None:
        match = pattern.search(text)
        return None if match is None else match.start()

    return where


def _postcode_in(text: str) -> int | None:
    for match in _POSTCODE.finditer(text):
        ending = (match.group("inward") or "")[1:]
        # "vitamin B12 2nd dose": a lower-case ordinal is not an inward code.
        if ending in _ORDINAL_ENDINGS:
            continue
        return match.start()
    return None


def _date_of_birth(text: str) -> int | None:
    if not _ANY_CUE.search(text):  # most texts: no need to look for their dates
        return None
    for written in written_dates(text, six_digits=True):
        if _CUE_BEFORE.search(text, max(0, written.start - _CUE_REACH), written.start):
            return written.start
        if _CUE_AFTER.match(text, written.end):
            return written.start
    return None


# In this order: an NHS number before a telephone number (both are ten digits or so).
_DETECTORS: tuple[tuple[str, str, Callable[[str], int | None]], ...] = (
    ("text_contains_nhs_number", "an NHS number", _nhs_number),
    ("text_contains_email", "an e-mail address", _first(_EMAIL)),
    ("text_contains_phone_number", "a telephone number", _first(_PHONE)),
    ("text_contains_postcode", "a UK postcode", _postcode_in),
    ("text_contains_date_of_birth", "a date of birth", _date_of_birth),
)


def find_personal_details(text: str, known: KnownIdentities = EMPTY) -> Found | None:
    """The first detail in `text` that would identify someone, or None."""
    if known:
        found = known.find_in(text)
        if found is not None:
            return found
    if not _DIGIT_OR_AT.search(text):
        return None
    for code, what, detect in _DETECTORS:
        offset = detect(text)
        if offset is not None:
            return Found(code, what, offset)
    return None


def screen(text: str, field: str, known: KnownIdentities = EMPTY) -> None:
    """Refuses (422) a text holding a detail that would identify someone, naming the field
    and where the detail starts, never the detail."""
    found = find_personal_details(text, known)
    if found is not None:
        raise InvalidInput(
            found.code,
            f"{field} holds what looks like {found.what} at character {found.offset}: free text must not "
            "identify anyone; refer to people by their role and to a case by its pseudonymous reference.",
            field,
        )
