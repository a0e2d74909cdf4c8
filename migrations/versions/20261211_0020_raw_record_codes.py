"""raw record codes: MaHoSo as the parser reads it, for the raw rows stored before 9f0be17

Until commit 9f0be17 a raw row's `dossier_code` (and its quarantine entry's) kept MaHoSo only
when it was a string, stripped but not NFC-normalised, with the 64-character limit checked
before NFC; the parser, which names the dossier, reads a number as its digits and NFC-normalises
text first. So a numeric MaHoSo left the code NULL, and decomposed text (or a compatibility
character such as U+F900) named a code no dossier has. Retention finds a payload's dossier by
this code: such payloads of closed dossiers, which hold personal data, were never archived.
This revision computes the code again for the rows that can be wrong, in id order and in
batches (never the whole table in memory), and writes it where it differs.

Rows that can be wrong, all with their payload still here (`archived_in IS NULL`: retention
archives only a row whose code names a closed dossier, so no archived row is among them):
  * NULL code and a top-level MaHoSo that is a number, or text of more than 64 characters
    (NFC can make it 64 or fewer). Other NULL codes stay NULL: blank, NUL, null, a float or a
    boolean were and are unreadable.
  * a code that is not NFC. A code that is NFC is what the new reading gives: the old code
    is the stripped text, and NFC changes neither the whitespace around it nor its length.
Selected in SQL as narrowly as each backend allows without ever failing on a payload:
  * PostgreSQL: a regular expression over the payload text (canonical JSON), a superset of
    the rows above (it also matches MaHoSo inside the steps), and `IS NOT NFC NORMALIZED`.
    Not the json functions: `payload::json -> 'MaHoSo'` raises on any payload holding \\u0000
    (which a raw row keeps, before validation) or NaN (which Python's json accepts), and one
    such row would stop the upgrade.
  * SQLite: json_type/json_extract for the rows that json_valid accepts (the others, NaN, go
    to Python), and codes with a non-ASCII character (fewer bytes than characters), since
    SQLite cannot test NFC; Python then keeps the non-NFC ones.
Python decides every candidate exactly with `_readable_code` and updates only a changed code.

`_readable_code` is a copy of `app/ingest/intake.readable_code` and of the parser's
`connectors/portal/fields.read_text` as of 9f0be17, not an import: a migration is frozen
history and must do the same on a database upgraded years from now, whatever those functions
become (another limit, another field, a different reader would rewrite codes this revision
never meant to touch, or break the import). The tests check it against the ingest of today
(tests/db/test_raw_code_backfill.py).

Quarantine entries get the same code: an entry's `dossier_code` was and is `readable_code` of
its raw row's payload, and supervisors see an entry through the dossier of that code
(app/ingest/scope_repository.py).

All in Alembic's one transaction (idempotent: run again, it finds nothing to change).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-11 09:00:00
"""

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
_MAX_CODE = 64

# A number, or a string of more than 64 JSON characters (an escape such as \" or \u00e9 is
# one character; so is each half of an escaped surrogate pair, hence a superset), as the value
# of a key "MaHoSo" anywhere in the payload. Inside a string value a quote is \", so key text
# in a value never matches.
_PG_NULL_CANDIDATE = r'"MaHoSo"\s*:\s*(-?[0-9]|"([^"\\]|\\.){65})'

_CANDIDATES = {
    "postgresql": """
        CASE WHEN dossier_code IS NULL THEN payload ~ :pattern
             ELSE dossier_code IS NOT NFC NORMALIZED END""",
    # SQLite's length() of text counts characters up to a NUL: a shorter count only for text
    # with a NUL, which stays unreadable. CASE, so that json_type never sees invalid JSON.
    "sqlite": """
        CASE WHEN dossier_code IS NOT NULL
                  THEN length(dossier_code) <> length(CAST(dossier_code AS BLOB))
             WHEN NOT json_valid(payload) THEN 1
             WHEN json_type(payload, '$.MaHoSo') = 'integer' THEN 1
             WHEN json_type(payload, '$.MaHoSo') = 'text'
                  THEN length(json_extract(payload, '$.MaHoSo')) > 64
             ELSE 0 END""",
}

_UNREADABLE = object()  # a payload Python's json cannot read: the row is left as it is


def _readable_code(payload_text: str) -> Any:
    """MaHoSo as 9f0be17's readable_code reads it: an int as its digits, text NFC-normalised
    and stripped; None when blank, over 64 characters, holding NUL, or of another type."""
    try:
        payload = json.loads(payload_text)
    except ValueError:  # no raw row should hold one (they are json.dumps output): leave it
        return _UNREADABLE
    if not isinstance(payload, dict):
        return None
    raw = payload.get("MaHoSo")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    if isinstance(raw, str):
        text = unicodedata.normalize("NFC", raw).strip()
    else:
        try:
            text = str(raw)
        except ValueError:  # more than 4,300 digits
            return None
    if not text or "\x00" in text or len(text) > _MAX_CODE:
        return None
    return text


def backfill(conn: sa.Connection, batch: int = BATCH) -> int:
    """Recompute the codes that can be wrong; how many raw rows changed."""
    dialect = conn.dialect.name
    select_batch = sa.text(
        "SELECT id, dossier_code, payload FROM raw_record "
        f"WHERE archived_in IS NULL AND id > :after AND ({_CANDIDATES[dialect]}) "
        "ORDER BY id LIMIT :batch"
    )
    params: dict[str, Any] = {"batch": batch}
    if dialect == "postgresql":
        params["pattern"] = _PG_NULL_CANDIDATE
    raw_update = sa.text("UPDATE raw_record SET dossier_code = :code WHERE id = :id")
    # one statement a batch: most changed rows have no quarantine entry
    entry_update = sa.text(
        "UPDATE quarantine SET dossier_code = (SELECT r.dossier_code FROM raw_record AS r "
        "WHERE r.id = quarantine.raw_record_id) WHERE raw_record_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    after, changed = 0, 0
    while True:
        rows = conn.execute(select_batch, {**params, "after": after}).all()
        if not rows:
            return changed
        updates = []
        for raw_id, old, payload in rows:
            new = _readable_code(payload)
            if new is not _UNREADABLE and new != old:
                updates.append({"id": raw_id, "code": new})
        if updates:
            conn.execute(raw_update, updates)
            conn.execute(entry_update, {"ids": [u["id"] for u in updates]})
            changed += len(updates)
        after = rows[-1][0]


def upgrade() -> None:
    backfill(op.get_bind())


def downgrade() -> None:
    # Nothing to undo, on purpose: 9f0be17 changed the code, not the schema, and the codes
    # written here are the ones the application writes for every new row since; the code of
    # 0019's time reads them as well. Writing the wrong ones back would only hide those
    # payloads from retention again (and which rows had them is not kept).
    pass
