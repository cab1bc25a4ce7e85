/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * CRC-32C (Castagnoli) of the migration stream (doc/protocol.md §7.6).
 *
 * Every byte of a stream goes through here on both sides (every context
 * is covered by its record's CRC and by the stream's running CRC), so the
 * CRC runs at close to memory speed:
 *
 * - buffers of MIG_CRC_LIB_MIN bytes and more go to ISA-L's crc32_iscsi()
 *   (libisal), which picks the best code for the CPU at run time: carry-
 *   less multiply folding of 256 bytes at a time with AVX-512 VPCLMULQDQ
 *   where the CPU has it, three crc32-instruction chains combined with
 *   PCLMULQDQ on older ones, a table otherwise. It computes exactly this
 *   CRC on the un-inverted register: mig_crc32c(c) = ~crc32_iscsi(~c).
 * - shorter ones (record headers, the 4 CRC bytes) use the SSE4.2 crc32
 *   instruction inline: the library's call and set-up cost more than the
 *   work below a few hundred bytes.
 * - the two CRCs of the same bytes that the writer and the parser keep (a
 *   record's and the stream's running CRC) take one pass over the bytes:
 *   the second follows from the first (crc32c_shift()).
 *
 * libvpf is built for baseline x86-64: the instructions are chosen at run
 * time (__builtin_cpu_supports(), a load of what libgcc / compiler-rt
 * filled in at start-up). doc/performance.md has the numbers.
 */

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <isa-l/crc.h>

#include "mig_internal.h"

/* Below this many bytes, the inline crc32 instruction beats the library
 * call (measured: 128 bytes take 28 ns inline, 67 ns in crc32_iscsi();
 * 256 bytes 54 ns and 42 ns). */
#define MIG_CRC_LIB_MIN		256u
/* crc32_iscsi() takes an int length: at most 1 MiB per call (a call
 * costs tens of ns, a MiB tens of us). */
#define MIG_CRC_LIB_MAX		(1u << 20)

/* The library, for any length. */
static uint32_t
crc32c_lib(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t n = len < MIG_CRC_LIB_MAX ? len : MIG_CRC_LIB_MAX;

		/* It does not write the buffer: the pointer is not const
		 * in its prototype only. */
		crc = crc32_iscsi((unsigned char *)(uintptr_t)p, (int)n, crc);
		p += n;
		len -= n;
	}
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MIG_CRC_HW 1

/* The crc32 instruction, 8 bytes at a time: for short buffers. */
__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc, v;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&v, p, 8);	/* little-endian: the reflected byte order */
		c = _mm_crc32_u64(c, v);
	}
	crc = (uint32_t)c;
	if (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		crc = _mm_crc32_u32(crc, w);
		p += 4;
		len -= 4;
	}
	while (len--)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}

/*
 * x^(8 * 2^k - 33) mod P for k = 3..63, reflected (bit 31 is x^0), P the
 * CRC-32C polynomial. With a 32-bit register v, the 64-bit carry-less
 * product v * K is v * K * x (reflected products come out one place
 * short), and the crc32 instruction on 64 bits with a zero register
 * multiplies by x^32 and reduces mod P: crc32(0, clmul(v, K)) =
 * v * x^(8 * 2^k) mod P, the register advanced over 2^k zero bytes.
 * Made by a bitwise multiply mod P (test_mig_crc checks them).
 */
