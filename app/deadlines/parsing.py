"""Reads the catalogue's processing time ("Thời hạn giải quyết") as provinces publish it.

What a supervisor must be able to trust, in order: no silently wrong reading, then as many right
ones as the text allows. `read_processing_time` returns one reading with the phrase it came from,
or lists the text back with every reading it sees and why it would not choose:

- the agency's time, however written: "05 ngày làm việc", "Không quá 10 ngày", "Mười ngày",
  "07 (bảy) ngày làm việc", "Trong ngày", "Ngay sau khi nhận đủ giấy tờ" (same day);
- the receipt cut-off ("trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp
  theo" → 15:00), every one in the text;
- a default with named exceptions: the default, the exceptions kept as text;
- a total followed by its breakdown per unit: the total;
- citations, dates, money and clock times are not durations.

Listed back: two readings ("Trong ngày (tối đa 3 ngày)", channels that differ, a word and a digit
that disagree), only per-case times, times of steps without a total, the applicant's own deadline
("kể từ ngày hoàn tất giao dịch, công ty ... thông báo"), units the engine cannot count (months),
a number without a unit, or no time at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from app.deadlines.clauses import Clause, Quantity, split_clauses
from app.deadlines.cutoffs import Cutoff, find_cutoffs, with_phrases
from app.deadlines.rules import ProcessingTime, ProcessingUnit
from app.deadlines.vi_text import Prepared, blank_noise, prepare

# "trong ngày hoặc ngày làm việc tiếp theo" with no hour saying which: same day or the next
_OR_NEXT_DAY: Final = re.compile(
    r"\bhoac\s+(?:trong\s+|vao\s+)?ngay\s+(?:lam\s+viec\s+)?(?:tiep\s+theo|hom\s+sau|ke\s+tiep)")
_TIME_WORDS: Final = re.compile(r"\b(?:keo dai|gia han|cong them|khong ke|khong tinh)\b")
_BARE_NUMBER: Final = re.compile(r"(?<![\w.,/])\d+(?:[.,]\d+)?(?![\w.,/])")
_UNITS: Final[dict[str, ProcessingUnit]] = {
    "ngay lam viec": "working_days", "ngay": "calendar_days", "gio lam viec": "working_hours",
}
_UNSUPPORTED: Final = {
    "thang": "thời hạn tính theo tháng chưa được hỗ trợ",
    "tuan": "thời hạn tính theo tuần chưa được hỗ trợ",
    "nam": "thời hạn tính theo năm chưa được hỗ trợ",
    "phut": "thời hạn tính theo phút chưa được hỗ trợ",
    "buoi": "thời hạn tính theo buổi chưa được hỗ trợ",
    "gio": "giờ không ghi 'làm việc' có thể là giờ đồng hồ; hãy ghi 'giờ làm việc'",
}
#: longer than a year (or 365 × 8 working hours) is a document number, not a processing time
_LIMIT: Final = {"working_days": 365, "calendar_days": 365, "working_hours": 2920}
_DAY_UNITS: Final = frozenset({"ngay", "ngay lam viec"})
_STEPS: Final = "thời hạn của từng bước, không có tổng thời hạn"
_TOTAL: Final = re.compile(r"\btong\b(?:\s+(?:cong|so|thoi gian|thoi han))?[^.;]*$")


class ProcessingTimeParseError(ValueError):
    def __init__(self, text: str, reason: str, candidates: tuple[Reading, ...] = ()) -> None:
        super().__init__(f"cannot read processing time {text!r}: {reason}")
        self.text = text
        self.reason = reason
        self.candidates = candidates


@dataclass(frozen=True, slots=True)
class Reading:
    """One way of reading the text, with the phrase each part came from."""

    time: ProcessingTime
    phrase: str
    cutoff: dt.time | None = None
    cutoff_phrase: str | None = None

    def label(self) -> str:
        cutoff = f", nhận sau {self.cutoff:%H:%M} tính từ ngày làm việc tiếp theo" \
            if self.cutoff else ""
        return self.time.label() + cutoff


@dataclass(frozen=True, slots=True)
class TextReading:
    """The reading of a text, or (``reading`` None) the text listed back with its readings."""

    text: str
    reading: Reading | None
    exceptions: tuple[str, ...] = ()
    candidates: tuple[Reading, ...] = ()
    reason: str | None = None

    @property
    def listed_back(self) -> bool:
        return self.reading is None


class _ListBack(Exception):
    def __init__(self, reason: str, candidates: list[Reading] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        first: dict[tuple[ProcessingTime, dt.time | None], Reading] = {}
        for candidate in candidates or []:  # one per reading, with the phrase that said it first
            first.setdefault((candidate.time, candidate.cutoff), candidate)
        self.candidates = tuple(first.values())


def _time_of(quantity: Quantity, value: Decimal | None = None) -> ProcessingTime:
    unit = _UNITS.get(quantity.unit)
    if unit is None:
        raise _ListBack(_UNSUPPORTED[quantity.unit])
    number = quantity.value if value is None else value
    if number <= 0:
        raise _ListBack("thời hạn bằng 0")
    if unit == "calendar_days" and number != number.to_integral_value():
        raise _ListBack(f"số ngày lịch phải là số nguyên, không phải {number}")
    if number > _LIMIT[unit]:
        raise _ListBack(f"thời hạn {number} quá dài, có thể là số hiệu văn bản")
    return ProcessingTime(number, unit)


def _checked(quantity: Quantity, phrase: str) -> Reading:
    """The reading of one quantity; a range or a word/digit mismatch is listed back."""
    if quantity.to is not None:
        raise _ListBack(f"một khoảng từ {quantity.value} đến {quantity.to}", [
            Reading(_time_of(quantity), phrase), Reading(_time_of(quantity, quantity.to), phrase)])
    if quantity.alt is not None and quantity.alt != quantity.value:
        raise _ListBack(
            f"số bằng chữ và bằng số khác nhau ({quantity.value} và {quantity.alt})",
            [Reading(_time_of(quantity), phrase),
             Reading(_time_of(quantity, quantity.alt), phrase)])
    return Reading(_time_of(quantity), phrase)


def _without_breakdown(prepared: Prepared, found: list[tuple[Quantity, Clause]]
                       ) -> list[tuple[Quantity, Clause]]:
    """A total and the units' shares of it ("17 ngày. - Phòng TN-MT 14 ngày. - Bộ phận một cửa
    03 ngày") read as the total; shares that do not add up are left in, to be listed back."""
    if len(found) < 2 or len({(q.value, q.unit) for q, _ in found}) == 1 or any(
            q.unit not in _DAY_UNITS and q.unit != "gio lam viec" for q, _ in found):
        return found
    totals = [i for i, (q, _) in enumerate(found)
              if _TOTAL.search(prepared.fold, max(0, q.start - 30), q.start)]
    at = totals[0] if totals else 0  # "..., Lãnh đạo 0,5 ngày. Tổng: 05 ngày làm việc"
    (total, first), rest = found[at], found[:at] + found[at + 1:]
    shares = sum((q.value for q, _ in rest), Decimal(0))
    marked = first.breakdown or any(c.breakdown for _, c in rest)
    if (marked and shares <= total.value) or (len(rest) >= 2 and shares == total.value):
        return [found[at]]
    if len(rest) >= 2 or marked:
        readings = [_checked(q, c.phrase(prepared)) for q, c in found]
        raise _ListBack(f"các phần cộng lại ({shares}) không khớp tổng ({total.value})", readings)
    return found


