"""Anchors are read as POSITION:HASH, and anything else is refused by name."""

from __future__ import annotations

import re

import pytest

from adapters.chain import ANCHOR_PATTERN, BadAnchor, parse_anchor

DIGEST = "ab" * 32


def test_an_anchor_is_a_position_and_a_sha256() -> None:
    assert parse_anchor(f"42:{DIGEST}") == (42, bytes.fromhex(DIGEST))
    assert parse_anchor(f" 7:{DIGEST.upper()} ") == (7, bytes.fromhex(DIGEST))


@pytest.mark.parametrize(
    "text",
    [
        "", "42", f":{DIGEST}", f"0:{DIGEST}", f"-3:{DIGEST}", f"x:{DIGEST}",
        "42:abc", f"42:{DIGEST}00", "42:" + "zz" * 32,
    ],
)
def test_anything_else_is_refused_saying_what_is_wanted(text: str) -> None:
    with pytest.raises(BadAnchor, match="POSITION:HASH"):
        parse_anchor(text)
    assert not re.fullmatch(ANCHOR_PATTERN, text.strip())
