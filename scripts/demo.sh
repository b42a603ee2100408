#!/usr/bin/env bash
# Installs the system packages xmppscope needs (if missing), builds it, and replays the bundled
# sample capture: a Prosody + slixmpp session recorded on loopback (captures/c2s-plain.pcap).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh --build-only
swift build -c release --product xmppscope
.build/release/xmppscope replay captures/c2s-plain.pcap "$@"
echo
.build/release/xmppscope replay captures/c2s-plain.pcap --summary
