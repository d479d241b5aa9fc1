"""Why an agency received an item of learning is said in words on its inbox, never as the
delivery ledger's rule (domain/routing.py route_reasons names them)."""

from __future__ import annotations

import pytest

from services.web.agency_reads import reason


@pytest.mark.parametrize(("rule", "said"), [
    ("owner", "Your agency owns this action."),
    ("acknowledgement_expected", "Your agency is expected to acknowledge this learning and say how it cascaded it."),
    ("addressed_to", "It is addressed to your agency."),
    ("point_of_dissemination:audit-review-learning-forum",
     "Your agency subscribed to the learning of the forum Audit, Review and Learning Forum."),
    ("subscribed:theme=domestic_abuse", "Your agency subscribed to the theme domestic abuse."),
])
def test_each_rule_is_said_in_words(rule: str, said: str) -> None:
    assert reason(rule) == said