def _as_days(processing: ProcessingTime) -> ProcessingTime:
    """Working hours in whole working days ("02 ngày làm việc (16 giờ làm việc)" says it twice)."""
    if processing.unit == "working_hours" and processing.value % 8 == 0:
        return ProcessingTime(processing.value / 8, "working_days")
    return processing


def _readings(prepared: Prepared, clauses: list[Clause]) -> list[Reading]:
    mains = [c for c in clauses if c.kind == "main" and not c.conditional]
    every = [(q, c) for c in mains for q in c.quantities]
    try:
        found = _without_breakdown(prepared, every)
    except _ListBack as mismatch:
        if any(c.step for _, c in every):  # steps, not shares of a total
            raise _ListBack(_STEPS, list(mismatch.candidates)) from None
        raise
    placed = [(q.start, _checked(q, c.phrase(prepared))) for q, c in found]
    placed += [(c.start, Reading(ProcessingTime.same_day(), c.phrase(prepared))) for c in mains
               if c.same_day]
    readings = [reading for _, reading in sorted(placed, key=lambda p: p[0])]
    by_time: dict[ProcessingTime, Reading] = {}
    for reading in readings:
        by_time.setdefault(_as_days(reading.time), reading)
    distinct = list(by_time.values())
    if distinct and any(c.step for _, c in found):
        raise _ListBack(_STEPS, distinct)
    if len(distinct) > 1:
        listed = "; ".join(r.time.label() for r in distinct)
        raise _ListBack(f"có nhiều cách đọc: {listed}", distinct)
    return distinct


