/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Writing contexts (doc/protocol.md §4.6, §5): where CTX_WRITE is
 * allowed, what it accepts and checks, and which context takes effect.
 * One test per rule, named after it, covering the success and the
 * failure side, played against the model through the harness (which
 * sends whatever bytes a test wants); doc/protocol.md §9 lists them.
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

#include "harness.h"
#include "../vpf_test_main.h"
#include "vpf_ctx.h"

static void
test_ctx_write_only_in_freeze(void **state)
{
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	struct h_done d;

	(void)state;
	assert_int_equal(h_write(&H, 1, c, 64, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(h_write(&H, 1, c, 64, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	free(c);
}

/* Build a context with one field replaced by @p type/@p len. */
static uint8_t *
ctx_with(uint16_t type, const void *val, uint64_t vlen, size_t *len)
{
	struct vpf_ctx_builder b;
	uint8_t *buf;

	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_raw(&b, type, val, vlen), 0);
	buf = vpf_ctx_builder_detach(&b, len);
	assert_non_null(buf);
	return buf;
}

static void
test_ctx_write_field_length_mismatch(void **state)
{
	uint8_t v[128] = { 0 };
	uint8_t *c;
	size_t len;
	struct h_done d;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* PCI_VQ_CFG of 32 bytes (device: 30); longer is an extension the
	 * device does not accept. */
	c = ctx_with(VPF_CTX_PCI_VQ_CFG, v, 32, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), H_EINV);
	free(c);
	/* DEV_CFG longer than the device's 12 bytes. */
	c = ctx_with(VPF_CTX_DEV_CFG, v, 16, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), H_EINV);
	free(c);
	/* PCI_COMMON_CFG shorter than 64: malformed. */
	c = ctx_with(VPF_CTX_PCI_COMMON_CFG, v, 56, &len);
	assert_int_equal(h_write(&H, 1, c, (uint32_t)((len + 7) & ~7u), &d),
			 H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	free(c);
	/* The right length is accepted (a VQ cfg with sane values). */
	{
		struct vpf_dev_ctx_pci_vq_cfg q = {
			.vq_index = 1, .queue_size = 64, .queue_msix_vector = 1,
			.queue_desc = 0x10000, .queue_driver = 0x20000,
			.queue_device = 0x30000,
		};

		c = ctx_with(VPF_CTX_PCI_VQ_CFG, &q, 30, &len);
		assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
		free(c);
	}
}

static void
test_ctx_write_unsupported_field_type(void **state)
{
	uint8_t v[16] = { 0 };
	uint8_t *c;
	size_t len;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	c = ctx_with(0x0123, v, 16, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), H_EINV);
	free(c);
	c = ctx_with(0x1001, v, 8, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), H_EINV);
	free(c);
	c = ctx_with(0x2000, v, 8, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), H_EINV);
	free(c);
}

