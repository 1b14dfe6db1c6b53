"""A finished call written straight into a test server's store, as a live call would have left it:
a closed question, the customer's workaround and pain, an open question. The debrief and review
tests start from it without streaming audio."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.calls.messages import utterance_row
from app.commands.accounts_db import open_accounts
from app.db.engine import open_engine
from app.db.repository import Repository
from app.db.tables import NudgeRow
from app.settings import Settings
from nlp.types import Flag, FlagHit, Tag, Utterance

CLOSED = "Do you use Excel for this?"
PAINFUL = (
    "Every Monday I export the report and fix the numbers by hand in a spreadsheet. "
    "It is really painful because it takes me three hours."
)
OPEN = "Tell me more about how that works for your team."
LINES: list[tuple[Utterance, Tag]] = [
    (
        Utterance("interviewer", CLOSED, 0.5, 2.0, "u1"),
        Tag(
            "closed",
            (FlagHit(Flag.CLOSED_QUESTION, "test.closed", "Do you", "That question invites a yes or no."),),
            "That question invites a yes or no.",
            "How do you handle this today?",
        ),
    ),
    (
        Utterance("customer", PAINFUL, 3.5, 9.0, "u2"),
        Tag(
            None,
            (
                FlagHit(Flag.WORKAROUND, "test.workaround", "by hand in a spreadsheet", "A workaround."),
                FlagHit(Flag.PAIN, "test.pain", "really painful", "A pain."),
            ),
        ),
    ),
    (Utterance("interviewer", OPEN, 12.0, 14.0, "u3"), Tag("open")),
]
CLOSED_MOMENT = "closed_question@0.50"


def seed_call(settings: Settings, call_id: str) -> None:
    """Write the lines into call `call_id` (created through the API; the test ends it)."""
    engine = open_engine(settings.resolved_database_url())
    try:
        repo = Repository(engine)
        for seq, (utterance, tag) in enumerate(LINES, start=1):
            row = utterance_row(call_id, utterance, tag)
            row.id = f"{call_id}-{utterance.id}"
            row.seq = seq
            repo.add(row, seq)
        # The closed question was nudged live, and the buddy rated the nudge helpful.
        nudge = NudgeRow(
            id=f"{call_id}-n1",
            call_id=call_id,
            kind="closed_question",
            severity="info",
            title="Closed question",
            message="That question invites a yes or no.",
            evidence="Do you",
            suggestion="How do you handle this today?",
            utterance_id=f"{call_id}-u1",
            at=2.1,
            start=0.5,
            end=2.0,
            key="closed_question:u1",
            sent=True,
            held_reason=None,
            helpful=True,
            seq=len(LINES) + 1,
        )
        repo.add(nudge, len(LINES) + 1)
    finally:
        engine.dispose()


def assign_coach(data_dir: Path, coach_email: str, interviewer_email: str) -> None:
    open_accounts(argparse.Namespace(data_dir=str(data_dir))).set_coach(coach_email, interviewer_email)
