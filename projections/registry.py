"""Every projection the system runs, by name."""

from __future__ import annotations

from projections.view import View


def all_views() -> list[View]:
    views: list[View] = []
    # Each projection module adds itself here (one line each).
    return views
