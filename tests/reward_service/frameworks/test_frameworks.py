"""Each framework's own client code, from its released package, against a real `prorl serve`:
veRL's SandboxFusion client (check_correctness and compute_score), SandboxFusion's own client,
OpenRLHF's single-turn executor, and our veRL compute_score; a failure on our side must reach
each framework as a failure (an error, a None), never as a reward of 0. TRL: test_trl.py."""

import asyncio
from types import SimpleNamespace

import pytest
import torch

from reward_service.frameworks import verl

pytestmark = [pytest.mark.docker, pytest.mark.slow]

AB = "a, b = map(int, input().split())\nprint(a + b)"
CASES = {"inputs": ["1 2\n", "30 12\n"], "outputs": ["3\n", "42\n"]}
CPP_AB = '#include <cstdio>\nint main() { int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a + b); }'


@pytest.mark.parametrize(
    "program,language,expected",
    [
        (AB, "python", [True, True]),
        ("a, b = map(int, input().split())\nprint(a - b)", "python", [False, False]),
        ("raise SystemExit('no')", "python", [-2, -2]),
        ("import time\ntime.sleep(30)", "python", [-3, -3]),
        ("int main() { return }", "cpp", [-4, -4]),
        (CPP_AB, "cpp", [True, True]),
    ],
)
def test_verl_check_correctness(verl_sandbox_fusion, live_url, program, language, expected):
    results, metadata = verl_sandbox_fusion.utils.check_correctness(
        live_url + "/run_code", CASES, program, timeout=2, memory_limit_mb=1024, language=language
    )
    assert results == expected, metadata


def test_verl_check_correctness_wraps_fn_name_programs_in_its_harness(verl_sandbox_fusion, live_url):
    cases = {"fn_name": "add", "inputs": ["1\n2", "[1]\n[2, 3]"], "outputs": ["3", "[1, 2, 3]"]}
    results, metadata = verl_sandbox_fusion.utils.check_correctness(
        live_url + "/run_code", cases, "def add(a, b):\n    return a + b", timeout=5
    )
    assert results == [True, True], metadata


def test_verl_sandbox_fusion_compute_score(verl_sandbox_fusion, live_url):
    score, _ = verl_sandbox_fusion.compute_score(live_url + "/run_code", None, 1024, f"```python\n{AB}\n```", CASES)
    assert score == 1.0


def test_verl_sees_a_down_sandbox_as_an_api_error_not_a_wrong_answer(verl_sandbox_fusion, broken_sandbox_url):
    results, metadata = verl_sandbox_fusion.utils.check_correctness(
        broken_sandbox_url + "/run_code", CASES, AB, timeout=2
    )
    assert results == [-1, -1]
    assert "504" in metadata[0]["api_request_error"]  # our 504: the one status its client retries


def test_verl_sees_a_disabled_sandbox_as_a_sandbox_error(verl_sandbox_fusion, no_sandbox_url):
    results, metadata = verl_sandbox_fusion.utils.check_correctness(no_sandbox_url + "/run_code", CASES, AB, timeout=2)
    assert results == [-1, -1] and metadata[0]["status"] == "sandbox_error"


def test_sandbox_fusion_client(live_url):
    from sandbox_fusion import RunCodeRequest, run_code

    answer = run_code(RunCodeRequest(code=AB, stdin="2 3\n", language="python"), endpoint=live_url, max_attempts=1)
    assert answer.status.value == "Success" and answer.run_result.stdout == "5\n"
    answer = run_code(RunCodeRequest(code="print(1/0)", language="python"), endpoint=live_url, max_attempts=1)
    assert answer.status.value == "Failed" and "ZeroDivisionError" in answer.run_result.stderr
    with pytest.raises(Exception, match="'go' is not available on this server; it runs cpp and python"):
        run_code(
            RunCodeRequest(code="x", language="go"), endpoint=live_url, max_attempts=1
        )  # it raises on SandboxError


