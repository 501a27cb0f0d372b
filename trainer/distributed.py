"""Training on N processes with the distributed engine PyTorch ships: torch.distributed (c10d)
for the process group and collectives, FSDP2 (`fully_shard`) for sharded parameters, gradients
and optimizer state, torch.distributed.checkpoint for sharded checkpoints (trainer/checkpoint.py).

A run is distributed when a launcher set the process group's environment (torchrun, or
`prorl train --nproc N`, which runs torchrun): RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT
or a c10d rendezvous. Then every rank holds a `World` of its place, and the loop's decisions that
must agree (how many sampling rounds, whether to reset, whether time is up) are taken on the
global picture: gathered counts, or rank 0's view broadcast. Without a launcher `SOLO` stands for
the one process and every function here is the identity or a no-op, so the single-process path
runs no collective at all.

Backends: NCCL on GPUs, gloo on CPU. On GPUs each rank sees only the GPU of its LOCAL_RANK
(CUDA_VISIBLE_DEVICES is narrowed before CUDA starts), so everything that picks "the" GPU, vLLM's
worker included, picks the rank's own. Every collective has the run's `dist_timeout_s`: a rank that
dies or hangs makes the others fail at their next collective instead of waiting for ever (and
torchrun stops the whole job as soon as one rank exits with an error).
"""

import datetime
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch

__all__ = [
    "World",
    "SOLO",
    "init_world",
    "close_world",
    "gather",
    "from_main",
    "sum_all",
    "shard_model",
    "full_weights",
    "norm_value",
]


@dataclass(frozen=True)
class World:
    """This process's place: rank among `size` ranks, its GPU index on its node (`local_rank`) and
    its node's index (`node`). `active` when a process group exists (even of size 1)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    node: int = 0
    active: bool = False

    @property
    def main(self) -> bool:
        """Rank 0: the one that logs, writes the consolidated checkpoint and reads the RESET file."""
        return self.rank == 0

    def share(self, items: list) -> list:
        """This rank's share of `items`: every size-th one from its rank (strided, so shares differ by at most one)."""
        return items[self.rank :: self.size]


SOLO = World()


def launched() -> bool:
    """Whether a launcher (torchrun, Slurm via torchrun, a Kubernetes Job via torchrun) started this process."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def init_world(device: str, timeout_s: float) -> World:
    """Join the process group when launched (NCCL on CUDA, gloo on CPU), else SOLO. On CUDA each rank
    takes the GPU of its LOCAL_RANK. `device` is the config's ("" = cuda if available)."""
    if not launched():
        return SOLO
    import torch.distributed as dist

    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if device not in ("", "cpu", "cuda"):
        raise ValueError(
            f"device={device!r}: under torchrun each rank takes the GPU of its LOCAL_RANK; set device to "
            '"cuda", "cpu" or "" (choose the GPUs with CUDA_VISIBLE_DEVICES)'
        )
    if device != "cpu":
        _own_gpu_only(local_rank)
    cuda = device == "cuda" or (not device and torch.cuda.is_available())
    if cuda:
        torch.cuda.set_device(0)  # the one GPU this rank sees
    if not dist.is_initialized():
        dist.init_process_group(
            backend="nccl" if cuda else "gloo",
            timeout=datetime.timedelta(seconds=timeout_s),
            device_id=torch.device("cuda", 0) if cuda else None,
        )
    return World(
        rank=dist.get_rank(),
        size=dist.get_world_size(),
        local_rank=local_rank,
        node=int(os.environ.get("GROUP_RANK", 0)),
        active=True,
    )


def _own_gpu_only(local_rank: int) -> None:
    """Narrow CUDA_VISIBLE_DEVICES to this rank's GPU (the local_rank-th of those visible), before
    anything starts CUDA. Harmless where there is no GPU; an empty list (GPUs hidden) stays empty."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and not visible.strip():
        return
    gpus = visible.split(",") if visible is not None else [str(local_rank)]
    if visible is not None and local_rank >= len(gpus):
        raise ValueError(
            f"LOCAL_RANK {local_rank} has no GPU: CUDA_VISIBLE_DEVICES={visible!r} lists {len(gpus)}; run at "
            "most that many ranks per node (--nproc_per_node)"
        )
    os.environ["CUDA_VISIBLE_DEVICES"] = gpus[local_rank] if visible is not None else gpus[0]


def close_world(world: World) -> None:
    """Leave the process group (vLLM's engine shutdown may already have destroyed it)."""
    import torch.distributed as dist

    if world.active and dist.is_initialized():
        dist.destroy_process_group()


def gather(world: World, value) -> list:
    """Every rank's `value` (any picklable object), in rank order, on every rank."""
    if not world.active:
        return [value]
    import torch.distributed as dist

    out = [None] * world.size
    dist.all_gather_object(out, value)
    return out


def from_main(world: World, value):
    """Rank 0's `value` on every rank: how a decision one rank makes (a RESET file it sees, the
    clock it reads) becomes everyone's."""
    if not world.active:
        return value
    import torch.distributed as dist

    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def sum_all(world: World, values: list[float]) -> list[float]:
    """Element-wise sums of `values` over the ranks (float64, so token counts stay exact)."""
    if not world.active:
        return list(values)
    import torch.distributed as dist

    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None
    total = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(total)
    return total.tolist()


def shard_model(model: torch.nn.Module, world: World, device: torch.device, bf16: bool) -> torch.nn.Module:
    """FSDP2 in place: each transformer block (the model's `_no_split_modules` classes, the unit
    Hugging Face and accelerate shard by) and then the whole model become `fully_shard` units over
    all ranks, their shards on `device` (a model loaded on the CPU moves there block by block, so a
    GPU never holds the whole model). Parameters stay fp32 (the optimizer's master copy); with `bf16` the forward and
    backward compute in bf16 and gradients are reduced in fp32.

    FSDP averages gradients over the ranks; the update (trainer/update.py) scales each rank's loss
    by N so that the average is the sum, the one-process gradient. (Asking FSDP for a sum instead,
    `set_gradient_divide_factor(1)`, needs a reduce op gloo does not have.)"""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    mesh = init_device_mesh(device.type, (world.size,))
    precision = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) if bf16 else None
    kwargs = {"mesh": mesh, **({"mp_policy": precision} if precision else {})}
    blocks = set(getattr(model, "_no_split_modules", None) or ())
    for module in list(model.modules()):
        if type(module).__name__ in blocks:
            fully_shard(module, **kwargs)
    fully_shard(model, **kwargs)
    return model


def full_weights(model: torch.nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
    """The model's weights by Hugging Face name, each whole: a sharded parameter is all-gathered
    one at a time (every rank must consume the iterator in full, in the same order), a plain one
    is passed as it is. What rollout engines load after each step."""
    from torch.distributed.tensor import DTensor

    for name, tensor in model.state_dict().items():
        tensor = tensor.detach()
        yield name, tensor.full_tensor() if isinstance(tensor, DTensor) else tensor


def norm_value(norm) -> float:
    """clip_grad_norm_'s result as a float: over sharded parameters it is a replicated DTensor."""
    return float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)
