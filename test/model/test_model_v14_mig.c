/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * A 1.4 VF migrated at the model level with raw commands (doc/protocol.md
 * §10.7, doc/model.md "The 1.4 dialect"): GET object, METADATA SIZE and
 * PARTS_GET ALL on the stopped source, SET object and PARTS_SET on the
 * stopped destination, the guest ring state moved as a hypervisor moves
 * RAM, resume. The destination continues the guest's queues exactly where
 * the source stopped. And the checks of the ring state import.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness_v14.h"
#include "../vpf_test_main.h"
#include "vpf_parts.h"

#define OK	VPF_ADMIN_STATUS_OK
#define NVQ	5u		/* 2 queue pairs and the control queue */
#define RSZ	VPF_MODEL_GUEST_RING_SIZE(NVQ)

static struct h S, D;

static int
setup(void **state)
{
	(void)state;
	memset(&S, 0, sizeof(S));
	memset(&D, 0, sizeof(D));
	if (v14_up(&S, v14_model(0, 2, 2)) != 0 ||
	    v14_up(&D, v14_model(0, 2, 2)) != 0)
		return -1;
	return 0;
}

/* The same with a device thread and a service time per command. */
static struct vpf_model *
threaded_model(void)
{
	struct vpf_model_params p;

	vpf_model_params_init(&p);
	p.num_vfs = 4;
	p.num_qp = 2;
	p.guest_mem_size = 64ull << 20;
	p.dialect = VPF_DIALECT_V14_PARTS;
	p.parts_get_limit = 2;
	p.parts_set_limit = 2;
	p.service_time_us = 50;
	p.concurrency = 2;
	return vpf_model_create(&p);
}

static int
setup_threaded(void **state)
{
	(void)state;
	memset(&S, 0, sizeof(S));
	memset(&D, 0, sizeof(D));
	if (v14_up(&S, threaded_model()) != 0 ||
	    v14_up(&D, threaded_model()) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	h_down(&S);
	h_down(&D);
	return 0;
}

static void
expect(struct h_done d, uint16_t status)
{
	h_expect(&d, status, 0);
}

static uint16_t
idx(const uint8_t *r, unsigned int q, unsigned int which)
{
	uint16_t v;

	memcpy(&v, r + 16 + 8 * q + 2 * which, 2);
	return v;
}

static void
export(struct h *h, uint8_t r[RSZ])
{
	size_t len;

	assert_int_equal(vpf_model_guest_ring_export(h->m, 1, r, RSZ, &len),
			 0);
	assert_int_equal(len, RSZ);
}

/* The whole migration of VF 1 from S to D. */
static void
test_v14_migrate_vf_continues_queues(void **state)
{
	uint8_t rs[RSZ], rd[RSZ], rd2[RSZ], ds[32], dd[32], dd2[32];
	uint32_t size = 0;
	uint8_t *parts;
	size_t len;
	unsigned int q;

	(void)state;
	/* Both guests run their own workloads: different states. */
	assert_int_equal(vpf_model_guest_step(S.m, 1, 1500), 0);
	assert_int_equal(vpf_model_guest_step(D.m, 1, 700), 0);
	assert_int_equal(vpf_model_digest(S.m, 1, ds), 0);
	assert_int_equal(vpf_model_digest(D.m, 1, dd), 0);
	assert_memory_not_equal(ds, dd, 32);

	/* Source: limits, GET object, stop, size, state. The guest keeps
	 * posting buffers while the VF is stopped. */
	expect(v14_limits(&S, 2, 2), OK);
	expect(v14_create(&S, 1, 0, VPF_PARTS_OBJ_GET), OK);
	expect(v14_mode(&S, 1, 1), OK);
	assert_int_equal(vpf_model_guest_step(S.m, 1, 300), 0);
	expect(v14_meta(&S, 1, 0, VPF_PARTS_META_SIZE, 8, &size), OK);
	expect(v14_get_all(&S, 1, 0, size, &parts, &len), OK);
	assert_int_equal(len, size);
	expect(v14_destroy(&S, 1, 0), OK);
	export(&S, rs);
	assert_int_equal(vpf_model_digest(S.m, 1, ds), 0);
	/* Buffers the guest posted while the source was stopped. */
	{
		unsigned int out = 0;

		for (q = 0; q < NVQ; q++)
			out += (uint16_t)(idx(rs, q, 0) - idx(rs, q, 1));
		assert_true(out > 0);
	}

	/* Destination: stop, SET object, the parts, the RAM, resume. */
	expect(v14_limits(&D, 2, 2), OK);
	expect(v14_mode(&D, 1, 1), OK);
	expect(v14_create(&D, 1, 3, VPF_PARTS_OBJ_SET), OK);
	expect(v14_set(&D, 1, 3, parts, len), OK);
	assert_int_equal(vpf_model_digest(D.m, 1, dd), 0);
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, rs, RSZ), 0);
	/* Ring positions are not parts: the digest did not move. */
	assert_int_equal(vpf_model_digest(D.m, 1, dd2), 0);
	assert_memory_equal(dd, dd2, 32);
	expect(v14_mode(&D, 1, 0), OK);
	expect(v14_destroy(&D, 1, 3), OK);
	assert_int_equal(vpf_model_digest(D.m, 1, dd), 0);
	assert_memory_equal(ds, dd, 32);
	export(&D, rd);
	assert_memory_equal(rs, rd, RSZ);

	/* The device takes what the guest posted on the source, and a stop
	 * writes every one back: each buffer made available on the source
	 * and not used there is used exactly once on the destination. */
	assert_int_equal(vpf_model_guest_step(D.m, 1, 0), 0);
	expect(v14_mode(&D, 1, 1), OK);
	export(&D, rd2);
	for (q = 0; q < NVQ; q++) {
		assert_int_equal(idx(rd2, q, 0), idx(rs, q, 0));
		assert_int_equal(idx(rd2, q, 1), idx(rs, q, 0));
	}
	/* And it goes on: more work, another stop, nothing in flight. */
	expect(v14_mode(&D, 1, 0), OK);
	assert_int_equal(vpf_model_guest_step(D.m, 1, 1000), 0);
	expect(v14_mode(&D, 1, 1), OK);
	export(&D, rd2);
	for (q = 0; q < NVQ; q++)
		assert_int_equal(idx(rd2, q, 0), idx(rd2, q, 1));
	free(parts);
}

