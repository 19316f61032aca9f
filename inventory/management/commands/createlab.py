from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from inventory.presets import PRESET_KEYS, lab_create
from operations.faults import VimFault


class Command(BaseCommand):
    help = "Create a lab from a preset and print its id (the operator's command: students' quotas do not apply)."

    def add_arguments(self, parser):
        parser.add_argument("--preset", required=True, choices=PRESET_KEYS)
        parser.add_argument("--owner", required=True, help="User name of the lab's owner")
        parser.add_argument("--name", default="")
        parser.add_argument("--hosts", type=int, help="scale preset: number of hosts (up to 1000)")
        parser.add_argument("--vms", type=int, help="scale preset: number of VMs (up to 10000)")
        parser.add_argument("--cluster-size", type=int, help="scale preset: hosts per cluster (up to 32)")

    def handle(self, *args, preset, owner, name, hosts, vms, cluster_size, **options):
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"No user named '{owner}'.")
        params = {k: v for k, v in {"hosts": hosts, "vms": vms, "cluster_size": cluster_size}.items() if v is not None}
        try:
            lab = lab_create(owner=user, preset=preset, name=name, quota=False, **params)
        except VimFault as fault:
            raise CommandError(" ".join(fault.messages)) from None
        self.stdout.write(lab.moid)
