/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Completions a hostile device writes, against the scripted fake device:
 * used.len longer or shorter than what was posted, duplicates and bad ids,
 * a reserved mode, context_len past the buffer, unknown or out-of-range
 * status and qualifier, a status never written, a stray completion that
 * must not complete a newer command on the same head, and which statuses
 * are retried.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pf_harness.h"
#include "pf/pf_internal.h"

static void
test_malformed_completions(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 20000, &fd);
	struct vpf_pf_info info;
	uint8_t m, buf[64];

	(void)state;
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
		uint8_t res[16] = { 7 };

		memset(&c, 0, sizeof(c));
		/* Reserved mode in MODE_GET. */
		vpf_admin_prep_mode_get(&c, 1, &m);
		assert_int_equal(pft_answer(pf, fd, &c, 0, 0, 0, res, 1, UINT32_MAX), -EIO);
		assert_non_null(strstr(vpf_last_error(), "reserved mode"));
		/* used.len shorter than the status. */
		vpf_admin_prep_mode_get(&c, 1, &m);
		assert_int_equal(pft_answer(pf, fd, &c, 0, 0, 0, NULL, 0, 4), -EIO);
		/* context_len larger than posted, and than used.len - 8. */
		vpf_admin_prep_ctx_read(&c, 1, buf, 64);
		assert_int_equal(pft_answer(pf, fd, &c, 0, 0, 72, buf, 64, UINT32_MAX), -EIO);
		assert_non_null(strstr(vpf_last_error(), "context_len larger than the posted buffer"));
		vpf_admin_prep_ctx_read(&c, 1, buf, 64);
		assert_int_equal(pft_answer(pf, fd, &c, 0, 0, 32, buf, 16, UINT32_MAX), -EIO);
		assert_non_null(strstr(vpf_last_error(), "used.len - 8"));
		/* Unknown status and qualifier: reported, EINVAL. */
		vpf_admin_prep_mode_get(&c, 1, &m);
		assert_int_equal(pft_answer(pf, fd, &c, 99, 42, 0, NULL, 0, UINT32_MAX), -EINVAL);
		assert_int_equal(c.status, 99);
		assert_int_equal(c.qualifier, 42);
		assert_non_null(strstr(vpf_last_error(), "status UNKNOWN (99), qualifier UNKNOWN (42)"));
		/* ENOSPC (added later) is accepted and reported. */
		vpf_admin_prep_ctx_read(&c, 1, buf, 64);
		assert_int_equal(pft_answer(pf, fd, &c, VPF_ADMIN_STATUS_ENOSPC, 0, 0, NULL, 0,
					    UINT32_MAX), -ENOSPC);
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
	fd->auto_answer = true;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	pft_down(pf, fd);
}

static void
test_status_not_written(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	static struct fake_req r;
	struct vpf_admin_cmd c;
	uint64_t size = 0, v;
	uint64_t perr;
	uint8_t m, buf[64];

	(void)state;
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
	pft_submit_take(pf, fd, &c, &r);
	fake_push_used(fd, r.head, 16);
	pft_poll_done(pf, &c);
	assert_int_equal(c.rc, -EIO);
	assert_int_equal(v, 0);
	assert_int_equal(c.result_written, 0);
	assert_non_null(strstr(vpf_last_error(), "status not written"));
	assert_int_equal(pf->protocol_errors, perr + 1);

	/* CTX_READ: not a silent end of stream (context_len 0). */
	vpf_admin_prep_ctx_read(&c, 2, buf, 64);
	pft_submit_take(pf, fd, &c, &r);
	fake_push_used(fd, r.head, 8 + 64);
	pft_poll_done(pf, &c);
	assert_int_equal(c.rc, -EIO);
	assert_non_null(strstr(vpf_last_error(), "status not written"));

	/* Status written, fixed-size result not: the poison shows. */
	vpf_admin_prep_ctx_size_get(&c, 3, false, &v);
	assert_int_equal(pft_answer(pf, fd, &c, VPF_ADMIN_STATUS_OK, 0, 0, NULL, 0, 16), -EIO);
	assert_non_null(strstr(vpf_last_error(), "context size not written"));
	vpf_admin_prep_mode_get(&c, 3, &m);
	assert_int_equal(pft_answer(pf, fd, &c, VPF_ADMIN_STATUS_OK, 0, 0, NULL, 0, 9), -EIO);
	assert_non_null(strstr(vpf_last_error(), "reserved mode"));

	/* A proper answer still works. */
	fd->auto_answer = true;
	assert_int_equal(vpf_admin_ctx_size_get(pf, 2, false, &size), 0);
	assert_int_equal(size, fd->vf[2].ctx_len);
	pft_down(pf, fd);
}

