"""The national portal's receiving side, for one-door systems pointed at us unchanged
(PORTAL.md "Transports"):

* OpenCPS style: ``POST /dvcqg/auth`` gives a session; ``POST /dvcqg/api`` takes the envelope
  ``{"session", "madonvi", "service", "isUpdating", "data"}`` for DongBoHoSoMC and
  CapNhatTienDoHoSoMC, and answers LayThuTuc (a procedure from our catalogue) and TraCuuHoSo
  (does a dossier exist, OpenCPS's test for isUpdating).
* Bare lists (TD.DichVuCong, a provincial enrolment system): ``POST /dvcqg/k/{url_key}/{service}``
  with a JSON list of records (an envelope is accepted too); query ``MaDinhDanhDV`` names the
  agency of records that name none.

Every refusal (unknown, expired or revoked credentials, a body that is not JSON, an unknown
service) happens before anything is written. Replies: app/ingest/replies.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from app.core.errors import BadRequest
from app.ingest import repository as repo
from app.ingest.receptions import Sender
from app.ingest.replies import delivery_reply
from app.ingest.service import Delivered
from app.ingest.webhook import EnvelopeRefused, Plan, WebhookUnauthorized
from app.senders import service as senders
from app.senders.repository import SessionOfSender
from connectors import EnvelopeInvalid, SourceRecord
from connectors.portal.envelope import (
    SERVICE_KINDS,
    decode_body,
    envelope_from,
    read_service,
    read_updating,
)
from connectors.portal.fields import format_portal_date, printable
from connectors.portal.parse import RAW_ITEM_KEY

SOURCE: Final = "dvcqg"
LOOKUPS: Final = ("LayThuTuc", "TraCuuHoSo")
#: A path segment that lets the query or the envelope name the service.
ANY_SERVICE: Final = "api"


class SenderUnauthorized(WebhookUnauthorized):
    code = "sender_unauthorized"


class UnknownService(EnvelopeRefused):
    code = "unknown_service"


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    lifetime: timedelta
    kept: int


def read_body(body: bytes) -> Any:
    try:
        return decode_body(body)
    except EnvelopeInvalid as exc:
        raise EnvelopeRefused(exc.reason) from None


def text_of(decoded: dict[str, Any], key: str) -> str:
    value = decoded.get(key)
    return value.strip() if isinstance(value, str) else ""


def login(session: Session, body: bytes, now: datetime, policy: SessionPolicy) -> dict[str, Any]:
    """``{"username", "password"}`` -> ``{"error_code": 0, "session"}``."""
    decoded = read_body(body)
    if not isinstance(decoded, dict):
        raise EnvelopeRefused("the body must be a JSON object {\"username\", \"password\"}")
    token = senders.login(session, text_of(decoded, "username"), text_of(decoded, "password"), now,
                          keep=policy.kept, lifetime=policy.lifetime)
    if token is None:
        raise SenderUnauthorized("Sai tên đăng nhập hoặc mật khẩu, hoặc hệ thống gửi đã bị thu "
                                 "hồi quyền")
    return {"error_code": 0, "message": "Đăng nhập thành công", "session": token}


def _plan(
    sender_id: int, records: list[SourceRecord], detail: str, agency: str | None,
    after: Callable[[datetime], None] | None,
) -> Plan:
    return Plan(
        Delivered(SOURCE, sender_id, records),
        Sender(detail=detail, agency_code=printable(agency)[:64] if agency else None,
               sender_id=sender_id),
        delivery_reply,
        after=after,
    )


def _records(items: list[Any], kind: str, origin: str, agency: str | None) -> list[SourceRecord]:
    return [
        SourceRecord(SERVICE_KINDS[kind], item if isinstance(item, dict) else {RAW_ITEM_KEY: item},
                     f"{origin} item {index}", agency or None)
        for index, item in enumerate(items, start=1)
    ]


def session_token(body: bytes) -> str:
    """The session a ``/dvcqg/api`` body names ("" if none can be read), for its group's one
    look-up of every session (app/ingest/group_commit.py); refusals are `plan_api_request`'s."""
    try:  # no depth check: that is the refusal's business, this only reads one field
        decoded = json.loads(body.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON
        return ""
    return text_of(decoded, "session") if isinstance(decoded, dict) else ""


def plan_api_request(
    session: Session, body: bytes, now: datetime, policy: SessionPolicy
) -> Plan | dict[str, Any]:
    """``POST /dvcqg/api`` up to the ingest (app/ingest/webhook.py: run_plan, or a group,
    app/ingest/group_commit.py): the session first, then the service; a lookup's reply, or
    the delivery's plan. Every refusal is raised here, before anything is written (a session's
    last use aside, which the refusal's rollback takes back)."""
    decoded = read_body(body)
    if not isinstance(decoded, dict):
        raise EnvelopeRefused(
            f"envelope must be a JSON object, got {type(decoded).__name__}"
        )
    sender = senders.sender_for_session(session, text_of(decoded, "session"), now, policy.lifetime)
    if sender is None:
        raise SenderUnauthorized("Phiên làm việc không hợp lệ, đã hết hạn hoặc đã bị thu hồi: "
                                 "đăng nhập lại tại /dvcqg/auth")
    service = text_of(decoded, "service")
    if service == "LayThuTuc":
        return lookup_procedure(session, text_of(decoded, "maTTHC"))
    if service == "TraCuuHoSo":
        return lookup_dossier(session, text_of(decoded, "mahoso") or text_of(decoded, "MaHoSo"))
    sender_id = sender.sender_id
    return push_plan(decoded, sender, lambda now: senders.delivered_by(session, sender_id, now))


def push_plan(decoded: dict[str, Any], sender: SessionOfSender,
              after: Callable[[datetime], None] | None) -> Plan:
    """The plan of a ``/dvcqg/api`` envelope of records (not a lookup) from ``sender``'s live
    session (no database); raises the envelope's refusal."""
    try:
        envelope = envelope_from(decoded, default_agency=sender.agency_code or "")
    except EnvelopeInvalid as exc:
        raise _refusal(exc, lookups=True) from None
    origin = f"dvcqg {sender.sender_name} {envelope.service}"
    records = _records(envelope.data, envelope.service, origin, envelope.agency_code)
    return _plan(sender.sender_id, records, f"{envelope.service} từ {sender.sender_name}",
                 envelope.agency_code, after)


def _refusal(exc: EnvelopeInvalid, *, lookups: bool = False) -> EnvelopeRefused:
    if "unknown service" in exc.reason:
        return UnknownService(exc.reason + (", LayThuTuc or TraCuuHoSo" if lookups else ""))
    return EnvelopeRefused(exc.reason)


def plan_keyed_delivery(
    session: Session,
    url_key: str,
    path_service: str,
    body: bytes,
    now: datetime,
    query: dict[str, str | None],
) -> Plan:
    """``POST /dvcqg/k/{url_key}/{service}`` up to the ingest: a bare list (or an envelope) of
    records as the delivery's plan, every refusal raised first."""
    sender = senders.sender_for_url_key(session, url_key)
    if sender is None:
        raise SenderUnauthorized("Đường dẫn nhận dữ liệu không hợp lệ hoặc đã bị thu hồi")
    try:
        wanted = [s for s in (path_service, query.get("service")) if s and s != ANY_SERVICE]
        services = {read_service(s) for s in wanted}
        if query.get("isUpdating") not in (None, ""):
            read_updating(query["isUpdating"])
        decoded = read_body(body)
        agency = query.get("MaDinhDanhDV") or senders.agency_code_of(session, sender)
        if isinstance(decoded, list):
            items = decoded
        else:
            envelope = envelope_from(decoded, default_agency=agency or "")
            services.add(envelope.service)
            items, agency = envelope.data, envelope.agency_code or agency
        if len(services) != 1:
            raise EnvelopeInvalid(
                "name one service (DongBoHoSoMC or CapNhatTienDoHoSoMC) in the path, the "
                "query or the envelope" if not services else
                f"the path, query and envelope name different services: {sorted(services)}")
    except EnvelopeInvalid as exc:
        raise _refusal(exc) from None
    service = services.pop()
    origin = f"dvcqg {sender.name} {service}"
    records = _records(items, service, origin, agency)
    return _plan(sender.id, records, f"{service} từ {sender.name} (danh sách)", agency,
                 lambda now: senders.delivered(sender, now))


def lookup_procedure(session: Session, code: str) -> dict[str, Any]:
    """LayThuTuc from our catalogue. OpenCPS reads result[0].TENTTHC and
    result[0].LINHVUCTHUCHIEN[0] without checking: the list always has one entry."""
    if not code:
        raise BadRequest("LayThuTuc needs maTTHC")
    procedure = repo.procedures_by_code(session, [code]).get(code)
    if procedure is None or not procedure.in_catalogue:
        return {"error_code": 0, "message": "Không có thủ tục này trong danh mục", "result": []}
    return {"error_code": 0, "message": "Lấy thủ tục thành công", "result": [{
        "MATTHC": procedure.code, "TENTTHC": procedure.name,
        "LINHVUCTHUCHIEN": [{"MALINHVUC": procedure.field_code or "",
                             "TENLINHVUC": procedure.field_name or ""}],
    }]}


def lookup_dossier(session: Session, code: str) -> dict[str, Any]:
    """TraCuuHoSo: whether we hold the dossier (OpenCPS then sends isUpdating "True"). Status
    and dates only: no applicant data."""
    if not code:
        raise BadRequest("TraCuuHoSo needs mahoso")
    dossier = repo.dossiers_by_code(session, [code]).get(code)
    if dossier is None:
        return {"error_code": 0, "message": "Không có hồ sơ này", "result": []}
    due = dossier.portal_due_at
    return {"error_code": 0, "message": "Tra cứu thành công", "result": [{
        "MaHoSo": dossier.code, "TrangThaiHoSo": str(dossier.status),
        "NgayTiepNhan": format_portal_date(dossier.received_at),
        "NgayHenTra": format_portal_date(due) if due else "",
    }]}
