"""Where the speech and language models are found, and how they are loaded."""

from models.errors import ModelError

__all__ = ["ModelError"]
