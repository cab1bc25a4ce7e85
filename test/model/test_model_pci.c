/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The model as a PCI function and virtio-pci device: config space,
 * capabilities, SR-IOV, BAR0 registers, reset, status handshake, feature
 * negotiation, queue programming, queue_reset, notifications, the off
 * switches, DMA faults and the lspci dump.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "../vpf_test_main.h"

/* Config space read of @p w (1, 2 or 4) bytes, which must succeed. */
static uint32_t
cfg_rd(struct vpf_model *m, uint32_t off, unsigned int w)
{
	union {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
	} v = { .u32 = 0 };

	assert_int_equal(vpf_model_ops.cfg_read(m, off, &v, w), 0);
	return w == 1 ? v.u8 : w == 2 ? v.u16 : v.u32;
}

#define cfg8(m, off) ((uint8_t)cfg_rd(m, off, 1))
#define cfg16(m, off) ((uint16_t)cfg_rd(m, off, 2))
#define cfg32(m, off) cfg_rd(m, off, 4)

/* Walk the capability list; returns the offset of vendor cap @p type. */
static uint32_t
find_vcap(struct vpf_model *m, uint8_t type)
{
	uint32_t p = cfg8(m, VPF_PCI_CAPABILITY_LIST);
	int n = 0;

	while (p != 0 && n++ < 48) {
		if (cfg8(m, p) == VPF_PCI_CAP_ID_VNDR && cfg8(m, p + 3) == type)
			return p;
		p = cfg8(m, p + 1);
	}
	return 0;
}

static void
test_config_space_identity(void **state)
{
	struct vpf_model *m = h_model(0, 4, 2);

	(void)state;
	assert_non_null(m);
	assert_int_equal(vpf_model_ops.cfg_size(m), 4096);
	assert_int_equal(cfg16(m, VPF_PCI_VENDOR_ID), 0x1af4);
	assert_int_equal(cfg16(m, VPF_PCI_DEVICE_ID), 0x1041);
	assert_true(cfg16(m, VPF_PCI_STATUS) & VPF_PCI_STATUS_CAP_LIST);
	/* Out-of-range and misaligned accesses are refused. */
	{
		uint32_t v;

		assert_int_equal(vpf_model_ops.cfg_read(m, 4094, &v, 4),
				 -ERANGE);
		assert_int_equal(vpf_model_ops.cfg_write(m, 2, &v, 4), -EINVAL);
	}
	vpf_model_destroy(m);
}

static void
test_config_space_virtio_caps(void **state)
{
	struct vpf_model *m = h_model(0, 4, 2);
	uint64_t bar;
	uint32_t p;
	uint8_t t;

	(void)state;
	assert_int_equal(vpf_model_ops.bar_size(m, 0, &bar), 0);
	assert_int_equal(vpf_model_ops.bar_size(m, 1, &bar), -ENOENT);
	vpf_model_ops.bar_size(m, 0, &bar);
	for (t = VPF_PCI_CAP_COMMON_CFG; t <= VPF_PCI_CAP_PCI_CFG; t++) {
		p = find_vcap(m, t);
		assert_int_not_equal(p, 0);
		if (t != VPF_PCI_CAP_PCI_CFG)
			assert_true((uint64_t)cfg32(m, p + 8) +
				    cfg32(m, p + 12) <= bar);
	}
	p = find_vcap(m, VPF_PCI_CAP_COMMON_CFG);
	assert_int_equal(cfg32(m, p + 12), 64);
	p = find_vcap(m, VPF_PCI_CAP_NOTIFY_CFG);
	assert_int_equal(cfg8(m, p + 2), 20);
	assert_int_not_equal(cfg32(m, p + 16), 0);	/* multiplier */
	vpf_model_destroy(m);
}

static void
test_config_space_msix_cap(void **state)
{
	struct vpf_model *m = h_model(0, 4, 2);
	uint32_t p = cfg8(m, VPF_PCI_CAPABILITY_LIST);
	bool found = false;
	int n = 0;

	(void)state;
	while (p != 0 && n++ < 48) {
		if (cfg8(m, p) == VPF_PCI_CAP_ID_MSIX)
			found = true;
		p = cfg8(m, p + 1);
	}
	assert_true(found);
	vpf_model_destroy(m);
}

