#!/usr/bin/env bash
# The install as a user meets it (issue 13):
#  1. scripts/install.sh into a scratch prefix; the installed binary, run from /tmp with an empty
#     HOME and no project folder near it, has no Swift runtime library, names its version and
#     commit, lists every shipped filter as built-in and uses -f @errors; its man page prints
#     with every subcommand; bash, zsh and fish parse their completion scripts and complete subcommands and options with
#     them (zsh through its line editor in a pseudo-terminal).
#  2. scripts/build-deb.sh from the same build (.build-install): dpkg-deb --info/--contents
#     checked, then the package installed with apt-get (root, or sudo), run, and removed.
#  3. the package in a fresh Debian root made with debootstrap: installed with its dependencies,
#     run.
# Each step is bounded by `timeout`; a failure says what was expected and what was found.
# Prints "N passed, M failed"; exits 1 on any failure.
#
#   scripts/install-test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

passed=0
failed=0
check() {  # DESCRIPTION COMMAND...
    local description=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok: $description"
    else failed=$((failed + 1)); echo "FAILED: $description"; fi
}
same() {  # WHAT EXPECTED FOUND
    [[ $2 == "$3" ]] && return 0
    printf '  %s: expected %q\n  %*s  found    %q\n' "$1" "$2" "${#1}" "" "$3"
    return 1
}
matches() {  # WHAT REGEX FOUND
    [[ $3 =~ $2 ]] && return 0
    printf '  %s: expected to match %s\n  found %q\n' "$1" "$2" "$3"
    return 1
}

work=$(mktemp -d)
chmod 755 "$work"  # apt's _apt user reads the .deb from here
deb_installed=""
chroot_proc=""
cleanup() {
    if [[ -n $deb_installed ]]; then $sudo apt-get remove -y -qq xmppscope >/dev/null 2>&1 || true; fi
    # Never delete a tree with something still mounted in it.
    if [[ -n $chroot_proc ]] && ! $sudo umount "$chroot_proc"; then
        echo "install-test: could not unmount $chroot_proc; $work left in place" >&2
        return
    fi
    $sudo rm -rf "$work"
}
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
trap cleanup EXIT

prefix=$work/prefix
home=$work/home
mkdir -p "$home"
shipped=$(find filters -maxdepth 1 -name '*.filter' | wc -l)
capture=$repo/captures/c2s-plain.pcap

# The installed binary as a user runs it: from /tmp, an empty HOME, a plain PATH.
run() {  # BINARY ARGS...
    (cd /tmp && env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 timeout 60 "$@")
}

echo "install-test: scripts/install.sh $prefix (release build in .build-install)"
install_status=0
timeout 2400 scripts/install.sh "$prefix" >"$work/install.out" 2>&1 || install_status=$?
check "install.sh exits 0" bash -c "[[ $install_status -eq 0 ]] || { tail -40 '$work/install.out'; false; }"
bin=$prefix/bin/xmppscope
for file in bin/xmppscope share/man/man1/xmppscope.1 share/bash-completion/completions/xmppscope \
            share/zsh/site-functions/_xmppscope share/fish/vendor_completions.d/xmppscope.fish; do
    check "installed $file" test -s "$prefix/$file"
done

check "the installed binary links no Swift runtime library" bash -c "
    ldd '$bin' >'$work/ldd' && ! grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime' '$work/ldd' ||
    { echo '  expected no Swift runtime in ldd; found:'; cat '$work/ldd'; false; }"
check "the installed binary links libxml2, libpcap and zlib" bash -c "
    for lib in libxml2.so libpcap.so libz.so; do grep -q \"\$lib\" '$work/ldd' || { echo \"  expected \$lib in ldd; found:\"; cat '$work/ldd'; exit 1; }; done"

commit=unknown
if git rev-parse --short=7 HEAD >/dev/null 2>&1; then
    commit=$(git rev-parse --short=7 HEAD)
    git diff --quiet HEAD -- || commit="$commit-dirty"
fi
check "--version names the version and the commit" same "xmppscope --version" "0.13.0 ($commit)" "$(run "$bin" --version)"

run "$bin" filters >"$work/filters.out" 2>&1 || true
check "filters: every shipped filter listed ($shipped), from /tmp with an empty HOME" \
    same "lines starting with @" "$shipped" "$(grep -c '^@' "$work/filters.out")"
