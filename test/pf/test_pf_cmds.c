/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The typed admin commands against the scripted fake device: DEV_MODE_GET /
 * SET and their local refusals, chunked context reads (SIZE_GET, READ to the
 * end, a buffer that fits exactly or not, a growing buffer) and writes
 * (zero-padded last chunk, only in Freeze).
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_harness.h"

static void
test_mode_cmds(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	uint16_t st, q;
	uint8_t m = 9;

	(void)state;
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
	pft_down(pf, fd);
}

static void
test_ctx_read_chunks(void **state)
{
	static const uint32_t chunks[] = { 8, 16, 24, 64, 120, 128, 136, 256, 4096, 65536 };
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	uint8_t buf[8192];
	uint64_t size;
	size_t len, i;
	uint32_t got;

	(void)state;
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
	pft_down(pf, fd);
}

static void
test_ctx_write_chunks(void **state)
{
	static const uint32_t chunks[] = { 8, 16, 40, 128, 1024, 65536 };
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	uint8_t ctx[3001];
	size_t i;

	(void)state;
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
	pft_down(pf, fd);
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_mode_cmds),
	cmocka_unit_test(test_ctx_read_chunks),
	cmocka_unit_test(test_ctx_write_chunks),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
