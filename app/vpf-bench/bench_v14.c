/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The 1.4 dialect's own stop-copy paths for bench_mig.c (the pipelined one
 * and the downtime are the migration API's, the same calls in both
 * dialects):
 *  - serial: per VF, one typed synchronous command at a time, as Linux
 *    does: MODE_SET stop, RESOURCE_OBJ_CREATE (GET), METADATA_GET SIZE and
 *    PARTS_GET ALL (vpf_admin_v14_parts_get() sends both), then
 *    RESOURCE_OBJ_DESTROY;
 *  - engine: the STOP -> STOP_COPY arc's commands (MODE_SET stop, CREATE,
 *    SIZE, PARTS_GET) of every VF in flight together, chained by completion
 *    callbacks on the async admin engine with the single-command builders;
 *    no migration layer. The objects are destroyed after the timed part,
 *    as leaving STOP_COPY does.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "vpf_admin.h"
#include "vpf_common.h"
#include "vpf_parts.h"
#include "vpf_pf.h"

#include "bench.h"

static int
resume_all(struct bench_trig *r, uint16_t n)
{
	for (uint16_t vf = 1; vf <= n; vf++)
		if (vpf_admin_v14_mode_set(r->pf, vf, false) != 0) {
			fprintf(stderr, "vpf-bench: resume VF %u: %s\n", vf,
				vpf_last_error());
			return -1;
		}
	return 0;
}

uint64_t
bench_v14_serial(struct bench_trig *r, uint16_t n, uint8_t *buf, size_t cap,
		 uint64_t *bytes)
{
	uint32_t cap32 = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	uint64_t t0, t1, ta, tb, lat[4] = { 0, 0, 0, 0 };

	*bytes = 0;
	t0 = bench_now_ns();
	for (uint16_t vf = 1; vf <= n; vf++) {
		struct vpf_admin_v14_obj obj;
		uint32_t len = 0;
		int rc, rd;

		ta = bench_now_ns();
		rc = vpf_admin_v14_mode_set(r->pf, vf, true);
		tb = bench_now_ns();
		lat[0] += tb - ta;
		if (rc == 0)
			rc = vpf_admin_v14_obj_create(r->pf, vf,
						      VPF_PARTS_OBJ_GET, &obj);
		ta = bench_now_ns();
		lat[1] += ta - tb;
		if (rc != 0) {
			fprintf(stderr, "vpf-bench: serial stop-copy (1.4) VF "
				"%u: %s\n", vf, vpf_last_error());
			return 0;
		}
		rc = vpf_admin_v14_parts_get(r->pf, &obj, buf, cap32, &len);
		tb = bench_now_ns();
		lat[2] += tb - ta;
		if (rc != 0)
			fprintf(stderr, "vpf-bench: serial PARTS_GET VF %u: "
				"%s\n", vf, vpf_last_error());
		rd = vpf_admin_v14_obj_destroy(r->pf, &obj);
		lat[3] += bench_now_ns() - tb;
		if (rd != 0)
			fprintf(stderr, "vpf-bench: serial OBJ_DESTROY VF %u: "
				"%s\n", vf, vpf_last_error());
		if (rc != 0 || rd != 0)
			return 0;
		*bytes += len;
	}
	t1 = bench_now_ns();
	if (bench_opts.verbose)
		fprintf(stderr, "# serial stop-copy (1.4): mean round trip "
			"MODE_SET %.1f us, OBJ_CREATE %.1f us, SIZE + "
			"PARTS_GET %.1f us, OBJ_DESTROY %.1f us\n",
			(double)lat[0] / n / 1e3, (double)lat[1] / n / 1e3,
			(double)lat[2] / n / 1e3, (double)lat[3] / n / 1e3);
	/* Back to running (not timed). */
	if (resume_all(r, n) != 0)
		return 0;
	return t1 - t0;
}

/* One VF's chain on the engine. The command comes first: the completion
 * callback finds its VF from it. */
struct e14_vf {
	struct vpf_admin_cmd c;
	struct vpf_admin_v14_obj obj;
	uint8_t *buf;
	uint32_t cap;
	uint32_t size;
	uint32_t len;
	int stage;
	bool pending;	/* the next command waits for a free slot */
	uint8_t meta[VPF_PARTS_META_RESULT_SIZE];
};

struct e14 {
	struct vpf_pf *pf;
	struct e14_vf *vf;
	unsigned int done;
	unsigned int failed;
	unsigned int pending;	/* VFs whose next command waits for a slot */
};

static void
e14_fail(struct e14 *e, struct e14_vf *v, const char *what, int rc)
{
	fprintf(stderr, "vpf-bench: engine stop-copy (1.4) VF %u: %s: %s\n",
		(unsigned int)(1 + (v - e->vf)), what,
		rc ? vpf_last_error() : "bad result");
	e->failed++;
	e->done++;
}

