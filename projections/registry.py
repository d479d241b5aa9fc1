"""Every projection the system runs, by name."""

from __future__ import annotations

from projections.agenda.view import AgendaView
from projections.audit import AuditView
from projections.clocks_view import ClocksView
from projections.meetings import MeetingsView
from projections.themes import ThemesView
from projections.tracker import TrackerView
from projections.view import View
from projections.views.lists import ListsView
from projections.views.search import SearchView


def all_views() -> list[View]:
    views: list[View] = []
    # Each projection module adds itself here (one line each).
    views.append(TrackerView())
    views.append(AuditView())
    views.append(AgendaView())
    views.append(ThemesView())
    views.append(ClocksView())
    views.append(ListsView())
    views.append(SearchView())
    views.append(MeetingsView())
    return views
