/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * PF bring-up against the scripted fake device (fake_dev.c): what attach
 * negotiates (features, dialect, LIST_USE), what it refuses and why, the
 * rules around LIST_USE, and the chunk size the engine was sized for
 * (vpf_admin_max_chunk()).
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pf_harness.h"
#include "vpf_virtio.h"
#include "pf/pf_internal.h"

static void
test_attach_ok(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(8, 0, 0, &fd);
	struct vpf_pf_info info;

	(void)state;
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_string_equal(info.name, "t");
	assert_string_equal(info.backend, "fake");
	assert_int_equal(info.num_vfs, 8);
	assert_int_equal(vpf_pf_num_vfs(pf), 8);
	assert_int_equal(info.admin_queue_index, FAKE_AQ_INDEX);
	assert_int_equal(info.admin_queue_size, 512);
	assert_int_equal(info.dialect, VPF_DIALECT_DRAFT_2023);
	assert_true(info.has_fields_query);
	assert_true(info.has_write_record);
	assert_true(info.driver_features & VPF_FEATURE(VPF_F_ADMIN_VQ));
	assert_true(info.driver_features & VPF_FEATURE(VPF_F_RING_RESET));
	assert_true(info.driver_features & VPF_FEATURE(VPF_F_SR_IOV));
	/* Device-specific bits are not taken by the owner driver. */
	assert_false(info.driver_features & VPF_FEATURE(VPF_NET_F_CTRL_VQ));
	assert_int_equal(info.cmds_enabled, fd->enabled);
	assert_true(fd->status & VPF_STATUS_DRIVER_OK);
	vpf_pf_detach(pf);
	/* Detach resets the device. */
	assert_int_equal(fd->status, 0);
	pft_fake_free(fd);
}

struct refusal {
	uint32_t flags;
	int err;
	const char *msg;
};