static void
test_ctx_write_refused_at_field_header(void **state)
{
	uint8_t chunk[24];
	struct h_done d;
	uint64_t big = 1 << 20;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* A DEV_CFG header announcing 1 MiB: refused with the header, not
	 * after the value has streamed in. */
	memset(chunk, 0, sizeof(chunk));
	chunk[0] = 1;
	chunk[4] = VPF_CTX_DEV_CFG & 0xff;
	chunk[5] = VPF_CTX_DEV_CFG >> 8;
	memcpy(chunk + 12, &big, 8);
	assert_int_equal(h_write(&H, 1, chunk, 24, &d), VPF_ADMIN_STATUS_EINVAL);
	h_expect(&d, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Nothing partial is left. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
}

/* A context that shrinks a queue below the descriptors the device keeps
 * owning (no own-desc field for it) is refused as a whole: otherwise the
 * device would keep indices outside its ring. */
static void
test_ctx_write_owned_descriptors_below_resulting_queue_size(void **state)
{
	struct vpf_ctx_vq_cfg vc = {
		.vq_index = 0, .queue_size = 2, .queue_msix_vector = 1,
		.queue_desc = 0x10000, .queue_driver = 0x20000,
		.queue_device = 0x30000,
	};
	struct vpf_ctx_builder b;
	uint8_t before[32], pad[64];
	uint16_t own[2] = { 0, 1 };
	struct h_done d;
	uint8_t *c, *rd;
	size_t len, rlen;

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 1, before), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* Queue 0 (receive) owns most of its 256 entries: size 2 alone is
	 * refused, and nothing of it is applied. */
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vc), 0);
	c = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(c);
	/* One chunk, zero-padded to 8 (doc/protocol.md §1.2). */
	assert_true(len <= sizeof(pad));
	memset(pad, 0, sizeof(pad));
	memcpy(pad, c, len);
	assert_int_equal(h_write(&H, 1, pad, (uint32_t)((len + 7) & ~7u), &d),
			 H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	free(c);
	/* Nothing partial or pending: leaving Freeze changes nothing. */
	h_activate_expect(&H, 1, before);
	/* Size 2 together with owned descriptors below 2 is accepted, and
	 * the guest and context reads keep working on the small queue. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vc), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 0, own, 2), 0);
	c = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(c);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	free(c);
	/* Owned index 2 in a queue of 2: refused. */
	own[1] = 2;
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vc), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 0, own, 2), 0);
	c = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(c);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), H_EINV);
	free(c);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 5000), 0);
	assert_int_equal(h_read_all(&H, 1, 4096, &rd, &rlen), 0);
	/* The model takes back the context it produced. */
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 2, rd, rlen, 4096), 0);
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 2, 5000), 0);
	free(rd);
}

static void
test_ctx_write_chunks_split_anywhere(void **state)
{
	size_t len;
	uint8_t *c;
	uint8_t da[32];
	uint32_t chunks[] = { 8, 16, 24, 40, 48, 136, 1000, 4096 };
	unsigned int i;

	(void)state;
	vpf_model_guest_step(H.m, 2, 400);
	c = h_vf_ctx(&H, 2, &len);
	vpf_model_digest(H.m, 2, da);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(h_write_all(&H, 1, c, len,
					     chunks[i] & ~7u), 0);
		h_activate_expect(&H, 1, da);
		vpf_model_guest_step(H.m, 1, 50);
	}
	free(c);
}

static void
test_ctx_write_trailing_zero_rule(void **state)
{
	size_t len, padded;
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	uint8_t *buf = calloc(1, len + 64);
	struct h_done d;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	memcpy(buf, c, len);
	padded = (len + 7) & ~(size_t)7;
	/* Up to 7 zero bytes after the context: accepted. */
	assert_int_equal(h_write(&H, 1, buf, (uint32_t)padded, &d), 0);
	/* A non-zero byte in the padding: refused. */
	if (padded > len) {
		buf[len] = 1;
		assert_int_equal(h_write(&H, 1, buf, (uint32_t)padded, &d),
				 H_EINV);
		h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
		buf[len] = 0;
	}
	/* 8 or more bytes after the context, even zeros: refused. */
	assert_int_equal(h_write(&H, 1, buf, (uint32_t)padded + 8, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	free(buf);
	free(c);
}

static void
test_ctx_write_most_recent_complete_applies(void **state)
{
	size_t l2, l3;
	uint8_t *c2, *c3;
	uint8_t d1[32], d3[32];

	(void)state;
	vpf_model_guest_step(H.m, 2, 100);
	vpf_model_guest_step(H.m, 3, 300);
	c2 = h_vf_ctx(&H, 2, &l2);
	c3 = h_vf_ctx(&H, 3, &l3);
	vpf_model_digest(H.m, 3, d3);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c2, l2, 512), 0);
	assert_int_equal(h_write_all(&H, 1, c3, l3, 512), 0);
	/* Not applied while in Freeze. */
	vpf_model_digest(H.m, 1, d1);
	assert_memory_not_equal(d1, d3, 32);
	/* A partial third write, then DISCARD of it only drops... all
	 * not-applied writes; so instead finish with c3 as the last. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	vpf_model_digest(H.m, 1, d1);
	assert_memory_equal(d1, d3, 32);
	free(c2);
	free(c3);
}

static void
test_ctx_write_empty_context_changes_nothing(void **state)
{
	uint8_t empty[8] = { 0 };
	uint8_t a[32];

	(void)state;
	vpf_model_digest(H.m, 1, a);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* field_count 0 plus 4 zero bytes of padding: well formed. */
	assert_int_equal(h_write(&H, 1, empty, 8, NULL), 0);
	h_activate_expect(&H, 1, a);
}

