# Minh Chứng in one container: the same steps as the README's install, plus a data volume.
#
#   docker build -t minhchung .
#   docker run -p 8383:8383 -v minhchung-data:/data minhchung
#
# With no settings it keeps an SQLite database, uploaded files and a generated secret key in /data.
# In production set:
#   DATABASE_URL=postgresql://user:password@host/dbname   PostgreSQL with PostGIS installed on that server
#   SECRET_KEY=<long random string>                       else one is generated and kept in /data
#   MINHCHUNG_BASE_URL=https://your.public.address        the address clients see (behind a TLS proxy)
# Other settings: see the README's configuration table.
FROM python:3.11-slim-bookworm

# ODK Validate (run on every form upload) is a Java program shipped inside pyxform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-jre-headless \
    && rm -rf /var/lib/apt/lists/*

# The code stays in /app and is installed in editable mode: migrations/ and xlsforms/ live at the
# repository root, beside server/, and the server finds them there.
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e .

RUN useradd --system --create-home --home-dir /home/minhchung minhchung \
    && mkdir -p /data \
    && chown minhchung:minhchung /data
USER minhchung

ENV PYTHONUNBUFFERED=1 \
    MINHCHUNG_DATA_DIR=/data
VOLUME /data
EXPOSE 8383

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8383/health', timeout=4).status == 200 else 1)"]

# Applies the database migrations, then serves with gunicorn. For the demo project and administrator:
#   docker run -p 8383:8383 minhchung minhchung serve --host 0.0.0.0 --port 8383 --demo
CMD ["minhchung", "serve", "--host", "0.0.0.0", "--port", "8383"]