/* A duplicate completion must never complete a newer command that got the
 * same descriptor head: not with the ring full (admin_queue_size 4), and
 * not when the stray arrives while nothing is in flight. */
static void
test_dup_completion_small_ring(void **state)
{
	static struct vpf_admin_cmd a, b[4], c, d;
	static struct fake_req ra, rb[4], rc_, rd;
	struct vpf_pf_params p;
	struct fake_dev *fd;
	struct vpf_pf *pf;
	uint64_t va = 0, vb[4], vc = 0, vd = 0, perr;
	uint32_t nb = 0, i, k;

	(void)state;
	pft_params(&p, "t", 20000, 0);
	p.admin_queue_size = 4;
	pf = pft_up_with(8, 0, &fake_ops, &p, &fd);
	fd->auto_answer = false;
	/* A, then as many others as there are slots: the ring is full. */
	vpf_admin_prep_ctx_size_get(&a, 1, false, &va);
	pft_submit_take(pf, fd, &a, &ra);
	for (nb = 0; nb < 4; nb++) {
		vpf_admin_prep_ctx_size_get(&b[nb], 2, false, &vb[nb]);
		memset(b[nb].priv, 0, sizeof(b[nb].priv));
		if (vpf_admin_submit(pf, &b[nb]) != 0)
			break;
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &rb[nb]), 1);
	}
	fake_handle(fd, &ra);
	pft_poll_done(pf, &a);
	assert_int_equal(a.rc, 0);
	assert_int_equal(va, fd->vf[1].ctx_len);

	/* C takes A's slot but not A's head; A's duplicate is a stray. */
	perr = pf->protocol_errors;
	vpf_admin_prep_ctx_size_get(&c, 3, false, &vc);
	pft_submit_take(pf, fd, &c, &rc_);
	assert_int_not_equal(rc_.head, ra.head);
	fake_push_used(fd, ra.head, 16);
	for (i = 0; i < 5; i++)
		assert_true(vpf_admin_poll(pf) >= 0);
	assert_int_not_equal(c.priv[1], CMD_DONE);
	assert_int_equal(pf->protocol_errors, perr + 1);
	fake_handle(fd, &rc_);
	pft_poll_done(pf, &c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(vc, fd->vf[3].ctx_len);
	for (i = 0; i < nb; i++) {
		fake_handle(fd, &rb[i]);
		pft_poll_done(pf, &b[i]);
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
		pft_submit_take(pf, fd, &d, &rd);
		for (i = 0; i < 5; i++)
			assert_true(vpf_admin_poll(pf) >= 0);
		if (d.priv[1] == CMD_DONE)
			fail_msg("round %u: D (head %u) completed by a stray, rc %d",
				 k, rd.head, d.rc);
		fake_handle(fd, &rd);
		pft_poll_done(pf, &d);
		assert_int_equal(d.rc, 0);
		assert_int_equal(vd, fd->vf[4 + k].ctx_len);
	}
	assert_int_equal(pf->protocol_errors, perr + 2);
	pft_down(pf, fd);
}

/* Status and qualifier ranges (doc/protocol.md §1.4, §1.5): OK needs qualifier 0, a known
 * status a qualifier 0..7; only EAGAIN, and ENOMEM with NORESOURCE or
 * TRYAGAIN, are retried. */
