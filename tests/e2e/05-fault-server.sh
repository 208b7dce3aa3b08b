#!/usr/bin/env bash
# 05-fault-server.sh -- the fault server (tests/fault/server.py) answers each case as
# tests/fault/README.md says. Needs no other server and none of our programs.
# trawl-timeout: 120
set -euo pipefail
exec "${TRAWL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/fault/selftest.sh"
