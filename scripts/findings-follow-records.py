#!/usr/bin/env python3
"""findings-follow-records.py LOG: every finding record in an xmppscope log carries the seq of a
record of its connection written before it, and is about records written before it. Prints the
count checked; exits 1 naming the first finding that breaks this (docs/log-format.md, `finding`)."""
import json
import sys

seen = set()      # (conn, seq) of the records written so far
checked = 0
with open(sys.argv[1], encoding="utf-8") as log:
    for number, line in enumerate(log, 1):
        record = json.loads(line)
        key = (record["conn"], record["seq"])
        if record["event"] != "finding":
            seen.add(key)
            continue
        checked += 1
        missing = [seq for seq in [record["seq"]] + record["about"] if (record["conn"], seq) not in seen]
        if missing:
            sys.exit(f"line {number}: finding {record['finding']['id']} refers to seq {missing} of connection "
                     f"{record['conn']}, not written before it")
print(f"{checked} findings follow the records they name")
