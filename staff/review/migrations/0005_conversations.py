"""Conversations are what nurses review: status, assignment and notes move from
each message to its conversation; a message keeps a "wrong answer" mark.

A conversation is reviewed only if all its patient messages were, for follow-up
if any was, new otherwise; it is assigned to whoever had its latest assigned
message; the notes of its messages are its notes. Rows stored under the shorter
pseudonym of before join the conversation of the longer name (staff/review/pseudonyms.py).

review_message loses and gains columns with ALTER TABLE: Django's SQLite editor
would rebuild the table, which drops the search index's triggers (0002)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LEGACY_LENGTH = 10
MOVED = ("status", "assigned_to_id")


def _key(names: set[str]):
    """A stored name -> the conversation it belongs to."""
    longer = sorted(n for n in names if len(n) > LEGACY_LENGTH)

    def key(name: str) -> str:
        if len(name) != LEGACY_LENGTH:
            return name
        return next((n for n in longer if n.startswith(name)), name)

    return key


def _status(statuses: set[str]) -> str:
    if "follow_up" in statuses:
        return "follow_up"
    return "reviewed" if statuses == {"reviewed"} else "new"


def to_conversations(apps, schema_editor):
    Message = apps.get_model("review", "Message")
    Conversation = apps.get_model("review", "Conversation")
    Note = apps.get_model("review", "Note")
    rows = list(
        Message.objects.filter(sender="patient")
        .order_by("time", "id")
        .values("id", "conversation", "time", "status", "assigned_to_id", "priority", "outcome")
    )
    noted = list(
        Note.objects.values_list("message_id", "message__conversation", "message__time").distinct()
    )
    key = _key({r["conversation"] for r in rows} | {n[1] for n in noted})
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(key(row["conversation"]), []).append(row)
    made = {}
    for name, group in groups.items():
        lead = min(group, key=lambda r: (r["priority"], -r["time"].timestamp(), -r["id"]))
        assigned = [r["assigned_to_id"] for r in group if r["assigned_to_id"]]
        made[name] = Conversation.objects.create(
            name=name,
            status=_status({r["status"] for r in group}),
            assigned_to_id=assigned[-1] if assigned else None,
            outcome=lead["outcome"],
            priority=lead["priority"],
            lead_id=lead["id"],
            last_time=group[-1]["time"],
            count=len(group),
        )
    for message_id, stored, time in noted:
        name = key(stored)
        if name not in made:  # a note on no patient message: kept all the same
            made[name] = Conversation.objects.create(name=name, last_time=time, count=0)
        Note.objects.filter(message_id=message_id).update(conversation=made[name])


def to_messages(apps, schema_editor):
    Message = apps.get_model("review", "Message")
    Conversation = apps.get_model("review", "Conversation")
    Note = apps.get_model("review", "Note")
    for conversation in Conversation.objects.all():
        patient = Message.objects.filter(
            conversation__startswith=conversation.name[:LEGACY_LENGTH], sender="patient"
        )
        patient.update(status=conversation.status, assigned_to_id=conversation.assigned_to_id)
        lead = conversation.lead_id or patient.values_list("id", flat=True).last()
        Note.objects.filter(conversation=conversation).update(message_id=lead)
    Note.objects.filter(message_id__isnull=True).delete()


def drop_moved_columns(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "review_message")
    for column in MOVED:
        for name, constraint in constraints.items():
            if constraint["index"] and constraint["columns"] == [column]:
                schema_editor.execute(f'DROP INDEX "{name}"')
        schema_editor.execute(f'ALTER TABLE review_message DROP COLUMN "{column}"')


def restore_moved_columns(apps, schema_editor):
    for statement in RESTORE_MOVED:
        schema_editor.execute(statement)


RESTORE_MOVED = [
    "ALTER TABLE review_message ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new'",
    "CREATE INDEX review_message_status ON review_message (status)",
    "ALTER TABLE review_message ADD COLUMN assigned_to_id integer NULL"
    " REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED",
    "CREATE INDEX review_message_assigned_to_id ON review_message (assigned_to_id)",
]
ADD_MARK = ["ALTER TABLE review_message ADD COLUMN wrong_answer bool NOT NULL DEFAULT 0"]
DROP_MARK = ["ALTER TABLE review_message DROP COLUMN wrong_answer"]


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0004_message_language"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Conversation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=32, unique=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "new"),
                            ("reviewed", "reviewed"),
                            ("follow_up", "follow-up"),
                        ],
                        db_index=True,
                        default="new",
                        max_length=10,
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("urgent", "urgent guidance"),
                            ("handoff", "asked for a person"),
                            ("not_understood", "not sure"),
                            ("medical_advice", "medical advice refused"),
                            ("answered", "answered"),
                            ("reminder", "reminder action"),
                            ("trouble", "trouble message"),
                            ("out_of_scope", "out of scope"),
                            ("other", "other"),
                            ("pending", "waiting for the reply"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("priority", models.PositiveSmallIntegerField(default=4)),
                ("last_time", models.DateTimeField()),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "assigned_to",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="review.message",
                    ),
                ),
            ],
            options={
                "ordering": ["priority", "-last_time", "-id"],
                "indexes": [
                    models.Index(fields=["priority", "-last_time", "-id"], name="inbox_order")
                ],
            },
        ),
        migrations.AddField(
            model_name="note",
            name="conversation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notes",
                to="review.conversation",
            ),
        ),
        migrations.AlterField(
            model_name="note",
            name="message",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notes",
                to="review.message",
            ),
        ),
        migrations.RunPython(to_conversations, to_messages),
        migrations.RemoveField(model_name="note", name="message"),
        migrations.AlterField(
            model_name="note",
            name="conversation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notes",
                to="review.conversation",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(drop_moved_columns, restore_moved_columns),
                migrations.RunSQL(ADD_MARK, DROP_MARK),
            ],
            state_operations=[
                migrations.RemoveField(model_name="message", name="status"),
                migrations.RemoveField(model_name="message", name="assigned_to"),
                migrations.AddField(
                    model_name="message",
                    name="wrong_answer",
                    field=models.BooleanField(default=False),
                ),
            ],
        ),
    ]
