/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Every byte the device writes is read once (test/pf/dma_watch.c): the
 * device rewrites a completion right after the driver's first read of it,
 * and the driver must hand back what it read first.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "pf_harness.h"
#include "dma_watch.h"
#include "pf/pf_internal.h"

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
	static struct fake_req r;

	fd->auto_answer = false;
	pft_submit_take(pf, fd, c, &r);
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
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_cmd c;
	unsigned int hits;
	uint8_t mode = 0, buf[64];
	uint64_t size = 0;

	(void)state;
	if (!dma_watch_supported()) {
		pft_down(pf, fd);
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
	pft_down(pf, fd);
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_dma_read_once),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
