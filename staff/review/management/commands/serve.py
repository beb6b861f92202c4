from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "run the workspace under gunicorn (make run starts it)"

    def handle(self, *args, **options):
        from staff import server

        server.run()  # becomes gunicorn
