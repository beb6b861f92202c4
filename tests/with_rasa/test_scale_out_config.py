"""The scale-out switch without servers: settings, Rasa's endpoints, the systemd
units of deploy/scale-out/, and the lock store against a real Redis."""

import subprocess
import threading
import time

import pytest
from rasa.core.utils import AvailableEndpoints

from bot.rasa.lock_store import AtomicRedisLockStore
from bot.servers import action_secret, api_token, one_process, supervisor
from bot.settings import ScaleOut, Settings
from harness.scale_out import REDIS, UNITS, env_file, unit, unit_command
from harness.servers import free_port, port_open

SCALED = {"HAIP_POSTGRES_HOST": "db.clinic.internal", "HAIP_REDIS_HOST": "10.0.0.7"}


def test_sqlite_and_memory_unless_both_servers_are_named():
    assert Settings.from_env({}).scale_out is None
    assert Settings.from_env({}).endpoints_file.name == "endpoints.yml"
    for only_one in ({"HAIP_POSTGRES_HOST": "db"}, {"HAIP_REDIS_HOST": "redis"}):
        with pytest.raises(SystemExit, match="set together"):
            Settings.from_env(only_one)
    scaled = Settings.from_env({**SCALED, "HAIP_POSTGRES_PORT": "6432"}).scale_out
    assert (scaled.postgres_host, scaled.postgres_port, scaled.redis_port) == (
        "db.clinic.internal",
        6432,
        6379,
    )
    with pytest.raises(SystemExit, match="HAIP_REDIS_PORT"):
        Settings.from_env({**SCALED, "HAIP_REDIS_PORT": "redis"})


def test_rasa_reads_postgresql_redis_and_the_event_broker_from_the_environment(monkeypatch):
    settings = Settings.from_env(SCALED)
    for key, value in supervisor.child_env(settings).items():
        monkeypatch.setenv(key, value)
    endpoints = AvailableEndpoints.read_endpoints(str(settings.endpoints_file))
    tracker = endpoints.tracker_store
    assert (tracker.type, tracker.url, tracker.kwargs["dialect"]) == (
        "bot.rasa.tracker_store.CachingSQLTrackerStore",
        "db.clinic.internal",
        "postgresql",
    )
    assert (tracker.kwargs["db"], tracker.kwargs["username"]) == ("haip", "haip")
    broker = endpoints.event_broker
    assert (broker.type, broker.kwargs["db"]) == ("SQL", "haip_events")
    assert endpoints.lock_store.type == "bot.rasa.lock_store.AtomicRedisLockStore"
    assert (endpoints.lock_store.url, endpoints.lock_store.kwargs["port"]) == ("10.0.0.7", "6379")
    # The password is libpq's (PGPASSFILE): in no setting and no file of ours.
    assert not any("password" in e.kwargs for e in (tracker, broker, endpoints.lock_store))
    command = supervisor.commands(settings, supervisor.Path("m.tar.gz"))[supervisor.RASA]
    assert command[command.index("--endpoints") + 1] == str(settings.endpoints_file)


def test_every_process_has_a_unit_that_runs_it_as_run_does():
    units = sorted(path.name for path in UNITS.glob("*.service"))
    served = {}
    for name in units:
        command = unit_command(name, "5006")
        assert command[1:4] == ["-m", "bot", "serve"], name
        served[command[4]] = name
        env_files = unit(name)["EnvironmentFile"]
        assert env_files[0] == "/etc/haip/haip.env", name
        # Secrets only for the processes that use them: Rasa's API token, the
        # action server's secret.
        process = one_process.NAMES[command[4]]
        needs_secrets = process in supervisor.NEEDS_API_TOKEN + supervisor.NEEDS_ACTIONS_SECRET
        assert ("/etc/haip/secrets.env" in env_files) == needs_secrets, name
    assert set(served) == set(one_process.NAMES)
    assert unit_command("haip-rasa@.service", "5007")[-2:] == ["--port", "5007"]


def test_the_shipped_environment_file_names_only_settings_and_no_secret():
    from bot import settings

    shipped = env_file((UNITS.parent / "haip.env").read_text())
    assert set(shipped) - {"PGPASSFILE"} <= set(settings.BY_VARIABLE)
    assert ScaleOut.from_env(shipped) is not None


