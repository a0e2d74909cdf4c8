"""The simulator's internal processes (DEADLINES.md §8): every process fits its legal time, the
dossiers' progress records follow it, the land procedure has an inter-agency tax step, and the
habitually slow units (specialists of agencies whose code ends in 5) come last in the league
table the demo shows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from app.ingest.service import ingest_records
from app.procedures.service import import_catalogue
from app.rates.grouping import Scope
from app.rates.units import unit_rates
from connectors.simulator import reference as ref
from connectors.simulator.dataset import Dataset, generate_dataset
from connectors.simulator.processes import TAX_AGENCY, TAX_UNIT, process
from tests.ingest.payloads import as_records

NOW = datetime(2026, 3, 20, 3, 0, tzinfo=UTC)


def test_every_process_fits_the_legal_time() -> None:
    for procedure in ref.PROCEDURES:
        steps = process(procedure)
        if procedure.unit not in ("working_days", "working_hours"):
            assert steps == [], procedure.code
            continue
        legal = procedure.amount * (8 if procedure.unit == "working_days" else 1)
        assert sum(Decimal(str(s["working_hours"])) for s in steps) <= legal, procedure.code
    land = next(p for p in ref.PROCEDURES if p.field_code == "G09")
    tax = [s for s in process(land) if s["units"] == [TAX_UNIT]]
    assert tax and tax[0]["agency"] == TAX_AGENCY


def test_records_name_the_units_of_the_process() -> None:
    data = generate_dataset(120, seed=3, now=NOW)
    units = {p.code: {u for s in process(p) for u in s["units"]} for p in ref.PROCEDURES}
    checked = 0
    for dossier in data.dossiers:
        allowed = units[dossier["MaTTHC"]]
        if not allowed or dossier["TrangThaiHoSo"] not in ("9", "10"):
            continue
        named = {r["PhongBanXuLy"] for r in dossier["QuaTrinhXuLy"]}
        assert named <= allowed, (dossier["MaHoSo"], named - allowed)
        checked += 1
    assert checked > 20


def test_the_demo_league_table_puts_slow_units_last(db_session: Session) -> None:
    data = generate_dataset(400, seed=5, now=NOW)
    import_catalogue(db_session, enumerate(Dataset.catalogue(), start=1), NOW)
    ingest_records(db_session, "sim", as_records(data.dossiers), NOW)
    rows = unit_rates(db_session, datetime(2025, 1, 1, tzinfo=UTC), NOW, Scope(None), 5)
    specialists = {s["units"][0] for p in ref.PROCEDURES for s in process(p)
                   if s["name"].startswith("Thẩm định")}
    judged = [r for r in rows if r.unit in specialists and r.on_time_rate is not None
              and not r.small_sample]
    slow = [r.on_time_rate for r in judged if r.agency.endswith("5")]
    others = [r.on_time_rate for r in judged if not r.agency.endswith("5")]
    assert slow and others
    assert max(slow) < min(others) or sum(slow) / len(slow) < sum(others) / len(others) - 0.1
    assert any(r.inter_agency for r in rows)  # the tax office's steps count for it
