import pytest

from operations.engine import vmotion
from operations.engine.lab import LabSim
from operations.engine.timeline import CANCELED
from operations.engine.workloads import WORKLOADS


def web_vm_precopy(bandwidth=110.0, workload="web", memory=2048):
    w = WORKLOADS[workload]
    return vmotion.plan_precopy(memory_mb=memory, active_mb=memory * w.memory_active, dirty_mb_s=w.dirty_mb_s,
                                bandwidth_mb_s=bandwidth)


def test_round_one_copies_all_memory_and_each_round_what_the_guest_dirtied():
    precopy = web_vm_precopy()
    first, second = precopy.rounds[0], precopy.rounds[1]
    assert first.copy_mb == 2048 and first.seconds == pytest.approx(2048 / 110)
    assert first.dirtied_mb == pytest.approx(15 * 2048 / 110)  # 15 MB/s while round 1 ran
    assert second.copy_mb == first.dirtied_mb
    assert precopy.converged and precopy.left_mb / 110 <= vmotion.SWITCHOVER_GOAL_S
    assert precopy.stun_s < 1  # the guest is stunned for less than a second


def test_the_seed_articles_vm_takes_about_thirty_seconds_on_1_gbe():
    plan = vmotion.vmotion_plan(precopy=web_vm_precopy(), src="esx01", dst="esx02")
    assert 25 <= plan.seconds <= 35 and plan.commit == "vmotion"


def test_a_guest_dirtying_faster_than_the_link_does_not_converge_and_fails_after_the_timeout():
    precopy = web_vm_precopy(workload="memoryHeavy", memory=4096)
    assert not precopy.converged
    assert sum(r.seconds for r in precopy.rounds[1:]) >= vmotion.PRECOPY_TIMEOUT_S
    plan = vmotion.vmotion_plan(precopy=precopy, src="esx01", dst="esx02")
    assert plan.commit is None and "maximum switchover time of 100 second(s)" in plan.failure


def test_ten_gigabit_makes_the_same_guest_converge():
    assert web_vm_precopy(bandwidth=vmotion.link_mb_s(10), workload="memoryHeavy", memory=4096).converged


def test_low_priority_slows_down_on_busy_hosts_and_sharing_divides_the_link():
    high = vmotion.bandwidth_mb_s(src_gbps=1, dst_gbps=1, sharing=1, priority="high", cpu_busy=0.8)
    low = vmotion.bandwidth_mb_s(src_gbps=1, dst_gbps=1, sharing=1, priority="low", cpu_busy=0.8)
    shared = vmotion.bandwidth_mb_s(src_gbps=1, dst_gbps=10, sharing=2, priority="high", cpu_busy=0)
    assert high == 110 and low == pytest.approx(110 * 0.6) and shared == 55


class FakeOps:
    """The runner's side, recorded: plans come from the real planner."""

    def __init__(self, refuse: dict[int, str] | None = None):
        self.log, self.refuse = [], refuse or {}
        self.sim = None

    def waiting(self, task_id, phase):
        self.log.append((task_id, "waiting", phase))

    def begin(self, task_id, sharing):
        if task_id in self.refuse:
            return self.refuse[task_id]
        self.log.append((task_id, "begin", self.sim.now, sharing))
        return vmotion.vmotion_plan(precopy=web_vm_precopy(), src="esx01", dst="esx02"), self.sim.now

    def progress(self, task_id, report):
        self.log.append((task_id, "progress", *report.at(self.sim.now)))

    def finish(self, task_id, commit, facts):
        self.log.append((task_id, "finish", round(self.sim.now, 1), commit))

    def fail(self, task_id, message):
        self.log.append((task_id, "fail", message))

    def of(self, task_id, what):
        return [e for e in self.log if e[0] == task_id and e[1] == what]


def lab_sim(ops) -> LabSim:
    lab = LabSim(ops, now=0.0)
    ops.sim = lab.sim
    return lab


def test_the_fifth_vmotion_from_a_1_gbe_host_waits_for_a_slot():
    ops = FakeOps()
    lab = lab_sim(ops)
    for task in range(1, 6):
        lab.start(task, {"esx01": vmotion.host_limit(1), "esx02": vmotion.host_limit(1)})
    lab.run(1)
    assert [t for t in range(1, 6) if ops.of(t, "begin")] == [1, 2, 3, 4]
    assert "4 of 4 in use on esx01" in ops.of(5, "waiting")[0][2]
    assert [b[3] for b in ops.of(4, "begin")] == [4]  # the fourth shares the link four ways
    lab.run(40)
    assert ops.of(5, "begin")[0][2] == pytest.approx(ops.of(1, "finish")[0][2], abs=0.1)  # starts as one ends
    lab.run(100)
    assert all(ops.of(t, "finish") for t in range(1, 6)) and not lab.busy


def test_cancel_in_the_queue_or_in_precopy_fails_the_task_and_frees_the_slot():
    ops = FakeOps()
    lab = lab_sim(ops)
    lab.start(1, {"esx01": 1})
    lab.start(2, {"esx01": 1})
    lab.run(10)
    assert lab.cancel(2) and lab.cancel(1)
    lab.run(11)
    assert ops.of(1, "fail") == [(1, "fail", CANCELED)] and ops.of(2, "fail") == [(2, "fail", CANCELED)]
    assert not lab.slots.users("esx01") and not ops.of(1, "finish")


def test_a_refused_begin_fails_the_task_and_lets_the_next_one_start():
    """High priority that cannot reserve CPU: the runner refuses at begin."""
    ops = FakeOps(refuse={1: "Insufficient CPU resources on esx02"})
    lab = lab_sim(ops)
    lab.start(1, {"esx01": 1})
    lab.start(2, {"esx01": 1})
    lab.run(0)
    assert ops.of(1, "fail") == [(1, "fail", "Insufficient CPU resources on esx02")]
    assert ops.of(2, "begin")


def test_runs_are_deterministic():
    def trace():
        ops = FakeOps()
        lab = lab_sim(ops)
        for task in range(1, 7):
            lab.start(task, {"esx01": 4})
        lab.run(200)
        return ops.log

    assert trace() == trace()


def test_a_resumed_plan_skips_what_was_already_done():
    ops = FakeOps()
    lab = LabSim(ops, now=20.0)
    ops.sim = lab.sim
    plan = vmotion.vmotion_plan(precopy=web_vm_precopy(), src="esx01", dst="esx02")
    ops.begin = lambda task_id, sharing: (plan, 0.0)  # began at 0 under the runner that died
    lab.start(1, {"esx01": 4}, resuming=True)
    lab.run(100)
    progress = [e[2] for e in ops.of(1, "progress")]
    assert progress[0] > 50  # resumed mid-way, not from 0 %
    assert ops.of(1, "finish")[0][2] == pytest.approx(plan.seconds, abs=0.1)
