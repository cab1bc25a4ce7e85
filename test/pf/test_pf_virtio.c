/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The generic virtio-pci layer (lib/pf/vpf_virtio.c) and the split
 * virtqueue (lib/vq) against the scripted fake device: probe, reset,
 * negotiation, queue setup, every used-ring validation, and the extended
 * capability walk, which must find what discovery (drivers/vfio,
 * vpf_pci_parse_config()) finds in the same config space.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "pf_harness.h"
#include "vpf_vfio.h"
#include "vpf_virtio.h"

static void
test_virtio_generic(void **state)
{
	struct fake_dev *fd = pft_fake_new(2, 0);
	struct vpf_virtio_dev vd;
	struct vpf_vq vq;
	uint64_t v;

	(void)state;
	assert_int_equal(vpf_virtio_probe(&vd, &fake_ops, fd), 0);
	assert_int_equal(vd.sriov.pos, 0x100);
	assert_int_equal(vd.sriov.num_vfs, 2);
	assert_int_equal(vd.sriov.total_vfs, FAKE_MAX_VFS);
	assert_true(vd.sriov.vf_enabled);
	assert_int_equal(vd.notify_off_multiplier, 4);
	assert_true(vd.isr.present);
	assert_true(vd.device.present);
	assert_int_equal(vpf_virtio_reset(&vd, 10000), 0);
	assert_int_equal(vpf_virtio_status_add(&vd, VPF_STATUS_ACKNOWLEDGE |
					      VPF_STATUS_DRIVER), 0);
	/* A net driver's negotiation with the same layer. */
	assert_int_equal(vpf_virtio_negotiate(&vd, VPF_FEATURE(VPF_NET_F_CTRL_VQ), 0), 0);
	assert_int_equal(vd.driver_features, VPF_FEATURE(VPF_F_VERSION_1) |
			 VPF_FEATURE(VPF_NET_F_CTRL_VQ));
	assert_string_equal(vpf_virtio_feature_name(&vd, VPF_NET_F_CTRL_VQ),
			    "VIRTIO_NET_F_CTRL_VQ");
	assert_string_equal(vpf_virtio_feature_name(&vd, 60), "feature bit 60");
	/* Queue 0 does not exist on the fake. */
	assert_int_equal(vpf_virtio_queue_setup(&vd, &vq, 0, 64), -ENOENT);
	assert_non_null(strstr(vpf_last_error(), "queue 0 does not exist"));
	/* Size rounds down to a power of two under the maximum. */
	assert_int_equal(vpf_virtio_queue_setup(&vd, &vq, FAKE_AQ_INDEX, 100), 0);
	assert_int_equal(vq.size, 64);
	assert_int_equal(fd->aq_size, 64);
	assert_int_equal(fd->aq_desc, vq.desc_iova);
	assert_int_equal(fd->aq_enable, 1);
	assert_int_equal(vpf_virtio_driver_ok(&vd), 0);
	assert_int_equal(vpf_virtio_device_cfg_read(&vd, 0, 4, &v), 0);
	assert_int_equal(vpf_virtio_device_cfg_read(&vd, 12, 4, &v), -ERANGE);
	assert_int_equal(vpf_virtio_common_check(&vd, 64), 0);
	assert_int_equal(vpf_virtio_common_check(&vd, 65), -ENOTSUP);
	/* Features the split queue cannot honour. */
	fd->features |= VPF_FEATURE(VPF_F_RING_PACKED) | VPF_FEATURE(29);
	assert_int_equal(vpf_virtio_negotiate(&vd, VPF_FEATURE(VPF_F_RING_PACKED), 0), -ENOTSUP);
	assert_string_equal(vpf_last_error(),
			    "VIRTIO_F_RING_PACKED is not supported by vpf's split virtqueue");
	assert_int_equal(vpf_virtio_negotiate(&vd, 0, VPF_FEATURE(29) |
					      VPF_FEATURE(VPF_F_RING_PACKED)), 0);
	assert_int_equal(vd.driver_features, VPF_FEATURE(VPF_F_VERSION_1));
	/* Missing required feature: all named. */
	fd->features &= ~(VPF_FEATURE(VPF_F_VERSION_1));
	fd->features &= ~(VPF_FEATURE(VPF_F_ADMIN_VQ));
	assert_int_equal(vpf_virtio_negotiate(&vd, VPF_FEATURE(VPF_F_ADMIN_VQ), 0), -ENOTSUP);
	assert_string_equal(vpf_last_error(),
			    "device does not offer VIRTIO_F_VERSION_1, VIRTIO_F_ADMIN_VQ");
	/* Device gone: status 0xff. */
	fd->flags |= FAKE_GONE;
	assert_int_equal(vpf_virtio_reset(&vd, 10000), -ENODEV);
	assert_true(vd.gone);
	vpf_vq_destroy(&vq);
	pft_fake_free(fd);
}

