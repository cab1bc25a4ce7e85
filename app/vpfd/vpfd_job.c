/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpfd's jobs: migrations of many VFs between PFs this daemon owns, run in
 * the background and polled by the daemon's loop (a bounded budget per
 * turn, so requests keep being served while a job runs).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_common.h"
#include "vpf_model.h"
#include "vpfd.h"

#define VPFD_JOB_PAIRS	256
/* Work units of one job per loop turn. */
#define VPFD_JOB_BUDGET	64

static struct vpfd_pf *
pf_of_mig(struct vpfd *d, const struct vpf_mig *m)
{
	unsigned int i;

	for (i = 0; i < d->npf; i++)
		if (d->pfs[i]->mig == m)
			return d->pfs[i];
	return NULL;
}

/* The hypervisor's part between two model PFs in the 1.4 dialect: guest
 * RAM (which holds the ring positions) moves with the VM. */
static int
job_before_resume(const struct vpf_mig_pair *pr, void *arg)
{
	struct vpfd *d = arg;
	struct vpfd_pf *s = pf_of_mig(d, pr->src), *t = pf_of_mig(d, pr->dst);

	if (s == NULL || t == NULL || s->model == NULL || t->model == NULL ||
	    vpfd_pf_dialect(s) != VPF_DIALECT_V14_PARTS)
		return 0;
	return vpf_model_guest_ring_move(s->model, pr->src_vf, t->model,
					 pr->dst_vf);
}

static void
job_release(struct vpfd *d, struct vpfd_job *j)
{
	unsigned int i;

	for (i = 0; i < j->npairs; i++) {
		struct vpfd_pf *s = pf_of_mig(d, j->pairs[i].src);
		struct vpfd_pf *t = pf_of_mig(d, j->pairs[i].dst);

		if (s != NULL && s->vfs[j->pairs[i].src_vf].job == j->id)
			s->vfs[j->pairs[i].src_vf].job = 0;
		if (t != NULL && t->vfs[j->pairs[i].dst_vf].job == j->id)
			t->vfs[j->pairs[i].dst_vf].job = 0;
	}
}

static void
job_end(struct vpfd *d, struct vpfd_job *j)
{
	j->rc = vpf_mig_job_finish(j->job, &j->res);
	j->job = NULL;
	j->finished = true;
	if (j->rc < 0)
		snprintf(j->error, sizeof(j->error), "%s", vpf_last_error());
	job_release(d, j);
	vpfd_log(d, "job %u finished: %u ok, %u failed", j->id, j->res.ok,
		 j->res.failed);
}

bool
vpfd_jobs_active(const struct vpfd *d)
{
	unsigned int i;

	for (i = 0; i < VPFD_MAX_JOBS; i++)
		if (d->jobs[i] != NULL && !d->jobs[i]->finished)
			return true;
	return false;
}

void
vpfd_jobs_poll(struct vpfd *d)
{
	unsigned int i;

	for (i = 0; i < VPFD_MAX_JOBS; i++) {
		struct vpfd_job *j = d->jobs[i];

		if (j == NULL || j->finished)
			continue;
		(void)vpf_mig_job_poll(j->job, VPFD_JOB_BUDGET);
		if (vpf_mig_job_done(j->job))
			job_end(d, j);
	}
}

static void
job_free(struct vpfd_job *j)
{
	free(j->names);
	free(j->pairs);
	free(j);
}

void
vpfd_jobs_fini(struct vpfd *d)
{
	unsigned int i;

	for (i = 0; i < VPFD_MAX_JOBS; i++) {
		struct vpfd_job *j = d->jobs[i];

		if (j == NULL)
			continue;
		if (!j->finished) {
			vpf_mig_job_cancel(j->job);
			job_end(d, j);
		}
		job_free(j);
		d->jobs[i] = NULL;
	}
}

static struct vpfd_job *
job_find(struct vpfd *d, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < VPFD_MAX_JOBS; i++)
		if (d->jobs[i] != NULL && d->jobs[i]->id == id)
			return d->jobs[i];
	return NULL;
}

/* A free slot: an empty one, else the oldest finished job's. */
static int
job_slot(struct vpfd *d)
{
	unsigned int i, best = VPFD_MAX_JOBS;

	for (i = 0; i < VPFD_MAX_JOBS; i++) {
		if (d->jobs[i] == NULL)
			return (int)i;
		if (d->jobs[i]->finished &&
		    (best == VPFD_MAX_JOBS || d->jobs[i]->id < d->jobs[best]->id))
			best = i;
	}
	if (best == VPFD_MAX_JOBS)
		return -1;
	job_free(d->jobs[best]);
	d->jobs[best] = NULL;
	return (int)best;
}

