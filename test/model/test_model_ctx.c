/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Contexts the model produces: parsed by lib/ctx without error for many
 * seeds and sizes, every field type present, sizes growing with queues
 * and owned descriptors; the digest; migration of a VF's context into a
 * VF of another model PF (digest equality); the activation cost.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "../vpf_test_main.h"
#include "vpf_ctx.h"

struct seen {
	uint32_t types[7];
	uint32_t own_total;
};

static int
count_cb(const struct vpf_ctx_field *f, void *arg)
{
	struct seen *s = arg;

	switch (f->type) {
	case VPF_CTX_PCI_COMMON_CFG: s->types[0]++; break;
	case VPF_CTX_DEV_FEATURES: s->types[1]++; break;
	case VPF_CTX_PCI_VQ_CFG: s->types[2]++; break;
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG: s->types[3]++; break;
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC:
		s->types[4]++;
		s->own_total += (uint32_t)(f->length - 4) / 2;
		break;
	case VPF_CTX_DEV_CFG: s->types[5]++; break;
	default: s->types[6]++; break;
	}
	return 0;
}

static struct vpf_model *
model(uint64_t seed, uint16_t vfs, uint16_t qp, uint16_t vq_size)
{
	struct vpf_model_params p;

	vpf_model_params_init(&p);
	p.seed = seed;
	p.num_vfs = vfs;
	p.num_qp = qp;
	p.vq_size = vq_size;
	p.guest_mem_size = 16ull << 20;
	return vpf_model_create(&p);
}

static void
test_ctx_parses_for_many_seeds_and_sizes(void **state)
{
	static const uint16_t qps[] = { 1, 2, 4, 8 };
	static const uint16_t sizes[] = { 64, 256, 1024 };
	uint8_t *buf = malloc(1 << 20);
	unsigned int qi, si;
	uint64_t seed;

	(void)state;
	assert_non_null(buf);
	for (seed = 1; seed <= 12; seed++) {
		for (qi = 0; qi < 4; qi++) {
			for (si = 0; si < 3; si++) {
				struct vpf_model *m = model(seed, 2, qps[qi],
							    sizes[si]);
				struct vpf_ctx_error err;
				struct seen s;
				size_t len;
				uint16_t vf;

				assert_non_null(m);
				for (vf = 1; vf <= 2; vf++) {
					vpf_model_guest_step(m, vf,
						(uint32_t)(seed * 97 * vf));
					assert_int_equal(vpf_model_vf_ctx(m, vf,
						buf, 1 << 20, &len), 0);
					memset(&s, 0, sizeof(s));
					assert_int_equal(vpf_ctx_parse(buf, len, 0,
						count_cb, &s, &err), 0);
					assert_int_equal(s.types[0], 1);
					assert_int_equal(s.types[1], 1);
					assert_int_equal(s.types[2],
							 2 * qps[qi] + 1);
					assert_int_equal(s.types[3],
							 2 * qps[qi] + 1);
					assert_int_equal(s.types[4],
							 2 * qps[qi] + 1);
					assert_int_equal(s.types[5], 1);
					assert_int_equal(s.types[6], 0);
				}
				vpf_model_destroy(m);
			}
		}
	}
	free(buf);
}

static void
test_ctx_size_grows_with_queues_and_owned(void **state)
{
	uint8_t *buf = malloc(4 << 20);
	size_t small, big, bigger;
	struct vpf_model *m;
	struct seen s;

	(void)state;
	m = model(7, 1, 1, 256);
	assert_int_equal(vpf_model_vf_ctx(m, 1, buf, 4 << 20, &small), 0);
	vpf_model_destroy(m);
	m = model(7, 1, 8, 1024);
	assert_int_equal(vpf_model_vf_ctx(m, 1, buf, 4 << 20, &big), 0);
	assert_true(big > small);
	/* Many in-flight descriptors. */
	vpf_model_guest_step(m, 1, 20000);
	assert_int_equal(vpf_model_vf_ctx(m, 1, buf, 4 << 20, &bigger), 0);
	assert_true(bigger > big);
	memset(&s, 0, sizeof(s));
	assert_int_equal(vpf_ctx_parse(buf, bigger, 0, count_cb, &s, NULL), 0);
	assert_true(s.own_total > 1000);
	vpf_model_destroy(m);
	/* A large VF: hundreds of KiB. */
	m = model(3, 1, 32, 4096);
	vpf_model_guest_step(m, 1, 200000);
	assert_int_equal(vpf_model_vf_ctx(m, 1, buf, 4 << 20, &bigger), 0);
	assert_true(bigger > 200 * 1024);
	assert_int_equal(vpf_ctx_validate(buf, bigger, 0, NULL), 0);
	vpf_model_destroy(m);
	free(buf);
}

