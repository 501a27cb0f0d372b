"""The wire contract is what the server really sends: real answers of every domain and every
protocol, checked against the schema the server itself publishes at /openapi.json, with no key
the schema does not name (the wire models in reward_service/schemas.py are its one definition)."""

import pytest
from jsonschema import Draft202012Validator

from tests.reward_service.sandbox.helpers import code_item
from tests.reward_service.verifiers.test_logic import countdown_entry

pytestmark = pytest.mark.docker

STDIO = {"tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "40 2\n", "stdout": "42\n"}]}
IFEVAL = {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}


def every_kind() -> list[dict]:
    """Items of every domain, reaching every status but `error`, with ids of every JSON type."""
    entry = countdown_entry()
    return [
        {"id": 1, "domain": "math", "response": "so \\boxed{\\frac{1}{2}}", "reference": {"answer": "0.5"}},
        {"id": "m2", "domain": "math", "response": "\\boxed{3}", "reference": {"answer": "2"}},
        {"id": True, "domain": "math", "response": "I do not know", "reference": {"answer": "2"}},
        {"id": 2.5, "domain": "math", "response": "<think>never closed", "reference": {"answer": "2"}},
        {
            "domain": "math",
            "response": "\\boxed{" + "(" * 5000 + "}",
            "reference": {"answer": "2"},
            "options": {"timeout_s": 0.1},
        },
        {"id": 10**30, **code_item("a, b = map(int, input().split())\nprint(a + b)", STDIO)},
        {"id": "c2", **code_item("print(0)", STDIO)},
        {"id": "c3", **code_item("int main( {", {**STDIO, "language": "cpp"}, language="cpp")},
        {"id": "s", "domain": "stem", "response": "\\boxed{C}", "reference": {"answer": "C", "choices": list("wxyz")}},
        {
            "id": "l",
            "domain": "logic",
            "response": f"<answer>{entry['answer']}</answer>",
            "reference": {"task": "countdown", "entry": entry},
        },
        {"id": "i", "domain": "instruction", "response": "No commas here at all.", "reference": IFEVAL},
    ]


def validator(client, *path: str) -> Draft202012Validator:
    """A JSON Schema validator for the schema at `path` in the server's own /openapi.json."""
    doc = client.get("/openapi.json").json()
    schema = doc
    for key in path:
        schema = schema[key]
    return Draft202012Validator({**schema, "components": doc["components"]})


def response_schema(route: str) -> tuple[str, ...]:
    return ("paths", route, "post", "responses", "200", "content", "application/json", "schema")


def only_named_keys(value, schema: dict, components: dict) -> None:
    """No object carries a key its (resolved) schema does not name."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(value, dict) and "properties" in schema and not schema.get("additionalProperties"):
        assert set(value) <= set(schema["properties"]), (set(value) - set(schema["properties"]), schema.get("title"))
        for key, item in value.items():
            only_named_keys(item, schema["properties"][key], components)
    for branch in schema.get("anyOf", []):
        if isinstance(value, dict) == (branch.get("type") == "object" or "$ref" in branch):
            only_named_keys(value, branch, components)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            only_named_keys(item, schema["items"], components)


def test_score_answers_match_the_published_schema_for_every_domain(sandbox_client):
    items = every_kind()
    r = sandbox_client.post("/v1/score", json={"items": items})
    assert r.status_code == 200, r.text
    body = r.json()
    check = validator(sandbox_client, *response_schema("/v1/score"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(body)]
    assert not errors, errors
    only_named_keys(body, check.schema, check.schema["components"]["schemas"])
    results = body["results"]
    assert [r["id"] for r in results] == [item.get("id") for item in items]
    assert {r["status"] for r in results} == {"correct", "incorrect", "no_answer", "timeout"}, results
    assert {item["domain"] for item in items} == {"math", "code", "stem", "logic", "instruction"}
    assert [t["outcome"] for t in results[6]["tests"]] == ["wrong_answer", "wrong_answer"]
    assert results[7]["tests"] == [] and results[8]["tests"] is None, results[
        7:9
    ]  # compile error; a domain without tests


@pytest.mark.parametrize(
    "route,body",
    [
        (
            "/get_reward",
            {
                "query": ["Q: 1/2? A: \\boxed{0.5}", "Q: A: \\boxed{3}"],
                "prompts": ["Q: 1/2?", "Q:"],
                "labels": ["1/2", "2"],
            },
        ),
        ("/slime/reward", {"prompt": "p", "response": "\\boxed{2}", "label": "2"}),
        (
            "/nemo_gym/verify",
            {
                "response": {
                    "output": [
                        {
                            "type": "message",
                            "role": "assistant",
                            "content": [{"type": "output_text", "text": "\\boxed{2}"}],
                        }
                    ]
                },
                "expected_answer": "2",
            },
        ),
        ("/run_code", {"code": "print(1 + 1)", "language": "python"}),
    ],
)
def test_protocol_answers_match_the_published_schema(sandbox_client, route, body):
    r = sandbox_client.post(route, json=body)
    assert r.status_code == 200, r.text
    check = validator(sandbox_client, *response_schema(route))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(r.json())]
    assert not errors, errors
