"""The scan runs with the cyclic garbage collector paused (app/core/gc_pause) and gives it back."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy.orm import Session

from app.scan import service
from tests.scan.scenario import AFTER_DUE, add_dossier, make_case


def test_batches_are_scanned_with_the_collector_paused_and_it_comes_back(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make_case(db_session)
    for i in range(3):
        add_dossier(db_session, case, f"000.00.12.H36-260302-03{i:02d}")
    seen: list[bool] = []
    real = service.scan_batch

    def watching(*args: object, **kwargs: object) -> service.ScanCounts:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "scan_batch", watching)
    assert gc.isenabled()
    counts = service.run_scan(db_session, AFTER_DUE, batch_size=2)
    assert counts.scanned == 3 and seen == [False, False]
    assert gc.isenabled()
