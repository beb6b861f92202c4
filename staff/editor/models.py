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
        help_text=(
            "A change to the content (topics, clinic details, sources, restores, "
            "example questions) reaches patients only after a second editor or admin "
            "approves it."
        ),
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
    # What the change is; staff/editor/drafts.py makes each.
    EDIT, NEW, RETIRE = "edit", "new topic", "retirement"
    CLINIC, SOURCES, REVERT, EXAMPLE = "clinic details", "sources", "restore", "example question"
    TRANSLATION = "translation"
    KINDS = (EDIT, NEW, RETIRE, CLINIC, SOURCES, REVERT, EXAMPLE, TRANSLATION)

    kind = models.CharField(max_length=20, default=EDIT, choices=[(k, k) for k in KINDS])
    # The topic id, or the file (clinic.yml, sources.yml) the change is to.
    topic_id = models.CharField(max_length=100, db_index=True)
    # As the function that makes the change takes them; dates as text.
    fields = models.JSONField()
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
