"""The queued deliveries' runs (app/ingest/queue_batch.py `runs_by_dossier`): each run names a
dossier once, a dossier's deliveries keep their order, the others share runs."""

from __future__ import annotations

from app.ingest.queue_batch import runs_by_dossier
from app.ingest.service import Delivered
from connectors import SourceRecord


def _delivery(*codes: str) -> Delivered:
    return Delivered("dvcqg", 1, [SourceRecord("progress", {"MaHoSo": c}, "test") for c in codes])


def _codes(runs: list[list[Delivered]]) -> list[list[tuple[str, ...]]]:
    return [[tuple(str(r.payload.get("MaHoSo")) for r in d.records) for d in run]
            for run in runs]


def test_a_dossiers_deliveries_keep_their_order_and_the_others_share_runs() -> None:
    sent = [_delivery("A"), _delivery("B"), _delivery("C"), _delivery("A"), _delivery("B"),
            _delivery("D"), _delivery("C", "D"), _delivery("A")]
    assert _codes(runs_by_dossier(sent)) == [
        [("A",), ("B",), ("C",), ("D",)],
        [("A",), ("B",), ("C", "D")],
        [("A",)],
    ]


def test_a_delivery_without_a_dossier_code_stands_between_the_others() -> None:
    sent = [_delivery("A"), _delivery(""), _delivery("B"), _delivery("A")]
    assert _codes(runs_by_dossier(sent)) == [[("A",)], [("",)], [("B",), ("A",)]]


def test_codes_naming_one_dossier_in_other_forms_are_one_dossier() -> None:
    """A decomposed, padded or numeric MaHoSo names the dossier its parsed form names
    (app/ingest/intake.readable_code): its deliveries keep their order too."""
    composed, decomposed = "H21.65-250908-0001\u00e9", "H21.65-250908-0001e\u0301"
    sent = [Delivered("dvcqg", 1, [SourceRecord("progress", {"MaHoSo": code}, "test")])
            for code in (composed, f" {decomposed} ", 12345, "12345")]
    assert [len(run) for run in runs_by_dossier(sent)] == [2, 2]