def test_a_unit_that_calls_rasa_refuses_to_start_without_the_token(monkeypatch):
    monkeypatch.delenv(api_token.VARIABLE, raising=False)
    with pytest.raises(SystemExit, match=api_token.VARIABLE):
        one_process.command_and_env("web", Settings.from_env({}))
    monkeypatch.setenv(api_token.VARIABLE, "a" * 64)
    monkeypatch.setenv(action_secret.VARIABLE, "b" * 64)
    command, env = one_process.command_and_env("actions", Settings.from_env({}))
    assert api_token.VARIABLE not in env and command[2] == "bot.servers.action_server"
    assert env[action_secret.VARIABLE] == "b" * 64


def test_the_action_server_and_rasa_refuse_to_start_without_the_action_secret(monkeypatch):
    monkeypatch.setenv(api_token.VARIABLE, "a" * 64)
    monkeypatch.delenv(action_secret.VARIABLE, raising=False)
    for name in ("actions", "rasa"):
        with pytest.raises(SystemExit, match=action_secret.VARIABLE):
            one_process.command_and_env(name, Settings.from_env({}))
    monkeypatch.setenv(action_secret.VARIABLE, "b" * 64)
    rasa_command, rasa_env = one_process.command_and_env("rasa", Settings.from_env({}))
    assert rasa_env[action_secret.VARIABLE] == "b" * 64
    assert not any("b" * 64 in arg for arg in rasa_command)
    # The others get the placeholder, which matches no secret.
    _, web_env = one_process.command_and_env("web", Settings.from_env({}))
    assert web_env[action_secret.VARIABLE] == action_secret.NONE


def test_a_rasa_unit_without_a_model_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIP_TRAINING_DIR", str(tmp_path / "training"))
    with pytest.raises(SystemExit, match="python -m bot train"):
        one_process.current_model(tmp_path / "haip-0.tar.gz", tmp_path)


@pytest.fixture
def redis_port():
    port = free_port()
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not port_open(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.terminate()
    server.wait()


def test_tickets_issued_at_once_by_many_servers_are_all_different(redis_port):
    """Each thread is a Rasa server of its own (its own store and connection)."""
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(url="127.0.0.1", port=redis_port, type="redis")
    stores = [AtomicRedisLockStore(config) for _ in range(8)]
    tickets: list[int] = []
    start = threading.Barrier(len(stores))

    def issue(store) -> None:
        start.wait()
        for _ in range(5):
            tickets.append(store.issue_ticket("conversation-1"))

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(40))
    lock = stores[0].get_lock("conversation-1")
    assert len(lock.tickets) == 40
    for ticket in tickets:
        stores[ticket % 8].cleanup("conversation-1", ticket)
    assert stores[0].get_lock("conversation-1") is None


def test_rasa_tables_made_by_several_servers_at_once_are_made_once(tmp_path, monkeypatch):
    """Without the advisory lock, two of these fail with a duplicate key."""
    from bot.rasa import postgres_tables
    from bot.servers import trouble_log
    from harness.scale_out import Postgres

    server = Postgres()
    try:
        server.start(tmp_path / "pgpass")
        monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
        scale_out = ScaleOut.from_env({**SCALED, "HAIP_POSTGRES_HOST": "127.0.0.1",
                                       "HAIP_POSTGRES_PORT": str(server.port)})  # fmt: skip
        failures: list[Exception] = []
        start = threading.Barrier(4)

        def make() -> None:
            start.wait()
            try:
                postgres_tables.create(scale_out)
            except Exception as exc:  # noqa: BLE001 (collected for the assertion)
                failures.append(exc)

        threads = [threading.Thread(target=make) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        import psycopg2

        for db, table in (("haip", "events"), ("haip_events", "events"),
                          ("haip_events", trouble_log.TABLE)):  # fmt: skip
            with psycopg2.connect(scale_out.dsn(db)) as connection, connection.cursor() as cur:
                cur.execute(f"SELECT count(*) FROM {table}")
                assert cur.fetchone() == (0,)
    finally:
        server.stop()
