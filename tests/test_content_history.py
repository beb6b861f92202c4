"""The git history of content/ (bot/content/history.py): who changed what, the
change itself, and putting a file back as it was."""

import datetime as dt
import shutil
import subprocess

import pytest
import yaml

from bot import paths
from bot.content import editing, loader
from bot.content.editing import Author, Invalid
from bot.content.history import FIRST_MESSAGE, ContentHistory

NURSE = Author("Nurse Ann Example", "ann@clinic.example")
DOCTOR = Author("Dr Bo Example", "bo@clinic.example")
TOPIC = "hospital_stay"
REL = f"topics/{TOPIC}.yml"


@pytest.fixture
def history(content_dir, tmp_path, monkeypatch):
    # As on a server where nobody ever set up git.
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    return ContentHistory(content_dir, tmp_path / "history.git")


def save(content_dir, history, author=NURSE, **fields):
    version = editing.load_topic(content_dir, TOPIC).version
    return editing.save_topic(content_dir, TOPIC, fields, version, author, history)


def test_git_is_installed():
    assert subprocess.run(["git", "--version"], capture_output=True, check=True).returncode == 0


def test_ensure_records_the_content_as_found_once(content_dir, history):
    assert history.log() == []
    history.ensure()
    history.ensure()
    [first] = history.log()
    assert first.message == FIRST_MESSAGE
    assert first.time.tzinfo == dt.timezone.utc
    assert abs(dt.datetime.now(dt.timezone.utc) - first.time) < dt.timedelta(minutes=5)
    assert history.file_at(first.sha, REL) == (content_dir / REL).read_text()
    assert history.file_at(first.sha, content_dir / "clinic.yml") == (
        (content_dir / "clinic.yml").read_text()
    )


def test_the_git_directory_is_separate_from_content(content_dir, tmp_path):
    with pytest.raises(ValueError):
        ContentHistory(content_dir, content_dir / "history.git")
    with pytest.raises(ValueError):
        ContentHistory(content_dir, content_dir)


def test_the_projects_own_repository_is_not_touched(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    shutil.copytree(paths.ROOT / "content", project / "content")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "project"], check=True)

    def head():
        return subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout

    before = head()
    history = ContentHistory(project / "content", tmp_path / "history.git")
    monkeypatch.chdir(project)
    save(project / "content", history, title="Your hospital stay")
    assert head() == before
    assert len(history.log()) == 2
    assert not (project / "content" / ".git").exists()


def test_commit_returns_none_when_nothing_changed(content_dir, history):
    history.ensure()
    assert history.commit([REL], NURSE, "nothing") is None
    (content_dir / REL).write_text((content_dir / REL).read_text() + "# note\n")
    sha = history.commit([content_dir / REL], NURSE, "a note")
    assert sha and history.log(limit=1)[0].sha == sha
    assert history.log(limit=1)[0].author == NURSE.name


def test_log_diff_and_file_at_tell_what_changed(content_dir, history):
    original = (content_dir / REL).read_text()
    first = save(content_dir, history, title="Your hospital stay")
    second = save(content_dir, history, author=DOCTOR, reviewed_by="Dr Bo Example, surgeon")
    save_other = editing.save_topic(
        content_dir,
        "mri",
        {"title": "MRI scans and the pump"},
        editing.load_topic(content_dir, "mri").version,
        NURSE,
        history,
    )
    log = history.log(REL)
    assert [c.sha for c in log[:2]] == [second.commit, first.commit]
    assert [(c.author, c.email, c.message) for c in log] == [
        (DOCTOR.name, DOCTOR.email, "hospital_stay: reviewed_by"),
        (NURSE.name, NURSE.email, "hospital_stay: title"),
        ("HAIP content history", "content@localhost", FIRST_MESSAGE),
    ]
    assert history.log()[0].sha == save_other.commit
    assert len(history.log(limit=2)) == 2
    diff = history.diff(first.commit)
    assert diff.startswith("diff --git a/topics/hospital_stay.yml b/topics/hospital_stay.yml")
    assert "-title: How long you stay in the hospital\n+title: Your hospital stay\n" in diff
    assert history.diff(first.commit, "topics/mri.yml") == ""
    assert history.file_at(log[-1].sha, REL) == original
    assert "Your hospital stay" in history.file_at(first.commit[:10], REL)


