"""`secondear analyze`: the post-call report for a transcript or a recording.

    secondear analyze call.vtt [--format json|md|html] [-o FILE] [--interviewer NAME]
    secondear analyze call.wav [--interviewer-channel left|right]       (stereo: one side each)
    secondear analyze --interviewer me.wav --customer them.wav          (one file per side)
    secondear analyze zoom.m4a [--speakers N] [--speaker-names "Dana,Bob"]
                               [--interviewer NAME | --interviewer-voice me.wav]
                               [--rename "Speaker 1=Dana"]              (one mixed channel, or video)

A recording is transcribed first (the speech engine, app.audio); one mixed channel is also
split by speaker (app.audio.mixed). Its transcript is written beside the report as
`<stem>.transcript.vtt` and `<stem>.transcript.jsonl`.
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
from app.transcripts.model import Turn, finish, merge_runs
from app.transcripts.names import parse_renames, rename_speakers, resolve_renames
from app.transcripts.roles import assign_roles, names_are_roles
from nlp.types import Interval, Speaker, TaggedUtterance, Utterance

if TYPE_CHECKING:
    from app.audio.frames import Samples
    from app.audio.mixed import MixedTranscript
    from nlp.pipeline import Tagger

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wma"})
# Video files: their audio stream is analysed (PyAV, which faster-whisper already uses).
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mkv", ".mov", ".avi", ".m4v"})
SPEAKER_LABEL = "Speaker {n}"  # the name of a speaker found in a mixed recording, numbered from 1
MAX_SPEAKERS = 8
ONE_VOICE = (
    "one voice in this recording: all its speech is {name}'s (the {role}), so the listening score "
    "leaves out the talk share; if two people talk in it, run again with --speakers 2"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        nargs="?",
        metavar="TRANSCRIPT|RECORDING",
        help="a transcript (WebVTT, SRT, JSONL, Teams .docx, or 'Name: text' lines) or a recording: "
        f"audio ({', '.join(sorted(AUDIO_SUFFIXES))}) or video ({', '.join(sorted(VIDEO_SUFFIXES))})",
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
    parser.add_argument(
        "--speakers",
        type=int,
        metavar="N",
        help="how many people speak in a one-channel recording (default: found, 2 to 4; "
        "1 when only one person can be heard)",
    )
    parser.add_argument(
        "--speaker-names",
        metavar="NAMES",
        help="names of the speakers of a one-channel recording, comma separated, in the order "
        'they first speak (default: "Speaker 1", "Speaker 2", ...)',
    )
    parser.add_argument(
        "--interviewer-voice",
        type=Path,
        metavar="FILE",
        help="a few seconds of the interviewer alone: in a one-channel recording, the speaker "
        "whose voice is most like it is the interviewer",
    )
    parser.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar='"OLD=NEW"',
        help="rename a speaker (repeatable); two speakers given one name are merged, and "
        '"A=B" with "B=A" swaps them',
    )
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="treat a stereo recording as one mixed channel split by speaker "
        "(found by itself when both sides hold the same audio)",
    )


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
        if path.suffix.lower() in AUDIO_SUFFIXES | VIDEO_SUFFIXES:
            text = _analyze_recording(path, args, settings)
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
    transcript: Transcript, tagger: Tagger, *, interviewer: str | None = None, one_voice: bool = False
) -> tuple[list[TaggedUtterance], dict[str, str]]:
    """Decide the roles, tag every turn, and return the tagged utterances with the role names.

    Without roles in the file or --interviewer, every turn is first tagged as if the
    interviewer said it, so questions can be counted per speaker; the customer's turns are
    then tagged again as the customer's (for pains and workarounds).

    `one_voice`: one voice was found in a recording (or `--speakers 1` asked for): see
    `assign_roles`.
    """
    names = transcript.names
    first_pass: list[Utterance] | None = None
    counts: dict[str, int] = {}
    if interviewer is None and not names_are_roles(names):
        first_pass = [Utterance("interviewer", t.text, t.start, t.end, t.id) for t in transcript.turns]
        for turn, tag in zip(transcript.turns, tagger.tag_many(first_pass), strict=True):
            if tag.question is not None:
                counts[turn.name] = counts.get(turn.name, 0) + 1
    roles = assign_roles(
        names, counts, interviewer=interviewer, source=transcript.source, one_voice=one_voice
    )
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
        transcript = rename_speakers(read_transcript(path), parse_renames(args.rename))
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
    """Two recordings, one for each side."""
    for p in (interviewer, customer):
        if p is not None and not p.exists():
            raise UsageError(f"{p}: no such file")
    from app.audio.offline import load_tracks

    tracks = load_tracks(interviewer, customer, interviewer_channel=args.interviewer_channel)
    files = [interviewer] + ([customer] if customer is not None else [])
    return _analyze_tracks(files, tracks, args, settings, interviewer_name=interviewer_name)


def _analyze_recording(path: Path, args: argparse.Namespace, settings: Settings) -> str:
    """One file: two tracks when it is stereo with one side each, else one mixed channel."""
    from app.audio.offline import load_mono, load_recording

    _check_mixed_options(args)
    loaded = load_mono(path) if args.mixed or args.speakers is not None else load_recording(path)
    if isinstance(loaded, tuple):
        left, right = loaded
        tracks = (left, right) if args.interviewer_channel == "left" else (right, left)
        return _analyze_tracks([path], tracks, args, settings, interviewer_name=args.interviewer)
    return _analyze_mixed(path, loaded, args, settings)


def _check_mixed_options(args: argparse.Namespace) -> None:
    if args.speakers is not None and not 1 <= args.speakers <= MAX_SPEAKERS:
        raise UsageError(f"--speakers must be between 1 and {MAX_SPEAKERS}")
    if args.interviewer_voice is not None:
        if not args.interviewer_voice.exists():
            raise UsageError(f"{args.interviewer_voice}: no such file")
        if args.interviewer is not None:
            raise UsageError("give --interviewer NAME or --interviewer-voice FILE, not both")


def _analyze_tracks(
    files: list[Path],
    tracks: tuple[Samples, Samples],
    args: argparse.Namespace,
    settings: Settings,
    *,
    interviewer_name: str | None = None,
) -> str:
    from app.audio.offline import transcribe_tracks

    recording = transcribe_tracks(*tracks, settings=settings, progress=progress_bar(sys.stderr))
    utterances: Sequence[Utterance] = recording.utterances
    tags = _load_tagger(settings).tag_many(list(utterances))
    tagged = [TaggedUtterance(u, t) for u, t in zip(utterances, tags, strict=True)]
    report = build_report(
        tagged,
        speech=recording.speech,
        duration=recording.duration,
        title=args.title or files[0].stem,
        interviewer_name=interviewer_name,
        date=_date(*files),
        timing_source="audio",
    )
    names: dict[Speaker, str] | None = {"interviewer": interviewer_name} if interviewer_name else None
    _write_transcripts(
        files[0], args, render_vtt(utterances, names), render_transcript_jsonl(utterances, names)
    )
    return render(report, args.format)


def _analyze_mixed(path: Path, audio: Samples, args: argparse.Namespace, settings: Settings) -> str:
    """One mixed channel: split by speaker, then roles as for a transcript."""
    from app.audio.mixed import transcribe_mixed

    recording = transcribe_mixed(
        audio, settings=settings, speakers=args.speakers, progress=progress_bar(sys.stderr)
    )
    labels = speaker_labels(recording.diarization.speakers, args.speaker_names)
    try:
        renamed = resolve_renames(labels, parse_renames(args.rename), path.name)
        names = [renamed[label] for label in labels]
        interviewer = _interviewer_of(recording, labels, renamed, args)
        transcript = mixed_transcript(recording, names, path.name)
        one_voice = recording.diarization.speakers == 1
        tagged, role_names = tag_transcript(
            transcript, _load_tagger(settings), interviewer=interviewer, one_voice=one_voice
        )
    except TranscriptError as exc:
        raise UsageError(str(exc)) from None
    if one_voice:
        print(ONE_VOICE.format(name=names[0], role=tagged[0].utterance.speaker), file=sys.stderr)
    roles = {turn.name: t.utterance.speaker for turn, t in zip(transcript.turns, tagged, strict=True)}
    speech: dict[Speaker, list[Interval]] = {"interviewer": [], "customer": []}
    for k, name in enumerate(names):
        speech[roles.get(name, "customer")] += recording.speech[k]
    report = build_report(
        tagged,
        speech={role: _union(spans) for role, spans in speech.items()},
        duration=recording.duration,
        title=args.title or path.stem,
        interviewer_name=role_names.get("interviewer"),
        customer_name=role_names.get("customer"),
        date=_date(path),
        timing_source="audio",
    )
    utterances = [t.utterance for t in tagged]
    turn_names = [turn.name for turn in transcript.turns]
    _write_transcripts(
        path,
        args,
        render_vtt(utterances, turn_names=turn_names),
        render_transcript_jsonl(utterances, turn_names=turn_names, overlaps=recording.diarization.overlaps),
    )
    return render(report, args.format)


def speaker_labels(count: int, given: str | None) -> list[str]:
    """Names for the speakers found, in order of first speech: --speaker-names, then "Speaker N"."""
    names = [n.strip() for n in given.split(",")] if given else []
    if any(not n for n in names) or len(set(names)) != len(names):
        raise UsageError(f"--speaker-names: give distinct names separated by commas, not {given!r}")
    return [names[k] if k < len(names) else SPEAKER_LABEL.format(n=k + 1) for k in range(count)]


def mixed_transcript(recording: MixedTranscript, names: Sequence[str], source: str) -> Transcript:
    """The turns of a split recording as a transcript of named turns (one speaker's pieces joined)."""
    turns = [
        Turn(names[t.speaker], t.text, t.start, t.end, line=k + 1)
        for k, t in enumerate(recording.turns)
        if t.text
    ]
    if not turns:
        raise TranscriptError(source, None, "no speech was recognised in this recording")
    return finish(merge_runs(turns), source)


def _interviewer_of(
    recording: MixedTranscript, labels: list[str], renamed: dict[str, str], args: argparse.Namespace
) -> str | None:
    """The interviewer's final name from --interviewer-voice or --interviewer (old or new name)."""
    if args.interviewer_voice is not None:
        from app.audio.encoders import diarizer_encoder
        from app.audio.mixed import voice_match
        from app.audio.offline import load_mono

        voice = diarizer_encoder(recording.duration).voice(load_mono(args.interviewer_voice))
        return renamed[labels[voice_match(recording.diarization, voice)]]
    wanted: str | None = args.interviewer
    if wanted is None:
        return None
    by_old = {label.casefold(): new for label, new in renamed.items()}
    return by_old.get(wanted.casefold(), wanted)


def _union(spans: list[Interval]) -> list[Interval]:
    """Intervals merged where they overlap or touch, in order."""
    out: list[Interval] = []
    for span in sorted(spans, key=lambda i: i.start):
        if out and span.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, span.end))
        else:
            out.append(span)
    return out


def _write_transcripts(recording: Path, args: argparse.Namespace, vtt: str, jsonl: str) -> None:
    folder = args.output.parent if args.output is not None else Path.cwd()
    vtt_path = folder / f"{recording.stem}.transcript.vtt"
    jsonl_path = folder / f"{recording.stem}.transcript.jsonl"
    _write(vtt_path, vtt)
    _write(jsonl_path, jsonl)
    print(f"transcript written to {vtt_path} and {jsonl_path}", file=sys.stderr)
