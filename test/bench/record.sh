#!/bin/sh
# record.sh - the recorder against valgrind lackey (`make bench`, or
# `build/mmusim-bench record`): for `xz -9` of 1 MB and `sort` of 100k
# lines, the native run time, the recorder and lackey to /dev/null and
# piped into `mmusim run`, events/s and slowdowns; then the agreement of
# instruction and data-access counts (lackey's 16/32-byte accesses split
# and M lines counted as a load and a store, as QEMU does) and of L1 dTLB
# and L2 TLB misses under the default configuration.
# Everything runs under nice -n 19. Inputs are generated deterministically.
set -eu
B=${BUILD:-build}
M=$B/mmusim
CNT="$B/mmusim-bench count"
D=$(mktemp -d /tmp/mmusim-rec-bench.XXXXXX)
trap 'rm -rf "$D"' EXIT
N="nice -n 19"
XZ=$(command -v xz)
SORT=$(command -v sort)
ENV="env -i PATH=/usr/bin:/bin LC_ALL=C"

# 1 MB of text: numbered lines of words from a fixed linear congruential
# sequence; 100k lines of numbers for sort
awk 'BEGIN { x = 1; for (i = 0; i < 40000; i++) { l = sprintf("%06d", i);
	for (j = 0; j < 4; j++) { x = (x * 1103515245 + 12345) % 2147483648; l = l " w" (x % 5000) }
	print l } }' | head -c 1048576 > "$D/in1m"
awk 'BEGIN { x = 7; for (i = 0; i < 100000; i++) { x = (x * 1103515245 + 12345) % 2147483648; print x } }' > "$D/in100k"

t() { # seconds of wall-clock time of "$@" (through sh -c)
	s=$(date +%s.%N); sh -c "$1"; e=$(date +%s.%N); echo "$s $e" | awk '{ printf "%.2f", $2 - $1 }'
}
js() { # a number from mmusim's JSON: js FILE KEY (first match)
	grep -o "\"$2\":[0-9]*" "$1" | head -1 | cut -d: -f2
}

run_one() { # name, command line (reads its input itself, writes to stdout)
	name=$1; cmd=$2
	tn=$(t "$N $ENV $cmd >/dev/null")
	tr=$(t "$N $ENV $M record -o /dev/null -- $cmd >/dev/null")
	tp=$(t "$N $ENV $M record -- $cmd 2>/dev/null | $N $M run --json - > $D/rec.json")
	tl=$(t "$N $ENV valgrind --tool=lackey --trace-mem=yes --log-fd=3 $cmd 3>/dev/null >/dev/null 2>/dev/null")
	# the piped lackey run also counts its events (through a fifo), so
	# that lackey runs twice only
	rm -f "$D/fifo"; mkfifo "$D/fifo"
	$N $CNT "$D/fifo" > "$D/lk.count" &
	tlp=$(t "$N $ENV valgrind --tool=lackey --trace-mem=yes --log-fd=3 $cmd 3>&1 >/dev/null 2>/dev/null | tee $D/fifo | $N $M run --json - > $D/lk.json")
	wait
	$N $ENV $M record -o "$D/rec.bin" -- $cmd >/dev/null
	rc=$($CNT "$D/rec.bin")
	lc=$(cat "$D/lk.count")
	re=$(js "$D/rec.json" events); le=$(js "$D/lk.json" events)
	echo "$name: native ${tn}s"
	echo "$name: recorder: $re events; to /dev/null ${tr}s, piped into mmusim run ${tp}s"
	echo "$name: lackey:   $le events; to /dev/null ${tl}s, piped into mmusim run ${tlp}s"
	awk -v n="$name" -v tn="$tn" -v tr="$tr" -v tp="$tp" -v tl="$tl" -v tlp="$tlp" -v re="$re" -v le="$le" 'BEGIN {
		printf "%s: events/s recorder %.1fM (piped %.1fM), lackey %.2fM (piped %.2fM): %.0fx (piped %.0fx)\n", n,
			re / tr / 1e6, re / tp / 1e6, le / tl / 1e6, le / tlp / 1e6, (re / tr) / (le / tl), (re / tp) / (le / tlp)
		printf "%s: slowdown against the native run: recorder %.0fx (piped %.0fx), lackey %.0fx (piped %.0fx)\n", n,
			tr / tn, tp / tn, tl / tn, tlp / tn }'
	echo "$name: counts recorder: $rc"
	echo "$name: counts lackey:   $lc"
	echo "$rc $lc" | awk -v n="$name" '{ printf "%s: instructions differ by %.2f%%, data accesses (as QEMU counts them) by %.2f%%\n", n,
		100 * ($2 - $14) / $14, 100 * ($10 - $22) / $22 }'
	for k in l1d l2; do
		r=$(grep -o "\"$k\":{\"hits\":[0-9]*,\"misses\":[0-9]*" "$D/rec.json" | head -1 | sed 's/.*misses"://')
		l=$(grep -o "\"$k\":{\"hits\":[0-9]*,\"misses\":[0-9]*" "$D/lk.json" | head -1 | sed 's/.*misses"://')
		echo "$r $l" | awk -v n="$name" -v k="$k" '{ printf "%s: %s TLB misses recorder %d, lackey %d: %.2f%%\n", n, k, $1, $2, 100 * ($1 - $2) / $2 }'
	done
}

echo "mmusim bench: recorder against valgrind lackey (wall-clock, nice -n 19)"
run_one "sort 100k" "$SORT $D/in100k"
run_one "xz -9 1M" "$XZ -9 -c $D/in1m"
