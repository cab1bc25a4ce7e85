/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Write recording, device side: the pages a VF writes, recorded at the
 * started page size inside the started ranges, and the ground truth (every
 * page written since recording was last started, 4 KiB granular) that
 * tests compare the driver's dirty bitmap with. The commands that start,
 * stop and read the records are in model_cmd.c (doc/protocol.md §6).
 */

#include <errno.h>
#include <string.h>

#include "model_internal.h"

/* Start (or stop) recording afresh: no record, no ground truth. */
void
model_wr_clear(struct model_vf *vf)
{
	memset(vf->rec, 0, (vf->truth_bits + 63) / 64 * 8);
	memset(vf->truth, 0, (vf->truth_bits + 63) / 64 * 8);
	vf->rec_bits = vf->wr_on ?
		(vf->truth_bits * MODEL_GUEST_PAGE + vf->wr_page - 1) /
		vf->wr_page : 0;
}

/* The VF DMA-wrote guest page @p gpa. */
void
model_vf_page_write(struct model_vf *vf, uint64_t gpa)
{
	uint64_t p = gpa / MODEL_GUEST_PAGE, r;
	uint32_t i;

	if (p >= vf->truth_bits)
		return;
	vf->truth[p / 64] |= 1ull << (p % 64);
	if (!vf->wr_on)
		return;
	for (i = 0; i < vf->wr_nranges; i++) {
		const struct vpf_admin_wr_range *rg = &vf->wr_ranges[i];

		if (gpa >= rg->page_address &&
		    (gpa - rg->page_address) / vf->wr_page < rg->page_count) {
			r = gpa / vf->wr_page;
			if (r < vf->rec_bits)
				vf->rec[r / 64] |= 1ull << (r % 64);
			return;
		}
	}
}

int
vpf_model_dirty_bitmap(struct vpf_model *m, uint16_t vf_id, uint64_t addr,
		       uint64_t len, uint64_t page_size, uint64_t *bitmap,
		       uint64_t *pages)
{
	struct model_vf *vf;
	uint64_t nbits, i, cnt = 0;

	if (m == NULL || bitmap == NULL || page_size < MODEL_GUEST_PAGE ||
	    (page_size & (page_size - 1)) || (addr & (page_size - 1)) ||
	    (len & (page_size - 1)) || len == 0 || len - 1 > UINT64_MAX - addr)
		return vpf_error(-EINVAL, "model dirty: bad range or page "
				 "size");
	nbits = len / page_size;
	memset(bitmap, 0, (nbits + 63) / 64 * 8);
	if (model_lock_vf(m, vf_id, &vf) != 0)
		return -EINVAL;
	for (i = 0; i < vf->truth_bits; i++) {
		uint64_t gpa, b;

		if (vf->truth[i / 64] == 0) {
			i |= 63;
			continue;
		}
		if (!(vf->truth[i / 64] & (1ull << (i % 64))))
			continue;
		gpa = i * MODEL_GUEST_PAGE;
		if (gpa < addr || gpa - addr >= len)
			continue;
		b = (gpa - addr) / page_size;
		if (!(bitmap[b / 64] & (1ull << (b % 64)))) {
			bitmap[b / 64] |= 1ull << (b % 64);
			cnt++;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (pages != NULL)
		*pages = cnt;
	return 0;
}

int
vpf_model_wr_recording(struct vpf_model *m, uint16_t vf_id, bool *on)
{
	struct model_vf *vf;
	int rc;

	if (m == NULL || on == NULL)
		return -EINVAL;
	rc = model_lock_vf(m, vf_id, &vf);
	if (rc != 0)
		return rc;
	*on = vf->wr_on;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int
vpf_model_dirty_count(struct vpf_model *m, uint16_t vf_id, uint64_t *pages)
{
	struct model_vf *vf;
	uint64_t i, cnt = 0;
	int rc;

	if (m == NULL || pages == NULL)
		return -EINVAL;
	rc = model_lock_vf(m, vf_id, &vf);
	if (rc != 0)
		return rc;
	for (i = 0; i < (vf->truth_bits + 63) / 64; i++)
		cnt += (uint64_t)__builtin_popcountll(vf->truth[i]);
	pthread_mutex_unlock(&m->lock);
	*pages = cnt;
	return 0;
}