check "filters: each one built in" same "lines '(built-in)'" "$shipped" "$(grep -c '^ *(built-in)$' "$work/filters.out")"
errors_named=$(run "$bin" grep --count -f @errors "$capture" 2>&1 || true)
errors_spelled=$(run "$bin" grep --count -f error "$capture" 2>&1 || true)
errors_found() { matches "grep --count -f @errors" '^[1-9][0-9]*$' "$errors_named" && same "grep --count -f @errors" "$errors_spelled" "$errors_named"; }
check "-f @errors works on c2s-plain.pcap and finds what '-f error' finds" errors_found

# The man page: man-db's man (groff) formats it.
MANWIDTH=120 timeout 60 man -l "$prefix/share/man/man1/xmppscope.1" >"$work/man.txt" 2>"$work/man.err" || true
run "$bin" --help >"$work/help.txt" 2>&1 || true
# The command tree as argument-parser dumps it (what generate-manual reads) against --help's list
# (which leaves out `help`) and the man page's entries.
subcommands=$(run "$bin" --experimental-dump-help | jq -r '.command.subcommands[].commandName' | xargs)
for name in replay capture proxy grep filters ca help; do
    check "the command tree has $name" matches "subcommands" "(^| )$name( |\$)" "$subcommands"
done
check "--help lists the subcommands of the command tree" same "subcommands" "${subcommands% help}" \
    "$(sed -n '/^SUBCOMMANDS:/,/^$/p' "$work/help.txt" | grep -E '^  [a-z]' | awk '{print $1}' | xargs)"
check "man -l prints the page without warnings" bash -c "[[ ! -s '$work/man.err' ]] && grep -q '^NAME' '$work/man.txt' || { echo '  man said:'; head -5 '$work/man.err'; head -5 '$work/man.txt'; false; }"
for sub in $subcommands; do
    check "man page: an entry for the subcommand $sub" bash -c "grep -qE '^     $sub( |\$)' '$work/man.txt' || { echo '  expected a line \"     $sub ...\" in the page'; false; }"
done

