"""The scoring API contract: results in order with ids echoed, every status code the issue
names (200, 401, 413, 422), per-item errors that leave the batch intact, and deduplication."""

import json

import pytest

from tests.conftest import make_client, wait_ready


def item(response: str, answer: str = "1/2", **extra) -> dict:
    return {"domain": "math", "response": response, "reference": {"answer": answer}, **extra}


def score(client, items, **kwargs):
    return client.post("/v1/score", json={"items": items}, **kwargs)


def test_results_in_order_with_ids(client):
    items = [
        item("so \\boxed{0.5}", id="a"),
        item("so \\boxed{3}", id=7),
        item("I give up"),
        item("<think>still thinking"),
        item("<think>ok</think> The answer is $\\frac{1}{2}$.", id="e"),
    ]
    r = score(client, items)
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["id"] for x in results] == ["a", 7, None, None, "e"]
    assert [x["status"] for x in results] == ["correct", "incorrect", "no_answer", "no_answer", "correct"]
    assert [x["reward"] for x in results] == [1.0, 0.0, 0.0, 0.0, 1.0]
    assert results[0]["extracted"] == "0.5"
    assert all(x["elapsed_ms"] >= 0 and x["detail"] for x in results)


def test_empty_batch(client):
    r = score(client, [])
    assert r.status_code == 200 and r.json() == {"results": []}


def test_bad_gold_is_that_items_error_and_rest_is_scored(client):
    items = [item("\\boxed{2}", answer="\\frac{"), item("\\boxed{2}", answer="2")]
    results = score(client, items).json()["results"]
    assert results[0]["status"] == "error" and "reference" in results[0]["detail"]
    assert results[1]["status"] == "correct"


def test_identical_items_are_computed_once(client):
    pool = client.app.state.pool
    seen = []
    original = pool.run

    async def spy(jobs):
        seen.append(len(jobs))
        return await original(jobs)

    pool.run = spy
    try:
        r = score(client, [item("\\boxed{1/2}", id=i) for i in range(10)] + [item("\\boxed{3}")])
    finally:
        pool.run = original
    assert seen == [2]
    assert [x["status"] for x in r.json()["results"]] == ["correct"] * 10 + ["incorrect"]
    assert [x["id"] for x in r.json()["results"]][:10] == list(range(10))


@pytest.mark.parametrize(
    "body,fragment",
    [
        ("{not json", "JSON"),
        ({"items": "nope"}, "list"),
        ({"itemz": []}, "items"),
        ({"items": [{"domain": "math", "response": 5, "reference": {"answer": "1"}}]}, "string"),
        (
            {"items": [{"domain": "mth", "response": "x", "reference": {"answer": "1"}}]},
            "valid domains: code, instruction, logic, math, stem",
        ),
        ({"items": [{"domain": "math", "response": "x", "reference": {}}]}, "a math reference takes: answer"),
        ({"items": [{"domain": "math", "response": "x", "reference": {"answr": "1"}}]}, "answer"),
        ({"items": [{"domain": "math", "response": "x", "reference": {"answer": "1"}, "option": {}}]}, "option"),
        ({"items": [item("x", options={"timeout_s": -1})]}, "greater than or equal to 0.1"),
        ({"items": [item("x", options={"timeout_s": 1e6})]}, "at most"),
    ],
)
def test_bad_requests_are_422_naming_the_field(client, body, fragment):
    content = body if isinstance(body, str) else json.dumps(body)
    r = client.post("/v1/score", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert fragment in json.dumps(r.json())


def test_too_many_items_is_422():
    with make_client(max_items=3) as c:
        r = score(c, [item("x")] * 4)
    assert r.status_code == 422
    assert "maximum of 3" in r.text


def test_oversized_body_is_413():
    with make_client(max_body_bytes=2048) as c:
        big = [item("x" * 4000)]
        assert score(c, big).status_code == 413

        def chunks():  # no Content-Length: the limit must still hold
            body = json.dumps({"items": big}).encode()
            for i in range(0, len(body), 500):
                yield body[i : i + 500]

        r = c.post("/v1/score", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert "REWARD_MAX_BODY_BYTES" in r.text
        assert score(c, [item("\\boxed{1/2}")]).status_code == 200


def test_api_key_guards_v1_only():
    with make_client(api_key="s3cret") as c:
        wait_ready(c.get)
        assert score(c, [item("x")]).status_code == 401
        assert score(c, [item("x")], headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/v1/domains").status_code == 401
        ok = score(c, [item("\\boxed{1/2}")], headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "correct"
        assert c.get("/healthz").status_code == 200
        assert c.get("/metrics").status_code == 200


def test_domains_lists_math_with_its_schema(client):
    domains = client.get("/v1/domains").json()["domains"]
    math = next(d for d in domains if d["name"] == "math")
    assert math["reference_schema"]["required"] == ["answer"]


def test_health_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    score(client, [item("\\boxed{1/2}"), item("nothing")])
    text = client.get("/metrics").text
    assert 'reward_items_total{domain="math",status="correct"}' in text
    assert 'reward_items_total{domain="math",status="no_answer"}' in text
    assert 'reward_requests_total{code="200",route="/v1/score"}' in text
    assert "reward_item_seconds_bucket" in text
    assert "reward_worker_restarts_total" in text


def test_readyz_all_waits_for_the_code_sandboxes_when_enabled(client):
    # Sandboxes off (the `client` fixture): every enabled domain is up.
    assert client.get("/readyz?all=true").status_code == 200
    with make_client(sandbox_enabled=True, sandbox_docker_host="unix:///nonexistent/docker.sock") as c:
        wait_ready(c.get)
        assert c.get("/readyz").status_code == 200  # the other domains never wait for code
        held = c.get("/readyz?all=true")
        assert held.status_code == 503 and held.json()["detail"].startswith("code domain: ")


def test_lone_surrogates_come_back_as_valid_utf8(client):
    """JSON may carry a lone surrogate (\\ud800), UTF-8 cannot: echoed text is repaired, not a 500."""
    body = '{"items": [{"id": "\\ud800", "domain": "math", "response": "\\\\boxed{\\ud800}", "reference": {"answer": "1"}}]}'
    r = client.post("/v1/score", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 200
    result = r.json()["results"][0]
    assert result["status"] == "incorrect" and result["id"] == "\ufffd"