/* A completion callback that submits the next command of a chain. */
static void
chain_next(struct vpf_admin_cmd *c)
{
	struct vpf_admin_cmd *next = c->arg;

	if (next != NULL)
		assert_int_equal(vpf_admin_submit(next->arg, next), 0);
}

/* A command a completion callback submits is told to the device at the end
 * of that poll, not at the PF's next one: a caller polling several PFs in
 * turn would otherwise delay every command a completion starts by a turn. */
static void
test_callback_submit_kicked(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_cmd a, b;
	uint32_t k;
	uint8_t ma, mb;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	vpf_admin_prep_mode_get(&a, 1, &ma);
	vpf_admin_prep_mode_get(&b, 2, &mb);
	a.done = chain_next;
	a.arg = &b;
	b.arg = pf;		/* (chain_next's way to the PF) */
	assert_int_equal(vpf_admin_submit(pf, &a), 0);
	vpf_admin_kick(pf);
	k = fd->kicks;
	while (vpf_admin_poll(pf) == 0)
		;
	assert_int_equal(a.rc, 0);
	/* b was submitted in a's callback and its doorbell rung already
	 * (the fake answers at the doorbell). */
	assert_int_equal(fd->kicks, k + 1);
	assert_int_equal(vpf_admin_poll(pf), 1);
	assert_int_equal(b.rc, 0);
	pft_down(pf, fd);
}

static void
test_status_qualifier_ranges(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	static struct fake_req r;
	struct vpf_admin_cmd c;
	uint64_t perr, v;
	uint32_t answered;
	int i;

	(void)state;
	fd->auto_answer = false;
	memset(&c, 0, sizeof(c));

	/* OK with a qualifier: a device error, the result is not taken. */
	perr = pf->protocol_errors;
	v = 0;
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	assert_int_equal(pft_answer(pf, fd, &c, VPF_ADMIN_STATUS_OK, VPF_ADMIN_SQ_INVALID_FIELD,
				    0, "\x10\0\0\0\0\0\0\0", 8, UINT32_MAX), -EIO);
	assert_int_equal(v, 0);
	assert_non_null(strstr(vpf_last_error(), "status OK with a non-zero qualifier (3 vs 0)"));
	assert_int_equal(pf->protocol_errors, perr + 1);
	/* A known status with a qualifier past TRYAGAIN. */
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	assert_int_equal(pft_answer(pf, fd, &c, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_MAX + 1,
				    0, NULL, 0, UINT32_MAX), -EIO);
	assert_non_null(strstr(vpf_last_error(), "status qualifier out of range (8 vs 7)"));
	assert_int_equal(pf->protocol_errors, perr + 2);

	/* ENXIO + TRYAGAIN is ENXIO, not retried. */
	answered = fd->answered;
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	assert_int_equal(pft_answer(pf, fd, &c, VPF_ADMIN_STATUS_ENXIO, VPF_ADMIN_SQ_TRYAGAIN,
				    0, NULL, 0, UINT32_MAX), -ENXIO);
	assert_int_equal(c.retries, 0);
	assert_int_equal(fd->answered, answered + 1);
	/* EINVAL + NORESOURCE neither. */
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	assert_int_equal(pft_answer(pf, fd, &c, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_NORESOURCE,
				    0, NULL, 0, UINT32_MAX), -EINVAL);
	assert_int_equal(c.retries, 0);

	/* ENOMEM + NORESOURCE and EAGAIN + qualifier 0 are retried. */
	vpf_admin_prep_ctx_size_get(&c, 1, false, &v);
	pft_submit_take(pf, fd, &c, &r);
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
	pft_poll_done(pf, &c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.retries, 2);
	assert_int_equal(v, fd->vf[1].ctx_len);
	pft_down(pf, fd);
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_malformed_completions),
	cmocka_unit_test(test_status_not_written),
	cmocka_unit_test(test_dup_completion_small_ring),
	cmocka_unit_test(test_status_qualifier_ranges),
	cmocka_unit_test(test_callback_submit_kicked),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
