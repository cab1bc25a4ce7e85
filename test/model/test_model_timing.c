/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The timing model: a device thread completes commands asynchronously
 * with a service time and a concurrency. Only lower bounds that follow
 * from the model's definition are checked (tests never assert speed).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "../vpf_test_main.h"

static uint64_t
us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static struct vpf_model *
timed(uint32_t service_us, uint32_t conc, uint32_t act_us)
{
	struct vpf_model_params p;

	vpf_model_params_init(&p);
	p.threaded = true;
	p.service_time_us = service_us;
	p.concurrency = conc;
	p.activation_us_per_field = act_us;
	p.guest_mem_size = 16ull << 20;
	return vpf_model_create(&p);
}

static void
run_batch(struct h *h, unsigned int n, uint64_t *elapsed)
{
	bool seen[H_SLOTS] = { false };
	struct h_done d;
	unsigned int s;
	uint64_t t0 = us();

	for (s = 0; s < n; s++)
		h_post(h, s, VPF_ADMIN_OP_DEV_MODE_GET, VPF_ADMIN_GROUP_SRIOV,
		       1 + s % 4, NULL, 0, 8);
	h_kick(h);
	for (s = 0; s < n; s++) {
		assert_int_equal(h_wait(h, &d, 0, 5000), 0);
		assert_true(d.id / 4 < n);
		assert_false(seen[d.id / 4]);
		seen[d.id / 4] = true;
		assert_int_equal(d.status, 0);
		assert_int_equal(d.used_len, 9);
	}
	*elapsed = us() - t0;
}

static void
test_threaded_without_service_time(void **state)
{
	struct h h;
	uint64_t t;

	(void)state;
	assert_int_equal(h_up_all(&h, timed(0, 1, 0)), 0);
	run_batch(&h, H_SLOTS, &t);
	h_down(&h);
}

static void
test_service_time_and_concurrency(void **state)
{
	struct h h;
	uint64_t t;

	(void)state;
	/* 16 commands of 200 us, one at a time: at least 3.2 ms. */
	assert_int_equal(h_up_all(&h, timed(200, 1, 0)), 0);
	run_batch(&h, 16, &t);
	assert_true(t >= 16 * 200);
	h_down(&h);
	/* Four at a time: at least four rounds. */
	assert_int_equal(h_up_all(&h, timed(200, 4, 0)), 0);
	run_batch(&h, 16, &t);
	assert_true(t >= 4 * 200);
	h_down(&h);
}

static void
test_threaded_commands_pending_until_due(void **state)
{
	struct h h;
	struct h_done d;

	(void)state;
	assert_int_equal(h_up_all(&h, timed(200000, 1, 0)), 0);
	h_post(&h, 0, VPF_ADMIN_OP_DEV_MODE_GET, VPF_ADMIN_GROUP_SRIOV, 1,
	       NULL, 0, 8);
	h_kick(&h);
	/* Not complete right away: the driver must poll for it. */
	assert_false(h_used_pending(&h));
	assert_int_equal(h_wait(&h, &d, 0, 5000), 0);
	assert_int_equal(d.status, 0);
	h_down(&h);
}

/* VIRTQ_USED_F_NO_NOTIFY as the device last set it. */
static bool
no_notify(struct h *h)
{
	uint16_t *uflags = (uint16_t *)(uintptr_t)(h->used_idx - 1);

	return (__atomic_load_n(uflags, __ATOMIC_RELAXED) &
		VPF_VRING_USED_F_NO_NOTIFY) != 0;
}

static void
spin_us(uint64_t n)
{
	uint64_t t0 = us();

	while (us() - t0 < n)
		;
}

/* The device thread suppresses doorbells only while it polls: idle, the
 * flag is clear and a command needs its doorbell. */
static void
test_threaded_no_notify_only_while_polling(void **state)
{
	struct h h;
	struct h_done d;
	uint64_t t0;

	(void)state;
	assert_int_equal(h_up_all(&h, timed(50, 4, 0)), 0);
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8, &d),
			 0);
	/* The thread clears the flag as it goes idle (however late a loaded
	 * machine lets it run), then stays idle. */
	t0 = us();
	while (no_notify(&h) && us() - t0 < 5000000)
		;
	assert_false(no_notify(&h));
	spin_us(20000);
	/* Published without a doorbell: not fetched. */
	h_post(&h, 1, VPF_ADMIN_OP_DEV_MODE_GET, VPF_ADMIN_GROUP_SRIOV, 2,
	       NULL, 0, 8);
	spin_us(20000);
	assert_false(h_used_pending(&h));
	h_kick(&h);
	assert_int_equal(h_wait(&h, &d, 1, 5000), 0);
	assert_int_equal(d.status, 0);
	h_down(&h);
}

/* A driver that skips the doorbell whenever the device asks it to
 * (VIRTQ_USED_F_NO_NOTIFY) never strands a command: the device reads the
 * avail index again after clearing the flag. */
