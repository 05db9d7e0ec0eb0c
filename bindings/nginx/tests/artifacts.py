#!/usr/bin/env python3
"""Reads `cargo build -p cookie-charter-nginx --message-format=json...` on standard input and
prints two lines: the nginx binary the module was built against (nginx-sys's build directory,
`objs/nginx`, when nginx-src built it) and the module (`libngx_http_cookie_charter_module.so`).
Fails when either is missing, e.g. when NGINX_BUILD_DIR names an nginx built elsewhere (whose
binary the caller then knows)."""

import json
import sys
from pathlib import Path


def main() -> int:
    nginx = module = None
    for line in sys.stdin:
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        reason = message.get("reason")
        package = message.get("package_id", "")
        if reason == "build-script-executed" and "nginx-sys" in package:
            candidate = Path(message["out_dir"]) / "objs" / "nginx"
            if candidate.is_file():
                nginx = candidate
        elif reason == "compiler-artifact" and message.get("target", {}).get("name") == "ngx_http_cookie_charter_module":
            module = next((Path(f) for f in message.get("filenames", []) if f.endswith(".so")), None)
    if nginx is None or module is None:
        print(f"cannot find the nginx binary ({nginx}) or the module ({module})", file=sys.stderr)
        return 1
    print(nginx)
    print(module)
    return 0


if __name__ == "__main__":
    sys.exit(main())
