#!/usr/bin/env bash
# Installs what xmppscope needs on Debian, only what is missing:
#   build:  libxml2-dev, libpcap-dev, zlib1g-dev (the C libraries behind CLibXML2, CPcap, CZlib)
#   tests:  tshark (second opinion on captures), tcpdump, prosody, openssl, jq, slixmpp (PyPI),
#           xxd and iproute2 (ss) for scripts/tls-matrix.sh; for scripts/make-web-captures.sh
#           chromium, libjs-strophe (Strophe.js), curl and websockets (PyPI, the deflate bridge);
#           for scripts/install-test.sh zsh and fish (their completion scripts parsed), man-db
#           (man -l), dpkg-dev (dpkg-shlibdeps, for scripts/build-deb.sh) and debootstrap (a
#           fresh Debian root the package is installed in)
# Swift itself must already be installed (see README).
set -euo pipefail

packages=(libxml2-dev libpcap-dev zlib1g-dev tshark tcpdump prosody openssl jq xxd iproute2
          chromium libjs-strophe curl zsh fish man-db dpkg-dev debootstrap)
[[ ${1:-} == --build-only ]] && packages=(libxml2-dev libpcap-dev zlib1g-dev)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}" >&2
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    # tshark asks whether non-root users may capture; prosody may try to start a service: neither matters here.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ${1:-} != --build-only ]] && ! python3 -c 'import slixmpp' 2>/dev/null; then
    echo "install-deps: installing slixmpp (PyPI)" >&2
    python3 -m pip install --quiet slixmpp==1.17.0 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages slixmpp==1.17.0
fi

if [[ ${1:-} != --build-only ]] && ! python3 -c 'import websockets' 2>/dev/null; then
    echo "install-deps: installing websockets (PyPI)" >&2
    python3 -m pip install --quiet websockets==17.4 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages websockets==17.4
fi