static void
e14_done(struct vpf_admin_cmd *c)
{
	struct e14 *e = c->arg;
	struct e14_vf *v = (struct e14_vf *)c;
	uint16_t vf = (uint16_t)(1 + (v - e->vf));
	uint32_t le, post;
	int rc = c->rc;

	switch (v->stage) {
	case 0:		/* stopped: create the GET object */
		if (rc != 0) {
			e14_fail(e, v, "MODE_SET stop", rc);
			return;
		}
		rc = vpf_admin_v14_obj_alloc(e->pf, vf, VPF_PARTS_OBJ_GET,
					     &v->obj);
		if (rc != 0) {
			e14_fail(e, v, "object id", rc);
			return;
		}
		vpf_admin_v14_prep_obj_create(c, &v->obj);
		break;
	case 1:		/* created: how large are the parts? */
		rc = vpf_admin_v14_obj_create_done(e->pf, &v->obj, rc);
		if (rc != 0) {
			e14_fail(e, v, "OBJ_CREATE", rc);
			return;
		}
		memset(v->meta, 0, sizeof(v->meta));
		vpf_admin_v14_prep_meta_get(c, &v->obj, VPF_PARTS_META_SIZE,
					    v->meta, sizeof(v->meta));
		break;
	case 2:		/* sized: read them all */
		if (rc != 0) {
			e14_fail(e, v, "METADATA_GET SIZE", rc);
			return;
		}
		memcpy(&le, v->meta, sizeof(le));
		v->size = rte_le_to_cpu_32(le);
		post = (uint32_t)(((uint64_t)v->size + 7) & ~(uint64_t)7);
		if (v->size == 0 || v->size > v->cap - 7 || post > v->cap) {
			fprintf(stderr, "vpf-bench: engine stop-copy (1.4) VF "
				"%u: parts of %u bytes, %u per VF\n", vf,
				v->size, v->cap);
			e->failed++;
			e->done++;
			return;
		}
		vpf_admin_v14_prep_parts_get_all(c, &v->obj, v->buf, post);
		break;
	default:	/* read: check them */
		if (rc != 0) {
			e14_fail(e, v, "PARTS_GET", rc);
			return;
		}
		v->len = c->result_written < c->result_len ?
			 c->result_written : c->result_len;
		if (vpf_admin_v14_parts_check(e->pf, vf, v->buf, v->len) != 0) {
			e14_fail(e, v, "PARTS_GET result", -1);
			return;
		}
		e->done++;
		return;
	}
	v->stage++;
	c->done = e14_done;
	c->arg = e;
	rc = vpf_admin_submit(e->pf, c);
	if (rc == -EBUSY) {
		/* More VFs than command slots: bench_v14_engine() submits
		 * it after its next poll. */
		v->pending = true;
		e->pending++;
	} else if (rc != 0) {
		e14_fail(e, v, "submit", -1);
	}
}

/* Submit the commands that found no free slot in a completion callback,
 * while slots are free. */
static void
e14_submit_pending(struct e14 *e, uint16_t n)
{
	for (uint16_t i = 0; i < n && e->pending > 0; i++) {
		struct e14_vf *v = &e->vf[i];
		int rc;

		if (!v->pending)
			continue;
		rc = vpf_admin_submit(e->pf, &v->c);
		if (rc == -EBUSY)
			return;
		v->pending = false;
		e->pending--;
		if (rc != 0)
			e14_fail(e, v, "submit", -1);
	}
}

uint64_t
bench_v14_engine(struct bench_trig *r, uint16_t n, uint8_t *buf,
		 uint32_t per_vf)
{
	struct e14 e = { .pf = r->pf };
	uint64_t t0 = 0, t1 = 0, bytes = 0;
	uint16_t started = 0;

	e.vf = calloc(n, sizeof(*e.vf));
	if (e.vf == NULL || per_vf < 16)
		goto out;
	t0 = bench_now_ns();
	for (uint16_t i = 0; i < n; i++) {
		struct e14_vf *v = &e.vf[i];

		v->buf = buf + (size_t)i * per_vf;
		v->cap = per_vf;
		vpf_admin_v14_prep_mode_set(&v->c, (uint16_t)(i + 1), true);
		v->c.done = e14_done;
		v->c.arg = &e;
		if (bench_submit(r->pf, &v->c) != 0) {
			fprintf(stderr, "vpf-bench: submit: %s\n",
				vpf_last_error());
			break;
		}
		started++;
	}
	vpf_admin_kick(r->pf);
	while (e.done < started) {
		if (vpf_admin_poll(r->pf) < 0) {
			fprintf(stderr, "vpf-bench: engine stop-copy (1.4): "
				"poll: %s\n", vpf_last_error());
			started = 0;	/* nothing is safe to touch now */
			e.failed++;
			break;
		}
		e14_submit_pending(&e, started);
	}
	t1 = bench_now_ns();
	if (started < n)
		e.failed++;
	/* Leave STOP_COPY (not timed): destroy the objects, resume. */
	for (uint16_t i = 0; i < started; i++) {
		struct e14_vf *v = &e.vf[i];

		bytes += v->len;
		if (v->obj.valid &&
		    vpf_admin_v14_obj_destroy(r->pf, &v->obj) != 0) {
			fprintf(stderr, "vpf-bench: OBJ_DESTROY VF %u: %s\n",
				i + 1, vpf_last_error());
			e.failed++;
		}
	}
	if (started > 0 && resume_all(r, started) != 0)
		e.failed++;
	if (bench_opts.verbose && e.failed == 0)
		fprintf(stderr, "# engine stop-copy (1.4): %" PRIu64 " parts "
			"bytes\n", bytes);
out:
	free(e.vf);
	return e.failed == 0 && t1 > t0 ? t1 - t0 : 0;
}
