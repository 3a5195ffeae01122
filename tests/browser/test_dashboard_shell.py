"""The dashboard's shell in a real browser: served by the API itself, logged into with a
token, labelled in Vietnamese or English, Vietnam's map drawn with its archipelagos, and a
revoked token sending the user back to the login page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.browser_support import LiveServer, NewPage, PageWatch, log_in, screenshot


def test_the_dashboard_opens_on_a_login_form_with_nothing_fetched_off_the_loopback(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()

    page.goto(live_server.url("/"))

    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#nav")).to_be_hidden()
    screenshot(page, "login")
    assert page_watch.blocked == []
    assert page_watch.page_errors == []


def test_a_wrong_token_is_refused_next_to_the_token_field(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    page.goto(live_server.url("/"))

    page.fill("#token", "not-a-real-token-but-well-formed")
    page.click("#login-submit")

    expect(page.locator('.problem[data-field="token"]')).to_be_visible()
    expect(page.locator("#nav")).to_be_hidden()
    assert page_watch.page_errors == []


def test_each_role_lands_on_its_own_page_after_login(
    live_server: LiveServer, new_page: NewPage
) -> None:
    homes = {
        "depot_manager": ("stock", "Chủ nhiệm kho"),
        "logistics_officer": ("dispatch", "Sĩ quan hậu cần"),
        "planner": ("plans", "Cán bộ kế hoạch"),
    }
    for role, (home, title) in homes.items():
        page = new_page()
        log_in(page, live_server, role)
        expect(page.locator("#view")).to_have_attribute("data-page", home)
        expect(page.locator("#who")).to_contain_text(title)
        page.close()


def test_switching_to_english_relabels_the_header_and_keeps_vietnam_time(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    log_in(page, live_server, "viewer")
    expect(page.locator('#nav a[data-page="stock"]')).to_have_text("Kho")

    page.click("#lang")

    expect(page.locator('#nav a[data-page="stock"]')).to_have_text("Stock")
    expect(page.locator("#clock")).to_contain_text("Ho Chi Minh")
    page.click("#lang")
    expect(page.locator('#nav a[data-page="map"]')).to_have_text("Bản đồ")
    assert page_watch.page_errors == []


def test_the_map_draws_every_province_with_hoang_sa_and_truong_sa_labelled(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    log_in(page, live_server, "viewer")

    page.goto(live_server.url("/#/map"))

    expect(page.locator("svg.vnmap path.province")).to_have_count(47)
    labels = page.locator("svg.vnmap text.archipelago")
    expect(labels.filter(has_text="Quần đảo Hoàng Sa (Việt Nam)")).to_have_count(1)
    expect(labels.filter(has_text="Quần đảo Trường Sa (Việt Nam)")).to_have_count(1)
    assert page_watch.blocked == []
    assert page_watch.page_errors == []


def test_a_revoked_token_returns_the_user_to_the_login_page(
    live_server: LiveServer, new_page: NewPage
) -> None:
    with live_server.client("admin") as admin:
        made = admin.post("/users", json={"name": "short-lived", "role": "viewer"})
        assert made.status_code == 201
        issued = admin.post("/users/short-lived/tokens").json()
    page = new_page()
    page.goto(live_server.url("/"))
    page.fill("#token", issued["token"])
    page.click("#login-submit")
    page.wait_for_selector("#view[data-loaded]")  # the stock page has made its requests
    with live_server.client("admin") as admin:
        assert admin.delete(f"/tokens/{issued['id']}").status_code == 200

    page.click('#nav a[data-page="map"]')  # the map asks for the province layer

    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#login-form .problem")).to_be_visible()
    assert "expired=1" in page.url
