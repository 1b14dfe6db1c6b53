"""The speech engine: PCM in, speech intervals and transcripts out (see docs/speech-engine.md)."""
