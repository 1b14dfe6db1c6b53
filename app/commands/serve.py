"""`secondear serve`: the server for live calls (uvicorn), on the host and port of the settings."""

from __future__ import annotations

import argparse
import logging

from app.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default: SECONDEAR_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: SECONDEAR_PORT, 8000)")
    parser.add_argument(
        "--data-dir", help="folder for the database and recordings (default: SECONDEAR_DATA_DIR)"
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    overrides: dict[str, object] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    settings = Settings(**overrides)  # type: ignore[arg-type]
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    url = f"http://{settings.host}:{settings.port}/"
    print(f"SecondEar on {url}  (API docs at {url}docs, data in {settings.data_dir})")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        # Pings find dead capture connections, so a reconnecting page can take its track over.
        ws_ping_interval=10.0,
        ws_ping_timeout=10.0,
        ws_max_size=1 << 20,
    )
    return 0