static void
test_ctx_read_through_admin_queue_parses(void **state)
{
	struct h h;
	uint8_t *b, *ref = malloc(1 << 20);
	size_t len, rlen;
	uint32_t chunk;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 2, 4)), 0);
	vpf_model_guest_step(h.m, 1, 3000);
	for (chunk = 8; chunk <= 65536; chunk *= 4) {
		assert_int_equal(h_mode_set(&h, 1, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(h_read_all(&h, 1, chunk, &b, &len), 0);
		assert_int_equal(vpf_ctx_validate(b, len, 0, NULL), 0);
		assert_int_equal(vpf_model_vf_ctx(h.m, 1, ref, 1 << 20, &rlen),
				 0);
		assert_int_equal(len, rlen);
		assert_memory_equal(b, ref, len);
		free(b);
		assert_int_equal(h_mode_set(&h, 1, VPF_DEV_MODE_ACTIVE), 0);
	}
	free(ref);
	h_down(&h);
}

static void
test_digest_reflects_state(void **state)
{
	struct vpf_model *a = model(5, 2, 2, 256), *b = model(5, 2, 2, 256);
	uint8_t da[32], db[32];
	char hex[65];

	(void)state;
	/* Same seed, same steps: same digest (deterministic workload). */
	vpf_model_guest_step(a, 1, 777);
	vpf_model_guest_step(b, 1, 777);
	vpf_model_digest(a, 1, da);
	vpf_model_digest(b, 1, db);
	assert_memory_equal(da, db, 32);
	/* One more step: different. */
	vpf_model_guest_step(b, 1, 1);
	vpf_model_digest(b, 1, db);
	assert_memory_not_equal(da, db, 32);
	/* Different VFs differ. */
	vpf_model_digest(a, 2, db);
	assert_memory_not_equal(da, db, 32);
	vpf_model_digest_hex(da, hex);
	assert_int_equal(strlen(hex), 64);
	/* The digest is SHA-256 of the context (known answer for "abc"
	 * checked through a one-field context would be overkill): the hex
	 * form is lowercase. */
	assert_true(strspn(hex, "0123456789abcdef") == 64);
	assert_int_equal(vpf_model_digest(a, 3, da), -EINVAL);
	vpf_model_destroy(a);
	vpf_model_destroy(b);
}

static void
test_digest_excludes_mode_and_pending(void **state)
{
	struct h h;
	uint8_t d0[32], d1[32];
	uint32_t got;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 2, 2)), 0);
	vpf_model_digest(h.m, 1, d0);
	assert_int_equal(h_mode_set(&h, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&h, 1, 64, NULL, &got, NULL), 0);
	vpf_model_digest(h.m, 1, d1);
	assert_memory_equal(d0, d1, 32);
	h_down(&h);
}