/* The ring state import takes untrusted bytes: a running VF, a bad magic,
 * version, queue count or length, a queue size that differs, or more
 * buffers outstanding than the queue holds are refused, and nothing
 * changes; a too small export buffer says the size; the draft dialect has
 * none. */
static void
test_v14_guest_ring_state_checks(void **state)
{
	uint8_t r[RSZ], bad[RSZ], after[RSZ];
	struct vpf_model *draft;
	uint16_t v;
	size_t len = 0;

	(void)state;
	export(&D, r);
	assert_int_equal(vpf_model_guest_ring_export(D.m, 1, r, RSZ - 1,
						     &len), -ENOSPC);
	assert_int_equal(len, RSZ);
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, r, RSZ), -EBUSY);
	expect(v14_mode(&D, 1, 1), OK);
	export(&D, r);
	memcpy(bad, r, RSZ);
	bad[0] ^= 1;
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, bad, RSZ),
			 -EINVAL);
	memcpy(bad, r, RSZ);
	bad[8] = 2;
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, bad, RSZ),
			 -EINVAL);
	memcpy(bad, r, RSZ);
	bad[10] = NVQ + 1;
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, bad, RSZ),
			 -EINVAL);
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, r, RSZ - 8),
			 -EINVAL);
	/* Queue 0: one buffer more than the ring holds. */
	memcpy(bad, r, RSZ);
	v = (uint16_t)(idx(r, 0, 1) + 257);
	memcpy(bad + 16, &v, 2);
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, bad, RSZ),
			 -EINVAL);
	/* Queue 4 (last): another size. */
	memcpy(bad, r, RSZ);
	v = 128;
	memcpy(bad + 16 + 8 * 4 + 4, &v, 2);
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, bad, RSZ),
			 -EINVAL);
	export(&D, after);
	assert_memory_equal(after, r, RSZ);
	/* Exactly a ring's worth outstanding is fine. */
	memcpy(bad, r, RSZ);
	v = (uint16_t)(idx(r, 0, 1) + 256);
	memcpy(bad + 16, &v, 2);
	assert_int_equal(vpf_model_guest_ring_import(D.m, 1, bad, RSZ), 0);
	export(&D, after);
	assert_memory_equal(after, bad, RSZ);

	/* The convenience move: S's VF 1 (running: a snapshot) into D's
	 * stopped VF 2; into a running VF refused; from a model with another
	 * number of queues refused. */
	export(&S, r);
	expect(v14_mode(&D, 2, 1), OK);
	assert_int_equal(vpf_model_guest_ring_move(S.m, 1, D.m, 2), 0);
	assert_int_equal(vpf_model_guest_ring_export(D.m, 2, after, RSZ, &len),
			 0);
	assert_memory_equal(after + 16, r + 16, RSZ - 16);
	assert_int_equal(vpf_model_guest_ring_move(S.m, 1, S.m, 2), -EBUSY);
	{
		struct vpf_model_params p;

		vpf_model_params_init(&p);
		p.num_vfs = 2;
		p.num_qp = 3;
		p.dialect = VPF_DIALECT_V14_PARTS;
		draft = vpf_model_create(&p);
	}
	assert_non_null(draft);
	assert_int_equal(vpf_model_guest_ring_move(draft, 1, D.m, 2), -EINVAL);
	vpf_model_destroy(draft);

	draft = h_model(0, 1, 1);
	assert_non_null(draft);
	assert_int_equal(vpf_model_guest_ring_export(draft, 1, r, RSZ, &len),
			 -ENOTSUP);
	assert_int_equal(vpf_model_guest_ring_import(draft, 1, r, RSZ),
			 -ENOTSUP);
	vpf_model_destroy(draft);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test_setup_teardown(test_v14_migrate_vf_continues_queues,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_v14_guest_ring_state_checks,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_v14_migrate_vf_continues_queues,
					setup_threaded, teardown))
