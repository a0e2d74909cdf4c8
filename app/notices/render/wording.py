"""The body text of form 04, written once and drawn by every renderer.

HTML (and the PDF made from it) and DOCX iterate over the same ``Paragraph`` tuples, so
the three outputs can never disagree on a word. Only the body lives here; the header,
title and signature block are fixed positions that each renderer lays out itself from
the ``NoticeDocument`` properties.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.notices.render.document import LegalBasis, NoticeDocument

# Decree 30/2020 ends the body of an administrative document with "./.".
END_MARK = "./."


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True)
class Paragraph:
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


def _p(*parts: str | Run) -> Paragraph:
    return Paragraph(tuple(part if isinstance(part, Run) else Run(part) for part in parts))


def _sentence(text: str) -> str:
    """Free text typed by an officer, closed with a full stop unless it already is."""
    if text.endswith((".", "!", "?", "…")):
        return text
    return f"{text.rstrip(' ;,:-')}."


def body_paragraphs(doc: NoticeDocument) -> tuple[Paragraph, ...]:
    """The body of form 04 between "Kính gửi" and the signature, in the form's order."""
    who = doc.applicant_pronoun
    unit = doc.issuing_unit_inline
    if doc.legal_basis is LegalBasis.CIRCULAR_01_2018:
        promise = (
            f"{unit} xin lỗi {who} và hẹn lại ngày trả kết quả giải quyết hồ sơ cho {who} vào "
        )
    else:
        promise = f"{unit} xin lỗi {who} và đề nghị gia hạn thời gian giải quyết hồ sơ đến "
    applicant = doc.applicant_name if doc.is_organisation else doc.addressee
    return (
        _p(
            f"Lúc {doc.received_phrase}, {doc.receiving_unit} tiếp nhận hồ sơ đề nghị "
            f"giải quyết thủ tục hành chính “{doc.procedure_name}” của ",
            Run(applicant, bold=True),
            ".",
        ),
        _p(f"{doc.identification_line_label}: {doc.identification_number}."),
        _p("Mã hồ sơ: ", Run(doc.dossier_code, bold=True), "."),
        _p(f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {doc.original_appointment_phrase}."),
        _p(
            f"Tuy nhiên đến nay, {unit} không trả kết quả giải quyết hồ sơ của {who} đúng hạn "
            "ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả."
        ),
        _p(f"Lý do: {_sentence(doc.reason)}"),
        _p(
            f"Sự chậm trễ này đã gây phiền hà cho {who}. {promise}",
            Run(doc.new_appointment_phrase, bold=True),
            ".",
        ),
        _p(f"Xin trân trọng cảm ơn sự hợp tác của {who}{END_MARK}"),
    )
