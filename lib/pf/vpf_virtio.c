/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Generic virtio-pci layer (modern devices, virtio 1.x 4.1): capability walk,
 * reset, feature negotiation, queue setup. Every byte read from the device is
 * range-checked and every loop is bounded, so a malformed or vanished device
 * gives an error, never a hang (doc/protocol.md §3, §3.6).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>

#include "vpf_virtio.h"
#include "pf/pf_internal.h"

VPF_LOG_REGISTER(pf);

void
vpf_sleep_us(uint32_t us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000u,
		.tv_nsec = (long)(us % 1000000u) * 1000,
	};

	nanosleep(&ts, NULL);
}

static int
cfg_rd(struct vpf_virtio_dev *vd, uint32_t off, void *buf, uint32_t len)
{
	int rc;

	if (off > vd->cfg_size || len > vd->cfg_size - off)
		return vpf_error(-EIO, "config read 0x%x+%u is outside the %u-byte config space",
				 off, len, vd->cfg_size);
	rc = vd->ops->cfg_read(vd->dev, off, buf, len);
	if (rc < 0)
		return vpf_error(rc, "config space read at 0x%x failed (%d)", off, rc);
	return 0;
}

static int
cfg_rd8(struct vpf_virtio_dev *vd, uint32_t off, uint8_t *v)
{
	return cfg_rd(vd, off, v, 1);
}

static int
cfg_rd16(struct vpf_virtio_dev *vd, uint32_t off, uint16_t *v)
{
	uint8_t b[2];
	int rc = cfg_rd(vd, off, b, 2);

	if (rc == 0)
		*v = (uint16_t)(b[0] | b[1] << 8);
	return rc;
}

