/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The pure arithmetic of dirty tracking (lib/mig/mig_dirty.c) at the edges
 * of the 64-bit address space: range normalisation to device pages, the
 * READ window and marking a record's page in a bitmap window. Nothing may
 * wrap: a range or window that ends at (or is rounded up to) 2^64 is
 * either handled exactly or refused, never shortened or skipped. And the
 * stream writer's record length (lib/mig/mig_stream.c), which must not
 * wrap either.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mig/mig_internal.h"

#define TOP(x)	((uint64_t)0 - (uint64_t)(x))
#define K	1024u

/* A range's end must fit in 64 bits after rounding out to device pages:
 * ending exactly one device page below 2^64 is fine, any byte of the last
 * device page is not. */
static void
test_normalize_top(void **state)
{
	struct vpf_mig_range in[2];
	struct mig_norm_range out[2];

	(void)state;
	in[0].addr = TOP(64 * K);
	in[0].len = 56 * K;			/* ends at 2^64 - 8K */
	assert_int_equal(mig_ranges_normalize(in, 1, 8192, 4, out), 1);
	assert_true(out[0].addr == TOP(64 * K));
	assert_int_equal(out[0].pages, 7);
	/* Rounded out to 8K pages: 2^64 - 5K .. ends at 2^64 - 8K. */
	in[0].addr = TOP(20 * K);
	in[0].len = 12 * K - 1;
	assert_int_equal(mig_ranges_normalize(in, 1, 8192, 4, out), 1);
	assert_true(out[0].addr == TOP(24 * K));
	assert_int_equal(out[0].pages, 2);
	/* One byte into the last device page. */
	in[0].len = 12 * K + 1;
	assert_int_equal(mig_ranges_normalize(in, 1, 8192, 4, out), -ERANGE);
	/* Up to 2^64 exactly, and past it. */
	in[0].len = 20 * K;
	assert_int_equal(mig_ranges_normalize(in, 1, 8192, 4, out), -ERANGE);
	in[0].len = 21 * K;
	assert_int_equal(mig_ranges_normalize(in, 1, 8192, 4, out), -ERANGE);
	in[0].addr = UINT64_MAX;
	in[0].len = 1;
	assert_int_equal(mig_ranges_normalize(in, 1, 4096, 4, out), -ERANGE);
	/* The largest device page (8 TiB): the same rule. */
	in[0].addr = TOP(UINT64_C(16) << 40);
	in[0].len = UINT64_C(8) << 40;
	assert_int_equal(mig_ranges_normalize(in, 1, UINT64_C(8) << 40, 4,
					      out), 1);
	assert_int_equal(out[0].pages, 1);
	in[0].len++;
	assert_int_equal(mig_ranges_normalize(in, 1, UINT64_C(8) << 40, 4,
					      out), -ERANGE);
	/* Merging the closest neighbours near the top stays exact. */
	in[0].addr = TOP(64 * K);
	in[0].len = 4 * K;
	in[1].addr = TOP(16 * K);
	in[1].len = 8 * K;
	assert_int_equal(mig_ranges_normalize(in, 2, 4096, 1, out), 1);
	assert_true(out[0].addr == TOP(64 * K));
	assert_int_equal(out[0].pages, 14);
	/* Address 0 and a range from 0 are ordinary. */
	in[0].addr = 0;
	in[0].len = 1;
	assert_int_equal(mig_ranges_normalize(in, 1, 4096, 4, out), 1);
	assert_int_equal(out[0].addr, 0);
	assert_int_equal(out[0].pages, 1);
}

/* A window that ends at 2^64 (addr + len == 0 in 64 bits) marks its last
 * pages; a device page larger than the bitmap page marks all its bits. */
