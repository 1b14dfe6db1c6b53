"""Ended calls written straight into a server's store (`Repository.import_call`), with tagged
turns, for the trends, team and study tests: a call takes milliseconds instead of a live session."""

from __future__ import annotations

import time
from pathlib import Path

from app.db.engine import migrate, open_engine
from app.db.repository import Repository
from app.db.tables import CallRow
from app.settings import Settings
from nlp.types import Flag, FlagHit, Tag, TaggedUtterance, Utterance

DAY = 86400.0

# What the customers of the seeded calls say: one complaint in three wordings (a study finds it
# across interviews) and a workaround.
PAINS = (
    "Honestly I hate retyping every invoice into the spreadsheet by hand each week.",
    "It drives me mad that we copy the invoices into a spreadsheet manually every Friday.",
    "The worst part is keying all those invoices into our spreadsheet one by one.",
)
WORKAROUND = "So we export a CSV from the bank and fix the columns in Excel ourselves."


def turns(talk: float, closed: int, index: int) -> list[TaggedUtterance]:
    """A short call: the interviewer speaks `talk` seconds per turn (the customer 10), asks
    `closed` closed questions of four, and hears one pain and one workaround."""
    out: list[TaggedUtterance] = []
    t = 0.0

    def say(speaker: str, text: str, seconds: float, tag: Tag) -> None:
        nonlocal t
        out.append(TaggedUtterance(Utterance(speaker, text, t, t + seconds), tag))  # type: ignore[arg-type]
        t += seconds + 1.0

    for q in range(4):
        if q < closed:
            hit = FlagHit(Flag.CLOSED_QUESTION, "seed.closed", "Do you", "That question invites a yes or no.")
            tag = Tag("closed", (hit,), hit.message)
            say("interviewer", "Do you track the invoices somewhere?", talk, tag)
        else:
            say("interviewer", "How do you handle the invoices today?", talk, Tag("open"))
        if q == 1:
            pain = PAINS[index % len(PAINS)]
            hit = FlagHit(Flag.PAIN, "seed.pain", pain.split()[2], "A pain.")
            say("customer", pain, 10.0, Tag(None, (hit,)))
        elif q == 2:
            hit = FlagHit(Flag.WORKAROUND, "seed.workaround", "export a CSV", "A workaround.")
            say("customer", WORKAROUND, 10.0, Tag(None, (hit,)))
        else:
            say("customer", "We get about forty of them from suppliers every month.", 10.0, Tag(None))
    return out


def seed_calls(
    data_dir: Path, owner_id: str, interviewer: str, count: int, *, improving: bool = True
) -> list[CallRow]:
    """`count` ended calls of `owner_id`, a day apart, the interviewer talking less (and asking
    fewer closed questions) call after call when `improving`."""
    engine = open_engine(Settings(data_dir=data_dir).resolved_database_url())
    try:
        migrate(engine)
        repo = Repository(engine)
        start = time.time() - count * DAY
        rows = []
        for i in range(count):
            step = i if improving else count - 1 - i
            talk = max(2.0, 20.0 - 2.0 * step)
            closed = max(0, 3 - step // 3)
            rows.append(
                repo.import_call(
                    title=f"Invoices interview {i + 1}",
                    interviewer=interviewer,
                    customer=f"Customer {i + 1}",
                    owner_id=owner_id,
                    created_at=start + i * DAY,
                    tagged=turns(talk, closed, i),
                )
            )
        return rows
    finally:
        engine.dispose()


def user_id(data_dir: Path, email: str) -> str:
    from app.db.accounts import Accounts

    engine = open_engine(Settings(data_dir=data_dir).resolved_database_url())
    try:
        user = Accounts(engine).user_by_email(email)
        assert user is not None
        return user.id
    finally:
        engine.dispose()
