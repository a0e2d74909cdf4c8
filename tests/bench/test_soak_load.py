"""The soak's load never replays its own deliveries: every copy it sends of a delivery (the
portal's resends, sometimes several in a row) carries a signature not sent before, so the
server's replay ledger has nothing to refuse (a 409 in the soak is then a finding, not noise)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

from bench.soak_load import SignatureTimes, _life, deliveries
from connectors import build_envelope
from connectors.simulator.dataset import generate_dataset

RATE = 20.0  # deliveries a second, the soak's default


def test_resends_in_a_row_are_signed_apart() -> None:
    dossiers = generate_dataset(400, seed=21, now=datetime(2026, 12, 6, tzinfo=UTC)).dossiers
    plan = itertools.islice(deliveries(dossiers, seed=1), 2000)  # within one pass of them
    stamps, signed, copies = SignatureTimes(), set(), []
    start = 1_796_000_000.0
    for number, (service, agency, records, copy) in enumerate(plan):
        body = json.dumps(build_envelope(service, agency, records), ensure_ascii=False)
        signature = (body, stamps.next(copy, start + number / RATE))
        assert signature not in signed, f"delivery {number} (copy {copy}) repeats a signature"
        signed.add(signature)
        copies.append(copy)
    assert max(copies) >= 2  # the case that collided: a second resend in the same second


def test_a_life_of_one_step_is_not_sent_twice() -> None:
    """Its closing snapshot would be its first one again: another delivery with the same body,
    which the soak signed in the same second when sent at once (a 409 in CI's short soak)."""
    dossier = generate_dataset(5, seed=3, now=datetime(2026, 12, 6, tzinfo=UTC)).dossiers[0]
    steps = dossier["QuaTrinhXuLy"][:1]
    single = {**dossier, "QuaTrinhXuLy": steps, "TrangThaiHoSo": str(steps[0]["TrangThai"]),
              "NgayKetThucXuLy": "", "NgayTra": ""}
    assert [service for service, _, _ in _life(single)] == ["DongBoHoSoMC"]
    assert [service for service, _, _ in _life(dossier)][-1] == "DongBoHoSoMC"
