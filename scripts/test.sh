#!/usr/bin/env bash
# Runs every test: unit and capture tests (swift test, with tshark as the second opinion), then the
# live integration run against real peers (scripts/integration.sh: Prosody + slixmpp on 127.0.0.1).
# Installs what is missing first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
swift build --build-tests
swift test --disable-xctest
scripts/integration.sh
