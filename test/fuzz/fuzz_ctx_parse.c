/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: the input is a device context (untrusted bytes from a
 * device or another host). Runs everything that reads context bytes — the
 * validating iterator, every typed decoder, the printer, the FIELDS_QUERY
 * comparison — and cross-checks the whole-buffer verdict against the
 * streaming validator fed in chunks whose sizes come from the input, and a
 * well-formed context against its byte-for-byte rebuild.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_ctx.h"
/* White box: the migration stream header's context summary. */
#include "mig/mig_internal.h"

static struct vpf_ctx_iter it;
static struct vpf_ctx_stream st;
static char text[1 << 16];

static void
check_same(const struct vpf_ctx_error *a, const struct vpf_ctx_error *b)
{
	if (a->code != b->code || a->offset != b->offset ||
	    a->field_index != b->field_index ||
	    a->field_offset != b->field_offset || a->type != b->type ||
	    a->value != b->value || a->expected != b->expected)
		abort();
}

static void
decode(const struct vpf_ctx_field *f)
{
	struct vpf_ctx_common_cfg c;
	struct vpf_ctx_features ft;
	struct vpf_ctx_vq_cfg q;
	struct vpf_ctx_vq_runtime rt;
	struct vpf_ctx_own_desc od;
	const uint8_t *cfg;
	uint64_t len, i;
	volatile uint64_t acc = 0;
	int rc = 0;

	switch (f->type) {
	case VPF_CTX_PCI_COMMON_CFG:
		rc = vpf_ctx_decode_common_cfg(f, &c);
		acc += c.queue_desc;
		break;
	case VPF_CTX_DEV_FEATURES:
		rc = vpf_ctx_decode_features(f, &ft);
		for (i = 0; i <= ft.nwords && i < 64; i++)
			acc += vpf_ctx_features_word(&ft, i);
		acc += vpf_ctx_features_test(&ft, 4095);
		break;
	case VPF_CTX_PCI_VQ_CFG:
		rc = vpf_ctx_decode_vq_cfg(f, &q);
		acc += q.queue_device;
		break;
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG:
		rc = vpf_ctx_decode_vq_runtime(f, &rt);
		acc += rt.enabled;
		break;
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC:
		rc = vpf_ctx_decode_own_desc(f, &od);
		for (i = 0; i <= od.desc_count; i++)
			acc += vpf_ctx_own_desc_idx(&od, (uint32_t)i);
		break;
	case VPF_CTX_DEV_CFG:
		rc = vpf_ctx_decode_dev_cfg(f, &cfg, &len);
		if (len > 0)
			acc += cfg[len - 1];
		break;
	default:
		if (f->length > 0)
			acc += f->value[f->length - 1];
		break;
	}
	/* A field the validator passed always decodes. */
	if (rc != 0)
		abort();
	(void)acc;
}

static struct vpf_ctx_iter bit;

/* Walk with vpf_ctx_iter_burst() (sizes from @p pick), checking each field
 * against vpf_ctx_iter_next() on a second iterator. */
static void
burst_walk(const uint8_t *data, size_t size, uint32_t flags, uint8_t pick)
{
	struct vpf_ctx_field fb[16], f;
	unsigned int n;
	int rb, i;

	vpf_ctx_iter_init(&bit, data, size, flags);
	vpf_ctx_iter_init(&it, data, size, flags);
	for (;;) {
		n = 1 + (pick & 15);
		pick = (uint8_t)(pick * 33 + 7);
		rb = (pick & 64) ? vpf_ctx_iter_next(&bit, fb) :
			vpf_ctx_iter_burst(&bit, fb, n);
		if (rb <= 0)
			break;
		if ((unsigned int)rb > n)
			abort();
		for (i = 0; i < rb; i++) {
			if (vpf_ctx_iter_next(&it, &f) != 1 ||
			    f.offset != fb[i].offset || f.type != fb[i].type ||
			    f.length != fb[i].length || f.index != fb[i].index ||
			    f.flags != fb[i].flags || f.value != fb[i].value)
				abort();
		}
	}
	if (vpf_ctx_iter_next(&it, &f) != rb)
		abort();
}

/* The stream header's summary of a context: the bounded hop
 * (mig_ctx_summarize_checked()) reads any bytes in bounds, and on a context
 * that checks out says what the validating walk says. */
