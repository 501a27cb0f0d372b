"""The service's limits, against a real `prorl serve` on a loopback port: connections (header
timeout, REWARD_MAX_CONNECTIONS, the file limit), the body timeout, the API key checked before the
body is read, graceful shutdown, admission control (bytes and items in flight, memory handed back),
what an item may carry, and checker workers that die while idle.

Each test states the hostile or overloaded behaviour it sends and what the service must do; bounds
on time only prove that nothing hung (speed is measured by benchmarks/, not here).
"""

import json
import re
import resource
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from reward_service.client import RewardClient
from reward_service.local import LocalServer, free_port
from tests.conftest import wait_ready
from tests.reward_service.api.test_score import item

HANG = "\\boxed{10^{10^{10}}}"  # sympy works on it until its worker is killed at the item's timeout


class Server(LocalServer):
    """A `prorl serve` process and its log (stdout and stderr together)."""

    def __init__(self, log: Path, **kwargs):
        super().__init__(**kwargs)
        self.log = log

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def launch(folder: Path, env: dict[str, str], nofile_soft: int | None = None) -> Server:
    """Start `prorl serve` with REWARD_* `env` over small defaults and wait until it is ready.
    `nofile_soft` starts it with that soft limit on open files (a common default is 1,024)."""
    port = free_port()
    log = folder / f"serve-{port}.log"

    def lower_file_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile_soft, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    with open(log, "wb") as out:
        server = Server(
            log,
            port=port,
            env={"REWARD_SANDBOX_ENABLED": "false", "REWARD_POOL_SIZE": "1", **env},
            timeout_s=60,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=lower_file_limit if nofile_soft else None,
        )
        try:
            server.start()
        except RuntimeError:
            raise AssertionError(f"server did not become ready:\n{server.output()[-3000:]}") from None
    return server


@pytest.fixture
def serve(tmp_path):
    """Start a server for this test only: `serve(env, nofile_soft=None) -> Server`."""
    servers = []

    def start(env: dict[str, str], nofile_soft: int | None = None) -> Server:
        servers.append(launch(tmp_path, env, nofile_soft))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """Header and body timeouts of one second."""
    server = launch(tmp_path_factory.mktemp("guarded"), {"REWARD_HEADER_TIMEOUT_S": "1", "REWARD_BODY_TIMEOUT_S": "1"})
    yield server
    server.stop()