static void
test_digest_equal_after_migration_to_other_pf(void **state)
{
	struct h src, dst;
	uint8_t *b;
	size_t len;
	uint8_t ds[32], dd[32];
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 4; seed++) {
		struct vpf_model_params p;

		vpf_model_params_init(&p);
		p.seed = seed;
		p.num_vfs = 3;
		p.guest_mem_size = 16ull << 20;
		assert_int_equal(h_up_all(&src, vpf_model_create(&p)), 0);
		p.seed = seed + 100;
		assert_int_equal(h_up_all(&dst, vpf_model_create(&p)), 0);
		vpf_model_guest_step(src.m, 2, 5000);
		vpf_model_guest_step(dst.m, 3, 100);
		/* Stop-copy: source VF 2 -> destination VF 3. */
		assert_int_equal(h_mode_set(&src, 2, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(h_read_all(&src, 2, 4096, &b, &len), 0);
		assert_int_equal(h_mode_set(&dst, 3, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(h_write_all(&dst, 3, b, len, 1024), 0);
		assert_int_equal(h_mode_set(&dst, 3, VPF_DEV_MODE_ACTIVE), 0);
		vpf_model_digest(src.m, 2, ds);
		vpf_model_digest(dst.m, 3, dd);
		assert_memory_equal(ds, dd, 32);
		free(b);
		h_down(&src);
		h_down(&dst);
	}
}

static void
test_activation_cost_counts_differing_fields(void **state)
{
	struct h src, dst;
	uint8_t *b1, *b2;
	size_t l1, l2;
	struct vpf_model_stats st;

	(void)state;
	assert_int_equal(h_up_all(&src, h_model(0, 2, 2)), 0);
	assert_int_equal(h_up_all(&dst, h_model(0, 2, 2)), 0);
	/* Precopy round: read while Active, write to the destination. */
	vpf_model_guest_step(src.m, 1, 2000);
	assert_int_equal(h_read_all(&src, 1, 4096, &b1, &l1), 0);
	assert_int_equal(h_mode_set(&dst, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&dst, 1, b1, l1, 4096), 0);
	/* A little more work, then stop-copy. */
	vpf_model_guest_step(src.m, 1, 3);
	assert_int_equal(h_mode_set(&src, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read_all(&src, 1, 4096, &b2, &l2), 0);
	assert_int_equal(h_write_all(&dst, 1, b2, l2, 4096), 0);
	assert_int_equal(h_mode_set(&dst, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_stats_get(dst.m, 1, &st);
	assert_int_equal(st.activations, 1);
	/* Only the fields the 3 steps touched differ from the precopy
	 * context, far fewer than all 18. */
	assert_true(st.fields_applied_diff < 10);
	free(b1);
	free(b2);
	h_down(&src);
	h_down(&dst);

	/* Without precopy every field counts. */
	assert_int_equal(h_up_all(&src, h_model(0, 2, 2)), 0);
	assert_int_equal(h_up_all(&dst, h_model(0, 2, 2)), 0);
	b1 = h_stop_copy(&src, &dst, 1, 4096, &l1);
	assert_int_equal(h_mode_set(&dst, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_stats_get(dst.m, 1, &st);
	assert_int_equal(st.fields_applied_diff, 3 + 3 * 5);
	free(b1);
	h_down(&src);
	h_down(&dst);
}

/* @p ctx with its fields in reverse order (a context from another builder:
 * doc/protocol.md §5 fixes no field order). */
static uint8_t *
reversed(const uint8_t *ctx, size_t len, size_t *out_len)
{
	struct vpf_ctx_field f[64];
	struct vpf_ctx_builder b;
	struct vpf_ctx_iter it;
	uint8_t *out = malloc(len);
	int n = 0;

	assert_non_null(out);
	assert_int_equal(vpf_ctx_iter_init(&it, ctx, len, VPF_CTX_F_ALLOW_PAD),
			 0);
	while (n < 64 && vpf_ctx_iter_next(&it, &f[n]) == 1)
		n++;
	assert_int_equal(vpf_ctx_iter_error(&it)->code, VPF_CTX_OK);
	assert_int_equal(vpf_ctx_builder_init(&b, out, len), 0);
	while (n-- > 0)
		assert_int_equal(vpf_ctx_add_field(&b, &f[n]), 0);
	*out_len = vpf_ctx_builder_len(&b);
	return out;
}

static uint64_t
applied_diff(struct h *dst, const uint8_t *ctx, size_t len)
{
	struct vpf_model_stats s0, s1;

	vpf_model_stats_get(dst->m, 1, &s0);
	assert_int_equal(h_mode_set(dst, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(dst, 1, ctx, len, 4096), 0);
	assert_int_equal(h_mode_set(dst, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_stats_get(dst->m, 1, &s1);
	assert_int_equal(s1.activations, s0.activations + 1);
	return s1.fields_applied_diff - s0.fields_applied_diff;
}

/* Fields are matched by type and vq_index, whatever their order. */
static void
test_activation_cost_ignores_field_order(void **state)
{
	struct h src, dst;
	uint8_t *b1, *b2, *r1, *r2;
	size_t l1, l2, lr1, lr2;
	uint64_t d;

	(void)state;
	assert_int_equal(h_up_all(&src, h_model(0, 2, 2)), 0);
	assert_int_equal(h_up_all(&dst, h_model(0, 2, 2)), 0);
	vpf_model_guest_step(src.m, 1, 2000);
	assert_int_equal(h_read_all(&src, 1, 4096, &b1, &l1), 0);
	vpf_model_guest_step(src.m, 1, 3);
	assert_int_equal(h_discard(&src, 1), 0);
	assert_int_equal(h_read_all(&src, 1, 4096, &b2, &l2), 0);
	r1 = reversed(b1, l1, &lr1);
	r2 = reversed(b2, l2, &lr2);
	assert_int_equal(lr1, l1);
	assert_memory_not_equal(r1, b1, l1);
	/* First activation: all 18 fields are new. */
	assert_int_equal(applied_diff(&dst, b1, l1), 3 + 3 * 5);
	/* The same fields in another order: nothing differs. */
	assert_int_equal(applied_diff(&dst, r1, lr1), 0);
	/* The few fields the 3 steps changed, in either order, both
	 * ways. */
	d = applied_diff(&dst, r2, lr2);
	assert_true(d > 0 && d < 10);
	assert_int_equal(applied_diff(&dst, b1, l1), d);
	assert_int_equal(applied_diff(&dst, b2, l2), d);
	assert_int_equal(applied_diff(&dst, r1, lr1), d);
	free(b1);
	free(b2);
	free(r1);
	free(r2);
	h_down(&src);
	h_down(&dst);
}

/* The activation baseline is a context written and replaced, or the last
 * applied one, never one DISCARD dropped (as if never written). */
static void
test_activation_baseline_never_a_discarded_context(void **state)
{
	struct h src, dst;
	uint8_t *b1, *b2;
	size_t l1, l2;
	struct vpf_model_stats st;

	(void)state;
	assert_int_equal(h_up_all(&src, h_model(0, 2, 2)), 0);
	assert_int_equal(h_up_all(&dst, h_model(0, 2, 2)), 0);
	assert_int_equal(h_read_all(&src, 1, 4096, &b1, &l1), 0);
	vpf_model_guest_step(src.m, 1, 50);
	assert_int_equal(h_discard(&src, 1), 0);
	assert_int_equal(h_read_all(&src, 1, 4096, &b2, &l2), 0);
	/* Written (b1), replaced (b2), both discarded, then b1 again: none
	 * of them was applied, so every field of b1 counts. */
	assert_int_equal(h_mode_set(&dst, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&dst, 1, b1, l1, 4096), 0);
	assert_int_equal(h_write_all(&dst, 1, b2, l2, 4096), 0);
	assert_int_equal(h_discard(&dst, 1), 0);
	assert_int_equal(h_write_all(&dst, 1, b1, l1, 4096), 0);
	assert_int_equal(h_mode_set(&dst, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_stats_get(dst.m, 1, &st);
	assert_int_equal(st.activations, 1);
	assert_int_equal(st.fields_applied_diff, 3 + 3 * 5);
	/* Now b1 is applied: writing b2, discarding it and writing b1
	 * again compares with the applied b1: nothing differs. */
	assert_int_equal(h_mode_set(&dst, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&dst, 1, b2, l2, 4096), 0);
	assert_int_equal(h_discard(&dst, 1), 0);
	assert_int_equal(h_write_all(&dst, 1, b1, l1, 4096), 0);
	assert_int_equal(h_mode_set(&dst, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_stats_get(dst.m, 1, &st);
	assert_int_equal(st.activations, 2);
	assert_int_equal(st.fields_applied_diff, 3 + 3 * 5);
	free(b1);
	free(b2);
	h_down(&src);
	h_down(&dst);
}

static void
test_stats_count_commands(void **state)
{
	struct h h;
	struct vpf_model_stats st;
	uint8_t m;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(0, 2, 1)), 0);
	h_mode_get(&h, 1, &m);
	h_mode_get(&h, 2, &m);
	h_mode_set(&h, 2, 9);
	vpf_model_stats_get(h.m, 0, &st);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_GET], 2);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_LIST_QUERY], 1);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_LIST_USE], 1);
	assert_int_equal(st.errors, 1);
	vpf_model_stats_get(h.m, 2, &st);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_GET], 1);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_SET], 1);
	assert_int_equal(st.errors, 1);
	assert_int_equal(vpf_model_stats_get(h.m, 3, &st), -EINVAL);
	h_down(&h);
}

/* The model's internal SHA-256 (drivers/model/model_sha256.c). */
void model_sha256(const void *data, size_t len, uint8_t out[32]);

static void
test_digest_is_sha256_of_the_context(void **state)
{
	static const char *const msg[] = {
		"", "abc",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	};
	static const char *const want[] = {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	};
	struct vpf_model *m = model(11, 1, 2, 256);
	uint8_t d[32], d2[32], *buf = malloc(1 << 20);
	char hex[65];
	size_t len;
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		model_sha256(msg[i], strlen(msg[i]), d);
		vpf_model_digest_hex(d, hex);
		assert_string_equal(hex, want[i]);
	}
	/* The digest hashes exactly the canonical context. */
	vpf_model_guest_step(m, 1, 321);
	assert_int_equal(vpf_model_vf_ctx(m, 1, buf, 1 << 20, &len), 0);
	model_sha256(buf, len, d);
	assert_int_equal(vpf_model_digest(m, 1, d2), 0);
	assert_memory_equal(d, d2, 32);
	free(buf);
	vpf_model_destroy(m);
}

static void
test_dirty_ground_truth(void **state)
{
	struct vpf_model *m = model(9, 1, 2, 256);
	uint64_t bm4k[(16 << 20) / 4096 / 64], bm2m[1], n4, n2, cnt;

	(void)state;
	vpf_model_guest_step(m, 1, 3000);
	assert_int_equal(vpf_model_dirty_bitmap(m, 1, 0, 16 << 20, 4096, bm4k,
						&n4), 0);
	assert_int_equal(vpf_model_dirty_count(m, 1, &cnt), 0);
	assert_int_equal(n4, cnt);
	assert_true(n4 > 0);
	assert_int_equal(vpf_model_dirty_bitmap(m, 1, 0, 16 << 20, 2 << 20,
						bm2m, &n2), 0);
	assert_true(n2 <= 8 && n2 > 0);
	assert_int_equal(vpf_model_dirty_bitmap(m, 1, 100, 4096, 4096, bm4k,
						&n4), -EINVAL);
	vpf_model_destroy(m);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_ctx_parses_for_many_seeds_and_sizes),
	cmocka_unit_test(test_ctx_size_grows_with_queues_and_owned),
	cmocka_unit_test(test_ctx_read_through_admin_queue_parses),
	cmocka_unit_test(test_digest_reflects_state),
	cmocka_unit_test(test_digest_excludes_mode_and_pending),
	cmocka_unit_test(test_digest_equal_after_migration_to_other_pf),
	cmocka_unit_test(test_activation_cost_counts_differing_fields),
	cmocka_unit_test(test_activation_baseline_never_a_discarded_context),
	cmocka_unit_test(test_activation_cost_ignores_field_order),
	cmocka_unit_test(test_stats_count_commands),
	cmocka_unit_test(test_digest_is_sha256_of_the_context),
	cmocka_unit_test(test_dirty_ground_truth))
