/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Config-space decoding for discovery: pure functions over bytes, no libpci,
 * no EAL, so that the fuzz target (test/fuzz/fuzz_pci_dump.c) can include
 * this file and drive vpf_pci_parse_config() with arbitrary bytes.
 *
 * Everything here is untrusted input (a dump file, or a device): every
 * pointer is checked against the bytes we have, every walk is bounded.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vpf_spec.h"
#include "vpf_vfio.h"

void vpf_pci_recheck(struct vpf_pci_func *f);

/* Capabilities a standard list can hold at most: (256 - 0x40) / 4. */
#define PCI_STD_CAPS_MAX	48
/* PCIe Device Serial Number extended capability and its length. */
#define PCI_EXT_CAP_ID_DSN	0x0003
#define PCI_EXT_CAP_DSN_LEN	12u
/* Extended capabilities: (4096 - 0x100) / 4. */
#define PCI_EXT_CAPS_MAX	960
/* Offsets in the MSI-X capability. */
#define MSIX_FLAGS		2
#define MSIX_TABLE		4
#define MSIX_PBA		8

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void VPF_PRINTF(2, 3)
note(struct vpf_pci_func *f, const char *fmt, ...)
{
	size_t used = strlen(f->notes);
	va_list ap;

	if (used + 3 >= sizeof(f->notes))
		return;
	if (used) {
		memcpy(f->notes + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(f->notes + used, sizeof(f->notes) - used, fmt, ap);
	va_end(ap);
}

const char *
vpf_pci_virtio_type_name(uint16_t type)
{
	static const char *const names[] = {
		[1] = "net", [2] = "block", [3] = "console", [4] = "rng",
		[5] = "balloon", [6] = "iomem", [7] = "rpmsg", [8] = "scsi",
		[9] = "9p", [10] = "mac80211", [11] = "rproc-serial",
		[12] = "caif", [13] = "memory-balloon", [16] = "gpu",
		[17] = "timer", [18] = "input", [19] = "vsock",
		[20] = "crypto", [21] = "signal-dist", [22] = "pstore",
		[23] = "iommu", [24] = "mem", [25] = "sound", [26] = "fs",
		[27] = "pmem", [28] = "rpmb", [29] = "mac80211-hwsim",
		[30] = "video-encoder", [31] = "video-decoder", [32] = "scmi",
		[33] = "nitro-sec-mod", [34] = "i2c-adapter", [35] = "watchdog",
		[36] = "can", [38] = "parameter-server", [39] = "audio-policy",
		[40] = "bluetooth", [41] = "gpio", [42] = "rdma",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

const char *
vpf_pci_cap_type_name(uint8_t cfg_type)
{
	/* lspci's names where it has them (ls-caps-vendor.c). */
	switch (cfg_type) {
	case VPF_PCI_CAP_COMMON_CFG: return "CommonCfg";
	case VPF_PCI_CAP_NOTIFY_CFG: return "Notify";
	case VPF_PCI_CAP_ISR_CFG: return "ISR";
	case VPF_PCI_CAP_DEVICE_CFG: return "DeviceCfg";
	case VPF_PCI_CAP_PCI_CFG: return "PCICfg";
	case VPF_PCI_CAP_SHARED_MEMORY_CFG: return "SharedMemory";
	case VPF_PCI_CAP_VENDOR_CFG: return "VendorCfg";
	default: return "unknown";
	}
}

int
vpf_pci_bdf_parse(const char *s, char out[VPF_PCI_BDF_LEN])
{
	unsigned int dom = 0, bus, dev, fn;
	int n = 0;

	if (s == NULL)
		return vpf_error(-EINVAL, "no PCI address given");
	/* sscanf's %x would take "0x" prefixes, signs and spaces. */
	if (s[0] == '\0' || strspn(s, "0123456789abcdefABCDEF:.") != strlen(s))
		return vpf_error(-EINVAL,
				 "'%s' is not a PCI address (dddd:bb:dd.f)", s);
	if (sscanf(s, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) == 4 &&
	    s[n] == '\0') {
		/* dddd:bb:dd.f */
	} else if (n = 0, dom = 0,
		   sscanf(s, "%x:%x.%x%n", &bus, &dev, &fn, &n) == 3 &&
		   s[n] == '\0') {
		/* bb:dd.f */
	} else {
		return vpf_error(-EINVAL,
				 "'%s' is not a PCI address (dddd:bb:dd.f)", s);
	}
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return vpf_error(-EINVAL, "'%s' is not a PCI address "
				 "(domain <= ffff, bus <= ff, device <= 1f, "
				 "function <= 7)", s);
	snprintf(out, VPF_PCI_BDF_LEN, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static void
func_init(struct vpf_pci_func *f)
{
	memset(f, 0, sizeof(*f));
	f->common = f->notify = f->isr = f->device = f->pci_cfg = -1;
	f->iommu_group = VPF_PCI_IOMMU_GROUP_UNKNOWN;
}

static int
parse_vndr(const uint8_t *cfg, size_t len, unsigned int pos,
	   struct vpf_pci_func *f)
{
	struct vpf_pci_virtio_cap *c;
	uint8_t cap_len;

	if (pos + 16 > len)
		return vpf_error(-EINVAL, "virtio capability at 0x%02x is "
				 "cut off by the end of config space", pos);
	cap_len = cfg[pos + 2];
	if (cap_len < 16)
		return vpf_error(-EINVAL, "virtio capability at 0x%02x has "
				 "cap_len %u, less than 16", pos, cap_len);
	if (pos + cap_len > len)
		return vpf_error(-EINVAL, "virtio capability at 0x%02x "
				 "(cap_len %u) runs past the config space",
				 pos, cap_len);
	if (f->n_caps >= VPF_PCI_MAX_VIRTIO_CAPS)
		return vpf_error(-EINVAL, "more than %u virtio capabilities",
				 VPF_PCI_MAX_VIRTIO_CAPS);
	c = &f->caps[f->n_caps];
	c->pos = (uint16_t)pos;
	c->cap_len = cap_len;
	c->cfg_type = cfg[pos + 3];
	c->bar = cfg[pos + 4];
	c->id = cfg[pos + 5];
	c->offset = rd32(cfg + pos + 8);
	c->length = rd32(cfg + pos + 12);
	c->in_bar = true;
	if (c->cfg_type == VPF_PCI_CAP_NOTIFY_CFG) {
		if (cap_len < 20)
			return vpf_error(-EINVAL, "virtio notify capability at "
					 "0x%02x has cap_len %u, less than 20",
					 pos, cap_len);
		c->notify_off_multiplier = rd32(cfg + pos + 16);
	}
	/* The first of each type is the one a driver uses (virtio 1.x
	 * 4.1.4: "the driver SHOULD use the first instance"). */
	switch (c->cfg_type) {
	case VPF_PCI_CAP_COMMON_CFG:
		if (f->common < 0)
			f->common = (int)f->n_caps;
		break;
	case VPF_PCI_CAP_NOTIFY_CFG:
		if (f->notify < 0)
			f->notify = (int)f->n_caps;
		break;
	case VPF_PCI_CAP_ISR_CFG:
		if (f->isr < 0)
			f->isr = (int)f->n_caps;
		break;
	case VPF_PCI_CAP_DEVICE_CFG:
		if (f->device < 0)
			f->device = (int)f->n_caps;
		break;
	case VPF_PCI_CAP_PCI_CFG:
		if (f->pci_cfg < 0)
			f->pci_cfg = (int)f->n_caps;
		break;
	default:
		break;
	}
	f->n_caps++;
	return 0;
}

static int
parse_std_caps(const uint8_t *cfg, size_t len, struct vpf_pci_func *f)
{
	uint8_t seen[256] = {0};
	unsigned int pos, n = 0;
	int rc;

	if (!(rd16(cfg + VPF_PCI_STATUS) & VPF_PCI_STATUS_CAP_LIST))
		return 0;
	if (len < 0x40)
		return vpf_error(-EINVAL, "config space of %zu bytes has no "
				 "room for capabilities", len);
	pos = cfg[VPF_PCI_CAPABILITY_LIST];
	while (pos) {
		/* The bottom two bits are reserved (PCI 3.0 6.7). */
		pos &= ~3u;
		if (pos < 0x40 || pos > 0xfc)
			return vpf_error(-EINVAL, "capability pointer 0x%02x "
					 "outside 0x40..0xfc", pos);
		if (pos + 2 > len)
			return vpf_error(-EINVAL, "capability at 0x%02x is past "
					 "the %zu bytes of config space "
					 "(truncated dump?)", pos, len);
		if (seen[pos] || ++n > PCI_STD_CAPS_MAX)
			return vpf_error(-EINVAL, "capability list loops at "
					 "0x%02x", pos);
		seen[pos] = 1;
		switch (cfg[pos]) {
		case VPF_PCI_CAP_ID_VNDR:
			rc = parse_vndr(cfg, len, pos, f);
			if (rc)
				return rc;
			break;
		case VPF_PCI_CAP_ID_MSIX:
			if (pos + 12 > len)
				return vpf_error(-EINVAL, "MSI-X capability at "
						 "0x%02x is cut off", pos);
			f->has_msix = true;
			f->msix_table_size =
				(uint16_t)((rd16(cfg + pos + MSIX_FLAGS) &
					    0x7ff) + 1);
			f->msix_table_bar = cfg[pos + MSIX_TABLE] & 7;
			f->msix_table_offset =
				rd32(cfg + pos + MSIX_TABLE) & ~7u;
			f->msix_pba_bar = cfg[pos + MSIX_PBA] & 7;
			f->msix_pba_offset = rd32(cfg + pos + MSIX_PBA) & ~7u;
			break;
		case VPF_PCI_CAP_ID_EXP:
			f->pcie = true;
			break;
		default:
			break;
		}
		pos = cfg[pos + 1];
	}
	return 0;
}

static int
parse_ext_caps(const uint8_t *cfg, size_t len, struct vpf_pci_func *f)
{
	uint8_t seen[(VPF_PCI_CFG_SPACE_EXP_SIZE) / 4] = {0};
	unsigned int pos = VPF_PCI_EXT_CAP_START, n = 0;
	uint32_t hdr;

	if (len < VPF_PCI_CFG_SPACE_EXP_SIZE)
		return 0;
	hdr = rd32(cfg + pos);
	/* No extended capabilities: all zeros (or all ones on some hosts). */
	if (hdr == 0 || hdr == 0xffffffff)
		return 0;
	for (;;) {
		uint16_t id = (uint16_t)(hdr & 0xffff);
		unsigned int next = (hdr >> 20) & 0xffc;

		if (seen[pos / 4] || ++n > PCI_EXT_CAPS_MAX)
			return vpf_error(-EINVAL, "extended capability list "
					 "loops at 0x%03x", pos);
		seen[pos / 4] = 1;
		if (id == VPF_PCI_EXT_CAP_ID_SRIOV && !f->sriov.present) {
			const uint8_t *s = cfg + pos;

			if (pos + VPF_SRIOV_CAP_LEN > len)
				return vpf_error(-EINVAL, "SR-IOV capability at "
						 "0x%03x is cut off", pos);
			f->sriov.present = true;
			f->sriov.pos = (uint16_t)pos;
			f->sriov.vf_enable = rd16(s + VPF_SRIOV_CTRL) &
					     VPF_SRIOV_CTRL_VFE;
			f->sriov.initial_vfs = rd16(s + VPF_SRIOV_INITIAL_VF);
			f->sriov.total_vfs = rd16(s + VPF_SRIOV_TOTAL_VF);
			f->sriov.num_vfs = rd16(s + VPF_SRIOV_NUM_VF);
			f->sriov.vf_offset = rd16(s + VPF_SRIOV_VF_OFFSET);
			f->sriov.vf_stride = rd16(s + VPF_SRIOV_VF_STRIDE);
			f->sriov.vf_device_id = rd16(s + VPF_SRIOV_VF_DID);
		}
		if (id == PCI_EXT_CAP_ID_DSN && !f->has_dsn) {
			/* Header, then the serial number's low and high
			 * dwords (PCIe 6.0 7.9.3). */
			if (pos + PCI_EXT_CAP_DSN_LEN > len)
				return vpf_error(-EINVAL, "Device Serial Number "
						 "capability at 0x%03x is cut off",
						 pos);
			f->has_dsn = true;
			f->dsn = (uint64_t)rd32(cfg + pos + 4) |
				 ((uint64_t)rd32(cfg + pos + 8) << 32);
		}
		if (next == 0)
			break;
		if (next < VPF_PCI_EXT_CAP_START || next + 4 > len)
			return vpf_error(-EINVAL, "extended capability pointer "
					 "0x%03x outside 0x100..0xffc", next);
		pos = next;
		hdr = rd32(cfg + pos);
	}
	return 0;
}

/* Cross-checks that make a function unusable for vpf but not malformed:
 * they become notes, so that `pf scan` says why. */
static void
check_caps(struct vpf_pci_func *f)
{
	unsigned int i;

	if (f->common < 0)
		note(f, "no virtio common cfg capability (legacy-only device?)");
	if (f->notify < 0)
		note(f, "no virtio notify capability");
	if (f->common >= 0) {
		const struct vpf_pci_virtio_cap *c = &f->caps[f->common];

		f->admin_cfg_ok = c->length >= VPF_COMMON_CFG_LEN;
		if (!f->admin_cfg_ok)
			note(f, "common cfg is 0x%" PRIx32 " bytes: too short "
			     "for an admin queue (needs 0x%x)", c->length,
			     VPF_COMMON_CFG_LEN);
	}
	if (f->notify >= 0 && f->caps[f->notify].notify_off_multiplier & 1)
		note(f, "notify_off_multiplier %" PRIu32 " is odd",
		     f->caps[f->notify].notify_off_multiplier);
	for (i = 0; i < f->n_caps; i++) {
		struct vpf_pci_virtio_cap *c = &f->caps[i];

		if (c->cfg_type == VPF_PCI_CAP_PCI_CFG ||
		    c->cfg_type > VPF_PCI_CAP_VENDOR_CFG)
			continue;
		if (c->bar > 5) {
			c->in_bar = false;
			note(f, "%s capability at 0x%02x names BAR %u",
			     vpf_pci_cap_type_name(c->cfg_type), c->pos,
			     c->bar);
			continue;
		}
		if (!f->bar_sizes_known)
			continue;
		if ((uint64_t)c->offset + c->length > f->bar_size[c->bar]) {
			c->in_bar = false;
			note(f, "%s capability at 0x%02x: 0x%" PRIx32 "+0x%"
			     PRIx32 " is outside BAR %u (0x%" PRIx64 " bytes)",
			     vpf_pci_cap_type_name(c->cfg_type), c->pos,
			     c->offset, c->length, c->bar,
			     f->bar_size[c->bar]);
		}
	}
	if (f->sriov.present && f->sriov.num_vfs > f->sriov.total_vfs)
		note(f, "SR-IOV NumVFs %u exceeds TotalVFs %u",
		     f->sriov.num_vfs, f->sriov.total_vfs);
}

/* Re-run the checks that depend on what the caller learnt later (BAR
 * sizes from sysfs or VFIO). Internal, used by the scanner and VFIO. */
void
vpf_pci_recheck(struct vpf_pci_func *f)
{
	unsigned int i;

	f->notes[0] = '\0';
	for (i = 0; i < f->n_caps; i++)
		f->caps[i].in_bar = true;
	check_caps(f);
}

int
vpf_pci_parse_config(const uint8_t *cfg, size_t len, struct vpf_pci_func *f)
{
	char bdf[VPF_PCI_BDF_LEN];
	int rc;

	/* Keep what the caller already knows (address, driver, sizes). */
	memcpy(bdf, f->bdf, sizeof(bdf));
	{
		struct vpf_pci_func keep = *f;

		func_init(f);
		memcpy(f->bdf, bdf, sizeof(bdf));
		f->bdf[VPF_PCI_BDF_LEN - 1] = '\0';
		f->domain = keep.domain;
		f->bus = keep.bus;
		f->dev = keep.dev;
		f->func = keep.func;
		f->bar_sizes_known = keep.bar_sizes_known;
		memcpy(f->bar_size, keep.bar_size, sizeof(f->bar_size));
		f->driver_known = keep.driver_known;
		memcpy(f->driver, keep.driver, sizeof(f->driver));
		f->driver[sizeof(f->driver) - 1] = '\0';
		f->iommu_group = keep.iommu_group;
	}
	if (cfg == NULL || len < 64)
		return vpf_error(-EINVAL, "config space of %zu bytes is "
				 "truncated (the header alone is 64)", len);
	if (len > VPF_PCI_CFG_SPACE_EXP_SIZE)
		len = VPF_PCI_CFG_SPACE_EXP_SIZE;
	f->cfg_size = (uint32_t)len;
	f->vendor_id = rd16(cfg + VPF_PCI_VENDOR_ID);
	f->device_id = rd16(cfg + VPF_PCI_DEVICE_ID);
	f->revision = cfg[VPF_PCI_REVISION_ID];
	f->subsys_vendor_id = rd16(cfg + 0x2c);
	f->subsys_id = rd16(cfg + VPF_PCI_SUBSYSTEM_ID);
	if (f->vendor_id == 0xffff)
		return vpf_error(-ENODEV, "config space reads all-ones: the "
				 "device is gone");
	if (f->vendor_id != VPF_VIRTIO_PCI_VENDOR ||
	    f->device_id < 0x1000 || f->device_id > VPF_VIRTIO_PCI_MODERN_LAST)
		return vpf_error(-ENOTSUP, "%s is not a virtio device (vendor "
				 "%04x device %04x)", f->bdf[0] ? f->bdf :
				 "the function", f->vendor_id, f->device_id);
	if (f->device_id >= VPF_VIRTIO_PCI_MODERN_BASE) {
		f->virtio_type = f->device_id - VPF_VIRTIO_PCI_MODERN_BASE;
	} else {
		/* Transitional: the subsystem device id is the type. */
		f->transitional = true;
		f->virtio_type = f->subsys_id;
	}
	rc = parse_std_caps(cfg, len, f);
	if (rc == 0)
		rc = parse_ext_caps(cfg, len, f);
	if (rc)
		return rc;
	if (len < VPF_PCI_CFG_SPACE_SIZE)
		note(f, "only %zu bytes of config space", len);
	if (f->pcie && len < VPF_PCI_CFG_SPACE_EXP_SIZE)
		note(f, "PCI Express function but only %zu bytes of config "
		     "space: extended capabilities (SR-IOV) not visible", len);
	check_caps(f);
	return 0;
}

int
vpf_pci_vf_bdf(const struct vpf_pci_func *pf, uint16_t vf,
	       char bdf[VPF_PCI_BDF_LEN])
{
	uint32_t rid;

	if (!pf->sriov.present)
		return vpf_error(-ENOTSUP, "%s has no SR-IOV capability%s",
				 pf->bdf, pf->cfg_size <
				 VPF_PCI_CFG_SPACE_EXP_SIZE ?
				 " (its config space has no extended part)" :
				 "");
	if (pf->sriov.num_vfs == 0 || !pf->sriov.vf_enable)
		return vpf_error(-ENODEV, "SR-IOV is disabled on %s (NumVFs "
				 "%u, TotalVFs %u): enable VFs with `echo N > "
				 "/sys/bus/pci/devices/%s/sriov_numvfs` (bound "
				 "to vfio-pci: load it with `modprobe vfio-pci "
				 "enable_sriov=1` first)", pf->bdf,
				 pf->sriov.num_vfs, pf->sriov.total_vfs,
				 pf->bdf);
	if (vf == 0 || vf > pf->sriov.num_vfs)
		return vpf_error(-ERANGE, "VF %u is out of range: %s has %u "
				 "VFs enabled (member ids 1..%u)", vf, pf->bdf,
				 pf->sriov.num_vfs, pf->sriov.num_vfs);
	if (pf->sriov.vf_stride == 0 && vf > 1)
		return vpf_error(-ERANGE, "%s has VF Stride 0 with %u VFs",
				 pf->bdf, pf->sriov.num_vfs);
	/* Routing id = bus << 8 | devfn (PCIe SR-IOV 2.1.3). */
	rid = ((uint32_t)pf->bus << 8 | (uint32_t)pf->dev << 3 | pf->func) +
	      pf->sriov.vf_offset + (uint32_t)(vf - 1) * pf->sriov.vf_stride;
	if (rid > 0xffff)
		return vpf_error(-ERANGE, "VF %u of %s would be routing id "
				 "0x%" PRIx32 ", beyond bus ff", vf, pf->bdf,
				 rid);
	snprintf(bdf, VPF_PCI_BDF_LEN, "%04x:%02x:%02x.%x", pf->domain,
		 rid >> 8, (rid >> 3) & 0x1f, rid & 7);
	return 0;
}

int
vpf_pci_vf_member(const struct vpf_pci_func *pf, const char *vf_bdf,
		  uint16_t *vf)
{
	char want[VPF_PCI_BDF_LEN], b[VPF_PCI_BDF_LEN];
	unsigned int dom, bus, dev, fn;
	uint32_t first, rid, n;
	int rc;

	rc = vpf_pci_bdf_parse(vf_bdf, want);
	if (rc)
		return rc;
	rc = vpf_pci_vf_bdf(pf, 1, b);	/* SR-IOV present and enabled? */
	if (rc)
		return rc;
	if (sscanf(want, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return vpf_error(-EINVAL, "'%s' is not a PCI address", want);
	/* Invert routing id = PF + offset + (n - 1) * stride. */
	first = ((uint32_t)pf->bus << 8 | (uint32_t)pf->dev << 3 | pf->func) +
		pf->sriov.vf_offset;
	rid = bus << 8 | dev << 3 | fn;
	if (dom == pf->domain && rid >= first) {
		if (pf->sriov.vf_stride == 0)
			n = rid == first ? 1 : 0;
		else if ((rid - first) % pf->sriov.vf_stride == 0)
			n = (rid - first) / pf->sriov.vf_stride + 1;
		else
			n = 0;
		if (n >= 1 && n <= pf->sriov.num_vfs) {
			*vf = (uint16_t)n;
			return 0;
		}
	}
	return vpf_error(-ENOENT, "%s is not one of the %u VFs of %s", want,
			 pf->sriov.num_vfs, pf->bdf);
}

struct sbuf {
	char *p;
	size_t len;
	size_t used;
};

static void VPF_PRINTF(2, 3)
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->used < b->len ? b->p + b->used : NULL,
		      b->used < b->len ? b->len - b->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->used += (size_t)n;
}

/* Most vf<n>_bdf lines vpf_pci_describe() prints (vpf-cli attaches up to
 * 256 VFs; a real PF may enable more, up to TotalVFs). */
#define DESCRIBE_VFS_MAX	256

/* Member id n <-> VF BDF (doc/protocol.md §3.7), one line per enabled VF, so
 * that an operator can tell which VF a VM holds. */
static void
describe_vfs(struct sbuf *b, const struct vpf_pci_func *f)
{
	char bdf[VPF_PCI_BDF_LEN];
	unsigned int vf, n;

	n = f->sriov.num_vfs < DESCRIBE_VFS_MAX ? f->sriov.num_vfs :
						   DESCRIBE_VFS_MAX;
	for (vf = 1; vf <= n; vf++) {
		/* fails only for a malformed capability (stride 0, routing
		 * ids beyond bus ff): say so and stop */
		if (vpf_pci_vf_bdf(f, (uint16_t)vf, bdf) < 0) {
			sb_add(b, "vf%u_bdf: invalid (%s)\n", vf,
			       vpf_last_error());
			return;
		}
		sb_add(b, "vf%u_bdf: %s\n", vf, bdf);
	}
	if (f->sriov.num_vfs > n)
		sb_add(b, "vf_bdf_listed: %u of %u\n", n, f->sriov.num_vfs);
}

int
vpf_pci_describe(const struct vpf_pci_func *f, char *buf, size_t len)
{
	struct sbuf b = { .p = buf, .len = len, .used = 0 };
	unsigned int i;

	if (f == NULL || (buf == NULL && len))
		return -EINVAL;
	if (len)
		buf[0] = '\0';
	sb_add(&b, "bdf: %s\n", f->bdf);
	sb_add(&b, "ids: %04x:%04x subsystem %04x:%04x rev %02x\n",
	       f->vendor_id, f->device_id, f->subsys_vendor_id, f->subsys_id,
	       f->revision);
	sb_add(&b, "type: %s (%u)%s\n", vpf_pci_virtio_type_name(f->virtio_type),
	       f->virtio_type, f->transitional ? " transitional" : "");
	sb_add(&b, "driver: %s\n", !f->driver_known ? "unknown" :
	       f->driver[0] ? f->driver : "none");
	if (f->iommu_group >= 0)
		sb_add(&b, "iommu_group: %d\n", f->iommu_group);
	else
		sb_add(&b, "iommu_group: %s\n",
		       f->iommu_group == VPF_PCI_IOMMU_GROUP_NONE ? "none" :
		       "unknown");
	sb_add(&b, "cfg_size: %" PRIu32 "\n", f->cfg_size);
	for (i = 0; i < 6; i++) {
		if (!f->bar_sizes_known)
			continue;
		if (f->bar_size[i])
			sb_add(&b, "bar%u: 0x%" PRIx64 "\n", i, f->bar_size[i]);
	}
	if (!f->bar_sizes_known)
		sb_add(&b, "bars: unknown\n");
	for (i = 0; i < f->n_caps; i++) {
		const struct vpf_pci_virtio_cap *c = &f->caps[i];

		sb_add(&b, "cap: 0x%02x %s bar=%u offset=0x%08" PRIx32
		       " length=0x%08" PRIx32, c->pos,
		       vpf_pci_cap_type_name(c->cfg_type), c->bar, c->offset,
		       c->length);
		if (c->cfg_type == VPF_PCI_CAP_NOTIFY_CFG)
			sb_add(&b, " multiplier=%" PRIu32,
			       c->notify_off_multiplier);
		sb_add(&b, "\n");
	}
	if (f->has_msix)
		sb_add(&b, "msix: %u vectors table bar=%u offset=0x%" PRIx32
		       " pba bar=%u offset=0x%" PRIx32 "\n", f->msix_table_size,
		       f->msix_table_bar, f->msix_table_offset,
		       f->msix_pba_bar, f->msix_pba_offset);
	if (f->sriov.present)
		sb_add(&b, "sriov: total_vfs=%u num_vfs=%u vf_enable=%u "
		       "vf_offset=%u vf_stride=%u vf_device=%04x\n",
		       f->sriov.total_vfs, f->sriov.num_vfs,
		       f->sriov.vf_enable, f->sriov.vf_offset,
		       f->sriov.vf_stride, f->sriov.vf_device_id);
	if (f->sriov.present && f->sriov.vf_enable && f->sriov.num_vfs > 0)
		describe_vfs(&b, f);
	if (!f->sriov.present)
		sb_add(&b, "sriov: %s\n", f->cfg_size <
		       VPF_PCI_CFG_SPACE_EXP_SIZE ?
		       "none (no extended config space)" : "none");
	sb_add(&b, "admin_queue_cfg: %s\n", f->admin_cfg_ok ? "yes" : "no");
	if (f->notes[0])
		sb_add(&b, "notes: %s\n", f->notes);
	return (int)b.used;
}
