"""The browser pages (HTML, CSS, ES modules), shipped inside the package so the server can serve them.

No build step: the files here are what the browser loads.
"""

from __future__ import annotations

from pathlib import Path

FRONTEND_DIR: Path = Path(__file__).resolve().parent
"""The folder the server mounts at /static and whose HTML files it returns for the page routes."""
