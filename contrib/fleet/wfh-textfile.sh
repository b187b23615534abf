#!/usr/bin/env bash
# wfh-textfile.sh: run wfh doctor and leave its metrics where node_exporter's
# textfile collector reads them (docs/fleet.md).
#
#   wfh-textfile.sh quick [wfh doctor flags...]   # hourly: no speed test
#   wfh-textfile.sh full  [wfh doctor flags...]   # daily: everything
#
# It writes wfh-quick.prom or wfh-full.prom into the textfile directory. wfh
# writes the file atomically (a temporary file, then a rename), so
# node_exporter never reads half of it. The quick and the full run never
# overlap: the speed test would spoil the quick run's latency figures, so
# the second waits for the first (flock).
#
# Environment:
#   WFH_TEXTFILE_DIR  the textfile directory (default: Debian's,
#                     /var/lib/prometheus/node-exporter)
#   WFH               the wfh binary (default: wfh on PATH)
#   WFH_LOCK          the lock file (default: /run/lock/wfh-textfile.lock)
#   WFH_LOCK_WAIT     seconds to wait for the other run (default: 900)
#   WFH_PROFILE       the organisation profile, a file or an https:// address
#
# Exit status: 0 when the metrics were written, whatever the checks found
# (a failing check is in the metrics: wfh_check_status, wfh_exit_code); 2
# for a wrong argument, a bad profile or a wfh that cannot run; 3 when the
# file could not be written; 75 when the other run held the lock too long.
# On any failure the previous metrics stay, and wfh_run_finished_timestamp_seconds
# shows their age.
set -euo pipefail

usage() { echo "usage: $0 quick|full [wfh doctor flags...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
mode=$1
shift
case $mode in
  quick) file=wfh-quick.prom; flags=(--quick) ;;
  full) file=wfh-full.prom; flags=() ;;
  *) usage ;;
esac

dir=${WFH_TEXTFILE_DIR:-/var/lib/prometheus/node-exporter}
wfh=${WFH:-wfh}
lock=${WFH_LOCK:-/run/lock/wfh-textfile.lock}
# A full run takes at most about 12 minutes (a 10 minute --timeout, the
# profile's fetch and the report's post); waiting 15 covers it.
wait=${WFH_LOCK_WAIT:-900}

if [ ! -d "$dir" ]; then
  echo "wfh-textfile: $dir is not a directory; create it or set WFH_TEXTFILE_DIR to node_exporter's --collector.textfile.directory" >&2
  exit 2
fi
if ! command -v "$wfh" >/dev/null 2>&1; then
  echo "wfh-textfile: $wfh not found; install wfh or set WFH to its path" >&2
  exit 2
fi

exec 9>"$lock"
if ! flock -w "$wait" 9; then
  echo "wfh-textfile: another wfh run held $lock for $wait seconds; skipping this $mode run" >&2
  exit 75
fi

set +e
"$wfh" doctor "${flags[@]}" --format prometheus --output "$dir/$file" "$@"
rc=$?
set -e
case $rc in
  0 | 1 | 130) exit 0 ;; # written: the verdicts and the exit code are in the metrics
  *)
    echo "wfh-textfile: wfh doctor exited with $rc (see docs/exit-codes.md); $dir/$file keeps the previous run's metrics" >&2
    exit "$rc"
    ;;
esac
