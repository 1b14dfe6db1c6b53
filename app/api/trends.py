"""Trends per interviewer and the coaches' team page, from the calls on the server.

`GET /api/trends?interviewer=ID`: one interviewer's figures per call, the team's median, the goal
bands, the last 5 calls against the 5 before, and one SVG chart per metric (drawn by
app/insights/trends_render.py, as `secondear trends` draws them). A member sees their own; a coach
the interviewers they coach (and themselves); an admin everyone with calls.
`GET /api/team`: every visible interviewer's latest figures with a sparkline per metric.
Both answer `pending`: ended calls whose figures are still being computed (app/insights/figures.py).
"""

from __future__ import annotations

import json
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status

from app.auth.rules import CoachUser, CurrentUser
from app.db.repository import Store
from app.db.tables import UserRow
from app.deps import Live, LiveDep
from app.insights.figures import OwnedCall, ended_calls, insights
from app.insights.trends import (
    RECENT_CALLS,
    Interviewer,
    Metric,
    in_goal,
    interviewer_trends,
    latest,
    metrics,
    team_median,
)
from app.insights.trends_render import change_text, line_chart, sparkline, value_text

router = APIRouter(prefix="/api", tags=["trends"])

NO_INTERVIEWER = "No interviewer with this id among the people whose trends you can see."
# Answers kept per server, as JSON, under the figures' version (app/db/insights.py figures_version)
# and who asked about whom: a page opened again reads them instead of drawing every chart again.
CACHED_ANSWERS = 64
_answers: weakref.WeakKeyDictionary[Store, OrderedDict[Hashable, bytes]] = weakref.WeakKeyDictionary()


async def cached(live: Live, key: Hashable, make: Callable[[], Awaitable[dict[str, Any]]]) -> Response:
    """The answer under `key` at the current figures' version, made by `make` when not kept (an
    answer with figures still pending is not kept)."""
    version = await live.store.run(insights(live).figures_version)
    full = (version, key)
    kept = _answers.setdefault(live.store, OrderedDict())
    body = kept.get(full)
    if body is None:
        answer = await make()
        body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
        if not answer.get("pending"):
            kept[full] = body
            while len(kept) > CACHED_ANSWERS:
                kept.popitem(last=False)
    else:
        kept.move_to_end(full)
    return Response(content=body, media_type="application/json")


async def visible_people(live: Live, user: UserRow) -> list[UserRow]:
    """Whose trends `user` may see: themselves, the interviewers they coach, everyone for an admin;
    sorted by name, the asker first."""
    ins = insights(live)
    if user.role == "admin":
        ids = set(await live.store.run(ins.owners_with_calls))
    elif user.role == "coach":
        ids = set(await live.store.run(ins.coachees, user.id))
    else:
        ids = set()
    ids.discard(user.id)
    found = await live.store.run(ins.users_by_id, ids)
    return [user, *sorted(found.values(), key=lambda u: (u.name.casefold(), u.email))]


def _by_owner(calls: Sequence[OwnedCall]) -> dict[str, list[OwnedCall]]:
    out: dict[str, list[OwnedCall]] = {}
    for c in calls:
        out.setdefault(c.owner_id, []).append(c)
    return out


def _change(m: Metric, iv: Interviewer) -> dict[str, Any]:
    ch = iv.changes.get(m.key)
    return {
        "recent": None if ch is None else ch.recent,
        "before": None if ch is None else ch.before,
        "better": None if ch is None else ch.better,
        "text": change_text(m, ch),
    }


@router.get("/trends", response_class=Response, responses={200: {"content": {"application/json": {}}}})
async def trends(
    live: LiveDep,
    user: CurrentUser,
    interviewer: Annotated[
        str | None, Query(max_length=32, description="The interviewer's account id; empty: yourself.")
    ] = None,
) -> Response:
    """One interviewer's trends over their ended calls, with a chart per metric."""
    people = await visible_people(live, user)
    who = next((p for p in people if p.id == (interviewer or user.id)), None)
    if who is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_INTERVIEWER)
    key = ("trends", who.id, who.name, tuple((p.id, p.name) for p in people))
    return await cached(live, key, lambda: _trends(live, people, who))


async def _trends(live: Live, people: list[UserRow], who: UserRow) -> dict[str, Any]:
    ms = metrics(live.settings)
    ended = await ended_calls(live, ms)
    calls = ended.calls
    team = team_median([c.call.figures for c in calls], ms)
    owned = _by_owner(calls)
    mine = owned.get(who.id, [])
    iv = interviewer_trends(who.name, [c.call for c in mine], ms)
    last = latest(iv)
    return {
        "pending": ended.pending,
        "people": [{"id": p.id, "name": p.name, "calls": len(owned.get(p.id, []))} for p in people],
        "interviewer": {
            "id": who.id,
            "name": who.name,
            "calls": [
                {"id": c.call_id, "title": c.call.name, "date": c.call.date, "figures": c.call.figures}
                for c in mine
            ],
        },
        "recent_calls": RECENT_CALLS,
        "metrics": [
            {
                "key": m.key,
                "label": m.label,
                "unit": m.unit,
                "goal": {"low": m.low, "high": m.high, "text": m.goal},
                "latest": last.get(m.key),
                "latest_text": value_text(m, last.get(m.key)),
                "in_goal": in_goal(m, last.get(m.key)),
                "team_median": team[m.key],
                "team_text": value_text(m, team[m.key]),
                "change": _change(m, iv),
                "chart": line_chart(m, iv, team[m.key]) if mine else "",
            }
            for m in ms
        ],
    }


@router.get("/team", response_class=Response, responses={200: {"content": {"application/json": {}}}})
async def team(live: LiveDep, user: CoachUser) -> Response:
    """Every interviewer the coach sees (an admin: everyone with calls): the latest figures against
    the goal and the team's median, with a sparkline per metric."""
    people = await visible_people(live, user)
    key = ("team", user.id, tuple((p.id, p.name) for p in people))
    return await cached(live, key, lambda: _team(live, people, user))


async def _team(live: Live, people: list[UserRow], user: UserRow) -> dict[str, Any]:
    ms = metrics(live.settings)
    ended = await ended_calls(live, ms)
    calls = ended.calls
    team = team_median([c.call.figures for c in calls], ms)
    owned = _by_owner(calls)
    rows = []
    for p in people:
        mine = owned.get(p.id, [])
        if p.id == user.id and not mine:
            continue  # a coach who does not interview is not on their own team page
        iv = interviewer_trends(p.name, [c.call for c in mine], ms)
        last = latest(iv)
        rows.append(
            {
                "id": p.id,
                "name": p.name,
                "calls": len(mine),
                "last_call": mine[-1].call.date if mine else None,
                "figures": {
                    m.key: {
                        "latest": last.get(m.key),
                        "text": value_text(m, last.get(m.key)),
                        "in_goal": in_goal(m, last.get(m.key)),
                        "change": _change(m, iv),
                        "spark": sparkline(m, iv),
                    }
                    for m in ms
                },
            }
        )
    return {
        "pending": ended.pending,
        "metrics": [
            {
                "key": m.key,
                "label": m.label,
                "goal": m.goal,
                "team_median": team[m.key],
                "team_text": value_text(m, team[m.key]),
            }
            for m in ms
        ],
        "people": rows,
    }
