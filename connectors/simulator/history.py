"""A simulated dossier's life replayed step by step, as a one-door system saw it at each step:
what a sender that pushes every change (OpenCPS) sends after each one."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Fields of the pull format that describe the state at the end; a replayed stage recomputes them.
_STATE = ("TrangThaiHoSo", "NgayKetThucXuLy", "NgayTra", "NgayHenTra", "QuaTrinhXuLy")


@dataclass(frozen=True, slots=True)
class Stage:
    """The dossier right after `step` (its status, finish and return so far, its appointment
    then) and the step itself."""

    dossier: dict[str, Any]
    step: dict[str, Any]


def _first(steps: list[dict[str, Any]], status: int) -> str:
    return next((s["ThoiDiemXuLy"] for s in steps if int(s["TrangThai"]) == status), "")


def _appointment(payload: dict[str, Any], done: list[dict[str, Any]]) -> str:
    """The original appointment until a supplement round was received, then the new one."""
    last = done[-1]["ThoiDiemXuLy"]
    for round_ in payload.get("DanhSachHoSoBoSung") or []:
        back, new = round_.get("NgayTiepNhanBoSung"), round_.get("NgayHenTraMoi")
        if back and new and back <= last:
            return str(new)
        if round_.get("NgayHenTraTruoc"):
            return str(round_["NgayHenTraTruoc"])
    return str(payload.get("NgayHenTra") or "")


def stages(payload: dict[str, Any]) -> Iterator[Stage]:
    """One stage per progress step, in order."""
    steps = list(payload.get("QuaTrinhXuLy") or [])
    for index, step in enumerate(steps):
        done = steps[: index + 1]
        dossier = {k: copy.deepcopy(v) for k, v in payload.items() if k not in _STATE}
        dossier.update(
            TrangThaiHoSo=str(step["TrangThai"]),
            NgayKetThucXuLy=_first(done, 9),
            NgayTra=_first(done, 10),
            NgayHenTra=_appointment(payload, done),
        )
        yield Stage(dossier, dict(step))


def final(payload: dict[str, Any]) -> dict[str, Any]:
    """The dossier as it stands now, without its embedded steps."""
    return {k: copy.deepcopy(v) for k, v in payload.items() if k != "QuaTrinhXuLy"}
