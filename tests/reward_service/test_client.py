"""RewardClient: batches in order, bounded concurrency, round-robin, retries and failover, 422
bisection and failures as None, first against `httpx.MockTransport`, then against a real
`prorl serve`, including one that goes down between calls and comes back on the same port."""

import asyncio
import json
import logging
import subprocess
import threading
import time

import httpx
import pytest
from prometheus_client import REGISTRY

from reward_service.client import AuthError, RewardClient
from tests.conftest import free_port, start_server, stop_servers, wait_ready
from tests.reward_service.api.test_score import item

A, B = "http://a.test", "http://b.test"


def answer(request: httpx.Request) -> httpx.Response:
    """A healthy fake service: reward 1 when the response equals the reference answer."""
    items = json.loads(request.content)["items"]
    if any(it["domain"] != "math" for it in items):
        errors = [
            {"loc": ["body", "items", i, "domain"], "msg": f"unknown domain {it['domain']!r}", "type": "value_error"}
            for i, it in enumerate(items)
            if it["domain"] != "math"
        ]
        return httpx.Response(422, json={"detail": errors})
    results = [
        {
            "id": it.get("id"),
            "reward": float(it["response"] == it["reference"]["answer"]),
            "status": "correct" if it["response"] == it["reference"]["answer"] else "incorrect",
            "extracted": it["response"],
            "detail": "fake",
            "elapsed_ms": 0.1,
        }
        for it in items
    ]
    return httpx.Response(200, json={"results": results})


def items(n: int) -> list[dict]:
    return [{"id": i, "domain": "math", "response": str(i % 3), "reference": {"answer": "0"}} for i in range(n)]


def rewards(n: int) -> list[float]:
    return [1.0 if i % 3 == 0 else 0.0 for i in range(n)]


def make(handler, urls=A, **kwargs) -> RewardClient:
    kwargs = {"backoff_s": 0.001, "max_backoff_s": 0.002, **kwargs}
    return RewardClient(urls, transport=httpx.MockTransport(handler), **kwargs)


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_results_in_input_order_across_batches():
    sizes = []

    async def handler(request):
        batch = json.loads(request.content)["items"]
        sizes.append(len(batch))
        await asyncio.sleep(0.03 if batch[0]["id"] == 0 else 0)  # the first batch finishes last
        return answer(request)

    results = make(handler, batch_size=256, concurrency=3).score_sync(items(600))
    assert sorted(sizes) == [88, 256, 256]
    assert [r.id for r in results] == list(range(600))
    assert [r.reward for r in results] == rewards(600)


def test_concurrency_is_bounded():
    inflight, peak = 0, 0

    async def handler(request):
        nonlocal inflight, peak
        inflight += 1
        peak = max(peak, inflight)
        await asyncio.sleep(0.01)
        inflight -= 1
        return answer(request)

    results = make(handler, batch_size=2, concurrency=3).score_sync(items(20))
    assert peak == 3
    assert [r.reward for r in results] == rewards(20)


def test_batches_go_round_robin_over_urls():
    hosts = []

    def handler(request):
        hosts.append(request.url.host)
        return answer(request)

    make(handler, [A, B], batch_size=5, concurrency=1).score_sync(items(20))
    assert hosts == ["a.test", "b.test"] * 2


def test_503_then_200_is_retried_and_counted():
    calls = []

    def handler(request):
        calls.append(request.url.host)
        return httpx.Response(503, json={"detail": "starting"}) if len(calls) == 1 else answer(request)

    retries = sample("reward_client_retries_total")
    unavailable = sample("reward_client_requests_total", outcome="http_503")
    client = make(handler)
    results = client.score_sync(items(10))
    assert [r.reward for r in results] == rewards(10)
    assert calls == ["a.test", "a.test"]  # one URL: the retry goes back to it once it is the only choice
    assert client.pop_stats() == {"requests": 2, "retries": 1, "failovers": 0, "failed_items": 0}
    assert client.pop_stats() == {"requests": 0, "retries": 0, "failovers": 0, "failed_items": 0}
    assert sample("reward_client_retries_total") == retries + 1
    assert sample("reward_client_requests_total", outcome="http_503") == unavailable + 1


