/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * parts_parse_vs_memcpy: validate and iterate a virtio 1.4 parts set with
 * the library's validating iterator (vpf_parts_iter_*), beside memcpy of
 * the same bytes, and their ratio (the method of bench_ctx.c).
 *
 * The set is what a virtio-net VF with 8 queue pairs returns from
 * DEV_PARTS_GET ALL: DEV_FEATURES and DRV_FEATURES (2 words each), the 20
 * fields of the common configuration, DEVICE_STATUS, VQ_CFG and
 * VQ_NOTIFY_CFG for 16 queues (in the order of doc/protocol.md §10.3), then
 * control-queue parts (MAC address, two RX modes, MQ pairs, 4 VLANs): 63
 * parts, 1763 bytes. Parts are small, so the per-part cost dominates: this is
 * the parser's worst case per byte, and the size a real device sends.
 * Both loops work on the same cache-warm buffer and alternate, repetition
 * by repetition; GB/s are 10^9 set bytes per second.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_parts.h"
#include "vpf_spec.h"

#include "bench.h"

#define BENCH_QUEUES	16
#define BENCH_BATCH	256

struct partsbuf {
	uint8_t p[4096];
	size_t len;
	uint32_t parts;
};

static int
build_set(struct partsbuf *s)
{
	static const uint64_t dev[2] = { 0x0000000130ef8027ull, 0x1ull };
	static const uint64_t drv[2] = { 0x0000000130ef8027ull, 0x1ull };
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct vpf_parts_builder b;
	uint8_t on = 1;
	uint16_t pairs = BENCH_QUEUES / 2;
	int rc = 0;

	vpf_parts_builder_init(&b, s->p, sizeof(s->p));
	rc |= vpf_parts_add_dev_features(&b, dev, 2);
	rc |= vpf_parts_add_drv_features(&b, drv, 2);
	for (uint32_t off = 0; off < VPF_PARTS_COMMON_CFG_SIZE; off++)
		if (vpf_parts_common_field_size(off) != 0)
			rc |= vpf_parts_add_common(&b, off,
						   off == VPF_COMMON_NUMQ ?
						   BENCH_QUEUES + 1 : off);
	rc |= vpf_parts_add_status(&b, 0x0f);
	for (uint16_t q = 0; q < BENCH_QUEUES; q++) {
		struct vpf_parts_vq_cfg c = {
			.vq_index = q, .queue_size = 1024, .vector = q + 1,
			.enabled = 1, .desc = 0x100000ull * q,
			.driver = 0x100000ull * q + 0x4000,
			.device = 0x100000ull * q + 0x8000,
		};

		rc |= vpf_parts_add_vq_cfg(&b, &c);
	}
	for (uint16_t q = 0; q < BENCH_QUEUES; q++) {
		struct vpf_parts_vq_notify n = {
			.vq_index = q, .queue_notify_off = q,
		};

		rc |= vpf_parts_add_vq_notify(&b, &n);
	}
	rc |= vpf_parts_add_cvq(&b, 1, 1, mac, sizeof(mac));
	rc |= vpf_parts_add_cvq(&b, 0, 0, &on, 1);
	rc |= vpf_parts_add_cvq(&b, 0, 1, &on, 1);
	rc |= vpf_parts_add_cvq(&b, 4, 0, &pairs, 2);
	for (uint16_t v = 1; v <= 4; v++)
		rc |= vpf_parts_add_cvq(&b, 2, 0, &v, 2);
	s->len = vpf_parts_builder_len(&b);
	s->parts = vpf_parts_builder_count(&b);
	return rc;
}

/* Run @fn in batches until at least @min_ns have passed; bytes/ns. */
static double
rate_gbps(int (*fn)(const struct partsbuf *s, void *scratch),
	  const struct partsbuf *s, void *scratch, uint64_t min_ns)
{
	uint64_t t0 = bench_now_ns(), t;
	uint64_t iters = 0;

	do {
		for (int i = 0; i < BENCH_BATCH; i++)
			if (fn(s, scratch) != 0)
				return -1;
		iters += BENCH_BATCH;
		t = bench_now_ns();
	} while (t - t0 < min_ns);
	return (double)s->len * (double)iters / (double)(t - t0);
}

static int
do_memcpy(const struct partsbuf *s, void *scratch)
{
	memcpy(scratch, s->p, s->len);
	bench_sink(scratch);
	return 0;
}

static int
do_parse(const struct partsbuf *s, void *scratch)
{
	struct vpf_parts_iter *it = scratch;
	struct vpf_parts_part p;
	uint64_t acc = 0;
	uint32_t n = 0;
	int rc;

	if (vpf_parts_iter_init(it, s->p, s->len, 0) != 0)
		return -1;
	while ((rc = vpf_parts_iter_next(it, &p)) == 1) {
		acc += p.length + p.type;
		n++;
	}
	bench_sink(&acc);
	return rc == 0 && n == s->parts ? 0 : -1;
}

int
bench_parts(void)
{
	uint64_t min_ns = bench_opts.quick ? 20000000 : 200000000;
	unsigned int reps = bench_opts.reps;
	double *pr = calloc(reps, sizeof(*pr));
	double *mr = calloc(reps, sizeof(*mr));
	struct vpf_parts_iter *it = malloc(sizeof(*it));
	struct partsbuf *s = malloc(sizeof(*s));
	uint8_t *dst = malloc(sizeof(s->p));
	double p, m;
	int ret = -1;

	if (pr == NULL || mr == NULL || it == NULL || s == NULL ||
	    dst == NULL)
		goto out;
	if (build_set(s) != 0 || vpf_parts_validate(s->p, s->len, 0, NULL) !=
	    (int64_t)s->parts) {
		fprintf(stderr, "vpf-bench: the parts benchmark set is "
			"refused: %s\n", vpf_last_error());
		goto out;
	}
	/* Alternate the two so that both see the same machine state. */
	for (unsigned int r = 0; r < reps; r++) {
		mr[r] = rate_gbps(do_memcpy, s, dst, min_ns);
		pr[r] = rate_gbps(do_parse, s, it, min_ns);
		if (pr[r] < 0) {
			fprintf(stderr, "vpf-bench: parts parse failed: %s\n",
				vpf_last_error());
			goto out;
		}
		if (bench_opts.verbose)
			fprintf(stderr, "# parts rep %u: memcpy %.2f GB/s "
				"parse %.2f GB/s\n", r, mr[r], pr[r]);
	}
	p = bench_metric_samples("parts_parse_gbps", pr, reps);
	m = bench_median(mr, reps);
	bench_metric("parts_parse_vs_memcpy", p / m);
	bench_metric("parts_parse_ns_per_part", (double)s->len / p / s->parts);
	bench_note("parts: %u parts, %zu bytes, memcpy %.1f GB/s", s->parts,
		   s->len, m);
	ret = 0;
out:
	free(dst);
	free(s);
	free(it);
	free(pr);
	free(mr);
	return ret;
}
