/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target for the converters between vpf's 1.4 stream and Linux
 * virtio-vfio-pci's records (lib/mig/mig_linux.c): both inputs come from
 * another host. The first input byte picks how the rest is split into
 * feeds (the verdict and the output must not depend on it, checked against
 * the whole-buffer call). The rest is fed as Linux records and, when they
 * convert, round-tripped: Linux -> vpf -> Linux must give back exactly the
 * DEVICE_DATA records the parts library decodes from the input (skipped
 * records gone, CVE-2025-38314 tails dropped). The same bytes are also fed
 * to vpf -> Linux as a vpf stream, which must refuse or convert without
 * crashing; what it converts, converted back, converts again to the same
 * records.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_mig.h"
#include "vpf_parts.h"
#include "mig/mig_internal.h"

static const struct vpf_mig_linux_id id = {
	.vendor_id = 0x1af4, .device_id = 0x1041, .vf = 1, .num_queues = 2,
};

static int
to_buf(const void *buf, size_t len, void *arg)
{
	return mig_buf_append(arg, buf, len) ? -ENOMEM : 0;
}

/* Convert @p data fed in pieces of @p chunk bytes into @p out. */
static int
conv(enum vpf_mig_linux_dir dir, const uint8_t *data, size_t size,
     size_t chunk, struct mig_buf *out)
{
	struct vpf_mig_linux_conv *c;
	size_t off = 0, n;
	int rc = 0;

	mig_buf_reset(out);
	c = vpf_mig_linux_conv_new(dir, &id, to_buf, out);
	if (c == NULL)
		abort();
	while (off < size && rc == 0) {
		n = size - off < chunk ? size - off : chunk;
		rc = vpf_mig_linux_conv_feed(c, data + off, n);
		off += n;
	}
	if (rc == 0)
		rc = vpf_mig_linux_conv_finish(c);
	vpf_mig_linux_conv_free(c);
	return rc;
}

/* The whole-buffer call gives the same verdict and output. */
static void
same_as_whole(enum vpf_mig_linux_dir dir, const uint8_t *data, size_t size,
	      int rc, const struct mig_buf *out)
{
	void *o = NULL;
	size_t olen = 0;
	int rw;

	rw = vpf_mig_linux_convert(dir, &id, data, size, &o, &olen, NULL);
	if (rw != rc)
		abort();
	if (rc == 0 && (olen != out->len || memcmp(o, out->p, olen) != 0))
		abort();
	free(o);
}

/* Re-encode each decoded record canonically. */
static int
canon_cb(const struct vpf_parts_linux_rec *rec, void *arg)
{
	struct mig_buf *b = arg;
	uint8_t h[VPF_PARTS_LINUX_HDR_SIZE];

	if (vpf_parts_linux_hdr_write(h, rec->parts_len, 0,
				      VPF_PARTS_LINUX_TAG_DEVICE_DATA) < 0 ||
	    mig_buf_append(b, h, sizeof(h)) ||
	    mig_buf_append(b, rec->parts, rec->parts_len))
		return -ENOMEM;
	return 0;
}

static bool
buf_eq(const struct mig_buf *a, const struct mig_buf *b)
{
	return a->len == b->len && (a->len == 0 ||
				    memcmp(a->p, b->p, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_buf v = { 0 }, l2 = { 0 }, canon = { 0 }, t = { 0 };
	size_t chunk;
	int rc;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;

	/* Linux -> vpf, then back. */
	rc = conv(VPF_MIG_LINUX_FROM, data, size, chunk, &v);
	same_as_whole(VPF_MIG_LINUX_FROM, data, size, rc, &v);
	if (rc == 0) {
		if (vpf_mig_stream_validate(v.p, v.len, NULL, 0, NULL) != 0)
			abort();	/* the output must be a valid stream */
		if (vpf_parts_linux_decode(data, size, VPF_PARTS_F_CARRY,
					   canon_cb, &canon, NULL) <= 0)
			abort();	/* converted, so it decodes */
		if (conv(VPF_MIG_LINUX_TO, v.p, v.len, chunk + 3, &l2) != 0)
			abort();
		if (!buf_eq(&l2, &canon))
			abort();	/* records changed on the way */
	}

	/* The same bytes as a vpf stream. */
	rc = conv(VPF_MIG_LINUX_TO, data, size, chunk, &l2);
	same_as_whole(VPF_MIG_LINUX_TO, data, size, rc, &l2);
	if (rc == 0) {
		if (conv(VPF_MIG_LINUX_FROM, l2.p, l2.len, chunk, &v) != 0 ||
		    conv(VPF_MIG_LINUX_TO, v.p, v.len, chunk, &t) != 0 ||
		    !buf_eq(&t, &l2))
			abort();
	}
	mig_buf_free(&v);
	mig_buf_free(&l2);
	mig_buf_free(&canon);
	mig_buf_free(&t);
	return 0;
}
