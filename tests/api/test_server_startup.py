"""A server process loads what its first requests would otherwise load (app/main.py,
`app_factory`): python-holidays imports a country's module on first use, ~0.1–0.3 s of CPU
that fell into the first delivery needing a due time (docs/scaling.md, the receiver round 8)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_the_server_process_loads_the_holiday_tables_at_start() -> None:
    # a fresh interpreter: this test process has long imported the module
    code = textwrap.dedent("""
        import sys
        import app.main
        before = "holidays.countries.vietnam" in sys.modules
        app.main.app_factory().state.engine.dispose()
        print(before, "holidays.countries.vietnam" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={"TTHC_DATABASE_URL": "sqlite://",
                                            "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True"]
