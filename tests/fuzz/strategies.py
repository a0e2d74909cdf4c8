"""Hypothesis strategies for portal records: real shapes with hostile values in any field."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.ingest.payloads import dossier, stamp, step

HUGE = 200_000

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
)
wrong_types = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=4),
    st.dictionaries(st.text(max_size=8), json_scalars, max_size=4),
)
huge_strings = st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"),
                         st.integers(min_value=1_000, max_value=HUGE))
unicode_text = st.text(st.characters(codec="utf-8"), max_size=300)
dates = st.one_of(
    st.builds(stamp, st.integers(1, 31), st.integers(0, 23), st.integers(0, 59),
              st.integers(1, 12), st.integers(1990, 2035)),
    st.from_regex(r"\A[0-9]{14}\Z"),  # well-shaped but impossible: month 13, hour 25
    st.sampled_from(["", "31/12/2025", "2025-12-31T08:00:00", "00000000000000", "2025"]),
)
statuses = st.one_of(st.integers(-5, 15).map(str), st.integers(-5, 15),
                     st.sampled_from(["", "Đang xử lý", "4.0", " 4 "]))
codes = st.one_of(
    st.from_regex(r"\AH21\.[0-9]{2}-[0-9]{6}-[0-9]{4}\Z"),
    unicode_text, st.just(""), st.just("H21.65-250908-0001"),
)

FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "MaHoSo": codes,
    "NgayTiepNhan": dates, "NgayHenTra": dates, "NgayKetThucXuLy": dates, "NgayTra": dates,
    "TrangThaiHoSo": statuses,
    "ChuHoSo": unicode_text, "SoDienThoai": unicode_text, "Email": unicode_text,
    "TenTTHC": unicode_text, "TrichYeuHoSo": unicode_text, "DonViXuLy": unicode_text,
    "MaTTHC": unicode_text, "LoaiDoiTuong": statuses,
    "DinhDanhCHS": st.lists(st.fixed_dictionaries(
        {"LoaiDinhDanh": statuses, "SoDinhDanh": unicode_text}), max_size=3),
}
Change = tuple[str, str, Any]  # (field, "set" | "drop", value)


@st.composite
def changes(draw: st.DrawFn) -> list[Change]:
    fields = draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), max_size=4, unique=True))
    out: list[Change] = []
    for field in fields:
        how = draw(st.sampled_from(["value", "drop", "wrong_type", "huge"]))
        if how == "drop":
            out.append((field, "drop", None))
        elif how == "wrong_type":
            out.append((field, "set", draw(wrong_types)))
        elif how == "huge":
            out.append((field, "set", draw(huge_strings)))
        else:
            out.append((field, "set", draw(FIELD_VALUES[field])))
    return out


@st.composite
def portal_dossiers(draw: st.DrawFn) -> dict[str, Any]:
    """A dossier payload of PORTAL.md shape with some fields hostile, missing or retyped."""
    code = draw(st.from_regex(r"\AH21\.65-2509[0-9]{2}-[0-9]{4}\Z"))
    steps = [step(code, draw(dates), 2, draw(unicode_text)), step(code, draw(dates), 4)]
    payload = dossier(code, steps=draw(st.one_of(st.just(steps), wrong_types)))
    for field, how, value in draw(changes()):
        if how == "drop":
            payload.pop(field, None)
        else:
            payload[field] = value
    return payload


portal_items = st.one_of(portal_dossiers(), portal_dossiers(), wrong_types)
