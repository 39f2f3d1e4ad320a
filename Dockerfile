# Training Operations Portal: one image for the web app, the migrate job and the scheduler sidecar.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORTAL_ENV=production

# pg_dump (matching PostgreSQL 15) lets the nightly backup job dump the production database.
# fonts-dejavu-core and fonts-droid-fallback are the Unicode fonts every PDF embeds (core/pdf/fonts.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client fonts-dejavu-core fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --create-home --uid 10001 portal \
    && mkdir -p /app/data /app/backups \
    && chown -R portal:portal /app/data /app/backups
USER portal

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"

CMD ["streamlit", "run", "streamlit_app.py", "--server.port=8501", "--server.address=0.0.0.0"]
