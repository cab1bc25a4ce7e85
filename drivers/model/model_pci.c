/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The PCI function: the 4 KiB configuration space (header, PCIe, MSI-X,
 * the virtio vendor capabilities, SR-IOV), its writable bits, the virtio
 * PCI cfg access window, and the `lspci -xxxx` dump. Layout:
 * doc/model.md "Config space".
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/vpf_le.h"
#include "model_internal.h"

uint16_t
model_num_vfs(const struct vpf_model *m)
{
	uint16_t ctrl, num;

	if (m->p.off & VPF_MODEL_OFF_SR_IOV)
		return 0;
	ctrl = vpf_le16_load(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_CTRL]);
	num = vpf_le16_load(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF]);
	if (!(ctrl & VPF_SRIOV_CTRL_VFE))
		return 0;
	return num > m->total_vfs ? m->total_vfs : num;
}

static void
vcap(uint8_t *c, uint8_t at, uint8_t next, uint8_t len, uint8_t type,
     uint32_t off, uint32_t length)
{
	c[at + 0] = VPF_PCI_CAP_ID_VNDR;
	c[at + 1] = next;
	c[at + 2] = len;
	c[at + 3] = type;
	c[at + 4] = 0;		/* BAR0 */
	c[at + 5] = 0;
	vpf_le32_store(&c[at + 8], off);
	vpf_le32_store(&c[at + 12], length);
}