def test_connection_error_fails_over_and_the_failed_url_cools_down():
    hosts = []

    def handler(request):
        hosts.append(request.url.host)
        if request.url.host == "a.test":
            raise httpx.ConnectError("connection refused", request=request)
        return answer(request)

    client = make(handler, [A, B], batch_size=4, concurrency=1)
    results = client.score_sync(items(12))
    assert [r.reward for r in results] == rewards(12)
    assert hosts == ["a.test", "b.test", "b.test", "b.test"]  # A is tried once, then avoided
    assert client.stats.failovers == 1 and client.stats.retries == 1


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ReadTimeout, 502, 503, 504])
def test_everything_failing_gives_none_after_bounded_attempts(failure, caplog):
    calls = []

    def handler(request):
        calls.append(request.url.host)
        if isinstance(failure, int):
            return httpx.Response(failure, text="upstream trouble")
        raise failure("down", request=request)

    failed = sample("reward_client_failed_items_total")
    client = make(handler, [A, B], batch_size=4, max_retries=2)
    with caplog.at_level(logging.WARNING, logger="reward_service.client"):
        results = client.score_sync(items(12))
    assert results == [None] * 12
    assert len(calls) == 3 * 3  # 3 batches, 1 try + 2 retries each
    assert client.stats.failed_items == 12 and client.stats.retries == 6
    assert sample("reward_client_failed_items_total") == failed + 12
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 3 and all("gave up after 3 attempts" in e for e in errors)
    reason = str(failure) if isinstance(failure, int) else failure.__name__
    assert all(reason in e for e in errors), errors


@pytest.mark.parametrize("bad", [[13], [0, 19], [4, 5], list(range(20))])
def test_422_bisection_isolates_exactly_the_bad_items(bad, caplog):
    sent = []

    def handler(request):
        sent.append(len(json.loads(request.content)["items"]))
        return answer(request)

    batch = items(20)
    for i in bad:
        batch[i] = {**batch[i], "domain": "chess"}
    client = make(handler, batch_size=20)
    with caplog.at_level(logging.ERROR, logger="reward_service.client"):
        results = client.score_sync(batch)
    assert [i for i, r in enumerate(results) if r is None] == bad
    good = [i for i in range(20) if i not in bad]
    assert [results[i].id for i in good] == good
    assert [results[i].reward for i in good] == [rewards(20)[i] for i in good]
    assert client.stats.failed_items == len(bad) and client.stats.retries == 0
    assert len(sent) <= 2 * len(bad) * 5 + 1  # about log2(20) levels per bad item, not one request per item
    assert sum("unknown domain 'chess'" in r.getMessage() for r in caplog.records) == len(bad)


def test_retry_after_is_honoured_when_the_same_replica_must_be_asked_again(monkeypatch):
    waits, calls = [], []
    real_sleep = asyncio.sleep

    async def sleep(seconds):
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("reward_service.client.asyncio.sleep", sleep)

    def handler(request):
        calls.append(request.url.host)
        if len(calls) == 1:
            return httpx.Response(503, json={"detail": "busy"}, headers={"Retry-After": "7"})
        return answer(request)

    assert [r.reward for r in make(handler).score_sync(items(3))] == rewards(3)
    assert waits == [7.0]  # not the 1 ms backoff: the server said when to come back
    waits.clear()
    calls.clear()
    assert [r.reward for r in make(handler, [A, B]).score_sync(items(3))] == rewards(3)
    assert calls == ["a.test", "b.test"] and waits[0] < 1  # another replica may take it at once


def test_a_500_is_bisected_so_one_poisoned_item_loses_only_itself(caplog):
    def handler(request):
        batch = json.loads(request.content)["items"]
        if any(it["id"] == 7 for it in batch):
            return httpx.Response(500, text="Internal Server Error")
        return answer(request)

    with caplog.at_level(logging.ERROR, logger="reward_service.client"):
        results = make(handler, batch_size=16).score_sync(items(16))
    assert [i for i, r in enumerate(results) if r is None] == [7]
    assert [results[i].reward for i in range(16) if i != 7] == [rewards(16)[i] for i in range(16) if i != 7]


