"""Numbers as a person reads them in a report."""

from __future__ import annotations


def clock(seconds: float | None) -> str:
    """12.3 -> "0:12", 3725 -> "1:02:05"; "" for None."""
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def length(seconds: float | None) -> str:
    """A duration: "45 s", "3 min 05 s", "1 h 02 min"; "" for None."""
    if seconds is None:
        return ""
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    m, s = divmod(total, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


def percent(share: float | None) -> str:
    return "" if share is None else f"{round(100 * share)} %"


def number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else str(round(value))
