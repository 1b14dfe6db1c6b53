"""`secondear analyze`: the post-call report for a transcript or a two-track recording.

    secondear analyze call.vtt [--format json|md|html] [-o FILE] [--interviewer NAME]
    secondear analyze call.wav [--interviewer-channel left|right]       (stereo recording)
    secondear analyze --interviewer me.wav --customer them.wav          (one file per side)

A recording is transcribed first (the speech engine, app.audio), and its transcript is
written beside the report as `<stem>.transcript.vtt` and `<stem>.transcript.jsonl`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.cli import UsageError
from app.reports import build_report, render, render_transcript_jsonl, render_vtt
from app.reports.render import FORMATS
from app.reports.replay import attach, replay
from app.settings import Settings
from app.transcripts import Transcript, TranscriptError, read_transcript
from app.transcripts.roles import assign_roles, names_are_roles
from nlp.types import Speaker, TaggedUtterance, Utterance

if TYPE_CHECKING:
    from nlp.pipeline import Tagger

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".m4a", ".ogg", ".opus"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        nargs="?",
        metavar="TRANSCRIPT|RECORDING",
        help="a transcript (JSONL, WebVTT, or 'Name: text' lines) or a stereo recording "
        f"({', '.join(sorted(AUDIO_SUFFIXES))})",
    )
    parser.add_argument("--format", choices=FORMATS, default="md", help="report format (default: md)")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the report here (default: stdout)"
    )
    parser.add_argument(
        "--interviewer",
        metavar="NAME|FILE",
        help="the interviewer's name in the transcript (default: who asks the most questions); "
        "without TRANSCRIPT, the interviewer's recording (with --customer)",
    )
    parser.add_argument(
        "--customer", type=Path, metavar="FILE", help="the customer's recording (with --interviewer)"
    )
    parser.add_argument(
        "--interviewer-channel",
        choices=("left", "right"),
        default="left",
        help="which channel of a stereo recording is the interviewer (default: left)",
    )
    parser.add_argument("--title", help="the report's title (default: the file name)")


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    # Fail before a long transcription, not after it.
    if args.output is not None and not args.output.parent.is_dir():
        raise UsageError(f"{args.output}: cannot write (no folder {args.output.parent})")
    if args.input is None:
        if args.interviewer is None or args.customer is None:
            raise UsageError(
                "give a transcript or a stereo recording, "
                "or two recordings: --interviewer A.wav --customer B.wav"
            )
        text = _analyze_audio(Path(args.interviewer), args.customer, args, settings)
    else:
        path = Path(args.input)
        if args.customer is not None:
            raise UsageError(
                "--customer goes with --interviewer FILE, not with a transcript or stereo recording"
            )
        if not path.exists():
            raise UsageError(f"{path}: no such file")
        if path.suffix.lower() in AUDIO_SUFFIXES:
            text = _analyze_audio(path, None, args, settings, interviewer_name=args.interviewer)
        else:
            text = _analyze_transcript(path, args, settings)
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write(args.output, text)
    return 0


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror})") from None


def _date(*paths: Path) -> str:
    """The day the call was recorded, as far as the files tell (their modification time)."""
    stamp = max(p.stat().st_mtime for p in paths)
    return dt.datetime.fromtimestamp(stamp).date().isoformat()


def _load_tagger(settings: Settings) -> Tagger:
    from nlp.pipeline import Tagger

    return Tagger.load(settings.spacy_model)


def tag_transcript(
    transcript: Transcript, tagger: Tagger, *, interviewer: str | None = None
) -> tuple[list[TaggedUtterance], dict[str, str]]:
    """Decide the roles, tag every turn, and return the tagged utterances with the role names.

    Without roles in the file or --interviewer, every turn is first tagged as if the
    interviewer said it, so questions can be counted per speaker; the customer's turns are
    then tagged again as the customer's (for pains and workarounds).
    """
    names = transcript.names
    first_pass: list[Utterance] | None = None
    counts: dict[str, int] = {}
    if interviewer is None and not names_are_roles(names):
        first_pass = [Utterance("interviewer", t.text, t.start, t.end, t.id) for t in transcript.turns]
        for turn, tag in zip(transcript.turns, tagger.tag_many(first_pass), strict=True):
            if tag.question is not None:
                counts[turn.name] = counts.get(turn.name, 0) + 1
    roles = assign_roles(names, counts, interviewer=interviewer, source=transcript.source)
    utterances = [Utterance(roles[t.name], t.text, t.start, t.end, t.id) for t in transcript.turns]
    tags = tagger.tag_many(utterances)
    tagged = [TaggedUtterance(u, tag) for u, tag in zip(utterances, tags, strict=True)]
    role_names = {
        "interviewer": ", ".join(n for n in names if roles[n] == "interviewer"),
        "customer": ", ".join(n for n in names if roles[n] == "customer"),
    }
    if names_are_roles(names):
        role_names = {}
    return tagged, role_names


def _analyze_transcript(path: Path, args: argparse.Namespace, settings: Settings) -> str:
    try:
        transcript = read_transcript(path)
        tagged, names = tag_transcript(transcript, _load_tagger(settings), interviewer=args.interviewer)
    except TranscriptError as exc:
        raise UsageError(str(exc)) from None
    report = build_report(
        tagged,
        duration=transcript.duration,
        title=args.title or path.stem,
        interviewer_name=names.get("interviewer"),
        customer_name=names.get("customer"),
        date=_date(path),
        timing_source=transcript.timing,
    )
    # Also what the buddy would have seen live: the nudge policy replayed over the transcript.
    return attach(render(report, args.format), args.format, replay(tagged, settings))


def progress_bar(stream: TextIO, *, width: int = 30) -> Callable[[float], None] | None:
    """A text progress bar on `stream` when it is a terminal; None (no bar) otherwise, so logs stay clean."""
    if not stream.isatty():
        return None
    state = {"shown": -1}

    def show(fraction: float) -> None:
        pct = int(100 * min(1.0, max(0.0, fraction)))
        if pct == state["shown"]:
            return
        state["shown"] = pct
        done = width * pct // 100
        stream.write(f"\rtranscribing [{'#' * done}{'.' * (width - done)}] {pct:3d}%")
        if pct == 100:
            stream.write("\n")
        stream.flush()

    return show


def _analyze_audio(
    interviewer: Path,
    customer: Path | None,
    args: argparse.Namespace,
    settings: Settings,
    *,
    interviewer_name: str | None = None,
) -> str:
    for p in (interviewer, customer):
        if p is not None and not p.exists():
            raise UsageError(f"{p}: no such file")
    from app.audio.offline import transcribe_recording

    recording = transcribe_recording(
        interviewer,
        customer,
        interviewer_channel=args.interviewer_channel,
        settings=settings,
        progress=progress_bar(sys.stderr),
    )
    utterances: Sequence[Utterance] = recording.utterances
    tags = _load_tagger(settings).tag_many(list(utterances))
    tagged = [TaggedUtterance(u, t) for u, t in zip(utterances, tags, strict=True)]
    files = [interviewer] + ([customer] if customer is not None else [])
    report = build_report(
        tagged,
        speech=recording.speech,
        duration=recording.duration,
        title=args.title or interviewer.stem,
        interviewer_name=interviewer_name,
        date=_date(*files),
        timing_source="audio",
    )
    folder = args.output.parent if args.output is not None else Path.cwd()
    vtt_path = folder / f"{interviewer.stem}.transcript.vtt"
    jsonl_path = folder / f"{interviewer.stem}.transcript.jsonl"
    names: dict[Speaker, str] | None = {"interviewer": interviewer_name} if interviewer_name else None
    _write(vtt_path, render_vtt(utterances, names))
    _write(jsonl_path, render_transcript_jsonl(utterances, names))
    print(f"transcript written to {vtt_path} and {jsonl_path}", file=sys.stderr)
    return render(report, args.format)
