"""The scale preset builds the vCenter 4.1 maxima (1,000 hosts, 10,000 VMs) with valid, unique
addresses, on the test database and on the real PostgreSQL (which refuses an invalid inet: host
247 used to get 172.16.0.256); data migration inventory 0005 repairs SQLite labs built before."""

import ipaddress
import os
import socket
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from inventory.models import Host, VirtualMachine, VMkernelNic
from inventory.presets import lab_create

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("SCALE_PRESET_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vcenterlab_scalepreset")
repair = import_module("inventory.migrations.0005_repair_vmkernel_addresses").repair


def assert_valid_and_unique(lab_id: int) -> None:
    addresses = list(VMkernelNic.objects.filter(host__lab_id=lab_id).values_list("ip", flat=True))
    assert all(ipaddress.IPv4Address(a) for a in addresses)
    assert len(addresses) == len(set(addresses))


def test_scale_at_the_maxima_has_valid_unique_addresses(owner):
    started = time.monotonic()
    lab = lab_create(owner=owner, preset="scale", hosts=1000, vms=10000, quota=False)
    print(f"scale 1000/10000 built in {time.monotonic() - started:.1f} s on {connection.vendor}")
    assert Host.objects.filter(lab=lab).count() == 1000 and VirtualMachine.objects.filter(lab=lab).count() == 10000
    assert_valid_and_unique(lab.pk)
    host_247 = VMkernelNic.objects.get(host__lab=lab, host__name="esx0247.scale.local", device="vmk1")
    assert host_247.ip == "172.16.1.56"


def test_the_data_migration_repairs_invalid_vmkernel_addresses_within_their_networks(owner, stranger):
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite stored the invalid addresses this migration repairs (PostgreSQL refused them)")
    broken = lab_create(owner=owner, preset="scale", name="Old", hosts=260, vms=0, cluster_size=32, quota=False)
    other = lab_create(owner=stranger, preset="scale", name="Other", hosts=260, vms=0, cluster_size=32, quota=False)
    # as the preset built them before: 172.16.(i/250).(10 + i%250), .256-.259 for hosts 247-250
    for lab in (broken, other):
        for nic in VMkernelNic.objects.filter(host__lab=lab, device="vmk1").select_related("host"):
            i = int(nic.host.name[3:7]) - 1
            VMkernelNic.objects.filter(pk=nic.pk).update(ip=f"172.16.{i // 250}.{10 + i % 250}")
    bad = list(VMkernelNic.objects.filter(host__lab=broken, ip__in=[f"172.16.0.{n}" for n in range(256, 260)])
               .order_by("ip").values_list("pk", flat=True))
    assert len(bad) == 4
    unchanged = dict(VMkernelNic.objects.filter(host__lab=broken).exclude(pk__in=bad).values_list("pk", "ip"))

    repair(apps, None)

    for lab in (broken, other):
        assert_valid_and_unique(lab.pk)
    repaired = [VMkernelNic.objects.get(pk=pk).ip for pk in bad]
    assert repaired == ["172.16.0.1", "172.16.0.2", "172.16.0.3", "172.16.0.4"]  # free in their own /24
    assert dict(VMkernelNic.objects.filter(host__lab=broken).exclude(pk__in=bad).values_list("pk", "ip")) == unchanged
    repair(apps, None)  # nothing left to repair: a second run changes nothing
    assert [VMkernelNic.objects.get(pk=pk).ip for pk in bad] == repaired


def test_the_scale_preset_at_1000_hosts_on_postgresql(tmp_path):
    """On the real server, as `createlab` runs it: PostgreSQL checks every address (inet)."""
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL (5432) must run in CI: .ci/run starts it")
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432")
    import psycopg

    from vcenter_web.management_db import ensure_database

    ensure_database(PG, drop=True)
    env = {**os.environ, "DATABASE_URL": PG}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout

    manage("migrate", "-v0")
    manage("shell", "-c", "from django.contrib.auth.models import User; User.objects.create_user('scaler')")
    started = time.monotonic()
    lab_id = int(manage("createlab", "--preset", "scale", "--owner", "scaler", "--hosts", "1000", "--vms", "10000")
                 .strip().removeprefix("lab-"))
    print(f"scale 1000/10000 built in {time.monotonic() - started:.1f} s on PostgreSQL (createlab, with start-up)")
    with psycopg.connect(PG) as conn:
        hosts, vms = conn.execute(
            "SELECT (SELECT count(*) FROM inventory_host WHERE lab_id = %s),"
            " (SELECT count(*) FROM inventory_virtualmachine WHERE lab_id = %s)", (lab_id, lab_id)).fetchone()
        addresses = [r[0] for r in conn.execute(
            "SELECT host(n.ip::inet) FROM inventory_vmkernelnic n JOIN inventory_host h ON h.id = n.host_id"
            " WHERE h.lab_id = %s", (lab_id,))]
    assert (hosts, vms) == (1000, 10000)
    assert len(addresses) == 2000 and len(set(addresses)) == 2000
