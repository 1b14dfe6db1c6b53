"""Who interviews on a one-microphone call: the first voice heard, unless the other voice asks
clearly more questions in the first finals (app/calls/one_track.py `Roles`)."""

from __future__ import annotations

import pytest

from app.calls.one_track import ROLE_SETTLE_FINALS, Roles

Q, A = "How do you do that today?", "We keep a spreadsheet."


@pytest.mark.parametrize(
    ("finals", "first_voice_is"),
    [
        ([(0, Q), (1, A), (0, Q), (1, A)], "interviewer"),  # the usual opening
        ([(0, A), (1, Q), (0, A), (1, Q)], "customer"),  # the customer opened; the other asks
        ([(0, A), (1, Q), (0, A)], "interviewer"),  # one question more is not enough to swap
        ([(0, Q), (1, Q), (1, Q)], "interviewer"),  # both ask: 2 against 1 is not clearly more
        ([(0, Q), (1, Q), (1, Q), (1, Q)], "customer"),  # 3 against 1 is
        ([(0, A)] * ROLE_SETTLE_FINALS + [(1, Q), (1, Q), (1, Q)], "interviewer"),  # settled by then
    ],
)
def test_roles_first_voice_unless_the_other_asks_more(
    finals: list[tuple[int, str]], first_voice_is: str
) -> None:
    roles = Roles()
    for voice, text in finals:
        roles.heard(voice, text)
    assert roles.of(0) == first_voice_is
    assert roles.of(1) != first_voice_is


def test_roles_swap_once() -> None:
    roles = Roles()
    for voice, text in [(1, Q), (1, Q), (0, Q), (0, Q), (0, Q), (0, Q)]:
        roles.heard(voice, text)
    assert roles.of(1) == "interviewer"  # decided after the second question; not flipped back


def test_roles_learnt_again_after_a_restart_are_kept() -> None:
    """After a restart the roles come from the stored finals; early questions do not swap them."""
    assert Roles(["customer", "interviewer"], settled=True).of(0) == "customer"
    roles = Roles(["interviewer", "customer"], settled=True)
    for voice, text in [(1, Q), (1, Q), (1, Q)]:  # would swap a new call's roles
        roles.heard(voice, text)
    assert (roles.of(0), roles.of(1)) == ("interviewer", "customer")
