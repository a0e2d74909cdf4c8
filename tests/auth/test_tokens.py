from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.auth.service import authenticate, create_token, list_tokens, revoke_token
from app.auth.tokens import TOKEN_PREFIX, hash_token
from app.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from app.models import Agency, ApiToken

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
MakeToken = Callable[..., str]


def test_token_is_stored_only_as_its_hash(db_session: Session, make_token: MakeToken) -> None:
    secret = make_token("admin")
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40
    row = db_session.scalars(select(ApiToken)).one()
    assert row.token_hash == hash_token(secret)
    assert row.prefix == secret[: len(row.prefix)] and len(row.prefix) < 16
    dumped = db_session.execute(text("SELECT * FROM api_token")).all()
    assert all(secret not in str(value) for line in dumped for value in line)


def test_two_tokens_differ(make_token: MakeToken) -> None:
    assert make_token("admin") != make_token("admin")


def test_authenticate_gives_scope_of_agency_and_children(
    db_session: Session, make_token: MakeToken, agencies: dict[str, Agency]
) -> None:
    principal = authenticate(db_session, make_token("supervisor", "HUYEN-A"), NOW)
    assert principal.role == "supervisor"
    assert principal.agency_ids == {agencies["HUYEN-A"].id, agencies["XA-A1"].id}
    assert principal.can_see_agency(agencies["XA-A1"].id)
    assert not principal.can_see_agency(agencies["HUYEN-B"].id)
    assert not principal.can_see_agency(agencies["TINH"].id)
    assert not principal.is_admin


def test_admin_sees_everything(db_session: Session, make_token: MakeToken) -> None:
    principal = authenticate(db_session, make_token("admin"), NOW)
    assert principal.is_admin and principal.agency_ids is None
    assert principal.can_see_agency(123456)


def test_agency_by_name(
    db_session: Session, make_token: MakeToken, agencies: dict[str, Agency]
) -> None:
    principal = authenticate(db_session, make_token("viewer", "UBND huyện Lạc Dương"), NOW)
    assert principal.agency_ids == {agencies["HUYEN-B"].id}


def test_last_used_is_updated(db_session: Session, make_token: MakeToken) -> None:
    secret = make_token("admin")
    authenticate(db_session, secret, NOW + timedelta(hours=1))
    row = db_session.scalars(select(ApiToken)).one()
    db_session.refresh(row)
    assert row.last_used_at == NOW + timedelta(hours=1)


def test_revoked_token_is_refused(db_session: Session, make_token: MakeToken) -> None:
    secret = make_token("admin")
    row = db_session.scalars(select(ApiToken)).one()
    revoked = revoke_token(db_session, row.prefix, NOW)
    assert revoked.revoked_at == NOW
    with pytest.raises(Unauthorized, match="revoked"):
        authenticate(db_session, secret, NOW)


def test_revoke_by_id_and_unknown(db_session: Session, make_token: MakeToken) -> None:
    make_token("admin")
    row = db_session.scalars(select(ApiToken)).one()
    assert revoke_token(db_session, str(row.id), NOW).id == row.id
    with pytest.raises(NotFound):
        revoke_token(db_session, "tthc_zzzzzz", NOW)
    with pytest.raises(BadRequest):
        revoke_token(db_session, "t", NOW)


def test_ambiguous_prefix_refused(db_session: Session, make_token: MakeToken) -> None:
    make_token("admin")
    make_token("admin")
    with pytest.raises(Conflict):
        revoke_token(db_session, TOKEN_PREFIX, NOW)


def test_unknown_and_malformed_tokens(db_session: Session, make_token: MakeToken) -> None:
    make_token("admin")
    with pytest.raises(Unauthorized, match="unknown"):
        authenticate(db_session, TOKEN_PREFIX + "x" * 43, NOW)
    with pytest.raises(Unauthorized, match="malformed"):
        authenticate(db_session, "not-a-token", NOW)


def test_bad_creation_requests(db_session: Session, agencies: dict[str, Agency]) -> None:
    with pytest.raises(BadRequest, match="needs --agency"):
        create_token(db_session, name="x", role="viewer", agency=None, now=NOW)
    with pytest.raises(BadRequest, match="unknown role"):
        create_token(db_session, name="x", role="root", agency=None, now=NOW)
    with pytest.raises(NotFound):
        create_token(db_session, name="x", role="viewer", agency="NOPE", now=NOW)
    with pytest.raises(BadRequest, match="name"):
        create_token(db_session, name="  ", role="admin", agency=None, now=NOW)


def test_list_shows_agency_codes(db_session: Session, make_token: MakeToken) -> None:
    make_token("admin", name="quản trị")
    make_token("viewer", "XA-A1", name="xã")
    listed = [(t.name, code) for t, code in list_tokens(db_session)]
    assert listed == [("quản trị", None), ("xã", "XA-A1")]