KEY = "clé-ключ"  # not ASCII: an environment variable may hold any UTF-8


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """An API key, no docs, and a body timeout far longer than any test waits."""
    server = launch(
        tmp_path_factory.mktemp("keyed"),
        {"REWARD_API_KEY": KEY, "REWARD_DOCS_ENABLED": "false", "REWARD_BODY_TIMEOUT_S": "120"},
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    server = launch(tmp_path_factory.mktemp("plain"), {"REWARD_POOL_SIZE": "2"})
    yield server
    server.stop()


def closed_by_peer(sock: socket.socket, wait_s: float) -> bool:
    """Whether the server closed `sock` (EOF or reset) within `wait_s`, without having answered."""
    readable, _, _ = select.select([sock], [], [], wait_s)
    if not readable:
        return False
    try:
        data = sock.recv(4096)
    except ConnectionResetError:
        return True
    assert data == b"", f"expected the connection to be closed, got an answer: {data[:200]!r}"
    return True


def read_head(sock: socket.socket, timeout_s: float) -> tuple[int, str]:
    """Status code and header block of the answer on `sock` (socket.timeout if none comes)."""
    sock.settimeout(timeout_s)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head = data.partition(b"\r\n\r\n")[0].decode("latin-1")
    assert head.startswith("HTTP/1.1 "), f"no HTTP answer: {data[:300]!r}"
    return int(head.split()[1]), head.lower()


def raise_own_file_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            pytest.skip(f"this test opens {need} sockets; the hard open-file limit here is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


# --- connections ------------------------------------------------------------------------------


def test_a_silent_connection_is_closed_after_the_header_timeout(guarded):
    with socket.create_connection(("127.0.0.1", guarded.port)) as sock:
        assert closed_by_peer(sock, wait_s=10), "a connection that sent nothing was still open after 10 s"


def test_headers_sent_a_byte_at_a_time_are_cut_off(guarded):
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: one-byte-every-0.3s\r\n\r\n"
    with socket.create_connection(("127.0.0.1", guarded.port)) as sock:
        for sent, byte in enumerate(request):
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            if closed_by_peer(sock, wait_s=0.3):
                break
        else:
            pytest.fail(f"all {len(request)} bytes of headers went in, over {0.3 * len(request):.0f} s, uncut")


def test_connections_past_the_maximum_are_closed_at_once_and_logged(serve):
    server = serve({"REWARD_MAX_CONNECTIONS": "20", "REWARD_HEADER_TIMEOUT_S": "60"})
    time.sleep(0.5)  # wait_ready's own connections are gone
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(25)]
    try:
        deadline = time.monotonic() + 5
        closed: set[int] = set()
        while len(closed) < 5 and time.monotonic() < deadline:
            closed |= {i for i, s in enumerate(socks) if i not in closed and closed_by_peer(s, 0.05)}
        time.sleep(0.5)  # any further closing would show now
        closed |= {i for i, s in enumerate(socks) if i not in closed and closed_by_peer(s, 0)}
        assert len(closed) == 5, f"closed: {sorted(closed)}"
    finally:
        for s in socks:
            s.close()
    assert re.search(r"refused \d+ connection\(s\)", server.output()), server.output()[-2000:]
    wait_ready(lambda path: httpx.get(server.url + path, timeout=2), timeout=10)  # room again once they close


@pytest.mark.slow
def test_eleven_hundred_idle_connections_do_not_make_the_service_unreachable(serve):
    """Started with a soft file limit of 1,024 (a common default): the server lifts it to the hard
    limit, refuses connections past REWARD_MAX_CONNECTIONS (1,000) and closes the silent ones after
    REWARD_HEADER_TIMEOUT_S, so /healthz answers while all 1,100 are still open on our side."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard <= 2048:
        pytest.skip(f"the hard open-file limit here ({hard}) leaves no room above 1,024 to lift the soft one to")
    raise_own_file_limit(1100 + 200)
    server = serve({"REWARD_HEADER_TIMEOUT_S": "1"}, nofile_soft=1024)
    limits = Path(f"/proc/{server.pid}/limits").read_text()
    soft, hard_seen = re.search(r"Max open files\s+(\S+)\s+(\S+)", limits).groups()
    assert soft == hard_seen, limits

    socks = []
    try:
        for _ in range(1100):
            socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        start, answered = time.monotonic(), None
        while answered is None and time.monotonic() - start < 30:
            try:
                r = httpx.get(server.url + "/healthz", timeout=2)
                answered = r.status_code
            except httpx.HTTPError:
                time.sleep(0.1)
        assert answered == 200, "/healthz did not answer within 30 s with 1,100 idle connections open"
        r = httpx.post(server.url + "/v1/score", json={"items": [item("\\boxed{1/2}")]}, timeout=30)
        assert r.json()["results"][0]["status"] == "correct"
    finally:
        for s in socks:
            s.close()
    assert "refused" in server.output()


def test_a_body_that_stalls_is_answered_408(guarded):
    head = (
        b"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", guarded.port)) as sock:
        sock.sendall(head + b'{"items": ')  # 10 of the 1,000 bytes, then nothing
        status, _ = read_head(sock, timeout_s=15)
    assert status == 408


# --- authentication ---------------------------------------------------------------------------


def test_a_wrong_key_is_refused_before_the_body_is_awaited(keyed):
    head = (
        b"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer wrong\r\n"
        b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", keyed.port)) as sock:
        sock.sendall(head)  # and not one byte of the 50 MB
        status, headers = read_head(sock, timeout_s=15)
    assert status == 401 and "www-authenticate: bearer" in headers


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {KEY[:-1]}x".encode(),  # UTF-8, wrong
        b"Bearer \xff\xfe\x80",  # not UTF-8 at all
        "Bearer ключ".encode(),
        b"Bearer",
        KEY.encode(),  # no scheme
    ],
    ids=["wrong-utf8", "not-utf8", "other-cyrillic", "scheme-only", "no-scheme"],
)
def test_non_ascii_keys_are_refused_not_crashed(keyed, authorization):
    r = httpx.post(
        keyed.url + "/v1/score",
        json={"items": [item("\\boxed{1/2}")]},
        headers={"Authorization": authorization},
        timeout=30,
    )
    assert r.status_code == 401, r.text


def test_the_right_non_ascii_key_is_accepted(keyed):
    r = httpx.post(
        keyed.url + "/v1/score",
        json={"items": [item("\\boxed{1/2}")]},
        headers={"Authorization": f"Bearer {KEY}".encode()},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "correct"


NEMO_RESPONSE = {"output": [{"type": "message", "content": [{"type": "output_text", "text": "\\boxed{1/2}"}]}]}
SCORING_ROUTES = [
    ("POST", "/v1/score", {"items": [item("\\boxed{1/2}")]}),
    ("GET", "/v1/domains", None),
    ("POST", "/get_reward", {"query": ["\\boxed{1/2}"], "labels": ["1/2"]}),
    ("POST", "/slime/reward", {"response": "\\boxed{1/2}", "label": "1/2"}),
    ("POST", "/nemo_gym/seed_session", {}),
    ("POST", "/nemo_gym/verify", {"response": NEMO_RESPONSE, "label": "1/2"}),
    ("POST", "/run_code", {"code": "print(1)", "language": "python"}),
]


@pytest.mark.parametrize("method,path,body", SCORING_ROUTES, ids=[p for _, p, _ in SCORING_ROUTES])
def test_every_scoring_route_needs_the_key(keyed, method, path, body):
    with httpx.Client(base_url=keyed.url, timeout=30) as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            assert http.request(method, path, json=body, headers=headers).status_code == 401, headers
        r = http.request(method, path, json=body, headers={"Authorization": f"Bearer {KEY}".encode()})
        assert r.status_code == 200, r.text


def test_health_and_metrics_stay_open_and_docs_can_be_turned_off(keyed):
    with httpx.Client(base_url=keyed.url, timeout=30) as http:
        assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code == 200
        assert "reward_requests_total" in http.get("/metrics").text
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert http.get(path).status_code == 404, path
            assert http.get(path, headers={"Authorization": f"Bearer {KEY}".encode()}).status_code == 404, path


# --- shutdown ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_finishes_short_requests_and_answers_long_ones_503(serve):
    grace = 2.0
    server = serve({"REWARD_SHUTDOWN_GRACE_S": str(grace), "REWARD_POOL_SIZE": "2"})
    answers: dict[str, object] = {}

    def post(name: str, items: list[dict]) -> None:
        try:
            answers[name] = httpx.post(server.url + "/v1/score", json={"items": items}, timeout=60)
        except httpx.HTTPError as exc:
            answers[name] = exc
        answers[name + "_at"] = time.monotonic()

    kept = httpx.Client(base_url=server.url, timeout=10)  # kept-alive connections, opened before SIGTERM
    ready_probe = httpx.Client(base_url=server.url, timeout=10)
    try:
        assert kept.get("/healthz").status_code == 200 and ready_probe.get("/healthz").status_code == 200
        long = threading.Thread(target=post, args=("long", [item(HANG, options={"timeout_s": 30})]))
        short = threading.Thread(target=post, args=("short", [item(HANG, answer="2", options={"timeout_s": 1})]))
        long.start()
        time.sleep(0.5)
        short.start()
        time.sleep(0.5)  # both in flight; the short one ends about 0.5 s from now, well within the grace period
        server.proc.send_signal(signal.SIGTERM)
        sent_at = time.monotonic()
        try:
            late = kept.post("/v1/score", json={"items": [item("\\boxed{1/2}")]})
        except httpx.TransportError:
            late = None
        try:
            ready = ready_probe.get("/readyz")
        except httpx.TransportError:
            ready = None
        long.join(timeout=60)
        short.join(timeout=60)
        returncode = server.proc.wait(timeout=60)
    finally:
        kept.close()
        ready_probe.close()
    log = server.output()
    print(f"after SIGTERM: kept-alive POST {late and late.status_code}, /readyz {ready and ready.text}")
    assert late is None or late.status_code == 503, (late.status_code, late.text)
    assert ready is None or ready.status_code == 503, ready.text  # an orchestrator stops sending here
    assert isinstance(answers["short"], httpx.Response), answers["short"]
    assert answers["short"].status_code == 200 and answers["short"].json()["results"][0]["status"] == "timeout"
    assert isinstance(answers["long"], httpx.Response), answers["long"]
    assert answers["long"].status_code == 503, answers["long"].text
    assert answers["long"].headers.get("retry-after"), answers["long"].headers
    assert answers["long_at"] - sent_at < grace + 10, "the long request was not cut off after the grace period"
    assert "cut off by shutdown; answered 503" in log, log[-3000:]
    assert returncode == 0, log[-2000:]


def test_sigterm_is_a_clean_exit(serve):
    """A graceful shutdown that finished is a success: exit code 0, not death by the signal (which
    a supervisor or `docker run` reports as 143, a failure)."""
    server = serve({})
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=30) == 0, server.output()[-2000:]


# --- admission control ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    """Room for 4 items and 4 KiB of request bodies at once; Retry-After of one second."""
    server = launch(
        tmp_path_factory.mktemp("busy"),
        {
            "REWARD_POOL_SIZE": "2",
            "REWARD_MAX_INFLIGHT_BYTES": "4096",
            "REWARD_MAX_INFLIGHT_ITEMS": "4",
            "REWARD_RETRY_AFTER_S": "1",
        },
    )
    yield server
    server.stop()


def in_background(url: str, items: list[dict]) -> tuple[threading.Thread, dict]:
    """POST `items` from a thread (joined by the caller); the answer lands in the dict."""
    out: dict = {}

    def run():
        out["r"] = httpx.post(url + "/v1/score", json={"items": items}, timeout=60)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(1.0)  # in flight: its items hang for seconds
    return thread, out


def padded(size: int) -> bytes:
    """A one-item /v1/score body of exactly `size` bytes, whose item is correct."""
    bare = len(json.dumps({"items": [item("\\boxed{1/2}")]}))
    body = json.dumps({"items": [item("\\boxed{1/2}" + " " * (size - bare))]}).encode()
    assert len(body) == size
    return body


def post_raw(url: str, body: bytes) -> httpx.Response:
    return httpx.post(url + "/v1/score", content=body, headers={"Content-Type": "application/json"}, timeout=60)


def test_bytes_in_flight_are_bounded(busy_server):
    slow_items = [item(HANG, options={"timeout_s": 3})]
    assert len(json.dumps({"items": slow_items})) > 100
    thread, slow = in_background(busy_server.url, slow_items)
    busy = post_raw(busy_server.url, padded(4000))  # alone it fits in 4,096 bytes; beside the slow one it does not
    thread.join(timeout=30)
    assert busy.status_code == 503, busy.text
    assert busy.headers["retry-after"] == "1"
    assert slow["r"].json()["results"][0]["status"] == "timeout"
    for size in (4000, 6000):  # nothing in flight: admitted, even past the bound
        r = post_raw(busy_server.url, padded(size))
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "correct", (size, r.text)


def test_items_in_flight_are_bounded(busy_server):
    hangs = [item(HANG, answer=str(n), options={"timeout_s": 3}) for n in range(3)]
    thread, slow = in_background(busy_server.url, hangs)
    two = httpx.post(
        busy_server.url + "/v1/score", json={"items": [item("\\boxed{1/2}"), item("\\boxed{3}")]}, timeout=30
    )
    one = httpx.post(busy_server.url + "/v1/score", json={"items": [item("\\boxed{1/2}")]}, timeout=30)
    thread.join(timeout=30)
    assert two.status_code == 503 and "REWARD_MAX_INFLIGHT_ITEMS" in two.text, two.text
    assert two.headers["retry-after"] == "1"
    assert one.status_code == 200 and one.json()["results"][0]["status"] == "correct", one.text  # 3 + 1 fits
    assert [x["status"] for x in slow["r"].json()["results"]] == ["timeout"] * 3
    ten = [item(f"\\boxed{{{n}/2}}", answer=f"{n}/2") for n in range(10)]
    r = httpx.post(busy_server.url + "/v1/score", json={"items": ten}, timeout=30)  # nothing in flight: admitted
    assert r.status_code == 200 and {x["status"] for x in r.json()["results"]} == {"correct"}


@pytest.mark.slow
def test_the_client_scores_everything_on_a_busy_server(busy_server):
    thread, _ = in_background(busy_server.url, [item(HANG, answer=str(n), options={"timeout_s": 2}) for n in range(3)])
    items = [item(f"\\boxed{{{n}/3}}", answer=f"{n}/3", id=n) for n in range(16)]
    client = RewardClient(busy_server.url, batch_size=2, concurrency=4, max_retries=10, backoff_s=0.2)
    results = client.score_sync(items)
    thread.join(timeout=30)
    assert [r and (r.id, r.status) for r in results] == [(n, "correct") for n in range(16)]
    assert client.stats.retries > 0, "no request was refused: the server was not busy, so this proved nothing"


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


@pytest.mark.slow
def test_memory_goes_back_after_a_burst_of_big_bodies(plain):
    """20 bodies of 12 MB at once, each 4,000 small items (half scored, half a 422: an unknown
    domain), then the process's RSS comes back near what it was. glibc keeps freed heap unless asked
    to hand it back: without that, 55-75% of the burst's growth stayed (measured: +116 to +226 MB)."""
    response = "y" * 3000 + "\\boxed{1/2}"  # identical items: parsed 4,000 times, checked once
    scored = json.dumps({"items": [item(response)] * 4000}).encode()
    rejected = json.dumps({"items": [{**item(response), "domain": "nope"}] * 4000}).encode()
    for body in (scored, rejected):  # the first requests import and cache what later ones use
        post_raw(plain.url, body)
    time.sleep(0.5)
    before = rss_mb(plain.pid)
    peak, statuses = [before], []

    def send(body):
        statuses.append(post_raw(plain.url, body).status_code)

    threads = [threading.Thread(target=send, args=(body,)) for body in [scored, rejected] * 10]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak.append(rss_mb(plain.pid))
        time.sleep(0.05)
    for t in threads:
        t.join()
    time.sleep(1.0)
    after = rss_mb(plain.pid)
    numbers = f"RSS before {before:.0f} MB, peak {max(peak):.0f} MB, after {after:.0f} MB"
    print(numbers)
    assert sorted(statuses) == [200] * 10 + [422] * 10
    assert max(peak) - before > 100, f"the burst hardly grew the process, so this proves nothing: {numbers}"
    assert after - before < min(150, (max(peak) - before) / 3), numbers


# --- items ------------------------------------------------------------------------------------


def test_ids_come_back_as_the_json_values_sent(plain):
    big = 2**70
    ids = [True, 1.5, big, -big, "s", None, 0]
    body = json.dumps({"items": [item("\\boxed{1/2}", id=i) for i in ids]})
    r = post_raw(plain.url, body.encode())
    assert r.status_code == 200, r.text
    back = [x["id"] for x in r.json()["results"]]
    assert [(type(x), x) for x in back] == [(type(x), x) for x in ids]


def test_unknown_options_are_a_422_naming_the_valid_ones(plain):
    r = httpx.post(
        plain.url + "/v1/score", json={"items": [item("\\boxed{1/2}", options={"max_answer_chars": 10**9})]}, timeout=30
    )
    assert r.status_code == 422, r.text
    [error] = r.json()["detail"]
    assert error["loc"] == ["body", "items", 0, "options", "max_answer_chars"]
    assert "math options are: timeout_s" in error["msg"]


def test_instruction_options_take_a_mode_math_options_do_not(plain):
    instruction = {
        "domain": "instruction",
        "response": "Hello world.",
        "options": {"mode": "loose"},
        "reference": {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]},
    }
    r = httpx.post(plain.url + "/v1/score", json={"items": [instruction]}, timeout=30)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "correct", r.text
    assert "(loose)" in r.json()["results"][0]["detail"]
    math = item("\\boxed{1/2}", options={"mode": "loose"})
    r = httpx.post(plain.url + "/v1/score", json={"items": [math]}, timeout=30)
    assert r.status_code == 422 and "math options are: timeout_s" in r.text, r.text


