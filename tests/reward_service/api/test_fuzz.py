"""No input produces a 5xx. Two fuzzers: schemathesis, which builds requests from the published
schema (/openapi.json) and checks every answer against it (status codes, content types, bodies,
headers), and hypothesis, which plants odd JSON values (NaN, Infinity, integers past 64 bits,
lone surrogates, deep nesting, unknown keys) into every field of valid bodies of every route.
Both run against a real `prorl serve`; the code domain is off (its sandbox has tests of its own)."""

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"
ENV = {"REWARD_POOL_SIZE": "2", "REWARD_SANDBOX_ENABLED": "false", "REWARD_DEFAULT_TIMEOUT_S": "2"}


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    from tests.conftest import free_port, start_server, stop_servers, wait_ready

    port = free_port()
    proc = start_server(port, env=ENV)
    url = f"http://127.0.0.1:{port}"
    wait_ready(lambda path: httpx.get(url + path, timeout=2))
    yield url
    stop_servers([proc])


def test_schemathesis_finds_no_5xx_and_no_answer_off_the_schema(url, tmp_path):
    st_cli = Path(sys.executable).with_name("st")
    run = subprocess.run(
        [
            str(st_cli),
            "run",
            f"{url}/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            "40",
            "--no-color",
            "--request-timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    summary = run.stdout[-3000:]
    assert run.returncode == 0, summary
    assert " passed" in summary and "failures" not in summary.lower().split("summary")[-1], summary


# Valid bodies of every route; the fuzzer replaces one value in each with something odd.
BODIES = {
    "/v1/score": {
        "items": [
            {
                "id": 1,
                "domain": "math",
                "response": "\\boxed{1/2}",
                "reference": {"answer": "0.5"},
                "options": {"timeout_s": 2},
            },
            {
                "id": "b",
                "domain": "instruction",
                "response": "hello",
                "reference": {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]},
            },
        ]
    },
    "/get_reward": {"query": ["Q: 1+1? A: \\boxed{2}"], "prompts": ["Q: 1+1? A: "], "labels": ["2"]},
    "/slime/reward": {"prompt": "1+1?", "response": "\\boxed{2}", "label": "2"},
    "/nemo_gym/verify": {
        "responses_create_params": {"input": []},
        "verifier_metadata": {"label": "2"},
        "response": {"output": [{"type": "message", "content": [{"type": "output_text", "text": "\\boxed{2}"}]}]},
    },
    "/run_code": {"code": "print(1)", "language": "python", "run_timeout": 5},
}

ODD = st.one_of(
    st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-Infinity",
            "1e999",
            "123456789012345678901234567890",
            "-1e-400",
            '"5"',
            '"999"',
            '"\\ud800"',
            '"\\udfff\\ud800x"',
            '"\\u0000"',
            "true",
            "null",
            "[]",
            "{}",
            '{"max_answer_chars": 100000000}',
            '{"__proto__": 1}',
            "[" * 700 + "]" * 700,
            '{"a":' * 700 + "1" + "}" * 700,
            '"' + "x" * 100_000 + '"',
        ]
    ),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: json.dumps(f)),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(), max_size=20).map(
        lambda s: (
            '"' + "".join(f"\\u{ord(c):04x}" if ord(c) > 0x7E or c in '"\\' or ord(c) < 0x20 else c for c in s) + '"'
        )
    ),
)


def _paths(value, prefix=()):
    """Every place a value sits in `value`: dict keys and list indexes."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _plant(body, path, raw: str) -> str:
    """`body` as JSON text with the value at `path` replaced by the raw JSON text `raw`."""
    marker = "\u2603PLANT\u2603"
    copy = json.loads(json.dumps(body))
    if not path:
        return raw
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = marker
    return json.dumps(copy).replace(json.dumps(marker), raw)


CASES = [(route, path) for route, body in BODIES.items() for path in _paths(body)]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
@given(case=st.sampled_from(CASES), raw=ODD, extra_key=st.booleans())
def test_odd_json_values_anywhere_never_give_a_5xx(url, case, raw, extra_key):
    route, path = case
    text = _plant(BODIES[route], path, raw)
    if extra_key and text.startswith("{"):
        text = '{"unexpected\\ud800": ' + raw + ", " + text[1:]
    r = httpx.post(
        url + route,
        content=text.encode("utf-8", "surrogatepass"),
        headers={"content-type": "application/json"},
        timeout=60,
    )
    assert r.status_code < 500 or (r.status_code == 503 and "retry-after" in r.headers), (
        route,
        path,
        raw,
        r.text[:500],
    )
    r.content.decode("utf-8")  # strict: what we answer is valid UTF-8 ...
    json.loads(r.content, parse_constant=_not_json)  # ... and valid JSON


def _not_json(name: str):
    raise AssertionError(f"the answer holds {name}, which is not JSON")
