#!/bin/sh
# Every model file opens with its model notes and stays readable in size:
# each .c of the model folders starts with a comment block that holds a
# "Model notes" section, or whose own header (same name, .h) opens with
# one; and it has at most MAX lines (about 600: 700 at most).
#   test/tools/model_files.sh [ROOT]
set -eu
cd "${1:-$(dirname "$0")/../..}"
max=${MAX:-700}
bad=0
opening() { awk 'NR==1 && !/^\/\*/ {exit} {print} /\*\// {exit}' "$1"; }
for f in mmu/machine/*.c walkers/*.c tlb/*.c mmu/place/*.c mmu/sim.c; do
	[ -e "$f" ] || continue
	case "$f" in walkers/registry.c) continue ;; esac   # a list, no model
	n=$(wc -l < "$f")
	if [ "$n" -gt "$max" ]; then echo "model file: $f has $n lines (at most $max)"; bad=1; fi
	h=${f%.c}.h
	if ! opening "$f" | grep -q "Model notes" &&
	   ! { [ -f "$h" ] && opening "$h" | grep -q "Model notes"; }; then
		echo "model file: $f does not open with model notes (nor does ${h##*/})"
		bad=1
	fi
done
exit $bad