static const uint32_t crc32c_x2k[61] = {
	0x00000001, 0x493c7d27, 0xba4fc28e, 0x9e4addf8,
	0x0d3b6092, 0xb9e02b86, 0xdd7e3b0c, 0x170076fa,
	0xa51b6135, 0x82f89c77, 0x54a86326, 0x1dc403cc,
	0x5ae703ab, 0xc5013a36, 0xac2ac6dd, 0x9b4615a9,
	0x688d1c61, 0xf6af14e6, 0xb6ffe386, 0xb717425b,
	0x478b0d30, 0x54cc62e5, 0x7b2102ee, 0x8a99adef,
	0xa7568c8f, 0xd610d67e, 0x6b086b3f, 0xd94f3c0b,
	0xbf818109, 0x780d5a4d, 0x05ec76f1, 0x00000001,
	0x493c7d27, 0xba4fc28e, 0x9e4addf8, 0x0d3b6092,
	0xb9e02b86, 0xdd7e3b0c, 0x170076fa, 0xa51b6135,
	0x82f89c77, 0x54a86326, 0x1dc403cc, 0x5ae703ab,
	0xc5013a36, 0xac2ac6dd, 0x9b4615a9, 0x688d1c61,
	0xf6af14e6, 0xb6ffe386, 0xb717425b, 0x478b0d30,
	0x54cc62e5, 0x7b2102ee, 0x8a99adef, 0xa7568c8f,
	0xd610d67e, 0x6b086b3f, 0xd94f3c0b, 0xbf818109,
	0x780d5a4d,
};

/* v * x^(8 len) mod P: the un-inverted register @p v advanced over @p len
 * zero bytes, in at most 3 + 61 short steps (one per bit of len). */
__attribute__((target("sse4.2,pclmul"))) static uint32_t
crc32c_shift_hw(uint32_t v, uint64_t len)
{
	unsigned int k;

	if (len & 1)
		v = _mm_crc32_u8(v, 0);
	if (len & 2)
		v = _mm_crc32_u16(v, 0);
	if (len & 4)
		v = _mm_crc32_u32(v, 0);
	for (len >>= 3, k = 0; len != 0; len >>= 1, k++) {
		__m128i a, b;

		if (!(len & 1))
			continue;
		a = _mm_cvtsi32_si128((int)v);
		b = _mm_cvtsi32_si128((int)crc32c_x2k[k]);
		v = (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(
					_mm_clmulepi64_si128(a, b, 0)));
	}
	return v;
}

static inline bool
crc32c_have_hw(void)
{
	return __builtin_cpu_supports("sse4.2");
}

static inline bool
crc32c_have_shift(void)
{
	return __builtin_cpu_supports("sse4.2") &&
	       __builtin_cpu_supports("pclmul");
}
#endif

/* The un-inverted register over @p len bytes. */
static inline uint32_t
crc32c_raw(uint32_t crc, const uint8_t *p, size_t len)
{
#ifdef MIG_CRC_HW
	if (len < MIG_CRC_LIB_MIN && crc32c_have_hw())
		return crc32c_hw(crc, p, len);
#endif
	return crc32c_lib(crc, p, len);
}

uint32_t
mig_crc32c(uint32_t crc, const void *buf, size_t len)
{
	return ~crc32c_raw(~crc, buf, len);
}

uint32_t
mig_crc32c_shift(uint32_t v, uint64_t len)
{
	static const uint8_t zeros[256];

#ifdef MIG_CRC_HW
	if (crc32c_have_shift())
		return crc32c_shift_hw(v, len);
#endif
	/* Elsewhere: the CRC of the zero bytes themselves (slow for a
	 * large len; mig_crc32c_2() does not come here then). */
	while (len > 0) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);

		v = crc32c_lib(v, zeros, n);
		len -= n;
	}
	return v;
}

/*
 * The register is linear in its start value: raw(b, d) = raw(a, d) ^
 * (a ^ b) * x^(8 len) mod P. With a = ~crc_a and b = ~crc_b, the
 * inversions cancel in a ^ b = crc_a ^ crc_b: crc_b's new value is crc_a's
 * new value xor (crc_a ^ crc_b) shifted over the bytes.
 */
void
mig_crc32c_2(uint32_t *crc_a, uint32_t *crc_b, const void *buf, size_t len)
{
	uint32_t a = *crc_a, d = *crc_a ^ *crc_b;

#ifdef MIG_CRC_HW
	if (crc32c_have_shift()) {
		a = mig_crc32c(a, buf, len);
		*crc_a = a;
		*crc_b = a ^ crc32c_shift_hw(d, len);
		return;
	}
#endif
	*crc_a = mig_crc32c(a, buf, len);
	*crc_b = mig_crc32c(*crc_b, buf, len);
	(void)d;
}
