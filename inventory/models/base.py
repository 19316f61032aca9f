from django.db import models
from django.db.models.functions import Lower


class LabObject(models.Model):
    """An inventory object of one lab, named uniquely (case-insensitive) within its kind."""

    MOID_PREFIX = ""

    lab = models.ForeignKey("inventory.Lab", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)

    class Meta:
        abstract = True

    @property
    def moid(self) -> str:
        return f"{self.MOID_PREFIX}{self.pk}"

    def __str__(self) -> str:
        return self.name


def unique_name_per_lab(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        Lower("name"), "lab", name=f"{model_name.replace(' ', '')}_name_unique_per_lab",
        violation_error_message=f"A {model_name} with this name already exists in this vCenter.",
    )
