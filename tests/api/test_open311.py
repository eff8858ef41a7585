"""Open311 GeoReport v2 under /open311/v2/, driven with the specification's examples
(https://wiki.open311.org/GeoReport_v2): the documents carry the spec's keys, a request opens
a case on the grid its point or address lies in, its status reads back; bad input answers
the spec's error list and writes nothing; a replayed ticket answers the case it opened; each
client has its own key and rate limit. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree.ElementTree import fromstring

import pytest

from engine.casework.client_systems import create_client
from engine.casework.grid_places import set_grid_area, set_service_route
from engine.casework.identity import User
from engine.routing import GridArea
from engine.store import audit
from engine.store.external_ids import origins_of
from engine.store.parties import parties_of
from engine.visibility import Visibility
from tests.api.conftest import World

ADMIN = User(0, "admin", "admin", "admin", None, [], scope=Visibility(everything=True))
# The keys of the spec's examples: GET services, POST requests, GET requests.
SERVICE_KEYS = {
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
}  # fmt: skip
CREATED_KEYS = {"service_request_id", "service_notice", "account_id"}
REQUEST_KEYS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip


@pytest.fixture
def keys(any_world: World) -> dict[str, str]:
    w = any_world
    set_grid_area(w.ctx, ADMIN, GridArea("g-hp-1-1", 39.95, 116.40, 39.96, 116.41, ("和平里东街",)))
    set_grid_area(w.ctx, ADMIN, GridArea("g-qn-1-1", 39.90, 116.45, 39.92, 116.47))
    set_service_route(w.ctx, ADMIN, "mediation.family", "d-east", "women")
    return {
        "app": create_client(w.ctx, ADMIN, "citizen-app", rate_per_minute=50).key,
        "other": create_client(w.ctx, ADMIN, "other-app", rate_per_minute=2).key,
    }


def spec_example(key: str, **changes: str) -> dict[str, str]:
    """The spec's POST example, in this city: its parameters, a service of ours."""
    params = {
        "api_key": key,
        "service_code": "grid_escalation.sanitation",
        "lat": "39.955",
        "long": "116.405",
        "address_string": "和平里东街8号",
        "email": "smit222@sfgov.edu",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "John",
        "last_name": "Smith",
        "phone": "13912345678",
        "description": "A large sinkhole is forming in the middle of the road",
        "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
    }
    params.update(changes)
    return {k: v for k, v in params.items() if v != "-"}


def case_count(w: World) -> int:
    return int(w.client.get("/api/cases", headers=w.h("admin")).json()["total"])