static void
test_vq_validation(void **state)
{
	struct fake_dev *fd = pft_fake_new(2, 0);
	struct vpf_virtio_dev vd;
	struct vpf_vq vq;
	struct vpf_vq_buf o = { 0x1000, 8 }, in = { 0x2000, 16 };
	struct vpf_vq_used u;
	int cookies[8], h[8], i;

	(void)state;
	fd->auto_answer = false;
	assert_int_equal(vpf_virtio_probe(&vd, &fake_ops, fd), 0);
	assert_int_equal(vpf_virtio_queue_setup(&vd, &vq, FAKE_AQ_INDEX, 8), 0);
	assert_int_equal(vpf_vq_num_free(&vq), 8);
	assert_int_equal(vpf_vq_add(&vq, &o, 1, &in, 1, NULL), -EINVAL);
	for (i = 0; i < 4; i++) {
		h[i] = vpf_vq_add(&vq, &o, 1, &in, 1, &cookies[i]);
		assert_true(h[i] >= 0);
	}
	assert_int_equal(vpf_vq_add(&vq, &o, 1, &in, 1, &cookies[5]), -ENOSPC);
	assert_int_equal(vpf_vq_kick(&vq), 1);
	assert_int_equal(vpf_vq_kick(&vq), 0);	/* nothing new: no doorbell */
	assert_int_equal(fd->kicks, 1);
	assert_ptr_equal(vpf_vq_cookie(&vq, (uint16_t)h[2]), &cookies[2]);

	assert_int_equal(vpf_vq_get_used(&vq, &u), 0);
	/* Out-of-order completion, matched by id. */
	fake_push_used(fd, (uint32_t)h[2], 12);
	assert_int_equal(vpf_vq_get_used(&vq, &u), 1);
	assert_ptr_equal(u.cookie, &cookies[2]);
	assert_int_equal(u.len, 12);
	/* Duplicate: not in flight any more. */
	fake_push_used(fd, (uint32_t)h[2], 12);
	assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
	assert_null(u.cookie);
	assert_non_null(strstr(vpf_last_error(), "not in flight"));
	/* Id out of range. */
	fake_push_used(fd, 100, 8);
	assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
	assert_null(u.cookie);
	/* Longer than posted: chain freed, owner told. */
	fake_push_used(fd, (uint32_t)h[0], 17);
	assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
	assert_ptr_equal(u.cookie, &cookies[0]);
	assert_int_equal(vpf_vq_num_free(&vq), 4);
	/* Used index ahead by more than the ring holds: nothing consumed. */
	assert_int_equal(vq.nchains, 2);
	{
		uint16_t *uidx = (uint16_t *)(void *)((uint8_t *)vq.used + 2);
		uint16_t last = vq.last_used;

		*uidx = (uint16_t)(vq.last_used + 9);
		assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
		assert_non_null(strstr(vpf_last_error(), "runs 9 ahead"));
		assert_int_equal(vq.last_used, last);
		assert_int_equal(vpf_vq_num_free(&vq), 4);
		*uidx = (uint16_t)(vq.last_used - 1);	/* behind: 65535 ahead */
		assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
		/* Ahead by less: each stale entry is validated on its own
		 * (zeroed slots name id 0, which is not in flight). */
		*uidx = (uint16_t)(vq.last_used + 2);
		assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
		assert_int_equal(vq.last_used, (uint16_t)(last + 1));
	}
	vpf_vq_reinit(&vq);
	assert_int_equal(vpf_vq_num_free(&vq), 8);
	/* The device polls (VIRTQ_USED_F_NO_NOTIFY): the new entry is
	 * published, the doorbell skipped; once the flag is clear, rung. */
	{
		uint16_t *uflags = (uint16_t *)(void *)vq.used;
		uint8_t *avail = fake_iova(fd, fd->aq_avail, 4);
		uint32_t kicks = fd->kicks;

		assert_non_null(avail);
		*uflags = rte_cpu_to_le_16(VPF_VRING_USED_F_NO_NOTIFY);
		assert_true(vpf_vq_add(&vq, &o, 1, &in, 1, &cookies[6]) >= 0);
		assert_int_equal(vpf_vq_kick(&vq), 0);
		assert_int_equal(fd->kicks, kicks);
		assert_int_equal(avail[2] | avail[3] << 8, vq.avail_idx);
		*uflags = 0;
		assert_true(vpf_vq_add(&vq, &o, 1, &in, 1, &cookies[7]) >= 0);
		assert_int_equal(vpf_vq_kick(&vq), 1);
		assert_int_equal(fd->kicks, kicks + 1);
	}
	vpf_vq_destroy(&vq);
	vpf_vq_destroy(&vq);	/* twice is fine */
	pft_fake_free(fd);
}

