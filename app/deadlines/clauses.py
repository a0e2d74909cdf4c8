"""A processing-time text cut into clauses, each saying what kind of time it gives.

A clause ends at ";", at a full stop before a capital letter, or at a list bullet, never inside
brackets. Each clause is one of:

- ``main``: the agency's own processing time ("Không quá 05 ngày làm việc ...", "Trong ngày");
- ``exception``: a named case or extension ("trường hợp cần xác minh thì ... 05 ngày",
  "thời hạn được kéo dài thêm ..."); the clauses after it in the same sentence belong to it;
- ``cutoff``: the receipt cut-off ("trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả ...");
- ``applicant``: a deadline the applicant must meet ("Trong thời hạn 15 ngày, kể từ ngày hoàn
  tất giao dịch, công ty ... thông báo"), which is no processing time at all.

A bracket that names a case, an extension or what is not counted becomes a clause of its own;
any other bracket stays in its clause ("Trong ngày (tối đa 3 ngày)" keeps both readings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from app.deadlines.applicant import is_applicant
from app.deadlines.vi_text import Prepared

Kind = Literal["main", "exception", "cutoff", "applicant"]

_NUMBER: Final = r"\d+(?:[.,]\d+)?"
_UNIT: Final = (r"ngay\s*\(\s*lam\s*viec\s*\)|ngay\s*lam\s*viec|gio\s*lam\s*viec|ngay|gio|thang"
                r"|tuan|nam|phut|buoi")
QUANTITY: Final = re.compile(
    rf"(?<![\w.,/])(?P<num>{_NUMBER})\s*(?:\(\s*(?P<alt>{_NUMBER})\s*\)\s*)?"
    rf"(?:(?:-|–|den|toi)\s*(?P<to>{_NUMBER})\s*)?(?P<unit>{_UNIT})(?!\w)"
)
# a list bullet ("- ", "+ ", "b) ") or a step ("Bước 2:") starts a clause; "15 -25 ngày" is a range
_BULLET: Final = re.compile(
    r"(?:^|(?<=[^\d\s]\s))[-+•*–—](?=\s*\S)|(?<![\w(])[a-zđ]\)(?=\s)|(?<!bat )\bbuoc\s*\d"
)
_LEAD: Final = re.compile(  # used with match(text, pos): no "^", which would pin it to 0
    r"[\s\-+•*–—.:;,]*(?:[a-z]\)\s*)?"
    r"(?:(?:thoi han giai quyet|thoi gian giai quyet|thoi han|thoi gian)\s*(?:la\s*)?:?\s*)?"
    r"(?:(?:truc tiep|truc tuyen|dich vu buu chinh|qua buu chinh|buu chinh)\s*[:\-]\s*)?"
)
_EXCEPTION: Final = re.compile(
    r"^(?:(?:trong|doi voi|voi)\s+)?(?:cac\s+|nhung\s+)?truong hop\b|^(?:neu|rieng|tru|khi can)\b"
    r"|^doi voi\b|^o vung\b|^vung sau\b"
)
_NORMAL_CASE: Final = re.compile(
    r"^(?:trong\s+)?truong hop (?:ho so|yeu cau)\s+(?:da\s+)?(?:day du|hop le|du dieu kien"
    r"|dung quy dinh)"
)
_DEFAULT_CASE: Final = re.compile(r"^(?:cac\s+|nhung\s+)?truong hop (?:khac|con lai)|^con lai")
_EXTENSION: Final = re.compile(r"\b(?:keo dai|gia han|cong them)\b")
_NOT_COUNTED: Final = re.compile(r"^(?:khong ke|khong tinh|chua ke|chua tinh)\b")
# the path of an incomplete dossier: its time (to ask for a supplement) is no processing time
_INVALID_CASE: Final = re.compile(
    r"\b(?:neu|truong hop|doi voi)\s+(?:ho so\s+)?(?:chua|khong)\s+(?:du\s+)?(?:ho so\s+)?"
    r"(?:hop le|day du|dung quy dinh|du dieu kien)"
)
_CONDITIONAL: Final = re.compile(
    r"\b(?:doi voi|voi|trong) (?:cac |nhung |moi )?truong hop\b"
    r"(?! (?:ho so|yeu cau) (?:da )?(?:day du|hop le|du dieu kien|dung quy dinh))"
)
_BREAKDOWN: Final = re.compile(r"\b(?:trong do|cu the|bao gom|phan bo|chia ra)\b")
# "Bước 2", "b)", "5.4.1." — told in ``low`` ("bắt buộc" folds to "buoc" too)
_STEP: Final = re.compile(r"\bbước\s*\d|(?<![\w(])[a-zđ]\)\s|\b\d+(?:\.\d+){2,}\.?\s")
_STEP_PLAIN: Final = re.compile(r"(?<!bat )\bbuoc\s*\d|(?<![\w(])[a-z]\)\s|\b\d+(?:\.\d+){2,}\.?\s")
_SAME_DAY: Final = re.compile(
    r"\btrong\s+(?:cung\s+)?ngay\b(?!\s+(?:lam\s+viec\s+)?(?:tiep\s+theo|hom\s+sau|ke\s+tiep))"
)
# "ngay" (at once) — told from "ngày" (day) by its missing accent in ``low``
_AT_ONCE: Final = re.compile(
    r"^ngay\b|(?<!nhận )(?<!gửi )\bngay\s+(?:sau\s+khi|khi|trong|lập\s+tức|tại\s+chỗ)\b"
    r"|\b(?:giải quyết|trả kết quả|cấp|xử lý|thực hiện)\s+ngay\b"
)
_AT_ONCE_PLAIN: Final = re.compile(
    r"^ngay\b|\bngay\s+(?:sau\s+khi|khi|lap\s+tuc|tai\s+cho)\b|\bgiai quyet ngay\b"
)
@dataclass(frozen=True, slots=True)
class Quantity:
    value: Decimal
    unit: str
    start: int
    end: int
    alt: Decimal | None = None
    to: Decimal | None = None


@dataclass(slots=True)
class Clause:
    start: int
    end: int
    sentence: int
    kind: Kind = "main"
    quantities: list[Quantity] = field(default_factory=list)
    same_day: bool = False
    conditional: bool = False
    step: bool = False
    breakdown: bool = False

    def phrase(self, prepared: Prepared) -> str:
        return prepared.quote(self.start, self.end)


def _decimal(raw: str) -> Decimal:
    return Decimal(raw.replace(",", "."))


def _spans(prepared: Prepared) -> list[tuple[int, int, int]]:
    """(start, end, sentence) of every top-level clause, brackets kept whole."""
    text, cuts, depth = prepared.text, [], 0
    bullets = {m.start() for m in _BULLET.finditer(prepared.fold)}
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if depth:
            continue
        if ch == ";" or (ch == "." and text[i + 1:].lstrip()[:1].isupper()):
            cuts.append((i, i + 1, ch == "."))
        elif i in bullets:
            cuts.append((i, i, True))
    spans, begin, sentence = [], 0, 0
    for cut_start, cut_end, new_sentence in cuts:
        spans.append((begin, cut_start, sentence))
        sentence += new_sentence
        begin = cut_end
    spans.append((begin, len(text), sentence))
    return [(a, b, s) for a, b, s in spans if text[a:b].strip()]


def _brackets(fold: str, start: int, end: int) -> list[tuple[int, int]]:
    found, depth, opened = [], 0, 0
    for i in range(start, end):
        if fold[i] == "(":
            depth, opened = depth + 1, (i if depth == 0 else opened)
        elif fold[i] == ")" and depth:
            depth -= 1
            if depth == 0:
                found.append((opened, i + 1))
    return found


def _lead_end(fold: str, start: int, end: int) -> int:
    match = _LEAD.match(fold, start, end)
    return match.end() if match else start


def _kind_of(head: str) -> Kind:
    if _DEFAULT_CASE.match(head) or _NORMAL_CASE.match(head):
        return "main"
    if _EXCEPTION.match(head) or _EXTENSION.match(head) or _NOT_COUNTED.match(head):
        return "exception"
    return "main"


def _quantities(masked: str, start: int, end: int) -> list[Quantity]:
    return [
        Quantity(_decimal(m["num"]), " ".join(re.sub(r"[()]", " ", m["unit"]).split()),
                 m.start(), m.end(),
                 _decimal(m["alt"]) if m["alt"] else None, _decimal(m["to"]) if m["to"] else None)
        for m in QUANTITY.finditer(masked, start, end)
    ]


def _same_day(prepared: Prepared, masked: str, start: int, end: int) -> bool:
    if _SAME_DAY.search(masked, start, end):
        return True
    head = _lead_end(prepared.fold, start, end)
    if prepared.accented:
        return bool(_AT_ONCE.search(prepared.low[head:end]))
    return bool(_AT_ONCE_PLAIN.search(prepared.fold[head:end]))


def _clause(prepared: Prepared, masked: str, span: tuple[int, int, int],
            blanks: list[tuple[int, int]], kind: Kind | None = None) -> Clause:
    start, end, sentence = span
    view = list(masked)
    for a, b in blanks:
        view[a:b] = [" "] * (b - a)
    visible = "".join(view)
    clause = Clause(start, end, sentence)
    clause.kind = kind or _kind_of(prepared.fold[_lead_end(prepared.fold, start, end):end])
    clause.quantities = _quantities(visible, start, end)
    clause.same_day = _same_day(prepared, visible, start, end)
    clause.conditional = bool(_CONDITIONAL.search(visible, start, end)
                              or _INVALID_CASE.search(visible, start, end))
    clause.step = bool((_STEP if prepared.accented else _STEP_PLAIN).search(
        prepared.low if prepared.accented else prepared.fold, start, end))
    clause.breakdown = bool(_BREAKDOWN.search(visible, start, end))
    if clause.kind == "main" and any(is_applicant(visible, start, (q.start, q.end), end)
                                           for q in clause.quantities):
        clause.kind = "applicant"
    return clause


# where a named case or an extension starts inside a clause: ", trường hợp …", ". nếu …",
# ", có thể gia hạn thêm …" (from its comma), "… kéo dài …"
_INNER_CUT: Final = re.compile(
    r"[,.]\s*(?:(?:trong|doi voi)\s+)?(?:cac\s+|nhung\s+)?truong hop\b|[,.]\s*(?:neu|rieng|tru)\b"
    r"|,[^,]*?\b(?:keo dai|gia han|cong them)\b|\b(?:keo dai|gia han|cong them)\b"
)


def _inner_cut(prepared: Prepared, masked: str, start: int, end: int) -> int | None:
    """Where a named case or an extension starts inside a clause that first gives its own time
    ("03 ngày làm việc, trường hợp phải xác minh thì ...", "15 ngày, có thể gia hạn ...")."""
    for mark in _INNER_CUT.finditer(prepared.fold, start, end):
        rest = prepared.fold[mark.start():end].lstrip(" ,.")
        if _NORMAL_CASE.match(rest) or _INVALID_CASE.match(rest):
            continue
        cut = mark.start()
        if QUANTITY.search(masked, start, cut) or _same_day(prepared, masked, start, cut):
            return cut
    return None


def _top_level(prepared: Prepared) -> list[tuple[int, int, int, Kind | None]]:
    """Clause spans; the extension part of a clause that first gives its own time is split off."""
    spans: list[tuple[int, int, int, Kind | None]] = []
    for start, end, sentence in _spans(prepared):
        head = prepared.fold[_lead_end(prepared.fold, start, end):end]
        cut = None if _EXCEPTION.match(head) else _inner_cut(
            prepared, blank_brackets(prepared, start, end), start, end)
        if cut is None:
            spans.append((start, end, sentence, None))
        else:
            spans += [(start, cut, sentence, None), (cut, end, sentence, "exception")]
    return spans


def blank_brackets(prepared: Prepared, start: int, end: int) -> str:
    view = list(prepared.fold)
    for a, b in _brackets(prepared.fold, start, end):
        view[a:b] = [" "] * (b - a)
    return "".join(view)


def _special_brackets(prepared: Prepared, start: int, end: int) -> list[tuple[int, int]]:
    """Brackets that name a case, an extension, a breakdown or what is not counted."""
    found = []
    for a, b in _brackets(prepared.fold, start, end):
        head = prepared.fold[a + 1:b].strip()
        if (_EXCEPTION.match(head) or _EXTENSION.search(head) or _NOT_COUNTED.match(head)
                or _BREAKDOWN.match(head)):
            found.append((a, b))
    return found


def split_clauses(prepared: Prepared, masked: str, cutoff_spans: list[tuple[int, int]]
                  ) -> list[Clause]:
    """The clauses of a text in order; ``cutoff_spans`` mark where a cut-off hour was read."""
    clauses: list[Clause] = []
    for start, end, sentence, forced in _top_level(prepared):
        inner = _special_brackets(prepared, start, end)
        clause = _clause(prepared, masked, (start, end, sentence), inner, forced)
        head = prepared.fold[_lead_end(prepared.fold, start, end):end]
        follows_exception = (clauses and clauses[-1].sentence == sentence
                             and clauses[-1].kind in ("exception", "cutoff"))
        if follows_exception and clause.kind == "main" and not _DEFAULT_CASE.match(head):
            clause.kind = "exception"
        if clause.kind == "exception" and any(start <= c < end for c, _ in cutoff_spans):
            clause.kind = "cutoff"
        clauses.append(clause)
        for a, b in inner:
            breakdown = bool(_BREAKDOWN.match(prepared.fold[a + 1:b].strip()))
            sub = _clause(prepared, masked, (a + 1, b - 1, sentence), [],
                          "main" if breakdown else "exception")
            sub.breakdown = breakdown
            if not breakdown and any(a <= c < b for c, _ in cutoff_spans):
                sub.kind = "cutoff"
            clauses.append(sub)
    return clauses
