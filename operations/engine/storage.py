"""Storage VMotion and cold migration (REFERENCE.md §4).

Storage VMotion (4.x) copies the VM home, then each disk with Changed Block Tracking: a full
copy, then the blocks the guest changed meanwhile, round after round, then a fast
suspend/resume onto the new files. A cold migration copies a powered-off VM's files once.
"""

from __future__ import annotations

from dataclasses import dataclass

from .changes import Change, HostDown, StorageLost, common_reaction
from .timeline import Plan, Step

# [model] sustained copy rate of a datastore by its backing, MB/s; a copy runs at the slower end
BACKING_MB_S = {"local": 120.0, "iscsi": 100.0, "fc": 200.0, "nfs": 90.0}
HOME_MB = 200  # [model] configuration, logs and NVRAM in the VM's home folder
CBT_GOAL_S = 1.0  # [model] suspend/resume once the changed blocks fit in a second
CBT_MAX_ROUNDS = 10
FSR_S = 0.4  # [model] fast suspend/resume of the running VM onto the new files
REGISTER_S = 2.0
PATHS_DOWN = ("Cannot access datastore {ds} from host {host}: all paths are down. The files of {vm} stay where they "
              "were.")
DESTINATION_DOWN = "Migration to host {dst} failed: the destination host went down. {vm} stays on {host}."


def copy_mb_s(src_backing: str, dst_backing: str) -> float:
    return min(BACKING_MB_S.get(src_backing, 100.0), BACKING_MB_S.get(dst_backing, 100.0))


@dataclass(frozen=True)
class DiskCopy:
    label: str
    used_mb: float


def _start(dst: str) -> list[Step]:
    return [Step(2.0, f"Checking {dst} and reserving space", 2)]


def relocate_plan(*, disks: list[DiskCopy], write_mb_s: float, bandwidth_mb_s: float, dst: str, live: bool) -> Plan:
    """The steps of a Storage VMotion (`live`) or of a cold copy of the VM's files to `dst`."""
    total_mb = HOME_MB + sum(d.used_mb for d in disks) or 1.0
    steps = _start(dst)
    done_mb = 0.0

    def progress_after(mb: float) -> int:
        return 2 + round(93 * mb / total_mb)

    done_mb += HOME_MB
    steps.append(Step(HOME_MB / bandwidth_mb_s, "Copying the virtual machine home folder", progress_after(done_mb)))
    cbt_rounds = 0
    for disk in disks:
        seconds = disk.used_mb / bandwidth_mb_s
        done_mb += disk.used_mb
        steps.append(Step(seconds, f"Copying {disk.label}: {{left}} left", progress_after(done_mb),
                          left_from=disk.used_mb, left_to=0.0))
        if not live:
            continue
        changed = min(disk.used_mb, write_mb_s * seconds)
        for n in range(1, CBT_MAX_ROUNDS + 1):
            if changed / bandwidth_mb_s <= CBT_GOAL_S:
                break
            seconds = changed / bandwidth_mb_s
            cbt_rounds += 1
            steps.append(Step(seconds, f"{disk.label}: copying changed blocks (CBT round {n}): {{left}} left",
                              progress_after(done_mb), left_from=changed, left_to=0.0))
            changed = min(disk.used_mb, write_mb_s * seconds)
    if live:
        steps.append(Step(FSR_S, "Fast suspend/resume onto the new files", 99, cancelable=False))
    else:
        steps.append(Step(REGISTER_S, "Registering the virtual machine", 99, cancelable=False))
    return Plan(steps, commit="relocate", facts={"cbt_rounds": cbt_rounds, "copied_mb": round(total_mb)})


def register_plan(*, dst: str) -> Plan:
    """A cold migration that only changes host: the files stay, the VM is registered on `dst`."""
    return Plan([Step(2.0, f"Checking {dst}", 40), Step(REGISTER_S, f"Registering the virtual machine on {dst}", 99,
                                                        cancelable=False)], commit="relocate")


def react(role: str, change: Change, facts: dict) -> str | None:
    """How a Storage VMotion or a cold migration takes `change`: a datastore it reads or writes
    that becomes unreachable from the host doing the copy (its paths, or the host, went down)
    fails it; so does the loss of the host a cold migration registers the VM on. `facts`: vm,
    host (the host doing the copy), host_id, dst (a new host's name, or None), datastores
    ({id: name} of those it reads or writes, in order)."""
    datastores = facts["datastores"]
    if role == "host":
        lost = [d for d in datastores if isinstance(change, HostDown) or (
            isinstance(change, StorageLost) and int(d) in change.datastores)]
        if lost:
            return PATHS_DOWN.format(ds=datastores[lost[0]], host=facts["host"], vm=facts["vm"])
    if role == "destination" and isinstance(change, HostDown):
        return DESTINATION_DOWN.format(**facts)
    return common_reaction(role, change)
