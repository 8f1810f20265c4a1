# The app image for web (gunicorn), worker (RQ) and the one-shot migrate service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi \
    UPLOAD_FOLDER=/data/uploads \
    INSTANCE_DIR=/data/instance

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# A fixed non-root user; the upload folder is created here so a fresh named volume inherits its owner.
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data/uploads /data/instance \
    && chown -R app:app /data
USER app

EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--access-logfile", "-", "wsgi:app"]
