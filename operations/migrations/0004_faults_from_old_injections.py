"""Faults injected before issue 10 edited the hosts' rows and left no record: give each such
state its Fault row (started at the lab's clock), so that the fault panel lists it and a
restore ends it like any other."""

from django.db import migrations


def record_old_faults(apps, schema_editor):
    Host = apps.get_model("inventory", "Host")
    VirtualMachine = apps.get_model("inventory", "VirtualMachine")
    Fault = apps.get_model("operations", "Fault")
    for host in Host.objects.select_related("lab").iterator():
        kinds = []
        if host.power_state == "poweredOff":
            kinds.append("host-power-off")
        if not host.management_connected:
            kinds.append("management-network")
        if not host.storage_connected:
            kinds.append("storage-paths")
        for kind in kinds:
            Fault.objects.create(lab_id=host.lab_id, kind=kind, host=host, started_sim=host.lab.sim_seconds)
    hung = VirtualMachine.objects.filter(guest_hung_at__isnull=False, power_state="poweredOn").select_related("host")
    for vm in hung.iterator():
        if vm.host.storage_connected:  # not explained by the host's storage: the guest hung by itself
            Fault.objects.create(lab_id=vm.lab_id, kind="guest-hang", vm=vm, started_sim=vm.guest_hung_at)


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0006_host_vmotion_ft_links"),
        ("operations", "0003_inputs_faults_agents"),
    ]

    operations = [migrations.RunPython(record_old_faults, migrations.RunPython.noop)]