/* ------------------------------------------------------------------------
 * Extended capability walk: the probe and discovery agree
 * --------------------------------------------------------------------- */

#define EXT_ID_AER	0x0001
#define EXT_ID_VNDR	0x000b
#define ALL_ONES	0xffffffffu

/* Capability version 1; next in bits 31:20, its low two bits included. */
#define EXT_HDR(id, next) \
	((uint32_t)(id) | UINT32_C(1) << 16 | (uint32_t)(next) << 20)

static void
cfg_put32(struct fake_dev *fd, uint32_t pos, uint32_t v)
{
	fd->cfg[pos] = (uint8_t)v;
	fd->cfg[pos + 1] = (uint8_t)(v >> 8);
	fd->cfg[pos + 2] = (uint8_t)(v >> 16);
	fd->cfg[pos + 3] = (uint8_t)(v >> 24);
}

/* One extended capability list: up to four headers, and where the fake's
 * SR-IOV capability (at 0x100 as built) is moved to (0: left out). */
struct ext_case {
	const char *what;
	struct { uint32_t pos, hdr; } h[4];
	uint32_t sriov_at;
	int want;		/* probe: 0 or a -errno */
	uint16_t want_pos;	/* SR-IOV found there (0: none) */
};

static void
ext_list_build(struct fake_dev *fd, const struct ext_case *k)
{
	uint8_t sriov[VPF_SRIOV_CAP_LEN];
	uint32_t i;

	memcpy(sriov, fd->cfg + VPF_PCI_EXT_CAP_START, sizeof(sriov));
	memset(fd->cfg + VPF_PCI_EXT_CAP_START, 0,
	       sizeof(fd->cfg) - VPF_PCI_EXT_CAP_START);
	if (k->sriov_at != 0) {
		memcpy(fd->cfg + k->sriov_at, sriov, sizeof(sriov));
		cfg_put32(fd, k->sriov_at, EXT_HDR(VPF_PCI_EXT_CAP_ID_SRIOV, 0));
	}
	for (i = 0; i < RTE_DIM(k->h) && k->h[i].pos != 0; i++)
		cfg_put32(fd, k->h[i].pos, k->h[i].hdr);
}

/* PCIe: the low two bits of a Next Capability Offset are reserved and
 * software masks them; 0 or all-ones at 0x100 means no extended
 * capabilities; anywhere else a header is a header and its next pointer
 * is followed (an all-ones one leads to 0xffc), bounded by the loop and
 * length checks. doc/driver.md, bring-up. */
