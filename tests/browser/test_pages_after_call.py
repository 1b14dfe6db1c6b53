"""The pages after a call, in real browsers: the interviewer and the buddy write the debrief at the
same time (both edits survive), and a coach's comment on a flagged moment reaches the interviewer's
review inbox and the unread count on their home page.

The server runs in a thread with the fake speech engine: the call's lines are written into its
store as a live call leaves them (tests/server/coaching.py). Every page is screenshotted at 1280 and
420 px wide, and any console error fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from server.coaching import CLOSED, assign_coach, seed_call
from server.conftest import fake_settings
from server.fakes import FakeEngine, FakeTagger
from server.harness import OWNER_TOKENS, Account, add_account, serve_in_thread

from app.main import create_app
from app.settings import Settings

from .conftest import ConsoleWatch
from .test_pages_live_call import NARROW, WIDE, no_horizontal_scroll, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Team:
    url: str
    settings: Settings
    owner: Account
    coach: Account


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    settings = fake_settings(tmp_path_factory.mktemp("data"))
    owner = add_account(settings.data_dir, "dana@example.com", "member", "Dana")
    coach = add_account(settings.data_dir, "cora@example.com", "coach", "Cora")
    assign_coach(settings.data_dir, coach.email, owner.email)
    with serve_in_thread(create_app(settings, engine=FakeEngine(), tagger=FakeTagger())) as url:
        OWNER_TOKENS[url] = owner.token
        yield Team(url, settings, owner, coach)


def ended_call(team: Team, title: str) -> dict[str, Any]:
    # Plain httpx: Playwright's driver holds this thread's event loop.
    r = httpx.post(
        f"{team.url}/api/calls",
        json={"title": title, "interviewer": "Dana", "recording_consent": True},
        headers=team.owner.auth,
    )
    assert r.status_code == 201, r.text
    call: dict[str, Any] = r.json()
    seed_call(team.settings, call["id"])
    r = httpx.post(f"{team.url}/api/calls/{call['id']}/end", headers=team.owner.auth)
    assert r.status_code == 200, r.text
    return call


def wait_saved(page: Any) -> None:
    page.locator("#save-state[data-state='saved']").wait_for()


def test_debrief_two_editors_at_once(
    team: Team, launch: Any, console: ConsoleWatch, screenshots: Path
) -> None:
    call = ended_call(team, "Reporting workflow interview")
    # The interviewer, signed in, opens it from their home page; the buddy from the link on the
    # buddy pane, without an account.
    interviewer = console.watch(launch("interviewer").new_page(), "debrief-interviewer")
    sign_in(interviewer, team.url, team.owner.email, team.owner.password)
    interviewer.locator(".calls-list li", has_text="Reporting workflow interview").get_by_role(
        "link", name="Debrief of Reporting workflow interview"
    ).click()
    interviewer.wait_for_url(re.compile(r"/debrief/c[0-9a-f]+$"))
    wait_saved(interviewer)
    buddy = console.watch(launch("buddy").new_page(), "debrief-buddy")
    buddy.goto(f"{team.url}/debrief/{call['id']}?token={call['tokens']['buddy']}")
    wait_saved(buddy)

    # Prefilled: the customer's pain, as a quote with its moment.
    pain = interviewer.get_by_role("textbox", name="Pain 1")
    assert "painful" in pain.input_value() or "spreadsheet" in pain.input_value()
    assert interviewer.locator("#pain-0-quote").is_checked()

    # Both type at once, in different fields, before either save has gone out.
    interviewer.get_by_role("textbox", name="What we assumed").press_sequentially(
        "They export the report weekly."
    )
    buddy.get_by_role("textbox", name="What surprised us").press_sequentially(
        "Three hours by hand, every Monday."
    )
    buddy.get_by_role("textbox", name="The metric that tells").fill("Hours spent fixing numbers per week")
    wait_saved(interviewer)
    wait_saved(buddy)

    # Each page shows the other's words without a reload (it polls for new versions).
    surprised = "Three hours by hand, every Monday."
    interviewer.wait_for_function(
        "text => document.getElementById('surprised').value === text", arg=surprised
    )
    buddy.wait_for_function(
        "text => document.getElementById('assumed').value === text", arg="They export the report weekly."
    )
    assert (
        interviewer.get_by_role("textbox", name="What we assumed").input_value()
        == "They export the report weekly."
    )

    # Both edits survived in the store and in the report.
    report = httpx.get(f"{team.url}/api/calls/{call['id']}/report", headers=team.owner.auth).json()
    assert report["debrief"]["assumed"] == "They export the report weekly."
    assert report["debrief"]["surprised"] == surprised
    assert report["debrief"]["next_test"]["metric"] == "Hours spent fixing numbers per week"
    buddy.reload()
    wait_saved(buddy)
    assert (
        buddy.get_by_role("textbox", name="What we assumed").input_value() == "They export the report weekly."
    )

    shoot(interviewer, screenshots, "debrief")
    for size in (WIDE, NARROW):
        interviewer.set_viewport_size(size)
        assert no_horizontal_scroll(interviewer), f"the debrief scrolls sideways at {size['width']} px"

    # The report page shows the debrief and links back to it.
    interviewer.get_by_role("link", name="Open the report").click()
    interviewer.locator("#h-debrief").wait_for()
    assert interviewer.get_by_text(surprised).count() >= 1
    interviewer.get_by_role("link", name="Debrief").first.wait_for()


def test_coach_comment_reaches_the_interviewer_inbox(
    team: Team, launch: Any, console: ConsoleWatch, screenshots: Path
) -> None:
    call = ended_call(team, "Onboarding interview")

    # --- the coach: the list of calls to review, then the call, then a comment on its closed question
    coach = console.watch(launch("coach").new_page(), "coach")
    sign_in(coach, team.url, team.coach.email, team.coach.password)
    coach.get_by_role("link", name="Coach review").click()
    coach.wait_for_url(team.url + "/review")
    listed = coach.locator(".review-calls li", has_text="Onboarding interview")
    listed.wait_for()
    shoot(coach, screenshots, "review-list")
    listed.get_by_role("link", name="Onboarding interview").click()
    coach.wait_for_url(re.compile(rf"/review/{call['id']}$"))
    moment = coach.locator(".moment-card", has_text=CLOSED)
    moment.wait_for()
    assert moment.locator("audio").count() == 1, "a recorded call's moment has its clip"
    assert moment.locator(".around li.here", has_text=CLOSED).count() == 1
    assert moment.get_by_text("Shown live · the buddy found it helpful").count() == 1
    moment.get_by_label("Your comment").fill("This yes/no question closed the topic too early.")
    moment.get_by_label("A better question (optional)").fill("What do you use for this today?")
    moment.get_by_role("button", name="Send to the interviewer").click()
    moment = coach.locator(".moment-card", has_text=CLOSED)
    moment.locator(".comment-body", has_text="closed the topic too early").wait_for()
    moment.get_by_role("button", name="Mark as good example").click()
    coach.locator(".moment-card", has_text=CLOSED).get_by_text("Good example", exact=True).wait_for()
    # "Not a closed question": the coach corrects the detectors.
    moment = coach.locator(".moment-card", has_text=CLOSED)
    moment.get_by_text("Correct the detectors").click()
    moment.get_by_label("The question is").select_option("open")
    moment.get_by_label("Closed question").uncheck()
    moment.get_by_role("button", name="Save the correction").click()
    coach.locator(".moment-card", has_text=CLOSED).get_by_text("Corrected", exact=True).wait_for()
    shoot(coach, screenshots, "review-call")
    for size in (WIDE, NARROW):
        coach.set_viewport_size(size)
        assert no_horizontal_scroll(coach), f"the review scrolls sideways at {size['width']} px"
    # Back on the list: the call has nothing left to review, and the good example is collected.
    coach.get_by_role("link", name="All calls to review").click()
    coach.wait_for_url(team.url + "/review")
    coach.locator("#examples", has_text="Closed question · Onboarding interview").wait_for()
    coach.locator(".review-calls li", has_text="Onboarding interview").get_by_text("All reviewed").wait_for()
    shoot(coach, screenshots, "review-list-after")

    # --- the interviewer: the unread count on home, the inbox, an answer, taken on board
    home = console.watch(launch("interviewer").new_page(), "interviewer")
    sign_in(home, team.url, team.owner.email, team.owner.password)
    count = home.locator("#unread-count")
    count.wait_for()
    assert count.inner_text() == "1"
    shoot(home, screenshots, "home-unread")
    home.get_by_role("link", name="Review inbox, 1 unread").click()
    home.wait_for_url(team.url + "/inbox")
    thread = home.locator(".comment", has_text="closed the topic too early")
    thread.wait_for()
    assert thread.get_by_text("New", exact=True).count() == 1
    assert thread.get_by_text("What do you use for this today?").count() == 1
    shoot(home, screenshots, "inbox")
    for size in (WIDE, NARROW):
        home.set_viewport_size(size)
        assert no_horizontal_scroll(home), f"the inbox scrolls sideways at {size['width']} px"
    thread.get_by_label("Your answer").fill("Agreed, I'll ask how they do it today.")
    thread.get_by_role("button", name="Send answer").click()
    home.locator(".reply", has_text="I'll ask how they do it today").wait_for()
    home.locator(".comment", has_text="closed the topic too early").get_by_role(
        "button", name="Mark as taken on board"
    ).click()
    home.get_by_role("button", name="Taken on board ✓").wait_for()

    # Read: the count on home is gone.
    home.goto(team.url + "/")
    home.locator("#account", has_text="(").wait_for()
    home.wait_for_function("() => document.getElementById('unread-count').hidden")

    # The coach sees the answer and that it was taken on board.
    coach.goto(f"{team.url}/review/{call['id']}")
    moment = coach.locator(".moment-card", has_text=CLOSED)
    moment.locator(".reply", has_text="I'll ask how they do it today").wait_for()
    moment.get_by_text("The interviewer has taken this on board ✓").wait_for()
