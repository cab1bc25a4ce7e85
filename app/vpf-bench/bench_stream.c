/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * stream_validate_gbps: how fast a destination checks a migration stream
 * (vpf_mig_stream_validate(): framing, every record's and the whole
 * stream's CRC-32C, every context), with no device in the loop, beside
 * memcpy of the same bytes from and to buffers of the same size
 * (stream_memcpy_gbps, the denominator of stream_validate_vs_memcpy) and
 * beside the stream's CRC-32C function alone over the same bytes
 * (crc32c_gbps, crc32c_vs_memcpy). The three alternate within each
 * repetition so that they see the same machine state. The stream is a real
 * one: the save stream of a synchronous model VF with 32 queue pairs of
 * 1024 entries (RX rings full) read in STOP_COPY through the migration API.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_mig.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

/* lib/mig/mig_internal.h: vpf-bench links libvpf's internal archive but
 * has only the public headers on its include path. */
uint32_t mig_crc32c(uint32_t crc, const void *buf, size_t len);

static int
make_stream(uint8_t **out, size_t *len)
{
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct vpf_mig_params gp;
	struct vpf_model *m;
	struct vpf_pf *pf = NULL;
	struct vpf_mig *mig = NULL;
	size_t cap = 1u << 20, n = 0, got;
	uint8_t *buf = malloc(cap);
	int ret = -1;

	vpf_model_params_init(&mp);
	mp.name = "stream";
	mp.num_vfs = 1;
	mp.num_qp = 32;
	mp.vq_size = 1024;
	mp.guest_mem_size = 16u << 20;
	m = bench_model_create(&mp);
	if (m == NULL || buf == NULL)
		goto out;
	vpf_pf_params_init(&pp);
	pp.name = "stream";
	pf = vpf_pf_attach(&vpf_model_ops, m, &pp);
	if (pf == NULL)
		goto out;
	vpf_mig_params_init(&gp);
	gp.chunk = 65536;
	mig = vpf_mig_attach(pf, &gp);
	if (mig == NULL || vpf_model_guest_step(m, 1, 256) != 0 ||
	    vpf_mig_set_state(mig, 1, VPF_MIG_STATE_STOP_COPY) != 0)
		goto out;
	do {
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (nb == NULL)
				goto out;
			buf = nb;
			cap *= 2;
		}
		if (vpf_mig_save_read(mig, 1, buf + n, cap - n, &got) != 0)
			goto out;
		n += got;
	} while (got > 0);
	if (vpf_mig_set_state(mig, 1, VPF_MIG_STATE_RUNNING) != 0)
		goto out;
	*out = buf;
	*len = n;
	buf = NULL;
	ret = 0;
out:
	if (ret != 0)
		fprintf(stderr, "vpf-bench: making a stream: %s\n",
			vpf_last_error());
	vpf_mig_detach(mig);
	vpf_pf_detach(pf);
	vpf_model_destroy(m);
	free(buf);
	return ret;
}

int
bench_stream(void)
{
	uint64_t min_ns = bench_opts.quick ? 20000000 : 200000000;
	unsigned int reps = bench_opts.reps;
	double *vr = calloc(reps, sizeof(double));
	double *mr = calloc(reps, sizeof(double));
	double *cr = calloc(reps, sizeof(double));
	uint8_t *s = NULL, *dst = NULL;
	struct vpf_mig_stream_info info;
	volatile uint32_t crc_sink;
	size_t len = 0;
	int ret = -1;

	if (vr == NULL || mr == NULL || cr == NULL ||
	    make_stream(&s, &len) != 0)
		goto out;
	dst = malloc(len);
	if (dst == NULL)
		goto out;
	if (vpf_mig_stream_validate(s, len, NULL, 0, &info) != 0) {
		fprintf(stderr, "vpf-bench: the saved stream does not validate: "
			"%s\n", vpf_last_error());
		goto out;
	}
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t0 = bench_now_ns(), t, it = 0;

		do {
			memcpy(dst, s, len);
			bench_sink(dst);
			it++;
			t = bench_now_ns();
		} while (t - t0 < min_ns);
		mr[r] = (double)len * (double)it / (double)(t - t0);
		t0 = bench_now_ns();
		it = 0;
		do {
			if (vpf_mig_stream_validate(s, len, NULL, 0, &info) != 0)
				goto out;
			it++;
			t = bench_now_ns();
		} while (t - t0 < min_ns);
		vr[r] = (double)len * (double)it / (double)(t - t0);
		t0 = bench_now_ns();
		it = 0;
		do {
			crc_sink = mig_crc32c(0, s, len);
			it++;
			t = bench_now_ns();
		} while (t - t0 < min_ns);
		cr[r] = (double)len * (double)it / (double)(t - t0);
		if (bench_opts.verbose)
			fprintf(stderr, "# stream rep %u: memcpy %.2f GB/s "
				"validate %.2f GB/s crc32c %.2f GB/s\n", r, mr[r],
				vr[r], cr[r]);
	}
	(void)crc_sink;
	{
		double v = bench_metric_samples("stream_validate_gbps", vr, reps);
		double m = bench_metric_samples("stream_memcpy_gbps", mr, reps);
		double c = bench_metric_samples("crc32c_gbps", cr, reps);

		bench_metric("stream_validate_vs_memcpy", v / m);
		bench_metric("crc32c_vs_memcpy", c / m);
		bench_metric("stream_bytes", (double)len);
	}
	ret = 0;
out:
	free(s);
	free(dst);
	free(vr);
	free(mr);
	free(cr);
	return ret;
}
