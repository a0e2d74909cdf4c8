"""The image's command lines, run outside Docker with the image's settings (Docker cannot run
here): the Dockerfile's ENV, its only user-writable directory, its CMD and HEALTHCHECK, and the
README's `docker run` lines with their env file. Paths under the image's data directory are
mapped into a temporary one; the working directory stands in for the root-owned WORKDIR, and
nothing may be written there."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.background_server import free_port

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
IMAGE_DATA = "/srv/tthc/data"


@dataclass(frozen=True)
class Image:
    env: dict[str, str]
    cmd: list[str]
    healthcheck: list[str]
    writable: list[str]
    base: str


def parse_dockerfile(text: str) -> Image:
    joined = re.sub(r"\\\n\s*", " ", text)
    env: dict[str, str] = {}
    cmd: list[str] = []
    health: list[str] = []
    writable: list[str] = []
    base = ""
    for line in joined.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "FROM":
            base = rest.strip()
        elif word == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
        elif word == "CMD":
            cmd = json.loads(rest)
        elif word == "HEALTHCHECK":
            health = json.loads(rest.split(" CMD ", 1)[1])
        elif word == "RUN" and "chown tthc" in rest:
            writable += re.findall(r"chown tthc (\S+)", rest)
    return Image(env, cmd, health, writable, base)


IMAGE = parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8"))


def readme_deployment() -> tuple[str, list[list[str]]]:
    """The env-file script and each `docker run` of the README's production block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Running in production"):]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    text = block.group(1)
    env_script = re.search(r"(cat > tthc\.env <<EOF\n.*?\nEOF\n)", text, re.DOTALL)
    assert env_script is not None
    runs = [
        shlex.split(line) for line in re.sub(r"\\\n\s*", " ", text).splitlines()
        if line.startswith("docker run")
    ]
    return env_script.group(1), runs


def after_image(run: list[str]) -> list[str]:
    """The command a `docker run … IMAGE [COMMAND…]` line gives (empty: the image's CMD)."""
    index = run.index("tthc-monitor", 2)
    return run[index + 1:]


@dataclass
class Container:
    env: dict[str, str]
    workdir: Path
    data: Path


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    """The image's environment, the README's env file, on SQLite in the image's data dir."""
    env_script, _ = readme_deployment()
    subprocess.run(["bash", "-c", env_script], cwd=tmp_path, check=True, timeout=60)
    env_file = {}
    for line in (tmp_path / "tthc.env").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        env_file[key] = value
    # The image's default SQLite instead of the example's PostgreSQL server.
    env_file.pop("TTHC_DATABASE_URL")
    data = tmp_path / "data"
    data.mkdir()
    workdir = tmp_path / "srv-tthc"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")}
    for key, value in {**IMAGE.env, **env_file}.items():
        env[key] = value.replace(IMAGE_DATA, str(data))
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["TTHC_HOST"], env["TTHC_PORT"] = "127.0.0.1", str(free_port())  # never :8000 here
    yield Container(env, workdir, data)
    assert list(workdir.iterdir()) == [], "the image's WORKDIR is not writable by its user"


def _start(container: Container, argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv, cwd=container.workdir, env=container.env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _wait_healthy(container: Container, probe: list[str], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        done = subprocess.run(
            probe, cwd=container.workdir, env=container.env, capture_output=True, timeout=30,
            check=False,
        )
        if done.returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"{probe} never passed: {done.stderr!r}")


def _stop(process: subprocess.Popen[str]) -> str:
    os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    return output


def test_the_dockerfile_is_pinned_and_checked() -> None:
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", IMAGE.base)
    assert IMAGE.env["TTHC_DATABASE_URL"] == f"sqlite:///{IMAGE_DATA}/tthc.db"
    assert IMAGE.writable == [IMAGE_DATA]
    assert IMAGE.healthcheck[:3] == ["python", "-m", "app.health.probe"]
    _, runs = readme_deployment()
    assert [after_image(run) for run in runs] == [[], ["tthc", "scheduler"]]
    assert all("--env-file" in run for run in runs)


@pytest.mark.slow
def test_the_api_and_the_scheduler_start_as_the_readme_runs_them(container: Container) -> None:
    _, runs = readme_deployment()
    api_run, scheduler_run = runs
    api = _start(container, after_image(api_run) or IMAGE.cmd)
    try:
        _wait_healthy(container, IMAGE.healthcheck, api)
        health_cmd = shlex.split(scheduler_run[scheduler_run.index("--health-cmd") + 1])
        scheduler = _start(container, after_image(scheduler_run))
        try:
            _wait_healthy(container, health_cmd, scheduler)
        finally:
            log = _stop(scheduler)
        assert "is the leader" in log and "standing by" not in log, log
    finally:
        _stop(api)
    assert sorted(p.name for p in container.data.iterdir() if "lock" in p.name) == [
        "tthc.db.migrate.lock", "tthc.db.scheduler.lock", *sorted(
            p.name for p in container.data.iterdir() if ".job-" in p.name
        ),
    ]


def test_a_scheduler_on_an_unmigrated_database_says_so(container: Container) -> None:
    done = subprocess.run(
        ["tthc", "scheduler"], cwd=container.workdir, env=container.env, capture_output=True,
        text=True, timeout=60, check=False,
    )
    assert done.returncode == 1
    assert "does not exist: run `tthc db upgrade`" in done.stderr
    assert list(container.data.iterdir()) == []


def test_an_unwritable_lock_file_stops_the_scheduler_with_the_reason(
    container: Container,
) -> None:
    subprocess.run(["tthc", "db", "upgrade"], cwd=container.workdir, env=container.env,
                   check=True, capture_output=True, timeout=120)
    not_a_dir = container.data / "a-file"
    not_a_dir.write_text("")
    env = {**container.env, "TTHC_SCHEDULER_LOCK_PATH": str(not_a_dir / "scheduler.lock")}
    done = subprocess.run(
        ["tthc", "scheduler"], cwd=container.workdir, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"cannot create the scheduler's lock file {not_a_dir / 'scheduler.lock'}" in (
        done.stderr
    )
    assert "standing by" not in done.stdout + done.stderr
