/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * PF driver core against the software model (drivers/model): bring-up and
 * its refusals, every typed command's success and failure path, chunked
 * context transfer, 64 VFs in flight, and every model fault kind.
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

#include "vpf_model.h"
#include "vpf_pf.h"

#define GUEST_MEM	(64u << 20)

static struct vpf_model *
model(uint16_t vfs, uint32_t off)
{
	struct vpf_model_params mp;
	struct vpf_model *m;

	vpf_model_params_init(&mp);
	mp.name = "m";
	mp.num_vfs = vfs;
	mp.off = off;
	mp.guest_mem_size = GUEST_MEM;
	m = vpf_model_create(&mp);
	if (m == NULL)
		fail_msg("model: %s", vpf_last_error());
	return m;
}

static struct vpf_pf *
attach_t(struct vpf_model *m, uint32_t timeout_us)
{
	struct vpf_pf_params p;

	vpf_pf_params_init(&p);
	p.name = "pf";
	p.reset_timeout_us = 50000;
	if (timeout_us)
		p.cmd_timeout_us = timeout_us;
	p.retry_backoff_us = 1;
	return vpf_pf_attach(&vpf_model_ops, m, &p);
}

/* A model of @p vfs VFs with the switches @p off, and PF "pf" attached to
 * it (which must succeed). */
static struct vpf_pf *
model_up(uint16_t vfs, uint32_t off, uint32_t timeout_us, struct vpf_model **mp)
{
	struct vpf_pf *pf;

	*mp = model(vfs, off);
	pf = attach_t(*mp, timeout_us);
	if (pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	return pf;
}

static void
model_down(struct vpf_pf *pf, struct vpf_model *m)
{
	vpf_pf_detach(pf);
	vpf_model_destroy(m);
}

static void
test_bringup(void **state)
{
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(4, 0, 0, &m);
	struct vpf_pf_info info;

	(void)state;
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.num_vfs, 4);
	assert_int_equal(info.dialect, VPF_DIALECT_DRAFT_2023);
	assert_true(info.has_fields_query);
	assert_true(info.has_write_record);
	assert_true(info.driver_features & VPF_FEATURE(VPF_F_RING_RESET));
	assert_int_equal(info.admin_queue_size, 512);
	model_down(pf, m);

	/* Without RING_RESET, FIELDS_QUERY, write recording: still attaches. */
	pf = model_up(2, VPF_MODEL_OFF_RING_RESET | VPF_MODEL_OFF_FIELDS_QUERY |
		      VPF_MODEL_OFF_WRITE_RECORD, 0, &m);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_false(info.driver_features & VPF_FEATURE(VPF_F_RING_RESET));
	assert_false(info.has_fields_query);
	assert_false(info.has_write_record);
	{
		struct vpf_wr_cap cap;

		assert_int_equal(vpf_admin_wr_cap_query(pf, 1, &cap), -ENOTSUP);
	}
	model_down(pf, m);
}

/* A reset that takes time: the driver polls device_status until it reads
 * 0, within reset_timeout_us (50 ms here), and gives up after it. */
