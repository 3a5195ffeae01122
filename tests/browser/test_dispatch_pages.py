"""The logistics officer's pages in a real browser: declare an incident by clicking the
map near Hà Nội, request a plan, read its pick list and routes, confirm it (once, however
often the button is clicked), and the map page that draws the plan's routes."""

from __future__ import annotations

import math
import re
from uuid import uuid4

from playwright.sync_api import Page, Request, Route, expect

from api.permissions import OFFICER, VIEWER
from tests.browser.browser_support import LiveServer, NewPage, PageWatch, log_in, screenshot

#: vnmap.js's projection: SVG units per degree, origin and the squeeze at 16° N
K = 100
LON0 = 101.5
LAT0 = 24.0
COS = math.cos(16 * math.pi / 180)
#: a point in Hà Nội, clear of the D-HNI depot's dot
HANOI = (21.05, 105.72)


def _click_map(page: Page, lat: float, lon: float) -> None:
    """Click the dispatch map's SVG where (lat, lon) is drawn."""
    x, y = (lon - LON0) * K * COS, (LAT0 - lat) * K
    screen = page.evaluate(
        """([x, y]) => {
            const svg = document.querySelector('#dispatch-map svg.vnmap');
            const p = svg.createSVGPoint();
            p.x = x; p.y = y;
            const q = p.matrixTransform(svg.getScreenCTM());
            return [q.x, q.y];
        }""",
        [x, y],
    )
    page.mouse.click(screen[0], screen[1])


def _posts(page: Page, fragment: str) -> list[str]:
    """The POSTs the page sends whose URL contains `fragment` (recorded from now on)."""
    seen: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST" and fragment in request.url:
            seen.append(request.url)

    page.on("request", record)
    return seen


def _declared_and_planned(live_server: LiveServer, point: tuple[float, float]) -> tuple[int, int]:
    """A provincial chemical release declared at `point` and its draft plan, through the
    API as an officer: (incident id, plan id)."""
    with live_server.client(OFFICER) as client:
        body = {
            "incident_type": "chemical_release",
            "level": "provincial",
            "location": {"lat": point[0], "lon": point[1]},
            "template": "chemical_release.provincial",
        }
        made = client.post("/incidents", json=body, headers={"Idempotency-Key": str(uuid4())})
        assert made.status_code == 201, made.text
        incident = int(made.json()["id"])
        key = {"Idempotency-Key": str(uuid4())}
        plan = client.post(f"/incidents/{incident}/dispatch-plans", json={}, headers=key)
        assert plan.status_code in (200, 201), plan.text
        return incident, int(plan.json()["id"])


def _open_dispatch(page: Page, live_server: LiveServer) -> None:
    log_in(page, live_server, OFFICER)
    page.goto(live_server.url("/#/dispatch"))
    page.wait_for_selector("#dispatch-map svg.vnmap path.province")


