#!/bin/sh
# Snapshot the --json of every generator under every walker, and compares of
# all walkers under several configurations, into DIR: a before/after check
# for changes that must not change any result.
#   test/tools/snapshot.sh build/mmusim /tmp/before
#   ... change ...
#   test/tools/snapshot.sh build/mmusim /tmp/after && diff -r /tmp/before /tmp/after
set -eu
bin=$1 out=$2 n=${N:-50000}
mkdir -p "$out"
walkers=$("$bin" --help | awk '/^walkers:/{w=1;next} /^$/{w=0} w{print $1}')
gens=$("$bin" --help | awk '/^generators/{g=1;next} /common keys/{g=0} g&&/^  [a-z]+ /{print $1}')
all=$(echo $walkers | tr ' ' ',')
one() { # file, command...
	f=$1; shift
	"$@" > "$f" 2>&1 || echo "exit $?" >> "$f"
}
for g in $gens; do
	spec="$g:n=$n,footprint=16M,rw=0.3,ifrac=0.1"
	"$bin" run --gen "$spec" > /dev/null 2>&1 || spec="$g:n=$n,rw=0.3,ifrac=0.1"
	for w in $walkers; do
		one "$out/$g.$w.json" "$bin" run -w "$w" --json --gen "$spec"
	done
	one "$out/$g.compare.json" "$bin" compare -w "$all" --json --gen "$spec"
	one "$out/$g.compare5.json" "$bin" compare -w "$all" --json \
		-s os.levels=5 -s os.thp=always -s vm.host_levels=5 -s vm.host_thp=true --gen "$spec"
	one "$out/$g.contig.json" "$bin" compare -w "$all" --json \
		-s vm.backing=contiguous -s os.pcid=false --gen "$spec"
done
