"""The depot manager's stock page (issue 14) in a real browser: its depot's stock with the
alerts highlighted, the filters, an item's stock card with its running balance, the
transfers on their way in, and English labels with times still in Vietnam's time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from api.permissions import ADMIN, MANAGER, VIEWER
from tests.browser.browser_support import LiveServer, NewPage, PageWatch, log_in, screenshot

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DEPOT = "D-HNI"  # the depot manager's depot (tests/browser/conftest.py DEPOTS)
ITEM = "DEC-ABS"


def _get(server: LiveServer, path: str, **query: Any) -> Any:
    with server.client(ADMIN) as client:
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        return response.json()


def _number(text: str) -> int:
    """A number as the page shows it (dots or commas group the thousands)."""
    return int(text.strip().replace(".", "").replace(",", "").replace("\u00a0", ""))


def _open_stock(page: Page, server: LiveServer, hash_query: str = "") -> None:
    log_in(page, server, MANAGER)
    page.wait_for_selector(f'#view[data-loaded="{DEPOT}"] #stock-table tr[data-item]')
    if hash_query:
        page.goto(server.url(f"/#/stock?{hash_query}"))
        page.wait_for_selector(f'#view[data-loaded="{DEPOT}"] #stock-table tr[data-item]')


def _vietnam_clock(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%H:%M")


def test_a_depot_manager_logs_in_and_sees_its_depots_stock_with_alerts_highlighted(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    reference = f"browser-stock-{uuid.uuid4().hex[:8]}"
    with live_server.client(ADMIN) as client:
        shipped = client.post(
            "/movements",
            json={
                "type": "transfer",
                "from_depot": "D-BHA",
                "to_depot": DEPOT,
                "item": ITEM,
                "quantity": 2,
                "reference": reference,
            },
            headers={"Idempotency-Key": reference},
        )
        assert shipped.status_code == 201, shipped.text
    alerts = _get(live_server, "/alerts", depot=DEPOT)
    stock = _get(live_server, "/stock", depot=DEPOT, limit=1000)["items"]
    page = new_page()
    _open_stock(page, live_server)

    assert page.input_value("#stock-depot") == DEPOT
    assert page.locator("#stock-table tbody tr[data-item]").count() == len(stock)
    for alert in alerts:
        if not alert["item"]:
            continue
        row = page.locator(f'#stock-table tr[data-item="{alert["item"]}"]')
        assert row.locator(f'.badge[data-alert="{alert["kind"]}"]').count() == 1, alert
        assert "alert-" in (row.get_attribute("class") or ""), alert
    expired = next(a for a in alerts if a["kind"] == "expired")
    assert "alert-red" in (
        page.locator(f'#stock-table tr[data-item="{expired["item"]}"]').get_attribute("class") or ""
    )
    for kind in ("below_min", "expired", "expiring", "calibration_due", "unserviceable"):
        shown = page.locator(f'#stock-kpis .kpi[data-kind="{kind}"] b').inner_text()
        assert _number(shown) == sum(a["kind"] == kind for a in alerts), kind
    row = next(r for r in stock if r["item"] == ITEM)
    cells = page.locator(f'#stock-table tr[data-item="{ITEM}"]')
    assert _number(cells.locator("td.reserved").inner_text()) == row["reserved"]
    assert _number(cells.locator("td.on-hand").inner_text()) == row["on_hand"]
    policy = _get(live_server, "/stock-policies", depot=DEPOT, item=ITEM)["items"][0]
    assert _number(cells.locator("td.min").inner_text()) == policy["min"]

    inbound = page.locator("#stock-inbound tbody tr[data-transfer]")
    assert inbound.count() >= 1
    ours = page.locator("#stock-inbound tbody tr", has_text=reference)
    assert ours.count() == 1
    assert "D-BHA" in ours.inner_text()
    assert page_watch.page_errors == []


def test_a_viewer_starts_at_the_first_depot_and_may_switch_to_another(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    first = _get(live_server, "/depots")[0]["code"]
    other = _get(live_server, "/stock", depot=DEPOT, limit=1000)["total"]
    page = new_page()
    log_in(page, live_server, VIEWER)
    page.wait_for_selector(f'#view[data-loaded="{first}"] #stock-table tr[data-item]')
    assert page.input_value("#stock-depot") == first

    page.select_option("#stock-depot", DEPOT)
    page.wait_for_selector(f'#view[data-loaded="{DEPOT}"] #stock-table tr[data-item]')
    assert page.locator("#stock-table tbody tr[data-item]").count() == other
    assert f"depot={DEPOT}" in page.url
    assert page_watch.page_errors == []


def test_filtering_by_item_narrows_the_table(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    _open_stock(page, live_server)
    rows = page.locator("#stock-table tbody tr[data-item]")
    everything = rows.count()

    page.fill("#stock-search", ITEM)
    assert rows.count() == 1
    assert rows.first.get_attribute("data-item") == ITEM
    page.fill("#stock-search", "hấp thụ")  # its Vietnamese name, with diacritics
    assert ITEM in [rows.nth(i).get_attribute("data-item") for i in range(rows.count())]
    assert rows.count() < everything
    page.fill("#stock-search", "")
    assert rows.count() == everything

    detection = _get(live_server, "/stock", depot=DEPOT, category="detection", limit=1000)
    page.select_option("#stock-category", "detection")
    page.wait_for_selector(f'#view[data-loaded="{DEPOT}"]')
    shown = sorted(rows.nth(i).get_attribute("data-item") or "" for i in range(rows.count()))
    assert shown == sorted(r["item"] for r in detection["items"])
    assert page_watch.page_errors == []


def test_opening_an_item_shows_its_stock_card_with_a_running_balance(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    detail = _get(live_server, f"/stock/{DEPOT}/{ITEM}")
    card = _get(live_server, "/movements", depot=DEPOT, item=ITEM, limit=200)
    page = new_page()
    _open_stock(page, live_server)

    page.click(f'#stock-table tr[data-item="{ITEM}"]')
    page.wait_for_selector("#stock-movements tbody tr[data-movement]")
    assert page.locator(f'#stock-table tr[data-item="{ITEM}"].selected').count() == 1
    lots = page.locator("#stock-lots tbody tr[data-lot]")
    assert sorted(lots.nth(i).get_attribute("data-lot") or "" for i in range(lots.count())) == (
        sorted(lot["lot_no"] for lot in detail["lots"])
    )
    balances = page.locator("#stock-movements td.balance")
    assert [_number(balances.nth(i).inner_text()) for i in range(balances.count())] == [
        line["balance"] for line in card["items"]
    ]
    assert _number(balances.last.inner_text()) == detail["on_hand"]
    first_time = page.locator("#stock-movements td.time").first.inner_text()
    assert _vietnam_clock(card["items"][0]["posted_at"]) in first_time
    assert "#/stock?" in page.url and f"item={ITEM}" in page.url

    page.click("#stock-card-close")
    assert page.locator("#stock-card").is_hidden()
    assert page_watch.page_errors == []


def test_switching_to_english_shows_english_labels_and_item_names_while_times_stay_in_vietnam_time(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    item = next(i for i in _get(live_server, "/items") if i["code"] == ITEM)
    card = _get(live_server, "/movements", depot=DEPOT, item=ITEM, limit=200)
    page = new_page()
    _open_stock(page, live_server, f"depot={DEPOT}&item={ITEM}")
    page.wait_for_selector("#stock-movements tbody tr[data-movement]")
    name = page.locator(f'#stock-table tr[data-item="{ITEM}"] td.name')
    assert name.inner_text() == item["name_vi"]
    assert "Tồn" in page.locator("#stock-table thead").inner_text()

    page.click("#lang")
    page.wait_for_function(
        "document.querySelector('#stock-table thead')?.innerText.includes('On hand')"
    )
    page.wait_for_selector("#stock-movements tbody tr[data-movement]")
    assert name.inner_text() == item["name_en"]
    assert "Reserved" in page.locator("#stock-table thead").inner_text()
    assert "Below min" in page.locator("#stock-kpis").inner_text()
    assert "Stock card" in page.locator("#stock-card h2").first.inner_text()
    first_time = page.locator("#stock-movements td.time").first.inner_text()
    assert _vietnam_clock(card["items"][0]["posted_at"]) in first_time
    screenshot(page, "stock")
    assert page_watch.page_errors == []
