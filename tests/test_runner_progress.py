"""Progress at the step rate: a running operation's progress and phase reach the database (and
the pages) at every runner pass, so a VMotion at 1x moves four times a second instead of once per
simulated second; the batches name the widgets they affect and render none (the web processes
render those their pages show)."""

from operations.models import Task
from operations.services.migrate import vm_migrate


def test_a_vmotion_moves_at_every_pass_of_the_runner_not_once_per_simulated_second(sim, web01, esx02, owner):
    task = vm_migrate(vm=web01, host=esx02, user=owner, priority="high")
    sim.run(8)  # into the pre-copy
    seen = []
    for _ in range(4):  # one simulated second at 1x: four passes of the runner
        sim.run(0.25)
        row = Task.objects.get(pk=task.pk)
        seen.append((row.progress, row.phase))
    assert all("Pre-copy" in phase for _, phase in seen)
    assert len(set(seen)) == 4, seen  # each pass shows something new (the megabytes left count down)
    assert seen[-1][0] > seen[0][0]  # and the bar moves within the second


def test_a_progress_batch_names_the_vm_widgets_and_renders_nothing(sim, web01, esx02, owner):
    task = vm_migrate(vm=web01, host=esx02, user=owner, priority="high")
    sim.run(8)
    sim.take_batches()
    sim.run(0.25)
    (lab_id, message), = sim.take_batches()
    assert message["seq"] == message["prev"]  # no event: only progress moved
    assert message["widgets"] == {}
    assert {"tasks", f"vm:{web01.pk}", f"head:{web01.moid}"} <= set(message["lazy"])
    assert Task.objects.get(pk=task.pk).state == "running"
