"""A gate between a containerised reward service and the Docker engine: the service starts its
sandbox containers through it (`REWARD_SANDBOX_DOCKER_HOST=tcp://proxy:2375`), and nothing else.

Threat model. The reward service parses hostile model output; assume it can be compromised. Given
the host's Docker socket, a compromised service is root on the host (a privileged container, a
bind mount of `/`, host networking, added capabilities). Behind this gate it can only:
- create containers from the sandbox images (`prorl-sandbox-<language>:<digest>`) named
  `prorl-sbx-...`, labelled `prorl.sandbox`, with every isolation flag of the sandbox
  (reward_service/sandbox/containers.py): no network, read-only root, uid 10001, all capabilities
  dropped, no-new-privileges, bounded memory (no swap), CPU and pids, no mounts or devices, no
  log driver. The body is checked field by field against a closed list; a field the list does
  not know must be empty, so a future Docker option is refused rather than let through.
- attach to, start, wait for, inspect, kill and remove containers that carry the sandbox label;
- list containers filtered by that label, inspect the sandbox images, ping, read the version.
Everything else (exec, build, pull, volumes, networks, other containers) is refused with 403
and logged. Only one request is read per connection and its head is rebuilt from what was
checked, so no second request can be smuggled behind an allowed one; a hijacked attach stream
is passed on only after the engine has answered 101. At most `max_containers` sandboxes exist
at once.

Not defended: what the sandbox itself does not defend (see __init__.py), and denial of service
through many allowed requests (sandboxes up to the caps, attach streams). Keep the gate's port on
a private network that only the reward service shares (compose.yaml's `sandbox` network).
"""

import asyncio
import json
import logging
import re
import signal
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["Policy", "Refused", "check_create", "serve", "run_proxy"]

log = logging.getLogger(__name__)

LABEL = "prorl.sandbox"
OWNER_LABEL = "prorl.owner"
_IMAGE = re.compile(r"prorl-sandbox-[a-z0-9]+:[0-9a-f]{12}")
_NAME = re.compile(r"prorl-sbx-[0-9a-f]{1,32}")
_VERSION = re.compile(r"^/v\d+\.\d+(?=/)")
_HEAD_LIMIT = 64 * 1024
_BODY_LIMIT = 1024 * 1024
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "transfer-encoding"}


class Refused(Exception):
    """A request the gate will not pass on; the message says why."""

    status = 403


class Missing(Refused):
    """A container the request names does not exist (answered as the engine would, 404)."""

    status = 404


class Unreachable(Refused):
    """The engine behind the gate does not answer (502)."""

    status = 502


@dataclass(frozen=True)
class Policy:
    """The caps the gate enforces on every sandbox container created through it."""

    max_containers: int = 256
    max_memory_mb: int = 4096
    max_cpus: float = 4.0
    max_pids: int = 1024
    runtimes: tuple[str, ...] = ("",)  # "" = the engine's default; add e.g. "runsc" for gVisor
    tmpfs: tuple[str, ...] = ("/tmp", "/dev/shm")


def _empty(value) -> bool:
    return value is None or value is False or value in ("", 0) or value == [] or value == {}


def _want(condition: bool, why: str) -> None:
    if not condition:
        raise Refused(why)


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_config(body: dict) -> None:
    _want(
        isinstance(body.get("Image"), str) and _IMAGE.fullmatch(body["Image"]) is not None,
        f"image {body.get('Image')!r} is not a sandbox image (prorl-sandbox-<language>:<digest>)",
    )
    labels = body.get("Labels") or {}
    _want(isinstance(labels, dict) and LABEL in labels, f"the container lacks the {LABEL} label")
    _want(
        set(labels) <= {LABEL, OWNER_LABEL} and all(isinstance(v, str) for v in labels.values()),
        f"labels other than {LABEL} and {OWNER_LABEL}: {sorted(labels)}",
    )
    _want(body.get("User") == "10001:10001", f"user {body.get('User')!r}: sandboxes run as 10001:10001")
    _want(
        _empty(body.get("Entrypoint")) and _empty(body.get("Cmd")),
        "the image's own entrypoint must run (no Entrypoint or Cmd)",
    )


