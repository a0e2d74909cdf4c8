"""`python -m app.scheduler`: the scheduler process alone, same options as `tthc scheduler`.

It imports only the scheduler and the modules whose jobs it runs, so a container that runs
just the scheduler starts faster and does not depend on the rest of the command line.
"""

from __future__ import annotations

import typer

from app.scheduler.cli import scheduler_command


def main() -> None:
    typer.run(scheduler_command)


if __name__ == "__main__":
    main()
