"""Labs built by the scale preset with 247 hosts or more before its fix hold VMkernel addresses
such as 172.16.0.256 (SQLite stored them; PostgreSQL refused the lab). Each invalid address gets
the lowest free address of its own /24 network (by its netmask), or of the next network when that
one is full: unique within the lab, in the same networks the lab's hosts use."""

import ipaddress
from collections import defaultdict

from django.db import migrations


def _network(text: str, netmask: str) -> ipaddress.IPv4Network:
    head = ".".join(text.split(".")[:3])
    try:
        return ipaddress.IPv4Network(f"{head}.0/{netmask}", strict=False)
    except ValueError:
        return ipaddress.IPv4Network(f"172.16.0.0/{netmask}", strict=False)


def free_address(text: str, netmask: str, used: set[str]) -> str:
    network = _network(text, netmask)
    while True:
        for address in network.hosts():
            if str(address) not in used:
                return str(address)
        network = ipaddress.IPv4Network((int(network.network_address) + network.num_addresses, network.prefixlen))


def invalid(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
        return False
    except ValueError:
        return True


def repair(apps, schema_editor):
    VMkernelNic = apps.get_model("inventory", "VMkernelNic")
    broken = defaultdict(list)
    for nic in VMkernelNic.objects.values("pk", "ip", "netmask", "host__lab_id").iterator():
        if invalid(nic["ip"]):
            broken[nic["host__lab_id"]].append(nic)
    for lab_id, nics in broken.items():
        used = set(VMkernelNic.objects.filter(host__lab_id=lab_id).values_list("ip", flat=True))
        for nic in sorted(nics, key=lambda n: (n["ip"], n["pk"])):
            address = free_address(nic["ip"], nic["netmask"] if not invalid(nic["netmask"]) else "255.255.255.0", used)
            used.add(address)
            VMkernelNic.objects.filter(pk=nic["pk"]).update(ip=address)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_live_lease")]
    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
