"""On-time rate by processing unit (DEADLINES.md §8) and the period report's "late steps by
unit" table: steps finished in the period, per unit, from stored records and the process.

Process: desk 4 h, Phòng Tư pháp 16 h. Both dossiers are received Monday 2 March 2026 08:00.
  A: desk 09:00 (due 14:00: on time); justice Thu 10:00 (due Wed 09:00: late, 9 h over)
  B: desk 09:00 (on time); justice Tue 09:00 (due Wed 09:00, earlier date: early)
"""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.procedures import process_service
from app.rates.export import to_csv, to_xlsx
from app.rates.grouping import Scope
from app.rates.service import period_report
from app.rates.units import tally, unit_rates
from tests.factories import add_event, local, make_agency, make_dossier, make_procedure

START, END = local(2026, 3, 1, 0, 0), local(2026, 4, 1, 0, 0)
STEPS = [{"name": "Tiếp nhận", "units": ["Bộ phận một cửa"], "working_hours": 4},
         {"name": "Thẩm định", "units": ["Phòng Tư pháp"], "working_hours": 16}]


def _seed(session: Session) -> None:
    agency = make_agency(session, "UR", "UBND xã Tân Phú")
    procedure = make_procedure(session, "9.UR", "5", "working_days")
    process_service.set_process(session, procedure.code, None, STEPS, START, "test")
    for code, justice_done in (("UR-A", local(2026, 3, 5, 10, 0)),
                               ("UR-B", local(2026, 3, 3, 9, 0))):
        dossier = make_dossier(session, code, agency, procedure, local(2026, 3, 2, 8, 0))
        add_event(session, dossier, local(2026, 3, 2, 9, 0), 2, "Tiếp nhận").department = \
            "Bộ phận một cửa"
        add_event(session, dossier, justice_done, 4, "Thẩm định").department = "Phòng Tư pháp"
    session.flush()


def test_rate_by_unit_counts_each_finished_step(db_session: Session) -> None:
    _seed(db_session)
    rows = {r.unit: r for r in unit_rates(db_session, START, END, Scope(None), 20)}
    justice, desk = rows["Phòng Tư pháp"], rows["Bộ phận một cửa"]
    assert (justice.early, justice.on_time, justice.late) == (1, 0, 1)
    assert justice.on_time_rate == 0.5 and justice.overrun_working_hours == 9
    assert (desk.on_time, desk.late, desk.on_time_rate) == (2, 0, 1.0)
    assert desk.small_sample and desk.agency == "UBND xã Tân Phú"


def test_a_period_counts_only_steps_finished_in_it(db_session: Session) -> None:
    _seed(db_session)
    # [Wed 4, Fri 6): only A's justice step (Thu 10:00) finished then
    rows = unit_rates(db_session, local(2026, 3, 4, 0, 0), local(2026, 3, 6, 0, 0), Scope(None),
                      20)
    assert [(r.unit, r.late) for r in rows] == [("Phòng Tư pháp", 1)]


def test_tally_without_steps_is_empty() -> None:
    assert tally([], 20) == []


def test_period_report_has_late_steps_by_unit(db_session: Session) -> None:
    _seed(db_session)
    report = period_report(db_session, start=START, end=END, group_by=None, scope=Scope(None),
                           settings=get_settings())
    assert [(r.unit, r.late) for r in report.late_steps_by_unit] == [("Phòng Tư pháp", 1)]
    book = load_workbook(io.BytesIO(to_xlsx(report)))
    sheet = book["Bước trễ theo đơn vị"]
    assert sheet["A3"].value == "Phòng Tư pháp" and sheet["G3"].value == 1
    assert "Bước xử lý trễ hạn theo đơn vị" in to_csv(report)


def test_api_rates_by_unit(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    _seed(db_session)
    url = "/api/v1/rates/units?from=2026-03-01&to=2026-04-01"
    assert client.get(url).status_code == 401
    body = client.get(url, headers=auth_headers("viewer", agency="UR")).json()
    assert {r["unit"]: r["on_time_rate"] for r in body} == {"Bộ phận một cửa": 1.0,
                                                            "Phòng Tư pháp": 0.5}
