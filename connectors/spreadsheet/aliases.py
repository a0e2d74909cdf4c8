"""Column titles of one-door exports -> portal field names.

Titles are compared after :func:`title_key`: accents, case, spaces and punctuation are ignored, so
"Ngày tiếp nhận", "NGAY TIEP NHAN" and "ngày  tiếp-nhận" are the same column. The default table
ships as ``default_aliases.json`` (``{"PortalField": ["title", ...]}``); a site adds its own titles
with a JSON file of the same shape (or ``{"title": "PortalField"}``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from connectors.errors import SpreadsheetError

#: Portal dossier fields a spreadsheet row can fill.
PORTAL_FIELDS: Final = (
    "MaHoSo", "SoBienNhan", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "LoaiDoiTuong",
    "ChuHoSo", "SoDienThoai", "Email", "Fax", "DinhDanhCHS", "TrichYeuHoSo", "NgayTiepNhan",
    "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "TrangThaiHoSo", "HinhThuc", "KenhThucHien",
    "DonViXuLy", "GhiChu", "ThongTinKhac", "ThongTinTra",
)
#: Fields parse_dossier requires (PORTAL.md); reported when no column provides them.
#: DonViXuLy may instead come from the import's agency.
REQUIRED_FIELDS: Final = ("MaHoSo", "MaTTHC", "NgayTiepNhan", "TrangThaiHoSo", "DonViXuLy")


def fold(text: str) -> str:
    """Lower-case, accent-free text (đ -> d) with single spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def title_key(title: str) -> str:
    """The comparison key of a column title: :func:`fold` without spaces or punctuation."""
    return "".join(ch for ch in fold(title) if ch.isalnum())


def _entries(data: Any, source: str) -> Iterable[tuple[str, str]]:
    if not isinstance(data, dict):
        raise SpreadsheetError(f"{source}: alias table must be a JSON object")
    for key, value in data.items():
        if isinstance(value, list):
            for title in value:
                if not isinstance(title, str):
                    raise SpreadsheetError(f"{source}: titles of {key!r} must be strings")
                yield title, key
        elif isinstance(value, str):
            yield key, value
        else:
            raise SpreadsheetError(f"{source}: {key!r} must map to a field name or a title list")


@dataclass
class AliasTable:
    """Title key -> field; ``fields`` is the vocabulary (the portal's dossier fields unless a
    reader of another kind of export, such as a procedure catalogue, brings its own)."""

    by_key: dict[str, str] = field(default_factory=dict)
    fields: tuple[str, ...] = PORTAL_FIELDS

    def add(self, title: str, portal_field: str) -> None:
        if portal_field not in self.fields:
            raise SpreadsheetError(
                f"alias {title!r} points to unknown portal field {portal_field!r}"
            )
        self.by_key[title_key(title)] = portal_field

    def extend(self, pairs: Iterable[tuple[str, str]]) -> AliasTable:
        for title, portal_field in pairs:
            self.add(title, portal_field)
        return self

    def match(self, title: str) -> str | None:
        return self.by_key.get(title_key(title))

    @classmethod
    def default(cls) -> AliasTable:
        return cls.from_resource("connectors.spreadsheet", "default_aliases.json", PORTAL_FIELDS)

    @classmethod
    def from_resource(cls, package: str, name: str, fields: tuple[str, ...]) -> AliasTable:
        """The fields' own names plus the titles of a JSON alias file shipped in ``package``."""
        text = resources.files(package).joinpath(name)
        table = cls(fields=fields)
        table.extend((f, f) for f in fields)
        return table.extend(_entries(json.loads(text.read_text("utf-8")), name))

    @classmethod
    def load(
        cls, path: str | Path | None = None, extra: Mapping[str, Any] | None = None
    ) -> AliasTable:
        """The default table, extended by a JSON file and/or a mapping (later entries win)."""
        table = cls.default()
        if path is not None:
            try:
                data = json.loads(Path(path).read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise SpreadsheetError(f"cannot read alias file {path}: {exc}") from None
            table.extend(_entries(data, str(path)))
        if extra:
            table.extend(_entries(dict(extra), "aliases option"))
        return table