def test_a_deeply_nested_reference_is_a_422_and_other_requests_are_unaffected(plain):
    deep: object = "1/2"
    for _ in range(600):
        deep = [deep]
    hostile = {"items": [item("\\boxed{1/2}"), {**item("\\boxed{1/2}"), "reference": {"answer": "1/2", "x": deep}}]}
    good = [item(f"\\boxed{{{n}/5}}", answer=f"{n}/5", id=n) for n in range(25)]
    answers: dict = {}

    def post(name, body):
        answers[name] = httpx.post(plain.url + "/v1/score", json=body, timeout=60)

    threads = [
        threading.Thread(target=post, args=("hostile", hostile)),
        threading.Thread(target=post, args=("good", {"items": good})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert answers["hostile"].status_code == 422, answers["hostile"].text
    [error] = answers["hostile"].json()["detail"]
    assert error["loc"][:3] == ["body", "items", 1] and "nested" in error["msg"], error
    assert answers["good"].status_code == 200
    assert [(x["id"], x["status"]) for x in answers["good"].json()["results"]] == [(n, "correct") for n in range(25)]


# --- checker workers --------------------------------------------------------------------------


def checker_workers(server_pid: int) -> list[psutil.Process]:
    """The live checker processes: children of the server's multiprocessing forkserver."""
    forkserver = next(
        p for p in psutil.Process(server_pid).children() if "multiprocessing.forkserver" in " ".join(p.cmdline())
    )
    return [p for p in forkserver.children() if p.status() != psutil.STATUS_ZOMBIE]


def test_a_worker_killed_while_idle_is_replaced_before_work_reaches_it(plain):
    # 4 hanging items on a pool of 2: the spare workers start too, so every slot holds a worker.
    hangs = [item(HANG, answer=str(n), options={"timeout_s": 1}) for n in range(4)]
    r = httpx.post(plain.url + "/v1/score", json={"items": hangs}, timeout=30)
    assert [x["status"] for x in r.json()["results"]] == ["timeout"] * 4
    time.sleep(0.5)
    with httpx.Client(base_url=plain.url, timeout=10) as http:
        victims = checker_workers(plain.pid)
        assert len(victims) == 4, victims
        for p in victims:
            p.kill()
        killed = {p.pid for p in victims}
        # No scoring request from here on: the pool notices by itself.
        deadline, seen_503, workers = time.monotonic() + 10, [], []
        while time.monotonic() < deadline:
            ready = http.get("/readyz")
            if ready.status_code == 503:
                seen_503.append(ready.json().get("detail"))
            workers = [p.pid for p in checker_workers(plain.pid)]
            if len(workers) == 4 and not killed & set(workers) and ready.status_code == 200:
                break
            time.sleep(0.02)
        else:
            pytest.fail(f"workers not replaced within 10 s: alive {workers}, killed {sorted(killed)}")
        # Below strength (dead workers not yet noticed, which takes up to a second) is not ready.
        assert seen_503 and "checker workers alive" in seen_503[0], seen_503[:3]

        # Again, and this time score at once: every worker the item could reach is dead.
        victims = checker_workers(plain.pid)
        for p in victims:
            p.kill()
        r = http.post("/v1/score", json={"items": [item("\\boxed{1/2}")]})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "correct", r.text
