"""Rasa's server, as `rasa run --enable-api` starts it, but with the API token
from the environment (HAIP_RASA_API_TOKEN) instead of the command line.

`rasa run` takes the token only as `--auth-token`, where any local user can
read it with `ps`; this launcher hands it to Rasa in-process. Logging is set up
the way `rasa run` does it (INFO unless LOG_LEVEL says otherwise).

    python -m bot.servers.rasa_server --model models/x.tar.gz [--interface 127.0.0.1]
        [--port 5005] [--credentials credentials.yml] [--endpoints endpoints.yml]
        [--cors ORIGIN ...] [--logging-config-file FILE]
"""

from __future__ import annotations

import argparse
import os

from bot.servers import api_token


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.servers.rasa_server", description=__doc__)
    parser.add_argument("--model", required=True, help="trained model (.tar.gz)")
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--credentials", default="credentials.yml")
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument(
        "--cors", action="append", default=[], help="an allowed origin; repeat for more"
    )
    parser.add_argument(
        "--logging-config-file", help="YAML logging configuration (Python dictConfig)"
    )
    return parser.parse_args(argv)


def configure_logging(logging_config_file: str | None) -> None:
    """What rasa/__main__.py does before `rasa run`, minus telemetry and Sentry
    error reporting, which are never set up: patient conversations must not
    leave the machine."""
    import rasa.utils.io
    import rasa.utils.tensorflow.environment as tf_env
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(
        None, logging_config_file, warn_only_once=True, filter_repeated_logs=True
    )
    tf_env.setup_tf_environment()
    rasa.utils.io.configure_colored_logging(None)
    configure_structlog(None)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    token = api_token.take_from_env()
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    configure_logging(args.logging_config_file)
    api_token.keep_out_of_logs(token)

    from rasa.core.run import serve_application
    from rasa.core.utils import AvailableEndpoints

    serve_application(
        model_path=args.model,
        interface=args.interface,
        port=args.port,
        credentials=args.credentials,
        cors=args.cors or None,
        auth_token=token,
        enable_api=True,
        endpoints=AvailableEndpoints.read_endpoints(args.endpoints),
    )


if __name__ == "__main__":
    main()
