"""VMotion as vSphere 4 does it (REFERENCE.md §4): prepare the destination, pre-copy memory in
rounds while the guest keeps dirtying pages, then stun the VM, send what is left with the
device state, resume it on the destination and send a RARP.
"""

from __future__ import annotations

from dataclasses import dataclass

from .changes import Change, HostDown, PartitionStarted, VmotionNetLost, common_reaction
from .timeline import Plan, Step

MB_PER_S = {1: 110.0, 10: 325.0}  # one VMotion on 1 GbE; ESX 4.0 reached ~2.6 Gbit/s on 10 GbE
CONCURRENT_PER_HOST = {1: 4, 10: 8}
CONCURRENT_PER_DATASTORE = 128
SWITCHOVER_GOAL_S = 0.25  # [model] stun once what is left can be sent in this time
PRECOPY_TIMEOUT_S = 100.0  # ESX 4.1: "exceeded the maximum switchover time of 100 second(s)"
DEVICE_STATE_S = 0.08  # [model] device state, resume and RARP, on top of the last pages
HIGH_PRIORITY_CORE_SHARE = {1: 0.3, 10: 1.0}  # [model] CPU a high-priority VMotion reserves
LOW_PRIORITY_SLOWDOWN = 0.5  # [model] low priority loses up to half its speed on busy hosts
PREPARE = (
    (2.0, "Checking compatibility and resources", 2),
    (3.0, "Creating the virtual machine on {dst}", 5),
    (1.0, "Opening the VMotion connection to {dst}", 6),
)
# vSphere's messages when a running VMotion loses what it depends on
SOURCE_DOWN = "The source host {src} failed during the migration; {vm} went down with it."
DESTINATION_DOWN = "Migration to host {dst} failed: the destination host went down. {vm} keeps running on {src}."
NETWORK_FAILED = (
    "The VMotion failed because the ESX hosts were not able to connect over the VMotion network. Please check your "
    "VMotion network settings and physical network configuration."
)
KEEPS_RUNNING = "{vm} keeps running on {src}."
NOT_CONVERGED = (
    "The migration has exceeded the maximum switchover time of 100 second(s). ESX has preemptively failed "
    "the migration to allow the virtual machine to continue running on the source host {src}: the guest dirties "
    "memory faster than the VMotion network can copy it."
)


def link_mb_s(gbps: int) -> float:
    return MB_PER_S[10 if gbps >= 10 else 1]


def host_limit(gbps: int) -> int:
    return CONCURRENT_PER_HOST[10 if gbps >= 10 else 1]


def cpu_reservation_mhz(gbps: int, core_mhz: int) -> int:
    """CPU a high-priority VMotion reserves on each of the two hosts."""
    return round(HIGH_PRIORITY_CORE_SHARE[10 if gbps >= 10 else 1] * core_mhz)


def bandwidth_mb_s(*, src_gbps: int, dst_gbps: int, sharing: int, priority: str, cpu_busy: float) -> float:
    """[model] The link of the slower host, shared evenly by the migrations running on it when
    this one starts; a low-priority migration also slows down as the hosts get busy."""
    bandwidth = min(link_mb_s(src_gbps), link_mb_s(dst_gbps)) / max(1, sharing)
    if priority == "low":
        bandwidth *= 1 - LOW_PRIORITY_SLOWDOWN * min(1.0, max(0.0, cpu_busy))
    return bandwidth


@dataclass(frozen=True)
class Round:
    number: int
    copy_mb: float
    seconds: float
    dirtied_mb: float  # what the guest dirtied meanwhile: the next round's work


@dataclass(frozen=True)
class Precopy:
    rounds: list[Round]
    converged: bool
    left_mb: float  # sent while the VM is stunned
    stun_s: float

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.rounds)


def plan_precopy(
    *, memory_mb: float, active_mb: float, dirty_mb_s: float, bandwidth_mb_s: float,
    goal_s: float = SWITCHOVER_GOAL_S, timeout_s: float = PRECOPY_TIMEOUT_S,
) -> Precopy:
    """Round 1 copies all memory; each next round copies what the guest dirtied during the one
    before (at most its active memory). Switch over once the rest fits in `goal_s`; give up when
    the rounds after the first have run `timeout_s` without getting there."""
    rounds: list[Round] = []
    to_copy = float(memory_mb)
    while True:
        seconds = to_copy / bandwidth_mb_s
        dirtied = min(float(active_mb), dirty_mb_s * seconds)
        rounds.append(Round(len(rounds) + 1, to_copy, seconds, dirtied))
        if dirtied / bandwidth_mb_s <= goal_s:
            return Precopy(rounds, True, dirtied, dirtied / bandwidth_mb_s + DEVICE_STATE_S)
        if sum(r.seconds for r in rounds[1:]) >= timeout_s:
            return Precopy(rounds, False, dirtied, 0.0)
        to_copy = dirtied


def vmotion_plan(*, precopy: Precopy, src: str, dst: str) -> Plan:
    steps = [Step(seconds, phase.format(dst=dst), progress) for seconds, phase, progress in PREPARE]
    last_progress = PREPARE[-1][2]
    total = precopy.seconds or 1.0
    elapsed = 0.0
    for r in precopy.rounds:
        elapsed += r.seconds
        progress = last_progress + round((95 - last_progress) * elapsed / total)
        steps.append(Step(r.seconds, f"Pre-copy round {r.number}: {{left}} left", progress,
                          left_from=r.copy_mb, left_to=0.0))
    if not precopy.converged:
        return Plan(steps, failure=NOT_CONVERGED.format(src=src), facts={"rounds": len(precopy.rounds)})
    steps.append(Step(
        precopy.stun_s, f"Switchover: virtual machine stunned, sending the last {precopy.left_mb:,.0f} MB and "
        f"device state; resuming on {dst}, RARP sent", 99, cancelable=False,
    ))
    return Plan(steps, commit="vmotion", facts={
        "rounds": len(precopy.rounds), "stun_ms": max(1, round(precopy.stun_s * 1000)),
    })


def network_failed(*, vm: str, src: str) -> str:
    return f"{NETWORK_FAILED} {KEEPS_RUNNING.format(vm=vm, src=src)}"


def react(role: str, change: Change, facts: dict) -> str | None:
    """How a VMotion (queued or running) takes `change` to a host it uses (`role`: source or
    destination): the failure message, or None when it goes on. `facts`: vm, src, dst (names),
    src_id, dst_id."""
    if isinstance(change, HostDown):
        if role == "source":
            return SOURCE_DOWN.format(**facts)
        if role == "destination":
            return DESTINATION_DOWN.format(**facts)
    if isinstance(change, VmotionNetLost) and role in ("source", "destination"):
        return network_failed(vm=facts["vm"], src=facts["src"])
    if isinstance(change, PartitionStarted) and change.between(facts["src_id"], facts["dst_id"]):
        return network_failed(vm=facts["vm"], src=facts["src"])
    return common_reaction(role, change)
