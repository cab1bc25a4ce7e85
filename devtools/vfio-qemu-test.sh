#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
#
# The real-VFIO integration test: boot a QEMU guest (TCG, no KVM needed) with
# an emulated IOMMU and QEMU's virtio-net-pci, bind that device to vfio-pci
# in the guest, and run vpf's VFIO backend against it
# (test/vfio/vfio_qemu_guest.c): discovery through sysfs,
# rte_vfio_setup_device(), capability walk through the VFIO config region,
# BAR mmap, reset through the status register, features, the refusal
# "device does not offer VIRTIO_F_ADMIN_VQ", and vpf's own split ring
# driving the device's control virtqueue over VFIO DMA mappings.
#
#   devtools/vfio-qemu-test.sh [BUILDDIR]      (default: build)
#
# Environment: VPF_QEMU_CACHE holds the guest kernel extracted from Debian's
# linux-image package (default /var/cache/vpf-qemu; for other users than
# root, ${XDG_CACHE_HOME:-~/.cache}/vpf-qemu unless /var/cache/vpf-qemu is
# writable or already holds the kernel); VPF_QEMU_TIMEOUT (default 200 s)
# bounds the guest run. Not root: packages are installed with `sudo -n`
# (never a password prompt), and without it the test is skipped.
#
# Everything comes from Debian packages: qemu-system-x86, busybox-static,
# cpio (installed with apt-get when missing) and linux-image-amd64 (its
# kernel image package is downloaded and unpacked into the cache, never
# installed on the host). If they cannot be had, the test is skipped with a
# message and exit status 0; any failure of the run itself is exit status 1.
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${1:-build}
timeout_s=${VPF_QEMU_TIMEOUT:-200}
steps=(discovery eal vfio-open caps bar-map reset features admin-refused
	ctrl-negotiate ctrl-queue driver-ok dma-alloc ctrl-promisc-on
	ctrl-promisc-off ctrl-unknown-class final-reset vf-token reattach
	error-not-bound)

say() { echo "vfio-qemu-test: $*"; }
trap 'say "FAILED: command at line $LINENO exited with status $?"' ERR
skip() {
	say "SKIPPED: $*"
	exit 0
}

