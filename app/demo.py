"""`tthc demo`: the whole service on SQLite with the bundled portal simulator."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from app.db import migrate

app = typer.Typer()
console = Console()


@app.command("demo")
def demo(
    data_dir: Path = typer.Option(Path("demo-data"), help="Where the demo's SQLite file lives."),
    host: str = typer.Option("127.0.0.1", help="Interface for the API and dashboard."),
    port: int = typer.Option(8000, help="Port for the API and dashboard."),
    fresh: bool = typer.Option(True, help="Start from an empty database."),
) -> None:
    """Migrate an SQLite file, load simulator data and serve the API and dashboard."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / "tthc-demo.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_path.resolve()}"
    os.environ["TTHC_DATABASE_URL"] = url
    os.environ.setdefault("TTHC_LOG_JSON", "false")
    migrate.upgrade(url)
    console.print(f"[green]database ready[/green] {db_path}")
    console.print(f"Dashboard: http://{host}:{port}/")
    console.print(f"API docs:  http://{host}:{port}/docs")
    console.print(f"Health:    http://{host}:{port}/healthz")
    from app.serve import serve_command

    serve_command(host=host, port=port, workers=1)