static void
summary_check(const uint8_t *data, size_t size)
{
	struct mig_ctx_summary a, b;

	mig_ctx_summarize_checked(data, size, &a);
	if (vpf_ctx_validate(data, size, 0, NULL) != 0)
		return;
	if (mig_ctx_summarize(data, size, &b) != 0 ||
	    a.has_common != b.has_common || a.num_queues != b.num_queues ||
	    a.has_features != b.has_features ||
	    a.features[0] != b.features[0] || a.features[1] != b.features[1])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vpf_admin_ctx_field_info info[] = {
		{ .type = 0, .length = 64 },
		{ .type = 1, .length = 16 },
		{ .type = 2, .length = 30 },
		{ .type = 3, .length = 5 },
		{ .type = 4, .length = 4 + 2 * 256 },
		{ .type = 0x1000, .length = 12 },
	};
	struct vpf_ctx_error we, se, pe;
	struct vpf_ctx_field f;
	struct vpf_ctx_builder b;
	struct vpf_ctx_cmp_result r;
	uint32_t flags;
	size_t off, chunk, need;
	unsigned int seed;
	int wrc, src, rc;

	summary_check(data, size);
	for (flags = 0; flags <= VPF_CTX_F_ALLOW_PAD; flags++) {
		wrc = vpf_ctx_validate(data, size, flags, &we);
		if (wrc != 0 && wrc != -EBADMSG)
			abort();

		/* Iterate (and decode) until the end or the error. */
		vpf_ctx_iter_init(&it, data, size, flags);
		while ((rc = vpf_ctx_iter_next(&it, &f)) > 0) {
			if (f.offset + 16 + f.length > size ||
			    f.value != data + f.offset + 16)
				abort();
			decode(&f);
		}
		if (rc != wrc)
			abort();
		check_same(vpf_ctx_iter_error(&it), &we);

		/* The same fields in bursts of 1..16, mixed with steps. */
		burst_walk(data, size, flags, size > 0 ? data[0] : 0);
		check_same(vpf_ctx_iter_error(&bit), &we);
		if (bit.state != it.state)
			abort();

		/* Stream in chunks of sizes 1..64 derived from the input. */
		seed = size > 0 ? data[size / 2] : 0;
		vpf_ctx_stream_init(&st, flags, NULL, NULL);
		src = 0;
		for (off = 0; off < size && src == 0; off += chunk) {
			chunk = 1 + (seed + off * 31) % 64;
			if (chunk > size - off)
				chunk = size - off;
			src = vpf_ctx_stream_feed(&st, data + off, chunk);
		}
		src = vpf_ctx_stream_finish(&st, &se);
		if (src != wrc)
			abort();
		check_same(&se, &we);
		if (wrc == 0 && (!vpf_ctx_stream_complete(&st) ||
				 vpf_ctx_stream_ctx_len(&st) > size ||
				 size - vpf_ctx_stream_ctx_len(&st) >
				 (flags ? VPF_CTX_MAX_PAD : 0)))
			abort();

		/* Printer: same verdict, bounded output. */
		rc = vpf_ctx_print_buf(text, sizeof(text), &need, data, size,
				       flags, &pe);
		if (rc != wrc || strlen(text) >= sizeof(text))
			abort();
		check_same(&pe, &we);

		rc = vpf_ctx_compare_fields(data, size, flags, info, 6, NULL,
					    NULL, &r, NULL);
		if ((wrc != 0 && rc != wrc) ||
		    (wrc == 0 && rc != 0 && rc != -EOPNOTSUPP) ||
		    (rc == 0) != r.compatible)
			abort();
	}

	/* Pass-through: a well-formed context rebuilds byte for byte. */
	if (vpf_ctx_validate(data, size, 0, NULL) == 0 &&
	    vpf_ctx_builder_init_grow(&b, size) == 0) {
		vpf_ctx_iter_init(&it, data, size, 0);
		while (vpf_ctx_iter_next(&it, &f) > 0)
			if (vpf_ctx_add_field(&b, &f) != 0)
				abort();
		if (vpf_ctx_iter_field_count(&it) > 0 &&
		    (vpf_ctx_builder_len(&b) != size ||
		     memcmp(vpf_ctx_builder_data(&b), data, size) != 0))
			abort();
		vpf_ctx_builder_fini(&b);
	}
	return 0;
}
