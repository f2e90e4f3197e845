"""Explanation streaming: transcripts belong to an instance (attempt optional for give-ups), carry a worker
heartbeat/lease, the chunk count, the verdict's answer note, and the ``interrupted`` status."""

import django.db.models.deletion
from django.db import migrations, models


def instance_from_attempt(apps, schema_editor):
    Transcript = apps.get_model("tutor", "ExplanationTranscript")
    for row in Transcript.objects.filter(instance__isnull=True).select_related("attempt"):
        row.instance_id = row.attempt.instance_id
        row.save(update_fields=["instance"])


class Migration(migrations.Migration):

    dependencies = [
        ("tutor", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(name="explanationtranscript", options={"ordering": ["-created_at", "-id"]}),
        migrations.AddField(
            model_name="explanationtranscript",
            name="instance",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="explanations", to="tutor.probleminstance"),
        ),
        migrations.RunPython(instance_from_attempt, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="explanationtranscript",
            name="instance",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="explanations",
                                    to="tutor.probleminstance"),
        ),
        migrations.AlterField(
            model_name="explanationtranscript",
            name="attempt",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="explanations", to="tutor.attempt"),
        ),
        migrations.AlterField(
            model_name="explanationtranscript",
            name="status",
            field=models.CharField(choices=[("pending", "Pending"), ("streaming", "Streaming"), ("done", "Done"),
                                            ("cancelled", "Cancelled"), ("failed", "Failed"),
                                            ("interrupted", "Interrupted")],
                                   default="pending", max_length=12),
        ),
        migrations.AddField(model_name="explanationtranscript", name="heartbeat_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="explanationtranscript", name="started_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="explanationtranscript", name="last_seq",
                            field=models.PositiveIntegerField(default=0, help_text="number of chunks held in text")),
        migrations.AddField(model_name="explanationtranscript", name="max_new_tokens",
                            field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="explanationtranscript", name="model_is_random",
                            field=models.BooleanField(default=False,
                                                      help_text="untrained random weights (demo fallback)")),
        migrations.AddField(model_name="explanationtranscript", name="verdict_note",
                            field=models.CharField(blank=True, max_length=64)),
        migrations.AddField(model_name="explanationtranscript", name="worker",
                            field=models.CharField(blank=True, help_text="host:pid of the worker that claimed it",
                                                   max_length=200)),
        migrations.AddIndex(model_name="explanationtranscript",
                            index=models.Index(fields=["status", "created_at"], name="explanation_status_created")),
    ]
