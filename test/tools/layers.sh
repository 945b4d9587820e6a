#!/bin/sh
# Checks the include layering of the source folders: a folder may include
# headers of its own folder and of the folders listed before it in the
# Makefile's SRC_DIRS, never of a folder listed after it. That order is a
# topological order of the folder graph, so passing means no include cycle
# between folders. Prints each offending include; exit 1 if any.
# Also checks that the functional machine never includes the MMU instance
# or the walkers (it talks to them through mmu/machine/notify.h): that
# follows from the order, as mmu/machine comes before walkers.
#   test/tools/layers.sh [ROOT]     (default: the tree this script is in)
set -eu
cd "${1:-$(dirname "$0")/../..}"
dirs=$(sed -n 's/^SRC_DIRS *:= *//p' Makefile)
bad=0
rank=0
for d in $dirs; do rank=$((rank + 1)); eval "rank_$(echo "$d" | tr / _)=$rank"; done
for d in $dirs; do
	r=$(eval echo "\$rank_$(echo "$d" | tr / _)")
	for f in "$d"/*.c "$d"/*.h; do
		[ -e "$f" ] || continue
		for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
			t=$(realpath -m --relative-to=. "$d/$inc")
			td=$(dirname "$t")
			tr_=$(eval echo "\${rank_$(echo "$td" | tr / _):-0}")
			[ "$tr_" = 0 ] && continue          # generated or outside the tree
			if [ "$tr_" -gt "$r" ]; then
				echo "layering: $f includes $t ($td is a later layer than $d)"
				bad=1
			fi
		done
	done
done
exit $bad
