"""The business unit's pages beyond the dashboard, as one router for app.py: its activities and
their lifecycle (bizunit_activities.py), the forums' decisions it records (bizunit_decisions.py),
and the partnership's data it manages (bizunit_manage.py)."""

from __future__ import annotations

from fastapi import APIRouter

from services.web import bizunit_activities, bizunit_decisions, bizunit_manage

router = APIRouter()
router.include_router(bizunit_activities.router)
router.include_router(bizunit_decisions.router)
router.include_router(bizunit_manage.router)