class CharTokenizer:
    """One token per character, decoded as is (OpenRLHF decodes with special tokens kept)."""

    def __call__(self, text, add_special_tokens=False, return_tensors="pt"):
        return {"input_ids": torch.tensor([[ord(c) for c in text]])}

    def decode(self, ids, skip_special_tokens=False):
        return "".join(map(chr, ids))


class Engine:
    def __init__(self, text: str):
        self.text = text

    async def generate(self, prompt_ids, sampling_params, multi_modal_data=None):
        ids = [ord(c) for c in self.text]
        return SimpleNamespace(
            outputs=[SimpleNamespace(token_ids=ids, text=self.text, finish_reason="stop", logprobs=None)]
        )


def openrlhf_execute(agent, url: str, prompt: str, response: str, label) -> dict:
    executor = agent.SingleTurnAgentExecutor(url + "/get_reward")
    params = SimpleNamespace(max_tokens=256, logprobs=None)
    return asyncio.run(executor.execute(prompt, label, params, 4096, CharTokenizer(), Engine(response)))


PROMPT = "<|im_start|>user\nAdd the two numbers; box the answer like \\boxed{5}.<|im_end|>\n<|im_start|>assistant\n"


@pytest.mark.parametrize(
    "response,label,reward",
    [
        ("3 + 4 = \\boxed{7}<|im_end|>", "7", 1.0),
        ("\\boxed{5}<|im_end|>", "7", 0.0),
        (
            f"```python\n{AB}\n```<|im_end|>",
            '{"domain": "code", "reference": {"tests": [{"stdin": "3 4\\n", "stdout": "7\\n"}]}}',
            1.0,
        ),
        (f"```python\n{AB}\n```<|im_end|>", {"inputs": ["3 4\n", "1 1\n"], "outputs": ["7\n", "3\n"]}, 0.5),
    ],
)
def test_openrlhf_executor(openrlhf_agent, live_url, response, label, reward):
    output = openrlhf_execute(openrlhf_agent, live_url, PROMPT, response, label)
    assert output["reward"] == [reward] and output["scores"] == [reward]
    assert output["extra_logs"]["prorl/invalid"] == [0.0]


def test_openrlhf_gets_no_reward_when_we_fail(openrlhf_agent, no_sandbox_url):
    output = openrlhf_execute(
        openrlhf_agent, no_sandbox_url, PROMPT, f"```python\n{AB}\n```", {"inputs": ["3 4\n"], "outputs": ["7\n"]}
    )
    assert output["reward"] is None and output["scores"] is None  # after its 5 tries; its step then stops


def test_our_verl_compute_score(live_url):
    gsm8k = verl.compute_score("openai/gsm8k", "So the answer is \\boxed{18}.", "18", {"index": 0}, url=live_url)
    assert gsm8k == {"score": 1.0, "acc": 1.0, "prorl_status": "correct"}
    code = asyncio.run(verl.compute_score_async("codecontests", f"```python\n{AB}\n```", CASES, url=live_url))
    assert code["score"] == 1.0 and code["prorl_status"] == "correct"
    wrong = verl.compute_score("unknown_set", "\\boxed{3}", "4", url=live_url, default_domain="math")
    assert wrong == {"score": 0.0, "acc": 0.0, "prorl_status": "incorrect"}


def test_our_verl_compute_score_names_its_arguments(live_url):
    with pytest.raises(TypeError, match=r"unknown reward_kwargs \['ur'\]: this compute_score takes url"):
        verl.compute_score("openai/gsm8k", "\\boxed{1}", "1", ur=live_url)
    assert (
        verl.compute_score("openai/gsm8k", "\\boxed{1}", "1", url=live_url, reward_router_address=None)["score"] == 1.0
    )


def test_our_verl_compute_score_raises_when_we_fail(no_sandbox_url):
    with pytest.raises(RuntimeError, match="could not score a 'taco' sample.*code domain"):
        verl.compute_score("taco", f"```python\n{AB}\n```", CASES, url=no_sandbox_url)
    with pytest.raises(RuntimeError, match="could not score"):
        asyncio.run(verl.compute_score_async("taco", f"```python\n{AB}\n```", CASES, url=no_sandbox_url))