# Completions. bash: the script's function, called as bash would call it.
complete_bash() {  # WORDS... (the last one is being completed)
    local script=$prefix/share/bash-completion/completions/xmppscope
    timeout 30 bash --norc --noprofile -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        function=$(complete -p xmppscope | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
        "$function" xmppscope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' complete "$script" "$@" 2>&1
}
check "bash completes 'xmppscope repl' to replay" same "completions" "replay" "$(complete_bash xmppscope repl)"
check "bash completes 'xmppscope rep' to replay and report" same "completions" $'replay\nreport' "$(complete_bash xmppscope rep)"
check "bash completes 'xmppscope replay --js' to --json" same "completions" "--json" "$(complete_bash xmppscope replay --js)"
check "bash completes 'xmppscope ca ' to its subcommands" same "completions" "export init show" \
    "$(complete_bash xmppscope ca '' | grep -v '^-' | sort | xargs)"
check "zsh parses its completion script (zsh -n)" timeout 30 zsh -n "$prefix/share/zsh/site-functions/_xmppscope"
check "fish parses its completion script (fish -n)" timeout 30 fish -n "$prefix/share/fish/vendor_completions.d/xmppscope.fish"

# fish: `complete -C` lists what fish would offer for a command line (candidate, tab, description).
complete_fish() {  # "LINE"
    PATH=$prefix/bin:/usr/bin:/bin timeout 30 fish --no-config -c \
        'source $argv[1]; complete -C $argv[2]' "$prefix/share/fish/vendor_completions.d/xmppscope.fish" "$1" 2>&1 | cut -f1
}
check "fish completes 'xmppscope rep' to replay and report" same "completions" $'replay\nreport' "$(complete_fish 'xmppscope rep')"
check "fish completes 'xmppscope replay --js' to --json" same "completions" "--json" "$(complete_fish 'xmppscope replay --js')"
check "fish completes 'xmppscope ca ' to its subcommands" same "completions" "export init show" \
    "$(complete_fish 'xmppscope ca ' | grep -v '^-' | sort | xargs)"

# zsh: the line editor in a pseudo-terminal (zsh/zpty) with compinit and the installed function;
# every match the completion system adds is written down, then a marker once the line is done.
complete_zsh() {  # "LINE"
    local out=$work/zsh-completions
    rm -f "$out"
    PATH=$prefix/bin:/usr/bin:/bin timeout 30 zsh -f -c '
        zmodload zsh/zpty
        zpty z zsh -f -i
        zpty -w z "PS1= ; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D"
        zpty -w z "compadd() { local -a added; builtin compadd -O added \"\$@\"; print -rl -- \$added >>$2; builtin compadd \"\$@\"; }"
        zpty -w z "$3"$'"'"'\t'"'"'
        zpty -w z $'"'"'\C-u'"'"'"print -r -- --done-- >>$2"
        for i in {1..200}; do grep -qx -- --done-- $2 2>/dev/null && break; sleep 0.1; done
        zpty -d z' zsh-complete "$prefix/share/zsh/site-functions" "$out" "$1" >/dev/null 2>&1 || true
    grep -qx -- --done-- "$out" 2>/dev/null || { echo "(zsh never finished the line)"; return; }
    grep -vx -- --done-- "$out" | grep -v '^$' | sort -u | xargs
}
check "zsh completes 'xmppscope rep' to replay and report" same "completions" "replay report" "$(complete_zsh 'xmppscope rep')"
check "zsh completes 'xmppscope replay --js' to --json" same "completions" "--json" "$(complete_zsh 'xmppscope replay --js')"
check "zsh completes 'xmppscope ca ' to its subcommands" same "completions" "export init show" \
    "$(complete_zsh 'xmppscope ca ' | xargs -n1 | grep -v '^-' | sort | xargs)"

# 2. The Debian package, from the same build.
echo "install-test: scripts/build-deb.sh $work"
deb_status=0
timeout 900 scripts/build-deb.sh "$work" >"$work/deb.out" 2>&1 || deb_status=$?
check "build-deb.sh exits 0" bash -c "[[ $deb_status -eq 0 ]] || { tail -40 '$work/deb.out'; false; }"
deb=$(tail -n 1 "$work/deb.out")
arch=$(dpkg --print-architecture)
check "the package is xmppscope_0.13.0_$arch.deb" same "package file" "$work/xmppscope_0.13.0_$arch.deb" "$deb"
dpkg-deb --info "$deb" >"$work/info.txt" 2>&1 || true
dpkg-deb --contents "$deb" >"$work/contents.txt" 2>&1 || true
check "control: Package, Version, Architecture" same "fields" "xmppscope 0.13.0 $arch" \
    "$(dpkg-deb --field "$deb" Package Version Architecture 2>&1 | cut -d' ' -f2 | xargs)"
depends=$(dpkg-deb --field "$deb" Depends 2>&1 || true)
for library in libxml2 libpcap0.8 zlib1g libc6; do
    check "Depends names $library" matches "Depends" "(^|, )$library( |,|$)" "$depends"
done
check "Depends names no Swift package" bash -c "! grep -qi swift <<<'$depends' || { echo '  found: $depends'; false; }"
for field in Maintainer Description Section Installed-Size; do
    check "control has $field" bash -c "grep -q '^ $field: .' '$work/info.txt' || { echo '  expected $field in:'; cat '$work/info.txt'; false; }"
done
for file in ./usr/bin/xmppscope ./usr/share/man/man1/xmppscope.1.gz ./usr/share/bash-completion/completions/xmppscope \
            ./usr/share/zsh/site-functions/_xmppscope ./usr/share/fish/vendor_completions.d/xmppscope.fish \
            ./usr/share/doc/xmppscope/copyright; do
    check "package holds $file" bash -c "awk '{print \$NF}' '$work/contents.txt' | grep -qx '$file' || { echo '  expected $file in:'; cat '$work/contents.txt'; false; }"
done
check "every packaged file is owned by root" same "owners other than root/root" "" "$(awk '$2 != "root/root"' "$work/contents.txt")"

echo "install-test: apt-get install $deb"
apt_status=0
DEBIAN_FRONTEND=noninteractive timeout 600 $sudo apt-get install -y -qq "$deb" >"$work/apt.out" 2>&1 || apt_status=$?
[[ $apt_status -eq 0 ]] && deb_installed=yes
check "apt-get install ./xmppscope_*.deb exits 0" bash -c "[[ $apt_status -eq 0 ]] || { tail -20 '$work/apt.out'; false; }"
check "dpkg says xmppscope 0.13.0 is installed" same "dpkg-query" "install ok installed 0.13.0" \
    "$(dpkg-query -W -f='${Status} ${Version}' xmppscope 2>&1)"
check "the packaged binary runs: --version" same "/usr/bin/xmppscope --version" "0.13.0 ($commit)" "$(run /usr/bin/xmppscope --version)"
check "the packaged binary lists the built-in filters" same "lines starting with @" "$shipped" \
    "$(run /usr/bin/xmppscope filters 2>&1 | grep -c '^@')"
check "the packaged binary reads c2s-plain.pcap with -f @errors" same "grep --count -f @errors" "$errors_spelled" \
    "$(run /usr/bin/xmppscope grep --count -f @errors "$capture" 2>&1)"
check "man finds the packaged page" same "man -w xmppscope" "/usr/share/man/man1/xmppscope.1.gz" "$(timeout 30 man -w xmppscope 2>&1)"
remove_status=0
DEBIAN_FRONTEND=noninteractive timeout 300 $sudo apt-get remove -y -qq xmppscope >"$work/remove.out" 2>&1 || remove_status=$?
[[ $remove_status -eq 0 ]] && deb_installed=""
check "apt-get remove xmppscope exits 0 and takes the binary away" \
    bash -c "[[ $remove_status -eq 0 && ! -e /usr/bin/xmppscope ]] || { tail -20 '$work/remove.out'; ls -l /usr/bin/xmppscope; false; }"

# 3. A fresh Debian (debootstrap --variant=minbase, the host's release, from Debian's own archive:
#    about a minute): the package installs with apt-get, which brings libxml2 and libpcap0.8, and
#    runs from / with a HOME that does not exist. /proc is mounted: the Swift runtime reads the
#    command line from it.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
# The host's own Debian mirror (deb822 .sources or a sources.list line), else Debian's default.
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
         | sed -nE 's#^(URIs: |deb )(https?://[^ ]*/debian)/? .*#\2#p; s#^(URIs: |deb )(https?://[^ ]*/debian)/?$#\2#p' | head -n 1 || true)
