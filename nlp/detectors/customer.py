"""Customer utterances: workarounds and pains, the moments a buddy should point out."""

from __future__ import annotations

from collections.abc import Sequence

from nlp.detectors.base import Analysis, Finding
from nlp.types import Flag, Speaker


class CustomerDetector:
    """Flags the first workaround and the first pain a customer mentions."""

    speakers: frozenset[Speaker] = frozenset({"customer"})

    def detect(self, analysis: Analysis) -> Sequence[Finding]:
        findings: list[Finding] = []
        for flag in (Flag.WORKAROUND, Flag.PAIN):
            hit = next(iter(analysis.labelled(flag.value)), None)
            if hit is not None:
                findings.append(Finding(flag, hit.rule.id, analysis.text(hit.start, hit.end)))
        return findings