static int
cfg_rd32(struct vpf_virtio_dev *vd, uint32_t off, uint32_t *v)
{
	uint8_t b[4];
	int rc = cfg_rd(vd, off, b, 4);

	if (rc == 0)
		*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		     (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return rc;
}

static const char *
cfg_type_name(uint8_t t)
{
	switch (t) {
	case VPF_PCI_CAP_COMMON_CFG: return "common cfg";
	case VPF_PCI_CAP_NOTIFY_CFG: return "notify cfg";
	case VPF_PCI_CAP_ISR_CFG: return "ISR cfg";
	case VPF_PCI_CAP_DEVICE_CFG: return "device cfg";
	default: return "virtio";
	}
}

static int
probe_vndr_cap(struct vpf_virtio_dev *vd, uint8_t pos)
{
	struct vpf_pci_cap cap;
	struct vpf_virtio_region *r;
	uint64_t off, len, barlen;
	int rc;

	if ((uint32_t)pos + sizeof(cap) > VPF_PCI_CFG_SPACE_SIZE)
		return vpf_error(-EIO, "virtio capability at 0x%x runs past the config header",
				 pos);
	rc = cfg_rd(vd, pos, &cap, sizeof(cap));
	if (rc < 0)
		return rc;
	switch (cap.cfg_type) {
	case VPF_PCI_CAP_COMMON_CFG: r = &vd->common; break;
	case VPF_PCI_CAP_NOTIFY_CFG: r = &vd->notify; break;
	case VPF_PCI_CAP_ISR_CFG: r = &vd->isr; break;
	case VPF_PCI_CAP_DEVICE_CFG: r = &vd->device; break;
	default: return 0; /* PCI cfg access, shared memory, vendor: unused */
	}
	/* The first capability of a type is the preferred one (4.1.4). */
	if (r->present)
		return 0;
	/* "The driver MUST ignore any vendor-specific capability structure
	 * which has a reserved bar value." */
	if (cap.bar > 5)
		return 0;
	if (cap.cap_len < sizeof(cap))
		return vpf_error(-EIO, "%s capability at 0x%x has cap_len %u, needs %zu",
				 cfg_type_name(cap.cfg_type), pos, cap.cap_len,
				 sizeof(cap));
	if (vd->bar_len[cap.bar] == 0)
		return vpf_error(-EIO, "%s capability at 0x%x names BAR %u, which is not implemented",
				 cfg_type_name(cap.cfg_type), pos, cap.bar);
	off = rte_le_to_cpu_32(cap.offset);
	len = rte_le_to_cpu_32(cap.length);
	barlen = vd->bar_len[cap.bar];
	if (len == 0 || off > barlen || len > barlen - off)
		return vpf_error(-EIO, "%s capability at 0x%x: range 0x%" PRIx64 "+0x%" PRIx64
				 " lies outside BAR %u (0x%" PRIx64 " bytes)",
				 cfg_type_name(cap.cfg_type), pos, off, len,
				 cap.bar, barlen);
	if (cap.cfg_type == VPF_PCI_CAP_NOTIFY_CFG) {
		uint32_t mult = 0;

		if (cap.cap_len < sizeof(struct vpf_pci_notify_cap) ||
		    (uint32_t)pos + sizeof(struct vpf_pci_notify_cap) >
		    VPF_PCI_CFG_SPACE_SIZE)
			return vpf_error(-EIO, "notify capability at 0x%x is too short (%u bytes)",
					 pos, cap.cap_len);
		rc = cfg_rd32(vd, pos + 16u, &mult);
		if (rc < 0)
			return rc;
		vd->notify_off_multiplier = mult;
	}
	r->present = true;
	r->bar = cap.bar;
	r->cap_pos = pos;
	r->offset = off;
	r->length = len;
	return 0;
}

static int
probe_sriov(struct vpf_virtio_dev *vd, uint16_t pos)
{
	struct vpf_virtio_sriov *s = &vd->sriov;
	uint16_t ctrl;
	int rc;

	if ((uint32_t)pos + VPF_SRIOV_CAP_LEN > vd->cfg_size)
		return vpf_error(-EIO, "SR-IOV capability at 0x%x runs past the config space",
				 pos);
	s->pos = pos;
	rc = cfg_rd16(vd, pos + VPF_SRIOV_CTRL, &ctrl);
	if (rc == 0)
		rc = cfg_rd16(vd, pos + VPF_SRIOV_TOTAL_VF, &s->total_vfs);
	if (rc == 0)
		rc = cfg_rd16(vd, pos + VPF_SRIOV_NUM_VF, &s->num_vfs);
	if (rc == 0)
		rc = cfg_rd16(vd, pos + VPF_SRIOV_VF_OFFSET, &s->vf_offset);
	if (rc == 0)
		rc = cfg_rd16(vd, pos + VPF_SRIOV_VF_STRIDE, &s->vf_stride);
	if (rc < 0)
		return rc;
	s->vf_enabled = (ctrl & VPF_SRIOV_CTRL_VFE) != 0;
	if (s->num_vfs > s->total_vfs)
		return vpf_error(-EIO, "SR-IOV NumVFs %u exceeds TotalVFs %u",
				 s->num_vfs, s->total_vfs);
	return 0;
}

/* An all-ones read in the middle of a capability list: the vendor id
 * tells a removed function (all-ones everywhere) from an odd header. */
static int
probe_gone_check(struct vpf_virtio_dev *vd, uint32_t pos)
{
	uint16_t vendor = 0;
	int rc;

	rc = cfg_rd16(vd, VPF_PCI_VENDOR_ID, &vendor);
	if (rc < 0)
		return rc;
	if (vendor == 0xffff) {
		vd->gone = true;
		return vpf_error(-ENODEV, "device is gone (extended capability at 0x%x reads all-ones)",
				 pos);
	}
	return 0;
}

static int
probe_ext_caps(struct vpf_virtio_dev *vd)
{
	uint8_t seen[(VPF_PCI_CFG_SPACE_EXP_SIZE / 4 + 7) / 8];
	uint32_t pos = VPF_PCI_EXT_CAP_START, hdr = 0;
	unsigned int n = 0;
	int rc;

	memset(seen, 0, sizeof(seen));
	while (pos != 0) {
		if (pos < VPF_PCI_EXT_CAP_START || pos + 4 > vd->cfg_size)
			return vpf_error(-EIO, "extended capability pointer 0x%x is out of range",
					 pos);
		if (seen[pos / 4 / 8] & (1u << (pos / 4 % 8)))
			return vpf_error(-EIO, "extended capability list loops at 0x%x",
					 pos);
		seen[pos / 4 / 8] |= (uint8_t)(1u << (pos / 4 % 8));
		if (++n > VPF_PCI_CFG_SPACE_EXP_SIZE / 4)
			return vpf_error(-EIO, "extended capability list too long");
		rc = cfg_rd32(vd, pos, &hdr);
		if (rc < 0)
			return rc;
		/* Only the header at 0x100 says the list is empty: 0 (PCIe),
		 * or all-ones (no extended config space behind this host). */
		if (pos == VPF_PCI_EXT_CAP_START && (hdr == 0 || hdr == 0xffffffffu))
			break;
		/* Further on, all-ones is a header like any other (its next
		 * pointer 0xffc is followed, as discovery does), unless the
		 * function is gone: then it is a removal, not a list. */
		if (hdr == 0xffffffffu) {
			rc = probe_gone_check(vd, pos);
			if (rc < 0)
				return rc;
		}
		if ((hdr & 0xffff) == VPF_PCI_EXT_CAP_ID_SRIOV && vd->sriov.pos == 0) {
			rc = probe_sriov(vd, (uint16_t)pos);
			if (rc < 0)
				return rc;
		}
		/* The low two bits of Next Capability Offset are reserved:
		 * software must mask them (PCIe 7.6.3). */
		pos = (hdr >> 20) & 0xffcu;
	}
	return 0;
}

int
vpf_virtio_probe(struct vpf_virtio_dev *vd, const struct vpf_pf_ops *ops,
		 void *dev)
{
	uint8_t seen[VPF_PCI_CFG_SPACE_SIZE / 4 / 8];
	uint16_t status;
	uint8_t pos, id;
	unsigned int n = 0, i;
	int rc;

	if (vd == NULL || ops == NULL || ops->cfg_read == NULL ||
	    ops->bar_read == NULL || ops->bar_write == NULL ||
	    ops->dma_alloc == NULL || ops->dma_free == NULL)
		return vpf_error(-EINVAL, "incomplete backend ops table");
	memset(vd, 0, sizeof(*vd));
	vd->ops = ops;
	vd->dev = dev;
	vd->cfg_size = ops->cfg_size != NULL ? ops->cfg_size(dev) :
		       VPF_PCI_CFG_SPACE_SIZE;
	if (vd->cfg_size != VPF_PCI_CFG_SPACE_SIZE &&
	    vd->cfg_size != VPF_PCI_CFG_SPACE_EXP_SIZE)
		return vpf_error(-EIO, "config space size %u is neither 256 nor 4096",
				 vd->cfg_size);

	rc = cfg_rd16(vd, VPF_PCI_VENDOR_ID, &vd->vendor_id);
	if (rc == 0)
		rc = cfg_rd16(vd, VPF_PCI_DEVICE_ID, &vd->device_id);
	if (rc < 0)
		return rc;
	if (vd->vendor_id == 0xffff) {
		vd->gone = true;
		return vpf_error(-ENODEV, "device is gone (vendor id reads 0xffff)");
	}
	for (i = 0; i < 6; i++) {
		uint64_t sz = 0;

		if (ops->bar_size != NULL && ops->bar_size(dev, (uint8_t)i, &sz) == 0)
			vd->bar_len[i] = sz;
	}

	rc = cfg_rd16(vd, VPF_PCI_STATUS, &status);
	if (rc < 0)
		return rc;
	if (!(status & VPF_PCI_STATUS_CAP_LIST))
		return vpf_error(-ENOTSUP, "device has no capability list");
	rc = cfg_rd8(vd, VPF_PCI_CAPABILITY_LIST, &pos);
	if (rc < 0)
		return rc;
	memset(seen, 0, sizeof(seen));
	pos &= 0xfc;
	while (pos != 0) {
		uint8_t next;

		/* Standard capabilities live after the 64-byte header. */
		if (pos < 0x40)
			return vpf_error(-EIO, "capability pointer 0x%x points into the config header",
					 pos);
		if (seen[pos / 4 / 8] & (1u << (pos / 4 % 8)))
			return vpf_error(-EIO, "capability list loops at 0x%x", pos);
		seen[pos / 4 / 8] |= (uint8_t)(1u << (pos / 4 % 8));
		if (++n > VPF_VIRTIO_MAX_CAPS)
			return vpf_error(-EIO, "capability list has more than %u entries",
					 VPF_VIRTIO_MAX_CAPS);
		rc = cfg_rd8(vd, pos, &id);
		if (rc == 0)
			rc = cfg_rd8(vd, pos + 1u, &next);
		if (rc < 0)
			return rc;
		if (id == 0xff && next == 0xff) {
			vd->gone = true;
			return vpf_error(-ENODEV, "device is gone (capability reads all-ones)");
		}
		if (id == VPF_PCI_CAP_ID_VNDR) {
			rc = probe_vndr_cap(vd, pos);
			if (rc < 0)
				return rc;
		}
		pos = next & 0xfc;
	}
	if (!vd->common.present)
		return vpf_error(-ENOTSUP, "device has no virtio common cfg capability (not a modern virtio-pci device)");
	if (!vd->notify.present)
		return vpf_error(-ENOTSUP, "device has no virtio notify capability");
	if (vd->cfg_size >= VPF_PCI_CFG_SPACE_EXP_SIZE) {
		rc = probe_ext_caps(vd);
		if (rc < 0)
			return rc;
	}
	VPF_LOG(pf, DEBUG, "%04x:%04x common BAR%u+0x%" PRIx64 "/%" PRIu64
	       " notify BAR%u+0x%" PRIx64 " x%u sriov@0x%x vfs %u/%u",
	       vd->vendor_id, vd->device_id, vd->common.bar, vd->common.offset,
	       vd->common.length, vd->notify.bar, vd->notify.offset,
	       vd->notify_off_multiplier, vd->sriov.pos, vd->sriov.num_vfs,
	       vd->sriov.total_vfs);
	return 0;
}

int
vpf_virtio_common_read(struct vpf_virtio_dev *vd, uint32_t off,
		       unsigned int width, uint64_t *val)
{
	int rc;

	if (off > vd->common.length || width > vd->common.length - off)
		return vpf_error(-EIO, "common cfg register 0x%x is beyond its %" PRIu64 " bytes",
				 off, vd->common.length);
	rc = vd->ops->bar_read(vd->dev, vd->common.bar, vd->common.offset + off,
			       width, val);
	if (rc < 0)
		return vpf_error(rc, "common cfg read at 0x%x failed (%d)", off, rc);
	return 0;
}

int
vpf_virtio_common_write(struct vpf_virtio_dev *vd, uint32_t off,
			unsigned int width, uint64_t val)
{
	int rc;

	if (off > vd->common.length || width > vd->common.length - off)
		return vpf_error(-EIO, "common cfg register 0x%x is beyond its %" PRIu64 " bytes",
				 off, vd->common.length);
	rc = vd->ops->bar_write(vd->dev, vd->common.bar, vd->common.offset + off,
				width, val);
	if (rc < 0)
		return vpf_error(rc, "common cfg write at 0x%x failed (%d)", off, rc);
	return 0;
}

int
vpf_virtio_device_cfg_read(struct vpf_virtio_dev *vd, uint32_t off,
			   unsigned int width, uint64_t *val)
{
	int rc;

	if (!vd->device.present)
		return vpf_error(-ENOTSUP, "device has no device-specific config");
	if (off > vd->device.length || width > vd->device.length - off)
		return vpf_error(-ERANGE, "device cfg read 0x%x+%u is beyond its %" PRIu64 " bytes",
				 off, width, vd->device.length);
	rc = vd->ops->bar_read(vd->dev, vd->device.bar, vd->device.offset + off,
			       width, val);
	if (rc < 0)
		return vpf_error(rc, "device cfg read at 0x%x failed (%d)", off, rc);
	return 0;
}

int
vpf_virtio_status_get(struct vpf_virtio_dev *vd, uint8_t *status)
{
	uint64_t v;
	int rc;

	rc = vpf_virtio_common_read(vd, VPF_COMMON_STATUS, 1, &v);
	if (rc < 0)
		return rc;
	*status = (uint8_t)v;
	if (*status == 0xff) {
		/* FAILED | NEEDS_RESET | ... all at once: the read returned
		 * all-ones, the function is gone (doc/protocol.md §3.6). */
		vd->gone = true;
		return vpf_error(-ENODEV, "device is gone (device_status reads 0xff)");
	}
	return 0;
}

int
vpf_virtio_status_add(struct vpf_virtio_dev *vd, uint8_t bits)
{
	uint8_t st;
	int rc;

	rc = vpf_virtio_status_get(vd, &st);
	if (rc < 0)
		return rc;
	return vpf_virtio_common_write(vd, VPF_COMMON_STATUS, 1, st | bits);
}

int
vpf_virtio_reset(struct vpf_virtio_dev *vd, uint32_t timeout_us)
{
	uint64_t deadline = vpf_now_ns() + (uint64_t)timeout_us * 1000u;
	uint32_t sleep_us = 1;
	uint8_t st;
	int rc;

	rc = vpf_virtio_common_write(vd, VPF_COMMON_STATUS, 1, 0);
	if (rc < 0)
		return rc;
	for (;;) {
		rc = vpf_virtio_status_get(vd, &st);
		if (rc < 0)
			return rc;
		if (st == 0)
			return 0;
		if (vpf_now_ns() > deadline)
			return vpf_error(-ETIMEDOUT,
					 "device did not complete reset within %u us (device_status 0x%02x)",
					 timeout_us, st);
		vpf_sleep_us(sleep_us);
		if (sleep_us < 1000)
			sleep_us *= 2;
	}
}

const char *
vpf_virtio_feature_name(const struct vpf_virtio_dev *vd, unsigned int bit)
{
	static __thread char buf[32];

	switch (bit) {
	case 28: return "VIRTIO_F_INDIRECT_DESC";
	case 29: return "VIRTIO_F_EVENT_IDX";
	case VPF_F_VERSION_1: return "VIRTIO_F_VERSION_1";
	case VPF_F_ACCESS_PLATFORM: return "VIRTIO_F_ACCESS_PLATFORM";
	case VPF_F_RING_PACKED: return "VIRTIO_F_RING_PACKED";
	case VPF_F_IN_ORDER: return "VIRTIO_F_IN_ORDER";
	case 36: return "VIRTIO_F_ORDER_PLATFORM";
	case VPF_F_SR_IOV: return "VIRTIO_F_SR_IOV";
	case VPF_F_NOTIFICATION_DATA: return "VIRTIO_F_NOTIFICATION_DATA";
	case VPF_F_NOTIF_CONFIG_DATA: return "VIRTIO_F_NOTIF_CONFIG_DATA";
	case VPF_F_RING_RESET: return "VIRTIO_F_RING_RESET";
	case VPF_F_ADMIN_VQ: return "VIRTIO_F_ADMIN_VQ";
	default: break;
	}
	if (vd != NULL && vd->device_id == VPF_VIRTIO_PCI_DEVICE_NET) {
		switch (bit) {
		case 0: return "VIRTIO_NET_F_CSUM";
		case 3: return "VIRTIO_NET_F_MTU";
		case 5: return "VIRTIO_NET_F_MAC";
		case 16: return "VIRTIO_NET_F_STATUS";
		case VPF_NET_F_CTRL_VQ: return "VIRTIO_NET_F_CTRL_VQ";
		case 18: return "VIRTIO_NET_F_CTRL_RX";
		case 22: return "VIRTIO_NET_F_MQ";
		default: break;
		}
	}
	snprintf(buf, sizeof(buf), "feature bit %u", bit);
	return buf;
}

static int
features_rw(struct vpf_virtio_dev *vd, bool write, uint64_t *f)
{
	uint32_t sel_off = write ? VPF_COMMON_GFSELECT : VPF_COMMON_DFSELECT;
	uint32_t val_off = write ? VPF_COMMON_GF : VPF_COMMON_DF;
	uint64_t v;
	unsigned int i;
	int rc;

	if (!write)
		*f = 0;
	for (i = 0; i < 2; i++) {
		rc = vpf_virtio_common_write(vd, sel_off, 4, i);
		if (rc < 0)
			return rc;
		if (write) {
			rc = vpf_virtio_common_write(vd, val_off, 4,
						     (uint32_t)(*f >> (32 * i)));
		} else {
			rc = vpf_virtio_common_read(vd, val_off, 4, &v);
			*f |= (v & 0xffffffffu) << (32 * i);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
vpf_virtio_negotiate(struct vpf_virtio_dev *vd, uint64_t required,
		     uint64_t optional)
{
	uint64_t missing, want;
	char msg[256];
	size_t n = 0;
	uint8_t st;
	unsigned int b;
	int rc;

	required |= VPF_FEATURE(VPF_F_VERSION_1);
	/* The split ring here polls flags only and writes plain queue indices
	 * to the doorbell: features that change either are never taken. */
	if (required & VPF_VIRTIO_F_UNSUPPORTED) {
		for (b = 0; b < 64; b++)
			if (required & VPF_VIRTIO_F_UNSUPPORTED & VPF_FEATURE(b))
				break;
		return vpf_error(-ENOTSUP, "%s is not supported by vpf's split virtqueue",
				 vpf_virtio_feature_name(vd, b));
	}
	optional &= ~VPF_VIRTIO_F_UNSUPPORTED;
	rc = features_rw(vd, false, &vd->device_features);
	if (rc < 0)
		return rc;
	missing = required & ~vd->device_features;
	if (missing) {
		msg[0] = '\0';
		for (b = 0; b < 64 && n < sizeof(msg); b++) {
			if (!(missing & VPF_FEATURE(b)))
				continue;
			n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s",
					      n ? ", " : "",
					      vpf_virtio_feature_name(vd, b));
		}
		return vpf_error(-ENOTSUP, "device does not offer %s", msg);
	}
	want = required | (optional & vd->device_features);
	rc = features_rw(vd, true, &want);
	if (rc < 0)
		return rc;
	rc = vpf_virtio_status_add(vd, VPF_STATUS_FEATURES_OK);
	if (rc < 0)
		return rc;
	rc = vpf_virtio_status_get(vd, &st);
	if (rc < 0)
		return rc;
	if (!(st & VPF_STATUS_FEATURES_OK))
		return vpf_error(-EIO,
				 "device did not accept the features 0x%" PRIx64
				 " (FEATURES_OK not set)", want);
	vd->driver_features = want;
	return 0;
}

int
vpf_virtio_common_check(const struct vpf_virtio_dev *vd, uint32_t min_len)
{
	if (vd->common.length < min_len)
		return vpf_error(-ENOTSUP, "common cfg is %" PRIu64 " bytes, need %u",
				 vd->common.length, min_len);
	return 0;
}

int
vpf_virtio_driver_ok(struct vpf_virtio_dev *vd)
{
	uint8_t st;
	int rc;

	rc = vpf_virtio_status_add(vd, VPF_STATUS_DRIVER_OK);
	if (rc < 0)
		return rc;
	rc = vpf_virtio_status_get(vd, &st);
	if (rc < 0)
		return rc;
	if (st & (VPF_STATUS_FAILED | VPF_STATUS_DEVICE_NEEDS_RESET))
		return vpf_error(-EIO, "device reports status 0x%02x after DRIVER_OK", st);
	if (!(st & VPF_STATUS_DRIVER_OK))
		return vpf_error(-EIO, "device did not take DRIVER_OK (status 0x%02x)", st);
	return 0;
}

int
vpf_virtio_queue_program(struct vpf_virtio_dev *vd, struct vpf_vq *vq)
{
	uint64_t noff, off, data;
	int rc;

	rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_SELECT, 2, vq->index);
	if (rc == 0)
		rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_SIZE, 2, vq->size);
	/* Poll mode: no MSI-X vector for the queue. */
	if (rc == 0)
		rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_MSIX, 2, 0xffff);
	if (rc == 0)
		rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_DESC, 8, vq->desc_iova);
	if (rc == 0)
		rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_DRIVER, 8, vq->avail_iova);
	if (rc == 0)
		rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_DEVICE, 8, vq->used_iova);
	if (rc == 0)
		rc = vpf_virtio_common_read(vd, VPF_COMMON_Q_NOFF, 2, &noff);
	if (rc < 0)
		return rc;
	/* notify.offset + queue_notify_off * notify_off_multiplier, and the
	 * 2-byte doorbell must lie inside the notify structure
	 * (doc/protocol.md §3.5). */
	off = (noff & 0xffff) * (uint64_t)vd->notify_off_multiplier;
	if (off + 2 > vd->notify.length)
		return vpf_error(-EIO, "queue %u: notify offset 0x%" PRIx64
				 " lies outside the %" PRIu64 "-byte notify region",
				 vq->index, off, vd->notify.length);
	data = vq->index;
	if (vd->driver_features & VPF_FEATURE(VPF_F_NOTIF_CONFIG_DATA)) {
		rc = vpf_virtio_common_read(vd, VPF_COMMON_Q_NDATA, 2, &data);
		if (rc < 0)
			return rc;
	}
	vpf_vq_set_notify(vq, vd->notify.bar, vd->notify.offset + off,
			  (uint16_t)data);
	return vpf_virtio_common_write(vd, VPF_COMMON_Q_ENABLE, 2, 1);
}

