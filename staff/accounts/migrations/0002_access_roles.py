"""The workspace's permissions, and a group for each role holding them. The
table of roles as it was when this ran; a later change is a later migration."""

from django.db import migrations, models

PERMISSIONS = {
    "review_messages": "Review patients' messages and reminders",
    "edit_content": "Edit the answers, clinic details and sources",
    "write_translations": "Open and write translations",
    "review_translations": "Mark a translation reviewed",
    "open_sign_off": "Open the answers to sign",
    "sign_content": "Sign answers for patients",
    "manage_people": "Manage accounts and settings; read the audit log and original messages",
}
ROLES = {
    "nurse": ("review_messages",),
    "editor": ("edit_content", "write_translations", "open_sign_off"),
    "translator": ("write_translations", "review_translations"),
    "clinician": ("open_sign_off", "sign_content"),
    # An admin may do everything the others may, except sign for patients.
    "admin": ("review_messages", "edit_content", "write_translations",
              "review_translations", "open_sign_off", "manage_people"),
}  # fmt: skip


def make_groups(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    kind, _ = ContentType.objects.get_or_create(app_label="accounts", model="access")
    found = {
        code: Permission.objects.get_or_create(
            content_type=kind, codename=code, defaults={"name": name}
        )[0]
        for code, name in PERMISSIONS.items()
    }
    for role, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(found[code] for code in codes))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_cache_table"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [
        migrations.CreateModel(
            name="Access",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                )
            ],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [(code, name) for code, name in PERMISSIONS.items()],
            },
        ),
        migrations.RunPython(make_groups, migrations.RunPython.noop),
    ]
