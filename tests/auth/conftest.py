from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.orm import Session

from app.auth.deps import CurrentPrincipal, Principal, require_roles
from app.auth.service import create_token
from app.models import Agency

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def agencies(db_session: Session) -> dict[str, Agency]:
    """Province > district > commune, plus a second district that is not in the subtree."""
    made: dict[str, Agency] = {}
    for code, name, parent in (
        ("TINH", "UBND tỉnh Lâm Đồng", None),
        ("HUYEN-A", "UBND huyện Đức Trọng", "TINH"),
        ("XA-A1", "UBND xã Hiệp Thạnh", "HUYEN-A"),
        ("HUYEN-B", "UBND huyện Lạc Dương", "TINH"),
    ):
        row = Agency(
            code=code,
            name=name,
            parent_id=made[parent].id if parent else None,
            created_at=NOW,
            updated_at=NOW,
        )
        db_session.add(row)
        db_session.flush()
        made[code] = row
    # Commit (only a savepoint here): a request that fails rolls the session back, and must
    # not take the fixture's rows with it.
    db_session.commit()
    return made


MakeToken = Callable[..., str]


@pytest.fixture
def make_token(db_session: Session, agencies: dict[str, Agency]) -> MakeToken:
    def _make(role: str = "admin", agency: str | None = None, name: str = "test") -> str:
        created = create_token(db_session, name=name, role=role, agency=agency, now=NOW)
        db_session.commit()
        return created.secret

    return _make


@pytest.fixture
def guarded_app(app: FastAPI) -> FastAPI:
    """The app with a few routes guarded the way other packages guard theirs."""
    router = APIRouter()

    @router.get("/test/whoami")
    def whoami(principal: CurrentPrincipal) -> dict[str, object]:
        ids = sorted(principal.agency_ids) if principal.agency_ids is not None else None
        return {"role": principal.role, "agency_ids": ids}

    @router.get("/test/supervisor-only")
    def supervisor_only(
        principal: Annotated[Principal, Depends(require_roles("supervisor"))],
    ) -> dict[str, str]:
        return {"role": principal.role}

    app.include_router(router)
    return app
