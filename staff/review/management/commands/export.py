import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandParser


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {raw!r}") from None


class Command(BaseCommand):
    help = "write the masked review log as CSV to standard output (audited)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", action="store_true", required=True,
                            help="as CSV (the only form)")  # fmt: skip
        parser.add_argument(
            "--since", type=_date, help="only messages from this day on (YYYY-MM-DD)"
        )

    def handle(self, *args, since=None, **options):
        from staff.review import export

        # Each CSV row ends with its own line ending: the wrapper adds none.
        export.write_csv(self.stdout, since=since, by="command line")
