"""Pull connector for the portal's paged JSON API (``GET {base}/api/hoso``)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any, ClassVar, Self

import httpx

from connectors.base import ConnectorState, Page, SourceRecord
from connectors.dvc_portal.config import DvcPortalConfig, RetryPolicy
from connectors.dvc_portal.http import RetryingGetter, Sleep
from connectors.dvc_portal.mapping import newer, read_response, record_updated_at
from connectors.portal.parse import RAW_ITEM_KEY

#: ``ConnectorState.extra`` key holding the newest update instant seen during a paged run.
MAX_SEEN_KEY = "max_seen"

_RETRY_KEYS = ("max_retries", "budget_seconds", "base_delay", "max_delay", "retry_after_cap")


class DvcPortalConnector:
    """Pulls dossiers (with their QuaTrinhXuLy) changed since the last run.

    A run sends ``updated_since`` = the stored watermark and follows ``next_cursor`` page by page;
    the watermark stays fixed while paging (the server's snapshot depends on it) and the newest
    instant seen is carried in ``state.extra["max_seen"]``. After the last page the state becomes
    ``cursor=None, updated_since=<newest instant seen>``, so the next run is incremental. The
    server filters with ``>=``, so a next run may re-serve records of that very instant; they are
    identical to what was ingested and idempotent.
    """

    name: ClassVar[str] = "dvc_portal"

    def __init__(
        self,
        config: DvcPortalConfig,
        *,
        client: httpx.Client | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=config.timeout)
        self._getter = RetryingGetter(
            client=self._client, policy=config.retry, sleep=sleep, rng=rng or random.Random()  # noqa: S311 (jitter, not crypto)
        )

    @classmethod
    def from_config(cls, **config: Any) -> Self:
        """Options: base_url, token, page_size, timeout, path, the RetryPolicy fields
        (max_retries, budget_seconds, ...), and client / sleep / rng for tests."""
        client = config.pop("client", None)
        sleep = config.pop("sleep", time.sleep)
        rng = config.pop("rng", None)
        retry = RetryPolicy(**{k: config.pop(k) for k in _RETRY_KEYS if k in config})
        return cls(DvcPortalConfig(retry=retry, **config), client=client, sleep=sleep, rng=rng)

    @property
    def slept_seconds(self) -> float:
        """Seconds spent in backoff so far (reported by the CLI)."""
        return self._getter.slept

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def _params(self, state: ConnectorState) -> dict[str, str]:
        params = {"limit": str(self.config.page_size)}
        if state.updated_since:
            params["updated_since"] = state.updated_since
        if state.cursor:
            params["cursor"] = state.cursor
        return params

    def pages(self, state: ConnectorState) -> Iterator[Page]:
        headers = {"Authorization": f"Bearer {self.config.token}", "Accept": "application/json"}
        url = self.config.url
        max_seen: str | None = state.extra.get(MAX_SEEN_KEY)
        number = 0
        while True:
            number += 1
            body = self._getter.get_json(url, self._params(state), headers)
            page = read_response(body, url)
            records: list[SourceRecord] = []
            for index, item in enumerate(page.items):
                max_seen = newer(max_seen, record_updated_at(item))
                payload = item if isinstance(item, dict) else {RAW_ITEM_KEY: item}
                records.append(
                    SourceRecord(
                        kind="dossier",
                        payload=payload,
                        origin=f"{self.name} page {number} item {index + 1}",
                    )
                )
            if page.next_cursor is not None:
                extra = dict(state.extra)
                if max_seen is not None:
                    extra[MAX_SEEN_KEY] = max_seen
                state = ConnectorState(
                    cursor=page.next_cursor, updated_since=state.updated_since, extra=extra
                )
            else:
                extra = {k: v for k, v in state.extra.items() if k != MAX_SEEN_KEY}
                state = ConnectorState(
                    cursor=None, updated_since=newer(state.updated_since, max_seen), extra=extra
                )
            # Always yield, even an empty last page: its state_after (cursor cleared, watermark
            # moved) must be stored, or the next run would resume from a spent cursor.
            yield Page(records=records, state_after=state, number=number)
            if page.next_cursor is None:
                return
