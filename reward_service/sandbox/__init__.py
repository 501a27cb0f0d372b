"""Runs model-written programs in Docker containers for the `code` domain.

Threat model. The program is hostile: written by a policy that is rewarded for passing tests
and may stumble on any trick that raises its reward. We defend:
- the host and the service: no network (`--network none`), read-only root, no host mounts and
  never the Docker socket, a non-root user with every capability dropped and
  `no-new-privileges`, and caps on memory (no extra swap), CPU, pids, open files, file size,
  scratch space (a small tmpfs) and output. A program that exhausts any of them fails its own
  test; the container's runner, the service and other submissions carry on.
- the verdict: expected outputs never leave the runner (pid 1 of the container, non-dumpable,
  unkillable from inside); every comparison is made outside the program's process, every test
  is run and compared in full (no early stop, no `zip` over lines, no exit-code-only passes).
- other submissions: a container runs one job at a time; after each job every other process
  is killed, the scratch mounts are emptied and SysV IPC removed, and a container that cannot
  prove it is clean is replaced. Secrets in the host's environment never reach a container.
- the status: a program that breaks its container (its runner OOM-killed, say) gets its job
  rerun in another; breaking that one too scores 0, not `error`, which trainers would drop.

Not defended: kernel exploits and container escapes through the kernel (use gVisor or a VM
runtime via Docker's `--runtime` where that matters), CPU side channels between containers on
one host, and denial of service to the Docker engine itself. A program can see the files of
the image (Python's standard library, g++) and its own test inputs. All containers share one
host uid (10001), so per-user kernel limits (pipe buffers, inotify watches, message-queue
bytes) are shared between concurrent sandboxes: a program can briefly starve a neighbour of
them, not read or change its state. Inside a container the program runs as the same uid as the
zygote and judge, so it can kill them (its tests then fail), but not trace or read them. The same
holds for the forkserver that every job's zygote is forked from and for the runner: a program may
kill, stop, renice or lower the limits of either, so after each job the runner replaces a
forkserver that is not as it started, and reports its own changed limits as unclean (the
container is replaced): no job inherits what another did to them.

A service that runs in a container itself (compose.yaml) reaches the engine through `proxy`, a
gate that passes on only the pool's own Docker calls: the service never holds the Docker socket,
so its compromise is not root on the host (that module's docstring has its own threat model).

Modules: `images` (tags, `prorl sandbox build`), `containers` (one warm container, the docker
command line), `pool` (the warm pool the service scores with), `proxy` (`prorl sandbox proxy`),
`inside/` (the runner that lives in the image, with its forkserver and zygotes; it also runs
natively, without a sandbox, for benchmarks); `dockerfiles/` links to the top-level sandboxes/ so the wheel ships them.
"""

# SandboxPool is imported from reward_service.sandbox.warm_pool (this package stays light for images.py)

__all__: list[str] = []
