import datetime as dt
import time

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from operations.engine.clock import Clock

# The seed article was published on 2010-02-10: every lab's simulated calendar starts there.
SIM_EPOCH = dt.datetime(2010, 2, 10, 9, 0, tzinfo=dt.UTC)


class Lab(models.Model):
    """One simulated vCenter Server: the root of an inventory, owned by a user."""

    MOID_PREFIX = "lab-"

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_labs")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="member_labs")
    preset = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Simulated clock, stored as an anchor (engine.clock.Clock): seconds since SIM_EPOCH at wall
    # time clock_wall_at, running at clock_speed unless paused. Anyone can read the time from it.
    sim_seconds = models.FloatField(default=0.0)
    clock_wall_at = models.FloatField(default=time.time, help_text="Wall time (Unix seconds) at which the clock read sim_seconds")
    clock_speed = models.FloatField(default=1.0)
    clock_paused = models.BooleanField(default=False)
    seed = models.IntegerField(default=1)
    # How far the runner has played this lab's events (simulated seconds): "advance" waits for it.
    sim_processed = models.FloatField(default=0.0)
    # Live updates: the last event sequence number pushed to browsers, and the runner that holds
    # the lab (simulates and publishes it) until lease_until (wall time); a dead runner's lease
    # expires and another takes the lab over.
    published_seq = models.BigIntegerField(default=0)
    runner_id = models.CharField(max_length=80, blank=True)
    lease_until = models.FloatField(default=0.0)
    # Last event sequence number handed out: events are numbered 1, 2, 3... per lab.
    event_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "owner", name="lab_name_unique_per_owner",
                violation_error_message="You already have a lab with this name.",
            ),
            models.CheckConstraint(
                condition=models.Q(clock_speed__gte=0.1) & models.Q(clock_speed__lte=100),
                name="lab_clock_speed_range",
            ),
        ]
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def moid(self) -> str:
        return f"{self.MOID_PREFIX}{self.pk}"

    @property
    def clock(self) -> Clock:
        return Clock(self.sim_seconds, self.clock_wall_at, self.clock_speed, self.clock_paused)

    def set_clock(self, clock: Clock) -> None:
        self.sim_seconds, self.clock_wall_at = clock.sim_seconds, clock.wall_at
        self.clock_speed, self.clock_paused = clock.speed, clock.paused

    def now(self, wall: float | None = None) -> float:
        """The lab's simulated time now (seconds since SIM_EPOCH)."""
        return self.clock.now(time.time() if wall is None else wall)

    @property
    def sim_datetime(self) -> dt.datetime:
        return SIM_EPOCH + dt.timedelta(seconds=self.now())
