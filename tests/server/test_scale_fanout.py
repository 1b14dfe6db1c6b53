"""A call's events on its Redis stream (`app.scale.fanout`), on a real Redis: a relay joins at the
stream's end, gets what follows in order (the interviewer not the buddy's private marks), and
reads on after Redis restarts empty."""

from __future__ import annotations

import asyncio
import json

import redis.asyncio as aioredis

from app.calls.hub import Hub, Subscriber
from app.scale.fanout import EventFanout, EventRelays, events_stream

from .services import RedisServer


def event(seq: int, kind: str) -> str:
    return json.dumps({"type": kind, "seq": seq})


async def next_seqs(sub: Subscriber, n: int) -> list[int]:
    out = []
    for _ in range(n):
        text = await asyncio.wait_for(sub.next(), 10)
        assert text is not None
        out.append(json.loads(text)["seq"])
    return out


async def test_scale_fanout_relays_what_follows_the_join_in_order_and_survives_a_redis_restart(
    redis_url: str, redis_server: RedisServer
) -> None:
    owner_redis = aioredis.Redis.from_url(redis_url, socket_timeout=5)
    relay_redis = aioredis.Redis.from_url(redis_url, socket_timeout=5)
    fanout, relays = EventFanout(owner_redis), EventRelays(relay_redis)
    hub = Hub()
    hub.mirror = fanout.mirror("c1")  # what the owner's call manager does
    try:
        for seq in (1, 2, 3):
            hub.publish(event(seq, "transcript.final"), kind="transcript.final")
        while await owner_redis.xlen(events_stream("c1")) < 3:
            await asyncio.sleep(0.01)
        buddy = await relays.join("c1", "buddy")
        interviewer = await relays.join("c1", "interviewer")
        assert len(relays) == 2
        hub.publish(event(4, "nudge"), kind="nudge")
        hub.publish(event(5, "flag"), kind="flag")
        hub.publish(event(6, "transcript.final"), kind="transcript.final")
        assert await next_seqs(buddy, 3) == [4, 5, 6]  # not 1-3: the joiner read those from the database
        assert await next_seqs(interviewer, 2) == [4, 6]  # the buddy's flag is not the interviewer's

        redis_server.restart()  # empty: the stream and its ids are gone
        hub.publish(event(7, "transcript.final"), kind="transcript.final")
        assert await next_seqs(buddy, 1) == [7]
        relays.leave("c1", buddy)
        relays.leave("c1", interviewer)
        assert len(relays) == 0
    finally:
        await relays.aclose()
        await fanout.aclose()
        await owner_redis.aclose()
        await relay_redis.aclose()
