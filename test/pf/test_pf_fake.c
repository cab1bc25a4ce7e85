/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * PF driver core against the scripted fake device (test/pf/fake_dev.c):
 * bring-up and its refusals, the split virtqueue's validation, the admin
 * engine (async, many VFs, deadlines, recovery, retries, hostile
 * completions) and every typed command.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_byteorder.h>

#include "vpf_pf.h"
#include "vpf_virtio.h"
#include "dma_watch.h"
#include "fake_dev.h"
#include "pf/pf_internal.h"

static struct fake_dev *
new_fake(uint16_t vfs, uint32_t flags)
{
	struct fake_dev *fd = malloc(sizeof(*fd));

	assert_non_null(fd);
	fake_init(fd, vfs, flags);
	return fd;
}

static void
free_fake(struct fake_dev *fd)
{
	fake_fini(fd);
	free(fd);
}

static struct vpf_pf *
attach(struct fake_dev *fd, uint32_t timeout_us)
{
	struct vpf_pf_params p;

	vpf_pf_params_init(&p);
	p.name = "t";
	p.reset_timeout_us = 20000;
	if (timeout_us)
		p.cmd_timeout_us = timeout_us;
	p.retry_backoff_us = 1;
	return vpf_pf_attach(&fake_ops, fd, &p);
}

/* ------------------------------------------------------------------------
 * Bring-up
 * --------------------------------------------------------------------- */

static void
test_attach_ok(void **state)
{
	struct fake_dev *fd = new_fake(8, 0);
	struct vpf_pf_info info;
	struct vpf_pf *pf;

	(void)state;
	pf = attach(fd, 0);
	assert_non_null(pf);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_string_equal(info.name, "t");
	assert_string_equal(info.backend, "fake");
	assert_int_equal(info.num_vfs, 8);
	assert_int_equal(vpf_pf_num_vfs(pf), 8);
	assert_int_equal(info.admin_queue_index, FAKE_AQ_INDEX);
	assert_int_equal(info.admin_queue_size, 512);
	assert_int_equal(info.dialect, VPF_DIALECT_SEED_2023);
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
	free_fake(fd);
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
		struct fake_dev *fd = new_fake(4, cases[i].flags);
		struct vpf_pf *pf;

		errno = 0;
		pf = attach(fd, 0);
		if (pf != NULL || errno != cases[i].err ||
		    strstr(vpf_last_error(), cases[i].msg) == NULL)
			fail_msg("case %zu: pf %p errno %d (want %d) msg \"%s\" (want \"%s\")",
				 i, (void *)pf, errno, cases[i].err,
				 vpf_last_error(), cases[i].msg);
		free_fake(fd);
	}
}

static void
test_virtio_generic(void **state)
{
	struct fake_dev *fd = new_fake(2, 0);
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
	free_fake(fd);
}

/* ------------------------------------------------------------------------
 * Split virtqueue validation
 * --------------------------------------------------------------------- */

static void
test_vq_validation(void **state)
{
	struct fake_dev *fd = new_fake(2, 0);
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
	free_fake(fd);
}

/* ------------------------------------------------------------------------
 * Typed commands
 * --------------------------------------------------------------------- */

