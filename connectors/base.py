"""The connector plug-in contract and the records connectors hand to the app.

A connector reads one kind of source (the portal's paged API, a spreadsheet export, ...) and
yields :class:`Page` objects. It never touches the database and never imports ``app``: the app's
ingest service owns the transaction. The loop on the app side is::

    connector = get_connector("dvc_portal", base_url=..., token=...)
    state = stored_state or ConnectorState()
    for page in connector.pages(state):
        for record in page.records:
            try:
                parsed = parse_record(record.kind, record.payload)   # connectors.portal.parse
            except RecordInvalid as exc:
                quarantine(record, exc.field, exc.reason, exc.value)  # the run goes on
                continue
            upsert(parsed)
        commit()
        store(page.state_after)       # the cursor advances only after the commit
    connector.close()

Rules every connector follows (and the shared contract test checks):

* ``pages(state)`` is a generator. It yields pages in order, each with ``state_after``: the state
  from which a *new* call of ``pages`` resumes right after that page. If the process dies between
  two pages, the app restarts from the last committed ``state_after`` and loses nothing (it may
  see the records of the uncommitted page again: ingestion is idempotent).
* Records are yielded raw (portal-shaped ``payload``). A connector does **not** validate them:
  a bad record is yielded like any other so that the app quarantines it with its ``origin``.
  Only trouble that stops reading altogether raises (:class:`~connectors.errors.SourceError`).
* Starting again from the final state of a complete run yields nothing new: either no page at all,
  or only records already yielded before (a server may re-serve the boundary instant).
* Page ``number`` counts from 1 within one call of ``pages``.
* ``close()`` releases what the connector opened itself (HTTP clients, files); it is safe to call
  twice and never closes objects that were injected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, Self, runtime_checkable

from connectors.records import DossierRecord, IdNumber, ProgressRecord, SupplementRecord

RecordKind = Literal["dossier", "progress"]

__all__ = [
    "Connector",
    "ConnectorState",
    "DossierRecord",
    "IdNumber",
    "Page",
    "ProgressRecord",
    "RecordKind",
    "SourceRecord",
    "SupplementRecord",
]


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One raw record as read from a source.

    ``kind`` is ``"dossier"`` (DongBoHoSoMC) or ``"progress"`` (CapNhatTienDoHoSoMC); ``payload``
    is the portal-shaped record; ``origin`` says where it came from, for people
    (``"dvc_portal page 3 item 12"``, ``"export.xlsx row 17"``); ``agency_code`` is the envelope's
    ``madonvi`` when the source states it.
    """

    kind: RecordKind
    payload: dict[str, Any]
    origin: str
    agency_code: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectorState:
    """Where a connector stands: an opaque ``cursor``, the ``updated_since`` watermark
    (portal date string ``yyyyMMddHHmmss``) and connector-specific ``extra`` values.

    The app stores it as JSON (:meth:`to_json` / :meth:`from_json`) and treats it as opaque.
    """

    cursor: str | None = None
    updated_since: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {"cursor": self.cursor, "updated_since": self.updated_since, "extra": self.extra},
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | None) -> ConnectorState:
        """Read a stored state; ``None`` or ``""`` is the initial state."""
        if not text:
            return cls()
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("connector state must be a JSON object")
        cursor, since, extra = data.get("cursor"), data.get("updated_since"), data.get("extra")
        if not (cursor is None or isinstance(cursor, str)) or not (
            since is None or isinstance(since, str)
        ):
            raise ValueError("connector state: cursor and updated_since must be strings or null")
        return cls(cursor=cursor, updated_since=since, extra=dict(extra or {}))


@dataclass(frozen=True, slots=True)
class Page:
    """A batch of records the app commits at once, and the state to store after the commit."""

    records: list[SourceRecord]
    state_after: ConnectorState
    number: int


@runtime_checkable
class Connector(Protocol):
    """A source of portal records. See the module docstring for the rules."""

    name: ClassVar[str]

    @classmethod
    def from_config(cls, **config: Any) -> Self:
        """Build the connector from plain options (CLI flags, settings); raises ``TypeError`` /
        ``ValueError`` on an unknown or bad option."""
        ...

    def pages(self, state: ConnectorState) -> Iterator[Page]:
        """Yield pages from ``state`` on; see the module docstring."""
        ...

    def close(self) -> None:
        """Release resources the connector opened itself."""
        ...