root=$work/debian
echo "install-test: debootstrap $codename $root ($mirror)"
boot_status=0
timeout 600 $sudo debootstrap --variant=minbase "$codename" "$root" "${mirror:=http://deb.debian.org/debian}" \
    >"$work/debootstrap.out" 2>&1 || boot_status=$?
check "debootstrap made a fresh $codename root" bash -c "[[ $boot_status -eq 0 && -x '$root/usr/bin/apt-get' ]] || { tail -20 '$work/debootstrap.out'; false; }"
if [[ $boot_status -eq 0 ]]; then
    cp "$deb" "$root/tmp/"
    $sudo mount -t proc proc "$root/proc" && chroot_proc=$root/proc
    in_root() { timeout 600 $sudo chroot "$root" env -i PATH=/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8 sh -c "cd / && $1"; }
    root_status=0
    in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/$(basename "$deb")" \
        >"$work/root-apt.out" 2>&1 || root_status=$?
    check "fresh root: apt-get install ./xmppscope_*.deb exits 0" bash -c "[[ $root_status -eq 0 ]] || { tail -20 '$work/root-apt.out'; false; }"
    check "fresh root: libxml2 and libpcap0.8 came as dependencies" same "dpkg-query" "install ok installed install ok installed" \
        "$(in_root "dpkg-query -W -f='\${Status} ' libxml2 libpcap0.8" 2>&1 | xargs)"
    check "fresh root: xmppscope --version" same "xmppscope --version" "0.13.0 ($commit)" "$(in_root 'xmppscope --version' 2>&1)"
    check "fresh root: xmppscope filters lists the built-in filters" same "lines starting with @" "$shipped" \
        "$(in_root 'xmppscope filters' 2>&1 | grep -c '^@')"
    cp "$capture" "$root/tmp/c2s-plain.pcap"
    check "fresh root: grep -f @errors on c2s-plain.pcap" same "grep --count -f @errors" "$errors_spelled" \
        "$(in_root 'xmppscope grep --count -f @errors /tmp/c2s-plain.pcap' 2>&1)"
    $sudo umount "$chroot_proc" && chroot_proc=""
fi

echo "install-test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