static void
test_config_space_sriov(void **state)
{
	struct vpf_model *m = h_model(0, 7, 2);
	uint32_t s = VPF_PCI_EXT_CAP_START;
	uint16_t v;

	(void)state;
	assert_int_equal(cfg32(m, s) & 0xffff, VPF_PCI_EXT_CAP_ID_SRIOV);
	assert_int_equal(cfg16(m, s + VPF_SRIOV_TOTAL_VF), 7);
	assert_int_equal(cfg16(m, s + VPF_SRIOV_NUM_VF), 7);
	assert_int_equal(cfg16(m, s + VPF_SRIOV_VF_OFFSET), 1);
	assert_int_equal(cfg16(m, s + VPF_SRIOV_VF_STRIDE), 1);
	assert_true(cfg16(m, s + VPF_SRIOV_CTRL) & VPF_SRIOV_CTRL_VFE);
	/* NumVFs is read-only while VF Enable is set. */
	v = 3;
	assert_int_equal(vpf_model_ops.cfg_write(m, s + VPF_SRIOV_NUM_VF, &v,
						 2), 0);
	assert_int_equal(cfg16(m, s + VPF_SRIOV_NUM_VF), 7);
	/* Clear VFE, set NumVFs 3, enable again. */
	v = 0;
	vpf_model_ops.cfg_write(m, s + VPF_SRIOV_CTRL, &v, 2);
	v = 3;
	vpf_model_ops.cfg_write(m, s + VPF_SRIOV_NUM_VF, &v, 2);
	assert_int_equal(cfg16(m, s + VPF_SRIOV_NUM_VF), 3);
	v = 99;
	vpf_model_ops.cfg_write(m, s + VPF_SRIOV_NUM_VF, &v, 2);
	assert_int_equal(cfg16(m, s + VPF_SRIOV_NUM_VF), 7);
	vpf_model_destroy(m);
}

static void
test_off_switches_config(void **state)
{
	struct vpf_model *m;
	uint32_t p;

	(void)state;
	m = h_model(VPF_MODEL_OFF_SR_IOV, 4, 2);
	assert_int_equal(cfg32(m, VPF_PCI_EXT_CAP_START), 0);
	vpf_model_destroy(m);

	m = h_model(VPF_MODEL_OFF_VF_ENABLE, 4, 2);
	assert_false(cfg16(m, 0x100 + VPF_SRIOV_CTRL) & VPF_SRIOV_CTRL_VFE);
	assert_int_equal(cfg16(m, 0x100 + VPF_SRIOV_NUM_VF), 0);
	vpf_model_destroy(m);

	m = h_model(VPF_MODEL_OFF_LONG_COMMON_CFG, 4, 2);
	p = find_vcap(m, VPF_PCI_CAP_COMMON_CFG);
	assert_int_equal(cfg32(m, p + 12), VPF_COMMON_CFG_LEN_LEGACY);
	vpf_model_destroy(m);

	m = h_model(VPF_MODEL_OFF_CAP_BOUNDS, 4, 2);
	{
		uint64_t bar;

		vpf_model_ops.bar_size(m, 0, &bar);
		p = find_vcap(m, VPF_PCI_CAP_COMMON_CFG);
		assert_true((uint64_t)cfg32(m, p + 8) + cfg32(m, p + 12) > bar);
	}
	vpf_model_destroy(m);

	m = h_model(VPF_MODEL_OFF_CAP_LIST, 4, 2);
	{
		/* The list loops: a bounded walk never reaches 0. */
		uint32_t q = cfg8(m, VPF_PCI_CAPABILITY_LIST);
		int n = 0;

		while (q != 0 && n < 100) {
			q = cfg8(m, q + 1);
			n++;
		}
		assert_int_equal(n, 100);
	}
	vpf_model_destroy(m);
}

static void
test_bar0_register_widths(void **state)
{
	struct vpf_model *m = h_model(0, 4, 2);
	uint64_t v;

	(void)state;
	/* A register must be accessed with its own width. */
	assert_int_equal(vpf_model_ops.bar_read(m, 0, VPF_COMMON_STATUS, 1,
						&v), 0);
	assert_int_equal(vpf_model_ops.bar_read(m, 0, VPF_COMMON_NUMQ, 4, &v),
			 -EINVAL);
	assert_int_equal(vpf_model_ops.bar_read(m, 0, 1, 2, &v), -EINVAL);
	assert_int_equal(vpf_model_ops.bar_read(m, 0, 0x8000, 4, &v), -ERANGE);
	assert_int_equal(vpf_model_ops.bar_read(m, 1, 0, 4, &v), -ENOENT);
	/* 64-bit fields in halves too. */
	assert_int_equal(vpf_model_ops.bar_read(m, 0, VPF_COMMON_Q_DESC + 4,
						4, &v), 0);
	assert_int_equal(vpf_model_ops.bar_read(m, 0, VPF_COMMON_ADM_Q_NUM, 2,
						&v), 0);
	assert_int_equal(v, 1);
	vpf_model_destroy(m);
}

