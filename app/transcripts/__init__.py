"""Readers for interview transcripts: JSONL, WebVTT (voice tags or Zoom's "Name: text"), SRT,
Teams .docx, and plain "Name: text" exports (Zoom, Teams, Otter). Each gives a `Transcript` of
named turns; roles are decided later."""

from app.transcripts.model import Transcript, TranscriptError, Turn
from app.transcripts.read import read_transcript, read_transcript_text

__all__ = ["Transcript", "TranscriptError", "Turn", "read_transcript", "read_transcript_text"]
