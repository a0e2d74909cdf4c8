"""Every dashboard route: the public page, login/logout and the supervisor pages."""

from __future__ import annotations

from fastapi import APIRouter

from app.dashboard import (
    dossier_page,
    login,
    notices_page,
    procedure_page,
    public,
    quality_page,
    quarantine_page,
    risk_page,
    senders_page,
    slip_page,
    units_page,
    worklists,
)

router = APIRouter(include_in_schema=False)
for _part in (
    public.router,
    login.router,
    worklists.router,
    risk_page.router,
    dossier_page.router,
    procedure_page.router,
    notices_page.router,
    quarantine_page.router,
    quality_page.router,
    senders_page.router,
    slip_page.router,
    units_page.router,
):
    router.include_router(_part)
