"""What a call announces: numbered, stored first, then fanned out to the call's event sockets.

Every event a page keeps (finals, nudges, flags, notes, whispers, ratings, the end of the
call) is written before it is published, so a killed server never forgets what a buddy
already saw. Partials and talk events are fleeting and not stored: a reconnecting page gets
the latest talk figures in `state`, and the next partial replaces a lost one. The publisher
also holds the call so far, for the `state` snapshot a joining socket starts from.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from app import protocol
from app.calls.hub import Hub
from app.calls.messages import call_payload, final_payload, mark_payload, nudge_row, utterance_row
from app.calls.pipeline import Heard, Outcome, Spoke
from app.db.repository import CallHistory, Store, new_id
from app.db.tables import IntervalRow, MarkRow, NudgeRow, UtteranceRow
from app.protocol import SAMPLE_RATE, Role
from app.scale.metrics import EVENTS_SENT

log = logging.getLogger(__name__)

# A restarted server cannot know how many unsaved events (partials, talk) it sent before it
# died; numbering resumes this far above the last saved one so `seq` still only increases.
SEQ_RESTART_GAP = 1000

MarkKind = str
_MARK_EVENTS: dict[MarkKind, type[protocol.Event]] = {
    "flag": protocol.FlagEvent,
    "note": protocol.NoteEvent,
    "whisper": protocol.WhisperEvent,
}


class Publisher:
    def __init__(self, history: CallHistory, store: Store, clock: Callable[[], float]) -> None:
        call = history.call
        self.call_id = call.id
        self.store = store
        self.hub = Hub()
        self._clock = clock
        self.seq = call.seq + SEQ_RESTART_GAP if call.seq else 0
        self.published_seq = self.seq
        self.transcript: list[protocol.Final] = [final_payload(u) for u in history.utterances]
        self.nudges: list[protocol.Nudge] = [
            protocol.Nudge.model_validate(n) for n in history.nudges if n.sent
        ]
        self.marks: dict[MarkKind, list[BaseModel]] = {
            kind: [mark_payload(m) for m in history.marks if m.kind == kind] for kind in _MARK_EVENTS
        }
        self.talk: protocol.Talk | None = None
        self._lock = asyncio.Lock()

    async def publish(self, outcome: Outcome) -> None:
        """Store and announce one outcome of the call's pipeline."""
        if isinstance(outcome, protocol.Partial):
            await self.emit(protocol.PartialEvent, outcome)
        elif isinstance(outcome, Heard):
            row = utterance_row(self.call_id, outcome.utterance, outcome.tag)
            await self.emit(protocol.FinalEvent, final_payload(row), row, self.transcript)
        elif isinstance(outcome, Spoke):
            row_iv = IntervalRow(
                call_id=self.call_id, speaker=outcome.speaker, start=outcome.start, end=outcome.end
            )
            await self.store.run(self.store.repo.add, row_iv, self.seq)
        elif outcome.sent:
            await self.emit(protocol.NudgeEvent, outcome, nudge_row(self.call_id, outcome), self.nudges)
        else:
            held = nudge_row(self.call_id, outcome)
            held.seq = self.seq
            await self.store.run(self.store.repo.add, held, self.seq)
            log.debug("call %s: held %s nudge (%s)", self.call_id, outcome.kind, outcome.held_reason)

    async def emit(
        self,
        event: type[protocol.Event],
        payload: BaseModel | dict[str, Any],
        row: UtteranceRow | NudgeRow | MarkRow | None = None,
        remember: list[Any] | None = None,
        persist: Callable[[int], Any] | None = None,
    ) -> None:
        """Number, store (when `row` or `persist` is given), remember and publish one event:
        `payload` (a model of `app.protocol`, or its fields) sent as an `event`."""
        async with self._lock:
            self.seq += 1
            seq = self.seq
            if row is not None:
                row.seq = seq
                await self.store.run(self.store.repo.add, row, seq)
            elif persist is not None:
                await self.store.run(persist, seq)
            if remember is not None:
                remember.append(payload)
            # `dict(model)` keeps every field, the server's own too (an event leaves them out).
            fields = payload if isinstance(payload, dict) else dict(payload)
            message = event.model_validate({**fields, "seq": seq, "call_time": self._clock()})
            self.published_seq = seq
            self.hub.publish(protocol.dump(message), kind=getattr(message, "type", None))
            EVENTS_SENT.labels(str(getattr(message, "type", event.__name__))).inc()

    async def send_talk(self, talk: protocol.Talk) -> None:
        self.talk = talk
        await self.emit(protocol.TalkEvent, talk)

    def snapshot(self, call: protocol.Call, role: Role, share_target: float) -> str:
        """The `state` message for a socket joining now (call it in the same step as subscribing)."""
        state = protocol.State.model_construct(
            seq=self.published_seq,
            call_time=round(self._clock(), 3),
            sent_at=protocol.wall_clock(),
            call=call,
            role=role,
            transcript=self.transcript,
            nudges=self.nudges,
            # The buddy's flags and notes are theirs (and the report's), not the interviewer's.
            flags=[] if role == "interviewer" else self.marks["flag"],
            notes=[] if role == "interviewer" else self.marks["note"],
            whispers=self.marks["whisper"],
            talk=self.talk,
            talk_share_target=share_target,
        )
        # Built without validation: every part is a validated model already, and a long call's
        # transcript would otherwise be checked again for every joining socket.
        return protocol.dump(state)

    # --- the buddy's actions ------------------------------------------------------------------
    async def mark(
        self, kind: MarkKind, by: Role, *, text: str | None = None, nudge_id: str | None = None
    ) -> None:
        """A buddy's flag, note or whisper, at the call time now."""
        row = MarkRow(
            id=new_id(kind[0]),
            call_id=self.call_id,
            kind=kind,
            at=self._clock(),
            text=text,
            nudge_id=nudge_id,
            helpful=None,
            by=by,
            created_at=time.time(),
            seq=0,
        )
        await self.emit(_MARK_EVENTS[kind], mark_payload(row), row, self.marks[kind])

    async def rate(self, by: Role, nudge_id: str, helpful: bool) -> bool:
        """Rate a sent nudge; False when this call sent no such nudge."""
        nudge = next((n for n in self.nudges if n.id == nudge_id), None)
        if nudge is None:
            return False
        row = MarkRow(
            id=new_id("r"),
            call_id=self.call_id,
            kind="rating",
            at=self._clock(),
            text=None,
            nudge_id=nudge_id,
            helpful=helpful,
            by=by,
            created_at=time.time(),
            seq=0,
        )
        repo = self.store.repo

        def persist(seq: int) -> None:
            row.seq = seq
            repo.rate(row, seq)

        await self.emit(protocol.RatingEvent, {"nudge_id": nudge_id, "helpful": helpful}, persist=persist)
        nudge.helpful = helpful
        return True


def stored_state(history: CallHistory, store: Store, role: Role, share_target: float) -> tuple[str, int]:
    """The `state` message built from the database alone, and the sequence number it covers: what
    a process that does not run the call (it relays the owner's events) sends a joining socket.

    Every event with a higher number comes later through the relay; the ones at or below it are in
    this state already (stored) or were fleeting (partials, talk)."""
    call_time = max(history.received.values(), default=0) / SAMPLE_RATE
    publisher = Publisher(history, store, lambda: call_time)
    rows: list[UtteranceRow | NudgeRow | MarkRow] = [*history.utterances, *history.nudges, *history.marks]
    covered = max([history.call.seq, *(row.seq for row in rows)])
    publisher.published_seq = covered
    call = call_payload(history.call, call_time=call_time)
    return publisher.snapshot(call, role, share_target), covered
