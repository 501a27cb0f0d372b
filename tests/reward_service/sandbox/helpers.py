"""Helpers for the code-domain tests: items, scoring one program, waiting for the sandboxes."""

import time


def wait_code_ready(client, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if client.get("/readyz").json().get("code") == "ready":
            return
        time.sleep(0.2)
    raise AssertionError(f"the code domain did not come up: {client.get('/readyz').json()}")


def code_item(program: str, reference: dict, language: str = "python", **extra) -> dict:
    fence = "python" if language == "python" else "cpp"
    return {"domain": "code", "response": f"Here it is.\n```{fence}\n{program}\n```\n", "reference": reference, **extra}


def score(client, program: str, reference: dict, language: str = "python") -> dict:
    r = client.post("/v1/score", json={"items": [code_item(program, reference, language)]})
    assert r.status_code == 200, r.text
    return r.json()["results"][0]
