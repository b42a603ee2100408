# Shell helpers shared by the scripts that run real peers on 127.0.0.1 (make-captures.sh,
# make-check-captures.sh, sm-check.sh). Source it after defining `log MESSAGE` (the script's
# own prefix). Waits are bounded: poll every 0.1 s, at most 20 s.

die() { log "error: $*"; exit 1; }

# stop_pid PID: stop a process we started, by PID, and reap it.
stop_pid() {
    local pid=$1
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
    fi
    [[ -n $pid ]] && wait "$pid" 2>/dev/null || true
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_listening() {  # PID PORT: until PORT accepts, or fail early if PID died
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$1" 2>/dev/null || return 1
        port_open "$2" && return 0
        sleep 0.1
    done
    return 1
}

wait_capturing() {  # STDERR-FILE: tcpdump says "listening on" once it captures
    local i
    for ((i = 0; i < 200; i++)); do
        grep -qs "listening on" "$1" && return 0
        sleep 0.1
    done
    return 1
}

# die_with_log DIR MESSAGE: fail with the end of the server's log in DIR (temp dirs go on exit).
die_with_log() {
    local dir=$1; shift
    log "error: $*"
    tail -n 30 "$dir/prosody.out" "$dir/prosody.log" >&2 2>/dev/null || true
    exit 1
}

# dropped_by_kernel TCPDUMP-STDERR: how many packets tcpdump says the kernel dropped (0 if none).
dropped_by_kernel() {
    local n
    n=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$1" | head -n 1)
    echo "${n:-0}"
}

# stop_group PID: stop a process we started as a group leader (setsid), with every process it
# started (Chromium's renderers, zygotes), by that group's id, and reap the leader.
stop_group() {
    local pid=$1
    [[ -n $pid ]] || return 0
    kill -- "-$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# wait_file FILE PID SECONDS: until FILE exists; fail early if PID (when given) died.
wait_file() {
    local file=$1 pid=$2 i
    for ((i = 0; i < $3 * 10; i++)); do
        [[ -e $file ]] && return 0
        [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null && { [[ -e $file ]]; return; }
        sleep 0.1
    done
    return 1
}

# wait_notice FILE PATTERN PID: until FILE (a server's standard error) holds PATTERN (grep -E),
# at most 20 s; fail early if PID died.
wait_notice() {
    local i
    for ((i = 0; i < 200; i++)); do
        grep -Eqs "$2" "$1" && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
