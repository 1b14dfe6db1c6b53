"""What the buddy would have seen: the live nudge policy replayed over a tagged transcript.

Each tagged utterance becomes the same candidate nudges the live call makes (app/calls/nudges.py,
confident flags only), and the live policy (app/calls/policy.py, from the same settings) decides,
in call time, which would have been sent; as live, at most one is sent about one utterance.
Timing nudges (talk share, monologues) are not replayed: they need the call's audio.
Transcripts without times get times from word counts at an even speaking rate, so the count per
10 minutes stays comparable.

The result joins the report in every format: a `replayed_nudges` object in JSON, a section at the
end of Markdown and HTML.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.calls.nudges import from_tag
from app.calls.policy import NudgePolicy
from app.settings import Settings
from nlp.types import TaggedUtterance

# Speaking rate used to give untimed transcripts a clock (words a second, about 150 a minute).
WORDS_PER_SECOND = 2.5
TEN_MINUTES = 600.0


@dataclass(frozen=True, slots=True)
class ReplayedNudge:
    at: float
    kind: str
    title: str
    evidence: str
    suggestion: str | None


@dataclass(frozen=True, slots=True)
class Replay:
    minutes: float
    sent: tuple[ReplayedNudge, ...]
    held: dict[str, int]
    """Candidates the policy held back, by reason."""
    timed: bool
    """False when times were estimated from word counts."""

    @property
    def per_10_minutes(self) -> float:
        return len(self.sent) / (self.minutes / 10) if self.minutes > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "sent": len(self.sent),
            "per_10_minutes": round(self.per_10_minutes, 2),
            "minutes": round(self.minutes, 2),
            "timed": self.timed,
            "held_back": dict(sorted(self.held.items())),
            "nudges": [
                {"at": round(n.at, 1), "kind": n.kind, "title": n.title, "evidence": n.evidence,
                 "suggestion": n.suggestion}
                for n in self.sent
            ],
        }  # fmt: skip


def replay(tagged: Sequence[TaggedUtterance], settings: Settings) -> Replay:
    """Replay the live policy over the tagged utterances, in order."""
    policy = NudgePolicy.from_settings(settings)
    timed = all(t.utterance.start is not None for t in tagged)
    clock = 0.0
    sent: list[ReplayedNudge] = []
    held: Counter[str] = Counter()
    end = 0.0
    for number, item in enumerate(tagged):
        u = item.utterance
        if timed:
            start = u.start or 0.0
            end = u.end if u.end is not None else start
        else:
            start = clock
            clock += len(u.text.split()) / WORDS_PER_SECOND
            end = clock
            u = type(u)(u.speaker, u.text, start, end, u.id)
        # As the live call does (app/calls/session.py): at most one nudge about one moment.
        moment_sent = False
        for c in from_tag(u.id or str(number), u, item.tag):
            if moment_sent:
                held["one_per_moment"] += 1
                continue
            decision = policy.decide(c.kind, c.at, c.key)
            if decision.send:
                moment_sent = True
                sent.append(ReplayedNudge(c.at, c.kind, c.title, c.evidence, c.suggestion))
            else:
                held[decision.reason or "held"] += 1
    return Replay(end / 60, tuple(sent), dict(held), timed)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _summary(result: Replay) -> str:
    timing = "" if result.timed else " (times estimated from word counts)"
    return (
        f"{len(result.sent)} nudges would have been sent over {result.minutes:.1f} min: "
        f"{result.per_10_minutes:.1f} per 10 minutes{timing}."
    )


def attach(text: str, fmt: str, result: Replay) -> str:
    """The rendered report with the replayed nudges added in its own format."""
    if fmt == "json":
        data = json.loads(text)
        data["replayed_nudges"] = result.to_dict()
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        lines = ["", "## Nudges the buddy would have seen", "", _summary(result), ""]
        lines += [f"- {_clock(n.at)} **{n.title}**: \u201c{n.evidence}\u201d" for n in result.sent]
        return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    if fmt == "html":
        items = "".join(
            f"<li><time>{_clock(n.at)}</time> <strong>{html.escape(n.title)}</strong>: "
            f"\u201c{html.escape(n.evidence)}\u201d</li>"
            for n in result.sent
        )
        section = (
            f'<section class="replayed-nudges"><h2>Nudges the buddy would have seen</h2>'
            f"<p>{html.escape(_summary(result))}</p><ul>{items}</ul></section>"
        )
        marker = "</main>" if "</main>" in text else "</body>"
        head, sep, tail = text.rpartition(marker)
        return head + section + sep + tail if sep else text + section
    raise ValueError(f"unknown report format {fmt!r}")
