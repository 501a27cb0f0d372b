"""Other frameworks' shapes on the service (sandbox off here: a code sample is then an
infrastructure failure, which each protocol must report on its own channel, never as a 0).
The frameworks' own client code runs against a real server in tests/reward_service/frameworks."""

import json

import pytest

from tests.conftest import make_client, wait_ready

CODE = {"domain": "code", "reference": {"tests": [{"stdin": "1\n", "stdout": "1\n"}]}}
RESPONSES_OBJECT = {
    "id": "resp_1",
    "object": "response",
    "created_at": 0,
    "model": "m",
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
    "output": [
        {"type": "reasoning", "id": "r", "summary": []},
        {
            "type": "message",
            "id": "m",
            "role": "assistant",
            "status": "completed",
            "content": [
                {"type": "output_text", "text": "It is \\boxed{", "annotations": []},
                {"type": "output_text", "text": "7}", "annotations": []},
            ],
        },
    ],
}


def get_reward(client, query, labels, prompts=None):
    return client.post("/get_reward", json={"query": query, "prompts": prompts, "labels": labels})


def test_openrlhf_shape_and_response_cut_after_the_prompt(client):
    prompt = "<|im_start|>user\nWhat is 3+4? Put it in \\boxed{}, e.g. \\boxed{5}.<|im_end|>\n<|im_start|>assistant\n"
    r = get_reward(
        client,
        [prompt + "It is \\boxed{7}.<|im_end|><|endoftext|>", prompt + "\\boxed{8}<|im_end|>"],
        ["7", "7"],
        [prompt, prompt],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rewards"] == body["scores"] == [1.0, 0.0]
    logs = body["extra_logs"]
    assert logs["prorl/correct"] == [1.0, 0.0] and logs["prorl/incorrect"] == [0.0, 1.0]
    assert all(isinstance(v, float) for values in logs.values() for v in values)  # OpenRLHF makes tensors of them


def test_openrlhf_prompt_changed_by_tokenization_is_found_by_its_tail(client):
    prompt = "x" * 300 + " Answer in \\boxed{}."
    query = " " + prompt[5:] + " \\boxed{2}"  # decode(encode(prompt)) need not give the prompt back
    assert get_reward(client, [query], ["2"], [prompt]).json()["rewards"] == [1.0]


def test_openrlhf_empty_request(client):
    assert get_reward(client, [], []).json() == {"rewards": [], "scores": [], "extra_logs": {}}


def test_openrlhf_one_malformed_label_among_valid_ones_scores_0_and_is_flagged(client):
    body = get_reward(client, ["\\boxed{2}", "\\boxed{2}"], ["2", {"domain": "nope", "reference": {}}]).json()
    assert body["rewards"] == [1.0, 0.0]
    assert body["extra_logs"]["prorl/invalid"] == [0.0, 1.0]


@pytest.mark.parametrize(
    "body,field,words",
    [
        ({"query": ["\\boxed{2}"], "labels": [["2"]]}, ["body", "labels", 0], "not list"),
        (
            {"query": ["\\boxed{2}"], "labels": [{"domain": "math", "reference": {}}]},
            ["body", "labels", 0, "reference", "answer"],
            "Field required",
        ),
        ({"query": ["a", "b"], "labels": ["1"]}, ["body", "labels"], "1 labels for 2 queries"),
        ({"query": ["a"]}, ["body", "labels"], "labels are required"),
        ({"query": "a", "labels": ["1"]}, ["body", "query"], "list"),
    ],
)
def test_openrlhf_malformed_request_is_422_naming_the_field(client, body, field, words):
    r = client.post("/get_reward", json=body)
    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["loc"] == field and words in error["msg"]


def test_openrlhf_infrastructure_failure_is_503_with_retry_after(client):
    r = get_reward(client, ["\\boxed{2}", "```python\nprint(1)\n```"], ["2", CODE])
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert "could not be scored" in r.json()["detail"] and "code domain" in r.json()["detail"]


def test_slime(client):
    r = client.post(
        "/slime/reward", json={"prompt": [{"role": "user", "content": "q"}], "response": "\\boxed{1/2}", "label": "0.5"}
    )
    assert r.json() == {"reward": 1.0, "status": "correct", "detail": "equivalent to the reference", "extracted": "1/2"}
    r = client.post("/slime/reward", json={"prompt": "q", "response": "B", "label": "C", "data_source": "gpqa_diamond"})
    assert r.json()["status"] == "incorrect" and r.json()["extracted"] == "B"
    assert client.post("/slime/reward", json={"prompt": "q", "response": "x", "label": None}).status_code == 422
    r = client.post("/slime/reward", json={"prompt": "q", "response": "```python\nprint(1)\n```", "label": CODE})
    assert r.status_code == 503 and "Retry-After" in r.headers


def test_nemo_gym_verify_echoes_the_row_and_adds_reward(client):
    row = {"responses_create_params": {"input": "What is 3+4?"}, "expected_answer": "7", "task_id": 3}
    assert client.post("/nemo_gym/seed_session", json=row).json() == {}
    for path in ("/nemo_gym/verify", "/nemo_gym/ng-rollout/abc-1/verify"):
        body = client.post(path, json={**row, "response": RESPONSES_OBJECT}).json()
        assert {k: body[k] for k in row} == row and body["response"] == RESPONSES_OBJECT
        assert body["reward"] == 1.0 and body["mask_sample"] is False
        assert body["instance_config"] == {"mask_sample": False} and body["prorl"]["status"] == "correct"


def test_nemo_gym_reference_alone_is_for_the_data_source_domain(client):
    row = {
        "reference": {"answer": "C"},
        "data_source": "gpqa_diamond",
        "response": {
            **RESPONSES_OBJECT,
            "output": [
                {
                    "type": "message",
                    "id": "m",
                    "content": [{"type": "output_text", "text": "The answer is C", "annotations": []}],
                }
            ],
        },
    }
    assert client.post("/nemo_gym/verify", json=row).json()["prorl"]["status"] == "correct"


def test_nemo_gym_infrastructure_failure_is_masked_not_0(client):
    text = {
        **RESPONSES_OBJECT,
        "output": [
            {
                "type": "message",
                "id": "m",
                "content": [{"type": "output_text", "text": "```python\nprint(1)\n```", "annotations": []}],
            }
        ],
    }
    body = client.post("/nemo_gym/verify", json={**CODE, "instance_config": {"x": 1}, "response": text}).json()
    assert body["mask_sample"] is True and body["instance_config"] == {"x": 1, "mask_sample": True}
    assert body["failure_kind"] == "infrastructure" and "code domain" in body["failure_reason"]


def test_nemo_gym_echoes_what_orjson_cannot_write(client):
    nested = deep = []
    for _ in range(300):  # past orjson's 255 levels, within what the body parser takes
        deep.append([])
        deep = deep[0]
    row = {"expected_answer": "7", "big": 2**70, "nested": nested, "response": RESPONSES_OBJECT}
    r = client.post("/nemo_gym/verify", content=json.dumps(row), headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["big"] == 2**70 and r.json()["reward"] == 1.0


@pytest.mark.parametrize(
    "row,words",
    [
        ({"expected_answer": "7"}, "Responses object"),
        ({"expected_answer": "7", "response": {"output": "text"}}, "Responses object"),
        ({"response": RESPONSES_OBJECT}, "carries no label"),
        ({"domain": "math", "reference": {"answer": 1}, "response": RESPONSES_OBJECT}, "valid string"),
        ({"domain": 3, "reference": {"answer": "1"}, "response": RESPONSES_OBJECT}, "'domain' must be a domain's name"),
        ({"reference": {"gold": "1"}, "response": RESPONSES_OBJECT}, "Field required"),  # alone: the default domain's
    ],
)
def test_nemo_gym_malformed_row_is_422(client, row, words):
    r = client.post("/nemo_gym/verify", json=row)
    assert r.status_code == 422 and words in r.json()["detail"][0]["msg"]


def test_run_code_sandbox_disabled_is_a_sandbox_error_not_retried(client):
    r = client.post("/run_code", json={"code": "print(1)", "language": "python"})
    assert r.status_code == 200
    assert r.json()["status"] == "SandboxError" and "disabled on this server" in r.json()["message"]


def test_run_code_sandbox_down_is_504_sandbox_error():
    with make_client(sandbox_enabled=True, sandbox_docker_host="tcp://127.0.0.1:9") as c:  # no engine there
        wait_ready(c.get)
        r = c.post("/run_code", json={"code": "print(1)", "language": "python"})
        assert r.status_code == 504
        assert r.json()["status"] == "SandboxError" and "code domain unavailable" in r.json()["message"]


@pytest.mark.parametrize(
    "body,words",
    [
        ({"code": "x", "language": "java"}, "'java' is not available on this server; it runs cpp and python"),
        ({"code": "x", "language": "python", "files": {"a.txt": "eA=="}}, "files and fetch_files are not supported"),
    ],
)
def test_run_code_what_we_cannot_run_is_a_sandbox_error(client, body, words):
    r = client.post("/run_code", json=body)
    assert r.status_code == 200 and r.json()["status"] == "SandboxError" and words in r.json()["message"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"code": "x", "language": "python", "run_timeout": 1000}, "run_timeout"),
        ({"code": "x", "language": "python", "compile_timeout": 0}, "compile_timeout"),
        ({"language": "python"}, "code"),
    ],
)
def test_run_code_bad_limits_are_422(client, body, field):
    r = client.post("/run_code", json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", field]


def test_protocols_need_the_api_key_when_one_is_set():
    with make_client(api_key="s3cret") as c:
        wait_ready(c.get)
        for path, body in [
            ("/get_reward", {"query": ["\\boxed{1}"], "labels": ["1"]}),
            ("/slime/reward", {"response": "1"}),
            ("/nemo_gym/verify", {}),
            ("/run_code", {"code": "1", "language": "python"}),
        ]:
            assert c.post(path, json=body).status_code == 401
        ok = c.post(
            "/get_reward", json={"query": ["\\boxed{1}"], "labels": ["1"]}, headers={"Authorization": "Bearer s3cret"}
        )
        assert ok.json()["rewards"] == [1.0]


def test_default_domain_and_data_source_table_are_settings():
    with make_client(default_domain="stem", data_sources={"my_quiz": "math"}) as c:
        wait_ready(c.get)
        assert c.post("/slime/reward", json={"response": "The answer is B", "label": "B"}).json()["status"] == "correct"
        r = c.post("/slime/reward", json={"response": "\\boxed{1/2}", "label": "0.5", "data_source": "my_quiz"})
        assert r.json()["status"] == "correct"


@pytest.mark.parametrize(
    "label",
    [
        "{" * 100_000,  # not JSON: a (refused) math answer
        '{"domain": "math", "reference": ' + "[" * 5000 + "]" * 5000 + "}",  # JSON nested past Python's limit
        '{"domain": "code", "reference": {"tests": [{"stdin": ' + "[" * 900 + "]" * 900 + ', "stdout": ""}]}}',
        "\ud800 lone surrogate",
        1e308,
        -0.0,
        10**300,
    ],
)
def test_hostile_labels_never_500(client, label):
    def post(path, body):  # json.dumps escapes lone surrogates, which httpx's json= cannot encode
        return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})

    r = post("/get_reward", {"query": ["\\boxed{1}", "\\boxed{1}"], "labels": [label, "1"]})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["rewards"][1] == 1.0
    r = post("/slime/reward", {"response": "\\boxed{1}", "label": label})
    assert r.status_code in (200, 422), r.text
