/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/* A synthetic virtio-net SR-IOV PF config space, shared by the vfio tests. */

#ifndef VPF_TEST_PF_IMAGE_H
#define VPF_TEST_PF_IMAGE_H

#include <stdint.h>
#include <string.h>

#include "vpf_spec.h"

static inline void
put16(uint8_t *c, unsigned int off, uint16_t v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
}

static inline void
put32(uint8_t *c, unsigned int off, uint32_t v)
{
	put16(c, off, (uint16_t)v);
	put16(c, off + 2, (uint16_t)(v >> 16));
}

/* A virtio cap at @p pos: type, bar, offset, length, next. */
static inline void
vcap(uint8_t *c, unsigned int pos, uint8_t len, uint8_t type, uint8_t bar,
     uint32_t off, uint32_t length, uint8_t next)
{
	c[pos] = VPF_PCI_CAP_ID_VNDR;
	c[pos + 1] = next;
	c[pos + 2] = len;
	c[pos + 3] = type;
	c[pos + 4] = bar;
	put32(c, pos + 8, off);
	put32(c, pos + 12, length);
}

/*
 * A synthetic virtio-net SR-IOV PF, as a real one would look: common cfg
 * of 64 bytes (admin queue fields), notify, ISR, device, PCI cfg caps,
 * MSI-X, PCI Express, and the SR-IOV extended capability.
 */
static inline void
make_pf(uint8_t c[4096], uint16_t total, uint16_t num, uint16_t offset,
	uint16_t stride)
{
	memset(c, 0, 4096);
	put16(c, 0, VPF_VIRTIO_PCI_VENDOR);
	put16(c, 2, VPF_VIRTIO_PCI_DEVICE_NET);
	put16(c, VPF_PCI_STATUS, VPF_PCI_STATUS_CAP_LIST);
	c[VPF_PCI_REVISION_ID] = 1;
	put32(c, 0x08, 0x02000001);
	put32(c, 0x10, 0x0000000c);		/* BAR0: 64-bit memory */
	put16(c, 0x2c, VPF_VIRTIO_PCI_VENDOR);
	put16(c, 0x2e, 0x1100);
	c[VPF_PCI_CAPABILITY_LIST] = 0x40;
	vcap(c, 0x40, 16, VPF_PCI_CAP_COMMON_CFG, 0, 0x0000, 0x40, 0x50);
	vcap(c, 0x50, 16, VPF_PCI_CAP_ISR_CFG, 0, 0x2000, 1, 0x60);
	vcap(c, 0x60, 16, VPF_PCI_CAP_DEVICE_CFG, 0, 0x4000, 0x1000, 0x70);
	vcap(c, 0x70, 20, VPF_PCI_CAP_NOTIFY_CFG, 0, 0x6000, 0x1000, 0x84);
	put32(c, 0x70 + 16, 4);
	vcap(c, 0x84, 20, VPF_PCI_CAP_PCI_CFG, 0, 0, 0, 0x98);
	/* MSI-X: 3 vectors, table BAR0 0x8000, PBA BAR0 0x9000 */
	c[0x98] = VPF_PCI_CAP_ID_MSIX;
	c[0x99] = 0xa4;
	put16(c, 0x9a, 2);
	put32(c, 0x9c, 0x8000);
	put32(c, 0xa0, 0x9000);
	/* PCI Express endpoint */
	c[0xa4] = VPF_PCI_CAP_ID_EXP;
	c[0xa5] = 0;
	put16(c, 0xa6, 0x0002);
	/* SR-IOV at 0x100, end of the extended list */
	put32(c, 0x100, VPF_PCI_EXT_CAP_ID_SRIOV | 1u << 16);
	put16(c, 0x100 + VPF_SRIOV_CTRL, num ? VPF_SRIOV_CTRL_VFE |
	      VPF_SRIOV_CTRL_MSE : 0);
	put16(c, 0x100 + VPF_SRIOV_INITIAL_VF, total);
	put16(c, 0x100 + VPF_SRIOV_TOTAL_VF, total);
	put16(c, 0x100 + VPF_SRIOV_NUM_VF, num);
	put16(c, 0x100 + VPF_SRIOV_VF_OFFSET, offset);
	put16(c, 0x100 + VPF_SRIOV_VF_STRIDE, stride);
	put16(c, 0x100 + VPF_SRIOV_VF_DID, VPF_VIRTIO_PCI_DEVICE_NET);
}

#endif /* VPF_TEST_PF_IMAGE_H */