def _no_reading(prepared: Prepared, clauses: list[Clause], masked: str) -> _ListBack:
    def readable(cs: list[Clause]) -> list[Reading]:
        out = []
        for c in cs:
            for q in c.quantities:
                try:
                    out.append(_checked(q, c.phrase(prepared)))
                except _ListBack as exc:
                    out += list(exc.candidates)
        return out

    conditional = [c for c in clauses if c.quantities and (
        c.kind == "exception" or (c.kind == "main" and c.conditional))]
    if conditional:
        return _ListBack("chỉ có thời hạn cho từng trường hợp, không có thời hạn chung",
                         readable(conditional))
    applicant = [c for c in clauses if c.kind == "applicant"]
    if applicant:
        return _ListBack("thời hạn người nộp hồ sơ phải tuân thủ, không phải thời hạn giải quyết "
                         "của cơ quan", readable(applicant))
    bare = _BARE_NUMBER.search(masked)
    if bare is not None:
        value = Decimal(bare.group().replace(",", "."))
        phrase = prepared.whole()
        candidates = [Reading(ProcessingTime(value, u), phrase)
                      for u in ("working_days", "calendar_days") if value == int(value) > 0]
        return _ListBack("số không kèm đơn vị (ngày, ngày làm việc, giờ làm việc)", candidates)
    return _ListBack("không thấy thời hạn giải quyết trong văn bản")


def _with_cutoff(prepared: Prepared, reading: Reading, cutoffs: list[Cutoff],
                 clauses: list[Clause]) -> Reading:
    if not cutoffs:
        if reading.time.unit == "same_day" and _OR_NEXT_DAY.search(prepared.fold):
            raise _ListBack("trong ngày hoặc ngày làm việc tiếp theo, không nói từ giờ nào", [
                reading, Reading(ProcessingTime(Decimal(1), "working_days"), reading.phrase)])
        return reading
    by_hour: dict[dt.time, Cutoff] = {}
    for each in cutoffs:
        by_hour.setdefault(each.at, each)
    if len(by_hour) > 1:
        raise _ListBack("nhiều giờ chốt khác nhau (" + ", ".join(f"{h:%H:%M}" for h in by_hour)
                        + ")", [Reading(reading.time, reading.phrase, c.at, c.phrase)
                                for c in by_hour.values()])
    cutoff = cutoffs[0]
    if any(c.kind == "cutoff" and c.quantities for c in clauses):
        raise _ListBack(f"sau giờ chốt {cutoff.at:%H:%M} văn bản đặt một thời hạn khác",
                        [Reading(reading.time, reading.phrase, cutoff.at, cutoff.phrase)])
    chosen = Reading(reading.time, reading.phrase, cutoff.at, cutoff.phrase)
    if any(c.same_day for c in cutoffs) and reading.time.unit != "same_day":
        same_day = Reading(ProcessingTime.same_day(), cutoff.phrase, cutoff.at, cutoff.phrase)
        raise _ListBack(f"nhận sau {cutoff.at:%H:%M} thì trả ngày hôm sau, tức là giải quyết "
                        f"trong ngày; văn bản lại ghi {reading.time.label()}", [same_day, chosen])
    return chosen


def read_processing_time(text: str) -> TextReading:
    """The reading of a catalogue's processing-time text; never raises on odd text."""
    prepared = prepare(text)
    clauses: list[Clause] = []
    try:
        if not prepared.fold.strip():
            raise _ListBack("văn bản trống")
        try:
            cutoffs = find_cutoffs(prepared)
        except ValueError as invalid:
            raise _ListBack(str(invalid)) from None
        masked = blank_noise(prepared)
        clauses = split_clauses(prepared, masked, [(c.start, c.end) for c in cutoffs])
        cutoffs = with_phrases(cutoffs, clauses, prepared)
        readings = _readings(prepared, clauses)
        if not readings:
            raise _no_reading(prepared, clauses, masked)
        reading = _with_cutoff(prepared, readings[0], cutoffs, clauses)
    except _ListBack as listed:
        return TextReading(text, None, _exceptions(prepared, clauses), listed.candidates,
                           listed.reason)
    return TextReading(text, reading, _exceptions(prepared, clauses))


def _exceptions(prepared: Prepared, clauses: list[Clause]) -> tuple[str, ...]:
    """The named cases and extensions of a text, as written, for the procedure and dossier pages."""
    kept = [c.phrase(prepared) for c in clauses
            if (c.quantities and (c.kind == "exception" or (c.kind == "main" and c.conditional)))
            or (c.kind == "exception" and _TIME_WORDS.search(prepared.fold, c.start, c.end))]
    return tuple(dict.fromkeys(p for p in kept if p))


def parse_processing_time(text: str) -> ProcessingTime:
    """The processing time of a text, or `ProcessingTimeParseError` with the reason it was
    listed back and its candidate readings."""
    result = read_processing_time(text)
    if result.reading is None:
        raise ProcessingTimeParseError(text, result.reason or "", result.candidates)
    return result.reading.time
