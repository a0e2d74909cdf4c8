"""The soak's load: signed webhook deliveries at a rate, readers of the public page and the work
lists, and the latencies they saw (bench/soak.py runs them against `tthc serve`).

Deliveries imitate the one-door systems: a dossier arrives as a DongBoHoSoMC snapshot with its
first step, then each later step as its own CapNhatTienDoHoSoMC record, then the final snapshot;
a few deliveries are sent twice (the portal resends). Some hundred dossiers are in flight at
once, so their deliveries interleave, each dossier's in order.
"""

from __future__ import annotations

import copy
import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors import build_envelope
from connectors.portal.signing import SIGNATURE_HEADER, sign

WEBHOOK = "/api/v1/webhooks/dvc"
IN_FLIGHT = 200
RESEND_SHARE = 0.03


# service, agency code, records, copy: 0 for a first send, n for the n-th resend in a row of it
Delivery = tuple[str, str, list[Any], int]


def deliveries(dossiers: list[dict[str, Any]], seed: int) -> Iterator[Delivery]:
    """Deliveries for ever: the dossiers' lives, interleaved, then again."""
    rng = random.Random(seed)
    while True:
        waiting = iter(rng.sample(dossiers, len(dossiers)))
        active: list[Iterator[tuple[str, str, list[Any]]]] = []
        last: tuple[str, str, list[Any]] | None = None
        resends = 0
        while True:
            while len(active) < IN_FLIGHT:
                nxt = next(waiting, None)
                if nxt is None:
                    break
                active.append(_life(nxt))
            if not active:
                break
            if last is not None and rng.random() < RESEND_SHARE:
                resends += 1
                yield (*last, resends)
                continue
            pick = rng.randrange(len(active))
            item = next(active[pick], None)
            if item is None:
                active.pop(pick)
                continue
            last, resends = item, 0
            yield (*item, 0)


def _life(payload: dict[str, Any]) -> Iterator[tuple[str, str, list[Any]]]:
    agency = str(payload.get("DonViXuLy") or "")
    steps = payload.get("QuaTrinhXuLy") or []
    first = copy.deepcopy(payload)
    first["QuaTrinhXuLy"] = steps[:1]
    first["TrangThaiHoSo"] = str(steps[0]["TrangThai"]) if steps else first["TrangThaiHoSo"]
    first["NgayKetThucXuLy"] = first["NgayTra"] = ""
    yield "DongBoHoSoMC", agency, [first]
    for later in steps[1:]:
        yield "CapNhatTienDoHoSoMC", agency, [later]
    # a dossier of one step and no end yet has nothing new to say: sending it again as a new
    # delivery would repeat the first one's body, and in the same second its signature (a 409)
    if payload != first:
        yield "DongBoHoSoMC", agency, [payload]


@dataclass(frozen=True)
class Failure:
    """One failed request, as the soak reports it: status and the reply's error code and reason
    (never its records), and the request id to find the server's log lines by."""

    kind: str
    at: float  # time.time() when the answer came
    request_id: str
    status: int | None  # None: no answer (a transport error)
    error: str
    reason: str
    copy: int = 0  # a delivery: 0 the first send, n its n-th resend in a row


@dataclass
class Latencies:
    """Response times and failures by kind of request, taken and reset once a window; every
    failure is also kept whole (`failures`)."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, elapsed: float, failure: Failure | None) -> None:
        with self.lock:
            self.seconds[kind].append(elapsed)
            if failure is not None:
                self.errors[kind] += 1
                self.failures.append(failure)

    def take(self) -> tuple[dict[str, list[float]], dict[str, int]]:
        with self.lock:
            seconds, errors = dict(self.seconds), dict(self.errors)
            self.seconds, self.errors = defaultdict(list), defaultdict(int)
        return seconds, errors


def _timed(latencies: Latencies, kind: str, request_id: str,
           call: Callable[..., httpx.Response], path: str, copy: int = 0, **kwargs: Any) -> None:
    kwargs["headers"] = {**kwargs.get("headers", {}), "X-Request-ID": request_id}
    started = time.perf_counter()
    failure: Failure | None = None
    try:
        response = call(path, **kwargs)
        if response.status_code >= 400:
            error, reason = _refusal(response)
            failure = Failure(kind, time.time(), request_id, response.status_code, error,
                              reason, copy)
    except httpx.HTTPError as exc:
        failure = Failure(kind, time.time(), request_id, None, type(exc).__name__, "", copy)
    latencies.add(kind, time.perf_counter() - started, failure)


def _refusal(response: httpx.Response) -> tuple[str, str]:
    """The reply's error code and reason only: its other fields may echo the records."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error", "")), str(body.get("reason", ""))[:300]


