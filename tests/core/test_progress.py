"""Progress of long commands: a bar on a terminal, a sparse line in a log, never on stdout."""

from __future__ import annotations

import pytest

from app.core import progress as progress_module
from app.core.progress import progress


def test_outside_a_terminal_a_line_every_interval_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = iter([0.0, 1.0, 31.0, 32.0, 70.0])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    with progress("Quét hồ sơ", "hồ sơ", interactive=False) as tracker:
        tracker.start(3000)
        for _ in range(4):
            tracker.advance(500)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "Quét hồ sơ: 1000/3000 hồ sơ",
        "Quét hồ sơ: 2000/3000 hồ sơ",
    ]


def test_on_a_terminal_the_bar_is_drawn_on_stderr_and_removed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress("Tính lại thời hạn", "hồ sơ", interactive=True) as tracker:
        tracker.start(10)
        tracker.advance(10)
    assert capsys.readouterr().out == ""
