"""Interview detectors on plain text and timing rules on speech intervals.

`nlp` never imports `app`: it must stay usable on a transcript with no audio and no server.
"""
