#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
#
# Build step (meson custom_target, see lib/meson.build): turn the internal
# static library IN.a into the archive vpf installs, OUT.a, whose only
# global symbols are the vpf_ API.
#
#   localize-archive.sh MODE LD OBJCOPY AR IN.a OUT.a
#
# MODE "localize": link all members into one relocatable object (ld -r), so
# that references between vpf's own files are resolved inside it, then make
# local every symbol that is hidden (everything not marked VPF_API: the
# libraries are compiled with -fvisibility=hidden) or not vpf_-prefixed.
# An embedder's static link then sees vpf_* and nothing else, and cannot
# clash with vpf's internal helpers (mig_*, model_*, ...).
# MODE "copy": install IN.a as it is (LTO builds, whose members are compiler
# IR that ld -r cannot merge).
set -eu

if [ "$#" -ne 6 ]; then
	echo "usage: $0 localize|copy LD OBJCOPY AR IN.a OUT.a" >&2
	exit 2
fi
mode=$1 ld=$2 objcopy=$3 ar=$4 in=$5 out=$6

rm -f "$out"
case $mode in
copy)
	cp "$in" "$out"
	;;
localize)
	obj=${out%.a}.o
	rm -f "$obj"
	"$ld" -r -o "$obj" --whole-archive "$in"
	"$objcopy" --localize-hidden --wildcard \
		--keep-global-symbol='vpf_*' "$obj"
	"$ar" rcs "$out" "$obj"
	rm -f "$obj"
	;;
*)
	echo "$0: unknown mode $mode" >&2
	exit 2
	;;
esac
