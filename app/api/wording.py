"""`GET /api/wording`: what the pages call each flag and nudge kind, from the one wording source
(`nlp/rules/messages.jsonl`) the live cards and the report use too."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from nlp.messages import load_wording

router = APIRouter(prefix="/api", tags=["wording"])


class KindWording(BaseModel):
    title: str
    message: str
    suggestion: str | None


@router.get("/wording")
async def wording() -> dict[str, KindWording]:
    """Every flag and nudge kind: its name (`title`), its coaching line and its suggestion."""
    return {
        kind: KindWording(title=w.title, message=w.message, suggestion=w.card_suggestion)
        for kind, w in load_wording().items()
    }
