/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_PF_H
#define VPF_PF_H

/**
 * @file
 * The PF: bring-up of a virtio SR-IOV owner device behind a backend
 * (vpf_backend.h), its parameters, owner reset and what vpf found out about
 * it.
 *
 * For embedders this is also the one header of the owner driver: it
 * includes vpf_backend.h (attach takes a backend's ops table) and
 * vpf_admin.h (the admin commands of an attached PF), so that
 * `#include <vpf_pf.h>` gives the whole API, as it did before those were
 * headers of their own. vpf's own modules include the narrowest header
 * they use: vpf_backend.h (lib/vq, vpf_virtio.h, the backends),
 * vpf_admin.h and vpf_pf.h (lib/mig).
 *
 * Threading: a struct vpf_pf is owned by one thread (poll-mode, run to
 * completion). No function here locks; callers that share a PF between
 * threads serialise around it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_common.h"
#include "vpf_spec.h"
#include "vpf_backend.h"
#include "vpf_admin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * PF attach / detach
 * ========================================================================= */

struct vpf_pf;

/** Attach parameters; initialise with vpf_pf_params_init(). */
struct vpf_pf_params {
	/** Name used in messages and by the CLI ("src"); copied. */
	const char *name;
	/** Admin queue size to program; 0: the device's queue_size, capped at
	 *  VPF_ADMIN_QUEUE_SIZE_DEFAULT. */
	uint16_t admin_queue_size;
	/** Deadline of one admin command, microseconds (default 1 s). */
	uint32_t cmd_timeout_us;
	/** Deadline for device reset and other status polls (default 1 s). */
	uint32_t reset_timeout_us;
	/** How often EAGAIN / NORESOURCE / TRYAGAIN is retried (default 16). */
	uint32_t retry_max;
	/** First retry backoff in microseconds; doubles up to 1 ms (default 10). */
	uint32_t retry_backoff_us;
	/** Largest DEV_CTX_READ/WRITE chunk the engine's premapped buffers take,
	 *  bytes, multiple of 8 from #VPF_PF_MAX_CHUNK_MIN to
	 *  #VPF_PF_MAX_CHUNK_MAX (default 64 KiB). */
	uint32_t max_chunk;
};

/** Smallest vpf_pf_params::max_chunk: the driver's own LIST_QUERY result
 *  (opcodes 0..511) must fit in one buffer. */
#define VPF_PF_MAX_CHUNK_MIN	64u
/** Largest vpf_pf_params::max_chunk (16 MiB). */
#define VPF_PF_MAX_CHUNK_MAX	(1u << 24)
/* Engine sizing (not parameters): admin_queue_size / 2 - 1 command slots
 * (one descriptor pair stays free, so a freed head is not reused at once;
 * 1 slot for a ring of 2) plus one kept for the driver's own LIST_QUERY /
 * LIST_USE, each
 * with 128-byte premapped header+data and status+result buffers; and
 * min(slots, 64) premapped buffers of max_chunk + 64 bytes shared by the
 * commands with larger data or results (context chunks, FIELDS_QUERY,
 * WRITE_RECORDS_READ); submit returns -EBUSY when none is free. */

/** Default admin queue size. */
#define VPF_ADMIN_QUEUE_SIZE_DEFAULT	512

/** Fill @p p with the defaults. */
VPF_API void vpf_pf_params_init(struct vpf_pf_params *p);

/**
 * Bring the PF up through @p ops / @p dev: capability walk, SR-IOV capability,
 * reset, feature negotiation (VERSION_1 and ADMIN_VQ required; SR_IOV,
 * ACCESS_PLATFORM, RING_RESET when offered), admin queue setup, DRIVER_OK,
 * then LIST_QUERY / LIST_USE.
 *
 * @return the PF, or NULL with errno set (ENODEV device gone, ENOTSUP a
 * required feature or command is missing, EIO protocol violation,
 * ETIMEDOUT, ENOMEM) and vpf_last_error() naming the reason, e.g.
 * "device does not offer VIRTIO_F_ADMIN_VQ".
 */
VPF_API struct vpf_pf *vpf_pf_attach(const struct vpf_pf_ops *ops, void *dev,
				     const struct vpf_pf_params *p);

/** Reset the device (status 0), fail all outstanding commands with
 *  -ECANCELED (their callbacks run), free everything. NULL is a no-op. */
VPF_API void vpf_pf_detach(struct vpf_pf *pf);

