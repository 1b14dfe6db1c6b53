"""The home page's list of calls in a real browser: a person with more calls than one page sees the
newest page first and loads older ones with "Show older calls" until every call is listed once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from server.conftest import fake_settings
from server.fakes import FakeEngine, FakeTagger
from server.harness import Account, add_account, serve_in_thread
from server.seed import seed_calls, user_id

from app.main import create_app

from .conftest import ConsoleWatch
from .test_pages_live_call import no_horizontal_scroll, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = 50  # frontend/js/home.js CALLS_PAGE
CALLS = PAGE + 3


@dataclass(frozen=True)
class Busy:
    url: str
    ana: Account


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Busy]:
    data_dir = tmp_path_factory.mktemp("data")
    ana = add_account(data_dir, "ana@example.com", "member", "Ana Alves")
    seed_calls(data_dir, user_id(data_dir, ana.email), "Ana Alves", CALLS)
    app = create_app(fake_settings(data_dir), engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        yield Busy(url, ana)


def test_home_lists_older_calls_a_page_at_a_time(
    busy: Busy, launch: Any, console: ConsoleWatch, screenshots: Path
) -> None:
    page = console.watch(launch("ana").new_page(), "home")
    sign_in(page, busy.url, busy.ana.email, busy.ana.password)
    titles = page.locator("#calls li .title")
    titles.nth(PAGE - 1).wait_for()
    assert titles.count() == PAGE
    assert titles.first.inner_text() == f"Invoices interview {CALLS}"  # the newest first
    more = page.get_by_role("button", name="Show older calls")
    assert more.is_visible()
    shoot(page, screenshots, "home-older-calls")
    page.set_viewport_size({"width": 420, "height": 800})
    assert no_horizontal_scroll(page)
    more.click()
    titles.nth(CALLS - 1).wait_for()
    listed = titles.all_inner_texts()
    assert sorted(listed) == sorted(f"Invoices interview {k}" for k in range(1, CALLS + 1))
    assert listed[-1] == "Invoices interview 1"
    assert more.is_hidden()  # the last page was not full: nothing older
