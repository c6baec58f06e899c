#!/usr/bin/env python3
"""Drive the sandbox with the official m3ter Python SDK (m3ter==0.9.0): a client nobody here wrote.

Reads M3TER_BASE_URL, M3TER_ORG_ID, M3TER_API_KEY and M3TER_API_SECRET (as printed by
`bulk-update sandbox`), runs every IntegrationConfig operation the sandbox emulates through the SDK,
checks the results against the sandbox's own state (GET /_sandbox/state), and exits 1 if any check
fails. The sandbox's key and secret are made-up sandbox credentials.
"""

import asyncio
import base64
import json
import os
import sys
import urllib.request

import m3ter

BASE = os.environ["M3TER_BASE_URL"].rstrip("/")
ORG = os.environ["M3TER_ORG_ID"]
KEY = os.environ["M3TER_API_KEY"]
SECRET = os.environ["M3TER_API_SECRET"]
SPEC_FIELDS = {
    "id", "version", "entityType", "entityId", "destination", "destinationId", "configData", "authorized",
    "enabled", "triggerType", "integrationCredentialsId", "name", "dtCreated", "dtLastModified", "createdBy",
    "lastModifiedBy",
}

failures = []


def check(name, condition, detail=""):
    print(("PASS " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(name)


def admin(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + "/_sandbox/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def state():
    return {c["id"]: c for c in admin("GET", "state")["configs"]}


def expect_error(name, error_type, call, status=None, contains=()):
    try:
        call()
    except error_type as error:
        message = str(getattr(error, "body", None) or error)
        ok = (status is None or error.status_code == status) and all(text in message for text in contains)
        check(name, ok, f"status {getattr(error, 'status_code', None)}, message {message!r}")
        return
    except Exception as error:  # noqa: BLE001 - report any other outcome as a failure
        check(name, False, f"raised {type(error).__name__}: {error}")
        return
    check(name, False, "no exception")


def main():
    client = m3ter.M3ter(api_key=KEY, api_secret=SECRET, org_id=ORG, base_url=BASE)
    strict = client.with_options(max_retries=0)
    admin("POST", "reset")
    before = state()

    # Token, exactly as the SDK fetches it.
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    token = client.authentication.get_bearer_token(
        grant_type="client_credentials", extra_headers={"Authorization": f"Basic {basic}"})
    check("token: access_token, Bearer, expires_in 18000",
          bool(token.access_token) and token.token_type == "Bearer" and token.expires_in == 18000, token)
    bad = m3ter.M3ter(api_key=KEY, api_secret="wrong", org_id=ORG, base_url=BASE, max_retries=0)
    expect_error("token: wrong secret is refused", m3ter.AuthenticationError,
                 lambda: bad.integration_configurations.list(page_size=1), status=401)

    # Auto-paginated list: every config once, newest first, no nextToken on the last page.
    listed = list(client.integration_configurations.list(page_size=7))
    ids = [c.id for c in listed]
    expected = [c["id"] for c in sorted(before.values(), key=lambda c: (c["dtCreated"], c["id"]), reverse=True)]
    check(f"list: auto-pagination returns all {len(before)} configs newest first", ids == expected,
          f"{len(ids)} ids")
    page = client.integration_configurations.list(page_size=200)
    check("list: one page of 200 has no next page", not page.has_next_page() and len(page.data) == len(before))
    destination_id = next(c["destinationId"] for c in before.values() if c["destinationId"])
    filtered = [c.id for c in client.integration_configurations.list(page_size=5, destination_id=destination_id)]
    check("list: destinationId filter", sorted(filtered) == sorted(
        c["id"] for c in before.values() if c["destinationId"] == destination_id))
    raw = client.integration_configurations.with_raw_response.list(page_size=3).http_response.json()
    check("list: every item has every response field of the spec",
          all(set(item) == SPEC_FIELDS for item in raw["data"]), raw["data"][0].keys())
    for size in (0, 201):
        expect_error(f"list: pageSize {size} is a 400", m3ter.BadRequestError,
                     lambda: strict.integration_configurations.list(page_size=size), status=400,
                     contains=("pageSize",))

    # Retrieve: the SDK decodes a run-shaped model (a known spec defect); the body is the config.
    target = expected[0]
    retrieved = client.integration_configurations.with_raw_response.retrieve(target)
    model = retrieved.parse()
    body = retrieved.http_response.json()
    check("retrieve: the SDK parses the response and the id matches", model.id == target)
    check("retrieve: the body is the config", body == before[target], body)

    # Update: full body with the current version -> version + 1.
    current = before[target]
    updated = client.integration_configurations.update(
        target, entity_type=current["entityType"], destination=current["destination"],
        entity_id=current["entityId"] or m3ter.omit, destination_id=current["destinationId"] or m3ter.omit,
        integration_credentials_id=current["integrationCredentialsId"] or m3ter.omit,
        config_data={**current["configData"], "note": "set by the SDK, with \"quotes\", and commas"},
        name="Renamed by the m3ter SDK", version=current["version"])
    after = state()[target]
    check("update: version + 1 and the new values stored",
          updated.version == current["version"] + 1 and after["name"] == "Renamed by the m3ter SDK"
          and after["configData"]["note"].startswith("set by the SDK"), updated)

    # Update with a stale version must raise (400 naming both versions; 409 with the knob).
    stale = lambda: strict.integration_configurations.update(  # noqa: E731
        target, entity_type=current["entityType"], destination=current["destination"], version=current["version"])
    expect_error("update: stale version raises BadRequestError naming both versions", m3ter.BadRequestError, stale,
                 status=400, contains=(f"version {current['version']}", f"version is {current['version'] + 1}"))
    admin("PATCH", "faults", {"versionMismatchStatus": 409})
    expect_error("update: stale version raises ConflictError with the 409 knob", m3ter.ConflictError, stale,
                 status=409)
    admin("PATCH", "faults", {"versionMismatchStatus": 400})
    check("update: a refused update changes nothing", state()[target] == after)
    expect_error("update: entityType with a space is a 400", m3ter.BadRequestError,
                 lambda: strict.integration_configurations.update(
                     target, entity_type="Bill run", destination="Stripe", version=after["version"]), status=400)

    # Enable: no body, enabled = true, version + 1.
    disabled = next(c for c in before.values() if not c["enabled"])
    enabled = client.integration_configurations.enable(disabled["id"])
    check("enable: enabled and version + 1",
          enabled.enabled is True and enabled.version == disabled["version"] + 1, enabled)

    # Create, then delete, then 404.
    created = client.integration_configurations.create(
        entity_type="Notification", destination="Webhook", entity_id="0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
        destination_id="1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", config_data={"url": "https://hooks.example.com/x"},
        name="Created by the SDK")
    check("create: version 1 and stored", created.version == 1 and created.id in state(), created)
    deleted = client.integration_configurations.delete(created.id)
    check("delete: returns the deleted config", deleted.id == created.id and created.id not in state())
    expect_error("retrieve: unknown id raises NotFoundError", m3ter.NotFoundError,
                 lambda: strict.integration_configurations.retrieve(created.id), status=404)
    expect_error("delete: unknown id raises NotFoundError", m3ter.NotFoundError,
                 lambda: strict.integration_configurations.delete(created.id), status=404)

    # Another org's path, and a rate limit the SDK sees as RateLimitError.
    other = "11111111-2222-4333-8444-555555555555"
    expect_error("another org's path raises PermissionDeniedError", m3ter.PermissionDeniedError,
                 lambda: strict.integration_configurations.list(org_id=other, page_size=1), status=403)
    admin("PATCH", "faults", {"rateLimit": 2})
    try:
        expect_error("rate limit: the third request in a second raises RateLimitError", m3ter.RateLimitError,
                     lambda: [strict.integration_configurations.list(page_size=1) for _ in range(6)], status=429)
    finally:
        admin("PATCH", "faults", {"rateLimit": 50})

    # The async client does not fetch a token by itself: hand it one.
    async def async_list():
        async with m3ter.AsyncM3ter(api_key=KEY, api_secret=SECRET, org_id=ORG, base_url=BASE,
                                    token=token.access_token) as client_async:
            return [c.id async for c in client_async.integration_configurations.list(page_size=11)]
    async_ids = asyncio.run(async_list())
    check("async client: auto-paginated list with a token", sorted(async_ids) == sorted(state()))

    stats = admin("GET", "stats")
    print(f"sandbox stats: {stats['totalRequests']} requests, {stats['tokenRequests']} token requests, "
          f"by status {stats['byStatus']}")
    admin("POST", "reset")
    if failures:
        print(f"{len(failures)} SDK conformance check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("all SDK conformance checks passed")


if __name__ == "__main__":
    main()