static void
test_mode_cmds(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	uint16_t st, q;
	uint8_t m = 9;

	(void)state;
	assert_non_null(pf);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	assert_int_equal(m, VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vpf_admin_mode_set(pf, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	assert_int_equal(m, VPF_DEV_MODE_FREEZE);
	assert_int_equal(fd->vf[2].mode, VPF_DEV_MODE_ACTIVE);
	/* Local refusals send nothing. */
	{
		uint32_t before = fd->answered;

		assert_int_equal(vpf_admin_mode_set(pf, 1, 3), -EINVAL);
		assert_non_null(strstr(vpf_last_error(), "reserved"));
		assert_int_equal(vpf_admin_mode_get(pf, 0, &m), -EINVAL);
		assert_int_equal(vpf_admin_mode_get(pf, 5, &m), -EINVAL);
		assert_non_null(strstr(vpf_last_error(), "VF 5 does not exist"));
		assert_int_equal(fd->answered, before);
	}
	/* Device failure: CTX_WRITE outside Freeze. */
	{
		uint8_t b[8] = { 0 };

		assert_int_equal(vpf_admin_ctx_write_chunk(pf, 2, b, 8), -EINVAL);
		vpf_admin_last_status(pf, &st, &q);
		assert_int_equal(st, VPF_ADMIN_STATUS_EINVAL);
		assert_int_equal(q, VPF_ADMIN_SQ_INVALID_COMMAND);
		assert_string_equal(vpf_last_error(),
				    "DEV_CTX_WRITE on VF 2 failed: status EINVAL (22), qualifier INVALID_COMMAND (1)");
	}
	vpf_pf_detach(pf);
	free_fake(fd);
}

static void
test_ctx_read_chunks(void **state)
{
	static const uint32_t chunks[] = { 8, 16, 24, 64, 120, 128, 136, 256, 4096, 65536 };
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	uint8_t buf[8192];
	uint64_t size;
	size_t len, i;
	uint32_t got;

	(void)state;
	assert_non_null(pf);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(vpf_admin_ctx_discard(pf, 3), 0);
		assert_int_equal(vpf_admin_ctx_size_get(pf, 3, false, &size), 0);
		assert_int_equal(size, fd->vf[3].ctx_len);
		memset(buf, 0xee, sizeof(buf));
		if (vpf_admin_ctx_read(pf, 3, chunks[i], buf, sizeof(buf), &len) != 0)
			fail_msg("chunk %u: %s", chunks[i], vpf_last_error());
		assert_int_equal(len, fd->vf[3].ctx_len);
		assert_memory_equal(buf, fd->vf[3].ctx, len);
		/* Complete: SIZE_GET 0 and READ returns 0 until DISCARD. */
		assert_int_equal(vpf_admin_ctx_size_get(pf, 3, false, &size), 0);
		assert_int_equal(size, 0);
		assert_int_equal(vpf_admin_ctx_read_chunk(pf, 3, buf, 8, &got), 0);
		assert_int_equal(got, 0);
	}
	assert_int_equal(vpf_admin_ctx_size_get(pf, 3, true, &size), 0);
	assert_int_equal(size, fd->vf[3].ctx_len);
	/* Odd sizes refused locally. */
	assert_int_equal(vpf_admin_ctx_read(pf, 3, 12, buf, sizeof(buf), &len), -EINVAL);
	assert_non_null(strstr(vpf_last_error(), "multiple of 8"));
	assert_int_equal(vpf_admin_ctx_read(pf, 3, 0, buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(vpf_admin_ctx_read_chunk(pf, 3, buf, 7, &got), -EINVAL);
	assert_int_equal(vpf_admin_ctx_read(pf, 3, 65544, buf, sizeof(buf), &len), -EINVAL);
	assert_non_null(strstr(vpf_last_error(), "max_chunk"));

	/* Exactly fitting buffer: end confirmed by SIZE_GET. */
	fd->vf[3].ctx_len = 256;
	assert_int_equal(vpf_admin_ctx_discard(pf, 3), 0);
	assert_int_equal(vpf_admin_ctx_read(pf, 3, 64, buf, 256, &len), 0);
	assert_int_equal(len, 256);
	/* Too small: ENOSPC, partial. */
	assert_int_equal(vpf_admin_ctx_discard(pf, 3), 0);
	assert_int_equal(vpf_admin_ctx_read(pf, 3, 64, buf, 100, &len), -ENOSPC);
	assert_int_equal(len, 96);
	/* Growing buffer. */
	{
		void *b = NULL;

		fd->vf[3].ctx_len = 5000;
		assert_int_equal(vpf_admin_ctx_discard(pf, 3), 0);
		assert_int_equal(vpf_admin_ctx_read_alloc(pf, 3, 64, &b, &len), 0);
		assert_int_equal(len, 5000);
		assert_memory_equal(b, fd->vf[3].ctx, 5000);
		free(b);
	}
	vpf_pf_detach(pf);
	free_fake(fd);
}

static void
test_ctx_write_chunks(void **state)
{
	static const uint32_t chunks[] = { 8, 16, 40, 128, 1024, 65536 };
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	uint8_t ctx[3001];
	size_t i;

	(void)state;
	assert_non_null(pf);
	for (i = 0; i < sizeof(ctx); i++)
		ctx[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(vpf_admin_mode_set(pf, 4, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(vpf_admin_ctx_write(pf, 4, ctx, sizeof(ctx), chunks[i]), 0);
		/* Last chunk zero-padded to 8. */
		assert_int_equal(fd->vf[4].wlen, 3008);
		assert_memory_equal(fd->vf[4].wctx, ctx, sizeof(ctx));
		assert_int_equal(fd->vf[4].wctx[3001], 0);
		assert_int_equal(fd->vf[4].wctx[3007], 0);
		assert_int_equal(vpf_admin_mode_set(pf, 4, VPF_DEV_MODE_STOP), 0);
		assert_memory_equal(fd->vf[4].ctx, ctx, sizeof(ctx));
	}
	assert_int_equal(vpf_admin_ctx_write(pf, 4, ctx, sizeof(ctx), 12), -EINVAL);
	assert_int_equal(vpf_admin_ctx_write_chunk(pf, 4, ctx, 9), -EINVAL);
	/* Outside Freeze the device refuses. */
	assert_int_equal(vpf_admin_ctx_write(pf, 4, ctx, sizeof(ctx), 64), -EINVAL);
	vpf_pf_detach(pf);
	free_fake(fd);
}

static void
test_fields_discard_wr(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_admin_ctx_field_info fi[8];
	struct vpf_admin_wr_range rg = { 0x100000, 256 };
	struct vpf_wr_cap cap;
	uint64_t bm[4], recs;
	uint32_t n, i;

	(void)state;
	assert_non_null(pf);
	assert_int_equal(vpf_admin_ctx_fields_query(pf, 1, fi, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rte_le_to_cpu_16(fi[0].type), VPF_CTX_DEV_FEATURES);
	assert_int_equal(rte_le_to_cpu_64(fi[0].length), 8);
	assert_int_equal(rte_le_to_cpu_16(fi[1].type), VPF_CTX_DEV_CFG);
	assert_int_equal(rte_le_to_cpu_64(fi[1].length), 12);
	/* Raw wire entries, byte for byte as the device wrote them. */
	{
		static const uint8_t wire[32] = {
			0x01, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0,
			0x00, 0x10, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0,
		};

		assert_memory_equal(fi, wire, sizeof(wire));
	}
	/* Only one fits: one entry. */
	assert_int_equal(vpf_admin_ctx_fields_query(pf, 1, fi, 1, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(vpf_admin_wr_cap_query(pf, 2, &cap), 0);
	assert_int_equal(cap.page_size_bitmap, 1);
	assert_int_equal(cap.max_ranges, 4);
	/* READ before START fails on the device. */
	memset(bm, 0, sizeof(bm));
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), -EINVAL);
	assert_int_equal(vpf_admin_wr_start(pf, 2, 4096, &rg, 1), 0);
	assert_int_equal(vpf_admin_wr_start(pf, 2, 4096, &rg, 1), -EINVAL);
	assert_int_equal(vpf_admin_wr_start(pf, 2, 3000, &rg, 1), -EINVAL);
	for (i = 0; i < 40; i++)
		fd->vf[2].dirty[i] = 0x100000 + (uint64_t)(i * 3) * 4096;
	fd->vf[2].ndirty = 40;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), 0);
	assert_int_equal(recs, 40);
	for (i = 0; i < 256; i++) {
		bool set = (bm[i / 64] >> (i % 64)) & 1;

		assert_int_equal(set, i % 3 == 0 && i / 3 < 40);
	}
	/* A record outside the range is a device error. */
	fd->vf[2].dirty[0] = 0x5000;
	fd->vf[2].ndirty = 1;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), -EIO);
	/* So is one just past the end, or not page aligned; the last page
	 * and a record in 8 KiB pages land on their bits. */
	fd->vf[2].dirty[0] = 0x100000 + 256 * 4096;
	fd->vf[2].ndirty = 1;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), -EIO);
	fd->vf[2].dirty[0] = 0x100000 + 4096 + 8;
	fd->vf[2].ndirty = 1;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), -EIO);
	fd->vf[2].dirty[0] = 0x100000 + 4096;
	fd->vf[2].ndirty = 1;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 8192, bm, &recs), -EIO);
	memset(bm, 0, sizeof(bm));
	fd->vf[2].dirty[0] = 0x100000 + 255 * 4096;
	fd->vf[2].dirty[1] = 0x100000 + 6 * 4096;
	fd->vf[2].ndirty = 2;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), 0);
	assert_int_equal(recs, 2);
	assert_int_equal(bm[3], UINT64_C(1) << 63);
	assert_int_equal(bm[0], UINT64_C(1) << 6);
	memset(bm, 0, sizeof(bm));
	fd->vf[2].dirty[0] = 0x100000 + 6 * 4096;
	fd->vf[2].ndirty = 1;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 8192, bm, &recs), 0);
	assert_int_equal(bm[0], UINT64_C(1) << 3);
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100001, 4096, 4096, bm, &recs), -EINVAL);
	assert_int_equal(vpf_admin_wr_stop(pf, 2), 0);
	assert_int_equal(vpf_admin_wr_stop(pf, 2), 0);
	assert_int_equal(vpf_admin_ctx_discard(pf, 2), 0);
	vpf_pf_detach(pf);
	free_fake(fd);

	/* Without write recording or FIELDS_QUERY: refused locally. */
	fd = new_fake(4, FAKE_NO_WR | FAKE_NO_FIELDS);
	pf = attach(fd, 0);
	assert_non_null(pf);
	assert_int_equal(vpf_admin_wr_cap_query(pf, 1, &cap), -ENOTSUP);
	assert_string_equal(vpf_last_error(),
			    "dirty tracking unavailable on this device (no write recording commands)");
	assert_int_equal(vpf_admin_ctx_fields_query(pf, 1, fi, 8, &n), -ENOTSUP);
	{
		struct vpf_admin_cmd c;

		memset(&c, 0, sizeof(c));
		c.opcode = VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP;
		c.group_type = VPF_ADMIN_GROUP_SRIOV;
		c.member = 1;
		assert_int_equal(vpf_admin_submit(pf, &c), -ENOTSUP);
		assert_string_equal(vpf_last_error(),
				    "command DEV_WRITE_RECORDS_STOP (0x11) not enabled on this device");
	}
	vpf_pf_detach(pf);
	free_fake(fd);
}

/* ------------------------------------------------------------------------
 * Engine: many in flight, faults, recovery
 * --------------------------------------------------------------------- */

static int ncb;

static void
cb(struct vpf_admin_cmd *c)
{
	ncb++;
	*(int *)c->arg = c->rc;
}

static void
test_async_64_vfs(void **state)
{
	struct fake_dev *fd = new_fake(64, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_admin_cmd cmds[128];
	uint8_t modes[64];
	int rcs[128];
	uint64_t sizes[64];
	struct vpf_admin_stats st;
	uint32_t i;
	int n = 0;

	(void)state;
	assert_non_null(pf);
	for (i = 1; i <= 64; i++)
		fd->vf[i].mode = (uint8_t)(i % 3);
	fd->auto_answer = false;
	memset(cmds, 0, sizeof(cmds));
	ncb = 0;
	for (i = 0; i < 64; i++) {
		vpf_admin_prep_mode_get(&cmds[i], (uint16_t)(i + 1), &modes[i]);
		cmds[i].done = cb;
		cmds[i].arg = &rcs[i];
		rcs[i] = 1;
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
		vpf_admin_prep_ctx_size_get(&cmds[64 + i], (uint16_t)(i + 1), true, &sizes[i]);
		cmds[64 + i].done = cb;
		cmds[64 + i].arg = &rcs[64 + i];
		assert_int_equal(vpf_admin_submit(pf, &cmds[64 + i]), 0);
	}
	assert_int_equal(vpf_admin_inflight(pf), 128);
	vpf_admin_kick(pf);
	assert_int_equal(fd->kicks, 3);	/* attach took 2, one for the batch */
	/* Device answers in reverse order. */
	{
		static struct fake_req reqs[128];
		int k;

		for (k = 0; k < 128; k++)
			assert_int_equal(fake_pop(fd, &reqs[k]), 1);
		for (k = 127; k >= 0; k--)
			fake_handle(fd, &reqs[k]);
	}
	while (n < 128) {
		int r = vpf_admin_poll(pf);

		assert_true(r >= 0);
		n += r;
	}
	assert_int_equal(ncb, 128);
	for (i = 0; i < 64; i++) {
		assert_int_equal(rcs[i], 0);
		assert_int_equal(modes[i], (i + 1) % 3);
		assert_int_equal(rcs[64 + i], 0);
		assert_int_equal(sizes[i], fd->vf[i + 1].ctx_len);
	}
	assert_int_equal(vpf_admin_inflight(pf), 0);
	assert_int_equal(vpf_admin_stats_get(pf, 7, &st), 0);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_GET], 1);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_CTX_SIZE_GET], 1);
	assert_int_equal(st.lat_count, 2);
	assert_int_equal(vpf_admin_stats_get(pf, 0, &st), 0);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_GET], 64);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_LIST_QUERY], 1);
	assert_true(st.lat_min_ns <= st.lat_max_ns);
	assert_int_equal(vpf_admin_stats_get(pf, 65, &st), -EINVAL);
	/* Slots running out is test_slots_exhausted. */
	vpf_pf_detach(pf);
	free_fake(fd);
}

