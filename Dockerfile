# SecondEar on its embedded defaults: Whisper tiny.en and the small English spaCy pipeline ship
# inside Python packages, so the image needs no model download at build or run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SECONDEAR_HOST=0.0.0.0 SECONDEAR_PORT=8000 SECONDEAR_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
COPY nlp ./nlp
COPY models ./models
COPY frontend ./frontend
RUN pip install --no-cache-dir . && secondear models --skip-load

VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["secondear", "serve"]
