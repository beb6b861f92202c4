"""The editor's content history is opened once per content folder, not on every
request; started again only if its git directory goes."""

import shutil

from bot.content.history import ContentHistory
from staff.editor import common


def test_the_history_is_opened_once_and_again_only_when_its_git_directory_went(
    content, monkeypatch
):
    started = []
    ensure = ContentHistory.ensure
    monkeypatch.setattr(ContentHistory, "ensure", lambda self: started.append(1) or ensure(self))
    first = common.history()
    assert common.history() is first and len(started) == 1
    assert (first.git_dir / "HEAD").exists()
    shutil.rmtree(first.git_dir)
    again = common.history()
    assert len(started) == 2 and (again.git_dir / "HEAD").exists()
    assert again.log()  # a usable history, with its first commit