static void
test_reset_and_handshake(void **state)
{
	struct h h;

	(void)state;
	assert_int_equal(h_up(&h, h_model(0, 4, 2)), 0);
	assert_int_equal(h_status(&h), VPF_STATUS_ACKNOWLEDGE |
			 VPF_STATUS_DRIVER | VPF_STATUS_FEATURES_OK |
			 VPF_STATUS_DRIVER_OK);
	/* Reset: status reads 0, queues disabled. */
	h_wr(&h, VPF_COMMON_STATUS, 1, 0);
	assert_int_equal(h_status(&h), 0);
	h_wr(&h, VPF_COMMON_Q_SELECT, 2, h.aq);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_ENABLE, 2), 0);
	/* Clearing a status bit without a reset is ignored. */
	h_wr(&h, VPF_COMMON_STATUS, 1, VPF_STATUS_ACKNOWLEDGE);
	h_wr(&h, VPF_COMMON_STATUS, 1, VPF_STATUS_DRIVER);
	assert_int_equal(h_status(&h), VPF_STATUS_ACKNOWLEDGE);
	h_down(&h);
}

static void
test_pf_flr_resets_device(void **state)
{
	struct h h;
	uint16_t v;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
	assert_int_equal(h_mode_set(&h, 1, VPF_DEV_MODE_STOP), 0);
	/* PCIe Device Control: Initiate FLR. */
	v = 0x8000;
	assert_int_equal(vpf_model_ops.cfg_write(h.m, 0x48, &v, 2), 0);
	assert_int_equal(h_status(&h), 0);
	/* Like an owner reset: VF modes unchanged. */
	{
		uint8_t mode;

		vpf_model_vf_mode(h.m, 1, &mode);
		assert_int_equal(mode, VPF_DEV_MODE_STOP);
	}
	h_down(&h);
}

static void
test_reset_takes_time(void **state)
{
	struct vpf_model_params p;
	struct h h;
	int n = 0;

	(void)state;
	vpf_model_params_init(&p);
	p.reset_us = 20000;
	p.guest_mem_size = 16ull << 20;
	/* A fresh device (status 0) resets at once. */
	assert_int_equal(h_up(&h, vpf_model_create(&p)), 0);
	/* A running one shows its old status until the reset is done. */
	h_wr(&h, VPF_COMMON_STATUS, 1, 0);
	assert_int_not_equal(h_status(&h), 0);
	while (h_status(&h) != 0 && n < 100000000)
		n++;
	assert_int_equal(h_status(&h), 0);
	h_down(&h);
}

static void
test_reset_switched_off(void **state)
{
	struct vpf_model *m = h_model(VPF_MODEL_OFF_RESET, 4, 2);
	struct h h = { .m = m, .ops = &vpf_model_ops };

	(void)state;
	h_wr(&h, VPF_COMMON_STATUS, 1, 0);
	assert_int_not_equal(h_status(&h), 0);
	assert_int_not_equal(h_up(&h, m), 0);
	vpf_model_destroy(m);
}