@pytest.mark.parametrize("status", [400, 404, 413])
def test_other_statuses_are_not_retried(status, caplog):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(status, json={"detail": "missing or wrong API key"})

    client = make(handler, [A, B], batch_size=5)
    with caplog.at_level(logging.ERROR, logger="reward_service.client"):
        results = client.score_sync(items(10))
    assert results == [None] * 10
    assert len(calls) == 2 and client.stats.retries == 0 and client.stats.failed_items == 10
    assert all(f"HTTP {status}" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("key", [None, "wrong"])
def test_a_refused_key_raises_at_once_instead_of_missing_rewards(status, key):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(
            status, json={"detail": "missing or wrong API key: send 'Authorization: Bearer <REWARD_API_KEY>'"}
        )

    client = make(handler, [A, B], batch_size=5, api_key=key)
    with pytest.raises(AuthError) as refused:
        client.score_sync(items(10))
    assert client.stats.retries == 0 and len(calls) <= 2
    why = "refused our API key" if key else "requires an API key and none was given"
    assert why in str(refused.value) and f"HTTP {status}" in str(refused.value)


def test_ready_checks_the_key_before_any_work():
    def handler(request):
        if request.url.path == "/readyz":
            return httpx.Response(200, json={"status": "ready"})
        return httpx.Response(401, json={"detail": "missing or wrong API key"})

    with pytest.raises(AuthError, match="requires an API key and none was given"):
        asyncio.run(make(handler).ready(timeout_s=5))


def test_api_key_is_sent_as_bearer_token():
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return answer(request)

    make(handler, api_key="s3cret").score_sync(items(3))
    make(handler).score_sync(items(3))
    assert seen == ["Bearer s3cret", None]


def test_async_use_and_empty_input():
    calls = []

    def handler(request):
        calls.append(request)
        return answer(request)

    async def main():
        async with make(handler, batch_size=3) as client:
            return await client.score([]), await client.score(items(7))

    empty, results = asyncio.run(main())
    assert empty == [] and [r.reward for r in results] == rewards(7)
    assert len(calls) == 3


def test_score_sync_from_a_thread_and_not_inside_a_loop():
    out = {}
    client = make(answer)
    thread = threading.Thread(target=lambda: out.update(results=client.score_sync(items(5))))
    thread.start()
    thread.join(timeout=30)
    assert [r.reward for r in out["results"]] == rewards(5)

    async def inside_loop():
        client.score_sync(items(1))

    with pytest.raises(RuntimeError, match="await score"):
        asyncio.run(inside_loop())


def test_ready_waits_for_any_url():
    def handler(request):
        if request.url.host == "a.test":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"status": "ready"})

    assert asyncio.run(make(handler, [A, B]).ready(timeout_s=5)) == B

    def starting(request):
        return httpx.Response(503, json={"status": "starting"})

    with pytest.raises(TimeoutError, match=r"a\.test: HTTP 503.*b\.test: HTTP 503"):
        asyncio.run(make(starting, [A, B]).ready(timeout_s=0.3))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"base_urls": []}, "at least one URL"),
        ({"base_urls": "localhost:8000"}, "http://"),
        ({"batch_size": 0}, "batch_size"),
        ({"concurrency": 0}, "concurrency"),
        ({"read_timeout_s": 0}, "read_timeout_s"),
        ({"max_retries": -1}, "max_retries"),
        ({"backoff_s": 2, "max_backoff_s": 1}, "backoff_s <= max_backoff_s"),
    ],
)
def test_bad_arguments_say_what_to_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RewardClient(**{"base_urls": A, **kwargs})


# A real `prorl serve`.


def math_items(n: int) -> list[dict]:
    return [item(f"\\boxed{{{4 if i % 2 == 0 else 5}}}", answer="4", id=f"m{i}") for i in range(n)]


def test_real_server_scores_and_isolates_a_bad_item(server_process):
    url = server_process(env={"REWARD_API_KEY": "k", "REWARD_POOL_SIZE": "2"})
    batch = math_items(12)
    batch[7] = {**batch[7], "domain": "chess"}

    async def main():
        async with RewardClient(url, api_key="k", batch_size=5, concurrency=2) as client:
            assert await client.ready(timeout_s=10) == url
            return await client.score(batch), client.pop_stats()

    results, stats = asyncio.run(main())
    assert results[7] is None
    good = [r for i, r in enumerate(results) if i != 7]
    assert [r.id for r in good] == [f"m{i}" for i in range(12) if i != 7]
    assert [r.reward for r in good] == [1.0 if i % 2 == 0 else 0.0 for i in range(12) if i != 7]
    assert [r.status for r in good] == ["correct" if i % 2 == 0 else "incorrect" for i in range(12) if i != 7]
    assert stats["failed_items"] == 1 and stats["retries"] == 0

    wrong_key = RewardClient(url, api_key="nope", batch_size=5)
    with pytest.raises(AuthError, match="refused our API key"):
        wrong_key.score_sync(math_items(6))
    assert wrong_key.stats.retries == 0
    with pytest.raises(AuthError, match="requires an API key and none was given"):
        asyncio.run(RewardClient(url).ready(timeout_s=10))


def serve(port: int) -> subprocess.Popen:
    return start_server(port, "--log-level", "warning", env={"REWARD_POOL_SIZE": "2"})


def test_server_down_and_back_on_the_same_port_loses_no_items():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    procs = [serve(port)]
    try:
        wait_ready(lambda path: httpx.get(url + path, timeout=2))
        client = RewardClient(url, batch_size=4, concurrency=2, max_retries=100, backoff_s=0.1, max_backoff_s=0.5)
        assert [r.reward for r in client.score_sync(math_items(4))] == [1.0, 0.0, 1.0, 0.0]
        procs[0].kill()
        procs[0].wait(timeout=30)

        out = {}
        thread = threading.Thread(target=lambda: out.update(results=client.score_sync(math_items(20))))
        thread.start()
        deadline = time.monotonic() + 30
        while client.stats.retries < 3 and time.monotonic() < deadline:  # it is failing and retrying
            time.sleep(0.05)
        assert client.stats.retries >= 3 and "results" not in out
        procs.append(serve(port))
        thread.join(timeout=120)
        assert not thread.is_alive()
        assert [r.id for r in out["results"]] == [f"m{i}" for i in range(20)]
        assert [r.reward for r in out["results"]] == [1.0 if i % 2 == 0 else 0.0 for i in range(20)]
        assert client.stats.failed_items == 0
    finally:
        stop_servers(procs)
