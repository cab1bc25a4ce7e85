#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
#
# test/pkg (meson test --suite pkg): what an embedder gets from
# `meson install`. Installs the build tree into a temporary destdir, then
#  1. every installed .so exports, and every installed .a defines as global,
#     only vpf_ symbols (nm);
#  2. every installed header compiles on its own, from the include
#     directory only, and no .pc Cflags points into the source or build tree;
#  3. a program per .pc links against it shared and static
#     (`pkg-config --static --libs`, vpf archives taken with -l:libX.a) and
#     runs: test/pkg/core.c (libvpf), the README's "Embedding" example
#     (libvpf_model), test/pkg/vfio.c (libvpf_vfio);
#  4. the operator's side: bin/vpfd runs from the destdir (`vpfd -h`, the
#     installed libraries through LD_LIBRARY_PATH) and bin/vpf-rpc
#     (`vpf-rpc -h`, python3) too; <libdir>/vpf/vpf-oob-plugin.so exports
#     exactly QEMU's two entry points and needs neither DPDK nor libvpf;
#     the systemd unit vpfd.service is installed and its ExecStart runs
#     the installed vpfd.
#
#   pkg_test.sh MESON BUILDDIR SRCDIR SANITIZE ARCHIVES CC...
# The environment (set by test/pkg/meson.build) names the final install
# directories, without the destdir: VPF_PKG_BINDIR, VPF_PKG_PLUGINDIR,
# VPF_PKG_UNITDIR; and VPF_PKG_PRODUCTS the part-4 products this
# configuration builds (vpfd vpf-rpc vpf-oob-plugin vpfd.service): one
# left out is a skip, one named but not installed a failure.
# SANITIZE is meson's b_sanitize ("none", "address,undefined", ...): the
# programs are built with the same -fsanitize flags as the libraries.
# ARCHIVES is "localized" when the build localizes the archives' internal
# symbols (devtools/localize-archive.sh), "plain" when it cannot (LTO).
set -uo pipefail

if [ "$#" -lt 6 ]; then
	echo "usage: $0 MESON BUILDDIR SRCDIR SANITIZE ARCHIVES CC..." >&2
	exit 2
fi
meson=$1 build=$2 src=$3 sanitize=$4 archives=$5
shift 5
cc=("$@")

fails=0
checks=0
pass() {
	checks=$((checks + 1))
	echo "ok: $*"
}
fail() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	echo "FAIL: $*"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vpf-pkg.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

# Bounded: every step below is a single compiler/linker/program run; the
# programs are wrapped in `timeout` as they drive a model.
if ! "$meson" install -C "$build" --destdir "$root" --no-rebuild \
		>"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: meson install --destdir"
	exit 1
fi

pc_installed=$(find "$root" -name libvpf.pc -path '*/pkgconfig/*' | head -n 1)
if [ -z "$pc_installed" ]; then
	echo "FAIL: no libvpf.pc installed"
	exit 1
fi
pcdir_installed=$(dirname "$pc_installed")

