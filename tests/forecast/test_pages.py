"""The dashboard's at-risk list, its Excel export and the backtest page (as of the real now)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.core.clock import LOCAL_TZ
from tests.dashboard.conftest import MakeToken
from tests.dashboard.helpers import login
from tests.forecast.seed import AS_OF, SLOW, seed, whole_weeks_before


def _supervisor(web: TestClient, db_session: Session, make_token: MakeToken) -> timedelta:
    shift = whole_weeks_before(datetime.now(UTC))
    seed(db_session, shift)
    db_session.commit()
    login(web, make_token("admin", None, "Quản trị"))
    return shift


def test_risk_list_and_its_excel_export(
    web: TestClient, db_session: Session, make_token: MakeToken
) -> None:
    _supervisor(web, db_session, make_token)
    page = web.get("/giam-sat/nguy-co-tre-han")
    assert page.status_code == 200, page.text
    assert "Nguy cơ trễ hạn" in page.text and "OPEN-SLOW" in page.text
    assert f"bước {SLOW} thường mất" in page.text
    export = web.get("/giam-sat/nguy-co-tre-han.xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "Mã hồ sơ"))
    codes = [r[0] for r in rows[header + 1:]]
    assert "OPEN-SLOW" in codes
    slow = rows[header + 1 + codes.index("OPEN-SLOW")]
    assert slow[3] == SLOW and 0 <= slow[4] <= 1 and isinstance(slow[5], datetime)
    unknown = web.get("/giam-sat/nguy-co-tre-han", params={"agency": "KHÔNG-CÓ"})
    assert unknown.status_code == 404


def test_backtest_page_scores_and_plots(
    web: TestClient, db_session: Session, make_token: MakeToken
) -> None:
    shift = _supervisor(web, db_session, make_token)
    # the period the history was received in: its outcomes are known
    start = (AS_OF + shift - timedelta(days=110)).astimezone(LOCAL_TZ).date()
    end = (AS_OF + shift - timedelta(days=60)).astimezone(LOCAL_TZ).date()
    page = web.get("/giam-sat/kiem-tra-du-bao",
                   params={"tu": start.isoformat(), "den": end.isoformat(), "moi": 5})
    assert page.status_code == 200, page.text
    assert 'id="reliability-plot"' in page.text and "<circle" in page.text
    assert "AUC" in page.text
    bad = web.get("/giam-sat/kiem-tra-du-bao", params={"tu": "hôm qua"})
    assert bad.status_code == 400
    backwards = web.get("/giam-sat/kiem-tra-du-bao",
                        params={"tu": end.isoformat(), "den": start.isoformat()})
    assert backwards.status_code == 400
