/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * PF attach / detach: virtio-pci bring-up of an SR-IOV PF with an admin
 * virtqueue (doc/protocol.md §3), then the admin engine and command list
 * negotiation (§2).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_pf.h"
#include "vpf_virtio.h"
#include "pf/pf_internal.h"

void
vpf_pf_params_init(struct vpf_pf_params *p)
{
	memset(p, 0, sizeof(*p));
	p->name = "pf";
	p->admin_queue_size = 0;
	p->cmd_timeout_us = 1000000;
	p->reset_timeout_us = 1000000;
	p->retry_max = 16;
	p->retry_backoff_us = 10;
	p->max_chunk = 64 * 1024;
}

/* Features the owner driver needs, and those it takes when offered
 * (doc/protocol.md §3.3; transport bits only, D-DRV.19). */
#define PF_REQUIRED	(VPF_FEATURE(VPF_F_VERSION_1) | VPF_FEATURE(VPF_F_ADMIN_VQ))
#define PF_OPTIONAL	(VPF_FEATURE(VPF_F_SR_IOV) | \
			 VPF_FEATURE(VPF_F_ACCESS_PLATFORM) | \
			 VPF_FEATURE(VPF_F_RING_RESET))

int
vpf_pf_device_init(struct vpf_pf *pf, bool first)
{
	struct vpf_virtio_dev *vd = &pf->vd;
	uint32_t tmo = pf->params.reset_timeout_us;
	uint64_t idx, num;
	int rc;

	rc = vpf_virtio_reset(vd, tmo);
	if (rc < 0)
		return rc;
	rc = vpf_virtio_status_add(vd, VPF_STATUS_ACKNOWLEDGE);
	if (rc == 0)
		rc = vpf_virtio_status_add(vd, VPF_STATUS_DRIVER);
	if (rc < 0)
		return rc;
	rc = vpf_virtio_negotiate(vd, PF_REQUIRED, PF_OPTIONAL);
	if (rc < 0)
		return rc;
	if (!first && vd->driver_features != pf->want_features)
		return vpf_error(-EIO, "device features changed across re-initialisation (0x%" PRIx64
				 " now, 0x%" PRIx64 " before)",
				 vd->driver_features, pf->want_features);
	pf->want_features = vd->driver_features;

	/* With ADMIN_VQ the admin queue fields must be there
	 * (doc/protocol.md §3.5). */
	rc = vpf_virtio_common_check(vd, VPF_COMMON_CFG_LEN);
	if (rc < 0)
		return vpf_error(rc, "common cfg is %" PRIu64
				 " bytes, VIRTIO_F_ADMIN_VQ needs %u",
				 vd->common.length, VPF_COMMON_CFG_LEN);
	rc = vpf_virtio_common_read(vd, VPF_COMMON_ADM_Q_IDX, 2, &idx);
	if (rc == 0)
		rc = vpf_virtio_common_read(vd, VPF_COMMON_ADM_Q_NUM, 2, &num);
	if (rc < 0)
		return rc;
	if ((num & 0xffff) == 0)
		return vpf_error(-ENOTSUP, "device has no admin queue (admin_queue_num is 0)");
	if ((num & 0xffff) == 0xffff && (idx & 0xffff) == 0xffff) {
		uint8_t st;

		rc = vpf_virtio_status_get(vd, &st);
		if (rc < 0)
			return rc;
	}
	if (first) {
		uint16_t want = pf->params.admin_queue_size;

		if (want == 0)
			want = VPF_ADMIN_QUEUE_SIZE_DEFAULT;
		pf->aq_index = (uint16_t)idx;
		rc = vpf_virtio_queue_setup(vd, &pf->aq, pf->aq_index, want);
		if (rc < 0)
			return rc;
		pf->aq_created = true;
		pf->aq_size = pf->aq.size;
		if (pf->aq.size < 2)
			return vpf_error(-ENOTSUP, "admin queue has %u entries, need at least 2",
					 pf->aq.size);
	} else {
		if ((uint16_t)idx != pf->aq_index)
			return vpf_error(-EIO, "admin queue index moved from %u to %u across re-initialisation",
					 pf->aq_index, (unsigned int)(idx & 0xffff));
		vpf_vq_reinit(&pf->aq);
		rc = vpf_virtio_queue_program(vd, &pf->aq);
		if (rc < 0)
			return rc;
	}
	return vpf_virtio_driver_ok(vd);
}

/*
 * A common cfg shorter than 64 bytes has no admin queue fields
 * (doc/protocol.md §3.5: the length rule applies with ADMIN_VQ negotiated). Name the more
 * fundamental reason first: a device that does not offer ADMIN_VQ at all
 * (every virtio 1.0-1.2 device has a 0x38-byte common cfg) is refused for
 * that, one that offers it with a short common cfg for the length. Reading
 * device_feature needs no reset, so a refused device is left untouched.
 */