int
vpf_virtio_queue_setup(struct vpf_virtio_dev *vd, struct vpf_vq *vq,
		       uint16_t index, uint16_t size)
{
	uint64_t max;
	uint16_t n;
	int rc;

	rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_SELECT, 2, index);
	if (rc == 0)
		rc = vpf_virtio_common_read(vd, VPF_COMMON_Q_SIZE, 2, &max);
	if (rc < 0)
		return rc;
	max &= 0xffff;
	if (max == 0)
		return vpf_error(-ENOENT, "queue %u does not exist (queue_size 0)", index);
	if (max == 0xffff) {
		uint8_t st;

		rc = vpf_virtio_status_get(vd, &st);
		if (rc < 0)
			return rc;
	}
	n = (size == 0 || size > max) ? (uint16_t)max : size;
	if (n > VPF_VRING_MAX_SIZE)
		n = VPF_VRING_MAX_SIZE;
	/* Largest power of two not above n: ring indices are masked. */
	while (n & (n - 1))
		n &= (uint16_t)(n - 1);
	rc = vpf_vq_create(vq, vd->ops, vd->dev, index, n);
	if (rc < 0)
		return rc;
	rc = vpf_virtio_queue_program(vd, vq);
	if (rc < 0) {
		vpf_vq_destroy(vq);
		return rc;
	}
	return 0;
}