# The .pc files name the final prefix; point their absolute variables into
# the destdir (a prefix rewrite: PKG_CONFIG_SYSROOT_DIR would move DPDK's
# paths as well).
mkdir -p "$tmp/pc"
for f in "$pcdir_installed"/*.pc; do
	sed -E "s#^([A-Za-z_]+)=/#\\1=$root/#" "$f" >"$tmp/pc/$(basename "$f")"
done
export PKG_CONFIG_PATH=$tmp/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}

pcs=(libvpf libvpf_model libvpf_vfio)
for p in "${pcs[@]}"; do
	if [ -f "$tmp/pc/$p.pc" ]; then
		pass "$p.pc installed"
	else
		fail "$p.pc not installed"
	fi
done
libdir=$(pkg-config --variable=libdir libvpf)
includedir=$(pkg-config --variable=includedir libvpf)

# --- 1. symbols ----------------------------------------------------------
# Sanitizer runtimes may add their own ODR-indicator globals next to ours.
allowed='^vpf_'
if [ "$sanitize" != none ]; then
	allowed='^(vpf_|__odr_asan|__asan_|__ubsan_|__sancov_)'
fi
for p in "${pcs[@]}"; do
	lib=lib${p#lib}
	for kind in so a; do
		f=$libdir/$lib.$kind
		if [ ! -f "$f" ]; then
			fail "$lib.$kind not installed"
			continue
		fi
		if [ "$kind" = a ] && [ "$archives" != localized ]; then
			echo "skip: $lib.a symbol check (this build does not" \
				"localize archives: LTO)"
			continue
		fi
		if [ "$kind" = so ]; then
			nm -D --defined-only "$f" >"$tmp/nm" 2>&1
		else
			nm -g --defined-only "$f" >"$tmp/nm" 2>&1
		fi
		bad=$(awk 'NF == 3 { print $3 }' "$tmp/nm" |
			grep -Ev "$allowed" | sort -u)
		if [ -z "$bad" ]; then
			pass "$lib.$kind: vpf_ globals only"
		else
			fail "$lib.$kind defines non-vpf_ globals:" \
				"$(echo "$bad" | head -n 12 | tr '\n' ' ')" \
				"($(echo "$bad" | wc -l) in all)"
		fi
	done
done

# --- 2. headers and include paths ----------------------------------------
for h in "$includedir"/vpf/*.h; do
	n=$(basename "$h")
	if printf '#include <%s>\nint vpf_pkg_test;\n' "$n" |
		"${cc[@]}" -std=c11 -Wall -Wextra -Werror -fsyntax-only \
			-I"$includedir/vpf" -x c - >"$tmp/h.log" 2>&1 &&
	   printf '#include <vpf/%s>\nint vpf_pkg_test;\n' "$n" |
		"${cc[@]}" -std=c11 -Wall -Wextra -Werror -fsyntax-only \
			-I"$includedir" -x c - >>"$tmp/h.log" 2>&1; then
		pass "$n compiles alone from the installed include directory"
	else
		cat "$tmp/h.log"
		fail "$n does not compile alone"
	fi
done
for p in "${pcs[@]}"; do
	cflags=$(pkg-config --cflags "$p" 2>&1)
	leak=
	for w in $cflags; do
		case $w in
		-I"$src"*|-I"$build"*|-I"$(realpath "$src")"*) leak="$leak $w";;
		esac
	done
	if [ -n "$leak" ]; then
		fail "$p Cflags point into the source/build tree:$leak"
	elif [[ " $cflags " != *" -I$includedir/vpf "* ]]; then
		fail "$p Cflags lack -I$includedir/vpf: $cflags"
	else
		pass "$p Cflags: installed include directory only"
	fi
done

# --- 3. programs, shared and static ---------------------------------------
# The README example is the first ```c block of its "Embedding" section.
awk '/^## Embedding/ { s = 1; next }
     /^## / { s = 0 }
     s && /^```c$/ { c = 1; next }
     c && /^```$/ { exit }
     c { print }' "$src/README.md" >"$tmp/example.c"
if [ ! -s "$tmp/example.c" ]; then
	fail "README.md has no \`\`\`c example in its Embedding section"
fi

san=()
if [ "$sanitize" != none ]; then
	san=(-fsanitize="$sanitize")
fi

# build_run NAME PC SOURCE MODE
build_run() {
	local name=$1 pc=$2 source=$3 mode=$4 exe=$tmp/$1-$4 libs=() w
	if [ "$mode" = static ]; then
		# The vpf archives by name: a plain -lvpf would take the .so.
		for w in $(pkg-config --static --libs "$pc"); do
			case $w in
			-lvpf*) libs+=("-l:lib${w#-l}.a");;
			*) libs+=("$w");;
			esac
		done
	else
		# shellcheck disable=SC2207
		libs=($(pkg-config --libs "$pc"))
	fi
	# shellcheck disable=SC2046
	if ! "${cc[@]}" -std=c11 -Wall -Wextra -Werror "${san[@]}" \
			-o "$exe" "$source" $(pkg-config --cflags "$pc") \
			"${libs[@]}" >"$tmp/link.log" 2>&1; then
		grep -v '^/usr/bin/ld: warning' "$tmp/link.log" | head -n 20
		fail "$name ($pc, $mode) does not build"
		return
	fi
	if [ "$mode" = static ] &&
	   readelf -d "$exe" | grep -q 'NEEDED.*libvpf'; then
		fail "$name ($pc, static) still needs a libvpf*.so"
		return
	fi
	if ! LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
			timeout 30 "$exe" >"$tmp/run.log" 2>&1; then
		cat "$tmp/run.log"
		fail "$name ($pc, $mode) fails"
		return
	fi
	pass "$name ($pc, $mode): $(head -n 1 "$tmp/run.log")"
}

for mode in shared static; do
	build_run core libvpf "$src/test/pkg/core.c" "$mode"
	if [ -s "$tmp/example.c" ]; then
		build_run readme libvpf_model "$tmp/example.c" "$mode"
	fi
	build_run vfio libvpf_vfio "$src/test/pkg/vfio.c" "$mode"
done

# --- 4. daemon, client, plugin, unit --------------------------------------
products=" ${VPF_PKG_PRODUCTS-} "
bindir=${VPF_PKG_BINDIR:-}
plugindir=${VPF_PKG_PLUGINDIR:-}
unitdir=${VPF_PKG_UNITDIR:-}
if [ -z "$bindir" ] || [ -z "$plugindir" ] || [ -z "$unitdir" ]; then
	fail "VPF_PKG_BINDIR, VPF_PKG_PLUGINDIR or VPF_PKG_UNITDIR not set" \
		"(run by meson test)"
	products=" "
fi
# want PRODUCT: 0 when this configuration builds it, else prints the skip.
want() {
	[[ $products == *" $1 "* ]] && return 0
	echo "skip: $1 (not built by this configuration)"
	return 1
}
# installed_exe PATH: an executable regular file in the destdir.
installed_exe() {
	if [ ! -e "$1" ]; then
		fail "${1#"$root"} not installed"
		return 1
	fi
	if [ ! -f "$1" ] || [ ! -x "$1" ]; then
		fail "${1#"$root"} is not an executable file:" \
			"$(stat -c %A "$1")"
		return 1
	fi
	return 0
}

if want vpfd; then
	exe=$root$bindir/vpfd
	if installed_exe "$exe"; then
		# vpfd takes vpf's libraries statically; a libvpf*.so it
		# needs all the same must be one of the installed ones.
		for n in $(readelf -d "$exe" |
			sed -n 's/.*NEEDED.*\[\(libvpf[^]]*\)\].*/\1/p'); do
			if [ -e "$libdir/$n" ]; then
				pass "vpfd needs $n: installed"
			else
				fail "vpfd needs $n, not installed in" \
					"${libdir#"$root"}"
			fi
		done
		LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
			timeout 30 "$exe" -h >"$tmp/run.log" 2>"$tmp/err.log"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			cat "$tmp/run.log" "$tmp/err.log"
			fail "$bindir/vpfd -h exits $rc"
		elif ! grep -q '^usage: vpfd ' "$tmp/run.log"; then
			cat "$tmp/run.log" "$tmp/err.log"
			fail "$bindir/vpfd -h prints no usage on stdout"
		else
			pass "$bindir/vpfd -h: $(head -n 1 "$tmp/run.log")"
		fi
	fi
