"""The planner's page (#/plans): today's readiness, stock-levels and procurement runs
started from their forms and followed to the end, the API's problems next to the field,
and a viewer who sees the runs but may start none. Runs are kept small (few scenarios,
short time limits, a two-year horizon) so the module stays quick."""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from api.permissions import PLANNER, VIEWER
from tests.browser.browser_support import LiveServer, NewPage, PageWatch, log_in, screenshot

#: a run from the page may take a while on a shared machine, charts included
RUN_TIMEOUT_MS = 90_000
#: an object URL: a chart or workbook fetched with the token
BLOB = re.compile(r"^blob:")


def _open_plans(page: Page, server: LiveServer, role: str) -> None:
    log_in(page, server, role)
    page.goto(server.url("/#/plans"))
    expect(page.locator("#readiness-served")).to_be_visible(timeout=RUN_TIMEOUT_MS)


def test_planner_starts_a_procurement_run_and_sees_its_years_charts_and_workbook(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    _open_plans(page, live_server, PLANNER)
    expect(page.locator("#procurement-form")).to_be_visible()

    page.fill("#procurement-label", "browser-cut")
    page.fill("#procurement-last_year", str(_this_year() + 1))
    page.fill("#procurement-time_limit_s", "10")
    page.fill("#procurement-readiness_scenarios", "30")
    page.fill("#procurement-cut-percent", "10")
    page.click("#procurement-submit")

    progress = page.locator("#procurement-job-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    assert progress.evaluate("bar => bar.value") == 1

    years = page.locator("#procurement-years tbody tr")
    expect(years).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#procurement-detail h3")).to_contain_text("browser-cut")
    # the what-if is shown with the run
    expect(page.locator("#procurement-detail")).to_contain_text("\N{MINUS SIGN}10")
    for name in ("stock-vs-target", "spend", "readiness"):
        chart = page.locator(f"#procurement-chart-{name}")
        expect(chart).to_have_attribute("src", BLOB, timeout=RUN_TIMEOUT_MS)
        page.wait_for_function(
            "id => document.getElementById(id).naturalWidth > 0", arg=f"procurement-chart-{name}"
        )
    workbook = page.locator("#procurement-workbook")
    expect(workbook).to_have_attribute("href", BLOB, timeout=RUN_TIMEOUT_MS)
    assert workbook.get_attribute("download", timeout=1000) is not None

    # the trend of readiness: today and each year of the run, with its chart
    expect(page.locator("#readiness-trend tbody tr")).to_have_count(3, timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#trend-chart-readiness")).to_have_attribute(
        "src", BLOB, timeout=RUN_TIMEOUT_MS
    )
    expect(page.locator("#procurement-runs")).to_contain_text("browser-cut")
    screenshot(page, "plans", full_page=True)
    assert page_watch.page_errors == []


def test_planner_starts_a_stock_levels_run_reads_it_and_accepts_it(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    _open_plans(page, live_server, PLANNER)

    page.fill("#levels-budget_vnd", "1000000000")
    page.fill("#levels-scenarios", "30")
    page.fill("#levels-seed", "3")
    page.fill("#levels-time_limit_s", "10")
    page.click("#levels-submit")

    progress = page.locator("#levels-job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#levels-before")).to_contain_text("%", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#levels-after")).to_contain_text("%")
    expect(page.locator("#levels-gap")).to_contain_text("%")
    expect(page.locator("#levels-bound b")).not_to_be_empty()
    assert page.locator("#levels-table tbody tr").count() == 15
    assert page.locator("#levels-readiness tbody tr").count() > 1
    expect(page.locator("#levels-chart-by-zone")).to_have_attribute(
        "src", BLOB, timeout=RUN_TIMEOUT_MS
    )

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#levels-accept")
    expect(page.locator("#flash")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#levels-accepted")).to_be_visible()
    expect(page.locator("#levels-accept")).to_have_count(0)
    assert page_watch.page_errors == []


def test_a_negative_budget_shows_the_apis_problem_next_to_the_budget(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    _open_plans(page, live_server, PLANNER)

    page.fill("#levels-budget_vnd", "-5")
    page.click("#levels-submit")

    problem = page.locator("#levels-form .problem")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("greater than or equal to 0")
    assert problem.get_attribute("data-field") == "body.budget_vnd"
    assert page.locator("#levels-budget_vnd + .problem").count() == 1
    expect(page.locator("#levels-budget_vnd")).to_have_class("invalid")
    expect(page.locator("#levels-job-progress")).to_be_hidden()

    # the procurement form's what-if: a negative cut is refused at its own field
    page.fill("#procurement-cut-percent", "-5")
    page.click("#procurement-submit")
    expect(page.locator("#procurement-cut-percent + .problem")).to_contain_text("0 to 100")
    assert page_watch.page_errors == []


def test_a_viewer_sees_the_runs_but_no_form_to_start_one(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    with live_server.client(PLANNER) as client:
        started = client.post(
            "/stock-levels/runs",
            json={"budget_vnd": 500_000_000, "scenarios": 20, "seed": 7, "time_limit_s": 10},
        )
        assert started.status_code == 202, started.text
        job_id, run_id = started.json()["job_id"], started.json()["run_id"]
        deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
        while client.get(f"/jobs/{job_id}").json()["status"] in {"queued", "running"}:
            assert time.monotonic() < deadline, "the stock-levels job did not finish"
            time.sleep(0.5)

    page = new_page()
    _open_plans(page, live_server, VIEWER)

    expect(page.locator(f'#levels-runs a[data-run="{run_id}"]')).to_be_visible()
    assert page.locator("#levels-form").count() == 0
    assert page.locator("#procurement-form").count() == 0

    page.click(f'#levels-runs a[data-run="{run_id}"]')
    expect(page.locator("#levels-after")).to_contain_text("%", timeout=RUN_TIMEOUT_MS)
    assert page.locator("#levels-accept").count() == 0

    # the same page in English
    page.click("#lang")
    expect(page.locator("#view h1")).to_have_text("Stock planning")
    expect(page.locator("#readiness h2")).to_have_text("Readiness today")
    expect(page.locator(f'#levels-runs a[data-run="{run_id}"]')).to_be_visible()
    assert page_watch.page_errors == []


def _this_year() -> int:
    """This year in Asia/Ho_Chi_Minh, as the API counts the procurement horizon's start."""
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