static void
test_features_offered(void **state)
{
	struct vpf_model *m = h_model(0, 4, 2);
	struct h h = { .m = m, .ops = &vpf_model_ops };
	uint64_t f;

	(void)state;
	h_wr(&h, VPF_COMMON_DFSELECT, 4, 1);
	f = h_rd(&h, VPF_COMMON_DF, 4) << 32;
	assert_true(f & VPF_FEATURE(VPF_F_VERSION_1));
	assert_true(f & VPF_FEATURE(VPF_F_ACCESS_PLATFORM));
	assert_true(f & VPF_FEATURE(VPF_F_SR_IOV));
	assert_true(f & VPF_FEATURE(VPF_F_RING_RESET));
	assert_true(f & VPF_FEATURE(VPF_F_ADMIN_VQ));
	vpf_model_destroy(m);

	m = h_model(VPF_MODEL_OFF_ADMIN_VQ | VPF_MODEL_OFF_RING_RESET |
		    VPF_MODEL_OFF_SR_IOV, 4, 2);
	h.m = m;
	h_wr(&h, VPF_COMMON_DFSELECT, 4, 1);
	f = h_rd(&h, VPF_COMMON_DF, 4) << 32;
	assert_false(f & VPF_FEATURE(VPF_F_ADMIN_VQ));
	assert_false(f & VPF_FEATURE(VPF_F_RING_RESET));
	assert_false(f & VPF_FEATURE(VPF_F_SR_IOV));
	assert_int_equal(h_up(&h, m), -3);
	vpf_model_destroy(m);
}

static void
feature_try(uint64_t want, bool ok, uint32_t off)
{
	struct vpf_model *m = h_model(off, 4, 2);
	struct h h = { .m = m, .ops = &vpf_model_ops };

	h_wr(&h, VPF_COMMON_STATUS, 1, 0);
	h_wr(&h, VPF_COMMON_STATUS, 1, 1);
	h_wr(&h, VPF_COMMON_STATUS, 1, 3);
	h_wr(&h, VPF_COMMON_GFSELECT, 4, 0);
	h_wr(&h, VPF_COMMON_GF, 4, (uint32_t)want);
	h_wr(&h, VPF_COMMON_GFSELECT, 4, 1);
	h_wr(&h, VPF_COMMON_GF, 4, (uint32_t)(want >> 32));
	h_wr(&h, VPF_COMMON_STATUS, 1, 3 | VPF_STATUS_FEATURES_OK);
	assert_int_equal(!!(h_status(&h) & VPF_STATUS_FEATURES_OK), ok);
	vpf_model_destroy(m);
}

static void
test_features_ok_refused_for_impossible_sets(void **state)
{
	(void)state;
	feature_try(VPF_FEATURE(VPF_F_VERSION_1) | VPF_FEATURE(VPF_F_ADMIN_VQ),
		    true, 0);
	/* ADMIN_VQ without VERSION_1. */
	feature_try(VPF_FEATURE(VPF_F_ADMIN_VQ), false, 0);
	/* A feature not offered. */
	feature_try(VPF_FEATURE(VPF_F_VERSION_1) |
		    VPF_FEATURE(VPF_F_RING_PACKED), false, 0);
	feature_try(VPF_FEATURE(VPF_F_VERSION_1) | VPF_FEATURE(VPF_F_ADMIN_VQ),
		    false, VPF_MODEL_OFF_ADMIN_VQ);
	/* The switch: FEATURES_OK never sticks. */
	feature_try(VPF_FEATURE(VPF_F_VERSION_1) | VPF_FEATURE(VPF_F_ADMIN_VQ),
		    false, VPF_MODEL_OFF_FEATURES_OK);
}

static void
test_admin_queue_switched_off(void **state)
{
	struct h h;

	(void)state;
	assert_int_equal(h_up(&h, h_model(VPF_MODEL_OFF_ADMIN_QUEUE, 4, 2)),
			 -4);
	vpf_model_destroy(h.m);
}

static void
test_queue_programming(void **state)
{
	struct h h;
	struct vpf_model_stats st;

	(void)state;
	assert_int_equal(h_up(&h, h_model(0, 4, 2)), 0);
	h_wr(&h, VPF_COMMON_Q_SELECT, 2, h.aq);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_SIZE, 2), H_QSIZE);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_DESC, 8), h.desc_iova);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_ENABLE, 2), 1);
	/* Writing queue registers while enabled, or queue_enable 0, is a
	 * driver error the device ignores (and counts). */
	h_wr(&h, VPF_COMMON_Q_SIZE, 2, 8);
	h_wr(&h, VPF_COMMON_Q_ENABLE, 2, 0);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_SIZE, 2), H_QSIZE);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_ENABLE, 2), 1);
	vpf_model_stats_get(h.m, 0, &st);
	assert_int_equal(st.protocol_errors, 2);
	/* The default admin queue size is 512. */
	h_wr(&h, VPF_COMMON_STATUS, 1, 0);
	h_wr(&h, VPF_COMMON_Q_SELECT, 2, h.aq);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_SIZE, 2), 512);
	/* Enabling a non power-of-2 queue is fatal. */
	h_wr(&h, VPF_COMMON_Q_SIZE, 2, 100);
	h_wr(&h, VPF_COMMON_Q_ENABLE, 2, 1);
	assert_true(vpf_model_needs_reset(h.m));
	assert_true(h_status(&h) & VPF_STATUS_DEVICE_NEEDS_RESET);
	h_down(&h);
}