static void
test_ext_caps_walk(void **state)
{
	static const struct ext_case cases[] = {
		{ "SR-IOV first", { { 0, 0 } }, 0x100, 0, 0x100 },
		{ "next pointer with its reserved low bits set",
		  { { 0x100, EXT_HDR(EXT_ID_AER, 0x140 | 3) } }, 0x140, 0, 0x140 },
		{ "low bits on every pointer",
		  { { 0x100, EXT_HDR(EXT_ID_AER, 0x141) },
		    { 0x140, EXT_HDR(EXT_ID_VNDR, 0x182) } }, 0x180, 0, 0x180 },
		{ "masked pointer into the header",
		  { { 0x100, EXT_HDR(EXT_ID_AER, 0x0ff) } }, 0x140, -EIO, 0 },
		{ "all-ones in the middle: followed to 0xffc",
		  { { 0x100, EXT_HDR(EXT_ID_AER, 0x140) }, { 0x140, ALL_ONES },
		    { 0xffc, EXT_HDR(EXT_ID_VNDR, 0x200) } }, 0x200, 0, 0x200 },
		{ "all-ones in the middle and at 0xffc: a loop",
		  { { 0x100, EXT_HDR(EXT_ID_AER, 0x140) }, { 0x140, ALL_ONES },
		    { 0xffc, ALL_ONES } }, 0x200, -EIO, 0 },
		{ "zero header in the middle ends the list",
		  { { 0x100, EXT_HDR(EXT_ID_AER, 0x140) }, { 0x140, 0 } }, 0x200, 0, 0 },
		{ "null capability (id 0) with a next pointer",
		  { { 0x100, EXT_HDR(0, 0x140) } }, 0x140, 0, 0x140 },
		{ "zero at 0x100: none", { { 0x100, 0 } }, 0x200, 0, 0 },
		{ "all-ones at 0x100: none", { { 0x100, ALL_ONES } }, 0x200, 0, 0 },
		{ "loop", { { 0x100, EXT_HDR(EXT_ID_AER, 0x140) },
			    { 0x140, EXT_HDR(EXT_ID_VNDR, 0x100) } }, 0, -EIO, 0 },
	};
	struct vpf_virtio_dev vd;
	struct vpf_pci_func f;
	uint32_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct ext_case *k = &cases[i];
		struct fake_dev *fd = pft_fake_new(2, 0);
		int rc, drc;

		ext_list_build(fd, k);
		rc = vpf_virtio_probe(&vd, &fake_ops, fd);
		if (rc != k->want || (rc == 0 && vd.sriov.pos != k->want_pos))
			fail_msg("%s: probe rc %d (want %d) SR-IOV at 0x%x (want 0x%x): %s",
				 k->what, rc, k->want, rc == 0 ? vd.sriov.pos : 0,
				 k->want_pos, rc ? vpf_last_error() : "");
		/* Discovery reads the same bytes to the same end. */
		memset(&f, 0, sizeof(f));
		drc = vpf_pci_parse_config(fd->cfg, sizeof(fd->cfg), &f);
		if ((drc == 0) != (rc == 0) ||
		    (drc == 0 && (f.sriov.present ? f.sriov.pos : 0) != k->want_pos))
			fail_msg("%s: discovery rc %d SR-IOV %d at 0x%x, probe rc %d: %s",
				 k->what, drc, f.sriov.present, f.sriov.pos, rc,
				 drc ? vpf_last_error() : "");
		pft_fake_free(fd);
	}
}

/* The function disappears during the walk: the all-ones header it then
 * reads in the middle of the list is a removal (doc/protocol.md §3.6),
 * not the end of the list. */
static uint32_t gone_at;

static int
cfg_read_then_gone(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct fake_dev *fd = dev;

	if (off == gone_at)
		fd->flags |= FAKE_GONE;
	return fake_ops.cfg_read(dev, off, buf, len);
}

static void
test_ext_caps_device_gone(void **state)
{
	static const struct ext_case k = {
		"removed", { { 0x100, EXT_HDR(EXT_ID_AER, 0x140) },
			     { 0x140, EXT_HDR(EXT_ID_VNDR, 0) } }, 0x200, 0, 0,
	};
	struct fake_dev *fd = pft_fake_new(2, 0);
	struct vpf_virtio_dev vd;
	struct vpf_pf_ops ops = fake_ops;

	(void)state;
	ext_list_build(fd, &k);
	ops.cfg_read = cfg_read_then_gone;
	gone_at = 0x140;
	assert_int_equal(vpf_virtio_probe(&vd, &ops, fd), -ENODEV);
	assert_true(vd.gone);
	assert_non_null(strstr(vpf_last_error(), "extended capability at 0x140 reads all-ones"));
	pft_fake_free(fd);
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_virtio_generic),
	cmocka_unit_test(test_vq_validation),
	cmocka_unit_test(test_ext_caps_walk),
	cmocka_unit_test(test_ext_caps_device_gone),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
