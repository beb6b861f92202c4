"""endpoints.yml as Rasa reads it, with the values `make run` puts in the environment."""

import pytest
from rasa.core.utils import AvailableEndpoints

from bot.servers import action_secret, api_token, supervisor


def test_endpoints_take_their_values_from_the_environment(monkeypatch, tmp_path):
    settings = supervisor.Settings.from_env(
        {"HAIP_ACTIONS_PORT": "6055", "HAIP_TRACKER_DB": str(tmp_path / "t.db")}
    )
    for key, value in supervisor.child_env(settings).items():
        monkeypatch.setenv(key, value)
    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
    assert endpoints.action.url == "http://127.0.0.1:6055/webhook"
    assert endpoints.tracker_store.kwargs["db"] == str(tmp_path / "t.db")
    assert endpoints.tracker_store.kwargs["dialect"] == "sqlite"
    # Rasa's own commands (test, train) read the file too: a secret that opens nothing.
    assert endpoints.action.headers == {action_secret.HEADER: action_secret.NONE}


@pytest.mark.parametrize(
    "env", [{}, {"HAIP_POSTGRES_HOST": "db", "HAIP_REDIS_HOST": "redis"}], ids=["one", "scaled"]
)
def test_rasa_sends_the_action_servers_secret_it_was_given(monkeypatch, env):
    settings = supervisor.Settings.from_env(env)
    watched = supervisor.Supervisor(settings, supervisor.Path("m.tar.gz"))
    rasa = watched.children[supervisor.RASA]
    for key, value in rasa.env.items():
        monkeypatch.setenv(key, value)
    endpoints = AvailableEndpoints.read_endpoints(str(settings.endpoints_file))
    assert endpoints.action.headers == {action_secret.HEADER: watched.actions_secret}
    assert watched.children[supervisor.ACTIONS].env[action_secret.VARIABLE] == (
        watched.actions_secret
    )
    for child in watched.children.values():
        assert not any(watched.actions_secret in arg for arg in child.command), child.name
        has_secret = child.env.get(action_secret.VARIABLE) == watched.actions_secret
        assert has_secret == (child.name in supervisor.NEEDS_ACTIONS_SECRET), child.name


def test_ports_come_from_the_environment():
    settings = supervisor.Settings.from_env({"HAIP_RASA_PORT": "7005", "HAIP_ACTIONS_PORT": "7055"})
    commands = supervisor.commands(settings, model=supervisor.Path("m.tar.gz"))
    assert "7005" in commands[supervisor.RASA] and "7055" in commands[supervisor.ACTIONS]


def test_a_bad_port_is_refused():
    import pytest

    with pytest.raises(SystemExit, match="HAIP_RASA_PORT"):
        supervisor.Settings.from_env({"HAIP_RASA_PORT": "http"})


def test_rasa_gets_its_command_line_from_the_launcher_and_no_token():
    from bot.rasa import server as rasa_server

    settings = supervisor.Settings.from_env({"HAIP_CORS_ORIGINS": "https://www.example-clinic.org"})
    watched = supervisor.Supervisor(settings, supervisor.Path("m.tar.gz"))
    rasa = watched.children[supervisor.RASA]
    args = rasa_server.parse_args(rasa.command[rasa.command.index("bot.rasa.server") + 1 :])
    assert (args.model, args.port) == ("m.tar.gz", settings.rasa_port)
    assert "https://www.example-clinic.org" in args.cors
    token = watched.api_token
    assert len(token) == 64 and all(c in "0123456789abcdef" for c in token)
    for child in watched.children.values():
        assert not any(token in arg for arg in child.command), child.name
        has_token = child.env.get(api_token.VARIABLE) == token
        assert has_token == (child.name in supervisor.NEEDS_API_TOKEN), child.name
    assert not watched.children[supervisor.STAFF].env.get(api_token.VARIABLE)


def test_the_token_is_kept_out_of_log_lines_and_tracebacks(caplog):
    import logging

    token = api_token.new()
    factory = logging.getLogRecordFactory()
    api_token.keep_out_of_logs(token)
    try:
        logger = logging.getLogger("test.token")
        logger.error("calling %s/tracker?token=%s", "http://x", token)
        try:
            raise ConnectionError(f"Max retries exceeded with url: /x?token={token}")
        except ConnectionError:
            logger.exception("delivery failed")
    finally:
        logging.setLogRecordFactory(factory)
    assert token not in caplog.text
    assert caplog.text.count(api_token.REDACTED) == 2


def test_the_socket_channel_gets_the_allowed_origins_through_credentials(monkeypatch):
    from rasa.shared.utils.io import read_config_file

    from bot.rasa.channels import SocketIOChannel

    settings = supervisor.Settings.from_env(
        {
            "HAIP_WEB_PORT": "8100",
            "HAIP_CORS_ORIGINS": "https://www.example-clinic.org",
            "HAIP_SOCKET_URL": "https://assistant.example-clinic.org",
        }
    )
    for key, value in supervisor.child_env(settings).items():
        monkeypatch.setenv(key, value)
    credentials = read_config_file("credentials.yml")["bot.rasa.channels.SocketIOChannel"]
    channel = SocketIOChannel.from_credentials(credentials)
    assert channel.allowed_origins == [
        "http://127.0.0.1:8100",
        "http://localhost:8100",
        "https://www.example-clinic.org",
        # The web chat behind the clinic's HTTPS, where the socket is too.
        "https://assistant.example-clinic.org",
    ]
    assert channel.session_persistence is True
