"""domain/yearly_report.py: the yearly report's publication, once per period, and its sending to the Panel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import yearly_report as yr
from domain.errors import DomainError, InvalidInput, RuleViolation
from tests.unit import builders as build
from tests.unit.builders import D0, ctx


def test_a_yearly_report_is_published_once_per_period_and_sent_to_the_panel_after() -> None:
    p = build.partnership()
    anchor = "7:" + "ab" * 32
    with pytest.raises(InvalidInput) as invalid:
        yr.publish_yearly_report(p, ctx(), period_from=D0, period_to=D0, anchor=anchor, published_on=D0)
    assert (invalid.value.code, invalid.value.field) == ("invalid_period", "period_to")
    year_end = D0 + timedelta(days=364)
    p = yr.publish_yearly_report(p, ctx(), period_from=D0, period_to=year_end, anchor=anchor,
                                 published_on=year_end).result
    assert p.yearly_reports[0].anchor == anchor
    with pytest.raises(DomainError) as conflict:
        yr.publish_yearly_report(p, ctx(), period_from=D0, period_to=year_end, anchor=anchor, published_on=year_end)
    assert conflict.value.code == "yearly_report_published"
    with pytest.raises(RuleViolation) as refused:
        yr.send_yearly_report_to_panel(p, ctx(), period_to=year_end, sent_on=year_end - timedelta(days=1))
    assert refused.value.field == "sent_on"
    p = yr.send_yearly_report_to_panel(p, ctx(), period_to=year_end, sent_on=year_end).result
    assert p.yearly_reports[0].sent_to_panel_on == year_end