static void
test_slow_reset(void **state)
{
	struct vpf_model_params mp;
	struct vpf_model *m;
	struct vpf_pf *pf;
	uint8_t mode;

	(void)state;
	vpf_model_params_init(&mp);
	mp.num_vfs = 2;
	mp.guest_mem_size = GUEST_MEM;
	mp.reset_us = 5000;
	m = vpf_model_create(&mp);
	assert_non_null(m);
	/* A fresh device resets at once; a running one takes reset_us: the
	 * detach and the second attach wait for it. */
	pf = attach_t(m, 0);
	if (pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	vpf_pf_detach(pf);
	pf = attach_t(m, 0);
	if (pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	model_down(pf, m);

	mp.reset_us = 200000;
	m = vpf_model_create(&mp);
	assert_non_null(m);
	pf = attach_t(m, 0);
	assert_non_null(pf);
	vpf_pf_detach(pf);	/* its reset gives up after 50 ms */
	errno = 0;
	pf = attach_t(m, 0);
	assert_null(pf);
	assert_int_equal(errno, ETIMEDOUT);
	assert_non_null(strstr(vpf_last_error(), "did not complete reset"));
	vpf_model_destroy(m);
}

struct refusal {
	uint32_t off;
	int err;
	const char *msg;
};

static void
test_refusals(void **state)
{
	static const struct refusal cases[] = {
		{ VPF_MODEL_OFF_ADMIN_VQ, ENOTSUP, "device does not offer VIRTIO_F_ADMIN_VQ" },
		{ VPF_MODEL_OFF_ADMIN_QUEUE, ENOTSUP, "admin_queue_num is 0" },
		{ VPF_MODEL_OFF_LONG_COMMON_CFG, ENOTSUP, "VIRTIO_F_ADMIN_VQ needs 64" },
		{ VPF_MODEL_OFF_CAP_LIST, EIO, "loops" },
		{ VPF_MODEL_OFF_FEATURES_OK, EIO, "FEATURES_OK not set" },
		{ VPF_MODEL_OFF_RESET, ETIMEDOUT, "did not complete reset" },
		{ VPF_MODEL_V14_DIALECT, ENOTSUP, "virtio 1.4 device-parts dialect" },
		{ VPF_MODEL_OFF_CAP_BOUNDS, EIO, "lies outside BAR" },
		{ VPF_MODEL_OFF_VF_ENABLE, ENOTSUP, "VFs are not enabled" },
		{ VPF_MODEL_OFF_SR_IOV, ENOTSUP, "VFs are not enabled (NumVFs 0, VF Enable clear)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vpf_model *m = model(4, cases[i].off);
		struct vpf_pf *pf;

		errno = 0;
		pf = attach_t(m, 0);
		if (pf != NULL || errno != cases[i].err ||
		    strstr(vpf_last_error(), cases[i].msg) == NULL)
			fail_msg("case %zu (off 0x%x): pf %p errno %d (want %d) msg \"%s\" (want \"%s\")",
				 i, cases[i].off, (void *)pf, errno, cases[i].err,
				 vpf_last_error(), cases[i].msg);
		vpf_model_destroy(m);
	}
}

static void
test_commands(void **state)
{
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(4, 0, 0, &m);
	struct vpf_admin_ctx_field_info fi[16];
	struct vpf_admin_cmd c;
	uint16_t st, q;
	uint64_t size;
	uint32_t n;
	uint8_t mode, b[64];

	(void)state;
	/* mode get/set */
	assert_int_equal(vpf_admin_mode_get(pf, 2, &mode), 0);
	assert_int_equal(mode, VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vpf_admin_mode_set(pf, 2, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 2, &mode), 0);
	assert_int_equal(mode, VPF_DEV_MODE_STOP);
	assert_int_equal(vpf_model_vf_mode(m, 2, &mode), 0);
	assert_int_equal(mode, VPF_DEV_MODE_STOP);
	assert_int_equal(vpf_admin_mode_set(pf, 2, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(vpf_admin_mode_set(pf, 2, 3), -EINVAL);	/* local */
	/* Reserved mode sent raw: the device refuses (INVALID_FIELD). */
	memset(&c, 0, sizeof(c));
	vpf_admin_prep_mode_set(&c, 2, 7);
	assert_int_equal(vpf_admin_exec(pf, &c), -EINVAL);
	assert_int_equal(c.status, VPF_ADMIN_STATUS_EINVAL);
	assert_int_equal(c.qualifier, VPF_ADMIN_SQ_INVALID_FIELD);
	/* size get, freeze_mode 2 raw refused */
	assert_int_equal(vpf_admin_ctx_size_get(pf, 2, true, &size), 0);
	assert_true(size > 0);
	memset(&c, 0, sizeof(c));
	vpf_admin_prep_ctx_size_get(&c, 2, true, &size);
	c.inline_data[0] = 2;
	assert_int_equal(vpf_admin_exec(pf, &c), -EINVAL);
	assert_int_equal(c.qualifier, VPF_ADMIN_SQ_INVALID_FIELD);
	/* write outside Freeze */
	memset(b, 0, sizeof(b));
	assert_int_equal(vpf_admin_ctx_write_chunk(pf, 2, b, 8), -EINVAL);
	vpf_admin_last_status(pf, &st, &q);
	assert_int_equal(st, VPF_ADMIN_STATUS_EINVAL);
	assert_int_equal(q, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_non_null(strstr(vpf_last_error(), "DEV_CTX_WRITE on VF 2 failed: status EINVAL (22), qualifier INVALID_COMMAND (1)"));
	/* fields */
	assert_int_equal(vpf_admin_ctx_fields_query(pf, 1, fi, 16, &n), 0);
	assert_true(n >= 5);
	for (uint32_t i = 1; i < n; i++)
		assert_true(rte_le_to_cpu_16(fi[i].type) >
			    rte_le_to_cpu_16(fi[i - 1].type));
	/* discard; read; partial then Stop refused */
	assert_int_equal(vpf_admin_ctx_discard(pf, 1), 0);
	assert_int_equal(vpf_admin_ctx_read_chunk(pf, 1, b, 64, &n), 0);
	assert_int_equal(n, 64);
	assert_int_equal(vpf_admin_mode_set(pf, 1, VPF_DEV_MODE_STOP), -EINVAL);
	vpf_admin_last_status(pf, &st, &q);
	assert_int_equal(q, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(vpf_admin_ctx_discard(pf, 1), 0);
	assert_int_equal(vpf_admin_mode_set(pf, 1, VPF_DEV_MODE_STOP), 0);
	/* bad member refused locally */
	assert_int_equal(vpf_admin_mode_get(pf, 5, &mode), -EINVAL);
	model_down(pf, m);
}

static void
test_ctx_transfer(void **state)
{
	static const uint32_t chunks[] = { 8, 16, 64, 128, 136, 1000, 4096, 65536 };
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(4, 0, 0, &m);
	uint8_t d1[32], d2[32];
	size_t len, i;
	uint64_t size;
	void *ctx = NULL;
	uint8_t *buf;

	(void)state;
	buf = malloc(1 << 20);
	assert_non_null(buf);
	assert_int_equal(vpf_model_guest_step(m, 1, 500), 0);
	assert_int_equal(vpf_admin_mode_set(pf, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(vpf_admin_ctx_size_get(pf, 1, true, &size), 0);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(vpf_admin_ctx_discard(pf, 1), 0);
		if (vpf_admin_ctx_read(pf, 1, chunks[i], buf, 1 << 20, &len) != 0)
			fail_msg("chunk %u: %s", chunks[i], vpf_last_error());
		assert_int_equal(len, size);
		if (i == 0) {
			ctx = malloc(len);
			memcpy(ctx, buf, len);
		} else {
			assert_memory_equal(ctx, buf, len);
		}
	}
	assert_int_equal(vpf_admin_ctx_read(pf, 1, 12, buf, 1 << 20, &len), -EINVAL);
	assert_int_equal(vpf_admin_ctx_read(pf, 1, 4, buf, 1 << 20, &len), -EINVAL);
	/* Too small a buffer. */
	assert_int_equal(vpf_admin_ctx_discard(pf, 1), 0);
	assert_int_equal(vpf_admin_ctx_read(pf, 1, 64, buf, 64, &len), -ENOSPC);
	assert_int_equal(vpf_admin_ctx_discard(pf, 1), 0);

	/* Write it into VF 3 with every chunk size; leaving Freeze applies it. */
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(vpf_admin_mode_set(pf, 3, VPF_DEV_MODE_FREEZE), 0);
		if (vpf_admin_ctx_write(pf, 3, ctx, size, chunks[i]) != 0)
			fail_msg("write chunk %u: %s", chunks[i], vpf_last_error());
		assert_int_equal(vpf_admin_mode_set(pf, 3, VPF_DEV_MODE_STOP), 0);
	}
	assert_int_equal(vpf_model_digest(m, 1, d1), 0);
	assert_int_equal(vpf_model_digest(m, 3, d2), 0);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(vpf_admin_ctx_write(pf, 3, ctx, size, 20), -EINVAL);
	/* Growing read. */
	{
		void *g = NULL;

		assert_int_equal(vpf_admin_ctx_discard(pf, 1), 0);
		assert_int_equal(vpf_admin_ctx_read_alloc(pf, 1, 8, &g, &len), 0);
		assert_int_equal(len, size);
		assert_memory_equal(g, ctx, len);
		free(g);
	}
	free(ctx);
	free(buf);
	model_down(pf, m);
}

static void
test_write_recording(void **state)
{
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(2, 0, 0, &m);
	struct vpf_admin_wr_range rg = { 0, GUEST_MEM / 4096 };
	uint64_t *bm, *truth, recs, pages;
	struct vpf_wr_cap cap;
	size_t words = GUEST_MEM / 4096 / 64;

	(void)state;
	bm = calloc(words, 8);
	truth = calloc(words, 8);
	assert_int_equal(vpf_admin_wr_cap_query(pf, 1, &cap), 0);
	assert_true(cap.page_size_bitmap & 1);
	assert_true(cap.max_ranges >= 1);
	assert_int_equal(vpf_admin_wr_read(pf, 1, 0, GUEST_MEM, 4096, bm, &recs), -EINVAL);
	assert_int_equal(vpf_admin_wr_start(pf, 1, 4096, &rg, 1), 0);
	assert_int_equal(vpf_admin_wr_start(pf, 1, 4096, &rg, 1), -EINVAL);
	assert_int_equal(vpf_model_guest_step(m, 1, 3000), 0);
	assert_int_equal(vpf_admin_wr_read(pf, 1, 0, GUEST_MEM, 4096, bm, &recs), 0);
	assert_int_equal(vpf_model_dirty_bitmap(m, 1, 0, GUEST_MEM, 4096, truth, &pages), 0);
	assert_true(pages > 0);
	assert_int_equal(recs, pages);
	assert_memory_equal(bm, truth, words * 8);
	assert_int_equal(vpf_admin_wr_stop(pf, 1), 0);
	assert_int_equal(vpf_admin_wr_stop(pf, 1), 0);
	free(bm);
	free(truth);
	model_down(pf, m);
}

static int ndone;

static void
done_cb(struct vpf_admin_cmd *c)
{
	ndone++;
	(void)c;
}

static void
test_64_vfs_in_flight(void **state)
{
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(64, 0, 0, &m);
	static struct vpf_admin_cmd cmds[192];
	static uint8_t modes[64];
	static uint64_t sizes[64];
	struct vpf_admin_stats st;
	uint32_t i;
	uint8_t mode;

	(void)state;
	memset(cmds, 0, sizeof(cmds));
	ndone = 0;
	/* Three commands per VF in flight at once: set, get, size. */
	for (i = 0; i < 64; i++) {
		vpf_admin_prep_mode_set(&cmds[i], (uint16_t)(i + 1), (uint8_t)(i % 3));
		vpf_admin_prep_mode_get(&cmds[64 + i], (uint16_t)(i + 1), &modes[i]);
		vpf_admin_prep_ctx_size_get(&cmds[128 + i], (uint16_t)(i + 1), true, &sizes[i]);
		cmds[i].done = cmds[64 + i].done = cmds[128 + i].done = done_cb;
	}
	for (i = 0; i < 192; i++)
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
	assert_int_equal(vpf_admin_inflight(pf), 192);
	while (ndone < 192)
		assert_true(vpf_admin_poll(pf) >= 0);
	for (i = 0; i < 64; i++) {
		assert_int_equal(cmds[i].rc, 0);
		assert_int_equal(cmds[64 + i].rc, 0);
		assert_int_equal(modes[i], i % 3);
		assert_int_equal(vpf_model_vf_mode(m, (uint16_t)(i + 1), &mode), 0);
		assert_int_equal(mode, i % 3);
		assert_int_equal(cmds[128 + i].rc, 0);
		assert_true(sizes[i] > 0);
		assert_int_equal(vpf_admin_stats_get(pf, (uint16_t)(i + 1), &st), 0);
		assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_SET], 1);
		assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_GET], 1);
	}
	model_down(pf, m);
}

/* Pipelined stop-copy of 64 VFs under a threaded model with service time. */
static void
test_pipelined_threaded(void **state)
{
	struct vpf_model_params mp;
	struct vpf_model *m;
	struct vpf_pf *pf;
	static struct vpf_admin_cmd cmds[64];
	static uint8_t bufs[64][8192];
	uint32_t i;

	(void)state;
	vpf_model_params_init(&mp);
	mp.num_vfs = 64;
	mp.guest_mem_size = GUEST_MEM;
	mp.threaded = true;
	mp.service_time_us = 20;
	mp.concurrency = 8;
	m = vpf_model_create(&mp);
	assert_non_null(m);
	pf = attach_t(m, 0);
	assert_non_null(pf);
	for (i = 0; i < 64; i++)
		assert_int_equal(vpf_admin_mode_set(pf, (uint16_t)(i + 1), VPF_DEV_MODE_FREEZE), 0);
	memset(cmds, 0, sizeof(cmds));
	ndone = 0;
	for (i = 0; i < 64; i++) {
		vpf_admin_prep_ctx_read(&cmds[i], (uint16_t)(i + 1), bufs[i], sizeof(bufs[i]));
		cmds[i].done = done_cb;
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
	}
	vpf_admin_kick(pf);
	while (ndone < 64)
		assert_true(vpf_admin_poll(pf) >= 0);
	for (i = 0; i < 64; i++) {
		assert_int_equal(cmds[i].rc, 0);
		assert_true(cmds[i].output > 0);
		assert_true(cmds[i].output < sizeof(bufs[i]));	/* whole context */
	}
	model_down(pf, m);
}

/* ------------------------------------------------------------------------
 * Faults
 * --------------------------------------------------------------------- */

static void
fault_hang(uint32_t off)
{
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(8, off, 100000, &m);
	static struct vpf_admin_cmd cmds[8];
	static uint8_t modes[8];
	struct vpf_pf_info info;
	struct vpf_admin_stats st;
	uint32_t i;
	uint8_t mode;

	for (i = 1; i <= 8; i++)
		assert_int_equal(vpf_admin_mode_set(pf, (uint16_t)i, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(vpf_model_fault_inject(m, 3, VPF_MODEL_FAULT_HANG, 1, 0), 0);
	memset(cmds, 0, sizeof(cmds));
	ndone = 0;
	for (i = 0; i < 8; i++) {
		vpf_admin_prep_mode_get(&cmds[i], (uint16_t)(i + 1), &modes[i]);
		cmds[i].done = done_cb;
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
	}
	while (ndone < 8)
		assert_true(vpf_admin_poll(pf) >= 0);
	/* The model completes in order of processing: those before and after
	 * the hung one on the ring completed, VF 3 timed out. */
	for (i = 0; i < 8; i++) {
		if (i == 2) {
			assert_int_equal(cmds[i].rc, -ETIMEDOUT);
		} else {
			assert_int_equal(cmds[i].rc, 0);
			assert_int_equal(modes[i], VPF_DEV_MODE_STOP);
		}
	}
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.recoveries, 1);
	assert_int_equal(vpf_admin_stats_get(pf, 3, &st), 0);
	assert_int_equal(st.timeouts, 1);
	/* Other VFs' state unaffected, all usable again. */
	for (i = 1; i <= 8; i++) {
		assert_int_equal(vpf_admin_mode_get(pf, (uint16_t)i, &mode), 0);
		assert_int_equal(mode, VPF_DEV_MODE_STOP);
	}
	model_down(pf, m);
}

static void
test_fault_hang_queue_reset(void **state)
{
	(void)state;
	fault_hang(0);
}

static void
test_fault_hang_reinit(void **state)
{
	(void)state;
	fault_hang(VPF_MODEL_OFF_RING_RESET);
}

static void
test_fault_kinds(void **state)
{
	struct vpf_model *m;
	/* Generous: a loaded CI machine must not turn a 2 ms delay or the
	 * 5 ms stall check of the DMA fault into a timeout. */
	struct vpf_pf *pf = model_up(4, 0, 500000, &m);
	struct vpf_admin_stats st;
	struct vpf_pf_info info;
	uint16_t s, q;
	uint8_t mode;
	uint32_t rec;

	(void)state;
	/* eagain: retried, succeeds */
	assert_int_equal(vpf_model_fault_inject(m, 1, VPF_MODEL_FAULT_EAGAIN, 3, 0), 0);
	assert_int_equal(vpf_admin_mode_set(pf, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(vpf_admin_stats_get(pf, 1, &st), 0);
	assert_int_equal(st.retries, 3);
	/* eagain with NORESOURCE too; then more than retry_max: fails */
	assert_int_equal(vpf_model_fault_inject(m, 1, VPF_MODEL_FAULT_EAGAIN, 2,
						VPF_ADMIN_SQ_NORESOURCE), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	assert_int_equal(vpf_model_fault_inject(m, 1, VPF_MODEL_FAULT_EAGAIN, 100, 0), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), -EAGAIN);
	vpf_model_fault_clear(m);
	/* einval: reported with status and qualifier */
	assert_int_equal(vpf_model_fault_inject(m, 2, VPF_MODEL_FAULT_EINVAL, 1,
						(VPF_ADMIN_STATUS_EBUSY << 16) | VPF_ADMIN_SQ_INVALID_MEMBER), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 2, &mode), -EBUSY);
	vpf_admin_last_status(pf, &s, &q);
	assert_int_equal(s, VPF_ADMIN_STATUS_EBUSY);
	assert_int_equal(q, VPF_ADMIN_SQ_INVALID_MEMBER);
	/* delay, flr, reset: slower but fine */
	assert_int_equal(vpf_model_fault_inject(m, 2, VPF_MODEL_FAULT_DELAY, 1, 2000), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 2, &mode), 0);
	assert_int_equal(vpf_model_fault_inject(m, 2, VPF_MODEL_FAULT_FLR, 1, 2000), 0);
	assert_int_equal(vpf_admin_mode_set(pf, 2, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(vpf_model_fault_inject(m, 2, VPF_MODEL_FAULT_RESET, 1, 2000), 0);
	assert_int_equal(vpf_admin_mode_set(pf, 2, VPF_DEV_MODE_ACTIVE), 0);
	/* bad-len: that command fails, the next works */
	assert_int_equal(vpf_model_fault_inject(m, 3, VPF_MODEL_FAULT_BAD_LEN, 1, 0), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 3, &mode), -EIO);
	assert_int_equal(vpf_admin_mode_get(pf, 3, &mode), 0);
	/* dup: caught, harmless */
	assert_int_equal(vpf_model_fault_inject(m, 3, VPF_MODEL_FAULT_DUP, 1, 0), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 3, &mode), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 3, &mode), 0);
	/* bad-id: the command is lost: timeout, recovery */
	assert_int_equal(vpf_model_fault_inject(m, 4, VPF_MODEL_FAULT_BAD_ID, 1, 0), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 4, &mode), -ETIMEDOUT);
	assert_int_equal(vpf_admin_mode_get(pf, 4, &mode), 0);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	rec = info.recoveries;
	assert_int_equal(rec, 1);
	/* dma: DEVICE_NEEDS_RESET, re-init, working again */
	assert_int_equal(vpf_model_fault_inject(m, 4, VPF_MODEL_FAULT_DMA, 1, 0), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 4, &mode), -EIO);
	assert_false(vpf_model_needs_reset(m));
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.recoveries, rec + 1);
	assert_int_equal(vpf_admin_mode_get(pf, 4, &mode), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	assert_int_equal(mode, VPF_DEV_MODE_STOP);	/* VF state survived */
	/* PF-wide hang of a LIST-free command after recovery */
	model_down(pf, m);
}

/* Every typed command's failure path: the device answers EINVAL with a
 * chosen qualifier; the call returns -EINVAL and names both. */
static void
test_every_command_fails_cleanly(void **state)
{
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(2, 0, 0, &m);
	struct vpf_admin_ctx_field_info fi[8];
	struct vpf_admin_wr_range rg = { 0, 16 };
	struct vpf_wr_cap cap;
	uint64_t size, bm[1] = { 0 }, recs;
	uint8_t mode, buf[64] = { 0 };
	uint32_t n, i;
	size_t len;
	int rc = 0;

	(void)state;
	assert_int_equal(vpf_admin_mode_set(pf, 1, VPF_DEV_MODE_FREEZE), 0);
	for (i = 0; i < 12; i++) {
		uint16_t st, q;

		assert_int_equal(vpf_model_fault_inject(m, 1, VPF_MODEL_FAULT_EINVAL, 1,
							(VPF_ADMIN_STATUS_EINVAL << 16) |
							VPF_ADMIN_SQ_INVALID_FIELD), 0);
		switch (i) {
		case 0: rc = vpf_admin_mode_get(pf, 1, &mode); break;
		case 1: rc = vpf_admin_mode_set(pf, 1, VPF_DEV_MODE_STOP); break;
		case 2: rc = vpf_admin_ctx_size_get(pf, 1, false, &size); break;
		case 3: rc = vpf_admin_ctx_read_chunk(pf, 1, buf, 64, &n); break;
		case 4: rc = vpf_admin_ctx_read(pf, 1, 64, buf, 64, &len); break;
		case 5: rc = vpf_admin_ctx_write_chunk(pf, 1, buf, 64); break;
		case 6: rc = vpf_admin_ctx_fields_query(pf, 1, fi, 8, &n); break;
		case 7: rc = vpf_admin_ctx_discard(pf, 1); break;
		case 8: rc = vpf_admin_wr_cap_query(pf, 1, &cap); break;
		case 9: rc = vpf_admin_wr_start(pf, 1, 4096, &rg, 1); break;
		case 10: rc = vpf_admin_wr_stop(pf, 1); break;
		case 11: rc = vpf_admin_wr_read(pf, 1, 0, 65536, 4096, bm, &recs); break;
		}
		if (rc != -EINVAL)
			fail_msg("command %u: rc %d: %s", i, rc, vpf_last_error());
		vpf_admin_last_status(pf, &st, &q);
		assert_int_equal(st, VPF_ADMIN_STATUS_EINVAL);
		assert_int_equal(q, VPF_ADMIN_SQ_INVALID_FIELD);
		assert_non_null(strstr(vpf_last_error(),
				       "failed: status EINVAL (22), qualifier INVALID_FIELD (3)"));
	}
	/* A failed MODE_SET left the mode unchanged. */
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	assert_int_equal(mode, VPF_DEV_MODE_FREEZE);
	model_down(pf, m);
}

/* A PF-wide fault that also hits the recovery's own LIST_QUERY: the
 * recovery tries again, VPF_ADMIN_RECOVERY_MAX times in all; then the PF
 * is failed and says so on every later call. */
static void
test_recovery_fails(void **state)
{
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(2, VPF_MODEL_OFF_RING_RESET, 20000, &m);
	struct vpf_pf_info info;
	uint8_t mode;

	(void)state;
	assert_int_equal(vpf_model_fault_inject(m, 0, VPF_MODEL_FAULT_HANG,
						1 + VPF_ADMIN_RECOVERY_MAX, 0), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), -ETIMEDOUT);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), -EIO);
	assert_non_null(strstr(vpf_last_error(), "is failed: 3 recoveries in a row"));
	assert_int_equal(vpf_admin_poll(pf), -EIO);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_true(info.failed);
	assert_int_equal(info.recoveries, VPF_ADMIN_RECOVERY_MAX);
	model_down(pf, m);

	/* The recovery's first LIST_QUERY hangs, the second attempt works. */
	pf = model_up(2, VPF_MODEL_OFF_RING_RESET, 20000, &m);
	assert_int_equal(vpf_model_fault_inject(m, 0, VPF_MODEL_FAULT_HANG, 2, 0), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), -ETIMEDOUT);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_false(info.failed);
	assert_int_equal(info.recoveries, 2);
	model_down(pf, m);

	/* The same with a single hang: re-init and LIST_USE succeed. */
	pf = model_up(2, VPF_MODEL_OFF_RING_RESET, 20000, &m);
	assert_int_equal(vpf_model_fault_inject(m, 0, VPF_MODEL_FAULT_HANG, 1, 0), 0);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), -ETIMEDOUT);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	model_down(pf, m);
}