int
vpf_virtio_queue_reset(struct vpf_virtio_dev *vd, struct vpf_vq *vq,
		       uint32_t timeout_us)
{
	uint64_t deadline = vpf_now_ns() + (uint64_t)timeout_us * 1000u;
	uint64_t v;
	uint8_t st;
	int rc;

	if (!(vd->driver_features & VPF_FEATURE(VPF_F_RING_RESET)))
		return vpf_error(-ENOTSUP, "VIRTIO_F_RING_RESET not negotiated");
	rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_SELECT, 2, vq->index);
	if (rc == 0)
		rc = vpf_virtio_common_write(vd, VPF_COMMON_Q_RESET, 2, 1);
	if (rc < 0)
		return rc;
	/* The reset is complete when queue_reset reads back 1 (4.1.4.3.2). */
	for (;;) {
		rc = vpf_virtio_common_read(vd, VPF_COMMON_Q_RESET, 2, &v);
		if (rc < 0)
			return rc;
		if ((v & 0xffff) == 1)
			break;
		rc = vpf_virtio_status_get(vd, &st);
		if (rc < 0)
			return rc;
		if (vpf_now_ns() > deadline)
			return vpf_error(-ETIMEDOUT, "queue %u: reset did not complete within %u us",
					 vq->index, timeout_us);
		vpf_sleep_us(10);
	}
	vpf_vq_reinit(vq);
	return vpf_virtio_queue_program(vd, vq);
}
