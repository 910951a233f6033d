# syntax=docker/dockerfile:1
# Production image: the one ASGI application (Django + FastAPI) under uvicorn.
# Build:  docker build -t trainer-profiles .
# Run:    see docker-compose.yml (PostgreSQL, a one-shot `migrate`, then the app).

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_ENV=production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

WORKDIR /app

# Dependencies first, from pyproject.toml alone (no dev extras), so that this
# layer is rebuilt only when pyproject.toml changes: install the project with
# empty packages, then drop the project itself and keep its dependencies.
COPY pyproject.toml README.md ./
RUN mkdir config trainers readapi \
    && touch config/__init__.py trainers/__init__.py readapi/__init__.py \
    && pip install . \
    && pip uninstall --yes trainer-profiles \
    && rm -rf build config trainers readapi ./*.egg-info

# The project itself.
COPY manage.py ./
COPY config ./config
COPY trainers ./trainers
COPY readapi ./readapi
RUN pip install --no-deps . && rm -rf build ./*.egg-info

# Static files (the admin's CSS and JS) are collected into the image. The settings
# need a key, a metrics token and a database URL to load: all are build-only dummies, set for this
# one command (never ENV), and collectstatic does not connect to the database.
RUN APP_ENV=production \
    SECRET_KEY="build-only-dummy-key-for-collectstatic-not-used-at-runtime-0123456789" \
    METRICS_TOKEN="build-only-dummy-token" \
    DATABASE_URL="postgres://build@127.0.0.1:1/build" \
    python manage.py collectstatic --noinput --verbosity 0

# Run as an unprivileged user; the code and static files stay owned by root (read-only).
# Only the photo folder (a volume in docker-compose.yml) is the app's to write.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app/media && chown app:app /app/media
USER app

EXPOSE 8000

# Liveness: /healthz touches nothing but the process. Django validates the Host
# header, so ask with the first of ALLOWED_HOSTS (a leading "." or "*" removed).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; host = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('*.') or 'localhost'; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=4)"]

# A shell, so that WEB_CONCURRENCY is read at run time; exec, so that uvicorn is
# PID 1 and gets the stop signal (graceful shutdown, the read pool closes).
CMD ["sh", "-c", "exec uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-4} --no-proxy-headers --http config.server:Bounded --timeout-keep-alive 5 --no-access-log --lifespan on"]