static void
test_slots_exhausted(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	static struct vpf_admin_cmd cmds[300];
	static uint8_t modes[300];
	uint32_t i, nslots = pf->nslots;
	uint8_t m;

	(void)state;
	fd->auto_answer = false;
	memset(cmds, 0, sizeof(cmds));
	for (i = 0; i < nslots; i++) {
		vpf_admin_prep_mode_get(&cmds[i], 1, &modes[i]);
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
	}
	vpf_admin_prep_mode_get(&cmds[nslots], 1, &modes[nslots]);
	assert_int_equal(vpf_admin_submit(pf, &cmds[nslots]), -EBUSY);
	/* The device answers everything; exec of a new one waits for room. */
	fd->auto_answer = true;
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);
	while (vpf_admin_inflight(pf) > 0)
		assert_true(vpf_admin_poll(pf) >= 0);
	for (i = 0; i < nslots; i++)
		assert_int_equal(cmds[i].rc, 0);
	/* Resubmitting a command in flight is refused. */
	fd->auto_answer = false;
	vpf_admin_prep_mode_get(&cmds[0], 1, &modes[0]);
	assert_int_equal(vpf_admin_submit(pf, &cmds[0]), 0);
	assert_int_equal(vpf_admin_submit(pf, &cmds[0]), -EINVAL);
	fd->auto_answer = true;
	while (vpf_admin_inflight(pf) > 0)
		assert_true(vpf_admin_poll(pf) >= 0);
	vpf_pf_detach(pf);
	free_fake(fd);
}

static void
hang_and_recover(bool ring_reset)
{
	struct fake_dev *fd = new_fake(8, ring_reset ? 0 : FAKE_NO_RING_RESET);
	struct vpf_pf *pf = attach(fd, 20000);
	struct vpf_admin_cmd cmds[8];
	uint8_t modes[8], m;
	int rcs[8];
	struct vpf_admin_stats st;
	struct vpf_pf_info info;
	uint32_t i, resets;

	assert_non_null(pf);
	resets = fd->resets;
	memset(cmds, 0, sizeof(cmds));
	fd->hang_next = 1;
	fd->hang_vf = 3;
	ncb = 0;
	for (i = 0; i < 8; i++) {
		vpf_admin_prep_mode_get(&cmds[i], (uint16_t)(i + 1), &modes[i]);
		cmds[i].done = cb;
		cmds[i].arg = &rcs[i];
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
	}
	/* The kick makes the fake answer all but VF 3's. */
	while (ncb < 8)
		assert_true(vpf_admin_poll(pf) >= 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(rcs[i], i == 2 ? -ETIMEDOUT : 0);
	assert_non_null(strstr(vpf_last_error(), "DEV_MODE_GET on VF 3 timed out"));
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.recoveries, 1);
	if (ring_reset) {
		assert_int_equal(fd->queue_resets, 1);
		assert_int_equal(fd->resets, resets);
	} else {
		assert_int_equal(fd->queue_resets, 0);
		assert_int_equal(fd->resets, resets + 1);
		/* LIST_USE renegotiated. */
		assert_int_equal(fd->enabled, info.cmds_enabled);
	}
	assert_int_equal(vpf_admin_stats_get(pf, 3, &st), 0);
	assert_int_equal(st.timeouts, 1);
	/* Everything works again, VF 3 included. */
	for (i = 1; i <= 8; i++)
		assert_int_equal(vpf_admin_mode_get(pf, (uint16_t)i, &m), 0);

	/* A hang with other commands on the ring: they are cancelled. */
	fd->hang_next = 1;
	fd->hang_vf = 1;
	fd->auto_answer = false;
	ncb = 0;
	for (i = 0; i < 4; i++) {
		vpf_admin_prep_mode_get(&cmds[i], (uint16_t)(i + 1), &modes[i]);
		cmds[i].done = cb;
		cmds[i].arg = &rcs[i];
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
	}
	vpf_admin_kick(pf);
	{
		struct fake_req r;

		/* VF 1 hangs, VF 2 answered, VF 3/4 never looked at. */
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_handle(fd, &r);
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_handle(fd, &r);
	}
	fd->auto_answer = true;
	while (ncb < 4)
		assert_true(vpf_admin_poll(pf) >= 0);
	assert_int_equal(rcs[0], -ETIMEDOUT);
	assert_int_equal(rcs[1], 0);
	assert_int_equal(rcs[2], -ECANCELED);
	assert_int_equal(rcs[3], -ECANCELED);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	vpf_pf_detach(pf);
	free_fake(fd);
}

static void
test_timeout_queue_reset(void **state)
{
	(void)state;
	hang_and_recover(true);
}

static void
test_timeout_device_reinit(void **state)
{
	(void)state;
	hang_and_recover(false);
}

static void
test_retry_eagain(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_admin_stats st;
	uint16_t s, q;
	uint8_t m;

	(void)state;
	assert_non_null(pf);
	fd->eagain_next = 3;
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);
	assert_int_equal(fd->eagain_given, 3);
	assert_int_equal(vpf_admin_stats_get(pf, 2, &st), 0);
	assert_int_equal(st.retries, 3);
	/* Bounded: gives up after retry_max. */
	fd->eagain_next = 1000;
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), -EAGAIN);
	assert_int_equal(fd->eagain_given, 3 + 17);
	vpf_admin_last_status(pf, &s, &q);
	assert_int_equal(s, VPF_ADMIN_STATUS_EAGAIN);
	assert_int_equal(q, VPF_ADMIN_SQ_TRYAGAIN);
	assert_non_null(strstr(vpf_last_error(), "status EAGAIN (11), qualifier TRYAGAIN (7)"));
	assert_int_equal(vpf_admin_stats_get(pf, 0, &st), 0);
	assert_int_equal(st.errors_by_status[VPF_ADMIN_STATUS_EAGAIN], 1);
	fd->eagain_next = 0;
	vpf_pf_detach(pf);
	free_fake(fd);
}

