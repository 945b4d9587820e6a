#!/bin/sh
# A real single-node Slurm cluster on localhost, all state under DIR (for
# the sweep tests and for trying `mmusim sweep --slurm` on one machine).
#   test/tools/slurm-local.sh start DIR   starts munged, slurmctld, slurmd;
#                                         prints the SLURM_CONF to export
#   test/tools/slurm-local.sh stop DIR    stops them
# Needs root and Debian's slurm-wlm and munge (make deps installs them).
# Exit 3 when they are missing or this is not root (callers may skip).
set -eu
cmd=${1:?start|stop}
dir=${2:?state directory}
conf=$dir/slurm.conf

stop() {
	if [ -f "$conf" ]; then
		SLURM_CONF=$conf scontrol shutdown >/dev/null 2>&1 || true
	fi
	for p in slurmd slurmctld; do
		[ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
	done
	# wait until they are gone (they write their state as they stop)
	for p in slurmd slurmctld; do
		[ -f "$dir/$p.pid" ] || continue
		i=0
		# (a zombie counts as gone: nobody may reap daemons here)
		while ps -o stat= -p "$(cat "$dir/$p.pid")" 2>/dev/null | grep -qv Z && [ $i -lt 50 ]; do
			i=$((i + 1)); sleep 0.1
		done
	done
	if [ -f "$dir/munge-dir" ]; then
		m=$(cat "$dir/munge-dir")
		[ -f "$m/munge/munged.pid" ] && kill "$(cat "$m/munge/munged.pid")" 2>/dev/null || true
		rm -rf "$m" "$dir/munge-dir"
	fi
	return 0
}

case $cmd in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || { echo "slurm-local: needs root" >&2; exit 3; }
for b in slurmctld slurmd munged sbatch scontrol sinfo; do
	command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || { echo "slurm-local: $b not installed" >&2; exit 3; }
done
PATH=$PATH:/usr/sbin
mkdir -p "$dir/spool" "$dir/state"

# munge: a key and a socket of our own, in a folder the munge user can
# reach (DIR may sit below a private folder)
m=$(mktemp -d /tmp/mmusim-munge.XXXXXX)
chmod 755 "$m"
echo "$m" > "$dir/munge-dir"
mkdir -p "$m/munge"
chown munge:munge "$m/munge" 2>/dev/null || true
chmod 700 "$m/munge"
if [ ! -f "$m/munge/munge.key" ]; then
	if command -v mungekey >/dev/null 2>&1 || [ -x /usr/sbin/mungekey ]; then
		mungekey -c -f -k "$m/munge/munge.key" >/dev/null 2>&1
	else
		dd if=/dev/urandom of="$m/munge/munge.key" bs=1024 count=1 2>/dev/null
	fi
fi
chown munge:munge "$m/munge/munge.key" 2>/dev/null || true
chmod 400 "$m/munge/munge.key"
sock=$m/munge/munge.socket.2
runuser -u munge -- munged --force --key-file="$m/munge/munge.key" --socket="$sock" \
	--pid-file="$m/munge/munged.pid" --log-file="$m/munge/munged.log" --seed-file="$m/munge/seed"
i=0
until munge -S "$sock" -n 2>/dev/null | unmunge -S "$sock" 2>/dev/null | grep -q "STATUS: *Success"; do
	i=$((i + 1)); [ $i -lt 50 ] || { echo "slurm-local: munged did not start" >&2; stop; exit 1; }
	sleep 0.2
done

cat > "$conf" <<CONF
ClusterName=mmusim
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${SLURM_LOCAL_PORT:-16817}
SlurmdPort=$(( ${SLURM_LOCAL_PORT:-16817} + 1 ))
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$conf
slurmctld -f "$conf" -i
slurmd -f "$conf" -N localhost
i=0
until [ "$(sinfo -h -N -o %t 2>/dev/null | head -n1)" = idle ]; do
	i=$((i + 1)); [ $i -lt 150 ] || { echo "slurm-local: the node did not become idle" >&2; stop; exit 1; }
	sleep 0.2
done
echo "$conf"