/* doc/protocol.md D-MOD.17: after a complete write, an 8-byte all-zero
 * chunk is not "padding after the context" but a new, empty complete
 * context, which replaces the pending one (the most recent complete
 * context takes effect, doc/protocol.md §4.6). */
static void
test_zero_chunk_after_complete_write_replaces_pending(void **state)
{
	uint8_t zero[8] = { 0 };
	uint8_t a[32], b[32], other[32];
	struct vpf_model_stats st;
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 1, a), 0);
	assert_int_equal(vpf_model_digest(H.m, 2, other), 0);
	assert_memory_not_equal(a, other, 32);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	assert_int_equal(h_write(&H, 1, zero, 8, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	/* The empty context was applied, not VF2's. */
	assert_int_equal(vpf_model_digest(H.m, 1, b), 0);
	assert_memory_equal(a, b, 32);
	vpf_model_stats_get(H.m, 1, &st);
	assert_int_equal(st.activations, 1);
	free(c);
}

static void
test_discard_drops_written_context(void **state)
{
	size_t len;
	uint8_t *c;
	uint8_t before[32];

	(void)state;
	vpf_model_guest_step(H.m, 2, 100);
	c = h_vf_ctx(&H, 2, &len);
	vpf_model_digest(H.m, 1, before);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), 0);
	assert_int_equal(h_discard(&H, 1), 0);
	h_activate_expect(&H, 1, before);
	free(c);
}

static void
test_ctx_write_semantic_checks(void **state)
{
	size_t len;
	uint8_t *c;
	struct vpf_dev_ctx_pci_vq_cfg q = {
		.vq_index = 99, .queue_size = 64,
	};
	struct vpf_dev_ctx_vq_split_runtime rt = { .vq_index = 0,
		.enabled = 2 };
	uint8_t own[8] = { 0, 0, 2, 0, 5, 0, 5, 0 };

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* vq_index beyond the VF's queues. */
	c = ctx_with(VPF_CTX_PCI_VQ_CFG, &q, 30, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), H_EINV);
	free(c);
	c = ctx_with(VPF_CTX_VQ_SPLIT_RUNTIME_CFG, &rt, 5, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), H_EINV);
	free(c);
	/* An owned descriptor twice. */
	c = ctx_with(VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, own, 8, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), H_EINV);
	free(c);
	own[6] = 6;
	c = ctx_with(VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, own, 8, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), 0);
	free(c);
}

/* Owned descriptors that leave a bitmap word and come back to it are all
 * kept (the check keeps the current word in a register), and one repeated
 * after such a detour is still a repeat. */
static void
test_ctx_write_owned_descriptors_any_order(void **state)
{
	static const uint16_t own[] = { 3, 200, 4, 130, 5, 201, 6 };
	static const uint16_t sorted[] = { 3, 4, 5, 6, 130, 200, 201 };
	uint16_t dup[] = { 3, 200, 3 };
	struct vpf_ctx_builder b;
	struct vpf_ctx_field f;
	struct vpf_ctx_iter *it = malloc(sizeof(*it));
	bool found = false;
	uint8_t *c, *rd;
	size_t len, rlen;
	unsigned int i;

	(void)state;
	assert_non_null(it);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 0, dup, 3), 0);
	c = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(c);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), H_EINV);
	free(c);
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 0, own, 7), 0);
	c = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(c);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	free(c);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(h_read_all(&H, 1, 4096, &rd, &rlen), 0);
	assert_int_equal(vpf_ctx_iter_init(it, rd, rlen, VPF_CTX_F_ALLOW_PAD),
			 0);
	while (vpf_ctx_iter_next(it, &f) == 1) {
		struct vpf_ctx_own_desc od;

		if (f.type != VPF_CTX_VQ_SPLIT_DEV_OWN_DESC)
			continue;
		assert_int_equal(vpf_ctx_decode_own_desc(&f, &od), 0);
		if (od.vq_index != 0)
			continue;
		found = true;
		assert_int_equal(od.desc_count, 7);
		for (i = 0; i < 7; i++)
			assert_int_equal(vpf_ctx_own_desc_idx(&od, i), sorted[i]);
	}
	assert_true(found);
	free(rd);
	free(it);
}