void
model_cfg_build(struct vpf_model *m)
{
	uint8_t *c = m->cfg;
	uint8_t *w = m->wmask;
	uint32_t off = m->p.off;
	uint32_t common_off = MODEL_COMMON_OFF;
	uint32_t common_len = VPF_COMMON_CFG_LEN;

	memset(c, 0, sizeof(m->cfg));
	memset(w, 0, sizeof(m->wmask));
	vpf_le16_store(&c[VPF_PCI_VENDOR_ID], VPF_VIRTIO_PCI_VENDOR);
	vpf_le16_store(&c[VPF_PCI_DEVICE_ID], VPF_VIRTIO_PCI_DEVICE_NET);
	vpf_le16_store(&c[VPF_PCI_STATUS], VPF_PCI_STATUS_CAP_LIST | 0x0010);
	c[VPF_PCI_REVISION_ID] = 0x01;
	c[0x0b] = 0x02;			/* class: network controller */
	c[0x0e] = 0x00;			/* header type 0 */
	/* BAR0: 64-bit memory, non-prefetchable. */
	vpf_le32_store(&c[VPF_PCI_BASE_ADDRESS_0], 0xfd000000u | 0x4);
	vpf_le32_store(&c[VPF_PCI_BASE_ADDRESS_0 + 4], 0);
	vpf_le16_store(&c[0x2c], VPF_VIRTIO_PCI_VENDOR);
	vpf_le16_store(&c[VPF_PCI_SUBSYSTEM_ID], 0x1100);
	c[VPF_PCI_CAPABILITY_LIST] = MODEL_CAP_PCIE;
	c[0x3d] = 1;			/* INTx pin A */

	/* PCI Express capability (v2, endpoint): extended space exists. */
	c[MODEL_CAP_PCIE] = VPF_PCI_CAP_ID_EXP;
	c[MODEL_CAP_PCIE + 1] = MODEL_CAP_MSIX;
	vpf_le16_store(&c[MODEL_CAP_PCIE + 2], 0x0002);
	vpf_le32_store(&c[MODEL_CAP_PCIE + 4], 0x10008000u); /* FLR capable */

	/* MSI-X: 8 vectors, table and PBA in BAR0. */
	c[MODEL_CAP_MSIX] = VPF_PCI_CAP_ID_MSIX;
	c[MODEL_CAP_MSIX + 1] = MODEL_CAP_COMMON;
	vpf_le16_store(&c[MODEL_CAP_MSIX + 2], MODEL_MSIX_VECTORS - 1);
	vpf_le32_store(&c[MODEL_CAP_MSIX + 4], MODEL_MSIX_TABLE_OFF);
	vpf_le32_store(&c[MODEL_CAP_MSIX + 8], MODEL_MSIX_PBA_OFF);

	if (off & VPF_MODEL_OFF_LONG_COMMON_CFG)
		common_len = VPF_COMMON_CFG_LEN_LEGACY;
	if (off & VPF_MODEL_OFF_CAP_BOUNDS)
		common_off = MODEL_BAR0_SIZE - 0x20;
	vcap(c, MODEL_CAP_COMMON, MODEL_CAP_NOTIFY, 16, VPF_PCI_CAP_COMMON_CFG,
	     common_off, common_len);
	vcap(c, MODEL_CAP_NOTIFY, MODEL_CAP_ISR, 20, VPF_PCI_CAP_NOTIFY_CFG,
	     MODEL_NOTIFY_OFF, MODEL_NOTIFY_LEN);
	vpf_le32_store(&c[MODEL_CAP_NOTIFY + 16], MODEL_NOTIFY_MULT);
	vcap(c, MODEL_CAP_ISR, MODEL_CAP_DEVICE, 16, VPF_PCI_CAP_ISR_CFG,
	     MODEL_ISR_OFF, MODEL_ISR_LEN);
	vcap(c, MODEL_CAP_DEVICE, MODEL_CAP_PCICFG, 16,
	     VPF_PCI_CAP_DEVICE_CFG, MODEL_DEVCFG_OFF, MODEL_DEVCFG_LEN);
	vcap(c, MODEL_CAP_PCICFG,
	     (off & VPF_MODEL_OFF_CAP_LIST) ? MODEL_CAP_PCIE : 0, 20,
	     VPF_PCI_CAP_PCI_CFG, 0, 0);

	/* SR-IOV extended capability. */
	if (!(off & VPF_MODEL_OFF_SR_IOV)) {
		uint8_t *s = &c[MODEL_EXT_SRIOV];
		bool vfe = !(off & VPF_MODEL_OFF_VF_ENABLE);

		vpf_le32_store(s, VPF_PCI_EXT_CAP_ID_SRIOV | (1u << 16));
		vpf_le16_store(s + VPF_SRIOV_CTRL, vfe ?
			       VPF_SRIOV_CTRL_VFE | VPF_SRIOV_CTRL_MSE : 0);
		vpf_le16_store(s + VPF_SRIOV_INITIAL_VF, m->total_vfs);
		vpf_le16_store(s + VPF_SRIOV_TOTAL_VF, m->total_vfs);
		vpf_le16_store(s + VPF_SRIOV_NUM_VF, vfe ? m->total_vfs : 0);
		vpf_le16_store(s + VPF_SRIOV_VF_OFFSET, 1);
		vpf_le16_store(s + VPF_SRIOV_VF_STRIDE, 1);
		vpf_le16_store(s + VPF_SRIOV_VF_DID, VPF_VIRTIO_PCI_DEVICE_NET);
		vpf_le32_store(s + VPF_SRIOV_SUP_PGSIZE, 0x553);
		vpf_le32_store(s + VPF_SRIOV_SYS_PGSIZE, 1);
		vpf_le32_store(s + VPF_SRIOV_BAR, 0x4);
		s = &w[MODEL_EXT_SRIOV];
		vpf_le16_store(s + VPF_SRIOV_CTRL,
			       VPF_SRIOV_CTRL_VFE | VPF_SRIOV_CTRL_MSE);
		vpf_le16_store(s + VPF_SRIOV_NUM_VF, 0xffff);
		vpf_le32_store(s + VPF_SRIOV_SYS_PGSIZE, 0xffffffffu);
	}

	/* Writable bits. */
	vpf_le16_store(&w[VPF_PCI_COMMAND], 0x0547);
	vpf_le32_store(&w[VPF_PCI_BASE_ADDRESS_0],
		       ~(MODEL_BAR0_SIZE - 1) & ~0xfu);
	vpf_le32_store(&w[VPF_PCI_BASE_ADDRESS_0 + 4], 0xffffffffu);
	w[0x3c] = 0xff;
	vpf_le16_store(&w[MODEL_CAP_PCIE + 8], 0xffff);	/* device control */
	/* MSI-X enable, function mask */
	vpf_le16_store(&w[MODEL_CAP_MSIX + 2], 0xc000);
	w[MODEL_CAP_PCICFG + 4] = 0xff;		/* cap.bar */
	vpf_le32_store(&w[MODEL_CAP_PCICFG + 8], 0xffffffffu);
	vpf_le32_store(&w[MODEL_CAP_PCICFG + 12], 0xffffffffu);
	vpf_le32_store(&w[MODEL_CAP_PCICFG + 16], 0xffffffffu);
}

uint32_t
model_cfg_size(void *dev)
{
	(void)dev;
	return VPF_PCI_CFG_SPACE_EXP_SIZE;
}


/* The PCI cfg capability window (virtio 1.x 4.1.4.9): an access to
 * pci_cfg_data reaches BAR @c cap.bar at @c cap.offset, @c cap.length
 * bytes wide. */