/* Surprise removal (doc/protocol.md §3.6): once the device reads all-ones, a command
 * in flight and every later one fail with ENODEV well before their
 * deadline, detach does not hang, and a new attach is refused. */
static void
test_surprise_removal(void **state)
{
	struct vpf_model *m;
	struct vpf_pf *pf = model_up(2, 0, 2000000, &m);
	struct vpf_admin_cmd c;
	uint8_t mode = 0xff;

	(void)state;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	memset(&c, 0, sizeof(c));
	vpf_admin_prep_mode_get(&c, 2, &mode);
	assert_int_equal(vpf_admin_submit(pf, &c), 0);
	vpf_model_surprise_remove(m);
	/* The in-flight command ends with ENODEV long before its 2 s
	 * deadline (a timeout would report ETIMEDOUT). */
	while (vpf_admin_inflight(pf) > 0 && vpf_admin_poll(pf) >= 0)
		;
	assert_int_equal(c.rc, -ENODEV);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), -ENODEV);
	assert_non_null(strstr(vpf_last_error(), "gone"));
	vpf_pf_detach(pf);
	errno = 0;
	assert_null(attach_t(m, 0));
	assert_int_equal(errno, ENODEV);
	vpf_model_destroy(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bringup),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_slow_reset),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_every_command_fails_cleanly),
		cmocka_unit_test(test_ctx_transfer),
		cmocka_unit_test(test_write_recording),
		cmocka_unit_test(test_64_vfs_in_flight),
		cmocka_unit_test(test_pipelined_threaded),
		cmocka_unit_test(test_fault_hang_queue_reset),
		cmocka_unit_test(test_fault_hang_reinit),
		cmocka_unit_test(test_fault_kinds),
		cmocka_unit_test(test_recovery_fails),
		cmocka_unit_test(test_surprise_removal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
