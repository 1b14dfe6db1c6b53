"""The audit log: who viewed, exported, shared or deleted which call. `record_audit` is the one
way in, so every caller (routes, the retention job, `secondear` commands) writes the same rows."""

from __future__ import annotations

from typing import Literal

from app.deps import Live

Action = Literal["view", "export", "listen", "share", "unshare", "invite", "uninvite", "link", "delete"]


async def record_audit(
    live: Live, actor: str, action: Action, call_id: str | None, detail: str | None = None
) -> None:
    await live.store.run(live.accounts.record_audit, actor, action, call_id, detail)
