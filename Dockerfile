# syntax=docker/dockerfile:1
# Refund Desk: one image for the web (gunicorn), worker (celery worker), beat and migrate services.

# Compile the translations (.po -> .mo) here, so gettext stays out of the runtime image.
FROM python:3.11-slim AS messages
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY locale ./locale
RUN find locale -name '*.po' -exec \
    sh -c 'for po; do msgfmt --check-format -o "${po%.po}.mo" "$po" || exit 1; done' _ {} +

FROM python:3.11-slim

# XDG_RUNTIME_DIR: gunicorn (>=25) puts its control socket there; $HOME (/app) is read-only.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/data/media \
    XDG_RUNTIME_DIR=/tmp

# Japanese fonts for the PDFs; nothing else from apt.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first (pyproject.toml only), so code edits don't reinstall them.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .
COPY --from=messages /src/locale ./locale

# Production settings insist on DJANGO_SECRET_KEY; this dummy value exists only for this one
# command and is not kept in the image's environment. The real key comes from the runtime env.
RUN DJANGO_SECRET_KEY=collectstatic-build-only-not-a-secret \
    python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown app:app /data/media

# Code and static files stay root-owned (read-only for the app); only the media volume is writable.
USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "config.workers.SyncWorker"]