class SignatureTimes:
    """The signature timestamp of each delivery in the plan's order. A resend is signed anew,
    as a sender's retry is: a copy with an earlier copy's signature would be a replay, refused
    with 409. The n-th resend in a row is signed 2n seconds before its first send: "now - 2"
    for every resend gave two resends in a row, sent in the same second, the same signature
    (the soak's one 409 a minute, docs/scaling.md)."""

    def __init__(self) -> None:
        self.first = 0

    def next(self, copy: int, now: float) -> int:
        if copy == 0:
            self.first = int(now)
        return self.first - 2 * copy


def send_deliveries(base_url: str, secret: str, plan: Iterator[Delivery],
                    rate: float, workers: int, stop: threading.Event,
                    latencies: Latencies) -> list[threading.Thread]:
    """``workers`` threads sending the plan's deliveries at ``rate`` a second in total (a worker
    behind schedule sends at once; none sends ahead of it)."""
    lock, started = threading.Lock(), time.monotonic()
    sequence, stamps = iter(range(10**12)), SignatureTimes()

    def work() -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            while not stop.is_set():
                with lock:  # the plan's order is the stamps' order
                    number, (service, agency, records, copy) = next(sequence), next(plan)
                    signed_at = stamps.next(copy, time.time())
                wait = started + number / rate - time.monotonic()
                if wait > 0 and stop.wait(wait):
                    return
                body = json.dumps(build_envelope(service, agency, records),
                                  ensure_ascii=False).encode("utf-8")
                headers = {"Content-Type": "application/json",
                           SIGNATURE_HEADER: sign(secret, body, signed_at)}
                _timed(latencies, "webhook", f"soak-d{number}", client.post, WEBHOOK, copy=copy,
                       content=body, headers=headers)

    return _start(work, workers, "delivery")


def read_pages(base_url: str, token: str, public_rates: dict[str, str], readers: int,
               think: float, stop: threading.Event, latencies: Latencies
               ) -> list[threading.Thread]:
    """``readers`` threads cycling through the public page, the public rates and the work
    lists, as a citizen and a supervisor's screen would."""
    auth = {"Authorization": f"Bearer {token}"}
    pages: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
        ("public_page", "/", {}, {}),
        ("worklist", "/api/v1/dossiers/overdue", {"limit": "50"}, auth),
        ("public_rates", "/api/v1/public/rates", public_rates, {}),
        ("worklist", "/api/v1/dossiers/due-soon", {"limit": "50"}, auth),
    ]

    def work(offset: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            for turn in range(offset, 10**12):
                if stop.wait(think):
                    return
                kind, path, params, headers = pages[turn % len(pages)]
                _timed(latencies, kind, f"soak-r{offset}-{turn}", client.get, path,
                       params=params, headers=headers)

    threads = [threading.Thread(target=work, args=(i,), name=f"reader-{i}", daemon=True)
               for i in range(readers)]
    for thread in threads:
        thread.start()
    return threads


def _start(target: Callable[[], None], count: int, name: str) -> list[threading.Thread]:
    threads = [threading.Thread(target=target, name=f"{name}-{i}", daemon=True)
               for i in range(count)]
    for thread in threads:
        thread.start()
    return threads