def test_revert_restores_the_file_as_it_was_at_that_commit(content_dir, history):
    original = (content_dir / REL).read_bytes()
    first = save(content_dir, history, title="Your hospital stay")
    at_first = (content_dir / REL).read_text()
    save(content_dir, history, author=DOCTOR, reviewed_by="Dr Bo Example, surgeon")
    sha = editing.revert(content_dir, history, first.commit, REL, DOCTOR)
    assert (content_dir / REL).read_text() == at_first
    [last, *_] = history.log(REL)
    assert (last.sha, last.message, last.author) == (
        sha,
        f"Revert hospital_stay to {first.commit[:7]}",
        DOCTOR.name,
    )
    assert "-reviewed_by: Dr Bo Example, surgeon" in history.diff(sha)
    # Back to the content as found; the revert is live for the assistant.
    found = history.log(REL)[-1]
    editing.revert(content_dir, history, found.sha, content_dir / REL, NURSE)
    assert (content_dir / REL).read_bytes() == original
    assert loader.load(content_dir).topics[TOPIC].title == "How long you stay in the hospital"
    assert len(history.log(REL)) == 5
    # Nothing to do: already as it was.
    assert editing.revert(content_dir, history, found.sha, REL, NURSE) is None


def test_a_revert_to_text_that_is_invalid_now_changes_nothing(content_dir, history):
    sources = content_dir / "sources.yml"
    data = yaml.safe_load(sources.read_text())
    data["NEW"] = {"name": "New Source", "citation": "A new source.", "url": "https://example.org"}
    sources.write_text(yaml.safe_dump(data, sort_keys=False))
    cited = save(content_dir, history, sources=["JH", "P1", "NEW"])
    save(content_dir, history, sources=["JH", "P1"])
    del data["NEW"]
    sources.write_text(yaml.safe_dump(data, sort_keys=False))  # outside the editor
    before = (content_dir / REL).read_bytes()
    count = len(history.log())
    with pytest.raises(Invalid) as raised:
        editing.revert(content_dir, history, cited.commit, REL, NURSE)
    assert any("'NEW'" in m for m in raised.value.errors["sources"])
    assert (content_dir / REL).read_bytes() == before
    # Only the outside change to sources.yml may have been recorded, never a revert.
    assert all(not c.message.startswith("Revert") for c in history.log())
    assert len(history.log()) == count


def test_changes_made_outside_the_editor_are_committed_apart(content_dir, history):
    history.ensure()
    path = content_dir / REL
    path.write_text(path.read_text().replace("How long you stay", "How long you will stay"))
    save(content_dir, history, reviewed_by="Dr Bo Example")
    outside, found = history.log(REL)[1:]
    assert outside.message == "Changed outside the editor"
    assert "How long you will stay" in history.diff(outside.sha)
    assert "How long you will stay" not in history.diff(history.log(REL)[0].sha)


@pytest.mark.parametrize("sha", ["--output=/tmp/x", "HEAD", "zzzz", "0" * 40, "", "abc"])
def test_bad_versions_are_invalid(content_dir, history, sha):
    history.ensure()
    with pytest.raises(Invalid):
        history.diff(sha)
    with pytest.raises(Invalid):
        history.file_at(sha, REL)
    with pytest.raises(Invalid):
        editing.revert(content_dir, history, sha, REL, NURSE)


@pytest.mark.parametrize(
    "path", ["../clinic.yml", "/etc/passwd", "topics/../../x.yml", ".git/config", ""]
)
def test_paths_outside_content_are_invalid(content_dir, history, path):
    history.ensure()
    sha = history.log()[0].sha
    with pytest.raises(Invalid):
        history.file_at(sha, path)
    with pytest.raises(Invalid):
        history.log(path)
    with pytest.raises(Invalid):
        editing.revert(content_dir, history, sha, path, NURSE)


def test_a_file_that_did_not_exist_then_is_invalid(content_dir, history):
    history.ensure()
    sha = history.log()[0].sha
    with pytest.raises(Invalid, match="did not exist"):
        history.file_at(sha, "topics/no_such_topic.yml")


def test_a_retired_topic_comes_back_by_revert(content_dir, history):
    fields = dict(editing.load_topic(content_dir, TOPIC).fields)
    fields.update(id="pump_noises", title="Sounds from the pump", follow_ups=[])
    fields["examples"] = [f"{e} (new)" for e in fields["examples"]]
    created = editing.new_topic(content_dir, fields, NURSE, history)
    editing.retire_topic(content_dir, "pump_noises", NURSE, history)
    assert "pump_noises" not in loader.load(content_dir).topics
    editing.revert(content_dir, history, created.commit, "topics/pump_noises.yml", DOCTOR)
    assert loader.load(content_dir).topics["pump_noises"].title == "Sounds from the pump"