static void
test_malformed_completions(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 20000);
	struct vpf_pf_info info;
	uint8_t m, buf[64];
	uint32_t got;

	(void)state;
	assert_non_null(pf);
	/* used.len larger than posted. */
	fd->bad_len_next = 1;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
	assert_non_null(strstr(vpf_last_error(), "were posted"));
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	/* Duplicate completion: caught, the next commands are unharmed. */
	fd->dup_next = 1;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);
	assert_true(pf->protocol_errors >= 2);
	/* Bad id: the command is lost, times out, the queue recovers. */
	fd->bad_id_next = 1;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -ETIMEDOUT);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.recoveries, 1);

	/* Handcrafted completions. */
	fd->auto_answer = false;
	{
		struct vpf_admin_cmd c;
		struct fake_req r;
		uint8_t res[16] = { 7 };

		memset(&c, 0, sizeof(c));
		/* Reserved mode in MODE_GET. */
		vpf_admin_prep_mode_get(&c, 1, &m);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_complete(fd, &r, 0, 0, 0, res, 1, UINT32_MAX);
		assert_int_equal(vpf_admin_poll(pf), 1);
		assert_int_equal(c.rc, -EIO);
		assert_non_null(strstr(vpf_last_error(), "reserved mode"));
		/* used.len shorter than the status. */
		vpf_admin_prep_mode_get(&c, 1, &m);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_complete(fd, &r, 0, 0, 0, NULL, 0, 4);
		assert_int_equal(vpf_admin_poll(pf), 1);
		assert_int_equal(c.rc, -EIO);
		/* context_len larger than posted, and than used.len - 8. */
		vpf_admin_prep_ctx_read(&c, 1, buf, 64);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_complete(fd, &r, 0, 0, 72, buf, 64, UINT32_MAX);
		assert_int_equal(vpf_admin_poll(pf), 1);
		assert_int_equal(c.rc, -EIO);
		assert_non_null(strstr(vpf_last_error(), "context_len larger than the posted buffer"));
		vpf_admin_prep_ctx_read(&c, 1, buf, 64);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_complete(fd, &r, 0, 0, 32, buf, 16, UINT32_MAX);
		assert_int_equal(vpf_admin_poll(pf), 1);
		assert_int_equal(c.rc, -EIO);
		assert_non_null(strstr(vpf_last_error(), "used.len - 8"));
		/* Unknown status and qualifier: reported, EINVAL. */
		vpf_admin_prep_mode_get(&c, 1, &m);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_complete(fd, &r, 99, 42, 0, NULL, 0, UINT32_MAX);
		assert_int_equal(vpf_admin_poll(pf), 1);
		assert_int_equal(c.rc, -EINVAL);
		assert_int_equal(c.status, 99);
		assert_int_equal(c.qualifier, 42);
		assert_non_null(strstr(vpf_last_error(), "status UNKNOWN (99), qualifier UNKNOWN (42)"));
		/* ENOSPC (added later) is accepted and reported. */
		vpf_admin_prep_ctx_read(&c, 1, buf, 64);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_complete(fd, &r, VPF_ADMIN_STATUS_ENOSPC, 0, 0, NULL, 0, UINT32_MAX);
		assert_int_equal(vpf_admin_poll(pf), 1);
		assert_int_equal(c.rc, -ENOSPC);
	}
	/* An impossible used index: the ring is reset at once, all -EIO. */
	{
		struct vpf_admin_cmd c2;
		struct vpf_admin_cmd c3;
		uint8_t *used = fake_iova(fd, fd->aq_used, 4);
		uint32_t qr = fd->queue_resets;

		memset(&c2, 0, sizeof(c2));
		memset(&c3, 0, sizeof(c3));
		vpf_admin_prep_mode_get(&c2, 1, &m);
		vpf_admin_prep_mode_get(&c3, 2, &m);
		assert_int_equal(vpf_admin_submit(pf, &c2), 0);
		assert_int_equal(vpf_admin_submit(pf, &c3), 0);
		vpf_admin_kick(pf);
		assert_non_null(used);
		used[2] = (uint8_t)(used[2] + 0x80);
		used[3] = (uint8_t)(used[3] + 0x10);
		assert_int_equal(vpf_admin_poll(pf), 2);
		assert_int_equal(c2.rc, -EIO);
		assert_int_equal(c3.rc, -EIO);
		assert_int_equal(fd->queue_resets, qr + 1);
		assert_int_equal(vpf_pf_info_get(pf, &info), 0);
		assert_int_equal(info.recoveries, 2);
	}
	(void)got;
	fd->auto_answer = true;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	vpf_pf_detach(pf);
	free_fake(fd);
}

/* Submit one command by hand and return the request the device took. */
static void
submit_take(struct vpf_pf *pf, struct fake_dev *fd, struct vpf_admin_cmd *c,
	    struct fake_req *r)
{
	c->done = NULL;
	c->arg = NULL;
	memset(c->priv, 0, sizeof(c->priv));
	assert_int_equal(vpf_admin_submit(pf, c), 0);
	vpf_admin_kick(pf);
	assert_int_equal(fake_pop(fd, r), 1);
}

static void
poll_until_done(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	int i;

	for (i = 0; i < 1000 && c->priv[1] != CMD_DONE; i++)
		assert_true(vpf_admin_poll(pf) >= 0);
	assert_int_equal(c->priv[1], CMD_DONE);
}

static void
test_status_not_written(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	static struct fake_req r;
	struct vpf_admin_cmd c;
	uint64_t size = 0, v;
	uint64_t perr;
	uint8_t m, buf[64];

	(void)state;
	assert_non_null(pf);
	/* VF 1's size lands in the slot's buffer. */
	assert_int_equal(vpf_admin_ctx_size_get(pf, 1, false, &size), 0);
	assert_int_equal(size, fd->vf[1].ctx_len);
	fd->auto_answer = false;
	memset(&c, 0, sizeof(c));

	/* The device claims 16 bytes for VF 2 but writes nothing: VF 1's OK
	 * and size must not come back as VF 2's. */
	perr = pf->protocol_errors;
	v = 0;
	vpf_admin_prep_ctx_size_get(&c, 2, false, &v);
	submit_take(pf, fd, &c, &r);
	fake_push_used(fd, r.head, 16);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, -EIO);
	assert_int_equal(v, 0);
	assert_int_equal(c.result_written, 0);
	assert_non_null(strstr(vpf_last_error(), "status not written"));
	assert_int_equal(pf->protocol_errors, perr + 1);

	/* CTX_READ: not a silent end of stream (context_len 0). */
	vpf_admin_prep_ctx_read(&c, 2, buf, 64);
	submit_take(pf, fd, &c, &r);
	fake_push_used(fd, r.head, 8 + 64);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, -EIO);
	assert_non_null(strstr(vpf_last_error(), "status not written"));

	/* Status written, fixed-size result not: the poison shows. */
	vpf_admin_prep_ctx_size_get(&c, 3, false, &v);
	submit_take(pf, fd, &c, &r);
	fake_complete(fd, &r, VPF_ADMIN_STATUS_OK, 0, 0, NULL, 0, 16);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, -EIO);
	assert_non_null(strstr(vpf_last_error(), "context size not written"));
	vpf_admin_prep_mode_get(&c, 3, &m);
	submit_take(pf, fd, &c, &r);
	fake_complete(fd, &r, VPF_ADMIN_STATUS_OK, 0, 0, NULL, 0, 9);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, -EIO);
	assert_non_null(strstr(vpf_last_error(), "reserved mode"));

	/* A proper answer still works. */
	fd->auto_answer = true;
	assert_int_equal(vpf_admin_ctx_size_get(pf, 2, false, &size), 0);
	assert_int_equal(size, fd->vf[2].ctx_len);
	vpf_pf_detach(pf);
	free_fake(fd);
}

/* A duplicate completion must never complete a newer command that got the
 * same descriptor head: not with the ring full (admin_queue_size 4), and
 * not when the stray arrives while nothing is in flight. */
static void
test_dup_completion_small_ring(void **state)
{
	struct fake_dev *fd = new_fake(8, 0);
	static struct vpf_admin_cmd a, b[4], c, d;
	static struct fake_req ra, rb[4], rc_, rd;
	struct vpf_pf_params p;
	struct vpf_pf *pf;
	uint64_t va = 0, vb[4], vc = 0, vd = 0, perr;
	uint32_t nb = 0, i, k;

	(void)state;
	vpf_pf_params_init(&p);
	p.name = "t";
	p.admin_queue_size = 4;
	pf = vpf_pf_attach(&fake_ops, fd, &p);
	assert_non_null(pf);
	fd->auto_answer = false;
	/* A, then as many others as there are slots: the ring is full. */
	vpf_admin_prep_ctx_size_get(&a, 1, false, &va);
	submit_take(pf, fd, &a, &ra);
	for (nb = 0; nb < 4; nb++) {
		vpf_admin_prep_ctx_size_get(&b[nb], 2, false, &vb[nb]);
		memset(b[nb].priv, 0, sizeof(b[nb].priv));
		if (vpf_admin_submit(pf, &b[nb]) != 0)
			break;
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &rb[nb]), 1);
	}
	fake_handle(fd, &ra);
	poll_until_done(pf, &a);
	assert_int_equal(a.rc, 0);
	assert_int_equal(va, fd->vf[1].ctx_len);

	/* C takes A's slot but not A's head; A's duplicate is a stray. */
	perr = pf->protocol_errors;
	vpf_admin_prep_ctx_size_get(&c, 3, false, &vc);
	submit_take(pf, fd, &c, &rc_);
	assert_int_not_equal(rc_.head, ra.head);
	fake_push_used(fd, ra.head, 16);
	for (i = 0; i < 5; i++)
		assert_true(vpf_admin_poll(pf) >= 0);
	assert_int_not_equal(c.priv[1], CMD_DONE);
	assert_int_equal(pf->protocol_errors, perr + 1);
	fake_handle(fd, &rc_);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(vc, fd->vf[3].ctx_len);
	for (i = 0; i < nb; i++) {
		fake_handle(fd, &rb[i]);
		poll_until_done(pf, &b[i]);
		assert_int_equal(b[i].rc, 0);
		assert_int_equal(vb[i], fd->vf[2].ctx_len);
	}
	assert_int_equal(vpf_admin_inflight(pf), 0);

	/* A stray while idle is read and dropped at once, not left for the
	 * next command that reuses its head. */
	perr = pf->protocol_errors;
	fake_push_used(fd, rc_.head, 16);
	fake_push_used(fd, ra.head, 16);
	assert_int_equal(vpf_admin_poll(pf), 0);
	assert_int_equal(pf->protocol_errors, perr + 2);
	for (k = 0; k < 4; k++) {
		vpf_admin_prep_ctx_size_get(&d, (uint16_t)(4 + k), false, &vd);
		submit_take(pf, fd, &d, &rd);
		for (i = 0; i < 5; i++)
			assert_true(vpf_admin_poll(pf) >= 0);
		if (d.priv[1] == CMD_DONE)
			fail_msg("round %u: D (head %u) completed by a stray, rc %d",
				 k, rd.head, d.rc);
		fake_handle(fd, &rd);
		poll_until_done(pf, &d);
		assert_int_equal(d.rc, 0);
		assert_int_equal(vd, fd->vf[4 + k].ctx_len);
	}
	assert_int_equal(pf->protocol_errors, perr + 2);
	vpf_pf_detach(pf);
	free_fake(fd);
}