/* Queue 0's size and owned set in VF 1's context as the device reads it
 * (Active). */
static uint16_t
own_read_back(uint16_t *set, uint32_t *n)
{
	struct vpf_ctx_iter *it = malloc(sizeof(*it));
	struct vpf_ctx_field f;
	uint16_t qs = 0;
	uint8_t *rd;
	size_t rlen;
	uint32_t i;

	assert_non_null(it);
	*n = 0;
	assert_int_equal(h_read_all(&H, 1, 4096, &rd, &rlen), 0);
	assert_int_equal(vpf_ctx_iter_init(it, rd, rlen, VPF_CTX_F_ALLOW_PAD),
			 0);
	while (vpf_ctx_iter_next(it, &f) == 1) {
		struct vpf_ctx_own_desc od;
		struct vpf_ctx_vq_cfg vc;

		if (f.type == VPF_CTX_PCI_VQ_CFG &&
		    vpf_ctx_decode_vq_cfg(&f, &vc) == 0 && vc.vq_index == 0)
			qs = vc.queue_size;
		if (f.type != VPF_CTX_VQ_SPLIT_DEV_OWN_DESC ||
		    vpf_ctx_decode_own_desc(&f, &od) != 0 || od.vq_index != 0)
			continue;
		for (i = 0; i < od.desc_count; i++)
			set[i] = vpf_ctx_own_desc_idx(&od, i);
		*n = od.desc_count;
	}
	free(rd);
	free(it);
	return qs;
}

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static uint64_t
lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 11;
}

/*
 * A random owned list for a queue of @p qs entries into @p list: distinct
 * and increasing, then for kind 1 a repeat, 2 an index at or above qs, 3
 * two neighbours swapped (kinds 0 and 4 leave it so). Returns the count;
 * *@p ok says whether a device must take it (distinct, all below qs).
 */
static uint32_t
own_list_random(uint64_t *rng, uint32_t trial, uint16_t qs, uint16_t *list,
		bool *ok)
{
	static uint8_t seen[65536];
	uint32_t n = (uint32_t)lcg(rng) % (trial < 40 ? 12 : qs + 1u);
	uint32_t i, k, at, kind = trial % 5;

	/* n of the qs indices, each kept with probability n / qs */
	for (i = 0, k = 0; i < qs && k < n; i++)
		if (lcg(rng) % qs < n || qs - i <= n - k)
			list[k++] = (uint16_t)i;
	n = k;
	at = n ? (uint32_t)lcg(rng) % n : 0;
	if (at == 0 && n > 1)
		at = 1;
	if (n > 1 && kind == 1) {
		list[at] = list[at - 1];
	} else if (n > 0 && kind == 2) {
		/* every other time the last: a group of four that is in
		 * order but ends past the queue */
		list[(trial / 5) % 2 ? at : n - 1] =
			(uint16_t)(qs + lcg(rng) % 3);
	} else if (n > 1 && kind == 3) {
		uint16_t t = list[at];

		list[at] = list[at - 1];
		list[at - 1] = t;
	}
	memset(seen, 0, sizeof(seen));
	*ok = true;
	for (i = 0; i < n; i++) {
		*ok = *ok && list[i] < qs && !seen[list[i]];
		seen[list[i]] = 1;
	}
	return n;
}

/* Owned-descriptor lists in increasing order take the checker's fast path
 * (four indices at a time); every way out of it (an index at or above the
 * queue size, a repeat, a step down, in any position of a group of four
 * or in the tail) must give the answer of the general walk. 400 random
 * lists against a reference, each accepted one read back (which also
 * checks how CTX_READ lists a queue's owned set). */
