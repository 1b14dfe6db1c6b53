"""Errors of the speech engine that a user can fix: the message names the file and what is wrong.

The engine knows nothing of the command line; `app.cli` prints these as one line with exit status 2,
like its own usage errors.
"""

from __future__ import annotations


class RecordingError(ValueError):
    """A recording that cannot be used as given: unreadable, without audio, or the wrong shape."""