static void
test_queue_reset(void **state)
{
	struct h h;
	struct h_done d;
	struct vpf_model_stats st;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
	/* A hung command is dropped by queue_reset. */
	vpf_model_fault_inject(h.m, 1, VPF_MODEL_FAULT_HANG, 1, 0);
	assert_int_equal(h_submit(&h, 1, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL,
				  0, 8, &d, 20), -ETIMEDOUT);
	h_wr(&h, VPF_COMMON_Q_SELECT, 2, h.aq);
	h_wr(&h, VPF_COMMON_Q_RESET, 2, 1);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_RESET, 2), 1);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_ENABLE, 2), 0);
	vpf_model_stats_get(h.m, 0, &st);
	assert_int_equal(st.cmds_dropped, 1);
	/* Re-program and re-enable; LIST_USE state survives. */
	h_aq_reenable(&h);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_RESET, 2), 0);
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	assert_int_equal(d.status, 0);
	h_down(&h);

	/* Without RING_RESET negotiated queue_reset does nothing. */
	assert_int_equal(h_up(&h, h_model(VPF_MODEL_OFF_RING_RESET, 4, 2)), 0);
	h_wr(&h, VPF_COMMON_Q_SELECT, 2, h.aq);
	h_wr(&h, VPF_COMMON_Q_RESET, 2, 1);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_ENABLE, 2), 1);
	h_down(&h);
}

/* A ring whose entries would run past 2^64 cannot be enabled: the device
 * computes base + offset for every entry, and a wrapped address would
 * reach memory the driver never gave to the ring. Ending exactly at the
 * top of the address space is fine. */
static void
test_queue_enable_ring_wrapping_is_fatal(void **state)
{
	/* Each ring in turn placed (aligned as it needs) so that it ends
	 * in the last bytes below 2^64, then 16 bytes higher: past 2^64. */
	const uint64_t desc_top = 0ull - 16 * H_QSIZE;
	const uint64_t drv_top = 0ull - (6 + 2 * H_QSIZE);
	const uint64_t dev_top = 0ull - (6 + 8 * H_QSIZE) - 2;
	unsigned int ring, wrap;
	struct h h;

	(void)state;
	for (ring = 0; ring < 3; ring++) {
		for (wrap = 0; wrap < 2; wrap++) {
			uint64_t a[3];

			assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
			a[0] = h.desc_iova;
			a[1] = h.avail_iova;
			a[2] = h.used_iova;
			a[ring] = ring == 0 ? desc_top : ring == 1 ? drv_top :
				dev_top;
			if (wrap)
				a[ring] += 16;
			h_wr(&h, VPF_COMMON_Q_SELECT, 2, h.aq);
			h_wr(&h, VPF_COMMON_Q_RESET, 2, 1);
			h_wr(&h, VPF_COMMON_Q_SIZE, 2, H_QSIZE);
			h_wr(&h, VPF_COMMON_Q_DESC, 8, a[0]);
			h_wr(&h, VPF_COMMON_Q_DRIVER, 8, a[1]);
			h_wr(&h, VPF_COMMON_Q_DEVICE, 8, a[2]);
			h_wr(&h, VPF_COMMON_Q_ENABLE, 2, 1);
			assert_int_equal(vpf_model_needs_reset(h.m), wrap);
			if (wrap)
				assert_non_null(strstr(vpf_model_last_fault(h.m),
						       "wrap"));
			else
				assert_int_equal(h_rd(&h, VPF_COMMON_Q_ENABLE,
						      2), 1);
			h_down(&h);
		}
	}
}