def test_services_and_their_definitions(any_world: World, keys: dict[str, str]) -> None:
    c = any_world.client
    found = c.get("/open311/v2/services.json", params={"api_key": keys["app"]})
    assert found.status_code == 200 and found.headers["content-type"].startswith("application/json")
    services = found.json()
    assert all(set(s) == SERVICE_KEYS for s in services)
    codes = [s["service_code"] for s in services]
    assert "grid_escalation.sanitation" in codes and "mediation.family" in codes
    assert not any(code.startswith("labor_dispute.") for code in codes)  # opens without one
    family = next(s for s in services if s["service_code"] == "mediation.family")
    assert family["service_name"] == "家庭纠纷" and family["group"] == "人民调解"
    assert family["metadata"] is False and family["type"] == "realtime"
    definition = c.get(
        "/open311/v2/services/mediation.family.json", params={"api_key": keys["app"]}
    ).json()
    assert definition == {"service_code": "mediation.family", "attributes": []}
    xml = fromstring(c.get("/open311/v2/services.xml", params={"api_key": keys["app"]}).content)
    assert xml.tag == "services" and xml[0].tag == "service"
    assert {e.tag for e in xml[0]} == SERVICE_KEYS
    missing = c.get("/open311/v2/services/nothing.here.json", params={"api_key": keys["app"]})
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_a_request_opens_a_case_on_its_grid_and_reads_back(
    any_world: World, keys: dict[str, str]
) -> None:
    w = any_world
    r = w.client.post("/open311/v2/requests.json", data=spec_example(keys["app"]))
    assert r.status_code == 201, r.text
    [created] = r.json()
    assert set(created) == CREATED_KEYS and created["account_id"] is None
    case_id = int(created["service_request_id"])
    case = w.ctx.service.get_case(case_id)
    assert (case.workflow, case.grid_unit, case.org_unit) == ("grid_escalation", "g-hp-1-1", None)
    assert case.opened_by == "client:citizen-app"
    assert case.data["category"] == "sanitation" and case.data["location"] == "和平里东街8号"
    assert case.data["photos"] == [spec_example("")["media_url"]]
    with w.ctx.store.transaction(write=False) as tx:
        [reporter] = parties_of(tx, w.ctx.sealer, case_id)
        origin = origins_of(tx, [case_id])[case_id]
        actions = [(e.action, e.username) for e in audit.entries(tx, case_ids=[case_id])]
    assert (reporter.party_role, reporter.name, reporter.phone) == (
        "reporter",
        "SmithJohn",
        "13912345678",
    )
    assert (origin.lat, origin.long) == (39.955, 116.405)
    assert actions == [("party_added", "client:citizen-app")]

    one = w.client.get(f"/open311/v2/requests/{case_id}.json", params={"api_key": keys["app"]})
    [status] = one.json()
    assert set(status) == REQUEST_KEYS
    assert status["status"] == "open" and status["service_code"] == "grid_escalation.sanitation"
    assert status["agency_responsible"] == "一社区第1网格"
    assert status["status_notes"] and status["media_url"].endswith(".jpg")
    assert status["requested_datetime"].endswith("+00:00")
    listed = w.client.get(
        "/open311/v2/requests.json",
        params={
            "api_key": keys["app"],
            "status": "open",
            "service_code": "grid_escalation.sanitation",
        },
    ).json()
    assert [x["service_request_id"] for x in listed] == [str(case_id)]
    closed = w.client.get(
        "/open311/v2/requests.json", params={"api_key": keys["app"], "status": "closed"}
    ).json()
    assert closed == []
    xml = fromstring(
        w.client.get(f"/open311/v2/requests/{case_id}.xml", params={"api_key": keys["app"]}).content
    )
    assert xml.tag == "service_requests" and xml[0].find("service_request_id").text == str(case_id)  # type: ignore[union-attr]
    # Another client does not read it.
    theirs = w.client.get(f"/open311/v2/requests/{case_id}.json", params={"api_key": keys["other"]})
    assert theirs.status_code == 404


def test_a_request_repeating_an_open_case_opens_its_own_and_its_page_suggests_the_other(
    any_world: World, keys: dict[str, str]
) -> None:
    w = any_world
    first = w.client.post("/open311/v2/requests.json", data=spec_example(keys["app"]))
    again = w.client.post(
        "/open311/v2/requests.json",
        data=spec_example(
            keys["app"], lat="39.9551", long="116.4051", address_string="-", phone="13700000000"
        ),
    )
    assert (first.status_code, again.status_code) == (201, 201)
    one, two = (int(r.json()[0]["service_request_id"]) for r in (first, again))
    assert one != two  # the source system gets its own request's id
    found = w.client.get(f"/api/cases/{two}/duplicates", headers=w.h("admin")).json()["items"]
    [other] = found
    assert other["case_id"] == one and not other["same_caller"]
    assert other["distance_m"] < 50 and other["text_score"] == 1.0  # its point and text


def test_an_address_and_a_category_route_a_mediation_to_its_organisation(
    any_world: World, keys: dict[str, str]
) -> None:
    w = any_world
    params = spec_example(
        keys["app"],
        service_code="mediation.family",
        lat="-",
        long="-",
        address_string="东城区和平里东街12号",
        description="婆媳因房产分配争执",
    )
    r = w.client.post("/open311/v2/requests.json", data=params)
    assert r.status_code == 201, r.text
    case = w.ctx.service.get_case(int(r.json()[0]["service_request_id"]))
    assert (case.workflow, case.org_unit, case.data["source"]) == ("mediation", "women", "hotline")


