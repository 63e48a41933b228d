#!/usr/bin/env bash
# A real Slurm on localhost runs pageprep as a 4-task job array over 48
# generated pages into one output folder; `pageprep report` must then cover
# every page exactly once and the outputs must equal one plain run's.
#
# Starts its own munged and slurmctld/slurmd (Debian's slurm-wlm and munge) with
# a private configuration, socket and spool under a temporary folder, on
# localhost only, and stops them on exit. Needs root (slurmd runs jobs as the
# submitting user and manages their processes). Usage:
#   tests/cluster/slurm_array_test.sh BUILD_DIR
# CTest runs it under the label `slurm` (not in the default suite; .ci/run runs
# it as its own step).
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
pageprep=$build/host/pageprep
synth=$build/tests/support/pageprep-synth
# 77 is CTest's skip (SKIP_RETURN_CODE); in strict mode (PAGEPREP_STRICT=1,
# set by .ci/run) a missing tool fails the test instead: CI installs them.
skip=77
[[ ${PAGEPREP_STRICT:-0} == 1 ]] && skip=1
for t in slurmctld slurmd sbatch sinfo munged tiffcp; do
  command -v "$t" >/dev/null ||
    { echo "SKIP: $t is not installed (apt-get install slurm-wlm munge libtiff-tools)"; exit "$skip"; }
done
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root to run slurmd"; exit "$skip"; }

work=$(mktemp -d /tmp/pageprep-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# munge: our own key and socket.
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 711 "$work/munge"
chmod 400 "$work/munge/munge.key"
munged --force --foreground --socket="$work/munge/socket" --key-file="$work/munge/munge.key" \
  --pid-file="$work/munge/pid" --log-file="$work/munge/log" --seed-file="$work/munge/seed" \
  2>"$work/munge/stderr" &
pids+=($!)

port_base=$((20000 + RANDOM % 20000))
cpus=$(nproc)
mkdir -p "$work/state" "$work/spool" "$work/log"
cat >"$work/slurm.conf" <<CONF
ClusterName=pageprep-test
SlurmctldHost=localhost
SlurmctldPort=$port_base
SlurmdPort=$((port_base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
InactiveLimit=0
KillWait=5
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
export SLURM_CONF=$work/slurm.conf

slurmctld -D -i -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)

for _ in $(seq 60); do
  state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
  [[ $state == idle* || $state == mix* ]] && break
  sleep 1
done
if [[ $state != idle* && $state != mix* ]]; then
  echo "FAIL: the local Slurm did not come up (node state '$state')"
  tail -n 20 "$work/log/"*
  exit 1
fi
echo "slurm: node localhost is $state"

# 48 pages: 40 single-page files and one 8-page TIFF (spread over the shards).
"$synth" --out "$work/in/book1" --count 40 --seed 11 --dpi 150 --preset clean >/dev/null
"$synth" --out "$work/tif" --count 8 --seed 12 --dpi 150 --preset clean --format tif >/dev/null
tiffcp "$work"/tif/page-*.tif "$work/in/book1/book.tif"
rm -f "$work"/in/book1/*.gt.txt "$work"/in/book1/manifest.jsonl
chmod -R a+rX "$work"

start=$(date +%s)
PAGEPREP=$pageprep sbatch --wait --array=0-3 --cpus-per-task=1 --output="$work/log/task-%a.log" \
  "$repo/deploy/slurm/pageprep-array.sbatch" "$work/in/book1" "$work/out" --ocr none -q \
  || { echo "FAIL: the array job failed"; cat "$work"/log/task-*.log; exit 1; }
echo "slurm: 4-task array finished in $(($(date +%s) - start)) s"

set +e
"$pageprep" report "$work/out"
rc=$?
set -e
[[ $rc -eq 0 ]] || { echo "FAIL: pageprep report exited $rc"; cat "$work/out/run.json"; exit 1; }

python3 - "$work/out" <<'PY'
import json, sys, collections
out = sys.argv[1]
pages = [json.loads(l) for l in open(out + "/pages.jsonl")]
seen = collections.Counter((p["input"], p["page"]) for p in pages)
bad = [k for k, n in seen.items() if n != 1]
assert not bad, f"pages recorded more than once: {bad}"
assert len(pages) == 48, f"{len(pages)} pages recorded, want 48"
assert all(p["status"] == "ok" for p in pages), [p for p in pages if p["status"] != "ok"]
run = json.load(open(out + "/run.json"))
assert run["pages_remaining"] == 0 and run["complete"], run
writers = [w for w in run["writers"] if w.get("role", "").startswith("shard-")]
assert len(writers) == 4, writers
assert sum(w["pages_ok"] for w in writers) == 48, writers
print("report:", len(pages), "pages, each once; per shard:", [w["pages_ok"] for w in writers])
PY

# The same outputs, byte for byte, as one plain run.
"$pageprep" run "$work/in/book1" -o "$work/single" --ocr none -q
diff -r -x .pageprep -x 'pages*.jsonl' -x 'run*.json' "$work/single" "$work/out" \
  || { echo "FAIL: array outputs differ from a single run's"; exit 1; }
echo "PASS: 4-task Slurm array, 48 pages, every page once, outputs identical to one run"
