#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests, then the interop tests that drive a real
# `cirrus serve` with software we did not write (boto3, the AWS CLI, xmlsec1, lxml, signxml,
# openid-client and aws-jwt-verify from npm, headless Chromium through playwright-core).
# Installs what the tests need first. With CIRRUS_TEST_DATABASE_URL set (a postgres:// URL whose
# user may CREATE DATABASE) every store test and interop test also runs on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${CIRRUS_SKIP_INSTALL:-}" != "1" ]; then
  bash scripts/install-test-deps.sh
fi

echo "== cargo test (workspace)"
cargo test --workspace --locked

echo "== build cirrus for the interop tests"
cargo build --locked -p cirrus
export CIRRUS_BIN="$PWD/target/debug/cirrus"

echo "== interop tests (pytest)"
python3 -m pytest interop -q -rs "$@"
