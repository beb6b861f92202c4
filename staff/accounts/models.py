"""What each role may do, as Django permissions: each role is a group holding
its permissions (staff/accounts/roles.py), and views ask for a permission
(permission_required), never for a role."""

from django.db import models


class Access(models.Model):
    """No rows and no table: the holder of the workspace's permissions."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("review_messages", "Review patients' messages and reminders"),
            ("edit_content", "Edit the answers, clinic details and sources"),
            ("write_translations", "Open and write translations"),
            ("review_translations", "Mark a translation reviewed"),
            ("open_sign_off", "Open the answers to sign"),
            ("sign_content", "Sign answers for patients"),
            (
                "manage_people",
                "Manage accounts and settings; read the audit log and original messages",
            ),
        ]
