"""Dashboard errors become Vietnamese HTML pages (the API keeps its JSON errors).

Pages raise `PageError` (or `LoginRequired`); `page_errors()` turns a service's `AppError` into a
`PageError` with the same status, so a refused or missing thing shows a readable page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.core.errors import AppError
from app.dashboard.templating import render

TITLES: dict[int, str] = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần đăng nhập",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy",
    409: "Không thực hiện được thao tác",
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
}


class PageError(Exception):
    def __init__(self, status_code: int, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.detail = detail


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def login_url(next_path: str) -> str:
    return "/login?" + urlencode({"next": next_path})


@contextmanager
def page_errors(message: str) -> Iterator[None]:
    """Run a service call; its AppError becomes a page with `message` and the reason."""
    try:
        yield
    except AppError as exc:
        raise PageError(exc.status_code, message, exc.reason) from exc


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(
        request,
        "error.html.j2",
        {
            "title": TITLES.get(exc.status_code, "Có lỗi xảy ra"),
            "message": exc.message,
            "detail": exc.detail,
            "status_code": exc.status_code,
        },
        status_code=exc.status_code,
    )


async def _login_required(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


def install_dashboard_errors(app: FastAPI) -> None:
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(LoginRequired, _login_required)