/* Status and qualifier ranges (FACTS.md 1): OK needs qualifier 0, a known
 * status a qualifier 0..7; only EAGAIN, and ENOMEM with NORESOURCE or
 * TRYAGAIN, are retried. */
static void
test_status_qualifier_ranges(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	static struct fake_req r;
	struct vpf_admin_cmd c;
	uint64_t perr, v;
	uint32_t answered;
	int i;

	(void)state;
	assert_non_null(pf);
	fd->auto_answer = false;
	memset(&c, 0, sizeof(c));

	/* OK with a qualifier: a device error, the result is not taken. */
	perr = pf->protocol_errors;
	v = 0;
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	submit_take(pf, fd, &c, &r);
	fake_complete(fd, &r, VPF_ADMIN_STATUS_OK, VPF_ADMIN_SQ_INVALID_FIELD, 0,
		      "\x10\0\0\0\0\0\0\0", 8, UINT32_MAX);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, -EIO);
	assert_int_equal(v, 0);
	assert_non_null(strstr(vpf_last_error(), "status OK with a non-zero qualifier (3 vs 0)"));
	assert_int_equal(pf->protocol_errors, perr + 1);
	/* A known status with a qualifier past TRYAGAIN. */
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	submit_take(pf, fd, &c, &r);
	fake_complete(fd, &r, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_MAX + 1, 0,
		      NULL, 0, UINT32_MAX);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, -EIO);
	assert_non_null(strstr(vpf_last_error(), "status qualifier out of range (8 vs 7)"));
	assert_int_equal(pf->protocol_errors, perr + 2);

	/* ENXIO + TRYAGAIN is ENXIO, not retried. */
	answered = fd->answered;
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	submit_take(pf, fd, &c, &r);
	fake_complete(fd, &r, VPF_ADMIN_STATUS_ENXIO, VPF_ADMIN_SQ_TRYAGAIN, 0,
		      NULL, 0, UINT32_MAX);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, -ENXIO);
	assert_int_equal(c.retries, 0);
	assert_int_equal(fd->answered, answered + 1);
	/* EINVAL + NORESOURCE neither. */
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	submit_take(pf, fd, &c, &r);
	fake_complete(fd, &r, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_NORESOURCE, 0,
		      NULL, 0, UINT32_MAX);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, -EINVAL);
	assert_int_equal(c.retries, 0);

	/* ENOMEM + NORESOURCE and EAGAIN + qualifier 0 are retried. */
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	submit_take(pf, fd, &c, &r);
	fake_complete(fd, &r, VPF_ADMIN_STATUS_ENOMEM, VPF_ADMIN_SQ_NORESOURCE, 0,
		      NULL, 0, UINT32_MAX);
	for (i = 0; i < 100000 && fake_pop(fd, &r) != 1; i++)
		assert_true(vpf_admin_poll(pf) >= 0);
	assert_int_not_equal(c.priv[1], CMD_DONE);
	fake_complete(fd, &r, VPF_ADMIN_STATUS_EAGAIN, VPF_ADMIN_SQ_OK, 0,
		      NULL, 0, UINT32_MAX);
	for (i = 0; i < 100000 && fake_pop(fd, &r) != 1; i++)
		assert_true(vpf_admin_poll(pf) >= 0);
	fake_handle(fd, &r);
	poll_until_done(pf, &c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.retries, 2);
	assert_int_equal(v, fd->vf[1].ctx_len);
	vpf_pf_detach(pf);
	free_fake(fd);
}

/* A device that never runs dry: WRITE_RECORDS_READ full of records for
 * pages 0..hog.pages-1 of hog.base, CTX_READ always a full chunk. */
static struct {
	uint64_t base;
	uint32_t pages;
	uint32_t reads;
	uint8_t res[65536];
	struct fake_req r;
} hog;

static void
hog_poll(void *dev)
{
	struct fake_dev *fd = dev;

	while (fake_pop(fd, &hog.r) > 0) {
		uint32_t posted = hog.r.wr_len - 8, n, i;

		/* Give up after 1100 (the driver must stop long before):
		 * a driver without a bound then fails instead of hanging. */
		if (hog.reads >= 1100)
			posted = 0;
		if (hog.r.opcode == VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ) {
			n = posted / 8;
			for (i = 0; i < n; i++) {
				uint64_t a = hog.base + (uint64_t)(i % hog.pages) * 4096;

				memcpy(hog.res + 8 * i, &a, 8);
			}
			hog.reads++;
			fake_complete(fd, &hog.r, 0, 0, n, hog.res, n * 8, UINT32_MAX);
		} else if (hog.r.opcode == VPF_ADMIN_OP_DEV_CTX_READ) {
			hog.reads++;
			fake_complete(fd, &hog.r, 0, 0, posted, hog.res, posted, UINT32_MAX);
		} else {
			fake_handle(fd, &hog.r);
		}
	}
}

static void
test_endless_device(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_admin_wr_range rg = { 0x100000, 64 };
	struct vpf_pf_params p;
	struct vpf_pf_ops ops;
	struct vpf_pf *pf;
	uint64_t bm[1], recs;
	void *b = NULL;
	size_t len = 0;

	(void)state;
	ops = fake_ops;
	ops.poll = hog_poll;
	fd->auto_answer = false;
	vpf_pf_params_init(&p);
	p.name = "t";
	p.max_chunk = 64;	/* 8 records per READ */
	pf = vpf_pf_attach(&ops, fd, &p);
	assert_non_null(pf);
	assert_int_equal(vpf_admin_wr_start(pf, 1, 4096, &rg, 1), 0);
	/* Full READs of valid records forever: 64 pages, 8 a READ, so at
	 * most 8 + 2 rounds; the records read are merged. */
	hog.base = 0x100000;
	hog.pages = 8;
	hog.reads = 0;
	bm[0] = 0;
	assert_int_equal(vpf_admin_wr_read(pf, 1, 0x100000, 64 * 4096, 4096, bm, &recs), -EIO);
	assert_non_null(strstr(vpf_last_error(), "still returned full READs after 10 rounds (80 records for a range of 64 pages)"));
	assert_int_equal(hog.reads, 10);
	assert_int_equal(recs, 80);
	assert_int_equal(bm[0], 0xff);
	/* More records in one READ than the range has pages. */
	hog.reads = 0;
	hog.pages = 4;
	bm[0] = 0;
	assert_int_equal(vpf_admin_wr_read(pf, 1, 0x100000, 4 * 4096, 4096, bm, &recs), -EIO);
	assert_non_null(strstr(vpf_last_error(), "8 records in one READ for a range of 4 pages"));
	assert_int_equal(hog.reads, 1);
	vpf_pf_detach(pf);
	free_fake(fd);

	/* CTX_READ that never ends: read_alloc stops at its maximum. */
	fd = new_fake(4, 0);
	fd->auto_answer = false;
	p.max_chunk = 65536;
	pf = vpf_pf_attach(&ops, fd, &p);
	assert_non_null(pf);
	hog.reads = 0;
	assert_int_equal(vpf_admin_ctx_read_alloc(pf, 1, 65536, &b, &len), -EFBIG);
	assert_non_null(strstr(vpf_last_error(), "context larger than 67108864 bytes"));
	assert_int_equal(len, VPF_ADMIN_CTX_ALLOC_MAX);
	assert_int_equal(hog.reads, VPF_ADMIN_CTX_ALLOC_MAX / 65536);
	vpf_pf_detach(pf);
	free_fake(fd);
	free(b);
}