def _check_host(host: dict, policy: Policy) -> None:
    memory = _count(host.get("Memory"))
    _want(
        memory is not None and 0 < memory <= policy.max_memory_mb * 2**20,
        f"memory {host.get('Memory')!r}: must be set and at most {policy.max_memory_mb} MB",
    )
    _want(_count(host.get("MemorySwap")) == memory, "swap is not allowed (MemorySwap must equal Memory)")
    cpus = _count(host.get("NanoCpus"))
    _want(
        cpus is not None and 0 < cpus <= policy.max_cpus * 1e9,
        f"NanoCpus {host.get('NanoCpus')!r}: must be set and at most {policy.max_cpus} CPUs",
    )
    pids = _count(host.get("PidsLimit"))
    _want(
        pids is not None and 0 < pids <= policy.max_pids,
        f"PidsLimit {host.get('PidsLimit')!r}: must be set and at most {policy.max_pids}",
    )
    _want(
        host.get("NetworkMode") == "none", f"network mode {host.get('NetworkMode')!r}: sandboxes have no network (none)"
    )
    _want(host.get("Privileged") is False, "privileged containers are not allowed")
    _want(host.get("ReadonlyRootfs") is True, "the root filesystem must be read-only")
    _want(
        isinstance(host.get("CapDrop"), list) and [str(c).upper() for c in host["CapDrop"]] == ["ALL"],
        f"CapDrop must be ['ALL'], got {host.get('CapDrop')!r}",
    )
    _want(
        host.get("SecurityOpt") in (["no-new-privileges"], ["no-new-privileges:true"]),
        f"SecurityOpt must be ['no-new-privileges'], got {host.get('SecurityOpt')!r}",
    )
    _want(host.get("IpcMode") == "private", f"IPC mode {host.get('IpcMode')!r}: must be private")
    tmpfs = host.get("Tmpfs") or {}
    _want(
        isinstance(tmpfs, dict) and set(tmpfs) <= set(policy.tmpfs) and all(isinstance(v, str) for v in tmpfs.values()),
        f"tmpfs mounts {tmpfs!r}: only {list(policy.tmpfs)}",
    )
    log_config = host.get("LogConfig")
    _want(isinstance(log_config, dict) and log_config.get("Type") == "none", "the log driver must be none")
    _want(
        host.get("Runtime", "") in policy.runtimes, f"runtime {host.get('Runtime')!r}: allowed {list(policy.runtimes)}"
    )
    # null means Docker's default masking of /proc and /sys; an empty list unmasks them all.
    _want(
        host.get("MaskedPaths") is None and host.get("ReadonlyPaths") is None,
        "MaskedPaths/ReadonlyPaths must be left unset",
    )
    restart = host.get("RestartPolicy") or {}
    _want(isinstance(restart, dict) and restart.get("Name", "") in ("", "no"), "restart policies are not allowed")
    ulimits = host.get("Ulimits") or []
    _want(
        isinstance(ulimits, list)
        and all(
            isinstance(u, dict)
            and u.get("Name") in _ULIMITS
            and _count(u.get("Soft")) is not None
            and _count(u.get("Hard")) is not None
            for u in ulimits
        ),
        f"ulimits {ulimits!r}: only {', '.join(_ULIMITS)}",
    )
    score = _count(host.get("OomScoreAdj") or 0)
    _want(score is not None and 0 <= score <= 1000, "OomScoreAdj may not lower the OOM score")


