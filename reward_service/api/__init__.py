"""HTTP routers: scoring (`/v1/*`), health (`/healthz`, `/readyz`, `/metrics`), and other
frameworks' protocols (`/get_reward` OpenRLHF, `/run_code` SandboxFusion, `/slime/reward`,
`/nemo_gym/*`), which share `samples`."""

__all__: list[str] = []
