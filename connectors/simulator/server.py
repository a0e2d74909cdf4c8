"""Running the fake portal: ``python -m connectors.simulator --dossiers 2000 --faults``."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from connectors.simulator.app import DEFAULT_TOKEN, create_simulator_app
from connectors.simulator.dataset import generate_dataset
from connectors.simulator.faults import Faults

FAULT_MALFORMED_RATIO = 0.02


def run_simulator(
    host: str = "127.0.0.1",
    port: int = 8765,
    dossiers: int = 500,
    seed: int = 1,
    faults: bool = False,
    token: str = DEFAULT_TOKEN,
    now: datetime | None = None,
) -> None:
    """Serve a generated dataset with uvicorn until interrupted."""
    import uvicorn  # only needed when actually serving

    dataset = generate_dataset(dossiers, seed=seed, now=now or datetime.now(UTC),
                               malformed_ratio=FAULT_MALFORMED_RATIO if faults else 0.0)
    app = create_simulator_app(dataset, Faults.chaos(seed) if faults else Faults.none(),
                               token=token)
    uvicorn.run(app, host=host, port=port, log_level="info")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake TTHC portal for demos and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--dossiers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", action="store_true", help="500s, 429s, slow pages, bad data")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--catalogue", type=Path, help="write the procedure catalogue and exit")
    args = parser.parse_args(argv)
    if args.catalogue is not None:
        from connectors.simulator.dataset import Dataset

        args.catalogue.write_text(
            json.dumps(Dataset.catalogue(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return
    run_simulator(args.host, args.port, args.dossiers, args.seed, args.faults, args.token)