def test_officer_declares_plans_and_confirms_an_incident(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    _open_dispatch(page, live_server)
    incident_posts = _posts(page, "/incidents")

    _click_map(page, *HANOI)
    lat = float(page.input_value("#incident-form [name=lat]"))
    lon = float(page.input_value("#incident-form [name=lon]"))
    assert abs(lat - HANOI[0]) < 0.05 and abs(lon - HANOI[1]) < 0.05, (lat, lon)
    page.select_option("#incident-form [name=incident_type]", "chemical_release")
    page.select_option("#incident-form [name=level]", "provincial")
    page.select_option("#incident-form [name=template]", "chemical_release.provincial")
    page.click("#declare")
    page.wait_for_selector("#request-plan")
    incident_id = int(page.get_attribute("#incident-title", "data-id") or "0")
    assert incident_id > 0
    assert incident_posts == [live_server.url("/incidents")]

    page.click("#request-plan")
    page.wait_for_selector("#plan #plan-status")
    assert page.inner_text("#plan-status") == "draft"
    picks = page.locator("#pick-lists table tbody tr")
    assert picks.count() > 0
    first = picks.first.locator("td").all_inner_texts()
    assert first[0].startswith("D-") and first[1] and first[2] and int(first[3]) > 0
    stops = page.locator("#routes table tbody tr.delivery")
    assert stops.count() > 0
    assert page.locator("#dispatch-map path.ln.route").count() > 0
    assert page.locator("#vehicle-timeline .lane .bar").count() > 0

    confirm_posts = _posts(page, "/confirm")
    page.dblclick("#confirm-plan")
    page.wait_for_function("document.querySelector('#plan-status').textContent === 'confirmed'")
    page.wait_for_timeout(300)
    assert len(confirm_posts) == 1, confirm_posts
    assert page.locator("#confirm-plan").count() == 0
    screenshot(page, "dispatch", full_page=True)

    with live_server.client(OFFICER) as client:
        plans = client.get(f"/incidents/{incident_id}/dispatch-plans").json()
        live = [p for p in plans if p["status"] == "confirmed"]
        assert len(live) == 1
        depot = live[0]["pick_lists"][0]["depot"]
        item = live[0]["pick_lists"][0]["lines"][0]["item"]
        stock = client.get("/stock", params={"depot": depot, "item": item}).json()
        reserved = sum(row["reserved"] for row in stock["items"])
        assert reserved > 0, stock

    # the reservation, as the depot's stock page shows it
    page.goto(live_server.url(f"/#/stock?depot={depot}"))
    page.wait_for_selector(f"#view[data-loaded='{depot}']")
    cell = page.locator(f'#stock-table tr[data-item="{item}"] td.reserved')
    expect(cell).to_have_text(re.compile(r"\d"))
    shown = int(re.sub(r"\D", "", cell.inner_text()))
    assert shown == reserved

    # the page again from its address: the confirmed plan, with its next step
    page.goto(live_server.url(f"/#/dispatch?incident={incident_id}"))
    page.wait_for_selector("#plan-status[data-status=confirmed]")
    assert page.locator("#dispatch-plan").is_visible()

    # the map page: a hazard zone (far off, small, lifted after) and the plan's routes
    with live_server.client(OFFICER) as client:
        zone = {"kind": "zone_circle", "centre": [9.0, 105.0], "radius_km": 2, "reason": "test"}
        made = client.post(
            "/network/closures", json=zone, headers={"Idempotency-Key": str(uuid4())}
        )
        assert made.status_code == 201, made.text
    try:
        page.goto(live_server.url(f"/#/map?incident={incident_id}"))
        page.wait_for_selector("#map-routes li")
        assert page.locator("#ops-map .layer-zones ellipse.zone").count() == 1
    finally:
        with live_server.client(OFFICER) as client:
            closure = made.json()["id"]
            key = {"Idempotency-Key": str(uuid4())}
            lifted = client.delete(f"/network/closures/{closure}", headers=key)
            assert lifted.status_code in (200, 204), lifted.text
    assert page.locator("#ops-map .layer-depots circle.depot").count() > 0
    assert page.locator("#ops-map .layer-hazards circle.hazard").count() > 0
    assert page.locator("#ops-map .layer-routes path.route title").count() > 0
    assert "ETA" in page.inner_text("#map-routes")
    assert page.locator("#map-legend").is_visible()
    screenshot(page, "map")
    assert page_watch.page_errors == []


def test_an_invalid_latitude_is_shown_by_its_field_and_posts_nothing(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    _open_dispatch(page, live_server)
    posts = _posts(page, "/incidents")
    page.fill("#incident-form [name=lat]", "95")
    page.fill("#incident-form [name=lon]", "105.8")
    page.click("#declare")
    problem = page.locator("#incident-form [name=lat] + .problem")
    problem.wait_for()
    assert "90" in problem.inner_text()
    assert posts == []

    # a point off Vietnam: the API's problem lands by the location fieldset
    page.fill("#incident-form [name=lat]", "5")
    page.fill("#incident-form [name=lon]", "100")
    page.click("#declare")
    located = page.locator("#incident-form fieldset[name=location] + .problem")
    located.wait_for()
    assert "outside Vietnam" in located.inner_text()
    assert len(posts) == 1
    assert page_watch.page_errors == []


def test_a_viewer_sees_no_declare_button(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    log_in(page, live_server, VIEWER)
    page.goto(live_server.url("/#/dispatch"))
    page.wait_for_selector("#incident-form #read-only")
    assert page.locator("#declare").count() == 0
    assert page_watch.page_errors == []


def test_an_officer_dispatches_and_then_delivers_a_confirmed_plan_from_its_page(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    incident, plan_id = _declared_and_planned(live_server, (21.03, 105.85))
    with live_server.client(OFFICER) as client:
        key = {"Idempotency-Key": str(uuid4())}
        confirmed = client.post(f"/dispatch-plans/{plan_id}/confirm", headers=key)
        assert confirmed.status_code == 200, confirmed.text
    page = new_page()
    log_in(page, live_server, OFFICER)
    page.goto(live_server.url(f"/#/dispatch?incident={incident}"))
    page.wait_for_selector("#plan-status[data-status=confirmed]")

    page.click("#dispatch-plan")
    page.wait_for_selector("#plan-status[data-status=dispatched]")
    page.click("#deliver-plan")
    page.wait_for_selector("#plan-status[data-status=delivered]")

    with live_server.client(OFFICER) as client:
        assert client.get(f"/dispatch-plans/{plan_id}").json()["status"] == "delivered"
    assert page.locator("#dispatch-plan").count() == 0
    assert page.locator("#deliver-plan").count() == 0
    assert page_watch.page_errors == []


def test_a_phu_quoc_plan_shows_each_truck_crossing_on_the_ferry(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    incident_id, _plan = _declared_and_planned(live_server, (10.2, 103.97))
    page = new_page()
    log_in(page, live_server, OFFICER)
    page.goto(live_server.url(f"/#/dispatch?incident={incident_id}"))
    page.wait_for_selector("#plan #plan-status")
    deliveries = page.locator("#routes table tbody tr.delivery")
    assert deliveries.count() > 0
    for n in range(deliveries.count()):
        legs = deliveries.nth(n).locator(".leg.ferry")
        expect(legs.first).to_contain_text("Phú Quốc")
        expect(legs.first).to_contain_text(re.compile("Phà|Ferry"))
    screenshot(page, "dispatch-ferry", full_page=True)
    assert page_watch.page_errors == []


def test_a_slow_first_page_never_paints_over_the_incident_page_opened_after_it(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    """The officer's home page (dispatch) starts rendering at login; when the incident's
    page is opened before that first render's request answers, the first render must not
    replace the incident page when its answer comes (CI saw this as a missing plan)."""
    incident, _plan = _declared_and_planned(live_server, (21.02, 105.80))
    page = new_page()
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/scenario-templates", hold_the_first)
    log_in(page, live_server, OFFICER)
    assert len(held) == 1  # the home page's render waits on it
    page.goto(live_server.url(f"/#/dispatch?incident={incident}"))
    page.wait_for_selector("#plan #plan-status")
    with page.expect_response("**/scenario-templates"):
        held[0].continue_()
    page.wait_for_timeout(300)  # the first render's remaining awaits are already answered
    expect(page.locator("#plan #plan-status")).to_be_visible()
    expect(page.locator("#incident-title")).to_have_attribute("data-id", str(incident))
    assert page_watch.page_errors == []
