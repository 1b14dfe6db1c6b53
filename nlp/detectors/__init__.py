"""Detectors: small classes with no I/O that read one parsed utterance and return findings."""
