from django.core.management.base import BaseCommand, CommandError

from bot import settings


class Command(BaseCommand):
    help = "delete conversations older than the clinic's retention setting"

    def handle(self, *args, **options):
        from bot.events.source import Busy
        from staff.review import retention

        try:
            report = retention.run(settings.path("HAIP_TRACKER_DB"))
        except Busy as exc:
            # Rasa's events go first: nothing at all was deleted.
            raise CommandError(
                f"Retention: Rasa's events were locked by another process ({exc}); "
                "nothing was deleted. The next run tries again."
            ) from None
        self.stdout.write(report.summary())
