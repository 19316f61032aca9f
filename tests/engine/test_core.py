from operations.engine.clock import Clock
from operations.engine.core import Interrupt, Simulation
from operations.engine.slots import SlotPool


def test_processes_wait_simulated_time_in_order():
    sim, seen = Simulation(), []

    def worker(name, delay):
        yield delay
        seen.append((sim.now, name))

    sim.process(worker("b", 2.0))
    sim.process(worker("a", 1.0))
    sim.process(worker("c", 2.0))
    sim.run(1.5)
    assert seen == [(1.0, "a")] and sim.now == 1.5
    sim.run(10)
    assert seen == [(1.0, "a"), (2.0, "b"), (2.0, "c")]  # same time: the order they were scheduled


def test_an_interrupt_reaches_the_waiting_process_and_cancels_its_timer():
    sim, seen = Simulation(), []

    def worker():
        try:
            yield 10.0
            seen.append("finished")
        except Interrupt as interrupt:
            seen.append(f"interrupted at {sim.now}: {interrupt.cause}")

    process = sim.process(worker())
    sim.run(3)
    process.interrupt("canceled")
    sim.run(20)
    assert seen == ["interrupted at 3: canceled"] and not process.alive


def test_a_full_slot_pool_queues_in_arrival_order():
    pool = SlotPool(Simulation())
    granted = [pool.acquire(n, {"esx01": 2}) for n in range(4)]
    assert [g.triggered for g in granted] == [True, True, False, False]
    assert pool.position(3) == 1
    pool.release(0)
    assert [g.triggered for g in granted] == [True, True, True, False]


def test_the_clock_runs_from_its_anchor_pauses_and_advances():
    clock = Clock(sim_seconds=100, wall_at=1000, speed=10)
    assert clock.now(1002) == 120
    paused = clock.paused_at(1002)
    assert paused.now(5000) == 120
    assert paused.advanced(5000, 60).now(9999) == 180
    resumed = paused.resumed_at(6000)
    assert resumed.now(6001) == 130
    assert clock.with_speed(1002, 0.5).now(1004) == 121