static void
test_notify_before_driver_ok_ignored(void **state)
{
	struct vpf_model *m = h_model(0, 4, 2);
	struct h h;
	struct h_done d;

	(void)state;
	assert_int_equal(h_up(&h, m), 0);
	/* Bring it down to FEATURES_OK only: commands are not processed. */
	h_wr(&h, VPF_COMMON_STATUS, 1, 0);
	h_wr(&h, VPF_COMMON_STATUS, 1, 1);
	h_wr(&h, VPF_COMMON_STATUS, 1, 3);
	h_wr(&h, VPF_COMMON_GFSELECT, 4, 1);
	h_wr(&h, VPF_COMMON_GF, 4, (VPF_FEATURE(VPF_F_VERSION_1) |
				    VPF_FEATURE(VPF_F_ADMIN_VQ)) >> 32);
	h_wr(&h, VPF_COMMON_STATUS, 1, 3 | VPF_STATUS_FEATURES_OK);
	memset(h.ring.va, 0, h.ring.len);
	h.avail = 0;
	h.used_seen = 0;
	h_wr(&h, VPF_COMMON_Q_SELECT, 2, h.aq);
	h_wr(&h, VPF_COMMON_Q_SIZE, 2, H_QSIZE);
	h_wr(&h, VPF_COMMON_Q_DESC, 8, h.desc_iova);
	h_wr(&h, VPF_COMMON_Q_DRIVER, 8, h.avail_iova);
	h_wr(&h, VPF_COMMON_Q_DEVICE, 8, h.used_iova);
	h_wr(&h, VPF_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(h_submit(&h, 0, VPF_ADMIN_OP_LIST_QUERY, 1, 0, NULL, 0,
				  8, &d, 10), -ETIMEDOUT);
	/* After DRIVER_OK the next doorbell processes it. */
	h_wr(&h, VPF_COMMON_STATUS, 1, 0xf);
	h_kick(&h);
	assert_int_equal(h_wait(&h, &d, 0, 1000), 0);
	assert_int_equal(d.status, 0);
	h_down(&h);
}

static void
test_dma_fault_unmapped_ring(void **state)
{
	struct h h;
	struct h_done d;
	struct vpf_model_stats st;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
	/* A descriptor pointing outside every mapped region. */
	h_post(&h, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL, 0, 8);
	h.desc[0].addr = 0x1000;
	h_kick(&h);
	assert_int_equal(h_wait(&h, &d, 0, 10), -ETIMEDOUT);
	assert_true(vpf_model_needs_reset(h.m));
	assert_true(h_status(&h) & VPF_STATUS_DEVICE_NEEDS_RESET);
	assert_non_null(strstr(vpf_model_last_fault(h.m), "DMA"));
	vpf_model_stats_get(h.m, 0, &st);
	assert_int_equal(st.dma_faults, 1);
	/* Reset clears DEVICE_NEEDS_RESET. */
	h_wr(&h, VPF_COMMON_STATUS, 1, 0);
	assert_false(vpf_model_needs_reset(h.m));
	h_down(&h);
}

static void
test_dma_fault_past_region_end(void **state)
{
	struct h h;
	struct h_done d;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
	h_post(&h, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL, 0, 8);
	/* The writable part runs past the end of the buffer region. */
	h.desc[1].addr = h.buf.iova + h.buf.len - 4;
	h_kick(&h);
	assert_int_equal(h_wait(&h, &d, 0, 10), -ETIMEDOUT);
	assert_true(vpf_model_needs_reset(h.m));
	h_down(&h);
}

static void
test_dma_fault_freed_region(void **state)
{
	struct h h;
	struct h_done d;
	struct vpf_dma_region r;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
	assert_int_equal(vpf_model_ops.dma_alloc(h.m, 4096, 64, &r), 0);
	assert_true(r.iova != (uint64_t)(uintptr_t)r.va);
	memcpy(r.va, h_data(&h, 0), 24);
	h_post(&h, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL, 0, 8);
	h.desc[0].addr = r.iova;
	vpf_model_ops.dma_free(h.m, &r);
	h_kick(&h);
	assert_int_equal(h_wait(&h, &d, 0, 10), -ETIMEDOUT);
	assert_true(vpf_model_needs_reset(h.m));
	assert_non_null(strstr(vpf_model_last_fault(h.m), "freed"));
	h_down(&h);
}

static void
test_surprise_removal_reads_all_ones(void **state)
{
	struct h h;
	struct h_done d;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
	vpf_model_surprise_remove(h.m);
	assert_int_equal(cfg16(h.m, VPF_PCI_VENDOR_ID), 0xffff);
	assert_int_equal(h_status(&h), 0xff);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_DESC, 8), UINT64_MAX - 0);
	assert_int_equal(h_submit(&h, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL,
				  0, 8, &d, 10), -ETIMEDOUT);
	h_down(&h);
}

