from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import make_instructor
from inventory.presets import lab_create

DEMO_PASSWORD = "vsphere4lab"
INSTRUCTOR = "instructor"
STUDENTS = ["student1", "student2", "student3"]


class Command(BaseCommand):
    help = "On a new database (no users yet): create the demo instructor and students, each student with a seed-article lab."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            self.stdout.write("Users already exist: demo users not loaded (they are created on a new database only).")
            return
        make_instructor(User.objects.create_user(INSTRUCTOR, password=DEMO_PASSWORD, first_name="Instructor"))
        for name in STUDENTS:
            student = User.objects.create_user(name, password=DEMO_PASSWORD)
            lab_create(owner=student, preset="seed-article", name=f"{name}'s lab")
        self.stdout.write("Demo users created (password for all: %s):" % DEMO_PASSWORD)
        self.stdout.write(f"  {INSTRUCTOR:<12} instructor: sees every lab")
        for name in STUDENTS:
            self.stdout.write(f"  {name:<12} student with a seed-article lab")
