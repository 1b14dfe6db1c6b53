"""The one error a missing or broken model raises."""


class ModelError(RuntimeError):
    """A model could not be found or loaded.

    The message is a single line a user can act on: it names the setting to fix.
    """
