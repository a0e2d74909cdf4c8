"""Server-rendered Vietnamese pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from app.api.deps import SessionDep
from app.models import Dossier

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    dossier_count = session.scalar(select(func.count()).select_from(Dossier)) or 0
    return templates.TemplateResponse(
        request, "home.html.j2", {"dossier_count": dossier_count}
    )