static int
pair_parse(struct vpfd_req *r, json_t *o, unsigned int i,
	   struct vpf_mig_pair *pr)
{
	static const char *const keys[] = { "src_pf", "src_vf", "dst_pf",
					    "dst_vf", NULL };
	const char *key;
	struct vpfd_pf *s, *t;
	json_int_t sv, tv;
	json_t *v;
	size_t k;

	if (!json_is_object(o))
		return vpfd_fail(r, VPFD_E_PARAMS, "pairs[%u] must be an object",
				 i);
	json_object_foreach(o, key, v) {
		bool ok = false;

		for (k = 0; keys[k] != NULL; k++)
			ok |= strcmp(key, keys[k]) == 0;
		if (!ok)
			return vpfd_fail(r, VPFD_E_PARAMS, "pairs[%u]: unknown "
					 "key '%.32s'", i, key);
	}
	if (!json_is_string(json_object_get(o, "src_pf")) ||
	    !json_is_string(json_object_get(o, "dst_pf")) ||
	    !json_is_integer(json_object_get(o, "src_vf")) ||
	    !json_is_integer(json_object_get(o, "dst_vf")))
		return vpfd_fail(r, VPFD_E_PARAMS, "pairs[%u] needs src_pf, "
				 "src_vf, dst_pf, dst_vf", i);
	s = vpfd_pf_find(r->d, json_string_value(json_object_get(o, "src_pf")));
	t = vpfd_pf_find(r->d, json_string_value(json_object_get(o, "dst_pf")));
	sv = json_integer_value(json_object_get(o, "src_vf"));
	tv = json_integer_value(json_object_get(o, "dst_vf"));
	if (s == NULL || t == NULL)
		return vpfd_fail(r, VPFD_E_PARAMS, "pairs[%u]: no such PF", i);
	if (sv < 1 || sv > s->num_vfs || tv < 1 || tv > t->num_vfs)
		return vpfd_fail(r, VPFD_E_PARAMS, "pairs[%u]: VF out of range",
				 i);
	if (s->mig == NULL || t->mig == NULL)
		return vpfd_fail(r, -ENOTSUP, "pairs[%u]: a PF without a "
				 "migration layer", i);
	if (vpfd_vf_free(r, s, (uint16_t)sv) < 0 ||
	    vpfd_vf_free(r, t, (uint16_t)tv) < 0)
		return -1;
	if (s->vfs[sv].holder != 0 || t->vfs[tv].holder != 0)
		return vpfd_fail(r, -EBUSY, "pairs[%u]: a client is migrating "
				 "that VF", i);
	pr->src = s->mig;
	pr->src_vf = (uint16_t)sv;
	pr->dst = t->mig;
	pr->dst_vf = (uint16_t)tv;
	return 0;
}