static void
test_device_gone_and_needs_reset(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 5000000);
	struct vpf_pf_info info;
	uint8_t m;

	(void)state;
	assert_non_null(pf);
	/* DMA fault style: the device stops and sets DEVICE_NEEDS_RESET. */
	fd->auto_answer = false;
	{
		struct vpf_admin_cmd c;
		struct fake_req r;

		memset(&c, 0, sizeof(c));
		vpf_admin_prep_mode_get(&c, 2, &m);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &r), 1);
		fd->status |= VPF_STATUS_DEVICE_NEEDS_RESET;
		fd->auto_answer = true;
		while (c.priv[1] != CMD_DONE)
			assert_true(vpf_admin_poll(pf) >= 0);
		/* -EIO from the stall check, long before the 5 s deadline
		 * would have made it -ETIMEDOUT. */
		assert_int_equal(c.rc, -EIO);
	}
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.recoveries, 1);
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);

	/* Surprise removal with a command in flight. */
	fd->hang_next = 1;
	{
		struct vpf_admin_cmd c;

		memset(&c, 0, sizeof(c));
		vpf_admin_prep_mode_get(&c, 2, &m);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		fd->flags |= FAKE_GONE;
		while (c.priv[1] != CMD_DONE)
			(void)vpf_admin_poll(pf);
		assert_int_equal(c.rc, -ENODEV);
	}
	assert_int_equal(vpf_admin_poll(pf), -ENODEV);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -ENODEV);
	vpf_pf_detach(pf);
	free_fake(fd);
}

static void
test_list_use_rules(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_admin_cmd c, l;
	uint64_t w = 0;
	uint8_t m;

	(void)state;
	assert_non_null(pf);
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
	 * through the generic submit too (FACTS.md 1). */
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
	vpf_pf_detach(pf);
	free_fake(fd);
}


/* ------------------------------------------------------------------------
 * Hardening: owner reset, bounded recovery, re-entry
 * --------------------------------------------------------------------- */

static int hcb_calls[16];
static int hcb_rc[16];

static void
hcb(struct vpf_admin_cmd *c)
{
	int i = (int)(intptr_t)c->arg;

	hcb_calls[i]++;
	hcb_rc[i] = c->rc;
}

/* A device that writes an impossible used.idx at every doorbell, also at
 * the doorbells of the recovery's own LIST_QUERY, and has no RING_RESET:
 * each recovery re-initialises the device and negotiates from inside a
 * poll. Recovery must not nest (it recursed once per doorbell until the
 * stack overflowed), must give up after VPF_ADMIN_RECOVERY_MAX attempts,
 * fail what waits and what comes later with the reason, and leave another
 * PF alone. */
static void
test_recovery_bounded(void **state)
{
	struct fake_dev *fd = new_fake(4, FAKE_NO_RING_RESET);
	struct fake_dev *fd2 = new_fake(4, FAKE_NO_RING_RESET);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_pf *pf2 = attach(fd2, 0);
	struct vpf_admin_cmd c[4];
	struct vpf_pf_info info;
	uint8_t m[4];
	uint32_t i, resets;
	int guard;

	(void)state;
	assert_non_null(pf);
	assert_non_null(pf2);
	memset(c, 0, sizeof(c));
	memset(hcb_calls, 0, sizeof(hcb_calls));
	/* c[0] is answered EAGAIN: it waits for its retry, off the ring. */
	fd->eagain_next = 1;
	vpf_admin_prep_mode_get(&c[0], 1, &m[0]);
	c[0].done = hcb;
	c[0].arg = (void *)(intptr_t)0;
	assert_int_equal(vpf_admin_submit(pf, &c[0]), 0);
	assert_int_equal(vpf_admin_poll(pf), 0);
	assert_int_equal(pf->nretry, 1);
	/* From now on every doorbell gets an impossible used.idx. */
	fd->bad_idx_on_kick = true;
	resets = fd->resets;
	for (i = 1; i < 4; i++) {
		vpf_admin_prep_mode_get(&c[i], (uint16_t)i, &m[i]);
		c[i].done = hcb;
		c[i].arg = (void *)(intptr_t)i;
		assert_int_equal(vpf_admin_submit(pf, &c[i]), 0);
	}
	for (guard = 0; guard < 100 && vpf_admin_inflight(pf) > 0; guard++)
		(void)vpf_admin_poll(pf);
	for (i = 0; i < 4; i++) {
		assert_int_equal(hcb_calls[i], 1);
		assert_int_equal(hcb_rc[i], -EIO);
	}
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_true(info.failed);
	assert_int_equal(info.recoveries, VPF_ADMIN_RECOVERY_MAX);
	/* Each attempt re-initialised the device once. */
	assert_int_equal(fd->resets, resets + VPF_ADMIN_RECOVERY_MAX);
	/* Later commands fail at once with the reason, nothing is sent. */
	i = fd->kicks;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m[0]), -EIO);
	assert_non_null(strstr(vpf_last_error(), "PF t is failed: 3 recoveries in a row without a command answered (last: "));
	assert_non_null(strstr(vpf_last_error(), "detach and attach again"));
	assert_int_equal(vpf_admin_submit(pf, &c[1]), -EIO);
	assert_int_equal(vpf_admin_poll(pf), -EIO);
	assert_int_equal(vpf_pf_reset(pf), -EIO);
	assert_int_equal(fd->kicks, i);
	/* The other PF works. */
	assert_int_equal(vpf_admin_mode_get(pf2, 2, &m[0]), 0);
	assert_int_equal(vpf_pf_info_get(pf2, &info), 0);
	assert_false(info.failed);
	vpf_pf_detach(pf);
	vpf_pf_detach(pf2);
	free_fake(fd);
	free_fake(fd2);
}

/* Recoveries that succeed but are followed by the same fault, with no
 * answered command in between, count too; one answered command resets
 * the count. */
static void
test_recovery_run_resets(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_pf_info info;
	uint8_t m;
	uint32_t k;

	(void)state;
	assert_non_null(pf);
	/* RING_RESET: the queue reset works, LIST_* are not re-sent, so
	 * only user commands see the fault. */
	for (k = 0; k < 2; k++) {
		fd->bad_idx_on_kick = true;
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
		fd->bad_idx_on_kick = false;
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	}
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_false(info.failed);
	assert_int_equal(info.recoveries, 4);
	fd->bad_idx_on_kick = true;
	for (k = 0; k < VPF_ADMIN_RECOVERY_MAX; k++)
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_false(info.failed);
	/* The next fault finds VPF_ADMIN_RECOVERY_MAX attempts without an
	 * answer: the PF is failed without another attempt. */
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_true(info.failed);
	assert_int_equal(info.recoveries, 4 + VPF_ADMIN_RECOVERY_MAX);
	assert_non_null(strstr(vpf_last_error(), "3 recoveries in a row"));
	fd->bad_idx_on_kick = false;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
	vpf_pf_detach(pf);
	free_fake(fd);
}

/* Owner reset with commands in flight on a device that never answers
 * them: each callback runs once with -ECANCELED before vpf_pf_reset()
 * returns (their deadline is an hour away), retries included; later
 * commands work. */
