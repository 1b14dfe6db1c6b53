"""The coaching store of a running server: one `Coaching` per database engine."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from app.db.coaching import Coaching
from app.deps import Live

_BY_ENGINE: WeakKeyDictionary[Engine, Coaching] = WeakKeyDictionary()


def coaching(live: Live) -> Coaching:
    engine = live.repo.engine
    found = _BY_ENGINE.get(engine)
    if found is None:
        found = _BY_ENGINE[engine] = Coaching(engine)
    return found