static void
test_ctx_write_owned_descriptors_fast_path(void **state)
{
	static uint16_t list[4096], got[4096], want[4096];
	struct vpf_ctx_builder b;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	uint32_t trial, n, gn;
	uint16_t qs;
	size_t len;
	uint8_t *c;
	bool ok;

	(void)state;
	qs = own_read_back(got, &gn);
	assert_true(qs >= 64 && qs <= 4096);
	for (trial = 0; trial < 400; trial++) {
		n = own_list_random(&rng, trial, qs, list, &ok);
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
		assert_int_equal(vpf_ctx_add_own_desc(&b, 0, list, (uint16_t)n),
				 0);
		c = vpf_ctx_builder_detach(&b, &len);
		assert_non_null(c);
		assert_int_equal(h_write_all(&H, 1, c, len, 4096),
				 ok ? 0 : H_EINV);
		free(c);
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
		if (!ok)
			continue;
		memcpy(want, list, n * sizeof(list[0]));
		qsort(want, n, sizeof(want[0]), cmp_u16);
		assert_int_equal(own_read_back(got, &gn), qs);
		assert_int_equal(gn, n);
		assert_memory_equal(got, want, n * sizeof(want[0]));
	}
}

/* A context whose rings would run past 2^64 is refused as a whole
 * (INVALID_FIELD): no address the device computes may wrap. */
static void
test_ctx_write_ring_wrapping_refused(void **state)
{
	struct vpf_ctx_vq_cfg vc = {
		.vq_index = 1, .queue_size = 256, .queue_msix_vector = 1,
		.queue_desc = 0x10000, .queue_driver = 0x20000,
		.queue_device = 0x30000,
	};
	uint64_t *addr[3] = { &vc.queue_desc, &vc.queue_driver,
			      &vc.queue_device };
	const uint64_t top[3] = { 0ull - 16 * 256, 0ull - (6 + 2 * 256),
				  0ull - (6 + 8 * 256) - 2 };
	struct vpf_ctx_builder b;
	uint8_t before[32], after[32];
	unsigned int i, wrap;
	uint8_t *c;
	size_t len;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	for (i = 0; i < 3; i++) {
		for (wrap = 0; wrap < 2; wrap++) {
			vc.queue_desc = 0x10000;
			vc.queue_driver = 0x20000;
			vc.queue_device = 0x30000;
			*addr[i] = top[i] + (wrap ? 16 : 0);
			assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
			assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vc), 0);
			c = vpf_ctx_builder_detach(&b, &len);
			assert_non_null(c);
			assert_int_equal(h_write_all(&H, 1, c, len, 4096),
					 wrap ? H_EINV : 0);
			free(c);
		}
	}
	/* Nothing of the refused ones is applied: the last accepted one
	 * (the device ring ending just below 2^64) is. */
	assert_int_equal(vpf_model_digest(H.m, 1, before), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_digest(H.m, 1, after), 0);
	assert_memory_not_equal(before, after, 32);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_ctx_write_only_in_freeze),
	H_TEST(test_ctx_write_field_length_mismatch),
	H_TEST(test_ctx_write_unsupported_field_type),
	H_TEST(test_ctx_write_refused_at_field_header),
	H_TEST(test_ctx_write_owned_descriptors_below_resulting_queue_size),
	H_TEST(test_ctx_write_owned_descriptors_any_order),
	H_TEST(test_ctx_write_owned_descriptors_fast_path),
	H_TEST(test_ctx_write_chunks_split_anywhere),
	H_TEST(test_ctx_write_trailing_zero_rule),
	H_TEST(test_ctx_write_most_recent_complete_applies),
	H_TEST(test_ctx_write_empty_context_changes_nothing),
	H_TEST(test_zero_chunk_after_complete_write_replaces_pending),
	H_TEST(test_discard_drops_written_context),
	H_TEST(test_ctx_write_semantic_checks),
	H_TEST(test_ctx_write_ring_wrapping_refused))