_ULIMITS = ("nofile", "fsize", "core", "stack")
# Fields checked above, and fields any value of which is harmless. Only these travel on, each
# rebuilt from what was checked: Docker reads JSON keys case-insensitively (`privileged` is
# `Privileged`), so a key of any other spelling is refused when set and dropped when empty.
_CONFIG_CHECKED = {"Image", "Labels", "User", "Entrypoint", "Cmd"}
_CONFIG_FREE = {
    "Hostname",
    "Domainname",
    "AttachStdin",
    "AttachStdout",
    "AttachStderr",
    "Tty",
    "OpenStdin",
    "StdinOnce",
    "WorkingDir",
    "NetworkDisabled",
    "StopSignal",
    "StopTimeout",
}
_HOST_CHECKED = {
    "Memory",
    "MemorySwap",
    "NanoCpus",
    "PidsLimit",
    "NetworkMode",
    "Privileged",
    "ReadonlyRootfs",
    "CapDrop",
    "SecurityOpt",
    "IpcMode",
    "Tmpfs",
    "Runtime",
    "OomScoreAdj",
}
_HOST_FREE = {"AutoRemove", "ConsoleSize", "Isolation", "CgroupnsMode", "ShmSize", "MemorySwappiness"}
_SCALARS = (str, int, float, bool, type(None))


def _kept(section: dict, where: str, checked: set, free: set) -> dict:
    kept = {}
    for key, value in section.items():
        if key in checked or key in free:
            _want(
                key in checked or isinstance(value, _SCALARS) or key == "ConsoleSize", f"{where}{key}: unexpected value"
            )
            kept[key] = value
        elif not _empty(value):
            raise Refused(f"{where}{key} is not allowed for a sandbox (got {json.dumps(value)[:120]})")
    return kept


def check_create(query: dict, body, policy: Policy) -> bytes:
    """Raise Refused unless `body` (a POST /containers/create body, parsed) is a sandbox
    container; returns the body to pass on, rebuilt from the checked fields alone."""
    _want(isinstance(body, dict) and isinstance(body.get("HostConfig"), dict), "the body has no HostConfig")
    host = body["HostConfig"]
    _check_config(body)
    _check_host(host, policy)
    names = query.get("name", [""])
    _want(
        len(names) == 1 and _NAME.fullmatch(names[0]) is not None, f"container name {names!r}: must be prorl-sbx-<hex>"
    )
    endpoints = (body.get("NetworkingConfig") or {}).get("EndpointsConfig") or {}
    _want(isinstance(endpoints, dict) and set(endpoints) <= {"none"}, "network endpoints other than none")
    config = _kept(
        {k: v for k, v in body.items() if k not in ("HostConfig", "NetworkingConfig")},
        "",
        _CONFIG_CHECKED,
        _CONFIG_FREE,
    )
    host_config = _kept(
        {
            k: v
            for k, v in host.items()
            if k not in ("LogConfig", "Ulimits", "RestartPolicy", "MaskedPaths", "ReadonlyPaths")
        },
        "HostConfig.",
        _HOST_CHECKED,
        _HOST_FREE,
    )
    host_config["LogConfig"] = {"Type": "none", "Config": {}}
    host_config["RestartPolicy"] = {"Name": "no"}
    host_config["Ulimits"] = [
        {"Name": u["Name"], "Soft": u["Soft"], "Hard": u["Hard"]} for u in host.get("Ulimits") or []
    ]
    return json.dumps({**config, "HostConfig": host_config}).encode()


