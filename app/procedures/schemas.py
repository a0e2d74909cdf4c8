"""API shapes of the procedure catalogue, and how a reading is shown to a supervisor."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from app.procedures.service import ProcedureView

_UNIT_WORDS = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc",
               "calendar_days": "ngày"}


def vi_number(value: Decimal) -> str:
    """A count as catalogues write it: "05", "20", "0,5" (never "2E+1")."""
    text = format(value.normalize(), "f")
    if "." in text:
        return text.replace(".", ",")
    return text.zfill(2)


def time_label(value: Decimal | None, unit: str | None) -> str | None:
    if unit == "same_day":
        return "trong ngày"
    if value is None or unit not in _UNIT_WORDS:
        return None
    return f"{vi_number(Decimal(value))} {_UNIT_WORDS[unit]}"


def with_phrase(shown: str | None, phrase: str | None) -> str | None:
    """"05 ngày làm việc ← 'Không quá 05 ngày làm việc kể từ ...'": the reading and its source."""
    if shown is None:
        return None
    return f"{shown} ← '{phrase}'" if phrase else shown


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(format(value.normalize(), "f"))


class ReadingOut(BaseModel):
    value: str
    unit: str
    cutoff: str | None
    label: str
    phrase: str

    @classmethod
    def of(cls, raw: dict[str, Any]) -> ReadingOut:
        shown = time_label(Decimal(raw["value"]), raw["unit"]) or raw["unit"]
        if raw.get("cutoff"):
            shown += f", nhận sau {raw['cutoff']} tính từ ngày làm việc tiếp theo"
        return cls(value=raw["value"], unit=raw["unit"], cutoff=raw.get("cutoff"), label=shown,
                   phrase=raw.get("phrase") or "")


class ProcedureOut(BaseModel):
    code: str
    name: str
    field_code: str | None
    field_name: str | None
    implementing_agency: str | None
    service_level: str | None
    processing_time_text: str | None
    processing_time: Decimal | None
    processing_unit: str | None
    #: e.g. "05 ngày làm việc"
    processing_time_label: str | None
    processing_time_phrase: str | None
    #: e.g. "05 ngày làm việc ← 'Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ'"
    processing_time_shown: str | None
    exceptions: list[str]
    cutoff: str | None
    cutoff_phrase: str | None
    cutoff_shown: str | None
    restart_on_supplement: bool
    parse_error: str | None
    readings: list[ReadingOut]
    in_catalogue: bool
    dossiers: int

    @classmethod
    def of(cls, view: ProcedureView) -> ProcedureOut:
        p = view.procedure
        label = time_label(p.processing_time, p.processing_unit)
        cutoff = _hhmm(p.cutoff)
        return cls(
            code=p.code, name=p.name, field_code=p.field_code, field_name=p.field_name,
            implementing_agency=p.implementing_agency, service_level=p.service_level,
            processing_time_text=p.processing_time_text,
            processing_time=_plain(p.processing_time), processing_unit=p.processing_unit,
            processing_time_label=label, processing_time_phrase=p.processing_time_phrase,
            processing_time_shown=with_phrase(label, p.processing_time_phrase),
            exceptions=list(p.processing_time_exceptions or []),
            cutoff=cutoff, cutoff_phrase=p.cutoff_phrase,
            cutoff_shown=with_phrase(cutoff, p.cutoff_phrase),
            restart_on_supplement=p.restart_on_supplement, parse_error=p.parse_error,
            readings=[ReadingOut.of(r) for r in p.processing_time_readings or []],
            in_catalogue=p.in_catalogue, dossiers=view.dossiers,
        )


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None
