#!/bin/sh
# test/fuzz/run.sh BUILD SECONDS LOG TARGET...  (what `make fuzz` runs)
#
# Runs each libFuzzer binary BUILD/fuzz_TARGET for SECONDS seconds, one
# after another and niced, over a working corpus BUILD/corpus/TARGET seeded
# from the kept corpus test/fuzz/TARGET; then merges into test/fuzz/TARGET
# the inputs that reach coverage it lacks. A crash, leak, sanitizer report,
# hang (10 s) or out-of-memory (4 GB) is kept as BUILD/findings/TARGET-*
# and makes the script fail. Appends one row per target to LOG (a Markdown
# table, test/fuzz/CAMPAIGNS.md by default; /dev/null for none): date,
# commit, target, wall seconds, executions, coverage (edges) and features
# at the end, inputs merged, findings.
set -u
b=$1 secs=$2 log=$3
shift 3
fail=0
mkdir -p "$b/findings"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
for t in "$@"; do
	mkdir -p "$b/corpus/$t" "test/fuzz/$t"
	echo "fuzz $t: $secs s"
	start=$(date +%s)
	ASAN_OPTIONS=detect_leaks=1 nice -n 19 "$b/fuzz_$t" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=4096 -max_len=4096 -close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$b/findings/$t-" "$b/corpus/$t" "test/fuzz/$t" > "$b/$t.log" 2>&1
	rc=$?
	wall=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b/$t.log" | tail -1)
	last=$(grep -E '^#[0-9]+[[:space:]]' "$b/$t.log" | grep -E 'cov: ' | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	nice -n 19 "$b/fuzz_$t" -merge=1 -close_fd_mask=3 -max_len=4096 "test/fuzz/$t" "$b/corpus/$t" \
		> "$b/$t.merge.log" 2>&1 || fail=1
	new=$(sed -n 's/.*MERGE-OUTER: \([0-9]*\) new files.*/\1/p' "$b/$t.merge.log" | tail -1)
	found=$(ls "$b/findings/$t-"* 2>/dev/null | wc -l)
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		fail=1
		echo "  FAILED (exit $rc): see $b/$t.log and $b/findings/ (replay: $b/fuzz_$t FILE)"
	fi
	row="| $(date -u +%Y-%m-%d) | $commit | $t | $wall | ${execs:-?} | ${cov:-?} | ${ft:-?} | ${new:-0} | $found |"
	echo "  $row"
	echo "$row" >> "$log"
done
exit $fail