static void
test_mark_window_at_top(void **state)
{
	uint64_t bm[2];

	(void)state;
	memset(bm, 0, sizeof(bm));
	/* 16 x 4K window [2^64 - 64K, 2^64), 8K device page 2^64 - 8K. */
	assert_int_equal(mig_bitmap_mark(bm, TOP(64 * K), 64 * K, 4096,
					 TOP(8 * K), 8192), 2);
	assert_int_equal(bm[0], 0xc000);
	/* Again: nothing new. */
	assert_int_equal(mig_bitmap_mark(bm, TOP(64 * K), 64 * K, 4096,
					 TOP(8 * K), 8192), 0);
	/* A device page sticking out of the window's start: only the part
	 * inside counts. */
	memset(bm, 0, sizeof(bm));
	assert_int_equal(mig_bitmap_mark(bm, TOP(60 * K), 60 * K, 4096,
					 TOP(64 * K), 8192), 1);
	assert_int_equal(bm[0], 0x1);
	/* Outside the window: nothing. */
	assert_int_equal(mig_bitmap_mark(bm, TOP(60 * K), 56 * K, 4096,
					 TOP(4 * K), 4096), 0);
	assert_int_equal(bm[0], 0x1);
	/* A window ending 4K below the top, 8K device page across its end:
	 * the one bit inside. */
	memset(bm, 0, sizeof(bm));
	assert_int_equal(mig_bitmap_mark(bm, TOP(64 * K), 60 * K, 4096,
					 TOP(8 * K), 8192), 1);
	assert_int_equal(bm[0], 0x4000);
	/* The last byte of the address space, 4K device page, 8K bitmap
	 * pages: the bit that contains it. */
	memset(bm, 0, sizeof(bm));
	assert_int_equal(mig_bitmap_mark(bm, TOP(1024 * K), 1024 * K, 8192,
					 TOP(4 * K), 4096), 1);
	assert_int_equal(bm[1], UINT64_C(1) << 63);
}

/* The READ window: the sync window rounded out to device pages (its end
 * possibly to 2^64), cut to the tracked range. */
static void
test_window_at_top(void **state)
{
	const struct mig_norm_range r = { .addr = TOP(64 * K), .pages = 6 };
	uint64_t lo = 1, hi = 1;

	(void)state;
	/* Ends 4K below the top: rounded up to 2^64, cut to the range. */
	assert_true(mig_wr_window(&r, 8192, TOP(64 * K), 60 * K, &lo, &hi));
	assert_true(lo == TOP(64 * K) && hi == TOP(16 * K));
	/* Ends at 2^64. */
	assert_true(mig_wr_window(&r, 8192, TOP(64 * K), 64 * K, &lo, &hi));
	assert_true(lo == TOP(64 * K) && hi == TOP(16 * K));
	/* Starts inside a device page: rounded down. */
	assert_true(mig_wr_window(&r, 8192, TOP(28 * K), 4 * K, &lo, &hi));
	assert_true(lo == TOP(32 * K) && hi == TOP(24 * K));
	/* Above the range, up to 2^64: no window. */
	assert_false(mig_wr_window(&r, 8192, TOP(16 * K), 16 * K, &lo, &hi));
	/* Below it. */
	assert_false(mig_wr_window(&r, 8192, TOP(128 * K), 64 * K, &lo, &hi));
}

/* A record length whose sum with the prefix wraps size_t is too long,
 * not short: nothing is reserved or read for it. */
static void
test_writer_record_len_wrap(void **state)
{
	static const uint8_t ctx[16];
	struct mig_buf out = { 0 };
	struct mig_writer w;
	struct mig_src_desc d = { .vendor_id = 0x1af4, .device_id = 0x1041 };
	size_t used;

	(void)state;
	mig_writer_init(&w, &out);
	assert_int_equal(mig_writer_header(&w, &d), 0);
	used = out.len;
	/* 8-byte precopy prefix + (SIZE_MAX - 3) wraps to 4. */
	assert_int_equal(mig_writer_precopy(&w, 1, ctx, SIZE_MAX - 3), -E2BIG);
	assert_int_equal(mig_writer_final(&w, ctx, SIZE_MAX), -E2BIG);
	assert_int_equal(out.len, used);
	assert_int_equal(mig_writer_final(&w, ctx, sizeof(ctx)), 0);
	mig_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_top),
		cmocka_unit_test(test_mark_window_at_top),
		cmocka_unit_test(test_window_at_top),
		cmocka_unit_test(test_writer_record_len_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
