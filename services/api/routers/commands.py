"""Every command's POST route, one per declaration (domain/commands)."""

from __future__ import annotations

from fastapi import APIRouter

from domain.commands import DECLARATIONS
from services.api.command_routes import add_command_route

router = APIRouter()

for declaration in DECLARATIONS.values():
    add_command_route(router, declaration)