# The kernel cache: system-wide for root; another user uses it if it may
# write it or it is complete already, and otherwise a cache of its own
# (mkdir of /var/cache/vpf-qemu would fail, and set -e end the run).
have_kernel() {
	ls -d "$1"/k/lib/modules/*/ >/dev/null 2>&1 &&
		ls "$1"/k/boot/vmlinuz-* >/dev/null 2>&1
}
cache=/var/cache/vpf-qemu
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	# -n: fail rather than wait for a password nobody will type
	SUDO="sudo -n"
	if ! [ -w "$cache" ] && ! have_kernel "$cache"; then
		cache=${XDG_CACHE_HOME:-$HOME/.cache}/vpf-qemu
	fi
fi
cache=${VPF_QEMU_CACHE:-$cache}

# --- packages -------------------------------------------------------------
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed" ||
	missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	# env: sudo would drop DEBIAN_FRONTEND from the environment
	if ! { $SUDO apt-get update -qq &&
	       $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}"; } >/dev/null 2>&1; then
		skip "cannot install ${missing[*]} with apt-get"
	fi
fi
# busybox-static replaces the dynamic busybox; make sure it is static.
if ldd /bin/busybox >/dev/null 2>&1; then
	skip "/bin/busybox is not the static one (install busybox-static)"
fi

# --- guest kernel (Debian's, unpacked into the cache) -----------------------
mkdir -p "$cache" 2>/dev/null ||
	skip "cannot create the kernel cache $cache (set VPF_QEMU_CACHE)"
kdir=$(ls -d "$cache"/k/lib/modules/*/ 2>/dev/null | head -n1 || true)
if [ -z "$kdir" ] || ! have_kernel "$cache"; then
	[ -w "$cache" ] ||
		skip "the kernel cache $cache is not writable (set VPF_QEMU_CACHE)"
	say "fetching the guest kernel (linux-image-amd64) into $cache"
	kimage() {
		{ apt-cache depends linux-image-amd64 2>/dev/null || true; } |
			awk '/Depends: linux-image-/ { print $2; exit }'
	}
	kpkg=$(kimage)
	if [ -z "$kpkg" ]; then
		$SUDO apt-get update -qq >/dev/null 2>&1 || true
		kpkg=$(kimage)
	fi
	[ -n "$kpkg" ] || skip "apt knows no linux-image-amd64"
	(cd "$cache" && rm -f ./linux-image-*.deb &&
		apt-get download "$kpkg" >/dev/null 2>&1) ||
		skip "cannot download $kpkg"
	rm -rf "$cache/k"
	dpkg-deb -x "$cache"/linux-image-*.deb "$cache/k" ||
		skip "cannot unpack $kpkg"
	kdir=$(ls -d "$cache"/k/lib/modules/*/ | head -n1)
fi
kver=$(basename "$kdir")
vmlinuz="$cache/k/boot/vmlinuz-$kver"
[ -f "$vmlinuz" ] || skip "no kernel image in $cache/k/boot"

# --- the guest program (gcc build: never ASan) -----------------------------
if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" >/dev/null
fi
san=$(meson introspect --buildoptions "$builddir" | python3 -c '
import json, sys
print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"), "none"))')
if [ "$san" != none ]; then
	say "FAILED: $builddir is a sanitizer build; the guest program must not be"
	exit 1
fi
prog_rel=test/vfio/vpf-vfio-qemu-guest
ninja -C "$builddir" "$prog_rel" | grep -Ev "^(ninja: Entering|\[)" || true
[ -x "$builddir/$prog_rel" ] || { say "FAILED: cannot build $prog_rel"; exit 1; }
prog="$builddir/$prog_rel"
# vpf-cli too, to run `pf scan` and `--vfio BDF` in the guest (if this
# build has it).
cli=
targets=$(ninja -C "$builddir" -t targets all 2>/dev/null || true)
if grep -q "^app/vpf-cli/vpf-cli:" <<< "$targets"; then
	if ninja -C "$builddir" app/vpf-cli/vpf-cli >/dev/null; then
		cli="$builddir/app/vpf-cli/vpf-cli"
	else
		say "WARNING: vpf-cli does not build: CLI checks skipped"
	fi
fi
# and vpfd, to own the PF through VFIO as a service (--vfio BDF)
vpfd=
if [ -n "$cli" ] && grep -q "^app/vpfd/vpfd:" <<< "$targets"; then
	if ninja -C "$builddir" app/vpfd/vpfd >/dev/null; then
		vpfd="$builddir/app/vpfd/vpfd"
	else
		say "WARNING: vpfd does not build: vpfd checks skipped"
	fi
fi

# --- initramfs ---------------------------------------------------------------
work="$builddir/vfio-qemu"
rm -rf "$work"
root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,var,lib/modules}
ln -s ../run "$root/var/run"
cp /bin/busybox "$root/bin/busybox"
for m in irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci; do
	f=$(find "$kdir" -name "$m.ko*" | head -n1)
	[ -n "$f" ] || continue
	case "$f" in
	*.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" > "$root/lib/modules/$m.ko" ;;
	*.gz) gzip -dc "$f" > "$root/lib/modules/$m.ko" ;;
	*) cp "$f" "$root/lib/modules/$m.ko" ;;
	esac
done
# The program and its shared-library closure; no DPDK driver plugins (EAL
# finds none in the guest, so no DPDK PMD can claim the device).
cp "$prog" "$root/bin/vpf-vfio-qemu-guest"
[ -z "$cli" ] || cp "$cli" "$root/bin/vpf-cli"
[ -z "$vpfd" ] || cp "$vpfd" "$root/bin/vpfd"
ldd "$prog" ${cli:+"$cli"} ${vpfd:+"$vpfd"} | awk '/=> \// { print $3 } /^\s*\/lib/ { print $1 }' |
while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
# The dynamic loader is also looked up through /lib64.
if [ -e /lib64/ld-linux-x86-64.so.2 ]; then
	mkdir -p "$root/lib64"
	cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
fi

cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
echo "vpf-init: kernel $(uname -r), cmdline: $(cat /proc/cmdline)"
for m in irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci; do
	[ -f /lib/modules/$m.ko ] || continue
	if insmod /lib/modules/$m.ko; then
		echo "vpf-init: loaded $m"
	else
		echo "vpf-init: FAILED to load $m"
	fi
done
bdf=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1041 ]; then
		bdf=$(basename $d)
		break
	fi
done
if [ -z "$bdf" ]; then
	echo "vpf-init: FAILED: no virtio-net device"
else
	d=/sys/bus/pci/devices/$bdf
	echo vfio-pci > $d/driver_override
	[ -e $d/driver ] && echo $bdf > $d/driver/unbind
	echo $bdf > /sys/bus/pci/drivers_probe
	echo "vpf-init: $bdf bound to $(basename $(readlink $d/driver)), iommu_group $(basename $(readlink $d/iommu_group)), /dev/vfio: $(ls /dev/vfio | tr '\n' ' ')"
	/bin/vpf-vfio-qemu-guest $bdf 2>&1
	echo "vpf-init: guest program exit status $?"
	if [ -x /bin/vpf-cli ]; then
		echo "pf scan" | /bin/vpf-cli -f - > /tmp/cli.log 2>&1
		echo "exit status $?" >> /tmp/cli.log
		/bin/vpf-cli -- --vfio $bdf -f /dev/null >> /tmp/cli.log 2>&1
		echo "exit status $?" >> /tmp/cli.log
		sed 's/^/vpf-cli: /' /tmp/cli.log
	fi
	if [ -x /bin/vpfd ]; then
		/bin/vpfd -- -s /tmp/vpf.sock --journal /tmp/journal --vfio $bdf > /tmp/vpfd.log 2>&1
		echo "exit status $?" >> /tmp/vpfd.log
		sed 's/^/vpfd: /' /tmp/vpfd.log
	fi
fi
echo "vpf-init: done"
sync
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"

# --- run ---------------------------------------------------------------------
log="$work/guest.log"
say "booting $kver under QEMU (TCG), log in $log"
start=$(date +%s)
set +e
timeout --foreground "$timeout_s" qemu-system-x86_64 \
	-machine q35,kernel-irqchip=split -accel tcg -cpu max -smp 1 -m 512 \
	-device intel-iommu,intremap=on \
	-netdev user,id=n0,restrict=on \
	-device virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on \
	-device virtio-rng-pci,disable-legacy=on,iommu_platform=on \
	-kernel "$vmlinuz" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 intel_iommu=on quiet loglevel=4 panic=-1" \
	-display none -serial stdio -monitor none -no-reboot \
	</dev/null >"$log" 2>&1
qrc=$?
set -e
end=$(date +%s)
say "guest ran $((end - start)) s (qemu exit status $qrc)"
grep -E "^(vpf-qemu|vpf-init|vpf-cli|vpfd):|vpf\.vfio" "$log" | tr -d '\r' || true

fail=0
if [ "$qrc" -eq 124 ]; then
	say "FAILED: guest timed out after $timeout_s s"
	fail=1
fi
for s in "${steps[@]}"; do
	if ! grep -q "^vpf-qemu: $s: ok" "$log"; then
		say "FAILED: step $s did not pass"
		fail=1
	fi
done
if ! grep -qF 'admin-refused: message "device does not offer VIRTIO_F_ADMIN_VQ"' "$log"; then
	say "FAILED: vpf_pf_attach's refusal is not exactly \"device does not offer VIRTIO_F_ADMIN_VQ\""
	fail=1
fi
if [ -n "$cli" ]; then
	# `pf scan` sees the device on vfio-pci with its IOMMU group, and
	# `vpf-cli -- --vfio BDF` refuses it for the right reason.
	if ! grep -q "^vpf-cli: driver: vfio-pci" "$log" ||
	   ! grep -q "^vpf-cli: iommu_group: [0-9]" "$log"; then
		say "FAILED: vpf-cli pf scan did not show the vfio-pci device"
		fail=1
	fi
	if ! grep -q "^vpf-cli: .*device does not offer VIRTIO_F_ADMIN_VQ" "$log"; then
		say "FAILED: vpf-cli --vfio did not refuse with the ADMIN_VQ reason"
		fail=1
	fi
else
	say "vpf-cli not built in $builddir: CLI checks skipped"
fi
if [ -n "$vpfd" ]; then
	# vpfd --vfio BDF opens the device through VFIO and refuses to own
	# it for the same reason, before serving anything.
	if ! grep -q "^vpfd: .*device does not offer VIRTIO_F_ADMIN_VQ" "$log" ||
	   ! grep -q "^vpfd: exit status 1" "$log"; then
		say "FAILED: vpfd --vfio did not refuse with the ADMIN_VQ reason"
		fail=1
	fi
fi
if ! grep -q "^vpf-qemu: ALL STEPS PASSED" "$log"; then
	fail=1
fi
if [ "$fail" -ne 0 ]; then
	say "FAILED (full guest log: $log)"
	tail -n 40 "$log" | tr -d '\r'
	exit 1
fi
say "passed: ${#steps[@]} steps on the real VFIO path"
