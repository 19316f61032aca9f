from operations.checks.ha import HostCapacity, VmNeed, slot_info


def test_the_slot_is_the_largest_reservation_with_a_256_mhz_cpu_floor():
    info = slot_info([HostCapacity("a", 10_000, 16_000)], [VmNeed(0, 0, 120), VmNeed(500, 1024, 150)])
    assert (info.cpu_slot_mhz, info.memory_slot_mb) == (500, 1174)
    info = slot_info([HostCapacity("a", 10_000, 16_000)], [VmNeed(0, 0, 120)])
    assert info.cpu_slot_mhz == 256


def test_slots_per_host_take_the_scarcer_resource_and_failover_capacity_counts_the_largest_hosts_first():
    hosts = [HostCapacity("big", 20_000, 32_000), HostCapacity("mid", 10_000, 16_000), HostCapacity("small", 5_000, 8_000)]
    info = slot_info(hosts, [VmNeed(1000, 1900, 100)] * 10)  # slot 1000 MHz / 2000 MB
    assert info.slots_per_host == {"big": 16, "mid": 8, "small": 4}  # memory is scarcer than CPU
    assert info.total_slots == 28 and info.available_slots == 18
    assert info.failover_capacity == 1  # without "big", 12 slots hold the 10 VMs; without "mid" too, 4 do not


def test_an_empty_cluster_tolerates_all_but_one_host():
    info = slot_info([HostCapacity("a", 1000, 1000), HostCapacity("b", 1000, 1000)], [])
    assert info.failover_capacity == 1 and info.used_slots == 0
