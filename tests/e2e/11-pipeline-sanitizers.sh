#!/usr/bin/env bash
# 11-pipeline-sanitizers.sh -- the same end-to-end run with the ASan + UBSan build: any
# memory error, undefined behaviour or leak in the producer or the workers fails it.
set -euo pipefail
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
BIN=$BUILD_SAN exec "$TRAWL_ROOT/tests/e2e/10-pipeline.sh"