static void
test_owner_reset_cancels(void **state)
{
	struct fake_dev *fd = new_fake(8, 0);
	struct vpf_pf_params p;
	struct vpf_admin_cmd c[6];
	struct vpf_pf_info info;
	struct vpf_pf *pf;
	uint32_t i, resets;
	uint8_t m[6];

	(void)state;
	vpf_pf_params_init(&p);
	p.name = "t";
	p.cmd_timeout_us = 3600u * 1000000u;
	p.retry_backoff_us = 1000;
	pf = vpf_pf_attach(&fake_ops, fd, &p);
	assert_non_null(pf);
	memset(c, 0, sizeof(c));
	memset(hcb_calls, 0, sizeof(hcb_calls));
	fd->vf[3].mode = 2;
	/* c[0] answered EAGAIN (waits for a retry), the others held. */
	fd->eagain_next = 1;
	fd->hang_next = 5;
	for (i = 0; i < 6; i++) {
		vpf_admin_prep_mode_get(&c[i], (uint16_t)(i + 1), &m[i]);
		c[i].done = hcb;
		c[i].arg = (void *)(intptr_t)i;
		assert_int_equal(vpf_admin_submit(pf, &c[i]), 0);
	}
	assert_int_equal(vpf_admin_poll(pf), 0);
	assert_int_equal(vpf_admin_inflight(pf), 6);
	assert_int_equal(pf->nretry, 1);
	resets = fd->resets;
	assert_int_equal(vpf_pf_reset(pf), 0);
	assert_int_equal(fd->resets, resets + 1);
	assert_int_equal(vpf_admin_inflight(pf), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(hcb_calls[i], 1);
		assert_int_equal(hcb_rc[i], -ECANCELED);
	}
	/* Nothing fires later. */
	for (i = 0; i < 10; i++)
		assert_int_equal(vpf_admin_poll(pf), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(hcb_calls[i], 1);
	/* LIST_USE negotiated again, commands work. */
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(fd->enabled, info.cmds_enabled);
	assert_false(info.failed);
	assert_int_equal(vpf_admin_mode_get(pf, 3, &m[0]), 0);
	assert_int_equal(m[0], 2);
	vpf_pf_detach(pf);
	free_fake(fd);
}

/* Detach completes what is in flight with -ECANCELED, once; a callback
 * that submits again is refused instead of posting onto a ring that is
 * being freed (where it would never complete). */
static struct vpf_pf *resub_pf;
static int resub_rc;

static void
resub_cb(struct vpf_admin_cmd *c)
{
	hcb(c);
	resub_rc = vpf_admin_submit(resub_pf, c);
}

static void
test_detach_cancels_once(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_admin_cmd c[2];
	uint8_t m[2];

	(void)state;
	assert_non_null(pf);
	memset(c, 0, sizeof(c));
	memset(hcb_calls, 0, sizeof(hcb_calls));
	fd->hang_next = 2;
	resub_pf = pf;
	resub_rc = 1;
	vpf_admin_prep_mode_get(&c[0], 1, &m[0]);
	c[0].done = resub_cb;
	c[0].arg = (void *)(intptr_t)0;
	vpf_admin_prep_mode_get(&c[1], 2, &m[1]);
	c[1].done = hcb;
	c[1].arg = (void *)(intptr_t)1;
	assert_int_equal(vpf_admin_submit(pf, &c[0]), 0);
	assert_int_equal(vpf_admin_submit(pf, &c[1]), 0);
	vpf_admin_kick(pf);
	vpf_pf_detach(pf);
	assert_int_equal(hcb_calls[0], 1);
	assert_int_equal(hcb_calls[1], 1);
	assert_int_equal(hcb_rc[0], -ECANCELED);
	assert_int_equal(hcb_rc[1], -ECANCELED);
	assert_int_equal(resub_rc, -ENODEV);
	assert_int_not_equal(c[0].priv[1], CMD_BUSY);
	free_fake(fd);
}

/* From a completion callback, whatever would poll (and so run callbacks
 * inside callbacks) or free the engine is refused with -EDEADLK. */
static struct vpf_pf *reent_pf;
static int reent_rc[5];

static void
reent_cb(struct vpf_admin_cmd *c)
{
	struct vpf_admin_cmd x;
	uint8_t m;

	(void)c;
	memset(&x, 0, sizeof(x));
	reent_rc[0] = vpf_admin_poll(reent_pf);
	vpf_admin_prep_mode_get(&x, 1, &m);
	reent_rc[1] = vpf_admin_exec(reent_pf, &x);
	reent_rc[2] = vpf_admin_mode_get(reent_pf, 1, &m);
	reent_rc[3] = vpf_pf_reset(reent_pf);
	vpf_pf_detach(reent_pf);	/* refused: the PF stays */
	reent_rc[4] = (int)vpf_admin_inflight(reent_pf);
}

static void
test_callback_reentry_refused(void **state)
{
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_admin_cmd c;
	uint32_t answered;
	uint8_t m;

	(void)state;
	assert_non_null(pf);
	memset(&c, 0, sizeof(c));
	memset(reent_rc, 0x55, sizeof(reent_rc));
	reent_pf = pf;
	vpf_admin_prep_mode_get(&c, 1, &m);
	c.done = reent_cb;
	assert_int_equal(vpf_admin_exec(pf, &c), 0);
	answered = fd->answered;
	assert_int_equal(reent_rc[0], -EDEADLK);
	assert_int_equal(reent_rc[1], -EDEADLK);
	assert_int_equal(reent_rc[2], -EDEADLK);
	assert_int_equal(reent_rc[3], -EDEADLK);
	assert_int_equal(reent_rc[4], 0);
	/* Nothing was sent from the callback, and the PF still works. */
	assert_int_equal(fd->answered, answered);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	vpf_pf_detach(pf);
	free_fake(fd);
}


/* ------------------------------------------------------------------------
 * Every byte the device writes is read once (dma_watch.c)
 * --------------------------------------------------------------------- */

/* Run @p c against the built-in device; once the device has written its
 * completion, arm the watch on @p n bytes at @p off of the command's
 * writable buffer (0: status, 8: result): after the driver's first read of
 * them the device writes @p bad there. Returns the command's rc; *hits is
 * how many reads started in the watched bytes. */
static int
watched_run(struct vpf_pf *pf, struct fake_dev *fd, struct vpf_admin_cmd *c,
	    size_t off, size_t n, const void *bad, size_t nbad,
	    unsigned int *hits)
{
	const struct vpf_dma_region *reg;
	struct vpf_admin_slot *sl;
	struct fake_req r;

	fd->auto_answer = false;
	c->done = NULL;
	assert_int_equal(vpf_admin_submit(pf, c), 0);
	vpf_admin_kick(pf);
	assert_int_equal(fake_pop(fd, &r), 1);
	fake_handle(fd, &r);
	sl = (struct vpf_admin_slot *)(uintptr_t)c->priv[0];
	reg = sl->big >= 0 ? &pf->big_mem : &pf->small_mem;
	dma_watch_arm(reg->va, reg->len, sl->wr_post + off, n, bad, nbad);
	while (c->priv[1] != CMD_DONE)
		(void)vpf_admin_poll(pf);
	*hits = dma_watch_disarm();
	fd->auto_answer = true;
	return c->rc;
}

static void
test_dma_read_once(void **state)
{
	static const uint8_t bad_mode = 7;
	static const uint8_t ones[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t einval[8] = { VPF_ADMIN_STATUS_EINVAL, 0, 3, 0, 0, 0, 0, 0 };
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_admin_cmd c;
	unsigned int hits;
	uint8_t mode = 0, buf[64];
	uint64_t size = 0;

	(void)state;
	assert_non_null(pf);
	if (!dma_watch_supported()) {
		vpf_pf_detach(pf);
		free_fake(fd);
		skip();
	}
	/* MODE_GET: mode 1, rewritten to the reserved 7 after the driver
	 * read it. The driver checked 1; it must hand back 1, not read the
	 * buffer again and hand back 7. */
	fd->vf[1].mode = 1;
	memset(&c, 0, sizeof(c));
	vpf_admin_prep_mode_get(&c, 1, &mode);
	assert_int_equal(watched_run(pf, fd, &c, 8, 1, &bad_mode, 1, &hits), 0);
	assert_int_equal(mode, 1);
	assert_int_equal(hits, 1);

	/* SIZE_GET: a size, rewritten to the poison (all-ones) after the
	 * driver's check. */
	memset(&c, 0, sizeof(c));
	vpf_admin_prep_ctx_size_get(&c, 2, true, &size);
	assert_int_equal(watched_run(pf, fd, &c, 8, 8, ones, 8, &hits), 0);
	assert_int_equal(rte_le_to_cpu_64(size), fd->vf[2].ctx_len);
	assert_int_equal(hits, 1);

	/* Status OK rewritten to EINVAL / INVALID_FIELD: one read of the
	 * whole status word, one answer. */
	memset(&c, 0, sizeof(c));
	vpf_admin_prep_mode_get(&c, 1, &mode);
	assert_int_equal(watched_run(pf, fd, &c, 0, 8, einval, 8, &hits), 0);
	assert_int_equal(c.status, VPF_ADMIN_STATUS_OK);
	assert_int_equal(c.qualifier, 0);
	assert_int_equal(hits, 1);

	/* CTX_READ (big buffer): context_len read once, the data copied
	 * once: rewriting the first 8 bytes after the driver read them does
	 * not reach the caller. */
	memset(&c, 0, sizeof(c));
	memset(buf, 0, sizeof(buf));
	vpf_admin_prep_ctx_read(&c, 3, buf, sizeof(buf));
	assert_int_equal(watched_run(pf, fd, &c, 8, 8, ones, 8, &hits), 0);
	assert_int_equal(c.output, 64);
	assert_memory_equal(buf, fd->vf[3].ctx, 64);
	assert_int_equal(hits, 1);
	vpf_pf_detach(pf);
	free_fake(fd);
}


/* ------------------------------------------------------------------------
 * DEV_WRITE_RECORDS_START: what the device would refuse is refused here
 * --------------------------------------------------------------------- */

struct wr_refusal {
	uint64_t ps;
	uint32_t n;
	struct vpf_admin_wr_range r[5];
	const char *msg;
};

static void
test_wr_start_local_refusals(void **state)
{
	static const struct wr_refusal cases[] = {
		{ 8192, 1, { { 0x100000, 1 } },
		  "page size 8192 is not offered by VF 1 (page size bitmap 0x1)" },
		{ 4096, 5, { { 0x100000, 1 }, { 0x200000, 1 }, { 0x300000, 1 },
			     { 0x400000, 1 }, { 0x500000, 1 } },
		  "5 ranges, VF 1 allows 4" },
		{ 4096, 2, { { 0x100000, 1 }, { 0x200000, 0 } },
		  "range 1 at 0x200000 has no pages" },
		{ 4096, 1, { { 0x100800, 1 } },
		  "range 0 at 0x100800 is not aligned to the 4096-byte page size" },
		{ 4096, 1, { { UINT64_C(0xfffffffffffff000), 2 } },
		  "range 0 at 0xfffffffffffff000 of 2 pages of 4096 bytes runs past the end of the 64-bit address space" },
		/* Ending exactly at 2^64: a device may take it (doc/protocol.md
		 * D-6.11), vpf never sends it. */
		{ 4096, 1, { { UINT64_C(0xfffffffffffff000), 1 } },
		  "range 0 at 0xfffffffffffff000 of 1 pages of 4096 bytes runs past the end of the 64-bit address space" },
		{ 4096, 1, { { 0x1000, UINT64_C(1) << 52 } },
		  "runs past the end of the 64-bit address space" },
		{ 4096, 2, { { 0x100000, 4 }, { 0x103000, 1 } },
		  "ranges 0x100000+4 and 0x103000+1 pages overlap" },
		/* Unsorted: the later range swallows the earlier one. */
		{ 4096, 3, { { 0x900000, 1 }, { 0x400000, 1 }, { 0x100000, 0x1000 } },
		  "ranges 0x100000+4096 and 0x400000+1 pages overlap" },
	};
	struct fake_dev *fd = new_fake(4, 0);
	struct vpf_pf *pf = attach(fd, 0);
	struct vpf_admin_wr_range ok[2] = { { 0x104000, 1 }, { 0x100000, 4 } };
	struct vpf_admin_stats st;
	struct vpf_wr_cap cap;
	uint32_t i, answered;

	(void)state;
	assert_non_null(pf);
	assert_int_equal(vpf_admin_wr_cap_query(pf, 1, &cap), 0);
	assert_int_equal(cap.page_size_bitmap, 1);
	assert_int_equal(cap.max_ranges, 4);
	answered = fd->answered;
	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct wr_refusal *k = &cases[i];

		assert_int_equal(vpf_admin_wr_start(pf, 1, k->ps, k->r, k->n), -EINVAL);
		if (strstr(vpf_last_error(), k->msg) == NULL)
			fail_msg("case %u: '%s' lacks '%s'", i, vpf_last_error(), k->msg);
		/* Nothing was sent. */
		assert_int_equal(fd->answered, answered);
		assert_false(fd->vf[1].wr_on);
	}
	assert_int_equal(vpf_admin_stats_get(pf, 0, &st), 0);
	assert_true(st.errors_local >= RTE_DIM(cases));
	/* Adjacent ranges do not overlap. */
	assert_int_equal(vpf_admin_wr_start(pf, 1, 4096, ok, 2), 0);
	assert_int_equal(fd->answered, answered + 1);
	assert_true(fd->vf[1].wr_on);
	/* A VF whose capabilities were never asked: asked first. */
	answered = fd->answered;
	assert_int_equal(vpf_admin_wr_start(pf, 2, 4096, ok, 2), 0);
	assert_int_equal(fd->answered, answered + 2);
	answered = fd->answered;
	assert_int_equal(vpf_admin_wr_start(pf, 3, 8192, ok, 1), -EINVAL);
	assert_int_equal(fd->answered, answered + 1);	/* CAP_QUERY only */
	/* A device re-initialisation forgets them: asked again. */
	assert_int_equal(vpf_pf_reset(pf), 0);
	answered = fd->answered;
	assert_int_equal(vpf_admin_wr_start(pf, 3, 16384, ok, 1), -EINVAL);
	assert_int_equal(fd->answered, answered + 1);
	vpf_pf_detach(pf);
	free_fake(fd);
}


/* A device re-initialisation while every command slot is held by a
 * command waiting for its retry: the recovery's LIST_QUERY / LIST_USE
 * still get a slot (they found none, every attempt failed and the PF
 * was failed), and the waiting command completes afterwards. */
static void
test_recovery_all_slots_retrying(void **state)
{
	struct fake_dev *fd = new_fake(4, FAKE_NO_RING_RESET);
	struct vpf_pf_params p;
	struct vpf_admin_cmd c;
	struct vpf_pf_info info;
	struct vpf_pf *pf;
	uint32_t resets;
	int guard;
	uint8_t m = 0xee;

	(void)state;
	vpf_pf_params_init(&p);
	p.name = "t";
	p.admin_queue_size = 4;		/* one command slot */
	p.retry_backoff_us = 1;
	pf = vpf_pf_attach(&fake_ops, fd, &p);
	assert_non_null(pf);
	assert_int_equal(pf->nslots, 1);
	fd->vf[2].mode = 1;
	memset(&c, 0, sizeof(c));
	fd->eagain_next = 1;
	vpf_admin_prep_mode_get(&c, 2, &m);
	assert_int_equal(vpf_admin_submit(pf, &c), 0);
	assert_int_equal(vpf_admin_poll(pf), 0);
	assert_int_equal(pf->nretry, 1);
	assert_int_equal(pf->nfree, 0);
	/* An impossible used index, read by the next poll before the retry
	 * is due: recovery by device re-init. */
	resets = fd->resets;
	fake_bad_used_idx(fd);
	for (guard = 0; guard < 100000 && c.priv[1] != CMD_DONE; guard++)
		(void)vpf_admin_poll(pf);
	assert_int_equal(c.priv[1], CMD_DONE);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_false(info.failed);
	assert_int_equal(info.recoveries, 1);
	assert_int_equal(fd->resets, resets + 1);
	assert_int_equal(c.rc, 0);
	assert_int_equal(m, 1);
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);
	vpf_pf_detach(pf);
	free_fake(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_ok),
		cmocka_unit_test(test_attach_refusals),
		cmocka_unit_test(test_virtio_generic),
		cmocka_unit_test(test_vq_validation),
		cmocka_unit_test(test_mode_cmds),
		cmocka_unit_test(test_ctx_read_chunks),
		cmocka_unit_test(test_ctx_write_chunks),
		cmocka_unit_test(test_fields_discard_wr),
		cmocka_unit_test(test_async_64_vfs),
		cmocka_unit_test(test_slots_exhausted),
		cmocka_unit_test(test_timeout_queue_reset),
		cmocka_unit_test(test_timeout_device_reinit),
		cmocka_unit_test(test_retry_eagain),
		cmocka_unit_test(test_malformed_completions),
		cmocka_unit_test(test_status_not_written),
		cmocka_unit_test(test_dup_completion_small_ring),
		cmocka_unit_test(test_status_qualifier_ranges),
		cmocka_unit_test(test_endless_device),
		cmocka_unit_test(test_device_gone_and_needs_reset),
		cmocka_unit_test(test_list_use_rules),
		cmocka_unit_test(test_recovery_bounded),
		cmocka_unit_test(test_recovery_run_resets),
		cmocka_unit_test(test_owner_reset_cancels),
		cmocka_unit_test(test_detach_cancels_once),
		cmocka_unit_test(test_callback_reentry_refused),
		cmocka_unit_test(test_dma_read_once),
		cmocka_unit_test(test_wr_start_local_refusals),
		cmocka_unit_test(test_recovery_all_slots_retrying),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
