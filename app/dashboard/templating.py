"""The dashboard's Jinja2 environment and the Vietnamese formatting filters its pages use.

The environment autoescapes every template: Starlette's default only escapes `.html`, and our
templates end in `.html.j2`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from app.core.clock import LOCAL_TZ
from app.deadlines import WORKING_DAY_HOURS
from app.deadlines.explain_text import hours_text, when

TEMPLATE_DIR = Path(__file__).parent / "templates"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def local_time(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """An instant in Vietnamese local time; '—' when there is none."""
    if value is None:
        return "—"
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def local_date(value: datetime | None) -> str:
    return local_time(value, "%d/%m/%Y")


def number(value: int | float | Decimal | None, digits: int = 0) -> str:
    """Vietnamese grouping: 159.845 and 98,33."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a Vietnamese percentage: 0.9833 -> '98,3 %'."""
    if value is None:
        return "—"
    return f"{number(value * 100, digits)}\u00a0%"


def working_hours(value: float | Decimal) -> str:
    """Working hours and their equivalent in working days: '12 giờ (1,5 ngày) làm việc'."""
    hours = abs(float(value))
    days = hours / float(WORKING_DAY_HOURS)
    hours_text = number(hours, 0 if hours == int(hours) else 1)
    days_text = number(days, 0 if days == int(days) else 1)
    return f"{hours_text} giờ ({days_text} ngày) làm việc"


def month_label(key: str) -> str:
    """'2024-03' -> 'Tháng 3/2024'."""
    year, _, month = key.partition("-")
    return f"Tháng {int(month)}/{year}" if month.isdigit() else key


def path_segment(value: object) -> str:
    """A value percent-encoded as ONE path segment, "/" included: a dossier code such as
    "../../login" or "A/B" links to its own page (Jinja's urlencode leaves "/" as it is)."""
    return quote(str(value), safe="")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        local_time=local_time,
        local_date=local_date,
        number=number,
        percent=percent,
        working_hours=working_hours,
        month_label=month_label,
        when=when,
        hours_text=hours_text,
        path_segment=path_segment,
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A page; every template also receives `user` and `csrf` (None on public pages)."""
    full: dict[str, Any] = {"user": None, "csrf": None, "active": "", **context}
    return templates.TemplateResponse(
        request, name, full, status_code=status_code, headers=dict(headers or {})
    )
