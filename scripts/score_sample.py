"""The README's main job (for now): start the reward service on a loopback port, score a sample
batch of math answers over HTTP, print the verdicts, stop the service."""

import json
import pathlib
import socket
import subprocess
import sys
import time

import httpx

BATCH = pathlib.Path(__file__).resolve().parent.parent / "examples" / "math_batch.json"


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "prorl", "serve", "--port", str(port),
                               "--log-level", "warning"])
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                sys.exit("the reward service did not start; see its log above")
            time.sleep(0.2)
        print(f"reward service ready at {url}; scoring {BATCH.name}\n")
        body = json.loads(BATCH.read_text())
        start = time.perf_counter()
        results = httpx.post(f"{url}/v1/score", json=body, timeout=60).json()["results"]
        print(f"{'id':18} {'status':10} {'reward':>6}  {'extracted':22} detail")
        for r in results:
            extracted = (r["extracted"] or "")[:22]
            print(f"{r['id']:18} {r['status']:10} {r['reward']:6.1f}  {extracted:22} {r['detail']}")
        print(f"\n{len(results)} items scored in {time.perf_counter() - start:.2f} s")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
