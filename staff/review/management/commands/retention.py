from django.core.management.base import BaseCommand

from bot import settings


class Command(BaseCommand):
    help = "delete conversations older than the clinic's retention setting"

    def handle(self, *args, **options):
        from staff.review import retention

        report = retention.run(settings.path("HAIP_TRACKER_DB"))
        self.stdout.write(report.summary())
