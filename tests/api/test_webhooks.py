"""Client systems' webhooks through the API: an admin sets a client's webhook URL (the secret
answered once), a bad URL is a problem that writes nothing, the deliveries list with their
attempts, one is sent again; nobody but an admin sees any of it."""

from __future__ import annotations

from engine.casework.client_systems import create_client
from engine.casework.identity import User
from engine.visibility import Visibility
from tests.api.conftest import MEDIATION_INTAKE, World

ADMIN = User(0, "admin", "admin", "admin", None, [], scope=Visibility(everything=True))
HOOK = {"url": "https://hooks.example.org/fengqiao"}


def test_an_admin_sets_a_webhook_and_follows_its_deliveries(any_world: World) -> None:
    w = any_world
    create_client(w.ctx, ADMIN, "citizen-app")
    put = w.client.put("/api/clients/citizen-app/webhook", json=HOOK, headers=w.h("admin"))
    assert put.status_code == 200, put.text
    assert put.json()["url"] == HOOK["url"] and put.json()["secret"].startswith("whsec_")
    body = {
        "workflow": "mediation",
        "data": MEDIATION_INTAKE,
        "external": {"source": "citizen-app", "ticket": "A-7"},
    }
    opened = w.client.post("/api/cases", json=body, headers=w.h("mediator"))
    case_id = opened.json()["case"]["id"]
    fired = w.client.post(
        f"/api/cases/{case_id}/actions/register",
        json={"expected_version": 1, "data": {}},
        headers=w.h("mediator"),
    )
    assert fired.status_code == 200, fired.text
    listed = w.client.get("/api/webhooks/deliveries", headers=w.h("admin"))
    assert listed.status_code == 200, listed.text
    [item] = listed.json()
    assert (item["client"], item["case_id"], item["status"]) == ("citizen-app", case_id, "pending")
    assert item["payload"]["external_id"] == "A-7"
    assert item["payload"]["new_state"] == "assessment" and item["attempts"] == []
    one = w.client.get(f"/api/webhooks/deliveries/{item['id']}", headers=w.h("admin"))
    assert one.json()["delivery_id"] == item["delivery_id"]
    again = w.client.post(f"/api/webhooks/deliveries/{item['id']}/redeliver", headers=w.h("admin"))
    assert again.status_code == 200 and again.json()["status"] == "pending"
    filtered = w.client.get(
        "/api/webhooks/deliveries", params={"status": "failed"}, headers=w.h("admin")
    )
    assert filtered.json() == []


def test_refusals_are_problems(any_world: World) -> None:
    w = any_world
    create_client(w.ctx, ADMIN, "citizen-app")
    for url in ("ftp://example.org/x", "http://192.168.0.2/hook", "http://localhost/x"):
        r = w.client.put(
            "/api/clients/citizen-app/webhook", json={"url": url}, headers=w.h("admin")
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["pointer"] == "#/webhook_url"
    listed = w.client.get("/api/webhooks/deliveries", headers=w.h("admin"))
    assert listed.json() == []
    missing = w.client.put("/api/clients/nobody/webhook", json=HOOK, headers=w.h("admin"))
    assert missing.status_code == 422
    assert w.client.get("/api/webhooks/deliveries/99", headers=w.h("admin")).status_code == 404
    for who in ("supervisor", "org_admin"):
        assert w.client.get("/api/webhooks/deliveries", headers=w.h(who)).status_code == 403
        r = w.client.put("/api/clients/citizen-app/webhook", json=HOOK, headers=w.h(who))
        assert r.status_code == 403
