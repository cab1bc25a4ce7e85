/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Discovery through libpci: live (libpci's automatic method, sysfs on
 * Linux) or from an `lspci -xxxx` dump (libpci's "dump" method). Read-only:
 * pci_read_block() only, never a write, never a BAR access.
 */

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pci/pci.h>

#include "vfio_internal.h"

/*
 * libpci's error callback must not return (it "writes the message and
 * quits"): we jump back to the call that entered libpci instead, so that a
 * missing dump file is an error return, not an exit().
 */
static __thread jmp_buf *pci_jmp;
static __thread char pci_errmsg[256];

static void VPF_PRINTF(1, 2) __attribute__((noreturn))
pci_err_cb(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(pci_errmsg, sizeof(pci_errmsg), msg, ap);
	va_end(ap);
	longjmp(*pci_jmp, 1);
}

/* Installed for the cleanup after a longjmp: libpci does not call
 * error() there, and should it ever, returning from a noreturn callback
 * would be undefined, so stop. */
static void VPF_PRINTF(1, 2) __attribute__((noreturn))
pci_err_late_cb(char *msg, ...)
{
	(void)msg;
	abort();
}

static void VPF_PRINTF(1, 2)
pci_warn_cb(char *msg, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);
	va_end(ap);
	VFIO_LOG(DEBUG, "libpci: %s", buf);
}

static void VPF_PRINTF(1, 2)
pci_debug_cb(char *msg, ...)
{
	(void)msg;
}

/* Read as much config space as the access method gives, in the 16-byte
 * lines a dump is made of: a truncated dump yields what it has. */
static size_t
read_config(struct pci_dev *d, uint8_t *cfg)
{
	size_t len = 0;

	while (len < VPF_PCI_CFG_SPACE_EXP_SIZE &&
	       pci_read_block(d, (int)len, cfg + len, 16))
		len += 16;
	return len;
}

/*
 * Bound driver and IOMMU group straight from sysfs: libpci leaves them
 * "not known" when the link is missing, but for vpf a missing link is an
 * answer (no driver, no IOMMU group), which the error messages depend on.
 * @return 0 if the device's sysfs directory exists.
 */
static int
sysfs_links(struct vpf_pci_func *f)
{
	char path[96], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", f->bdf);
	if (access(path, F_OK) != 0)
		return -ENOENT;
	f->driver_known = true;
	f->driver[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", f->bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		base = strrchr(target, '/');
		snprintf(f->driver, sizeof(f->driver), "%.31s",
			 base ? base + 1 : target);
	}
	f->iommu_group = VPF_PCI_IOMMU_GROUP_NONE;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 f->bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		base = strrchr(target, '/');
		f->iommu_group = atoi(base ? base + 1 : target);
	}
	return 0;
}

static int
fill_from_dev(struct pci_dev *d, bool dump, struct vpf_pci_func *f)
{
	uint8_t cfg[VPF_PCI_CFG_SPACE_EXP_SIZE];
	unsigned int known;
	size_t len;
	char *s;
	int i, rc;

	memset(f, 0, sizeof(*f));
	f->domain = (uint16_t)d->domain;
	f->bus = d->bus;
	f->dev = d->dev;
	f->func = d->func;
	snprintf(f->bdf, sizeof(f->bdf), "%04x:%02x:%02x.%x", f->domain,
		 f->bus, f->dev, f->func);
	f->iommu_group = VPF_PCI_IOMMU_GROUP_UNKNOWN;

	known = pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES |
			      PCI_FILL_SIZES | PCI_FILL_DRIVER |
			      PCI_FILL_IOMMU_GROUP);
	/* A dump has no BAR sizes, driver or IOMMU group: report unknown,
	 * never a made-up value (libpci's dump method marks sizes "known"
	 * with zeros, so trust only the live method for them). */
	if (!dump && (known & PCI_FILL_SIZES)) {
		f->bar_sizes_known = true;
		for (i = 0; i < 6; i++)
			f->bar_size[i] = d->size[i];
	}
	if (!dump && sysfs_links(f) == 0) {
		/* sysfs answered for both: no link means none */
	} else if (!dump) {
		if (known & PCI_FILL_DRIVER) {
			f->driver_known = true;
			s = pci_get_string_property(d, PCI_FILL_DRIVER);
			if (s)
				snprintf(f->driver, sizeof(f->driver), "%s",
					 s);
		}
		if (known & PCI_FILL_IOMMU_GROUP) {
			s = pci_get_string_property(d, PCI_FILL_IOMMU_GROUP);
			f->iommu_group = s ? atoi(s) :
					     VPF_PCI_IOMMU_GROUP_NONE;
		}
	}

	len = read_config(d, cfg);
	rc = vpf_pci_parse_config(cfg, len, f);
	if (rc) {
		/* Keep the function in the list with the reason. */
		snprintf(f->notes, sizeof(f->notes), "malformed config space: "
			 "%s", vpf_last_error());
	} else if (rc == 0 && !dump && len <= 64 && geteuid() != 0) {
		snprintf(f->notes + strlen(f->notes),
			 sizeof(f->notes) - strlen(f->notes),
			 "%sonly 64 bytes of config space are readable "
			 "without root", f->notes[0] ? "; " : "");
	}
	f->cfg_size = (uint32_t)len;
	return rc;
}

