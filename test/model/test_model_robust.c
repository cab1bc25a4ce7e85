/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * A hostile driver: random descriptor chains (bad addresses, lengths,
 * flags, loops), random command bytes and random register and config
 * writes, deterministic from a seed. The model must never crash or touch
 * memory it does not own (run under ASan/UBSan), must answer every chain
 * either with a completion or a reported fault, and must work normally
 * after a reset.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_log.h>

#include "harness.h"
#include "vpf_ctx.h"

static uint64_t rs;

static uint64_t
rnd(void)
{
	uint64_t z = (rs += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static const uint16_t ops[] = {
	0x0, 0x1, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x10, 0x11,
	0x12, 0x3f, 0xffff,
};

static uint64_t
rnd_addr(struct h *h)
{
	switch (rnd() % 6) {
	case 0: return rnd();
	case 1: return h->buf.iova + h->buf.len - (rnd() % 64);
	case 2: return h->ring.iova + rnd() % h->ring.len;
	default:
		return h->buf.iova + (rnd() % (h->buf.len / 8)) * 8;
	}
}

/* Random command bytes in slot @p s, mostly plausible. */
static void
rnd_cmd(struct h *h, unsigned int s, uint32_t *dlen)
{
	uint8_t *b = h_data(h, s);
	struct vpf_admin_cmd_hdr hdr;
	uint32_t i, n;

	memset(&hdr, 0, sizeof(hdr));
	hdr.opcode = ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
	hdr.group_type = rnd() % 8 ? VPF_ADMIN_GROUP_SRIOV : (uint16_t)rnd();
	hdr.group_member_id = rnd() % 8 ? rnd() % 6 : rnd();
	memcpy(b, &hdr, sizeof(hdr));
	n = (uint32_t)(rnd() % 4 == 0 ? rnd() % 4096 : (rnd() % 8) * 8);
	for (i = 0; i < n; i++)
		b[sizeof(hdr) + i] = rnd() % 3 ? 0 : (uint8_t)rnd();
	*dlen = n;
}

static void
rnd_chain(struct h *h)
{
	unsigned int s = (unsigned int)(rnd() % H_SLOTS);
	uint16_t d0 = (uint16_t)(4 * s);
	uint32_t dlen, rcap = (uint32_t)((rnd() % 64) * 8);
	unsigned int k;

	rnd_cmd(h, s, &dlen);
	/* A well-formed chain, then mangle some of it. */
	h->desc[d0] = (struct vpf_vring_desc){ h_data_iova(h, s),
		24 + dlen, VPF_VRING_DESC_F_NEXT, (uint16_t)(d0 + 1) };
	h->desc[d0 + 1] = (struct vpf_vring_desc){ h_res_iova(h, s),
		8 + rcap, VPF_VRING_DESC_F_WRITE, 0 };
	for (k = 0; k < 4; k++) {
		if (rnd() % 8 != 0)
			continue;
		switch (rnd() % 6) {
		case 0: h->desc[d0 + k].addr = rnd_addr(h); break;
		case 1: h->desc[d0 + k].len = (uint32_t)rnd(); break;
		case 2: h->desc[d0 + k].len = (uint32_t)(rnd() % 64); break;
		case 3: h->desc[d0 + k].flags = (uint16_t)(rnd() % 8); break;
		case 4: h->desc[d0 + k].next = (uint16_t)rnd(); break;
		default: h->desc[d0 + k].next = (uint16_t)(rnd() % H_QSIZE);
			break;
		}
	}
	h_post_head(h, rnd() % 32 ? d0 : (uint16_t)rnd());
}

static void
rnd_reg(struct h *h)
{
	static const uint8_t off[] = { 0, 4, 8, 12, 16, 18, 20, 21, 22, 24,
		26, 28, 30, 32, 36, 40, 48, 56, 58, 60, 62 };
	static const uint8_t w[] = { 4, 4, 4, 4, 2, 2, 1, 1, 2, 2, 2, 2, 2,
		4, 4, 8, 8, 2, 2, 2, 2 };
	unsigned int i = (unsigned int)(rnd() % sizeof(off));

	/* Leave device_status alone most of the time. */
	if (off[i] == 20 && rnd() % 4)
		return;
	h_wr(h, off[i], w[i], rnd() % 2 ? rnd() % 4 : rnd());
}

static void
rnd_cfg(struct h *h)
{
	uint32_t v = (uint32_t)rnd();
	uint32_t o = (uint32_t)(rnd() % 4096) & ~3u;

	/* Keep VF Enable: the point is the admin queue. */
	if (o == 0x108)
		return;
	(void)vpf_model_ops.cfg_write(h->m, o, &v, 4);
	(void)vpf_model_ops.cfg_read(h->m, (uint32_t)(rnd() % 4096), &v, 1);
}

static void
recover(struct h *h)
{
	assert_int_equal(h_reinit(h), 0);
}

static void
test_hostile_driver_never_breaks_the_model(void **state)
{
	struct h h;
	struct vpf_model_stats st;
	unsigned int i, faults = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		rs = seed;
		assert_int_equal(h_up_all(&h, h_model(0, 4, 2)), 0);
		for (i = 0; i < 3000; i++) {
			unsigned int a = (unsigned int)(rnd() % 16);

			if (a < 10) {
				rnd_chain(&h);
				h_kick(&h);
			} else if (a < 12) {
				rnd_reg(&h);
				h_wr(&h, VPF_COMMON_Q_SELECT, 2, h.aq);
			} else if (a < 13) {
				rnd_cfg(&h);
			} else if (a < 14) {
				vpf_model_guest_step(h.m, (uint16_t)(1 + rnd() % 4),
						     (uint32_t)(rnd() % 50));
			} else {
				h.ops->poll(h.m);
			}
			/* Keep the harness's view in step with the device. */
			h.used_seen = __atomic_load_n(h.used_idx,
						      __ATOMIC_ACQUIRE);
			if (vpf_model_needs_reset(h.m) ||
			    !(h_status(&h) & VPF_STATUS_DRIVER_OK) ||
			    rnd() % 256 == 0) {
				if (vpf_model_needs_reset(h.m))
					faults++;
				recover(&h);
			}
		}
		/* After a reset it works like new. */
		recover(&h);
		{
			uint8_t mode;

			assert_int_equal(h_mode_get(&h, 1, &mode), 0);
			assert_true(mode <= VPF_DEV_MODE_MAX);
		}
		vpf_model_stats_get(h.m, 0, &st);
		assert_true(st.cmds[VPF_ADMIN_OP_LIST_QUERY] > 0);
		h_down(&h);
	}
	assert_true(faults > 0);
}

static uint16_t
rnd_qsize(void)
{
	static const uint16_t sz[] = { 0, 1, 2, 3, 4, 8, 16, 64, 128, 256,
		512, 0xffff };

	return sz[rnd() % (sizeof(sz) / sizeof(sz[0]))];
}

/* A context of a random subset of fields with random, mostly plausible
 * values (queue sizes that shrink, owned descriptors with or without the
 * queue's size, duplicates, out-of-range indices). */
static uint8_t *
rnd_ctx(uint16_t nvq, size_t *len)
{
	struct vpf_ctx_builder b;
	uint16_t idx[300];
	uint32_t i, n = (uint32_t)(rnd() % 8);
	uint8_t *c;

	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	for (i = 0; i < n; i++) {
		uint16_t vq = (uint16_t)(rnd() % 8 ? rnd() % nvq : rnd());

		switch (rnd() % 6) {
		case 0: {
			struct vpf_ctx_vq_cfg vc = {
				.vq_index = vq, .queue_size = rnd_qsize(),
				.queue_msix_vector = (uint16_t)(rnd() % 9),
				.queue_desc = (rnd() % 64) << 16,
				.queue_driver = (rnd() % 64) << 16,
				.queue_device = (rnd() % 64) << 16,
			};

			(void)vpf_ctx_add_vq_cfg(&b, &vc);
			break;
		}
		case 1: {
			uint32_t k, cnt = (uint32_t)(rnd() % 4 ? rnd() % 8 :
						     rnd() % 300);
			uint16_t lim = rnd_qsize();

			for (k = 0; k < cnt; k++)
				idx[k] = (uint16_t)(rnd() % 8 ? (lim ? k % lim :
								k) : rnd());
			(void)vpf_ctx_add_own_desc(&b, vq, idx, (uint16_t)cnt);
			break;
		}
		case 2: {
			struct vpf_ctx_vq_runtime rt = {
				.vq_index = vq,
				.dev_avail_idx = (uint16_t)rnd(),
				.enabled = (uint8_t)(rnd() % 3),
			};

			(void)vpf_ctx_add_vq_runtime(&b, &rt);
			break;
		}
		case 3: {
			struct vpf_ctx_common_cfg cc;

			memset(&cc, 0, sizeof(cc));
			cc.num_queues = rnd() % 8 ? nvq : (uint16_t)rnd();
			cc.queue_select = (uint16_t)(rnd() % (nvq + 1u));
			cc.queue_size = rnd_qsize();
			cc.device_status = (uint8_t)rnd();
			(void)vpf_ctx_add_common_cfg(&b, &cc);
			break;
		}
		case 4: {
			uint64_t w = rnd() % 2 ? (1ull << 32) | rnd() % 2 :
				rnd();

			(void)vpf_ctx_add_features(&b, &w, 1);
			break;
		}
		default: {
			uint8_t cfg[12];
			uint32_t k;

			for (k = 0; k < sizeof(cfg); k++)
				cfg[k] = (uint8_t)rnd();
			cfg[4] = 2;	/* max_virtqueue_pairs, mostly */
			cfg[5] = rnd() % 4 ? 0 : (uint8_t)rnd();
			(void)vpf_ctx_add_dev_cfg(&b, cfg, sizeof(cfg));
			break;
		}
		}
	}
	c = vpf_ctx_builder_detach(&b, len);
	assert_non_null(c);
	return c;
}

/* Whatever a driver writes, the VF's state stays one the model can work
 * on: guest steps end, and every context it produces is one it accepts
 * again (a written context never sets up an inconsistent VF). */
static void
test_hostile_contexts_never_break_the_vf(void **state)
{
	struct h h;
	unsigned int i, ok = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 4; seed++) {
		rs = seed * 7919;
		assert_int_equal(h_up_all(&h, h_model(0, 2, 2)), 0);
		for (i = 0; i < 400; i++) {
			size_t len, rlen;
			uint8_t *c = rnd_ctx(5, &len), *rd;
			uint16_t st;

			assert_int_equal(h_mode_set(&h, 1, VPF_DEV_MODE_FREEZE),
					 0);
			st = h_write_all(&h, 1, c, len, 8 * (1 + rnd() % 64));
			assert_true(st == 0 || st == VPF_ADMIN_STATUS_EINVAL);
			ok += st == 0;
			free(c);
			assert_int_equal(h_mode_set(&h, 1, rnd() % 2 ?
				VPF_DEV_MODE_ACTIVE : VPF_DEV_MODE_STOP), 0);
			assert_int_equal(vpf_model_guest_step(h.m, 1,
					(uint32_t)(rnd() % 400)), 0);
			assert_int_equal(h_read_all(&h, 1, 4096, &rd, &rlen),
					 0);
			/* Its own context goes back in. */
			assert_int_equal(h_mode_set(&h, 2, VPF_DEV_MODE_FREEZE),
					 0);
			assert_int_equal(h_write_all(&h, 2, rd, rlen, 4096), 0);
			assert_int_equal(h_mode_set(&h, 2, VPF_DEV_MODE_ACTIVE),
					 0);
			assert_int_equal(vpf_model_guest_step(h.m, 2, 50), 0);
			free(rd);
		}
		h_down(&h);
	}
	/* The random contexts are not all refused. */
	assert_true(ok > 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_driver_never_breaks_the_model),
		cmocka_unit_test(test_hostile_contexts_never_break_the_vf),
	};

	/* Thousands of refused driver errors: keep the log quiet. */
	rte_log_set_level_pattern("vpf.model", RTE_LOG_CRIT);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
