"""The API's start-up freezes the heap, so full GC passes stay short under requests."""

import gc
import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app


def test_lifespan_freezes_startup_objects(seeded: Any, tmp_path: Path) -> None:
    gc.unfreeze()
    db = tmp_path / "centre.db"
    shutil.copyfile(seeded.db, db)
    app = create_app(seeded.settings(db))
    try:
        with TestClient(app):
            assert gc.get_freeze_count() > 0
            assert not any(o is app for o in gc.get_objects())
    finally:
        gc.unfreeze()