static void
test_pci_cfg_window_reaches_bar0(void **state)
{
	struct h h;
	uint32_t p, v;
	uint8_t b;

	(void)state;
	assert_int_equal(h_up(&h, h_model(0, 4, 2)), 0);
	p = find_vcap(h.m, VPF_PCI_CAP_PCI_CFG);
	assert_int_not_equal(p, 0);
	/* Read device_status (1 byte at BAR0 + 20) through the window. */
	b = 0;
	vpf_model_ops.cfg_write(h.m, p + 4, &b, 1);
	v = VPF_COMMON_STATUS;
	vpf_model_ops.cfg_write(h.m, p + 8, &v, 4);
	v = 1;
	vpf_model_ops.cfg_write(h.m, p + 12, &v, 4);
	assert_int_equal(cfg8(h.m, p + 16), h_status(&h));
	/* Write queue_select through it. */
	v = VPF_COMMON_Q_SELECT;
	vpf_model_ops.cfg_write(h.m, p + 8, &v, 4);
	v = 2;
	vpf_model_ops.cfg_write(h.m, p + 12, &v, 4);
	v = 1;
	vpf_model_ops.cfg_write(h.m, p + 16, &v, 4);
	assert_int_equal(h_rd(&h, VPF_COMMON_Q_SELECT, 2), 1);
	h_down(&h);
}

static void
test_isr_read_clears(void **state)
{
	struct h h;
	uint64_t v;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
	/* A completion sets the queue interrupt bit; reading clears it. */
	assert_int_equal(vpf_model_ops.bar_read(h.m, 0, 0x1000, 1, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(vpf_model_ops.bar_read(h.m, 0, 0x1000, 1, &v), 0);
	assert_int_equal(v, 0);
	/* Device cfg: the virtio_net_config MAC. */
	assert_int_equal(vpf_model_ops.bar_read(h.m, 0, 0x2000, 1, &v), 0);
	assert_int_equal(v, 0x52);
	h_down(&h);
}

static void
test_dump_config_lspci_format(void **state)
{
	struct vpf_model *m = h_model(0, 4, 2);
	char path[] = "/tmp/vpf_model_dumpXXXXXX";
	char line[256];
	FILE *f;
	int fd, lines = 0;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(vpf_model_dump_config(m, "0000:3b:00.0", path), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_memory_equal(line, "0000:3b:00.0 ", 13);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "00: f4 1a 41 10 00 00 10 00 01 00 00 02 "
			    "00 00 00 00\n");
	lines = 1;
	while (fgets(line, sizeof(line), f) != NULL && line[0] != '\n')
		lines++;
	assert_int_equal(lines, 256);
	fclose(f);
	unlink(path);
	vpf_model_destroy(m);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_config_space_identity),
	cmocka_unit_test(test_config_space_virtio_caps),
	cmocka_unit_test(test_config_space_msix_cap),
	cmocka_unit_test(test_config_space_sriov),
	cmocka_unit_test(test_off_switches_config),
	cmocka_unit_test(test_bar0_register_widths),
	cmocka_unit_test(test_reset_and_handshake),
	cmocka_unit_test(test_pf_flr_resets_device),
	cmocka_unit_test(test_reset_takes_time),
	cmocka_unit_test(test_reset_switched_off),
	cmocka_unit_test(test_features_offered),
	cmocka_unit_test(test_features_ok_refused_for_impossible_sets),
	cmocka_unit_test(test_admin_queue_switched_off),
	cmocka_unit_test(test_queue_programming),
	cmocka_unit_test(test_queue_reset),
	cmocka_unit_test(test_queue_enable_ring_wrapping_is_fatal),
	cmocka_unit_test(test_notify_before_driver_ok_ignored),
	cmocka_unit_test(test_dma_fault_unmapped_ring),
	cmocka_unit_test(test_dma_fault_past_region_end),
	cmocka_unit_test(test_dma_fault_freed_region),
	cmocka_unit_test(test_surprise_removal_reads_all_ones),
	cmocka_unit_test(test_pci_cfg_window_reaches_bar0),
	cmocka_unit_test(test_isr_read_clears),
	cmocka_unit_test(test_dump_config_lspci_format))
