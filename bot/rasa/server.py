"""Rasa's server, as `rasa run --enable-api` starts it (Rasa's own configure_app
and model loading), with four differences:

- The API token comes from the environment (HAIP_RASA_API_TOKEN), not the
  command line: `rasa run` takes it only as `--auth-token`, where any local user
  can read it with `ps`.
- It takes connections only once its model is loaded and has answered one
  message (the first answer of a fresh model loads parts of the pipeline, which
  made the first patient wait about 6 s). Its port is bound with SO_REUSEPORT, so
  a second server with a newly trained model can start on the same port while
  this one answers, and the supervisor moves traffic by stopping the old one
  (bot/servers/supervisor.py): patients never wait for a model load, which
  Rasa's own `PUT /model` makes them do.
- When it takes connections, it says so on the file descriptor in
  HAIP_READY_FD, if given (how the supervisor knows which of two servers on one
  port is ready).
- Rasa's `PUT /model` loads only model files in models/ (HAIP_MODELS_DIR).

Logging is set up the way `rasa run` does it (INFO unless LOG_LEVEL says otherwise).

    python -m bot.rasa.server --model models/x.tar.gz [--interface 127.0.0.1]
        [--port 5005] [--credentials credentials.yml] [--endpoints endpoints.yml]
        [--cors ORIGIN ...] [--logging-config-file FILE]
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import socket
import struct
import sys
from functools import partial
from pathlib import Path

from bot import settings
from bot.servers import api_token, ready_pipe

SWITCH_INTERVAL_S = 0.001
WARM_UP_TEXT = "hello"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.rasa.server", description=__doc__)
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


def shared_socket(interface: str, port: int) -> socket.socket:
    """Bound now, listening only once the server starts (after its model is
    loaded): the kernel gives a new connection only to a listening socket, so
    while a second server loads, the first takes every connection."""
    family, kind, proto, _, address = socket.getaddrinfo(interface, port, type=socket.SOCK_STREAM)[
        0
    ]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.set_inheritable(False)
    return sock


def allowed_model(body: object, models_dir: Path) -> bool:
    """Whether a `PUT /model` body names a model file inside models_dir, and
    nothing else to load from (no model server, no remote storage)."""
    if not isinstance(body, dict) or set(body) - {"model_file"}:
        return False
    name = body.get("model_file")
    if not isinstance(name, str) or not name.endswith(".tar.gz"):
        return False
    path = Path(name) if Path(name).is_absolute() else models_dir / name
    return path.resolve().parent == models_dir.resolve() and path.is_file()


async def _only_local_models(request):
    from sanic import response

    if request.method == "PUT" and request.path.rstrip("/") == "/model":
        try:
            body = request.json
        except Exception:  # malformed JSON: Rasa would refuse it too
            body = None
        if not allowed_model(body, settings.path("HAIP_MODELS_DIR")):
            return response.json(
                {"status": "failure", "reason": "Only model files in models/ are loaded."},
                status=403,
            )
    return None


async def _warm_up(app, loop) -> None:
    # Rasa logs a model it cannot load and serves on without one; a server that
    # cannot answer must not take the port: it stops here, before listening.
    if not app.ctx.agent.is_ready():
        raise SystemExit("The model could not be loaded; see the error above.")
    # Parsing writes nothing to any conversation.
    await app.ctx.agent.parse_message(WARM_UP_TEXT)


# A classic BPF program for the port's SO_REUSEPORT group: "the socket at index
# 1". Sockets join the group as they start listening, so while a new server runs
# beside the old one, every new connection goes to the new one; the old one
# drains what it has and closes an empty queue (closing a listening socket
# resets the connections still waiting in it). With one server there is no
# index 1, and the kernel picks the only socket as usual.
SO_ATTACH_REUSEPORT_CBPF = getattr(socket, "SO_ATTACH_REUSEPORT_CBPF", 51)
_BPF_RET_K = 0x06


def send_new_connections_here(sock: socket.socket) -> bool:
    """Attach the program above; False where the kernel cannot (then both
    servers share new connections until the old one stops)."""
    program = ctypes.create_string_buffer(struct.pack("HBBI", _BPF_RET_K, 0, 0, 1))
    fprog = struct.pack("HL", 1, ctypes.addressof(program))
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, fprog)
    except OSError:
        return False
    return True


async def _say_ready(app, loop) -> None:
    ready_pipe.say_ready()


# Read by OpenBLAS (numpy's) when numpy is first imported, which is below.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """numpy's matrix products on one thread, unless the environment says
    otherwise. A message's MiniLM embedding multiplies matrices of a dozen rows:
    a second OpenBLAS thread costs more to wake than it saves, and on a 2-core
    machine it takes the other core from the action server and from the other
    patients' messages (bench/profile.py, MiniLM per sentence: 21 ms CPU on one
    thread, 34 ms on two; under load 29 ms and 57 ms)."""
    for variable in BLAS_THREADS:
        os.environ.setdefault(variable, "1")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    token = api_token.take_from_env()
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    one_blas_thread()
    configure_logging(args.logging_config_file)
    api_token.keep_out_of_logs(token)
    # Imported here: MiniLM's process (spawned) imports this module again, and
    # needs none of Rasa.
    import bot.rasa
    from bot.nlu import embedding_process

    # A thread waiting for Python's lock (the NLU thread, back from the
    # embedding process's pipe) gets it within 1 ms, not 5 ms, of asking: beside
    # a busy event loop a sentence's embedding then takes 29 ms, not 46 ms
    # (docs/decisions/050-one-off-experiments.md).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        bot.rasa.install()
    except bot.rasa.WrongRasaVersion as wrong:
        sys.exit(str(wrong))
    logging.getLogger(__name__).info(bot.rasa.describe())
    embedding_process.install()
    if scale_out := settings.ScaleOut.from_env():
        # Here, not in `python -m bot serve rasa` alone: a Rasa server that `make run`
        # starts records trouble messages in the trouble log's table as well.
        from bot.rasa import postgres_tables

        postgres_tables.create(scale_out)

    from rasa.core.run import (
        close_resources,
        configure_app,
        create_http_input_channels,
        load_agent_on_start,
    )
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import update_sanic_log_level

    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    app = configure_app(
        create_http_input_channels(None, args.credentials),
        cors=args.cors or None,
        auth_token=token,
        enable_api=True,
        port=args.port,
        endpoints=endpoints,
    )
    # No request bigger than a chat message can be (Sanic's default is 100 MB):
    # larger ones get 413 before any of it is stored.
    from bot.rasa.channels import MAX_PACKET_BYTES

    app.config.REQUEST_MAX_SIZE = MAX_PACKET_BYTES
    app.register_middleware(_only_local_models, "request")
    # In this order, before the socket listens.
    app.register_listener(
        partial(load_agent_on_start, args.model, endpoints, None), "before_server_start"
    )
    app.register_listener(_warm_up, "before_server_start")
    sock = shared_socket(args.interface, args.port)
    # As `rasa run`: Sanic's own logs at LOG_LEVEL_LIBRARIES (ERROR), so no
    # access log line prints a request's URL, where the API token is.
    update_sanic_log_level()

    async def take_new_connections(app, loop) -> None:  # once listening
        if not send_new_connections_here(sock):
            logging.getLogger(__name__).warning(
                "SO_ATTACH_REUSEPORT_CBPF is not available: a model switch shares new "
                "connections between the two servers until the old one stops."
            )

    app.register_listener(take_new_connections, "after_server_start")
    app.register_listener(_say_ready, "after_server_start")
    app.register_listener(close_resources, "after_server_stop")
    app.run(sock=sock, workers=1, backlog=100)


if __name__ == "__main__":
    main()
