"""Who spoke when on one mixed channel: speaker embeddings on short windows, clustered.

    speech frames (Silero) -> one embedding every `STEP_S` inside speech (app.audio.voices)
    -> spectral clustering of the whole windows into 2..4 speakers (or the number given)
    -> each speech frame to its nearest speaker -> turns, short flips smoothed away.

Overlapping speech: where one voice follows another with no pause, both are marked for a short
stretch around the change (`mark_overlaps`); the encoder cannot hear two voices in one window.
No I/O and no model loading here beyond the encoder passed in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from app.audio.encoders import SpeakerEncoder
from app.audio.frames import SAMPLE_RATE, Samples
from app.audio.voices import level, normalize
from nlp.types import Interval

STEP_S = 0.8  # seconds between embedding windows inside speech (as good as 0.4 s, at half the cost)
CLUSTER_LIMIT = 1500  # windows clustered at most (about 10 minutes of speech)
SMOOTH_WINDOWS = 1  # neighbours on each side averaged into a window's embedding for clustering
# What a change of speaker costs, in summed cosine similarity over 32 ms frames: inside speech
# the other voice must fit better for a while; after a pause each stretch of speech is judged
# on its own (a cost there kept a customer's "Okay." with the interviewer who spoke before).
SWITCH_COST = 1.5
PAUSE_SWITCH_COST = 0.0
MIN_SPEAKERS, MAX_SPEAKERS = 2, 4
# Share of the other windows each window keeps as neighbours for spectral clustering.
KEEP_NEIGHBOURS = 0.4
MIN_SPEAKER_SHARE = 0.05  # of all speech: less is not a speaker of its own (when not told how many)
WINDOWS_PER_SPEAKER = 15  # windows (6 s of speech) each speaker needs before the count may grow
SPEECH_THRESHOLD = 0.5  # Silero probability of speech for a diarization frame
FRAME_S = 0.032  # Silero's chunk
MIN_SHORT_EACH = 4  # short regions each speaker needs before their scores are recentred
# Seconds counted for both people where one voice follows another with no pause between them.
OVERLAP_S = 0.5
# Both turns must last this long: a short flip inside speech is more often the encoder
# mishearing one voice than a second person (on the calls measured, 4 in 5 marks were wrong
# without it, none with it).
OVERLAP_MIN_TURN_S = 2.0
# Two voices whose average embeddings are more alike (cosine) than this would be one person.
# Off: on the labelled recordings no threshold parts one voice split in two from two people
# (bench/speaker_threshold.py; see merge_similar). `--speakers 1` says there is one.
MERGE_SIMILARITY: float | None = None
# Whole windows needed before the clustering may say one voice is all there is (the encoder's
# one_voice_eigen_ratio): with fewer, the eigenvalues say little.
ONE_VOICE_MIN_WINDOWS = 6


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """One stretch of one speaker; speakers are numbered from 0 in order of first speech."""

    speaker: int
    start: float
    end: float


@dataclass(frozen=True)
class Diarization:
    turns: list[SpeakerTurn]
    """Every speaker stretch, in order of start; two turns overlap where both people talk."""
    voices: np.ndarray
    """(speakers, dim) unit average embedding of each speaker, in speaker order."""
    overlaps: list[Interval] = field(default_factory=list)
    """Stretches where two people talk at once (each is inside two speakers' turns)."""

    @property
    def speakers(self) -> int:
        return len(self.voices)

    def speech(self, speaker: int) -> list[Interval]:
        return [Interval(t.start, t.end) for t in self.turns if t.speaker == speaker]

    def speaker_at(self, start: float, end: float) -> int | None:
        """The speaker who talks most between start and end (the nearest turn if none does)."""
        if not self.turns:
            return None
        talk = np.zeros(self.speakers)
        for t in self.turns:
            talk[t.speaker] += max(0.0, min(end, t.end) - max(start, t.start))
        if talk.max() > 0:
            return int(talk.argmax())
        mid = (start + end) / 2
        # A word Whisper gives no length ("I" at 12.09 s) belongs to the turn it falls in,
        # not to whichever turn has an edge nearest it.
        inside = [t for t in self.turns if t.start <= mid <= t.end]
        if inside:
            return inside[0].speaker
        nearest = min(self.turns, key=lambda t: min(abs(mid - t.start), abs(mid - t.end)))
        return nearest.speaker


def find_speakers(
    audio: Samples,
    encoder: SpeakerEncoder,
    *,
    speakers: int | None = None,
    merge_above: float | None = MERGE_SIMILARITY,
) -> Diarization:
    """Who spoke when in `audio` (16 kHz mono): levelled, Silero speech frames, then `diarize`."""
    audio = level(audio)
    return diarize(audio, find_speech(audio), encoder, speakers=speakers, merge_above=merge_above)


def find_speech(audio: Samples) -> np.ndarray:
    """Speech mask per FRAME_S of (levelled) `audio`, from Silero."""
    from app.audio.vad import SileroVad

    return speech_frames(SileroVad().probabilities(samples_to_chunks(audio)))


def speech_frames(probabilities: np.ndarray, *, threshold: float = SPEECH_THRESHOLD) -> np.ndarray:
    """Boolean speech mask per Silero chunk, with pauses under 0.2 s closed and blips under 0.1 s dropped."""
    speech = probabilities >= threshold
    speech = _close(speech, int(0.2 / FRAME_S))
    return ~_close(~speech, int(0.1 / FRAME_S))


def diarize(
    audio: Samples,
    speech: np.ndarray,
    encoder: SpeakerEncoder,
    *,
    speakers: int | None = None,
    merge_above: float | None = MERGE_SIMILARITY,
) -> Diarization:
    """Split the speech of `audio` (mask from `speech_frames`) between speakers.

    `speakers` fixes their number; None finds it between MIN_SPEAKERS and MAX_SPEAKERS, then
    merges the voices more alike than `merge_above` (so one person may be all there is).
    """
    w = speech_windows(audio, speech, encoder)
    if len(w.embeddings) == 0:
        return Diarization([], np.zeros((0, 0), dtype=np.float32))
    embeddings, regions, short = w.embeddings, w.regions, w.short.copy()
    smooth = smooth_windows(embeddings, regions)
    # A short region repeated to fill a window sounds like other repeated short regions more
    # than like its speaker: only whole windows are clustered (all are scored afterwards).
    whole = np.flatnonzero(~short)
    if len(whole) < 3:
        whole = np.arange(len(smooth))
        short[:] = False
    one_voice = encoder.one_voice_eigen_ratio if speakers is None else None
    _, labels = label_windows(embeddings, smooth, whole, speakers, one_voice_above=one_voice)
    if speakers is None and merge_above is not None:
        labels = merge_similar(embeddings[whole], labels, merge_above)
    used = [k for k in range(labels.max() + 1) if (labels == k).any()]
    voices = normalize(np.stack([embeddings[whole][labels == k].mean(axis=0) for k in used]))
    scores = embeddings @ voices.T
    if len(voices) == 2 and short.any():
        scores[short] = recentre(scores[short], scores[~short])

    # Each speech frame takes the windows around it: their scores, weighted by closeness.
    centres_s = w.centres
    n_frames = len(speech)
    frame_t = (np.arange(n_frames) + 0.5) * FRAME_S
    frame_scores = np.zeros((n_frames, len(voices)), dtype=np.float64)
    for r, (lo, hi) in enumerate(_runs(speech)):
        mine = np.flatnonzero(regions == r)
        t = frame_t[lo:hi]
        distance = np.abs(t[:, None] - centres_s[mine][None, :])
        weight = np.maximum(0.0, 1.0 - distance / encoder.recipe.window_s)
        weight[np.arange(len(t)), distance.argmin(axis=1)] += 1e-6  # never all zero
        frame_scores[lo:hi] = (weight @ scores[mine]) / weight.sum(axis=1, keepdims=True)
    labels_f = _viterbi(frame_scores, speech)
    # A "speaker" left with a sliver of the speech is a few odd windows, not a person: their
    # frames go to the real speakers, unless the number was given.
    while speakers is None and len(voices) > MIN_SPEAKERS:
        talk = np.bincount(labels_f[labels_f >= 0], minlength=len(voices))
        least = int(talk.argmin())
        if talk[least] >= MIN_SPEAKER_SHARE * talk.sum():
            break
        keep = [k for k in range(len(voices)) if k != least]
        voices, frame_scores = voices[keep], frame_scores[:, keep]
        labels_f = _viterbi(frame_scores, speech)
    order = _first_appearance(labels_f, len(voices))
    turns = [
        SpeakerTurn(int(order[k]), lo * FRAME_S, hi * FRAME_S)
        for k, lo, hi in _label_runs(labels_f)
        if k >= 0
    ]
    turns, overlaps = mark_overlaps(turns)
    ranked = np.argsort(order)
    return Diarization(turns, voices[ranked], overlaps)


@dataclass(frozen=True)
class Windows:
    """The embedding windows laid over a recording's speech."""

    embeddings: np.ndarray
    """(n, dim) unit embedding of each window."""
    centres: np.ndarray
    """Seconds at the middle of each window."""
    regions: np.ndarray
    """Index of the speech region (run of speech frames) each window lies in."""
    short: np.ndarray
    """True for a region shorter than a window, repeated to fill one."""


def speech_windows(audio: Samples, speech: np.ndarray, encoder: SpeakerEncoder) -> Windows:
    """Windows every STEP_S through each speech region of `audio`, embedded."""
    features = encoder.features(level(audio))
    ratio = FRAME_S / encoder.recipe.frame_s
    hop = max(1, round(STEP_S / encoder.recipe.frame_s))
    half = encoder.recipe.window // 2
    width = encoder.recipe.window
    # A region shorter than a window (a "Sure." between two questions) is repeated to fill
    # one: padded with the audio around it, it would sound like whoever spoke before and after.
    windows: list[np.ndarray] = []
    centres: list[float] = []
    region_of: list[int] = []
    short: list[bool] = []
    for r, (lo, hi) in enumerate(_runs(speech)):
        a, b = int(lo * ratio), min(len(features), max(int(hi * ratio), int(lo * ratio) + 1))
        if b - a < width:
            windows.append(_tile(features[a:b], width))
            centres.append((a + b) / 2)
            region_of.append(r)
            short.append(True)
            continue
        for start in range(a, b - width + 1, hop):
            windows.append(features[start : start + width])
            centres.append(start + half)
            region_of.append(r)
            short.append(False)
        if (b - width - a) % hop:
            windows.append(features[b - width : b])
            centres.append(b - half)
            region_of.append(r)
            short.append(False)
    embeddings = encoder.embed_windows(np.stack(windows)) if windows else np.zeros((0, 0), dtype=np.float32)
    return Windows(
        embeddings,
        np.array(centres) * encoder.recipe.frame_s,
        np.array(region_of, dtype=int),
        np.array(short, dtype=bool),
    )


def label_windows(
    embeddings: np.ndarray,
    smooth: np.ndarray,
    whole: np.ndarray,
    speakers: int | None,
    *,
    one_voice_above: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(sample, labels): the windows `whole` indexes, split between speakers.

    `sample` indexes the windows clustered (`smooth`, the neighbour-averaged embeddings);
    `labels` gives each of `whole`'s windows the speaker whose average is nearest.
    """
    # Spectral clustering costs the cube of the windows: a long recording is clustered on an
    # even sample of them (every window is then scored against the voices found).
    sample = whole[np.unique(np.linspace(0, len(whole) - 1, min(len(whole), CLUSTER_LIMIT)).astype(int))]
    first = cluster_windows(smooth[sample], speakers, one_voice_above=one_voice_above)
    voices = normalize(np.stack([smooth[sample][first == k].mean(axis=0) for k in range(first.max() + 1)]))
    # One pass of k-means on the windows themselves: clustering averaged windows is robust, and
    # the nearest average is a better call for a single window.
    labels: np.ndarray = (embeddings[whole] @ voices.T).argmax(axis=1)
    return sample, labels


def merge_similar(embeddings: np.ndarray, labels: np.ndarray, above: float) -> np.ndarray:
    """`labels` with the two most alike voices joined while their average embeddings are more
    alike (cosine) than `above`; the result may be one voice. Labels come back dense, 0..k-1.

    Not used by default (MERGE_SIMILARITY is None): with this encoder the similarity depends
    more on the recording than on the people. bench/speaker_threshold.py measured the voices the
    diarizer finds: one AMI speaker split in two at 0.49-0.81, the two people of the pyannote
    sample at 0.87, two espeak voices at 0.90-0.93 and one espeak voice split at 0.88-0.93, so
    any threshold that joins a split voice also joins two people somewhere.
    """
    labels = _dense(labels)
    while labels.max() > 0:
        k = labels.max() + 1
        centroids = normalize(np.stack([embeddings[labels == j].mean(axis=0) for j in range(k)]))
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -np.inf)
        a, b = np.unravel_index(int(similarity.argmax()), similarity.shape)
        if similarity[a, b] <= above:
            break
        labels = _dense(np.where(labels == max(a, b), min(a, b), labels))
    return labels


def mark_overlaps(turns: list[SpeakerTurn]) -> tuple[list[SpeakerTurn], list[Interval]]:
    """Turns where the voice changes with no pause between them, overlapped by OVERLAP_S.

    In conversation a new voice with no pause before it is nearly always someone starting
    before the other has finished; the encoder hears one voice per 0.8 s window and cannot say
    for how long both spoke, so OVERLAP_S around the change counts for both (as two tracks
    would count it) instead of being forced onto one. Only between two turns of at least
    OVERLAP_MIN_TURN_S: a wrong mark costs more than a missing one.
    """
    out = list(turns)
    overlaps: list[Interval] = []
    half = OVERLAP_S / 2
    for i, (prev, nxt) in enumerate(itertools.pairwise(turns)):
        if prev.speaker == nxt.speaker or nxt.start - prev.end > FRAME_S / 2:
            continue
        if min(prev.end - prev.start, nxt.end - nxt.start) < OVERLAP_MIN_TURN_S:
            continue
        at = (prev.end + nxt.start) / 2
        # No further than either turn reaches: an interjection is overlapped at most whole.
        lo, hi = max(prev.start, at - half), min(nxt.end, at + half)
        out[i] = SpeakerTurn(prev.speaker, out[i].start, max(out[i].end, hi))
        out[i + 1] = SpeakerTurn(nxt.speaker, min(nxt.start, lo), nxt.end)
        if overlaps and lo <= overlaps[-1].end:
            overlaps[-1] = Interval(overlaps[-1].start, max(overlaps[-1].end, hi))
        else:
            overlaps.append(Interval(lo, hi))
    return out, overlaps


def _viterbi(scores: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """The speaker of each speech frame (-1 outside speech): the path with the best summed
    similarity, paying SWITCH_COST for each change of speaker inside speech and PAUSE_SWITCH_COST
    across a pause, so one odd window does not flip the speaker mid-sentence."""
    labels = np.full(len(speech), -1)
    frames = np.flatnonzero(speech)
    if len(frames) == 0:
        return labels
    k = scores.shape[1]
    after_pause = np.ones(len(frames), dtype=bool)
    after_pause[1:] = np.diff(frames) > 1
    cost = np.where(after_pause, PAUSE_SWITCH_COST, SWITCH_COST)
    total = scores[frames[0]].copy()
    back = np.zeros((len(frames), k), dtype=int)
    for i in range(1, len(frames)):
        best = int(total.argmax())
        stay = total
        move = total[best] - cost[i]
        back[i] = np.where(stay >= move, np.arange(k), best)
        total = np.maximum(stay, move) + scores[frames[i]]
    state = int(total.argmax())
    for i in range(len(frames) - 1, -1, -1):
        labels[frames[i]] = state
        state = int(back[i, state])
    return labels


def recentre(scores: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Two speakers' scores of short regions, shifted so the line between them falls where
    the short regions themselves divide.

    Tiled to fill a window, a short "Okay." sounds more like one of the two voices, whoever
    says it (one call gave every backchannel to the interviewer): the difference of the two
    scores is split in two groups (1-D k-means) and its zero moved to their midpoint. The move
    is held within half the distance between the two voices' whole windows, so a recording
    where only one person makes short sounds loses little.
    """
    d = scores[:, 0] - scores[:, 1]
    w = whole[:, 0] - whole[:, 1]
    if len(d) < 2 * MIN_SHORT_EACH or (w > 0).sum() == 0 or (w <= 0).sum() == 0:
        return scores
    limit = float(np.median(w[w > 0]) - np.median(w[w <= 0])) / 2
    cut = float(np.median(d))
    for _ in range(20):
        low, high = d[d < cut], d[d >= cut]
        if len(low) < MIN_SHORT_EACH or len(high) < MIN_SHORT_EACH:
            return scores
        new = float(low.mean() + high.mean()) / 2
        if abs(new - cut) < 1e-6:
            break
        cut = new
    cut = float(np.clip(cut, -limit, limit))
    out = scores.copy()
    out[:, 0] -= cut / 2
    out[:, 1] += cut / 2
    return out


def _tile(features: np.ndarray, width: int) -> np.ndarray:
    """`features` repeated to `width` frames (a short region filling a window)."""
    return np.resize(features, (width, features.shape[1]))


def smooth_windows(embeddings: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Each window averaged with its neighbours in the same speech region."""
    out = embeddings.copy()
    for shift in range(1, SMOOTH_WINDOWS + 1):
        for sign in (-1, 1):
            other = np.roll(embeddings, sign * shift, axis=0)
            same = np.roll(regions, sign * shift) == regions
            if sign == 1:
                same[:shift] = False
            else:
                same[-shift:] = False
            out[same] += other[same]
    return normalize(out)


def cluster_windows(
    x: np.ndarray, speakers: int | None, *, one_voice_above: float | None = None
) -> np.ndarray:
    """Labels 0..k-1 by spectral clustering of the cosine affinities between windows.

    Each window keeps only its nearest `KEEP_NEIGHBOURS` share of the others as neighbours, so
    one person's many windows form one connected block even when the voices differ little.
    The number of speakers is where the Laplacian's eigenvalues jump (the eigengap). When not
    told how many, one voice is all there is if lambda2 / lambda3 is above `one_voice_above`:
    two people make two blocks (lambda2 near 0), one voice cut in two does not.
    """
    from scipy.linalg import eigh
    from sklearn.cluster import KMeans

    n = len(x)
    if n < 3:
        return np.arange(n) if speakers is None or speakers >= n else np.zeros(n, dtype=int)
    laplacian = window_laplacian(x)
    # Counting voices needs several seconds of each: a short clip is not split four ways.
    top = min(MAX_SPEAKERS, n - 1, max(MIN_SPEAKERS, n // WINDOWS_PER_SPEAKER))
    wanted = min(speakers, n - 1) if speakers is not None else top
    # Only the smallest eigenpairs matter: far cheaper than the whole decomposition.
    values, vectors = eigh(laplacian, subset_by_index=[0, max(top, wanted)])
    if speakers is not None:
        k = wanted
    elif one_voice_above is not None and n >= ONE_VOICE_MIN_WINDOWS and one_voice(values) > one_voice_above:
        k = 1
    else:
        gaps = np.diff(values[: top + 1])
        k = int(np.argmax(gaps[MIN_SPEAKERS - 1 :]) + MIN_SPEAKERS)
    k = max(1, k)
    labels = KMeans(k, n_init=10, random_state=0).fit_predict(vectors[:, :k])
    return _dense(np.asarray(labels))


def one_voice(values: np.ndarray) -> float:
    """lambda2 / lambda3 of the smallest eigenvalues of a window Laplacian: near 0 when the windows
    fall in two blocks (two people), near 1 when they form one (one voice)."""
    return float(values[1] / max(float(values[2]), 1e-12))


def window_laplacian(x: np.ndarray) -> np.ndarray:
    """The graph Laplacian spectral clustering splits: cosine affinities of the (unit) windows
    `x`, each keeping its nearest KEEP_NEIGHBOURS share of the others, made symmetric."""
    affinity = np.clip(x @ x.T, 0.0, None)
    keep = max(2, int(len(x) * KEEP_NEIGHBOURS))
    nearest = np.argsort(-affinity, axis=1)[:, :keep]
    mask = np.zeros_like(affinity)
    np.put_along_axis(mask, nearest, 1.0, axis=1)
    affinity = affinity * mask
    affinity = (affinity + affinity.T) / 2
    laplacian: np.ndarray = np.diag(affinity.sum(axis=1)) - affinity
    return laplacian


def _dense(labels: np.ndarray) -> np.ndarray:
    _, dense = np.unique(labels, return_inverse=True)
    return np.asarray(dense, dtype=int)


def _first_appearance(labels: np.ndarray, k: int) -> np.ndarray:
    """order[old] = new label, numbering speakers by when they first speak."""
    seen: list[int] = []
    for label in labels:
        if label >= 0 and label not in seen:
            seen.append(int(label))
    seen += [x for x in range(k) if x not in seen]
    order = np.zeros(k, dtype=int)
    for new, old in enumerate(seen):
        order[old] = new
    return order


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the True runs of `mask`."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _close(mask: np.ndarray, gap: int) -> np.ndarray:
    """`mask` with False runs shorter than `gap` between two True runs filled."""
    out = mask.copy()
    runs = _runs(~mask)
    for lo, hi in runs:
        if lo > 0 and hi < len(mask) and hi - lo < gap:
            out[lo:hi] = True
    return out


def _label_runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    lo = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[lo]:
            out.append((int(labels[lo]), lo, i))
            lo = i
    return out


def samples_to_chunks(audio: Samples) -> np.ndarray:
    """Audio cut into Silero's chunks (the tail padded with silence)."""
    chunk = int(FRAME_S * SAMPLE_RATE)
    n = -(-len(audio) // chunk)
    padded = np.zeros(n * chunk, dtype=np.float32)
    padded[: len(audio)] = audio
    return padded.reshape(n, chunk)
