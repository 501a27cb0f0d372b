"""The halves stay apart, checked on the sources: the service never imports the trainer, and the
trainer takes nothing from the service half but its client (`prorl data`'s builders, which check
references with the verifiers and need the service extra, are the one exception)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported(package: str) -> dict[str, set[str]]:
    """{module file: names of the modules it imports}, for every module of `package`."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_the_service_never_imports_the_trainer():
    offenders = {
        path: sorted(n for n in names if n.split(".")[0] == "trainer")
        for path, names in imported("reward_service").items()
    }
    assert not {path: names for path, names in offenders.items() if names}


# The client and what it is built of: all of it in the base install (httpx, pydantic), none of it
# the service's stack. `local` starts a `prorl serve` when the service extra is installed too.
CLIENT = {"reward_service.client", "reward_service.failover", "reward_service.schemas", "reward_service.local"}


def test_the_trainer_takes_only_the_client_from_the_service():
    offenders = {}
    for path, names in imported("trainer").items():
        if path.startswith("trainer/datasets/"):
            continue  # `prorl data` needs the service extra, and says so
        service = {n for n in names if n.split(".")[0] == "reward_service"} - CLIENT
        if service:
            offenders[path] = sorted(service)
    assert not offenders


def test_the_command_loads_neither_half_until_a_command_runs():
    heavy = ["fastapi", "uvicorn", "pydantic", "math_verify", "sympy", "reasoning_gym", "torch", "transformers", "yaml"]
    code = f"import sys, prorl.cli; prorl.cli.build_parser(); print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr
