import shutil
from pathlib import Path

import pytest
import yaml

from bot import paths


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the demo content that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(paths.ROOT / "content", target)
    return target


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