static int
m_job_start(struct vpfd_req *r, json_t **res)
{
	json_t *pairs = r->params ? json_object_get(r->params, "pairs") : NULL;
	uint64_t rounds = 0;
	bool serial = false;
	struct vpfd_job *j;
	unsigned int i, n;
	int slot, rc;

	if (!json_is_array(pairs) || json_array_size(pairs) == 0 ||
	    json_array_size(pairs) > VPFD_JOB_PAIRS)
		return vpfd_fail(r, VPFD_E_PARAMS, "'pairs' must be an array of "
				 "1 to %d objects", VPFD_JOB_PAIRS);
	if (vpfd_p_u64(r, "precopy", false, 0, 64, &rounds) < 0 ||
	    vpfd_p_bool(r, "serial", false, &serial) < 0)
		return -1;
	slot = job_slot(r->d);
	if (slot < 0)
		return vpfd_fail(r, -EBUSY, "%d jobs are running", VPFD_MAX_JOBS);
	n = (unsigned int)json_array_size(pairs);
	j = calloc(1, sizeof(*j));
	if (j == NULL || (j->pairs = calloc(n, sizeof(*j->pairs))) == NULL ||
	    (j->names = calloc(n, sizeof(*j->names))) == NULL) {
		if (j != NULL)
			job_free(j);
		return vpfd_fail(r, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		if (pair_parse(r, json_array_get(pairs, i), i, &j->pairs[i]) < 0) {
			job_free(j);
			return -1;
		}
	j->npairs = n;
	vpf_mig_opts_init(&j->opts);
	j->opts.precopy_rounds = (uint32_t)rounds;
	j->opts.serial = serial;
	j->opts.before_resume = job_before_resume;
	j->opts.arg = r->d;
	rc = vpf_mig_job_start(&j->opts, j->pairs, n, &j->job);
	if (rc < 0) {
		job_free(j);
		return vpfd_fail_rc(r, rc, "mig_job_start");
	}
	j->id = ++r->d->next_job;
	for (i = 0; i < n; i++) {
		snprintf(j->names[i][0], VPFD_NAME_LEN, "%s",
			 pf_of_mig(r->d, j->pairs[i].src)->name);
		snprintf(j->names[i][1], VPFD_NAME_LEN, "%s",
			 pf_of_mig(r->d, j->pairs[i].dst)->name);
		pf_of_mig(r->d, j->pairs[i].src)->vfs[j->pairs[i].src_vf].job =
			j->id;
		pf_of_mig(r->d, j->pairs[i].dst)->vfs[j->pairs[i].dst_vf].job =
			j->id;
	}
	r->d->jobs[slot] = j;
	vpfd_log(r->d, "job %u started: %u pairs", j->id, n);
	*res = json_pack("{s:i}", "job", j->id);
	return 0;
}

static json_t *
job_json(struct vpfd_job *j)
{
	json_t *o, *arr;
	unsigned int i;

	o = json_pack("{s:i, s:s, s:b}", "job", j->id, "phase",
		      j->finished ? "DONE" :
		      vpf_mig_phase_name(vpf_mig_job_phase(j->job)),
		      "done", j->finished);
	if (o == NULL || !j->finished)
		return o;
	json_object_set_new(o, "rc", json_integer(j->rc));
	json_object_set_new(o, "ok", json_integer(j->res.ok));
	json_object_set_new(o, "failed", json_integer(j->res.failed));
	json_object_set_new(o, "total_us",
			    json_integer((json_int_t)(j->res.total_ns / 1000)));
	json_object_set_new(o, "downtime_us",
			    json_integer((json_int_t)(j->res.downtime_ns / 1000)));
	if (j->error[0])
		json_object_set_new(o, "error", json_string(j->error));
	arr = json_array();
	for (i = 0; arr != NULL && i < j->npairs; i++) {
		struct vpf_mig_pair *pr = &j->pairs[i];

		json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:i, s:i, s:s, s:I}",
			"src_pf", j->names[i][0], "src_vf", pr->src_vf,
			"dst_pf", j->names[i][1], "dst_vf", pr->dst_vf,
			"rc", pr->rc, "error", pr->error,
			"downtime_us", (json_int_t)(pr->downtime_ns / 1000)));
	}
	json_object_set_new(o, "pairs", arr);
	return o;
}

static int
job_param(struct vpfd_req *r, struct vpfd_job **j)
{
	uint64_t id = 0;

	if (vpfd_p_u64(r, "job", true, 1, UINT32_MAX, &id) < 0)
		return -1;
	*j = job_find(r->d, id);
	if (*j == NULL)
		return vpfd_fail(r, VPFD_E_PARAMS, "no job %llu",
				 (unsigned long long)id);
	return 0;
}

static int
m_job_get(struct vpfd_req *r, json_t **res)
{
	struct vpfd_job *j;

	if (job_param(r, &j) < 0)
		return -1;
	*res = job_json(j);
	return 0;
}

static int
m_job_cancel(struct vpfd_req *r, json_t **res)
{
	struct vpfd_job *j;

	if (job_param(r, &j) < 0)
		return -1;
	if (!j->finished)
		vpf_mig_job_cancel(j->job);
	*res = json_true();
	return 0;
}

static int
m_job_list(struct vpfd_req *r, json_t **res)
{
	unsigned int i;

	*res = json_array();
	for (i = 0; *res != NULL && i < VPFD_MAX_JOBS; i++)
		if (r->d->jobs[i] != NULL)
			json_array_append_new(*res, json_pack("{s:i, s:b}",
				"job", r->d->jobs[i]->id, "done",
				r->d->jobs[i]->finished));
	return 0;
}

static const char *const k_start[] = { "pairs", "precopy", "serial", NULL };
static const char *const k_job[] = { "job", NULL };
static const char *const k_none[] = { NULL };

const struct vpfd_method vpfd_methods_job[] = {
	{ "mig_job_start", m_job_start, 0, k_start },
	{ "mig_job_get", m_job_get, 0, k_job },
	{ "mig_job_cancel", m_job_cancel, 0, k_job },
	{ "mig_job_list", m_job_list, 0, k_none },
	{ NULL, NULL, 0, NULL },
};
