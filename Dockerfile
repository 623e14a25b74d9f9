# An example image for `sendbot serve` (see docs/deploy.md). Build: docker build -t sendbot .
# Configuration comes from the environment (SENDBOT_*), never baked into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements/app.lock ./requirements/
COPY sendbot ./sendbot
# The locked versions first, then sendbot itself as a wheel: its catalogs and migrations are
# package data, so no setting points at the source tree.
RUN pip install --require-hashes -r requirements/app.lock \
    && pip install --no-deps . \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin sendbot

USER sendbot
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"

# Several processes: run `sendbot db upgrade` once per release, then each with --no-migrate.
CMD ["sendbot", "serve", "--host", "0.0.0.0", "--port", "8080", "--no-migrate"]
