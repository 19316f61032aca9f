from operations.engine.clock import Clock
from operations.engine.core import URGENT, Interrupt, Signal, Simulation, Store
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


def test_a_timeout_is_an_event_a_process_can_wait_for():
    sim, seen = Simulation(), []

    def worker():
        value = yield sim.timeout(5, "done")
        seen.append((sim.now, value))

    sim.process(worker())
    sim.run(4.9)
    assert seen == []
    sim.run(5)
    assert seen == [(5.0, "done")]


def test_any_of_wakes_on_the_first_event_and_all_of_on_the_last():
    sim, seen = Simulation(), []
    fault = sim.event()

    def migration():
        first = yield sim.any_of([sim.timeout(30, "copied"), fault])
        seen.append(("any", sim.now, list(first.values())))
        both = yield sim.all_of([sim.timeout(1, "a"), sim.timeout(2, "b")])
        seen.append(("all", sim.now, sorted(both.values())))

    sim.process(migration())
    sim.call_at(10, lambda: fault.succeed("host down"))
    sim.run(100)
    assert seen == [("any", 10.0, ["host down"]), ("all", 12.0, ["a", "b"])]


def test_a_signal_wakes_every_subscriber_each_time_it_fires():
    sim, seen = Simulation(), []
    link = Signal(sim)

    def watcher(name):
        while True:
            change = yield link.wait()
            seen.append((sim.now, name, change))

    sim.process(watcher("a"))
    sim.process(watcher("b"))
    sim.run(0)
    sim.call_at(3, lambda: link.fire("cable pulled"))
    sim.call_at(7, lambda: link.fire("cable back"))
    sim.run(10)
    assert seen == [(3, "a", "cable pulled"), (3, "b", "cable pulled"), (7, "a", "cable back"), (7, "b", "cable back")]


def test_a_store_hands_items_out_in_order_and_a_canceled_get_loses_nothing():
    sim, got = Simulation(), []
    store = Store(sim)

    def consumer():
        while True:
            item = yield store.get()
            got.append((sim.now, item))

    def impatient():
        getter = store.get()
        try:
            yield getter
        except Interrupt:
            store.cancel(getter)

    waiting = sim.process(impatient())
    sim.run(0)
    waiting.interrupt("gave up")
    sim.run(0)
    sim.process(consumer())
    store.put("first")
    sim.call_at(2, lambda: store.put("second"))
    sim.run(5)
    assert got == [(0, "first"), (2, "second")]


def test_urgent_inputs_run_before_the_steps_due_at_the_same_instant():
    sim, seen = Simulation(), []
    sim.call_at(5, lambda: seen.append("process step"))
    sim.call_at(5, lambda: seen.append("host crashed"), priority=URGENT)
    sim.run(5)
    assert seen == ["host crashed", "process step"]