static int
pf_precheck_common(struct vpf_pf *pf)
{
	uint64_t hi = 0;
	int rc;

	if (vpf_virtio_common_check(&pf->vd, VPF_COMMON_CFG_LEN) == 0)
		return 0;
	rc = vpf_virtio_common_write(&pf->vd, VPF_COMMON_DFSELECT, 4, 1);
	if (rc == 0)
		rc = vpf_virtio_common_read(&pf->vd, VPF_COMMON_DF, 4, &hi);
	if (rc < 0)
		return rc;
	if (!(hi & (UINT64_C(1) << (VPF_F_ADMIN_VQ - 32))))
		return vpf_error(-ENOTSUP, "device does not offer VIRTIO_F_ADMIN_VQ");
	return vpf_error(-ENOTSUP, "common cfg is %" PRIu64
			 " bytes, VIRTIO_F_ADMIN_VQ needs %u",
			 pf->vd.common.length, VPF_COMMON_CFG_LEN);
}

struct vpf_pf *
vpf_pf_attach(const struct vpf_pf_ops *ops, void *dev,
	      const struct vpf_pf_params *p)
{
	struct vpf_pf_params defp;
	struct vpf_pf *pf;
	int rc;

	if (p == NULL) {
		vpf_pf_params_init(&defp);
		p = &defp;
	}
	/* The smallest chunk still carries the driver's own LIST_QUERY
	 * result (64 bytes: opcodes 0..511). */
	if (p->max_chunk < VPF_PF_MAX_CHUNK_MIN || p->max_chunk % VPF_ADMIN_ALIGN ||
	    p->max_chunk > VPF_PF_MAX_CHUNK_MAX) {
		vpf_error(-EINVAL, "max_chunk %u is not a multiple of 8 in 64 bytes..16 MiB",
			  p->max_chunk);
		errno = EINVAL;
		return NULL;
	}
	pf = calloc(1, sizeof(*pf));
	if (pf == NULL) {
		vpf_error(-ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	pf->params = *p;
	snprintf(pf->name, sizeof(pf->name), "%s", p->name ? p->name : "pf");
	pf->params.name = pf->name;
	if (pf->params.cmd_timeout_us == 0)
		pf->params.cmd_timeout_us = 1000000;
	if (pf->params.reset_timeout_us == 0)
		pf->params.reset_timeout_us = 1000000;
	if (pf->params.retry_backoff_us == 0)
		pf->params.retry_backoff_us = 1;

	rc = vpf_virtio_probe(&pf->vd, ops, dev);
	if (rc < 0)
		goto fail;
	if (pf->vd.vendor_id != VPF_VIRTIO_PCI_VENDOR)
		PF_LOG(WARNING, pf, "vendor id 0x%04x is not virtio's", pf->vd.vendor_id);
	/* Say early, before any reset, why an old device cannot work. */
	rc = pf_precheck_common(pf);
	if (rc < 0)
		goto fail;
	rc = vpf_pf_device_init(pf, true);
	if (rc < 0)
		goto fail_reset;
	pf->num_vfs = pf->vd.sriov.vf_enabled ? pf->vd.sriov.num_vfs : 0;
	if (pf->vd.sriov.pos == 0)
		PF_LOG(WARNING, pf, "no SR-IOV capability: no VF can be addressed");
	else if (pf->num_vfs == 0)
		PF_LOG(WARNING, pf, "SR-IOV VFs not enabled (NumVFs %u, VF Enable %d)",
		       pf->vd.sriov.num_vfs, pf->vd.sriov.vf_enabled);
	rc = vpf_admin_engine_init(pf);
	if (rc < 0)
		goto fail_reset;
	rc = vpf_admin_negotiate(pf);
	if (rc < 0)
		goto fail_reset;
	PF_LOG(INFO, pf, "attached: %u VFs, admin queue %u (%u entries), features 0x%" PRIx64,
	       pf->num_vfs, pf->aq_index, pf->aq_size, pf->vd.driver_features);
	return pf;

fail_reset:
	if (!pf->vd.gone && pf->vd.common.present) {
		/* Leave the device quiet before its rings go away; a device
		 * that will not reset is left alone (and reported). */
		char keep[512];

		snprintf(keep, sizeof(keep), "%s", vpf_last_error());
		vpf_virtio_reset(&pf->vd, pf->params.reset_timeout_us);
		vpf_error(rc, "%s", keep);
	}
fail:
	vpf_admin_engine_fini(pf);
	if (pf->aq_created)
		vpf_vq_destroy(&pf->aq);
	free(pf);
	errno = -rc;
	return NULL;
}

void
vpf_pf_detach(struct vpf_pf *pf)
{
	if (pf == NULL)
		return;
	if (pf->cb_depth != 0) {
		/* Freeing the PF under the poll that runs the callback would
		 * be a use after free: refused, the PF stays attached. */
		PF_LOG(ERR, pf, "vpf_pf_detach() from a completion callback: refused");
		vpf_error(-EDEADLK, "PF %s: vpf_pf_detach() from a completion callback",
			  pf->name);
		return;
	}
	if (!pf->gone && !pf->vd.gone)
		vpf_virtio_reset(&pf->vd, pf->params.reset_timeout_us);
	/* The commands in flight complete now with -ECANCELED; a callback
	 * that submits again is refused (-ENODEV) instead of posting a
	 * command on a ring that is about to be freed, where it would never
	 * complete. */
	pf->detaching = true;
	vpf_admin_fail_all(pf, -ECANCELED);
	vpf_admin_engine_fini(pf);
	if (pf->aq_created)
		vpf_vq_destroy(&pf->aq);
	PF_LOG(INFO, pf, "detached");
	free(pf);
}

int
vpf_pf_reset(struct vpf_pf *pf)
{
	if (pf == NULL)
		return vpf_error(-EINVAL, "no PF");
	if (pf->cb_depth != 0)
		return vpf_error(-EDEADLK, "PF %s: vpf_pf_reset() from a completion callback",
				 pf->name);
	if (pf->gone || pf->vd.gone)
		return vpf_error(-ENODEV, "PF %s: device is gone", pf->name);
	if (pf->dead)
		return vpf_error(-EIO, "PF %s is failed: %s; detach and attach again",
				 pf->name, pf->dead_why);
	return vpf_admin_owner_reset(pf);
}

int
vpf_pf_info_get(const struct vpf_pf *pf, struct vpf_pf_info *info)
{
	if (pf == NULL || info == NULL)
		return vpf_error(-EINVAL, "no PF or no info");
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", pf->name);
	info->backend = pf->vd.ops->name;
	info->vendor_id = pf->vd.vendor_id;
	info->device_id = pf->vd.device_id;
	info->device_features = pf->vd.device_features;
	info->driver_features = pf->vd.driver_features;
	info->total_vfs = pf->vd.sriov.total_vfs;
	info->num_vfs = pf->num_vfs;
	info->vf_offset = pf->vd.sriov.vf_offset;
	info->vf_stride = pf->vd.sriov.vf_stride;
	info->vf_enabled = pf->vd.sriov.vf_enabled;
	info->admin_queue_index = pf->aq_index;
	info->admin_queue_size = pf->aq_size;
	info->cmds_supported = pf->cmds_supported;
	info->cmds_enabled = pf->cmds_enabled;
	info->dialect = pf->dialect;
	info->has_fields_query = pf->has_fields_query;
	info->has_write_record = pf->has_write_record;
	info->inflight = pf->inflight;
	info->recoveries = pf->recoveries;
	info->failed = pf->dead;
	if (pf->dialect == VPF_DIALECT_V14_PARTS) {
		info->parts_get_limit = pf->v14.get_limit;
		info->parts_set_limit = pf->v14.set_limit;
		info->parts_get_in_use = (uint16_t)pf->v14.nget;
		info->parts_set_in_use = (uint16_t)pf->v14.nset;
		info->parts_ids_blocked = (uint16_t)pf->v14.nquar;
		info->caps_fallback = pf->v14.caps_no_self_list;
	}
	return 0;
}

const char *
vpf_pf_name(const struct vpf_pf *pf)
{
	return pf != NULL ? pf->name : "";
}

uint16_t
vpf_pf_num_vfs(const struct vpf_pf *pf)
{
	return pf != NULL ? pf->num_vfs : 0;
}

int
vpf_pf_identity(const struct vpf_pf *pf, char *addr, size_t len,
		uint64_t *instance)
{
	uint64_t inst = 0;
	int rc;

	if (pf == NULL || addr == NULL || len == 0)
		return vpf_error(-EINVAL, "pf identity: bad arguments");
	addr[0] = '\0';
	if (pf->vd.ops->identity == NULL)
		return vpf_error(-ENOTSUP, "%s: backend '%s' reports no identity",
				 pf->name, pf->vd.ops->name);
	rc = pf->vd.ops->identity(pf->vd.dev, addr, len, &inst);
	if (rc < 0) {
		addr[0] = '\0';
		return vpf_error(rc, "%s: no identity from backend '%s'",
				 pf->name, pf->vd.ops->name);
	}
	/* The backend's string, bounded whatever it did. */
	addr[len - 1] = '\0';
	if (instance != NULL)
		*instance = inst;
	return 0;
}