static void
test_attach_refusals(void **state)
{
	static const struct refusal cases[] = {
		{ FAKE_NO_ADMIN_VQ, ENOTSUP, "device does not offer VIRTIO_F_ADMIN_VQ" },
		{ FAKE_NO_ADMIN_QUEUE, ENOTSUP, "device has no admin queue (admin_queue_num is 0)" },
		{ FAKE_SHORT_COMMON, ENOTSUP, "common cfg is 56 bytes, VIRTIO_F_ADMIN_VQ needs 64" },
		/* A virtio 1.0-1.2 device (0x38-byte common cfg, no ADMIN_VQ)
		 * is refused for the missing feature, not for the length. */
		{ FAKE_SHORT_COMMON | FAKE_NO_ADMIN_VQ, ENOTSUP,
		  "device does not offer VIRTIO_F_ADMIN_VQ" },
		{ FAKE_CAP_LOOP, EIO, "capability list loops at 0x40" },
		{ FAKE_CAP_PTR_HDR, EIO, "capability pointer 0x20 points into the config header" },
		{ FAKE_CAP_BOUNDS, EIO, "common cfg capability at 0x40: range 0x0+0x5000 lies outside BAR 0" },
		{ FAKE_NO_FEATURES_OK, EIO, "FEATURES_OK not set" },
		{ FAKE_NO_RESET, ETIMEDOUT, "device did not complete reset" },
		{ FAKE_GONE, ENODEV, "device is gone (vendor id reads 0xffff)" },
		{ FAKE_V14, ENOTSUP, "virtio 1.4 device-parts dialect" },
		{ FAKE_NO_MIGRATION, ENOTSUP,
		  "device lacks the base migration commands DEV_CTX_WRITE(0xb), DEV_CTX_DISCARD(0xd)" },
		{ FAKE_VF_DISABLED, ENOTSUP, "VFs are not enabled" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_dev *fd = pft_fake_new(4, cases[i].flags);
		struct vpf_pf *pf;

		errno = 0;
		pf = pft_attach(fd, 0);
		if (pf != NULL || errno != cases[i].err ||
		    strstr(vpf_last_error(), cases[i].msg) == NULL)
			fail_msg("case %zu: pf %p errno %d (want %d) msg \"%s\" (want \"%s\")",
				 i, (void *)pf, errno, cases[i].err,
				 vpf_last_error(), cases[i].msg);
		pft_fake_free(fd);
	}
}

static void
test_list_use_rules(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_cmd c, l;
	uint64_t w = 0;
	uint8_t m;

	(void)state;
	fd->auto_answer = false;
	memset(&c, 0, sizeof(c));
	memset(&l, 0, sizeof(l));
	vpf_admin_prep_mode_get(&c, 1, &m);
	assert_int_equal(vpf_admin_submit(pf, &c), 0);
	l.opcode = VPF_ADMIN_OP_LIST_USE;
	l.group_type = VPF_ADMIN_GROUP_SRIOV;
	l.data = &w;
	l.data_len = 8;
	assert_int_equal(vpf_admin_submit(pf, &l), -EPERM);
	l.priv[2] = CMD_F_INTERNAL;	/* as the engine sends it */
	assert_int_equal(vpf_admin_submit(pf, &l), -EBUSY);
	assert_non_null(strstr(vpf_last_error(), "LIST_USE while 1 commands are outstanding"));
	fd->auto_answer = true;
	while (vpf_admin_inflight(pf))
		assert_true(vpf_admin_poll(pf) >= 0);
	/* Unaligned raw data is refused. */
	memset(&c, 0, sizeof(c));
	vpf_admin_prep_mode_set(&c, 1, 0);
	c.data_len = 5;
	assert_int_equal(vpf_admin_submit(pf, &c), -EINVAL);
	/* So is a CTX_READ result that is not a non-zero multiple of 8,
	 * through the generic submit too (doc/protocol.md §4.5). */
	{
		uint8_t buf[16];
		uint32_t answered = fd->answered;

		memset(&c, 0, sizeof(c));
		vpf_admin_prep_ctx_read(&c, 1, buf, 12);
		assert_int_equal(vpf_admin_submit(pf, &c), -EINVAL);
		assert_string_equal(vpf_last_error(),
				    "DEV_CTX_READ chunk of 12 bytes: must be a non-zero multiple of 8");
		vpf_admin_prep_ctx_read(&c, 1, NULL, 0);
		assert_int_equal(vpf_admin_submit(pf, &c), -EINVAL);
		assert_int_equal(vpf_admin_inflight(pf), 0);
		assert_int_equal(fd->answered, answered);
		vpf_admin_prep_ctx_read(&c, 1, buf, 16);
		assert_int_equal(vpf_admin_exec(pf, &c), 0);
	}
	pft_down(pf, fd);
}

/* vpf_admin_max_chunk() is the max_chunk the PF was attached with, and the
 * limit the chunked commands hold to: one chunk more is refused locally,
 * exactly that much goes to the device. */
static void
test_admin_max_chunk(void **state)
{
	static const uint32_t sizes[] = { 0, 64, 4096, 65536 };
	static const uint32_t refused[] = { 8, 56, 12, (1u << 24) + 8 };
	static uint8_t buf[65536 + 8];
	struct vpf_pf_params p;
	struct fake_dev *fd;
	struct vpf_pf *pf;
	uint32_t i, want, got, answered;

	(void)state;
	assert_int_equal(vpf_admin_max_chunk(NULL), 0);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		pft_params(&p, "t", 20000, 0);
		if (sizes[i] != 0)
			p.max_chunk = sizes[i];
		want = sizes[i] != 0 ? sizes[i] : 64 * 1024;	/* the default */
		pf = pft_up_with(4, 0, &fake_ops, &p, &fd);
		if (vpf_admin_max_chunk(pf) != want)
			fail_msg("max_chunk %u: vpf_admin_max_chunk() says %u",
				 want, vpf_admin_max_chunk(pf));
		answered = fd->answered;
		assert_int_equal(vpf_admin_ctx_read_chunk(pf, 1, buf, want + 8, &got),
				 -EINVAL);
		assert_non_null(strstr(vpf_last_error(), "max_chunk"));
		assert_int_equal(fd->answered, answered);
		assert_int_equal(vpf_admin_ctx_read_chunk(pf, 1, buf, want, &got), 0);
		assert_int_equal(got, want < fd->vf[1].ctx_len ? want : fd->vf[1].ctx_len);
		pft_down(pf, fd);
	}
	/* What the engine cannot be sized for is refused by attach. */
	for (i = 0; i < RTE_DIM(refused); i++) {
		fd = pft_fake_new(4, 0);
		pft_params(&p, "t", 20000, 0);
		p.max_chunk = refused[i];
		errno = 0;
		assert_null(vpf_pf_attach(&fake_ops, fd, &p));
		assert_int_equal(errno, EINVAL);
		/* Refused as a parameter, before the device is touched. */
		assert_non_null(strstr(vpf_last_error(),
				       "is not a multiple of 8 in 64 bytes..16 MiB"));
		assert_int_equal(fd->status, 0);
		pft_fake_free(fd);
	}
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_attach_ok),
	cmocka_unit_test(test_attach_refusals),
	cmocka_unit_test(test_list_use_rules),
	cmocka_unit_test(test_admin_max_chunk),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
