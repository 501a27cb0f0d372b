"""The README's main job (for now): start the reward service on a loopback port, score a sample
batch of math answers over HTTP, print the verdicts, stop the service."""

import json
import pathlib
import sys
import time

import httpx

from reward_service.local import LocalServer

BATCH = pathlib.Path(__file__).resolve().parent.parent / "examples" / "math_batch.json"


def main() -> None:
    """Start the service, score the sample batch, print one line per verdict."""
    try:
        server = LocalServer("--log-level", "warning", timeout_s=60).start()
    except RuntimeError as exc:
        sys.exit(f"the reward service did not start: {exc}")
    with server:
        print(f"reward service ready at {server.url}; scoring {BATCH.name}\n")
        body = json.loads(BATCH.read_text())
        start = time.perf_counter()
        results = httpx.post(f"{server.url}/v1/score", json=body, timeout=60).json()["results"]
        print(f"{'id':18} {'status':10} {'reward':>6}  {'extracted':22} detail")
        for r in results:
            extracted = (r["extracted"] or "")[:22]
            print(f"{r['id']:18} {r['status']:10} {r['reward']:6.1f}  {extracted:22} {r['detail']}")
        print(f"\n{len(results)} items scored in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
