from __future__ import annotations

import pytest

from app.deadlines.calendar import CivilServiceCalendar

# One calendar for the whole folder, so the shared working clock (and its index) is built once.
SHARED_CALENDAR = CivilServiceCalendar()


@pytest.fixture
def cal() -> CivilServiceCalendar:
    return SHARED_CALENDAR
