# One image for the API, the scheduler and migrations (README "Running in production").
#   API:        docker run --env-file tthc.env IMAGE              (migrates under a lock, serves :8000)
#   scheduler:  docker run --env-file tthc.env IMAGE tthc scheduler
#   migrations: docker run --env-file tthc.env IMAGE tthc db upgrade
# tests/test_docker_image.py runs these command lines outside Docker with this file's ENV and CMD.
#
# Pinned to an exact Python release and Debian release (bookworm: fonts-liberation2 is the
# package that carries Liberation Serif 2.x). Pin the digest too where your registry policy asks
# for it: `docker buildx imagetools inspect python:3.11.14-slim-bookworm`.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint needs Pango. Printing a notice requires Liberation Serif 2.x (metric-compatible with
# Times New Roman, with the Vietnamese letters that 1.07 in fonts-liberation lacks):
# app/notices/fonts.py refuses to print a PDF without it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/tthc
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY connectors ./connectors
COPY migrations ./migrations
# Editable: migrations/ and alembic.ini stay where app/db/migrate.py looks for them.
RUN pip install -e .

# The service user can write only the data directory: the SQLite database, its WAL, and the
# scheduler's and migrations' lock files, which sit beside the database.
RUN useradd --system --uid 10001 --home-dir /srv/tthc tthc && mkdir -p /srv/tthc/data \
 && chown tthc /srv/tthc/data
USER tthc
ENV TTHC_DATABASE_URL=sqlite:////srv/tthc/data/tthc.db TTHC_ENVIRONMENT=production \
    TTHC_HOST=0.0.0.0 TTHC_PORT=8000
VOLUME /srv/tthc/data
EXPOSE 8000
# For a scheduler container: --health-cmd "python -m app.health.probe scheduler".
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-m", "app.health.probe", "api"]
# `tthc db upgrade` takes a lock, so replicas starting together migrate one at a time (the
# others then find the schema at head). Run it as a separate step instead with CMD tthc serve.
CMD ["sh", "-c", "tthc db upgrade && exec tthc serve"]
