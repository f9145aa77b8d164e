"""Project-wide test setup: suite runs started by the project's own tests (in-process or in a
subprocess, through the CLI or the pytest plugin) write their report folder into a temporary
directory, never into the checkout's reports/ (CC_REPORT_DIR is the default report folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from conformance.reports import REPORT_DIR_ENV


@pytest.fixture(scope="session", autouse=True)
def _reports_out_of_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if os.environ.get(REPORT_DIR_ENV):
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(REPORT_DIR_ENV, str(tmp_path_factory.mktemp("cc-reports")))
        yield