/**
 * Owner reset: reset the device and bring it back (features, the same admin
 * queue, DRIVER_OK, LIST_QUERY / LIST_USE), as recovery does. A reset device
 * never completes the commands it had, so every outstanding command, on the
 * queue or waiting for a retry, completes now, before this returns, with
 * -ECANCELED (its callback runs once); none waits for its deadline. VF
 * modes and applied state are the device's and survive (doc/protocol.md
 * §4.9, D-4.1 to D-4.4, D-DRV.24).
 *
 * @return 0; -ENODEV device gone; -EIO the device could not be brought back
 * within VPF_ADMIN_RECOVERY_MAX attempts (the PF is then failed); -EDEADLK
 * from a completion callback.
 */
VPF_API int vpf_pf_reset(struct vpf_pf *pf);

/** Which admin command dialect the device speaks (doc/protocol.md §2.3). */
enum vpf_dialect {
	VPF_DIALECT_UNKNOWN = 0,
	VPF_DIALECT_DRAFT_2023,	/**< the Oct 2023 draft vpf speaks: 0x7-0xb
				 *   and 0xd, no 0xe */
	VPF_DIALECT_V14_PARTS,	/**< virtio 1.4 device parts (§10; the
				 *   typed calls are vpf_admin.h's 1.4
				 *   section) */
};
/** Former name of VPF_DIALECT_DRAFT_2023, kept for source compatibility. */
#define VPF_DIALECT_SEED_2023	VPF_DIALECT_DRAFT_2023

/** What vpf found out about a PF. */
struct vpf_pf_info {
	char name[32];
	const char *backend;		/**< ops->name */
	uint16_t vendor_id;
	uint16_t device_id;
	uint64_t device_features;	/**< offered */
	uint64_t driver_features;	/**< negotiated */
	uint16_t total_vfs;
	uint16_t num_vfs;
	uint16_t vf_offset;
	uint16_t vf_stride;
	bool vf_enabled;
	uint16_t admin_queue_index;
	uint16_t admin_queue_size;
	uint64_t cmds_supported;	/**< LIST_QUERY bitmap, opcodes 0..63 */
	uint64_t cmds_enabled;		/**< what LIST_USE enabled */
	enum vpf_dialect dialect;
	bool has_fields_query;
	bool has_write_record;
	uint32_t inflight;		/**< commands outstanding now */
	uint32_t recoveries;		/**< queue resets / re-inits so far */
	bool failed;			/**< recovery gave up: every command
					 *   fails with -EIO (re-attach) */
	/* The 1.4 dialect only (0 / false on a draft PF). */
	uint8_t parts_get_limit;	/**< GET objects at once (negotiated) */
	uint8_t parts_set_limit;	/**< SET objects at once (negotiated) */
	uint16_t parts_get_in_use;	/**< live GET objects now */
	uint16_t parts_set_in_use;	/**< live SET objects now */
	uint16_t parts_ids_blocked;	/**< ids kept out of use until the next
					 *   device reset (D-DRV14.8) */
	bool caps_fallback;		/**< the device refused the self-group
					 *   LIST_QUERY: capability commands
					 *   were sent without a self-group
					 *   LIST_USE (D-DRV14.2) */
};

/** Fill @p info. */
VPF_API int vpf_pf_info_get(const struct vpf_pf *pf, struct vpf_pf_info *info);

/** Name given at attach. */
VPF_API const char *vpf_pf_name(const struct vpf_pf *pf);

/** Number of VFs (NumVFs) — valid member ids are 1..this. */
VPF_API uint16_t vpf_pf_num_vfs(const struct vpf_pf *pf);

/** Longest identity address vpf_pf_identity() gives, NUL included. */
#define VPF_PF_ADDR_LEN		32

/**
 * The PF's identity as its backend reports it (vpf_pf_ops::identity): its
 * address ("dddd:bb:dd.f") into @p addr (@p len bytes, NUL-terminated;
 * VPF_PF_ADDR_LEN is enough) and an instance number into @p instance
 * (may be NULL). The migration journal is keyed by both.
 * @return 0; -ENOTSUP when the backend has no identity; -EINVAL; -ENOSPC
 *   when @p len is too small; the backend's errno.
 */
VPF_API int vpf_pf_identity(const struct vpf_pf *pf, char *addr, size_t len,
			    uint64_t *instance);

#ifdef __cplusplus
}
#endif

#endif /* VPF_PF_H */