static void
test_threaded_no_notify_loses_nothing(void **state)
{
	unsigned int round, s, skipped = 0, rung = 0;
	struct h h;
	struct h_done d;

	(void)state;
	assert_int_equal(h_up_all(&h, timed(2, 16, 0)), 0);
	/* Rounds of 1 (the next command is posted as the device publishes
	 * the last one's completion: it is still polling, then goes idle)
	 * and of 8. */
	for (round = 0; round < 400; round++) {
		unsigned int n = round % 2 ? 8 : 1;

		for (s = 0; s < n; s++) {
			h_post(&h, s, VPF_ADMIN_OP_DEV_MODE_GET,
			       VPF_ADMIN_GROUP_SRIOV, 1 + s % 4, NULL, 0, 8);
			/* As lib/vq: avail store, full barrier, flags. */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (no_notify(&h)) {
				skipped++;
			} else {
				h_kick(&h);
				rung++;
			}
		}
		for (s = 0; s < n; s++) {
			assert_int_equal(h_wait(&h, &d, 0, 5000), 0);
			assert_int_equal(d.status, 0);
		}
	}
	print_message("doorbells rung %u, skipped %u\n", rung, skipped);
	assert_int_equal(rung + skipped, 200 * 8 + 200);
	h_down(&h);
}

/* h_stop_copy() of VF 1 from a plain model to a destination with one
 * engine and 1 ms of activation per differing field (the context written
 * in Freeze, not yet applied). @return the context: the caller frees it. */
static uint8_t *
stopped_copy_to_timed(struct h *src, struct h *dst, size_t *len)
{
	assert_int_equal(h_up_all(src, h_model(0, 2, 2)), 0);
	assert_int_equal(h_up_all(dst, timed(1, 1, 1000)), 0);
	return h_stop_copy(src, dst, 1, 4096, len);
}

static void
test_activation_cost_delays_leaving_freeze(void **state)
{
	struct h src, dst;
	uint8_t *b;
	size_t len;
	uint64_t t0;

	(void)state;
	b = stopped_copy_to_timed(&src, &dst, &len);
	t0 = us();
	assert_int_equal(h_mode_set(&dst, 1, VPF_DEV_MODE_ACTIVE), 0);
	/* 18 fields differ from nothing: 18 ms of activation. */
	assert_true(us() - t0 >= 18 * 1000);
	free(b);
	h_down(&src);
	h_down(&dst);
}

/* Activating keeps a device engine busy: with one engine, a command
 * queued behind the activating MODE_SET waits for the activation. */
static void
test_activation_holds_an_engine(void **state)
{
	uint8_t mode = VPF_DEV_MODE_ACTIVE;
	struct h src, dst;
	struct h_done d;
	uint64_t t0, t_get = 0;
	uint8_t *b;
	size_t len;
	int i;

	(void)state;
	b = stopped_copy_to_timed(&src, &dst, &len);
	h_post(&dst, 0, VPF_ADMIN_OP_DEV_MODE_SET, VPF_ADMIN_GROUP_SRIOV, 1,
	       (uint8_t[8]){ mode }, 8, 0);
	h_post(&dst, 1, VPF_ADMIN_OP_DEV_MODE_GET, VPF_ADMIN_GROUP_SRIOV, 2,
	       NULL, 0, 8);
	t0 = us();
	h_kick(&dst);
	for (i = 0; i < 2; i++) {
		assert_int_equal(h_wait(&dst, &d, 0, 5000), 0);
		assert_int_equal(d.status, 0);
		if (d.id / 4 == 1)
			t_get = us() - t0;
	}
	/* 18 fields differ: 18 ms of activation before the engine is
	 * free for the MODE_GET. */
	assert_true(t_get >= 18 * 1000);
	free(b);
	h_down(&src);
	h_down(&dst);
}

static void
test_transfer_time_per_kib(void **state)
{
	struct vpf_model_params p;
	struct h h;
	uint32_t got;
	uint64_t t0;

	(void)state;
	vpf_model_params_init(&p);
	p.transfer_ns_per_kib = 1000000;	/* 1 ms per KiB */
	p.guest_mem_size = 16ull << 20;
	assert_int_equal(h_up_all(&h, vpf_model_create(&p)), 0);
	t0 = us();
	assert_int_equal(h_read(&h, 1, 8192, NULL, &got, NULL), 0);
	assert_true(us() - t0 >= 8000);
	/* Other commands pay nothing extra. */
	assert_int_equal(h_mode_set(&h, 1, VPF_DEV_MODE_STOP), 0);
	h_down(&h);
}

static void
test_threaded_guest_and_digest_concurrently(void **state)
{
	struct h h;
	uint8_t dg[32];
	int i;

	(void)state;
	/* The model locks itself: API calls while the thread works. */
	assert_int_equal(h_up_all(&h, timed(20, 2, 0)), 0);
	for (i = 0; i < 50; i++) {
		uint64_t t;

		vpf_model_guest_step(h.m, 1 + i % 4, 100);
		vpf_model_digest(h.m, 1 + i % 4, dg);
		run_batch(&h, 4, &t);
	}
	h_down(&h);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_threaded_without_service_time),
	cmocka_unit_test(test_service_time_and_concurrency),
	cmocka_unit_test(test_threaded_commands_pending_until_due),
	cmocka_unit_test(test_threaded_no_notify_only_while_polling),
	cmocka_unit_test(test_threaded_no_notify_loses_nothing),
	cmocka_unit_test(test_activation_cost_delays_leaving_freeze),
	cmocka_unit_test(test_activation_holds_an_engine),
	cmocka_unit_test(test_transfer_time_per_kib),
	cmocka_unit_test(test_threaded_guest_and_digest_concurrently))