fi

if want vpf-rpc; then
	exe=$root$bindir/vpf-rpc
	if installed_exe "$exe"; then
		if ! command -v python3 >/dev/null; then
			echo "skip: vpf-rpc -h (no python3)"
		elif ! timeout 30 "$exe" -h >"$tmp/run.log" \
				2>"$tmp/err.log"; then
			cat "$tmp/run.log" "$tmp/err.log"
			fail "$bindir/vpf-rpc -h fails"
		elif ! grep -q '^usage: vpf-rpc' "$tmp/run.log"; then
			cat "$tmp/run.log" "$tmp/err.log"
			fail "$bindir/vpf-rpc -h prints no usage on stdout"
		else
			pass "$bindir/vpf-rpc -h: $(head -n 1 "$tmp/run.log")"
		fi
	fi
fi

if want vpf-oob-plugin; then
	f=$root$plugindir/vpf-oob-plugin.so
	if [ ! -f "$f" ]; then
		fail "$plugindir/vpf-oob-plugin.so not installed"
	elif ! nm -D --defined-only "$f" >"$tmp/nm" 2>&1; then
		cat "$tmp/nm"
		fail "nm -D vpf-oob-plugin.so fails"
	else
		# QEMU loads it into its own process: neither DPDK nor libvpf.
		needed=$(readelf -d "$f" |
			sed -n 's/.*NEEDED.*\[\(lib\(rte\|vpf\)[^]]*\)\].*/\1/p')
		if [ -z "$needed" ]; then
			pass "vpf-oob-plugin.so needs neither DPDK nor libvpf"
		else
			fail "vpf-oob-plugin.so needs" \
				"$(echo "$needed" | tr '\n' ' ')"
		fi
		# QEMU's two entry points, nothing else (a sanitized build
		# may add the runtime's own).
		plugin_syms=$(awk 'NF == 3 { print $3 }' "$tmp/nm" | sort -u)
		ours=$plugin_syms
		if [ "$sanitize" != none ]; then
			ours=$(echo "$plugin_syms" |
				grep -Ev '^(__odr_asan|__asan_|__ubsan_|__sancov_)')
		fi
		expect=$(printf '%s\n' vfio_lm_get_plugin_ops \
			vfio_lm_get_plugin_version)
		if [ "$ours" = "$expect" ]; then
			pass "vpf-oob-plugin.so exports exactly" \
				"$(echo "$ours" | tr '\n' ' ')"
		else
			fail "vpf-oob-plugin.so exports" \
				"$(echo "$ours" | head -n 12 | tr '\n' ' ')" \
				"($(echo "$ours" | grep -c .) in all), want" \
				"$(echo "$expect" | tr '\n' ' ')"
		fi
	fi
fi

if want vpfd.service; then
	f=$root$unitdir/vpfd.service
	if [ ! -f "$f" ]; then
		fail "$unitdir/vpfd.service not installed"
	else
		# The command is ExecStart's first word (systemd prefixes
		# such as '-' or '@' would be ours to check as well).
		cmd=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$f")
		if [ "$(echo "$cmd" | grep -c .)" -ne 1 ]; then
			fail "vpfd.service has not one ExecStart: '$cmd'"
		elif [ "$cmd" != "$bindir/vpfd" ]; then
			fail "vpfd.service ExecStart runs $cmd," \
				"not the installed $bindir/vpfd"
		elif [[ $products == *" vpfd "* ]] &&
		     [ ! -x "$root$cmd" ]; then
			fail "vpfd.service ExecStart $cmd is not installed"
		else
			pass "vpfd.service in $unitdir, ExecStart=$cmd"
		fi
	fi
fi

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
