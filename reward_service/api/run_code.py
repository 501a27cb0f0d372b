"""SandboxFusion's `POST /run_code`, run in our isolated sandbox (same containers, limits and
threat model as the code domain: reward_service/sandbox/__init__.py). veRL's
`reward.sandbox_fusion.url` and SandboxFusion's own clients point here.

The program runs once on `stdin`; nothing is compared (the caller compares stdout). Statuses
follow SandboxFusion: `Success` when it compiled and exited 0 in time, `Failed` otherwise (a
compile error is `compile_result` with a non-zero return code; a timeout is `TimeLimitExceeded`),
and `SandboxError` for what we cannot run (a language other than python and cpp, `files`, a
sandbox disabled on this server). When our sandbox is down or fails the answer is 504 with a
SandboxError body: the one status veRL's client retries; after its retries it records the test
as an API error.
"""

from fastapi import APIRouter, Depends, Request

from reward_service.api.responses import REFUSALS, json_response
from reward_service.api.samples import reject
from reward_service.config import Settings, get_settings
from reward_service.schemas import RunCodeRequest, RunCodeResponse
from reward_service.verifiers.code import FENCE_TAGS

__all__ = ["router"]

router = APIRouter(tags=["sandbox-fusion"], responses=REFUSALS)


def _answer(
    status: str,
    message: str = "",
    compile_result: dict | None = None,
    run_result: dict | None = None,
    http_status: int = 200,
):
    return json_response(
        {
            "status": status,
            "message": message,
            "compile_result": compile_result,
            "run_result": run_result,
            "executor_pod_name": None,
            "files": {},
        },
        http_status,
    )


def _command(result: dict, stdout: str | None = None, stderr: str | None = None) -> dict:
    """A compile's or run's report as SandboxFusion's CommandRunResult."""
    status = "TimeLimitExceeded" if result.get("timed_out") else "Finished"
    return {
        "status": status,
        "execution_time": round(result["elapsed"], 6),
        "return_code": result["returncode"],
        "stdout": stdout,
        "stderr": stderr,
    }


@router.post("/run_code", response_model=RunCodeResponse)
async def run_code(body: RunCodeRequest, request: Request, settings: Settings = Depends(get_settings)):
    for name in ("run_timeout", "compile_timeout"):
        if getattr(body, name) > settings.max_timeout_s:
            reject(
                [
                    {
                        "loc": ["body", name],
                        "type": "less_than_equal",
                        "msg": f"{name} must be at most {settings.max_timeout_s:g} (the server's REWARD_MAX_TIMEOUT_S)",
                    }
                ]
            )
    if body.language not in FENCE_TAGS:
        return _answer(
            "SandboxError",
            f"language {body.language!r} is not available on this server; it runs {' and '.join(sorted(FENCE_TAGS))}",
        )
    if body.files or body.fetch_files:
        return _answer("SandboxError", "files and fetch_files are not supported on this server; send them empty")
    sandbox = request.app.state.sandbox
    if not sandbox.enabled:  # not transient: no 504, which clients retry
        return _answer("SandboxError", "the code sandbox is disabled on this server (REWARD_SANDBOX_ENABLED=false)")
    limit = settings.sandbox_output_limit_mb * 2**20
    memory = sandbox.max_memory_mb if body.memory_limit_MB <= 0 else min(body.memory_limit_MB, sandbox.max_memory_mb)
    job = {
        "mode": "run",
        "language": body.language,
        "source": body.code,
        "stdin": body.stdin or "",
        "time_limit_s": body.run_timeout,
        "total_time_limit_s": body.run_timeout,
        "compile_time_limit_s": body.compile_timeout,
        "memory_mb": memory,
        "output_limit_bytes": limit,
    }
    result, trouble = await sandbox.execute(job)
    if result is None:
        why = f"the program broke its sandbox twice: {trouble.detail}" if trouble.broken else trouble.detail
        if trouble.broken and not await sandbox.engine_trouble():
            return _answer("Failed", why, run_result={"status": "Error", "stderr": why})
        return _answer("SandboxError", why, http_status=504)
    if "run" not in result:  # the runner failed, not the program
        return _answer("SandboxError", result.get("error") or "the sandbox sent a malformed result", http_status=504)
    compiled = result.get("compile")
    compile_result = _command(compiled, "", compiled["output"]) if compiled else None
    if compiled and (compiled["timed_out"] or compiled["returncode"] != 0):
        return _answer("Failed", "compile error", compile_result)
    run = result.get("run")
    if run is None:
        why = result.get("error") or "the program stopped its runner"
        return _answer("Failed", why, compile_result, {"status": "Error", "stderr": why})
    run_result = _command(run, run["stdout"], run["stderr"])
    ok = not run["timed_out"] and run["returncode"] == 0
    return _answer("Success" if ok else "Failed", "", compile_result, run_result)
