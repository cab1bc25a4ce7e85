/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The pure arithmetic of dirty tracking (lib/mig/mig_dirty.c) at the edges
 * of the 64-bit address space: range normalisation to device pages, the
 * READ window and marking a record's page in a bitmap window. Nothing may
 * wrap: a range or window that ends at (or is rounded up to) 2^64 is
 * either handled exactly or refused, never shortened or skipped. And the
 * stream writer's record length (lib/mig/mig_stream.c), the migration
 * driver's bitmap span and its progress sums of device-reported sizes
 * (lib/mig/mig_driver.c, mig_dirty.c), which must not wrap either.
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
#include "mig_test_main.h"

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

/*
 * The driver's bitmap span over its tracked ranges: the end rounded up
 * to a bitmap page used to be computed as (end + ps - 1) & ~(ps - 1),
 * which wraps to 0 for a range ending in the last page below 2^64; with
 * the lowest range at 0 the bitmap was then 0 bytes long.
 */
static void
test_bitmap_span_top(void **state)
{
	struct vpf_mig_range r[2];
	uint64_t addr = 1, len = 1;
	unsigned int bad = 9;

	(void)state;
	/* The whole address space: its length does not fit. */
	r[0] = (struct vpf_mig_range){ .addr = 0, .len = 4 * K };
	r[1] = (struct vpf_mig_range){ .addr = TOP(4 * K), .len = 4 * K - 1 };
	assert_int_equal(mig_bitmap_span(r, 2, 4 * K, &addr, &len, &bad),
			 -ERANGE);
	/* One page above 0 up to 2^64: 2^64 - 4 KiB bytes. */
	r[0].addr = 4 * K;
	assert_int_equal(mig_bitmap_span(r, 2, 4 * K, &addr, &len, &bad), 0);
	assert_int_equal(addr, 4 * K);
	assert_int_equal(len, TOP(4 * K));
	/* Ordinary ranges: from the first page to the end of the last. */
	r[0] = (struct vpf_mig_range){ .addr = 0x21000 + 1, .len = 10 };
	r[1] = (struct vpf_mig_range){ .addr = 0x10000, .len = 0x1000 };
	assert_int_equal(mig_bitmap_span(r, 2, 4 * K, &addr, &len, &bad), 0);
	assert_int_equal(addr, 0x10000);
	assert_int_equal(len, 0x12000);
	/* A range whose end does not fit in 64 bits, an empty one. */
	r[1] = (struct vpf_mig_range){ .addr = TOP(10), .len = 10 };
	assert_int_equal(mig_bitmap_span(r, 2, 4 * K, &addr, &len, &bad),
			 -EINVAL);
	assert_int_equal(bad, 1);
	r[1].len = 0;
	assert_int_equal(mig_bitmap_span(r, 2, 4 * K, &addr, &len, &bad),
			 -EINVAL);
	assert_int_equal(bad, 1);
}

/* Progress sums of the sizes devices report (SIZE_GET): they saturate
 * instead of wrapping to a small figure. */
static void
test_progress_sums_saturate(void **state)
{
	struct vpf_mig_progress pr;

	(void)state;
	memset(&pr, 0, sizeof(pr));
	mig_progress_add_pair(&pr, 100, 3, UINT64_MAX - 5, 10);
	mig_progress_add_pair(&pr, 50, 2, 10, UINT64_MAX);
	assert_int_equal(pr.initial_bytes, UINT64_MAX);
	assert_int_equal(pr.dirty_bytes, UINT64_MAX);
	assert_int_equal(pr.bytes, 150);
	assert_int_equal(pr.dirty_pages, 5);
	memset(&pr, 0, sizeof(pr));
	mig_progress_add_pair(&pr, 0, 0, 1000, 24);
	mig_progress_add_pair(&pr, 0, 0, 24, 1000);
	assert_int_equal(pr.initial_bytes, 1024);
	assert_int_equal(pr.dirty_bytes, 1024);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_normalize_top),
	cmocka_unit_test(test_mark_window_at_top),
	cmocka_unit_test(test_window_at_top),
	cmocka_unit_test(test_writer_record_len_wrap),
	cmocka_unit_test(test_bitmap_span_top),
	cmocka_unit_test(test_progress_sums_saturate),
)