static void
pcicfg_access(struct vpf_model *m, bool wr)
{
	uint8_t *cap = &m->cfg[MODEL_CAP_PCICFG];
	uint32_t off = vpf_le32_load(cap + 8), len = vpf_le32_load(cap + 12);
	uint64_t v = 0;

	if (cap[4] != 0 || (len != 1 && len != 2 && len != 4) ||
	    (off & (len - 1)) != 0) {
		if (!wr)
			memset(cap + 16, 0, 4);
		return;
	}
	if (wr) {
		v = vpf_le32_load(cap + 16) & (len == 4 ? 0xffffffffu :
				       (1u << (8 * len)) - 1);
		(void)model_bar_rw(m, true, off, len, &v);
	} else if (model_bar_rw(m, false, off, len, &v) == 0) {
		vpf_le32_store(cap + 16, (uint32_t)v);
	}
}

int
model_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct vpf_model *m = dev;

	if (m == NULL || buf == NULL || len == 0)
		return -EINVAL;
	if (off >= VPF_PCI_CFG_SPACE_EXP_SIZE ||
	    len > VPF_PCI_CFG_SPACE_EXP_SIZE - off)
		return -ERANGE;
	pthread_mutex_lock(&m->lock);
	if (m->gone) {
		/* A removed function reads all-ones (doc/protocol.md §3.6). */
		memset(buf, 0xff, len);
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	if (off < MODEL_CAP_PCICFG + 20 && off + len > MODEL_CAP_PCICFG + 16)
		pcicfg_access(m, false);
	memcpy(buf, &m->cfg[off], len);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int
model_cfg_write(void *dev, uint32_t off, const void *buf, uint32_t len)
{
	struct vpf_model *m = dev;
	const uint8_t *b = buf;
	uint32_t i;
	uint16_t old_ctrl;

	if (m == NULL || buf == NULL || (len != 1 && len != 2 && len != 4) ||
	    (off & (len - 1)) != 0)
		return -EINVAL;
	if (off >= VPF_PCI_CFG_SPACE_EXP_SIZE)
		return -ERANGE;
	pthread_mutex_lock(&m->lock);
	if (m->gone) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	old_ctrl = vpf_le16_load(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_CTRL]);
	for (i = 0; i < len; i++) {
		uint32_t o = off + i;
		uint8_t wm = m->wmask[o];

		/* NumVFs may only change while VF Enable is clear (SR-IOV
		 * 1.1, 3.3.10); larger than TotalVFs is ignored. */
		if (o == MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF ||
		    o == MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF + 1) {
			if (old_ctrl & VPF_SRIOV_CTRL_VFE)
				continue;
		}
		m->cfg[o] = (uint8_t)((m->cfg[o] & ~wm) | (b[i] & wm));
	}
	if (!(m->p.off & VPF_MODEL_OFF_SR_IOV) &&
	    vpf_le16_load(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF]) >
	    m->total_vfs)
		vpf_le16_store(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF],
			       m->total_vfs);
	if (off < MODEL_CAP_PCICFG + 20 && off + len > MODEL_CAP_PCICFG + 16)
		pcicfg_access(m, true);
	/* PCIe Device Control "Initiate Function Level Reset" (bit 15): a
	 * PF FLR resets the virtio device like device_status 0. */
	if (m->cfg[MODEL_CAP_PCIE + 9] & 0x80) {
		m->cfg[MODEL_CAP_PCIE + 9] &= 0x7f;
		model_device_reset(m);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* ---------------------------------------------------------------------
 * Config dump in `lspci -xxxx` format
 * ------------------------------------------------------------------ */

int
vpf_model_dump_config(struct vpf_model *m, const char *bdf, const char *path)
{
	uint8_t c[VPF_PCI_CFG_SPACE_EXP_SIZE];
	FILE *f;
	int i;

	if (m == NULL || bdf == NULL || path == NULL)
		return vpf_error(-EINVAL, "model dump: bad arguments");
	pthread_mutex_lock(&m->lock);
	memcpy(c, m->cfg, sizeof(c));
	pthread_mutex_unlock(&m->lock);
	f = fopen(path, "w");
	if (f == NULL)
		return vpf_error(-errno, "model dump: cannot open %s", path);
	fprintf(f, "%s Ethernet controller: Red Hat, Inc. Virtio 1.0 network "
		"device (rev %02x)\n", bdf, c[VPF_PCI_REVISION_ID]);
	for (i = 0; i < VPF_PCI_CFG_SPACE_EXP_SIZE; i++) {
		if ((i & 15) == 0)
			fprintf(f, "%02x:", i);
		fprintf(f, " %02x", c[i]);
		if ((i & 15) == 15)
			fputc('\n', f);
	}
	fputc('\n', f);
	if (fclose(f) != 0)
		return vpf_error(-EIO, "model dump: write to %s failed", path);
	return 0;
}
