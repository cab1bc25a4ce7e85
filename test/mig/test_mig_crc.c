/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The stream's CRC-32C (lib/mig/mig_crc.c) against a bitwise reference
 * written here: it is an on-disk and on-wire format (stream records, the
 * stream's running CRC, the wire frames, the journal), so the fast paths
 * (ISA-L's crc32_iscsi(), the inline crc32 instruction, the derived second
 * CRC of mig_crc32c_2()) must give exactly the bits the bitwise definition
 * gives, at every length, alignment, start value and split.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mig/mig_internal.h"
#include "mig_test_main.h"

#define POLY	0x82f63b78u	/* CRC-32C, reflected */

/* Bit at a time, straight from the definition. */
static uint32_t
ref_raw(uint32_t reg, const uint8_t *p, size_t len)
{
	int k;

	while (len--) {
		reg ^= *p++;
		for (k = 0; k < 8; k++)
			reg = (reg >> 1) ^ (POLY & (0u - (reg & 1u)));
	}
	return reg;
}

static uint32_t
ref_crc(uint32_t crc, const uint8_t *p, size_t len)
{
	return ~ref_raw(~crc, p, len);
}

/* a * b mod P, reflected (bit 31 is x^0), bitwise. */
static uint32_t
ref_mulmod(uint32_t a, uint32_t b)
{
	uint32_t p = 0;
	int i;

	for (i = 31; i >= 0; i--) {
		if (a & (1u << i))
			p ^= b;
		b = (b >> 1) ^ (POLY & (0u - (b & 1u)));
	}
	return p;
}

/* x^(8 n) mod P by squaring: the register's factor over n zero bytes. */
static uint32_t
ref_x8n(uint64_t n)
{
	uint32_t r = 0x80000000u, sq = 0x00800000u;	/* x^0, x^8 */

	for (; n; n >>= 1) {
		if (n & 1)
			r = ref_mulmod(r, sq);
		sq = ref_mulmod(sq, sq);
	}
	return r;
}

static void
fill(uint8_t *b, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

/* Published check values: the CRC-32C "check" and the iSCSI ones of
 * RFC 3720 B.4. */
static void
test_vectors(void **state)
{
	uint8_t b[32];
	unsigned int i;

	(void)state;
	assert_int_equal(mig_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(ref_crc(0, (const uint8_t *)"123456789", 9),
			 0xe3069283u);
	assert_int_equal(mig_crc32c(0, "", 0), 0);
	memset(b, 0, sizeof(b));
	assert_int_equal(mig_crc32c(0, b, 32), 0x8a9136aau);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(mig_crc32c(0, b, 32), 0x62a8ab43u);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	assert_int_equal(mig_crc32c(0, b, 32), 0x46dd794eu);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	assert_int_equal(mig_crc32c(0, b, 32), 0x113fdb5cu);
}

/* Every length 0..300 from every start offset 0..63 (the inline path
 * below 256 bytes, the library above, and the switch between them), with
 * a zero and a non-zero start value. */
static void
test_lengths_alignments(void **state)
{
	static uint8_t buf[64 + 300];
	size_t off, len;

	(void)state;
	fill(buf, sizeof(buf), 1);
	for (off = 0; off < 64; off++) {
		for (len = 0; len <= 300; len++) {
			const uint8_t *p = buf + off;

			assert_int_equal(mig_crc32c(0, p, len), ref_crc(0, p, len));
			assert_int_equal(mig_crc32c(0xdeadbeefu, p, len),
					 ref_crc(0xdeadbeefu, p, len));
		}
	}
}

/* Large buffers, misaligned (more than the 1 MiB that mig_crc32c() hands
 * the library at a time, too), and their CRC built up in pieces of every
 * kind of size. */
static void
test_large(void **state)
{
	static const size_t lens[] = { 4095, 4096, 65536 + 7, 1u << 20,
				       (1u << 20) + 333, (3u << 20) + 1 };
	static const size_t pieces[] = { 1, 3, 16, 255, 256, 257, 1000,
					 4096, 65537 };
	size_t max = (3u << 20) + 1 + 64;
	uint8_t *buf = malloc(max);
	size_t i, j, off;

	(void)state;
	assert_non_null(buf);
	fill(buf, max, 2);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (off = 0; off < 64; off += 21) {
			const uint8_t *p = buf + off;
			uint32_t want = ref_crc(0, p, lens[i]);

			assert_int_equal(mig_crc32c(0, p, lens[i]), want);
			for (j = 0; j < sizeof(pieces) / sizeof(pieces[0]); j++) {
				uint32_t c = 0;
				size_t done = 0, n;

				while (done < lens[i]) {
					n = lens[i] - done < pieces[j] ?
					    lens[i] - done : pieces[j];
					c = mig_crc32c(c, p + done, n);
					done += n;
				}
				assert_int_equal(c, want);
			}
		}
	}
	free(buf);
}

/* The second CRC of mig_crc32c_2() is derived, not computed: it must equal
 * the CRC computed over the bytes, for any two start values, at every
 * length up to 600 and at large ones. */
static void
test_two_crcs(void **state)
{
	static const uint32_t starts[][2] = {
		{ 0, 0 }, { 0, 0xffffffffu }, { 0x12345678u, 0 },
		{ 0xe3069283u, 0x0badf00du }, { 1, 0x80000000u },
	};
	size_t max = (1u << 20) + 77;
	uint8_t *buf = malloc(max);
	size_t s, len;

	(void)state;
	assert_non_null(buf);
	fill(buf, max, 3);
	for (s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		for (len = 0; len <= 600; len++) {
			uint32_t a = starts[s][0], b = starts[s][1];

			mig_crc32c_2(&a, &b, buf + 5, len);
			assert_int_equal(a, ref_crc(starts[s][0], buf + 5, len));
			assert_int_equal(b, ref_crc(starts[s][1], buf + 5, len));
		}
		for (len = 4096; len <= max; len = len * 3 + 1) {
			uint32_t a = starts[s][0], b = starts[s][1];

			mig_crc32c_2(&a, &b, buf, len);
			assert_int_equal(a, ref_crc(starts[s][0], buf, len));
			assert_int_equal(b, ref_crc(starts[s][1], buf, len));
		}
	}
	free(buf);
}

/* mig_crc32c_shift() at every power of two up to 2^63 (each uses one of
 * its constants alone) and at lengths with many bits set, against
 * x^(8 n) mod P computed bitwise here; and against zero bytes run
 * through the reference CRC. */
static void
test_shift(void **state)
{
	static const uint32_t vs[] = { 0x80000000u, 1, 0xdeadbeefu,
				       0xffffffffu };
	static const uint64_t odd[] = { 0, 1, 7, 8, 9, 255, 256, 257, 65535,
					123456789, 0xffffffffu,
					0x123456789abcdefull, UINT64_MAX };
	static const uint8_t zeros[1024];
	unsigned int k;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		for (k = 0; k < 64; k++) {
			uint64_t len = (uint64_t)1 << k;

			assert_int_equal(mig_crc32c_shift(vs[i], len),
					 ref_mulmod(vs[i], ref_x8n(len)));
		}
		for (k = 0; k < sizeof(odd) / sizeof(odd[0]); k++)
			assert_int_equal(mig_crc32c_shift(vs[i], odd[k]),
					 ref_mulmod(vs[i], ref_x8n(odd[k])));
		for (n = 0; n <= sizeof(zeros); n++)
			assert_int_equal(mig_crc32c_shift(vs[i], n),
					 ref_raw(vs[i], zeros, n));
	}
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_vectors),
	cmocka_unit_test(test_lengths_alignments),
	cmocka_unit_test(test_large),
	cmocka_unit_test(test_two_crcs),
	cmocka_unit_test(test_shift),
)
