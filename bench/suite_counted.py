"""``cc-conformance`` with a request counter: ``python -m bench.suite_counted run ...``.

Wraps the one function every target sends through (``conformance.targets._httpx.send_httpx``,
as imported by the app and URL targets) to count the suite's HTTP exchanges and keep their
elapsed times, then runs the ordinary CLI. At exit the counts go to the JSON file named by
``$CC_BENCH_COUNT_FILE``. Nothing in ``conformance/`` is changed.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from collections import Counter
from typing import Any

import conformance.targets.app as app_target
import conformance.targets.http as http_target
from conformance.cli import main as cli_main

elapsed_ms: list[float] = []
statuses: Counter[int] = Counter()
_original = app_target.send_httpx


async def counting_send(*args: Any, **kwargs: Any) -> Any:
    exchange = await _original(*args, **kwargs)
    elapsed_ms.append(exchange.elapsed_ms)
    statuses[exchange.response.status] += 1
    return exchange


def _write() -> None:
    path = os.environ.get("CC_BENCH_COUNT_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"requests": len(elapsed_ms), "elapsed_ms": elapsed_ms,
                       "statuses": {str(k): v for k, v in sorted(statuses.items())}}, f)


def main() -> int:
    app_target.send_httpx = counting_send  # type: ignore[assignment]
    http_target.send_httpx = counting_send  # type: ignore[attr-defined]
    atexit.register(_write)
    return int(cli_main(sys.argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
