"""Drafts awaiting a second person's approval, and whether the clinic wants
that. Drafts live here, in the workspace's database, never in content/: the
assistant cannot read them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Approval(models.Model):
    """One row: an admin turns approval on or off in the admin pages."""

    require_approval = models.BooleanField(
        default=False,
        help_text="An edit reaches patients only after a second editor or admin approves it.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "approval of edits"

    def __str__(self) -> str:
        return "required" if self.require_approval else "not required"

    @classmethod
    def required(cls) -> bool:
        row = cls.objects.first()
        return bool(row and row.require_approval)


class Draft(models.Model):
    PENDING, APPROVED, REJECTED, STALE = "pending", "approved", "rejected", "stale"

    topic_id = models.CharField(max_length=100, db_index=True)
    fields = models.JSONField()  # as bot/content/editing.py takes them; dates as text
    base_version = models.CharField(max_length=64)
    changed = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    created = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10,
        default=PENDING,
        choices=[(s, s) for s in (PENDING, APPROVED, REJECTED, STALE)],
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
