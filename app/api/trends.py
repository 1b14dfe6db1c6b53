"""Trends per interviewer and the coaches' team page, from the calls on the server.

`GET /api/trends?interviewer=ID`: one interviewer's figures per call, the team's median, the goal
bands, the last 5 calls against the 5 before, and one SVG chart per metric (drawn by
app/insights/trends_render.py, as `secondear trends` draws them). A member sees their own; a coach
the interviewers they coach (and themselves); an admin everyone with calls.
`GET /api/team`: every visible interviewer's latest figures with a sparkline per metric.
Both answer `pending`: ended calls whose figures are still being computed (app/insights/figures.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from app.auth.rules import CoachUser, CurrentUser
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


@router.get("/trends")
async def trends(
    live: LiveDep,
    user: CurrentUser,
    interviewer: Annotated[
        str | None, Query(max_length=32, description="The interviewer's account id; empty: yourself.")
    ] = None,
) -> dict[str, Any]:
    """One interviewer's trends over their ended calls, with a chart per metric."""
    people = await visible_people(live, user)
    who = next((p for p in people if p.id == (interviewer or user.id)), None)
    if who is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_INTERVIEWER)
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


@router.get("/team")
async def team(live: LiveDep, user: CoachUser) -> dict[str, Any]:
    """Every interviewer the coach sees (an admin: everyone with calls): the latest figures against
    the goal and the team's median, with a sparkline per metric."""
    people = await visible_people(live, user)
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
