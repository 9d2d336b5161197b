"""Client workspaces: the per-workspace scope of the kill switch (D9 §5.2 "Scope")."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


class Workspace(models.Model):
    """A client workspace and its people; a kill switch pauses one workspace or all of them."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="workspaces"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class WorkspaceUserObjectPermission(UserObjectPermissionBase):
    """Guardian per-object grants on workspaces (direct foreign key, not generic)."""

    content_object = models.ForeignKey(Workspace, on_delete=models.CASCADE)


class WorkspaceGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Workspace, on_delete=models.CASCADE)
