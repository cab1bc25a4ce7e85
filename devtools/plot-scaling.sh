#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
#
# The curve: downtime and stop-copy against the number of VFs migrated
# together, both dialects, drawn as an SVG (doc/performance.md, "The
# curve"). Runs `vpf-bench --scaling` (the stopcopy and downtime groups once
# per VF count, CSV on stdout), keeps the CSV, and plots it with gnuplot
# (Debian package gnuplot-nox, installed when missing).
#
#   devtools/plot-scaling.sh [-b VPF_BENCH] [-r REPS] [-l VFS_LIST]
#                            [-o SVG] [-c CSV] [-i CSV_IN] [-t TITLE]
#
#   -b  the vpf-bench to run (default: build-bench/app/vpf-bench/vpf-bench,
#       else build/app/vpf-bench/vpf-bench); a release build
#       (meson setup build-bench --buildtype=release) gives the numbers
#   -r  repetitions per VF count, median reported (default 3: the whole
#       run takes 1-2 minutes on 2 CPUs)
#   -l  VF counts (default 1,2,4,8,16,32,64,128,256)
#   -o  the SVG to write (default doc/perf-scaling.svg)
#   -c  also keep the CSV there
#   -i  plot this CSV (of an earlier run) instead of running vpf-bench
#   -t  a line under the title (default: the commit and the host's CPUs)
set -euo pipefail
cd "$(dirname "$0")/.."

bench=
reps=3
list=1,2,4,8,16,32,64,128,256
out=doc/perf-scaling.svg
keep=
in=
sub=

usage() {
	sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'
	exit "$1"
}

while getopts "b:r:l:o:c:i:t:h" opt; do
	case $opt in
	b) bench=$OPTARG ;;
	r) reps=$OPTARG ;;
	l) list=$OPTARG ;;
	o) out=$OPTARG ;;
	c) keep=$OPTARG ;;
	i) in=$OPTARG ;;
	t) sub=$OPTARG ;;
	h) usage 0 ;;
	*) usage 2 >&2 ;;
	esac
done
shift $((OPTIND - 1))
[ "$#" -eq 0 ] || usage 2 >&2

if ! command -v gnuplot >/dev/null 2>&1; then
	SUDO=
	if [ "$(id -u)" -ne 0 ]; then
		SUDO=sudo
	fi
	echo "plot-scaling: installing gnuplot-nox" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends gnuplot-nox >/dev/null
fi

tmp=$(mktemp -d /tmp/vpf-plot-scaling.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if [ -n "$in" ]; then
	cp "$in" "$tmp/all.csv"
else
	if [ -z "$bench" ]; then
		for b in build-bench/app/vpf-bench/vpf-bench \
			 build/app/vpf-bench/vpf-bench; do
			if [ -x "$b" ]; then
				bench=$b
				break
			fi
		done
	fi
	if [ -z "$bench" ] || [ ! -x "$bench" ]; then
		echo "plot-scaling: no vpf-bench (build one, or give -b PATH)" >&2
		exit 2
	fi
	echo "plot-scaling: $bench --scaling --vfs-list $list --reps $reps" >&2
	start=$(date +%s)
	# A count that fails leaves its fields empty; the plot shows the rest.
	"$bench" --scaling --vfs-list "$list" --reps "$reps" \
		>"$tmp/all.csv" 2>"$tmp/stderr" ||
		echo "plot-scaling: vpf-bench exited $? (see below)" >&2
	grep -v '^# ' "$tmp/stderr" >&2 || true
	echo "plot-scaling: $(($(date +%s) - start)) s" >&2
fi
cat "$tmp/all.csv"
if [ -n "$keep" ]; then
	cp "$tmp/all.csv" "$keep"
fi
if [ "$(head -1 "$tmp/all.csv" | cut -d, -f1-2)" != "vfs,dialect" ]; then
	echo "plot-scaling: not vpf-bench --scaling CSV" >&2
	exit 1
fi
# One file per dialect; downtimes in ms like the stop-copies.
for d in draft 1.4; do
	awk -F, -v OFS=, -v d="$d" 'NR > 1 && $2 == d {
		for (i = 3; i <= 7; i++)
			if ($i != "")
				$i = $i / 1000
		print
	}' "$tmp/all.csv" >"$tmp/$d.csv"
done

if [ -z "$sub" ]; then
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	if ! git diff --quiet HEAD -- app lib drivers include 2>/dev/null; then
		rev="$rev (with local changes)"
	fi
	sub="commit $rev, $(nproc) CPUs, --reps $reps, $(date -u +%Y-%m-%d)"
fi
# gnuplot strings and the SVG's XML: none of " < > & in the subtitle
sub=${sub//[\"<>&]/}

gnuplot <<EOF
set terminal svg size 1200,900 dynamic font "sans,11" background rgb "white"
set output "$out"
set datafile separator ","
set logscale xy
set xlabel "VFs migrated together"
set ylabel "ms"
set key top left Left reverse font ",9" samplen 2
set grid xtics ytics lc rgb "#dddddd"
set xtics (1, 2, 4, 8, 16, 32, 64, 128, 256)
set xrange [0.8:320]
# the same colour for the same way in every panel
pip = "lw 2 pt 7 lc rgb '#1f77b4'"
two = "lw 2 pt 5 lc rgb '#2ca02c'"
ser = "lw 2 pt 9 lc rgb '#d62728'"
bnd = "lw 1 dt 2 lc rgb '#1f77b4'"
bn2 = "lw 1 dt 3 lc rgb '#2ca02c'"
set multiplot layout 2,2 title "vpf-bench --scaling: timed model PF (50 us per command, 16 at once)\n{/*0.8 $sub}"
set title "Downtime, draft dialect (Freeze issued to last Active)"
plot "$tmp/draft.csv" using 1:3 with linespoints @pip title "pipelined, one PF", \
     "" using 1:6 with linespoints @two title "pipelined, two PFs", \
     "" using 1:4 with linespoints @ser title "serial, one PF", \
     "" using 1:5 with lines @bnd title "bound, one PF", \
     "" using 1:7 with lines @bn2 title "bound, two PFs"
set title "Downtime, 1.4 dialect (stop issued to last resume)"
plot "$tmp/1.4.csv" using 1:3 with linespoints @pip title "pipelined, one PF", \
     "" using 1:6 with linespoints @two title "pipelined, two PFs", \
     "" using 1:4 with linespoints @ser title "serial, one PF", \
     "" using 1:5 with lines @bnd title "bound, one PF", \
     "" using 1:7 with lines @bn2 title "bound, two PFs"
set title "Stop-copy, draft dialect"
plot "$tmp/draft.csv" using 1:8 with linespoints @pip title "pipelined", \
     "" using 1:9 with linespoints @ser title "serial", \
     "" using 1:10 with lines @bnd title "bound"
set title "Stop-copy, 1.4 dialect"
plot "$tmp/1.4.csv" using 1:8 with linespoints @pip title "pipelined", \
     "" using 1:9 with linespoints @ser title "serial", \
     "" using 1:10 with lines @bnd title "bound"
unset multiplot
EOF
# The SVG carries its data: the CSV in its <desc> (XML-safe: digits,
# letters, commas, dots, underscores).
awk -v csv="$tmp/all.csv" -v sub_="$sub" '
	!done && /<desc>/ {
		print "<desc>vpf-bench --scaling (" sub_ "):"
		while ((getline l < csv) > 0)
			print l
		print "</desc>"
		done = 1
		next
	}
	{ print }' "$out" >"$tmp/out.svg"
cp "$tmp/out.svg" "$out"
echo "plot-scaling: wrote $out" >&2