static bool
is_virtio_id(struct pci_dev *d)
{
	return d->vendor_id == VPF_VIRTIO_PCI_VENDOR &&
	       d->device_id >= 0x1000 &&
	       d->device_id <= VPF_VIRTIO_PCI_MODERN_LAST;
}

struct scan_ctx {
	struct pci_access *pacc;
	bool dump;
	/* scan */
	struct vpf_pci_func *out;
	unsigned int max;
	unsigned int cnt;
	unsigned int with_cfg;	/* dump: devices with config-space bytes */
	/* probe */
	const char *want;
	int rc;
};

static int
scan_open(struct scan_ctx *sc, const char *dump)
{
	sc->dump = dump != NULL;
	if (dump && access(dump, R_OK) != 0)
		return vpf_error(-ENOENT, "cannot read config-space dump %s: "
				 "%s", dump, strerror(errno));
	sc->pacc = pci_alloc();
	if (sc->pacc == NULL)
		return vpf_error(-ENOMEM, "libpci: out of memory");
	sc->pacc->error = pci_err_cb;
	sc->pacc->warning = pci_warn_cb;
	sc->pacc->debug = pci_debug_cb;
	if (dump) {
		sc->pacc->method = PCI_ACCESS_DUMP;
		if (pci_set_param(sc->pacc, "dump.name", (char *)dump)) {
			pci_cleanup(sc->pacc);
			sc->pacc = NULL;
			return vpf_error(-EIO, "libpci has no dump method");
		}
	}
	return 0;
}

/*
 * Run @p fn with libpci's fatal errors turned into -EIO. Everything @p fn
 * changes lives in *sc (memory), so nothing is clobbered by the longjmp.
 */
static int
pci_guarded(struct scan_ctx *sc, void (*fn)(struct scan_ctx *sc))
{
	jmp_buf jb;

	pci_jmp = &jb;
	if (setjmp(jb)) {
		/* libpci gave up (its own answer would be exit()). Its
		 * structures are consistent at every error call, so they can
		 * be freed; the error callback is replaced first, so that a
		 * complaint during the cleanup cannot jump back here. */
		pci_jmp = NULL;
		sc->pacc->error = pci_err_late_cb;
		pci_cleanup(sc->pacc);
		sc->pacc = NULL;
		return vpf_error(-EIO, "libpci: %s", pci_errmsg);
	}
	pci_init(sc->pacc);
	pci_scan_bus(sc->pacc);
	fn(sc);
	pci_cleanup(sc->pacc);
	pci_jmp = NULL;
	return 0;
}

/*
 * libpci's dump parser takes any line that starts like "00:03.0 " for a
 * device and reads its bytes from the "00: f4 1a ..." lines that follow:
 * `lspci -vvv` text yields devices without a single config-space byte.
 * Only a device with at least its first 16 bytes counts as found.
 */
static bool
has_config(struct pci_dev *d)
{
	uint8_t b[16];

	return pci_read_block(d, 0, b, sizeof(b)) != 0;
}

