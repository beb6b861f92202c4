"""`python -m bot.rasa ARGS`: Rasa's own command line (`rasa ARGS`: train, test,
data validate, ...), with the Rasa version checked and our replacements
installed first, so that what it trains and tests is what patients get."""

from __future__ import annotations

import sys

import bot.rasa


def main() -> None:
    try:
        bot.rasa.install()
    except bot.rasa.WrongRasaVersion as wrong:
        sys.exit(str(wrong))
    print(bot.rasa.describe(), file=sys.stderr, flush=True)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
