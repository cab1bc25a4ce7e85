/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: virtio 1.4 parts sets (untrusted bytes from a device,
 * a driver's PARTS_SET or another host). Input: u8 flags (VPF_PARTS_F_*
 * bits 0-4), then the set. Runs everything that reads parts bytes — the
 * validating iterator, every typed decoder, the printer, DEV_PARTS_SET
 * data, METADATA_GET LIST build and check — and cross-checks them: parts
 * are contiguous and inside the buffer, validate() and the iterator agree,
 * a well-formed set is rebuilt byte for byte from its views, its LIST
 * result describes it exactly, and the iterator's fast path yields exactly
 * what its careful path does (white-box: PARTS_F_CAREFUL).
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_parts.h"

#include "parts/parts_internal.h"

static struct vpf_parts_iter it, slow;
static char text[1 << 16];
static uint8_t copy[1 << 17];
static uint8_t list[1 << 17];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_err(const struct vpf_parts_error *a, const struct vpf_parts_error *b)
{
	if (a->code != b->code || a->offset != b->offset ||
	    a->part_index != b->part_index ||
	    a->part_offset != b->part_offset || a->type != b->type ||
	    a->value != b->value || a->expected != b->expected)
		abort();
}

static void
decode_all(const struct vpf_parts_part *p)
{
	struct vpf_parts_features f;
	struct vpf_parts_common cc;
	struct vpf_parts_vq_cfg q;
	struct vpf_parts_vq_notify vn;
	struct vpf_parts_cvq cvq;
	volatile uint64_t sink = 0;
	uint8_t st;

	if (vpf_parts_decode_features(p, &f) == 0) {
		for (uint32_t i = 0; i < f.nwords && i < 4; i++)
			sink += vpf_parts_features_word(&f, i);
		sink += vpf_parts_features_test(&f, 64 * (uint64_t)f.nwords);
	}
	if (vpf_parts_decode_common(p, &cc) == 0 &&
	    (cc.size != p->length || cc.size == 0))
		abort();
	if (vpf_parts_decode_status(p, &st) == 0)
		sink += st;
	if (vpf_parts_decode_vq_cfg(p, &q) == 0)
		sink += q.desc + q.vq_index;
	if (vpf_parts_decode_vq_notify(p, &vn) == 0)
		sink += vn.queue_notify_off;
	if (vpf_parts_decode_cvq(p, &cvq) == 0 && cvq.len > 0)
		sink += cvq.data[cvq.len - 1];
	(void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpf_parts_builder b;
	struct vpf_parts_error e, pe;
	struct vpf_parts_part p;
	const uint8_t *set;
	uint64_t pos = 0, total;
	size_t len, w, plen;
	uint32_t flags, n = 0, count;
	int64_t v;
	int rc;

	if (size < 1)
		return 0;
	flags = data[0] & 0x1f;
	set = data + 1;
	len = size - 1;

	v = vpf_parts_validate(set, len, flags, &e);
	if (vpf_parts_iter_init(&it, set, len, flags) != 0)
		abort();
	vpf_parts_builder_init(&b, copy, sizeof(copy));
	if (vpf_parts_iter_init(&slow, set, len, flags | PARTS_F_CAREFUL) != 0)
		abort();
	while ((rc = vpf_parts_iter_next(&it, &p)) == 1) {
		struct vpf_parts_part q;

		if (vpf_parts_iter_next(&slow, &q) != 1 || q.type != p.type ||
		    q.hflags != p.hflags || q.flags != p.flags ||
		    q.index != p.index || q.offset != p.offset ||
		    q.length != p.length || q.hdr != p.hdr ||
		    q.value != p.value)
			abort();
		/* Contiguous, in order, inside the buffer. */
		if (p.offset != pos || p.index != n ||
		    vpf_parts_part_size(&p) > len - p.offset ||
		    p.hdr != set + p.offset)
			abort();
		if (!(flags & VPF_PARTS_F_HEADERS_ONLY) &&
		    p.value != p.hdr + VPF_PARTS_HDR_SIZE)
			abort();
		pos += vpf_parts_part_size(&p);
		n++;
		decode_all(&p);
		if (p.value != NULL && vpf_parts_add_part(&b, &p) != 0 &&
		    len <= sizeof(copy))
			abort();
	}
	if ((rc == 0) != (v >= 0) || (rc == 0 && v != n))
		abort();
	if (vpf_parts_iter_next(&slow, &p) != rc)
		abort();
	same_err(vpf_parts_iter_error(&slow), vpf_parts_iter_error(&it));
	same_err(&e, vpf_parts_iter_error(&it));
	if (rc == 0) {
		/* What follows the parts is allowed padding only. */
		if (vpf_parts_iter_end(&it) != pos || len - pos > 7 ||
		    (len != pos && !(flags & VPF_PARTS_F_ALLOW_PAD)))
			abort();
		for (size_t i = pos; i < len; i++)
			if (set[i] != 0)
				abort();
		if (!(flags & VPF_PARTS_F_HEADERS_ONLY) &&
		    (vpf_parts_builder_len(&b) != pos ||
		     memcmp(copy, set, pos) != 0))
			abort();
	}

	/* The printer reaches the same verdict. */
	if (vpf_parts_print_buf(text, sizeof(text), NULL, set, len, flags,
				&pe) != (rc == 0 ? 0 : -EBADMSG))
		abort();
	same_err(&e, &pe);

	/* DEV_PARTS_SET data: the input read as object header + parts. */
	v = vpf_parts_set_data_check(set, len, flags & VPF_PARTS_F_CARRY, NULL,
				     NULL, &plen, NULL);
	if (v >= 0 && plen > len - 8)
		abort();

	/* A well-formed set's LIST result describes it exactly. */
	flags &= ~(VPF_PARTS_F_HEADERS_ONLY | VPF_PARTS_F_NO_LENGTH |
		   VPF_PARTS_F_ALLOW_PAD);
	if (vpf_parts_validate(set, len, flags, NULL) >= 0) {
		rc = vpf_parts_meta_list_build(list, sizeof(list), set, len,
					       flags, &w);
		if (rc == 0) {
			if (vpf_parts_meta_list_check(list, w, flags, &count,
						      &total, NULL) != 0 ||
			    total != len)
				abort();
		} else if (rc != -ENOSPC || w <= sizeof(list)) {
			abort();
		}
	}
	/* And any input as a LIST result. */
	vpf_parts_meta_list_check(set, len, flags, &count, &total, NULL);
	return 0;
}