/* An empty dump is a host without virtio devices (`lspci -xxxx -d 1af4:`
 * printed nothing); a non-empty one in which libpci finds no device is some
 * other format. */
static bool
dump_nonempty(const char *dump)
{
	struct stat st;

	return stat(dump, &st) == 0 && st.st_size > 0;
}

static int
not_a_dump(const char *dump)
{
	return vpf_error(-EINVAL, "no device in dump %s: is it `lspci -xxxx` "
			 "output?", dump);
}

static void
scan_fn(struct scan_ctx *sc)
{
	struct pci_dev *d;

	for (d = sc->pacc->devices; d; d = d->next) {
		if (sc->dump && has_config(d))
			sc->with_cfg++;
		pci_fill_info(d, PCI_FILL_IDENT);
		if (!is_virtio_id(d))
			continue;
		if (sc->cnt < sc->max)
			fill_from_dev(d, sc->dump, &sc->out[sc->cnt]);
		sc->cnt++;
	}
}

int
vpf_pci_scan(const char *dump, struct vpf_pci_func *out, unsigned int max,
	     unsigned int *n)
{
	struct scan_ctx sc = { .out = out, .max = max };
	unsigned int i, j, m;
	int rc;

	*n = 0;
	rc = scan_open(&sc, dump);
	if (rc == 0)
		rc = pci_guarded(&sc, scan_fn);
	if (rc)
		return rc;
	if (sc.dump && sc.with_cfg == 0 && dump_nonempty(dump))
		return not_a_dump(dump);
	*n = sc.cnt;
	/* libpci lists devices in reverse scan order; sort by BDF. */
	m = sc.cnt < max ? sc.cnt : max;
	for (i = 1; i < m; i++) {
		struct vpf_pci_func t = out[i];

		for (j = i; j > 0 && strcmp(out[j - 1].bdf, t.bdf) > 0; j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	return 0;
}

static void
probe_fn(struct scan_ctx *sc)
{
	struct vpf_pci_func *out = sc->out;
	struct pci_dev *d;

	sc->rc = vpf_error(-ENODEV, "no PCI device %s (see `lspci -D`, or "
			   "`pf scan` in vpf-cli)", sc->want);
	for (d = sc->pacc->devices; sc->dump && d; d = d->next)
		if (has_config(d))
			sc->with_cfg++;
	for (d = sc->pacc->devices; d; d = d->next) {
		char b[VPF_PCI_BDF_LEN];

		snprintf(b, sizeof(b), "%04x:%02x:%02x.%x", d->domain, d->bus,
			 d->dev, d->func);
		if (strcmp(b, sc->want))
			continue;
		pci_fill_info(d, PCI_FILL_IDENT);
		if (!is_virtio_id(d)) {
			memset(out, 0, sizeof(*out));
			memcpy(out->bdf, b, sizeof(b));
			out->vendor_id = d->vendor_id;
			out->device_id = d->device_id;
			sc->rc = vpf_error(-ENOTSUP, "%s is not a virtio device "
					   "(vendor %04x device %04x; virtio is "
					   "vendor 1af4, device 1000-107f)", b,
					   d->vendor_id, d->device_id);
			return;
		}
		sc->rc = fill_from_dev(d, sc->dump, out);
		if (sc->rc)
			sc->rc = vpf_error(sc->rc == -ENODEV ? -ENODEV : -EINVAL,
					   "%s: %s", b, out->notes);
		return;
	}
}

int
vpf_pci_probe(const char *dump, const char *bdf, struct vpf_pci_func *out)
{
	char want[VPF_PCI_BDF_LEN];
	struct scan_ctx sc = { .out = out, .want = want };
	int rc;

	rc = vpf_pci_bdf_parse(bdf, want);
	if (rc)
		return rc;
	rc = scan_open(&sc, dump);
	if (rc == 0)
		rc = pci_guarded(&sc, probe_fn);
	if (rc)
		return rc;
	if (dump && sc.with_cfg == 0 && dump_nonempty(dump))
		return not_a_dump(dump);
	if (sc.rc == -ENODEV && dump)
		vpf_error(-ENODEV, "no PCI device %s in %s", want, dump);
	return sc.rc;
}
