"""Who spoke when on one channel: the real two-person recording, a synthetic mix, and the
small pieces (features, smoothing, words to speakers)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import INTERVIEW_LINES, place

from app.audio.diarize import Diarization, SpeakerTurn, _viterbi, find_speakers, mark_overlaps
from app.audio.encoders import diarizer_encoder
from app.audio.events import Final, Word
from app.audio.mixed import split_by_speaker, split_speech
from app.audio.voices import load_encoder
from nlp.timing import talk_share
from nlp.types import Interval

COLLAR = 0.5  # pyannote's collar is the whole width: 0.25 s each side


def _diarize(audio, speakers=None):
    return find_speakers(audio, diarizer_encoder(len(audio) / 16000), speakers=speakers)


@pytest.mark.slow
def test_diarize_real_two_person_call_scores_under_target(shared_data):
    from faster_whisper.audio import decode_audio
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    folder = shared_data / "real-audio"
    audio = decode_audio(str(folder / "pyannote-sample.flac"), sampling_rate=16000)
    found = _diarize(audio)
    reference = Annotation()
    for line in (folder / "pyannote-sample.rttm").read_text().splitlines():
        f = line.split()
        reference[Segment(float(f[3]), float(f[3]) + float(f[4]))] = f[7]
    hypothesis = Annotation()
    for t in found.turns:
        hypothesis[Segment(t.start, t.end)] = t.speaker
    one = Annotation()
    for t in found.turns:
        one[Segment(t.start, t.end)] = "everyone"
    metric = DiarizationErrorRate(collar=COLLAR, skip_overlap=False)
    assert found.speakers == 2
    uem = Timeline([Segment(0, len(audio) / 16000)])
    ours = metric(reference, hypothesis, uem=uem)
    assert ours <= 0.15
    # The baseline the number is read against: all speech given to one person.
    assert DiarizationErrorRate(collar=COLLAR, skip_overlap=False)(reference, one, uem=uem) > ours + 0.1


@pytest.mark.slow
def test_diarize_synthetic_mix_of_two_voices(speak):
    lines = [
        ("en-us+m3", "How do you handle the invoices at the end of the month?"),
        ("en-gb+f3", "We export everything to a spreadsheet and check it by hand."),
        ("en-us+m3", "What happens when a number does not match?"),
        ("en-gb+f3", "Then I call the supplier, which takes most of a morning."),
        ("en-us+m3", "Tell me about the last time that happened."),
        ("en-gb+f3", "Last week, two invoices were wrong and I lost a whole day."),
    ]
    clips, truth, t = [], [], 0.5
    for voice, text in lines:
        clip = speak(text, voice)
        clips.append((t, clip))
        truth.append((t, t + len(clip) / 16000, voice))
        t += len(clip) / 16000 + 0.6
    audio = place(t + 0.5, clips)
    found = _diarize(audio)
    assert found.speakers == 2
    right = total = 0
    for start, end, voice in truth:
        expected = 0 if voice == "en-us+m3" else 1  # the first voice heard is speaker 0
        for mid in np.arange(start + 0.2, end - 0.2, 0.1):
            total += 1
            right += found.speaker_at(mid - 0.05, mid + 0.05) == expected
    # Chance is a half; the real two-person recording is held to the DER target above.
    assert right / total >= 0.85


@pytest.mark.slow
def test_voices_features_match_librosa_recipe(speak):
    import librosa

    audio = speak("The encoder hears what it was trained on.", "en-us+m3")
    ours = load_encoder().features(audio)
    mel = librosa.feature.melspectrogram(
        y=audio,
        sr=16000,
        n_fft=512,
        win_length=400,
        hop_length=160,
        n_mels=40,
        window="hamming",
        center=False,
    )
    np.testing.assert_allclose(ours, np.log10(mel + 1e-10).T, atol=1e-3)


@pytest.mark.parametrize(
    ("favoured", "expected"),
    [
        ("AAAAAAAABBAAAAAAAA", "AAAAAAAAAAAAAAAAAA"),  # two odd frames inside one voice: that voice
        ("AAAAAAAA-BB-AAAAAA", "AAAAAAAA-BB-AAAAAA"),  # a short answer between pauses stays
        ("AAAAAAAABBBBBBBBBB", "AAAAAAAABBBBBBBBBB"),  # a lasting change inside speech is taken
    ],
)
def test_diarize_viterbi_ignores_blips_inside_speech(favoured, expected):
    speech = np.array([c != "-" for c in favoured])
    scores = np.zeros((len(favoured), 2))
    for i, c in enumerate(favoured):
        if c != "-":
            scores[i, "AB".index(c)] = 0.6  # a clear preference, frame by frame
    out = _viterbi(scores, speech)
    assert "".join("-" if x < 0 else "AB"[x] for x in out) == expected


def _words(*spec):
    return tuple(Word(text, start, end, 0.9) for text, start, end in spec)


def test_mixed_words_go_to_the_speaker_heard_then():
    found = Diarization([SpeakerTurn(0, 0.0, 2.0), SpeakerTurn(1, 2.0, 4.0)], np.eye(2, dtype=np.float32))
    final = Final(
        "customer",
        "so what broke? the export did",
        0.2,
        3.8,
        _words(
            ("so", 0.2, 0.5),
            ("what", 0.6, 0.9),
            ("broke?", 1.0, 1.6),
            ("the", 2.2, 2.4),
            ("export", 2.5, 3.0),
            ("did", 3.1, 3.8),
        ),
    )
    turns = split_by_speaker([final], found)
    assert [(t.speaker, t.text) for t in turns] == [(0, "so what broke?"), (1, "the export did")]
    assert (turns[1].start, turns[1].end) == (2.2, 3.8)


INTERVIEWER, CUSTOMER = "en-us+m3", "en-gb+f3"


def _mix(speak, script):
    """(audio, truth): `script` rows are (voice, text, gap before it in seconds; negative: it
    starts that long before the previous line ends)."""
    clips, truth, t = [], [], 0.5
    for voice, text, gap in script:
        clip = speak(text, voice)
        t = max(0.0, t + gap)
        clips.append((t, clip))
        truth.append((t, t + len(clip) / 16000, voice))
        t += len(clip) / 16000
    return place(t + 0.5, clips), truth


@pytest.mark.slow
def test_diarize_marks_the_overlap_where_the_customer_cuts_in(speak):
    audio, truth = _mix(
        speak,
        [
            (INTERVIEWER, "How do you handle the invoices at the end of the month?", 0.0),
            (CUSTOMER, "We export everything to a spreadsheet and check it by hand.", 0.7),
            (INTERVIEWER, "And what happens when a number does not match the order you placed?", 0.7),
            (CUSTOMER, "Oh, then I call the supplier, and that takes most of a morning, every time.", -0.9),
            (INTERVIEWER, "Tell me about the last time that happened.", 0.8),
            (CUSTOMER, "Last week, two invoices were wrong and I lost a whole day.", 0.7),
        ],
    )
    found = _diarize(audio)
    cut_in = Interval(truth[3][0], truth[2][1])  # both talk here
    near = [o for o in found.overlaps if o.start < cut_in.end + 0.5 and o.end > cut_in.start - 0.5]
    assert len(near) == 1, found.overlaps
    # Nowhere else: every other change of speaker comes after a pause.
    assert len(found.overlaps) == 1
    # Both people are heard in the marked stretch, not one forced over the other.
    o = near[0]
    assert {t.speaker for t in found.turns if t.start <= o.start and t.end >= o.end} == {0, 1}


@pytest.mark.slow
def test_diarize_talk_share_of_a_short_mix_with_backchannels_is_within_3_points(speak):
    i, c = INTERVIEWER, CUSTOMER
    audio, truth = _mix(
        speak,
        [
            (i, "Thanks for making the time. Could you walk me through your last month end close?", 0.0),
            (c, "Sure.", 0.8),
            (i, "Start with the moment the invoices arrive, and tell me who touches them first.", 0.8),
            (c, "Okay.", 0.7),
            (i, "Take your time, I am interested in the small steps people usually skip.", 0.7),
            (c, "Well, they land in a shared inbox, and I copy every one of them into a spreadsheet.", 0.9),
            (i, "I see.", 0.7),
            (c, "Then I check each line against the purchase orders, which takes two full days.", 0.7),
            (i, "Right.", 0.7),
            (c, "Mm-hmm.", 0.8),
            (i, "What happens when a number does not match the order that you placed?", 0.7),
            (c, "I phone the supplier and wait, often a whole afternoon, before anyone answers.", 0.8),
            (i, "Okay.", 0.7),
            (c, "Right.", 0.7),
            (i, "Yes.", 0.8),
            (c, "Sure.", 0.7),
            (i, "And how did you handle that the very last time it happened to you?", 0.7),
            (c, "Last week two invoices were wrong, so I lost a whole day fixing them by hand.", 0.8),
        ],
    )
    found = _diarize(audio)
    assert found.speakers == 2
    spoken = {v: sum(b - a for a, b, w in truth if w == v) for v in (i, c)}
    truth_share = spoken[i] / (spoken[i] + spoken[c])
    # Talk time as a report measures it: the speech cut between the speakers found.
    speech = split_speech([Interval(a, b) for a, b, _ in truth], found)
    ours = talk_share(speech[0], speech[1])  # the interviewer speaks first
    assert ours is not None and abs(ours - truth_share) <= 0.03


@pytest.mark.parametrize(
    ("turns", "overlaps"),
    [
        # A new voice after a pause: nobody talks over anybody.
        ([(0, 0.0, 2.0), (1, 2.5, 4.0)], []),
        # A new voice with no pause: both are heard around the change.
        ([(0, 0.0, 2.0), (1, 2.0, 4.0)], [(1.75, 2.25)]),
        # The same voice going on after a flip back: no overlap of anyone with themself.
        ([(0, 0.0, 2.0), (0, 2.0, 4.0)], []),
        # A short flip inside someone's speech is more likely the encoder mishearing: unmarked.
        ([(0, 0.0, 2.0), (1, 2.0, 2.5), (0, 2.5, 4.5)], []),
        # Two cut-ins in a row: each marked, reaching no further into a turn than it lasts.
        ([(0, 0.0, 2.0), (1, 2.0, 4.1), (0, 4.1, 6.5)], [(1.75, 2.25), (3.85, 4.35)]),
    ],
)
def test_diarize_overlap_marked_where_voices_change_without_a_pause(turns, overlaps):
    out, found = mark_overlaps([SpeakerTurn(*t) for t in turns])
    assert [(round(o.start, 3), round(o.end, 3)) for o in found] == overlaps
    for o in found:
        assert {t.speaker for t in out if t.start < o.end and t.end > o.start} == {0, 1}


def test_mixed_overlap_counts_for_both_speakers_talk_time():
    turns, overlaps = mark_overlaps([SpeakerTurn(0, 0.0, 2.0), SpeakerTurn(1, 2.0, 4.0)])
    found = Diarization(turns, np.eye(2, dtype=np.float32), overlaps)
    speech = split_speech([Interval(0.0, 4.0)], found)
    assert speech == {0: [Interval(0.0, 2.25)], 1: [Interval(1.75, 4.0)]}
    # Across a pause the cut is in the middle of the pause, as before.
    apart = Diarization([SpeakerTurn(0, 0.0, 2.0), SpeakerTurn(1, 3.0, 4.0)], np.eye(2, dtype=np.float32))
    assert split_speech([Interval(0.0, 4.0)], apart) == {0: [Interval(0.0, 2.5)], 1: [Interval(2.5, 4.0)]}


# The start of the shared interview: six turns, three each.
LINES = INTERVIEW_LINES[:6]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("voices", "speakers", "found"),
    [
        # One voice, told there is one person: one speaker, every turn theirs.
        ((INTERVIEWER,), 1, 1),
        # Two different voices, the number found by itself: two.
        ((INTERVIEWER, CUSTOMER), None, 2),
        # Two voices, told there are two: two.
        ((INTERVIEWER, CUSTOMER), 2, 2),
    ],
)
def test_diarize_speaker_count_of_espeak_recordings(speak, voices, speakers, found):
    _check_speaker_count(speak, LINES, voices, speakers, found)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("voices", "found"),
    [
        # One voice for the whole interview (about 40 s), the number found by itself: one, by the
        # encoder's one-voice rule (on 20 s of one espeak voice it can still hear two).
        ((INTERVIEWER,), 1),
        ((CUSTOMER,), 1),
        # Two voices taking turns: two.
        ((INTERVIEWER, CUSTOMER), 2),
    ],
)
def test_diarize_one_voice_or_two_found_by_itself(speak, voices, found):
    _check_speaker_count(speak, INTERVIEW_LINES, voices, None, found)


def _check_speaker_count(speak, lines, voices, speakers, found):
    audio, truth = _mix(speak, [(voices[k % len(voices)], text, 0.7) for k, text in enumerate(lines)])
    result = _diarize(audio, speakers)
    assert result.speakers == found
    assert {t.speaker for t in result.turns} == set(range(found))
    # Each voice's lines go to one speaker of its own (the middle of each line), but for one line
    # in six: with Resemblyzer's 1.6 s windows, the second half of the customer's "Then I call the
    # supplier, which takes most of a morning." (alone after the pause at the comma, 1.7 s) is
    # heard as the interviewer.
    right = 0
    for start, end, voice in truth:
        mid = (start + end) / 2
        right += result.speaker_at(mid - 0.2, mid + 0.2) == voices.index(voice)
    assert right >= len(truth) - len(truth) // 6


def _cluster(centre: np.ndarray, n: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    return centre + spread * rng.standard_normal((n, len(centre)))


@pytest.mark.parametrize(
    ("similarities", "above", "groups"),
    [
        # Two voices more alike than the threshold: one person.
        ([[1.0, 0.95], [0.95, 1.0]], 0.9, 1),
        # Two voices less alike: kept apart.
        ([[1.0, 0.6], [0.6, 1.0]], 0.9, 2),
        # Three voices, two of them alike: those two joined, the third kept.
        ([[1.0, 0.95, 0.5], [0.95, 1.0, 0.5], [0.5, 0.5, 1.0]], 0.9, 2),
        # Everything alike: down to one, never none.
        ([[1.0, 0.97, 0.96], [0.97, 1.0, 0.95], [0.96, 0.95, 1.0]], 0.9, 1),
    ],
)
def test_diarize_merge_similar_joins_voices_above_the_threshold(similarities, above, groups):
    from app.audio.diarize import merge_similar
    from app.audio.voices import normalize

    # Unit centres with the given cosine similarities (Cholesky rows), 20 tight windows each.
    centres = np.linalg.cholesky(np.array(similarities))
    rng = np.random.default_rng(0)
    x = normalize(np.concatenate([_cluster(c, 20, 0.001, rng) for c in centres]))
    labels = np.repeat(np.arange(len(centres)), 20)
    merged = merge_similar(x, labels, above)
    assert merged.max() + 1 == groups
    # Windows of one voice are never split up by merging.
    for k in range(len(centres)):
        assert len(set(merged[labels == k])) == 1


@pytest.mark.parametrize(
    ("start", "end", "speaker"),
    [
        (1.0, 1.5, 0),  # inside the first turn
        (3.0, 3.6, 1),  # mostly in the second
        # A word with no length inside the first turn, nearer the start of the second (which
        # reaches back over the first where both talk) than to the first turn's own edges.
        (2.2, 2.2, 0),
        (4.5, 4.6, 1),  # after every turn: the nearest
    ],
)
def test_diarize_speaker_at_a_word(start, end, speaker):
    found = Diarization([SpeakerTurn(0, 0.0, 3.0), SpeakerTurn(1, 2.5, 4.0)], np.eye(2, dtype=np.float32))
    assert found.speaker_at(start, end) == speaker