def test_a_replayed_ticket_answers_the_case_it_opened(
    any_world: World, keys: dict[str, str]
) -> None:
    w = any_world
    first = w.client.post("/open311/v2/requests.json", data=spec_example(keys["app"], ticket="T-1"))
    before = case_count(w)
    again = w.client.post(
        "/open311/v2/requests.json", data=spec_example(keys["app"], ticket="T-1", description="x")
    )
    assert again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert case_count(w) == before


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        ({"api_key": "-"}, 403, "api_key is required"),
        ({"api_key": "not-a-key"}, 403, "invalid api_key"),
        ({"lat": "north"}, 400, "lat: not a number"),
        ({"lat": "NaN"}, 400, "lat: not a number"),
        ({"lat": "91"}, 400, "lat must lie within"),
        ({"long": "-181"}, 400, "long must lie within"),
        ({"long": "-"}, 400, "lat and long come together"),
        ({"lat": "-", "long": "-", "address_string": "-"}, 400, "a location is required"),
        ({"lat": "10", "long": "10", "address_string": "-"}, 400, "in no grid"),
        ({"media_url": "http://x.org/" + "a" * 2100}, 400, "media_url: at most 2000"),
        ({"media_url": "http://x.org/" + "a" * 5000}, 400, "media_url: at most 4000"),
        ({"media_url": "javascript:alert(1)"}, 400, "an http or https URL"),
        ({"description": "-"}, 400, "description is required"),
        ({"service_code": "grid_escalation.nothing"}, 404, "no service"),
        ({"service_code": "-"}, 400, "service_code is required"),
        ({"phone": "1" * 40}, 400, "phone: at most 32"),
        ({"ticket": "T" * 65}, 400, "ticket: a ticket number has 1 to 64"),
    ],
)
def test_bad_input_answers_an_open311_error_and_writes_nothing(
    any_world: World, keys: dict[str, str], changes: dict[str, str], code: int, words: str
) -> None:
    w = any_world
    before = case_count(w)
    params = spec_example(keys["app"], **changes)
    r = w.client.post("/open311/v2/requests.json", data=params)
    assert r.status_code == code, r.text
    [error] = r.json()
    assert error["code"] == code and words in error["description"], error
    assert case_count(w) == before
    xml = w.client.post("/open311/v2/requests.xml", data=params)
    root = fromstring(xml.content)
    assert root.tag == "errors" and root[0].find("code").text == str(code)  # type: ignore[union-attr]


def test_a_huge_body_is_refused_before_it_is_read(any_world: World, keys: dict[str, str]) -> None:
    w = any_world
    r = w.client.post(
        "/open311/v2/requests.json",
        data=spec_example(keys["app"], description="大" * (1 << 20)),
    )
    assert r.status_code == 413


def test_each_client_has_its_own_rate_limit(any_world: World, keys: dict[str, str]) -> None:
    w = any_world

    def ask(key: str) -> Any:
        return w.client.get("/open311/v2/services.json", params={"api_key": key})

    assert [ask(keys["other"]).status_code for _ in range(3)] == [200, 200, 429]
    limited = ask(keys["other"])
    assert limited.json()[0]["code"] == 429 and int(limited.headers["Retry-After"]) >= 1
    assert ask(keys["app"]).status_code == 200  # the other client's limit is its own
    w.clock.advance(timedelta(minutes=1))
    assert ask(keys["other"]).status_code == 200


def test_bad_query_parameters_answer_errors(any_world: World, keys: dict[str, str]) -> None:
    c = any_world.client
    key = keys["app"]
    for params, words in (
        ({"status": "pending"}, "status: open or closed"),
        ({"start_date": "yesterday"}, "start_date: not a W3C"),
        ({"start_date": "2026-11-01T00:00:00"}, "the time zone is required"),
        ({"service_request_id": "1,x"}, "service_request_id"),
    ):
        r = c.get("/open311/v2/requests.json", params={"api_key": key, **params})
        assert r.status_code == 400 and words in r.json()[0]["description"], r.text
    assert c.get("/open311/v2/requests/abc.json", params={"api_key": key}).status_code == 404
    assert c.get("/open311/v2/services.yaml", params={"api_key": key}).status_code == 404


def test_xml_answers_carry_the_declaration_the_spec_asks_for(
    any_world: World, keys: dict[str, str]
) -> None:
    r = any_world.client.get("/open311/v2/services.xml", params={"api_key": keys["app"]})
    assert r.headers["content-type"] == "text/xml; charset=utf-8"
    assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?><services>')
