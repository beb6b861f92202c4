"""Who changed which content file, when, and how: a git history of content/.

The history lives in its own git directory (`git_dir`, outside content/), with
content/ as its work tree, so it never touches the project's own repository.
It runs the `git` command line (no shell; arguments as a list) with every
setting it relies on given on the command line or in the environment: no
global or system git configuration is read, and author and committer are set
for each commit, so it works on a server with no git identity.

    history = ContentHistory(content_dir, git_dir)
    history.ensure()                         start it: "Content as found"
    history.commit(paths, author, message)   -> sha, or None if nothing changed
    history.log(path=None, limit=50)         -> [Commit], newest first
    history.diff(sha, path=None)             -> unified diff of that commit
    history.file_at(sha, path)               -> the file's text at that commit
    history.restore_plan(sha, path)          -> what bot/content/editing.revert writes:
                                                the file as it was at `sha`

Paths are files in content/, given relative to it ("topics/mri.yml") or as
paths inside it. Bad input (an unknown version, a path outside content/, a
version in which the file did not exist, an old text that is invalid now)
raises bot.content.editing.Invalid; git itself failing raises HistoryError.
Commits are serialised by an exclusive lock on the git directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.content.edit_errors import Invalid

DEFAULT_BRANCH = "main"
FIRST_MESSAGE = "Content as found"
_SHA = re.compile(r"^[0-9a-fA-F]{4,40}$")
_FIELD_SEP = "\x1f"
_RECORD_SEP = "\x1e"
_BAD_IDENT = re.compile(r"[<>\n\r\x00]")
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Author:
    """A staff account, as git records it."""

    name: str
    email: str

    def valid(self) -> bool:
        return (
            isinstance(self.name, str)
            and isinstance(self.email, str)
            and bool(self.name.strip())
            and bool(self.email.strip())
            and not _BAD_IDENT.search(self.name + self.email)
        )


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    time: dt.datetime  # UTC
    message: str


class HistoryError(RuntimeError):
    """git failed (not installed, a broken git directory, a full disk)."""


def _invalid(errors: dict[str, list[str]]) -> Exception:
    return Invalid(errors)


class ContentHistory:
    """The git history of one content folder, kept in `git_dir`."""

    def __init__(
        self,
        content_dir: Path | str,
        git_dir: Path | str,
        system_author: Author | None = None,
    ):
        self.content_dir = Path(content_dir).resolve()
        self.git_dir = Path(git_dir).resolve()
        if self.git_dir == self.content_dir or self.content_dir in self.git_dir.parents:
            raise ValueError("the history's git directory must be outside the content folder")
        # Who commits what nobody in the editor did: the first commit, and changes
        # made to a file outside the editor.
        self.system_author = system_author or Author("HAIP content history", "content@localhost")

    # --- running git -----------------------------------------------------------------

    def _env(self, author: Author) -> dict[str, str]:
        if not author.valid():
            raise _invalid({"author": ["needs a name and an email address, each on one line"]})
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            GIT_CONFIG_GLOBAL="/dev/null",
            GIT_CONFIG_NOSYSTEM="1",
            GIT_TERMINAL_PROMPT="0",
            GIT_AUTHOR_NAME=author.name.strip(),
            GIT_AUTHOR_EMAIL=author.email.strip(),
            GIT_COMMITTER_NAME=author.name.strip(),
            GIT_COMMITTER_EMAIL=author.email.strip(),
        )
        return env

    def _git(
        self, *args: str, author: Author | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        command = [
            "git",
            f"--git-dir={self.git_dir}",
            f"--work-tree={self.content_dir}",
            "-c",
            "core.quotepath=off",
            "-c",
            "core.autocrlf=false",
            "-c",
            "commit.gpgsign=false",
            "-c",
            f"init.defaultBranch={DEFAULT_BRANCH}",
            "-c",
            "log.showSignature=false",
            *args,
        ]
        try:
            result = subprocess.run(
                command,
                cwd=self.content_dir,
                env=self._env(author or self.system_author),
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise HistoryError(f"git could not run: {exc}") from exc
        if check and result.returncode != 0:
            raise HistoryError(
                f"git {args[0]} failed ({result.returncode}): {result.stderr.strip()}"
            )
        return result

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.git_dir.mkdir(parents=True, exist_ok=True)
        folder = os.open(self.git_dir, os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            yield
        finally:
            os.close(folder)

    def _has_head(self) -> bool:
        if not (self.git_dir / "HEAD").exists():
            return False
        return self._git("rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode == 0

    # --- paths and versions ------------------------------------------------------------

    def _rel(self, path: Path | str) -> str:
        """A content file's path relative to content/ ("topics/mri.yml")."""
        given = Path(path)
        if given.is_absolute():
            try:
                given = given.resolve().relative_to(self.content_dir)
            except ValueError:
                raise _invalid({"file": [f"{path} is not in the content folder"]}) from None
        parts = given.parts
        if (
            not parts
            or ".." in parts
            or any(p.startswith(".") for p in parts)
            or "\\" in str(given)
            or _BAD_IDENT.search(str(given))
        ):
            raise _invalid({"file": [f"{path} is not a content file"]})
        return given.as_posix()

    def _resolve(self, sha: str) -> str:
        if not isinstance(sha, str) or not _SHA.match(sha) or not self._has_head():
            raise _invalid({"version": [f"{sha!r} is not a version of the content"]})
        found = self._git("rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}", check=False)
        if found.returncode != 0:
            raise _invalid({"version": [f"{sha!r} is not a version of the content"]})
        return found.stdout.strip()

    # --- the API -------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the history if there is none, with one first commit of the
        files as they are ("Content as found"). Does nothing the second time."""
        with self._locked():
            if not (self.git_dir / "HEAD").exists():
                self._git("init", "--quiet")
                info = self.git_dir / "info"
                info.mkdir(exist_ok=True)
                # Temporary files of a save in progress are never history.
                (info / "exclude").write_text(".*\n*.tmp\n", encoding="utf-8")
            if not self._has_head():
                self._git("add", "--all", "--", ".")
                self._git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", FIRST_MESSAGE)

    def commit(self, paths: list[Path | str], author: Author, message: str) -> str | None:
        """Commit these files as they are now (a missing file: its removal), by
        `author`; the new commit's sha, or None if none of them changed."""
        rels = [self._rel(p) for p in paths]
        if not author.valid():
            raise _invalid({"author": ["needs a name and an email address, each on one line"]})
        if not message.strip():
            raise _invalid({"message": ["is empty"]})
        with self._locked():
            if not self._has_head():
                raise HistoryError("the history has not been started (call ensure() first)")
            present = [r for r in rels if (self.content_dir / r).exists()]
            gone = [r for r in rels if r not in present]
            if present:
                self._git("add", "--all", "--", *present)
            if gone:
                self._git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", *gone)
            staged = self._git("diff", "--cached", "--quiet", "--", *rels, check=False)
            if staged.returncode == 0:
                return None
            # The index holds only what was just staged: every commit is made here,
            # under the lock, right after its files are staged.
            self._git("commit", "--quiet", "--no-verify", "-m", message, author=author)
            return self._git("rev-parse", "HEAD").stdout.strip()

    def log(self, path: Path | str | None = None, limit: int = 50) -> list[Commit]:
        """The newest `limit` commits (of this file, if given), newest first."""
        limit = max(1, min(int(limit), 10_000))
        if not self._has_head():
            return []
        args = [
            "log",
            f"-n{limit}",
            f"--format=%H{_FIELD_SEP}%an{_FIELD_SEP}%ae{_FIELD_SEP}%at{_FIELD_SEP}%B{_RECORD_SEP}",
        ]
        if path is not None:
            args += ["--", self._rel(path)]
        commits = []
        for record in self._git(*args).stdout.split(_RECORD_SEP):
            record = record.strip("\n")
            if not record:
                continue
            sha, name, email, seconds, message = record.split(_FIELD_SEP, 4)
            commits.append(
                Commit(
                    sha=sha,
                    author=name,
                    email=email,
                    time=dt.datetime.fromtimestamp(int(seconds), tz=dt.timezone.utc),
                    message=message.strip(),
                )
            )
        return commits

    def diff(self, sha: str, path: Path | str | None = None) -> str:
        """That commit's change (of this file, if given), as a unified diff."""
        args = ["show", "--no-color", "--no-ext-diff", "--no-textconv", "--format=", "--patch"]
        args.append(self._resolve(sha))
        if path is not None:
            args += ["--", self._rel(path)]
        return self._git(*args).stdout.lstrip("\n")

    def file_at(self, sha: str, path: Path | str) -> str:
        """The file's text at that commit; Invalid if it did not exist then."""
        rel, full = self._rel(path), self._resolve(sha)
        shown = self._git("show", f"{full}:{rel}", check=False)
        if shown.returncode != 0:
            raise _invalid({"file": [f"content/{rel} did not exist in version {full[:7]}"]})
        return shown.stdout

    def restore_plan(self, sha: str, path: Path | str) -> tuple[str, str, str]:
        """What restoring the file as at commit `sha` writes: (its text then,
        its path in content/, the commit message). bot/content/editing.revert
        checks and writes it."""
        rel = self._rel(path)
        full = self._resolve(sha)
        old = self.file_at(full, rel)
        return old, rel, f"Revert {_name(rel, old)} to {full[:7]}"


def _name(rel: str, text: str) -> str:
    """A topic's id, or the file's path."""
    match = re.search(r"^id:\s*([a-z][a-z0-9_]*)\s*$", text, re.MULTILINE)
    return match.group(1) if match and rel.startswith("topics/") else rel