@dataclass
class Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    path: str = field(init=False)
    query: dict = field(init=False)

    def __post_init__(self):
        parts = urlsplit(self.target)
        self.path = _VERSION.sub("", parts.path)
        self.query = parse_qs(parts.query, keep_blank_values=True)

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name), "")

    def upgrade(self) -> bool:
        return "upgrade" in self.header("connection").lower() and self.header("upgrade").lower() == "tcp"

    def encode(self, keep_upgrade: bool) -> bytes:
        """The head rebuilt from the parsed fields: what the engine reads is what was checked."""
        lines = [f"{self.method} {self.target} HTTP/1.1"]
        lines += [
            f"{k}: {v}" for k, v in self.headers if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length"
        ]
        if self.body or self.method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(self.body)}")
        lines += ["Connection: Upgrade", "Upgrade: tcp"] if keep_upgrade else ["Connection: close"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


async def read_request(reader: asyncio.StreamReader) -> Request:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise Refused("request head too large") from None
    text = head.decode("latin-1")
    request_line, *lines = text[:-4].split("\r\n")
    parts = request_line.split(" ")
    _want(
        len(parts) == 3
        and parts[2] in ("HTTP/1.1", "HTTP/1.0")
        and _TOKEN.fullmatch(parts[0]) is not None
        and parts[1].startswith("/")
        and parts[1].isprintable(),
        f"malformed request line {request_line[:100]!r}",
    )
    headers = []
    for line in lines:
        name, sep, value = line.partition(":")
        _want(
            sep == ":" and _TOKEN.fullmatch(name) is not None and value.strip().isprintable(),
            f"malformed header {line[:100]!r}",
        )
        headers.append((name, value.strip()))
    names = [k.lower() for k, _ in headers]
    _want("transfer-encoding" not in names, "chunked request bodies are not accepted; send a Content-Length")
    _want(names.count("content-length") <= 1, "more than one Content-Length")
    length = next((v for k, v in headers if k.lower() == "content-length"), "0")
    _want(
        length.isdigit() and int(length) <= _BODY_LIMIT, f"Content-Length {length[:20]!r}: at most {_BODY_LIMIT} bytes"
    )
    body = await reader.readexactly(int(length)) if int(length) else b""
    return Request(parts[0], parts[1], headers, body)


class Gate:
    """Decides each request against the policy, asking the engine about the containers named."""

    def __init__(self, socket_path: str, policy: Policy):
        self.socket_path, self.policy = socket_path, policy

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            return await asyncio.open_unix_connection(self.socket_path, limit=_HEAD_LIMIT)
        except OSError as exc:
            raise Unreachable(
                f"the Docker engine is not reachable at {self.socket_path} ({exc.strerror or exc}); "
                "start it, or mount its socket into the proxy"
            ) from None

    async def engine_json(self, method: str, path: str):
        """One small request of our own to the engine; its JSON answer (None on 404)."""
        reader, writer = await self.connect()
        try:
            writer.write(f"{method} {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            raw = await asyncio.wait_for(reader.read(), 30)
            head, _, body = raw.partition(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            if status == 404:
                return None
            if status != 200:
                raise Refused(f"the engine answered {status} to {path}")
            return json.loads(_dechunk(body) if b"transfer-encoding: chunked" in head.lower() else body)
        except (OSError, asyncio.TimeoutError, IndexError, ValueError) as exc:
            raise Unreachable(f"the Docker engine gave no usable answer to {path} ({exc!r})") from None
        finally:
            writer.close()

    async def sandbox_container(self, ref: str) -> None:
        info = await self.engine_json("GET", f"/containers/{ref}/json")
        if info is None:
            raise Missing(f"No such container: {ref}")
        _want(LABEL in ((info.get("Config") or {}).get("Labels") or {}), f"container {ref!r} is not a sandbox")

    async def decide(self, request: Request) -> None:
        method, path, query = request.method, request.path, request.query
        if (method, path) in {("GET", "/_ping"), ("HEAD", "/_ping"), ("GET", "/version")}:
            return
        if method == "GET" and (m := re.fullmatch(r"/images/(.+)/json", path)):
            _want(_IMAGE.fullmatch(unquote(m.group(1))) is not None, "only the sandbox images may be inspected")
            return
        if method == "GET" and path == "/containers/json":
            try:
                filters = json.loads(query.get("filters", ["{}"])[0])
            except ValueError:
                raise Refused("unreadable filters") from None
            labels = filters.get("label") if isinstance(filters, dict) else None
            _want(isinstance(labels, (dict, list)) and LABEL in labels, f"container lists must filter on label={LABEL}")
            return
        if method == "POST" and path == "/containers/create":
            try:
                body = json.loads(request.body)
            except ValueError:
                raise Refused("the create body is not JSON") from None
            request.body = check_create(query, body, self.policy)
            alive = await self.engine_json(
                "GET", "/containers/json?all=1&filters=" + quote(json.dumps({"label": [LABEL]}))
            )
            _want(len(alive) < self.policy.max_containers, f"{len(alive)} sandboxes exist already (--max-containers)")
            return
        m = re.fullmatch(r"/containers/([A-Za-z0-9][A-Za-z0-9_.-]*)(/(attach|start|wait|kill|json|resize))?", path)
        allowed = {
            None: "DELETE",
            "attach": "POST",
            "start": "POST",
            "wait": "POST",
            "kill": "POST",
            "json": "GET",
            "resize": "POST",
        }
        if m and allowed[m.group(3)] == method:
            _want(m.group(3) != "attach" or request.upgrade(), "attach must upgrade the connection")
            await self.sandbox_container(m.group(1))
            return
        raise Refused(f"{method} {path} is not an API call the sandbox pool makes")


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF, then pass the half-close on (a closed stdin must reach the runner)."""
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


def _refusal(exc: Refused) -> bytes:
    message = {403: f"sandbox proxy refused this request: {exc}", 502: f"sandbox proxy: {exc}"}.get(
        exc.status, str(exc)
    )
    body = json.dumps({"message": message}).encode()
    reason = {403: b"Forbidden", 404: b"Not Found", 502: b"Bad Gateway"}[exc.status]
    return (
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % (exc.status, reason, len(body))
    ) + body


async def handle(gate: Gate, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    peer = writer.get_extra_info("peername")
    upstream = None
    try:
        try:
            request = await asyncio.wait_for(read_request(reader), 30)
            await gate.decide(request)
            up_reader, upstream = await gate.connect()
        except Refused as exc:
            if exc.status != 404:
                log.warning("%s %s: %s", "refused" if exc.status == 403 else "failed", peer, exc)
            writer.write(_refusal(exc))
            await writer.drain()
            return
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            return
        upgrade = request.upgrade()
        upstream.write(request.encode(keep_upgrade=upgrade))
        await upstream.drain()
        if upgrade:
            # Client bytes reach the engine only once it has switched to a raw stream: had it
            # answered anything else, they would be read as a further, unchecked request.
            head = await up_reader.readuntil(b"\r\n\r\n")
            writer.write(head)
            await writer.drain()
            if head.split(b" ", 2)[1] == b"101":
                await asyncio.gather(_pipe(reader, upstream), _pipe(up_reader, writer))
                return
        await _pipe(up_reader, writer)
    except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, IndexError) as exc:
        log.debug("connection from %s ended: %r", peer, exc)
    finally:
        for w in (upstream, writer):
            if w is not None:
                w.close()


async def run_proxy(
    host: str, port: int, socket_path: str, policy: Policy, started: asyncio.Event | None = None
) -> None:
    """Serve the gate on host:port in front of the engine's socket; sets `started` once it listens."""
    gate = Gate(socket_path, policy)
    server = await asyncio.start_server(lambda r, w: handle(gate, r, w), host, port, limit=_HEAD_LIMIT)
    log.info("sandbox proxy on %s:%d -> %s (max %d containers)", host, port, socket_path, policy.max_containers)
    if started is not None:
        started.set()
    async with server:
        await server.serve_forever()


def serve(host: str, port: int, socket_path: str, policy: Policy) -> None:
    """Run until SIGTERM or SIGINT (handled: as a container's pid 1 the defaults would not apply)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    async def main() -> None:
        task = asyncio.create_task(run_proxy(host, port, socket_path, policy))
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            log.info("sandbox proxy stopped")

    asyncio.run(main())
