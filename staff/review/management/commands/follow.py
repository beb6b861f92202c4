import signal
import threading

from django.core.management.base import BaseCommand

from bot import settings


class Command(BaseCommand):
    help = "copy new patient messages from Rasa's events into the review log"

    def handle(self, *args, **options):
        from staff.review.follower import follow

        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        follow(settings.path("HAIP_TRACKER_DB"), every_s=0.5, stop=stop.is_set)
