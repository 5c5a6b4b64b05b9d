"""Print uv's options for the package index that pip is configured with (``pip config list``), so
that ``uv pip install`` resolves from exactly the same places: index URL, extra index URLs,
find-links, constraints.  ``--cert`` prints pip's CA bundle instead (for SSL_CERT_FILE).

    python .ci/index_flags.py          # -> --extra-index-url file:///opt/pypi/simple ... (shell words)
"""

from __future__ import annotations

import shlex
import subprocess
import sys


def pip_config() -> dict[str, list[str]]:
    out = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False).stdout
    conf: dict[str, list[str]] = {}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if not value:
            continue
        name = key.rsplit(".", 1)[-1]  # global.extra-index-url, :env:.find-links ...
        words = value.strip().strip("'\"").split()
        for w in words:
            if w not in conf.setdefault(name, []):
                conf[name].append(w)
    return conf


def main() -> None:
    conf = pip_config()
    if "--cert" in sys.argv:
        print(conf.get("cert", [""])[0])
        return
    flags: list[str] = []
    for url in conf.get("index-url", [])[:1]:
        flags += ["--index-url", url]
    for url in conf.get("extra-index-url", []):
        flags += ["--extra-index-url", url]
    for where in conf.get("find-links", []):
        flags += ["--find-links", where]
    for path in conf.get("constraint", []):
        flags += ["--constraint", path]
    if len(conf.get("extra-index-url", [])) + len(conf.get("index-url", [])) > 0:
        flags += ["--index-strategy", "unsafe-best-match"]  # pip's behaviour: the best version across all indexes
    print(" ".join(shlex.quote(f) for f in flags))


if __name__ == "__main__":
    main()
