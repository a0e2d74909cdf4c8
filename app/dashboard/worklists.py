"""`/giam-sat/qua-han` and `/giam-sat/sap-den-han`: the supervisor's work lists, their filters,
pages and Excel export. The rows come from `app.dossiers.service.work_list`, as in the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.agencies.service import narrow_scope
from app.api.deps import SessionDep
from app.auth.principal import Principal
from app.core.clock import utcnow
from app.core.errors import Forbidden, NotFound
from app.dashboard import repository
from app.dashboard.access import Supervisor, page_context
from app.dashboard.errors import PageError, page_errors
from app.dashboard.export import EXPORT_ROW_LIMIT, xlsx_response
from app.dashboard.templating import render
from app.dossiers import service
from app.dossiers.lists import ListFilters, ListKind
from app.dossiers.service import WorkListItem

router = APIRouter(prefix="/giam-sat", include_in_schema=False)

PAGE_SIZES = (25, 50, 100)
TITLES: dict[ListKind, str] = {"overdue": "Hồ sơ quá hạn", "due_soon": "Hồ sơ sắp đến hạn"}
PATHS: dict[ListKind, str] = {"overdue": "/giam-sat/qua-han", "due_soon": "/giam-sat/sap-den-han"}


@dataclass(frozen=True)
class ListQuery:
    agency: str | None
    procedure: str | None
    field: str | None

    def params(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def scope_for(session: Session, principal: Principal, agency: str | None) -> set[int] | None:
    """The caller's agencies, narrowed to one agency's subtree when a filter asks for it."""
    try:
        scope = narrow_scope(session, principal.agency_ids, agency)
    except NotFound:
        raise PageError(404, f"Không có cơ quan có mã hoặc tên “{agency}”.") from None
    except Forbidden as exc:
        name = exc.details.get("agency_name", agency)
        raise PageError(403, f"Cơ quan “{name}” không thuộc phạm vi bạn được giám sát.") from None
    return set(scope) if scope is not None else None


def _filters(session: Session, principal: Principal, query: ListQuery) -> ListFilters:
    return ListFilters(
        agency_ids=scope_for(session, principal, query.agency),
        procedure_code=query.procedure,
        field_code=query.field,
    )


def _fetch(
    session: Session,
    principal: Principal,
    kind: ListKind,
    query: ListQuery,
    now: datetime,
    cursor: str | None,
    limit: int,
) -> tuple[list[WorkListItem], str | None]:
    filters = _filters(session, principal, query)
    with page_errors("Không đọc được danh sách hồ sơ với bộ lọc này."):
        return service.work_list(session, kind, now, filters, cursor, limit)


def _total(
    session: Session, principal: Principal, kind: ListKind, query: ListQuery, now: datetime
) -> int:
    return service.work_list_total(session, kind, now, _filters(session, principal, query))


def _list_page(
    request: Request,
    session: Session,
    principal: Principal,
    kind: ListKind,
    query: ListQuery,
    paging: Paging,
) -> Response:
    page, size = paging.page, paging.size if paging.size in PAGE_SIZES else PAGE_SIZES[0]
    now = utcnow()
    items, next_cursor = _fetch(session, principal, kind, query, now, paging.cursor, size)
    base = query.params()
    if size != PAGE_SIZES[0]:
        base["so_dong"] = str(size)
    next_url = None
    if next_cursor:
        next_url = PATHS[kind] + "?" + urlencode({**base, "cursor": next_cursor, "trang": page + 1})
    return render(
        request,
        "worklist.html.j2",
        {
            **page_context(request, principal, kind),
            "kind": kind,
            "title": TITLES[kind],
            "path": PATHS[kind],
            "items": items,
            "total": _total(session, principal, kind, query, now),
            "now": now,
            "query": query,
            "size": size,
            "sizes": PAGE_SIZES,
            "page": page,
            "first_url": PATHS[kind] + ("?" + urlencode(base) if base else ""),
            "next_url": next_url,
            "export_url": PATHS[kind] + ".xlsx" + ("?" + urlencode(query.params()) if base else ""),
            "agencies": repository.agencies(session, principal.agency_ids),
            "procedures": repository.procedures(session),
            "fields": repository.fields(session),
            "export_limit": EXPORT_ROW_LIMIT,
        },
    )


def _export(
    session: Session, principal: Principal, kind: ListKind, query: ListQuery
) -> Response:
    now = utcnow()
    rows: list[WorkListItem] = []
    cursor: str | None = None
    while len(rows) < EXPORT_ROW_LIMIT:
        items, cursor = _fetch(
            session, principal, kind, query, now, cursor, min(500, EXPORT_ROW_LIMIT - len(rows))
        )
        rows.extend(items)
        if cursor is None:
            break
    return xlsx_response(kind, rows, now, query.params(), truncated=cursor is not None)


AgencyQ = Annotated[str | None, Query(max_length=255)]
CodeQ = Annotated[str | None, Query(max_length=64)]
CursorQ = Annotated[str | None, Query(max_length=512)]
PageQ = Annotated[int, Query(alias="trang", ge=1, le=100_000)]
SizeQ = Annotated[int, Query(alias="so_dong", ge=1, le=500)]


def _list_query(agency: AgencyQ = None, procedure: CodeQ = None, field: CodeQ = None) -> ListQuery:
    return ListQuery(_clean(agency), _clean(procedure), _clean(field))


@dataclass(frozen=True)
class Paging:
    cursor: CursorQ = None
    page: PageQ = 1
    size: SizeQ = PAGE_SIZES[0]


# One dependency each for what both lists and both exports take, so their routes stay alike.
Filters = Annotated[ListQuery, Depends(_list_query)]
PagingParams = Annotated[Paging, Depends()]


@router.get("")
def supervisor_home(_principal: Supervisor) -> Response:
    return RedirectResponse(PATHS["overdue"], status_code=303)


@router.get("/qua-han")
def overdue_page(
    request: Request, session: SessionDep, principal: Supervisor, query: Filters,
    paging: PagingParams,
) -> Response:
    return _list_page(request, session, principal, "overdue", query, paging)


@router.get("/sap-den-han")
def due_soon_page(
    request: Request, session: SessionDep, principal: Supervisor, query: Filters,
    paging: PagingParams,
) -> Response:
    return _list_page(request, session, principal, "due_soon", query, paging)


@router.get("/qua-han.xlsx")
def overdue_export(session: SessionDep, principal: Supervisor, query: Filters) -> Response:
    return _export(session, principal, "overdue", query)


@router.get("/sap-den-han.xlsx")
def due_soon_export(session: SessionDep, principal: Supervisor, query: Filters) -> Response:
    return _export(session, principal, "due_soon", query)
