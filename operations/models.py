"""Tasks and events as vCenter records them.

Both carry the object they are about and its context (host, cluster, datacenter) by managed
object id, as vSphere's Event does, so a container's Tasks & Events tab can filter on any level
without walking the tree, and a record outlives the object it names.
"""

from django.conf import settings
from django.db import models


class TaskState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "In Progress"
    SUCCESS = "success", "Completed"
    ERROR = "error", "Failed"


class EventSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class ObjectRef(models.Model):
    object_moid = models.CharField(max_length=40, blank=True)
    object_name = models.CharField(max_length=80, blank=True)
    host_moid = models.CharField(max_length=40, blank=True)
    cluster_moid = models.CharField(max_length=40, blank=True)
    datacenter_moid = models.CharField(max_length=40, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def about(cls, moid: str) -> models.Q:
        """Records about `moid` or about anything inside it."""
        return (
            models.Q(object_moid=moid) | models.Q(host_moid=moid)
            | models.Q(cluster_moid=moid) | models.Q(datacenter_moid=moid)
        )


class Task(ObjectRef):
    MOID_PREFIX = "task-"

    lab = models.ForeignKey("inventory.Lab", on_delete=models.CASCADE, related_name="tasks")
    name = models.CharField(max_length=80)
    initiator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    initiator_name = models.CharField(max_length=150, default="System")
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    phase = models.CharField(max_length=200, blank=True)
    error_message = models.TextField(blank=True)
    cancelable = models.BooleanField(default=False)
    # A timed operation (empty for one vCenter finishes at once): the runner finds it by kind,
    # reads what to do from params, and stores the inputs of its plan when it begins, so that a
    # restarted runner replays the same plan from started_sim and the task resumes.
    kind = models.CharField(max_length=30, blank=True)
    params = models.JSONField(default=dict, blank=True)
    plan = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    queued_sim = models.FloatField()
    started_sim = models.FloatField(null=True, blank=True)
    completed_sim = models.FloatField(null=True, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="task_progress_range"),
        ]
        indexes = [
            models.Index(fields=["lab", "-id"], name="task_lab_recent"),
            models.Index(fields=["state"], name="task_state", condition=models.Q(state__in=["queued", "running"])),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.object_name})"

    @property
    def moid(self) -> str:
        return f"{self.MOID_PREFIX}{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in (TaskState.QUEUED, TaskState.RUNNING)


class Event(ObjectRef):
    lab = models.ForeignKey("inventory.Lab", on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    type = models.CharField(max_length=60)
    severity = models.CharField(max_length=10, choices=EventSeverity.choices, default=EventSeverity.INFO)
    message = models.TextField()
    user_name = models.CharField(max_length=150, blank=True)
    sim_seconds = models.FloatField()
    wall_time = models.DateTimeField(auto_now_add=True)
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")

    class Meta:
        constraints = [models.UniqueConstraint("lab", "seq", name="event_seq_unique_per_lab")]
        ordering = ["-seq"]

    def __str__(self) -> str:
        return self.message


class Input(models.Model):
    """Something from outside the simulation at a simulated instant (a fault, a restore, a
    scenario's line): a durable row the runner applies, in pk order, at its instant (`at`), in
    one transaction with everything it causes. Services never edit the physical world for these:
    they check what can be checked now and write an Input (operations/services/inputs.py)."""

    MOID_PREFIX = "input-"

    lab = models.ForeignKey("inventory.Lab", on_delete=models.CASCADE, related_name="inputs")
    at = models.FloatField(help_text="Simulated instant at which it applies")
    kind = models.CharField(max_length=30)  # fault.start, fault.end, scenario.command, scenario.expect
    payload = models.JSONField(default=dict, blank=True)
    initiator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    initiator_name = models.CharField(max_length=150, default="System")
    applied = models.BooleanField(default=False)
    applied_sim = models.FloatField(null=True, blank=True)
    result = models.TextField(blank=True)  # "" when applied as asked; "ignored: ..." otherwise
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["lab", "id"], name="input_unapplied", condition=models.Q(applied=False))]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:g}"

    @property
    def moid(self) -> str:
        return f"{self.MOID_PREFIX}{self.pk}"


class Fault(models.Model):
    """A simulated failure, from the input that started it (started_sim) to the one that
    restored it (ended_sim): the active ones are what is broken now (the fault panel). Its kind
    is one of engine/fault_kinds.py; the hosts' physical link flags are derived from the
    active faults."""

    MOID_PREFIX = "fault-"

    lab = models.ForeignKey("inventory.Lab", on_delete=models.CASCADE, related_name="faults")
    kind = models.CharField(max_length=30)
    host = models.ForeignKey("inventory.Host", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey("inventory.Host", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    vm = models.ForeignKey("inventory.VirtualMachine", null=True, blank=True, on_delete=models.CASCADE,
                           related_name="+")
    started_sim = models.FloatField()
    ended_sim = models.FloatField(null=True, blank=True)
    input = models.ForeignKey(Input, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["lab", "kind"], name="fault_active",
                                condition=models.Q(ended_sim__isnull=True))]
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.kind

    @property
    def moid(self) -> str:
        return f"{self.MOID_PREFIX}{self.pk}"

    @property
    def active(self) -> bool:
        return self.ended_sim is None


class Agent(models.Model):
    """A standing agent's state (engine/agents.py), saved in the transaction of its effects:
    after a runner restart its timer is re-armed from `due_sim`, so it acts at the same
    simulated instants. No row: the agent is at rest."""

    lab = models.ForeignKey("inventory.Lab", on_delete=models.CASCADE, related_name="agents")
    key = models.CharField(max_length=60)  # vc:host-12
    kind = models.CharField(max_length=30)
    state = models.CharField(max_length=30)
    entered_sim = models.FloatField()
    due_sim = models.FloatField(null=True, blank=True)  # its next timer
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("lab", "key", name="agent_key_unique_per_lab")]
        indexes = [models.Index(fields=["due_sim"], name="agent_due", condition=models.Q(due_sim__isnull=False))]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.key} {self.state}"


class ScenarioState(models.TextChoices):
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"


class Scenario(models.Model):
    """A scenario script run against a lab (docs/scenarios.md): its text, the instant it started,
    its lines resolved against the lab (`lines`: number, text, at, action, kind, params with the
    objects' ids) and each line's outcome as the runner applied it (`outcomes`, by line number:
    {"outcome": pending|done|refused|met|failed|error, "message", "at"}). Each line is applied
    through an Input (kinds scenario.command and scenario.expect)."""

    MOID_PREFIX = "scenario-"

    lab = models.ForeignKey("inventory.Lab", on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=80, blank=True)
    text = models.TextField()
    initiator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    initiator_name = models.CharField(max_length=150, default="System")
    started_sim = models.FloatField()
    ended_sim = models.FloatField(null=True, blank=True)
    first_seq = models.BigIntegerField(default=0)  # the lab's last event number before it started
    state = models.CharField(max_length=10, choices=ScenarioState.choices, default=ScenarioState.RUNNING)
    lines = models.JSONField(default=list, blank=True)
    outcomes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name or self.moid

    @property
    def moid(self) -> str:
        return f"{self.MOID_PREFIX}{self.pk}"
