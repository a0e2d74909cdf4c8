"""W4 and W5: personal data that slipped through the masks.

Before: an ID number or e-mail typed at the start of the applicant-name field was kept whole
as the "family name" on `/` and `/api/v1/public/apologies` ("079012345612 N. V. A."), and
`GET /api/v1/dossiers/{code}` answered the full citizen ID that the dashboard masks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.privacy import mask_name, masked_id_numbers
from app.models import DossierApplicant
from app.notices import service as notices
from app.notices.drafting import create_draft
from tests.dashboard.helpers import APPLICANT_ID, Seeded, seed

NINE_DIGITS = re.compile(r"\d{9,}")


@pytest.mark.parametrize(("typed", "shown"), [
    ("079012345612 Nguyễn Văn An", "Nguyễn V. A."),
    ("an.nguyen@example.vn Nguyễn Văn An", "Nguyễn V. A."),
    ("0912 345 678 Trần Thị Bình", "Trần T. B."),
    ("CCCD:079012345612 Lê Văn Cường", "Lê V. C."),
    ("Nguyễn Văn An (079012345612)", "Nguyễn V. A."),
    ("Nguyễn Văn An, an@example.vn", "Nguyễn V. A."),
    ("Bà 079012345612 Trần Thị Bình", "Bà Trần T. B."),
    ("Hộ kinh doanh 079012345612 Trần Bình", "Hộ kinh doanh T. B."),
    ("079012345612", ""),
    ("an@example.vn", ""),
])
def test_an_id_phone_or_email_in_the_name_field_is_never_shown(typed: str, shown: str) -> None:
    masked = mask_name(typed)
    assert masked == shown
    assert not re.search(r"\d|@", masked)


def test_masked_id_numbers_keep_the_kind_and_hide_the_middle() -> None:
    stored = [{"kind": 1, "number": "079012345612"}, {"kind": 2, "number": "C1234567"}, "",
              "123456789"]
    assert masked_id_numbers(stored) == [
        {"kind": 1, "number": "0790xxxxxx12"}, {"kind": 2, "number": "C1xxxx67"},
        {"kind": None, "number": "12xxxxx89"}]
    assert masked_id_numbers(None) == []


@pytest.fixture
def published(db_session: Session) -> Seeded:
    """Two published apologies whose name fields start with an ID number and an e-mail."""
    now = datetime.now(UTC)
    seeded = seed(db_session, now)
    foreign_draft = create_draft(db_session, seeded.foreign.code, now, actor="Cán bộ").id
    for dossier, typed, draft in (
        (seeded.late, "079012345612 Nguyễn Văn An", seeded.draft_id),
        (seeded.foreign, "an.nguyen@example.vn Trần Thị Bình", foreign_draft),
    ):
        applicant = db_session.scalars(select(DossierApplicant).where(
            DossierApplicant.dossier_id == dossier.id)).one()
        applicant.name = typed
        for step in (notices.approve, notices.issue, notices.publish):
            step(db_session, draft, now, actor="Lãnh đạo")
    db_session.commit()
    return seeded


def test_public_pages_never_show_an_id_or_email_typed_as_a_name(
    client: TestClient, published: Seeded
) -> None:
    api = client.get("/api/v1/public/apologies")
    assert api.status_code == 200
    assert sorted(item["applicant"] for item in api.json()["items"]) == [
        "Nguyễn V. A.", "Trần T. B."]
    for body in (api.text, client.get("/").text):
        assert "079012345612" not in body and "an.nguyen@example.vn" not in body
        assert "@" not in re.sub(r"<[^>]+>", "", body.split("Phiếu xin lỗi", 1)[-1])
        assert not NINE_DIGITS.search(api.text)


def test_the_dossier_api_masks_the_citizen_id_like_the_dashboard(
    client: TestClient, published: Seeded, auth_headers: Callable[..., dict[str, str]]
) -> None:
    response = client.get(f"/api/v1/dossiers/{published.soon.code}",
                          headers=auth_headers("supervisor", agency="TINH"))
    assert response.status_code == 200, response.text
    assert response.json()["applicant"]["id_numbers"] == [{"kind": 1, "number": "0791xxxxxx89"}]
    assert APPLICANT_ID not in response.text
