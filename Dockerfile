# One image for the API, the scheduler and migrations.
#   API:        docker run IMAGE                      (migrates, then serves on :8000)
#   scheduler:  docker run IMAGE tthc scheduler
#   migrations: docker run IMAGE tthc db upgrade
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint needs Pango; Liberation Serif 2.x is metric-compatible with Times New Roman and
# has the Vietnamese letters (1.07 in fonts-liberation does not).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/tthc
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY connectors ./connectors
COPY migrations ./migrations
RUN pip install -e .

RUN useradd --system --uid 10001 --home-dir /srv/tthc tthc && mkdir -p /srv/tthc/data \
 && chown tthc /srv/tthc/data
USER tthc
ENV TTHC_DATABASE_URL=sqlite:////srv/tthc/data/tthc.db TTHC_ENVIRONMENT=production
EXPOSE 8000
CMD ["sh", "-c", "tthc db upgrade && exec tthc serve --host 0.0.0.0 --port 8000"]
