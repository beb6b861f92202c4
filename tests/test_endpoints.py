"""endpoints.yml as Rasa reads it, with the values `make run` puts in the environment."""

from rasa.core.utils import AvailableEndpoints

from bot import run


def test_endpoints_take_their_values_from_the_environment(monkeypatch, tmp_path):
    settings = run.Settings.from_env(
        {"HAIP_ACTIONS_PORT": "6055", "HAIP_TRACKER_DB": str(tmp_path / "t.db")}
    )
    for key, value in run.child_env(settings).items():
        monkeypatch.setenv(key, value)
    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
    assert endpoints.action.url == "http://127.0.0.1:6055/webhook"
    assert endpoints.tracker_store.kwargs["db"] == str(tmp_path / "t.db")
    assert endpoints.tracker_store.kwargs["dialect"] == "sqlite"


def test_ports_come_from_the_environment():
    settings = run.Settings.from_env({"HAIP_RASA_PORT": "7005", "HAIP_ACTIONS_PORT": "7055"})
    commands = run.commands(settings, model=run.Path("m.tar.gz"), api_token="t")
    assert "7005" in commands["rasa server"] and "7055" in commands["action server"]


def test_a_bad_port_is_refused():
    import pytest

    with pytest.raises(SystemExit, match="HAIP_RASA_PORT"):
        run.Settings.from_env({"HAIP_RASA_PORT": "http"})


def test_the_api_token_reaches_rasa_whatever_it_starts_with():
    import argparse

    from rasa.cli.arguments.run import set_run_arguments

    settings = run.Settings.from_env({})
    command = run.commands(settings, model=run.Path("m.tar.gz"), api_token="-starts-with-dash")
    parser = argparse.ArgumentParser()
    set_run_arguments(parser)
    rasa_args = command["rasa server"][command["rasa server"].index("run") + 1 :]
    assert parser.parse_args(rasa_args).auth_token == "-starts-with-dash"
    assert all(c in "0123456789abcdef" for c in run.Servers(settings, run.Path("m")).api_token)


def test_the_socket_channel_gets_the_allowed_origins_through_credentials(monkeypatch):
    from rasa.shared.utils.io import read_config_file

    from bot.channels import SocketIOChannel

    settings = run.Settings.from_env(
        {
            "HAIP_WEB_PORT": "8100",
            "HAIP_CORS_ORIGINS": "https://www.example-clinic.org",
            "HAIP_SOCKET_URL": "https://assistant.example-clinic.org",
        }
    )
    for key, value in run.child_env(settings).items():
        monkeypatch.setenv(key, value)
    credentials = read_config_file("credentials.yml")["bot.channels.SocketIOChannel"]
    channel = SocketIOChannel.from_credentials(credentials)
    assert channel.allowed_origins == [
        "http://127.0.0.1:8100",
        "http://localhost:8100",
        "https://www.example-clinic.org",
        # The web chat behind the clinic's HTTPS, where the socket is too.
        "https://assistant.example-clinic.org",
    ]
    assert channel.session_persistence is True
