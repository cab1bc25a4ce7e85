/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_PF_H
#define VPF_PF_H

/**
 * @file
 * The PF: the backend contract (ops table and DMA regions), bring-up, the
 * admin command engine and the typed admin commands.
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

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * The backend contract ("the seam", DESIGN.md)
 * ========================================================================= */

/**
 * A DMA-able memory region: CPU address, device address (IOVA) and length.
 * Filled by vpf_pf_ops::dma_alloc; @c cookie belongs to the backend.
 */
struct vpf_dma_region {
	void *va;	/**< CPU virtual address, zeroed on allocation */
	uint64_t iova;	/**< address the device uses for the first byte */
	size_t len;	/**< usable length in bytes */
	void *cookie;	/**< backend-private */
};

/** The device is emulated inside this process (e.g. the software model):
 *  ring accesses need C11 release/acquire fences, not I/O barriers. */
#define VPF_OPS_F_IN_PROCESS	(1u << 0)

/**
 * Operations a backend supplies for one PCI function. The table is const and
 * filled with designated initialisers; @p dev is the backend's own handle.
 *
 * Every op returns 0 or a negative errno:
 * - -EINVAL: width, alignment or arguments not allowed by the op's rules;
 * - -ERANGE: the access falls outside the config space or the BAR;
 * - -ENOENT: the BAR is not implemented;
 * - -ENODEV: the backend knows that the device is gone;
 * - -EIO: the access failed for another reason.
 * A device that disappears may also keep "succeeding" with all-ones data;
 * the core detects that (FACTS.md 3), backends need not.
 */
struct vpf_pf_ops {
	/** Backend name for messages ("model", "vfio"). */
	const char *name;
	/** VPF_OPS_F_* flags. */
	uint32_t flags;

	/** Size of the config space: 256, or 4096 for PCIe extended space. */
	uint32_t (*cfg_size)(void *dev);
	/**
	 * Read @p len bytes (1..cfg_size) of config space at @p off. Any
	 * alignment; the whole range must lie inside the config space.
	 */
	int (*cfg_read)(void *dev, uint32_t off, void *buf, uint32_t len);
	/**
	 * Write 1, 2 or 4 bytes of config space at @p off, naturally aligned
	 * (@p buf holds them little-endian).
	 */
	int (*cfg_write)(void *dev, uint32_t off, const void *buf, uint32_t len);

	/** Size of memory BAR @p bar (0..5) in bytes; -ENOENT if none. */
	int (*bar_size)(void *dev, uint8_t bar, uint64_t *size);
	/**
	 * Read a register of @p width bytes (1, 2, 4 or 8) at @p off of BAR
	 * @p bar, naturally aligned; the value is returned in CPU order.
	 * An 8-byte access may be split by the backend into two 4-byte ones,
	 * low half first (virtio 1.x allows that for 64-bit fields).
	 */
	int (*bar_read)(void *dev, uint8_t bar, uint64_t off,
			unsigned int width, uint64_t *val);
	/** Write a register; same rules as bar_read. Writes take effect in
	 *  program order (a doorbell write follows the ring update). */
	int (*bar_write)(void *dev, uint8_t bar, uint64_t off,
			 unsigned int width, uint64_t val);

	/**
	 * Allocate @p len bytes of zeroed DMA memory aligned to @p align (a
	 * power of two, at most 4096) and map it for the device. @p r is filled
	 * on success. -ENOMEM when there is no memory or no IOVA space.
	 */
	int (*dma_alloc)(void *dev, size_t len, size_t align,
			 struct vpf_dma_region *r);
	/** Unmap and free a region from dma_alloc. @p r->va NULL: no-op. */
	void (*dma_free)(void *dev, struct vpf_dma_region *r);

	/**
	 * Optional (NULL for real hardware): give an in-process device a chance
	 * to make progress, e.g. to complete delayed commands. The admin
	 * engine calls it from its poll function.
	 */
	void (*poll)(void *dev);
};

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
	 *  bytes, multiple of 8 (default 64 KiB). */
	uint32_t max_chunk;
};
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
 * modes and applied state are the device's and survive (doc/protocol.md,
 * owner reset).
 *
 * @return 0; -ENODEV device gone; -EIO the device could not be brought back
 * within VPF_ADMIN_RECOVERY_MAX attempts (the PF is then failed); -EDEADLK
 * from a completion callback.
 */
VPF_API int vpf_pf_reset(struct vpf_pf *pf);

/** Which admin command dialect the device speaks (FACTS.md 7). */
enum vpf_dialect {
	VPF_DIALECT_UNKNOWN = 0,
	VPF_DIALECT_SEED_2023,	/**< this project's: 0x7-0xb and 0xd, no 0xe */
	VPF_DIALECT_V14_PARTS,	/**< virtio 1.4 device parts (refused) */
};

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
};

/** Fill @p info. */
VPF_API int vpf_pf_info_get(const struct vpf_pf *pf, struct vpf_pf_info *info);

/** Name given at attach. */
VPF_API const char *vpf_pf_name(const struct vpf_pf *pf);

/** Number of VFs (NumVFs) — valid member ids are 1..this. */
VPF_API uint16_t vpf_pf_num_vfs(const struct vpf_pf *pf);

/* ===========================================================================
 * Admin command engine (asynchronous)
 * ========================================================================= */

struct vpf_admin_cmd;

/**
 * Completion callback, called from vpf_admin_poll() (also when
 * vpf_admin_exec() or vpf_pf_detach() polls), after the engine has finished
 * with the command: it may be resubmitted, or other commands submitted,
 * from the callback. A callback must not call vpf_admin_poll(),
 * vpf_admin_exec(), a typed synchronous command, vpf_pf_reset() or
 * vpf_pf_detach(): they are refused there with -EDEADLK (detach only logs,
 * it returns nothing), since they would run callbacks inside callbacks
 * without bound or free the engine under the poll that called the callback.
 * A failed vpf_admin_submit() never calls it.
 */
typedef void (*vpf_admin_done_t)(struct vpf_admin_cmd *cmd);

/**
 * One admin command, owned by the caller and left untouched by it while in
 * flight. Fill the request part (the vpf_admin_prep_*() helpers do), submit,
 * and read the completion part in the callback or after vpf_admin_exec().
 *
 * The engine copies @c data into a premapped buffer at submit and the result
 * out of one at completion: the caller's buffers need not be DMA memory.
 *
 * Zero the whole structure (memset) before its first use: the engine keeps
 * its state in @c priv. After completion the same structure may be prepared
 * and submitted again.
 *
 * Completion codes in @c rc: 0; the errno of a device status
 * (vpf_admin_status_errno(), @c status / @c qualifier set); -EIO for a
 * completion the device got wrong (used length, context_len, result size,
 * reserved mode: vpf_last_error() says which), a device that needed a
 * reset, or a PF that recovery gave up on; -ETIMEDOUT for the command whose
 * deadline passed; -ECANCELED for the other commands on the queue when it
 * was recovered and for every outstanding command at vpf_pf_reset() and
 * vpf_pf_detach() (the device may or may not have executed them); -ENODEV
 * when the device is gone.
 *
 * Every byte of a completion is read from DMA memory once: the engine
 * copies status, qualifier, output and result out and checks the copy.
 */
struct vpf_admin_cmd {
	/* request */
	uint16_t opcode;
	uint16_t group_type;		/**< VPF_ADMIN_GROUP_SRIOV normally */
	uint64_t member;		/**< VF number 1..NumVFs */
	const void *data;		/**< command-specific data, or NULL */
	uint32_t data_len;		/**< multiple of 8 (or 0) */
	void *result;			/**< where the result is copied, or NULL */
	uint32_t result_len;		/**< size of @c result; the engine posts
					 *   it rounded up to a multiple of 8 and
					 *   copies at most this many bytes back
					 *   (raw little-endian wire bytes) */
	uint8_t inline_data[32];	/**< small data kept in the command */
	vpf_admin_done_t done;		/**< completion callback, or NULL */
	void *arg;			/**< for the caller */

	/* completion */
	int rc;				/**< 0 or negative errno */
	uint16_t status;		/**< virtio status (if the device answered) */
	uint16_t qualifier;		/**< virtio status qualifier */
	uint32_t output;		/**< command_specific_output, le32 decoded */
	uint32_t result_written;	/**< result bytes: used.len - 8, checked */
	uint32_t retries;		/**< how often it was retried */
	uint64_t latency_ns;		/**< doorbell to completion */

	/* engine-private */
	uint64_t priv[4];
};

/**
 * Queue @p cmd. The doorbell is rung once per batch: by vpf_admin_kick() or
 * by the next vpf_admin_poll(). No allocation.
 *
 * @return 0; -EBUSY when every slot is in use (poll, then retry) or the
 * queue is being recovered; -EINVAL for a request vpf would never send
 * (data not a multiple of 8, a DEV_CTX_READ result not a non-zero multiple
 * of 8, data or result larger than max_chunk, member 0
 * or above NumVFs, the command already in flight); -ENOTSUP for an opcode
 * LIST_USE did not enable ("command X not enabled on this device"); -EPERM
 * for LIST_USE (the driver negotiates the command list itself); -ENODEV
 * when the device is gone or the PF is being detached (a callback run by
 * vpf_pf_detach() cannot resubmit); -EIO when the PF is failed (recovery
 * gave up: vpf_last_error() gives the reason). On error the callback is not
 * called.
 */
VPF_API int vpf_admin_submit(struct vpf_pf *pf, struct vpf_admin_cmd *cmd);

/** Ring the doorbell for commands queued since the last one. */
VPF_API void vpf_admin_kick(struct vpf_pf *pf);

/**
 * Ring the doorbell if needed, reap completions (validating everything the
 * device wrote), handle retries and deadlines, and call callbacks.
 *
 * When the oldest command's deadline has passed, or the device stopped
 * making progress and reports DEVICE_NEEDS_RESET, the queue is recovered
 * inside this call: queue reset (VIRTIO_F_RING_RESET) or device
 * re-initialisation and LIST_QUERY/LIST_USE again, which may take up to
 * a reset timeout plus two command timeouts per attempt. Commands waiting
 * for a retry survive the recovery.
 *
 * A recovery never nests: a fault seen while the recovery's own commands
 * run fails that attempt, and the next attempt re-initialises the device.
 * Attempts are counted until a command is answered; after
 * VPF_ADMIN_RECOVERY_MAX in a row the PF is failed: every waiting and
 * every later command fails with -EIO and vpf_last_error() says why
 * ("PF x is failed: 3 recoveries in a row without a command answered
 * (last: ...); detach and attach again"). Other PFs are not affected.
 *
 * @return number of commands completed (callbacks called), or a negative
 * errno if the PF is unusable (-ENODEV device gone, -EIO PF failed,
 * -EDEADLK called from a completion callback).
 */
VPF_API int vpf_admin_poll(struct vpf_pf *pf);

/** Recovery attempts without an answered command in between before the PF
 *  is failed (see vpf_admin_poll()). */
#define VPF_ADMIN_RECOVERY_MAX	3

/** Submit and poll until @p cmd completes (waiting for a free slot first if
 *  asynchronous commands hold all of them). @c done is called as usual.
 *  @return cmd->rc (also set on a submit failure). */
VPF_API int vpf_admin_exec(struct vpf_pf *pf, struct vpf_admin_cmd *cmd);

/** Commands outstanding now (on the queue or waiting for a retry). */
VPF_API uint32_t vpf_admin_inflight(const struct vpf_pf *pf);

/* Request builders: fill @p c for the command (member @p vf); callback and
 * arg are left as they are. Data that fits is kept in c->inline_data.
 * Results land in the given pointers as raw little-endian wire bytes. */
VPF_API void vpf_admin_prep_mode_get(struct vpf_admin_cmd *c, uint16_t vf,
				     uint8_t *mode);
VPF_API void vpf_admin_prep_mode_set(struct vpf_admin_cmd *c, uint16_t vf,
				     uint8_t mode);
VPF_API void vpf_admin_prep_ctx_size_get(struct vpf_admin_cmd *c, uint16_t vf,
					 bool freeze, uint64_t *size);
VPF_API void vpf_admin_prep_ctx_read(struct vpf_admin_cmd *c, uint16_t vf,
				     void *buf, uint32_t len);
VPF_API void vpf_admin_prep_ctx_write(struct vpf_admin_cmd *c, uint16_t vf,
				      const void *buf, uint32_t len);
VPF_API void vpf_admin_prep_ctx_discard(struct vpf_admin_cmd *c, uint16_t vf);

/* ===========================================================================
 * Typed synchronous commands (per VF member 1..NumVFs)
 *
 * All return 0 or a negative errno. A device error returns the errno of its
 * status (vpf_admin_status_errno()); vpf_admin_last_status() then gives the
 * virtio status and qualifier and vpf_last_error() a sentence naming both.
 * Local refusals (bad chunk size, command not enabled) send nothing.
 * ========================================================================= */

/** Virtio status and qualifier of the last failed command on @p pf. */
VPF_API void vpf_admin_last_status(const struct vpf_pf *pf, uint16_t *status,
				   uint16_t *qualifier);

/** DEV_MODE_GET. */
VPF_API int vpf_admin_mode_get(struct vpf_pf *pf, uint16_t vf, uint8_t *mode);
/** DEV_MODE_SET (mode 0..2; others are refused locally with -EINVAL). */
VPF_API int vpf_admin_mode_set(struct vpf_pf *pf, uint16_t vf, uint8_t mode);
/** DEV_CTX_SIZE_GET: what remains of the current context, or with
 *  @p freeze the estimate for the Freeze context. */
VPF_API int vpf_admin_ctx_size_get(struct vpf_pf *pf, uint16_t vf, bool freeze,
				   uint64_t *size);
/**
 * One DEV_CTX_READ of @p len bytes (multiple of 8, at most max_chunk).
 * @p got receives context_len (checked against len and used.len);
 * *got < len means the context has ended.
 */
VPF_API int vpf_admin_ctx_read_chunk(struct vpf_pf *pf, uint16_t vf, void *buf,
				     uint32_t len, uint32_t *got);
/**
 * Read the rest of the current context in chunks of @p chunk bytes into
 * @p buf of @p cap bytes. @p len receives the bytes read.
 * -ENOSPC if the context does not fit (nothing is lost: the read is left
 * partial; DISCARD restarts it).
 */
VPF_API int vpf_admin_ctx_read(struct vpf_pf *pf, uint16_t vf, uint32_t chunk,
			       void *buf, size_t cap, size_t *len);
/** Largest context vpf_admin_ctx_read_alloc() reads (64 MiB): device
 *  contexts are kilobytes; a device that keeps returning full chunks is
 *  stopped there instead of growing the buffer until memory runs out. */
#define VPF_ADMIN_CTX_ALLOC_MAX	(64u << 20)

/** As vpf_admin_ctx_read(), into a buffer it grows with realloc();
 *  *buf may be NULL initially; free() it. Not for the fast path.
 *  -EFBIG when the context is larger than VPF_ADMIN_CTX_ALLOC_MAX (the
 *  read is left partial, *buf holds the first bytes; DISCARD restarts). */
VPF_API int vpf_admin_ctx_read_alloc(struct vpf_pf *pf, uint16_t vf,
				     uint32_t chunk, void **buf, size_t *len);
/** One DEV_CTX_WRITE chunk (multiple of 8 bytes; pad the last with zeros). */
VPF_API int vpf_admin_ctx_write_chunk(struct vpf_pf *pf, uint16_t vf,
				      const void *buf, uint32_t len);
/** Write a whole context in chunks of @p chunk bytes (multiple of 8); the
 *  last chunk is zero-padded to 8. */
VPF_API int vpf_admin_ctx_write(struct vpf_pf *pf, uint16_t vf, const void *ctx,
				size_t len, uint32_t chunk);
/** DEV_CTX_FIELDS_QUERY into @p out (up to @p max entries); @p n receives
 *  the number the device returned. -ENOTSUP if the device lacks it.
 *  The entries are raw wire entries, little-endian like every
 *  struct of vpf_spec.h: read them with rte_le_to_cpu_16(out[i].type) and
 *  rte_le_to_cpu_64(out[i].length); pass them as they are to
 *  vpf_ctx_compare_fields() / vpf_ctx_field_compat(). */
VPF_API int vpf_admin_ctx_fields_query(struct vpf_pf *pf, uint16_t vf,
				       struct vpf_admin_ctx_field_info *out,
				       uint32_t max, uint32_t *n);
/** DEV_CTX_DISCARD. */
VPF_API int vpf_admin_ctx_discard(struct vpf_pf *pf, uint16_t vf);

/** Write-recording capabilities, decoded. */
struct vpf_wr_cap {
	uint32_t page_size_bitmap;	/**< bit n: 4 KiB << n */
	uint32_t max_ranges;
};

/** DEV_WRITE_RECORD_CAP_QUERY; -ENOTSUP ("dirty tracking unavailable on
 *  this device") when the device lacks write recording. */
VPF_API int vpf_admin_wr_cap_query(struct vpf_pf *pf, uint16_t vf,
				   struct vpf_wr_cap *cap);
/** DEV_WRITE_RECORDS_START over @p n ranges of @p page_size pages. */
VPF_API int vpf_admin_wr_start(struct vpf_pf *pf, uint16_t vf,
			       uint64_t page_size,
			       const struct vpf_admin_wr_range *ranges,
			       uint32_t n);
/** DEV_WRITE_RECORDS_STOP. */
VPF_API int vpf_admin_wr_stop(struct vpf_pf *pf, uint16_t vf);
/**
 * DEV_WRITE_RECORDS_READ over [addr, addr + len), repeated until drained,
 * each record merged into @p bitmap: bit i (u64 words, LSB first) is page
 * addr + i * page_size. Records outside the range are a device error.
 * The READs are bounded: more records in one READ than pages in the range,
 * or still full READs after ceil(pages / records per READ) + 2 of them, is
 * a device error (-EIO) with the records read so far merged.
 * @p records receives how many records were read (may be NULL).
 */
VPF_API int vpf_admin_wr_read(struct vpf_pf *pf, uint16_t vf, uint64_t addr,
			      uint64_t len, uint64_t page_size,
			      uint64_t *bitmap, uint64_t *records);

/* ===========================================================================
 * Statistics
 * ========================================================================= */

/** Counters of one VF, or of the whole PF (vf 0). Updated when a command
 *  completes (successfully or not); LIST_* count for the PF only. */
struct vpf_admin_stats {
	uint64_t cmds[VPF_ADMIN_OP_MAX + 1];	/**< completed, by opcode */
	uint64_t errors_by_status[32];		/**< failed with a device status, by
						 *   status (31 also counts any
						 *   status above 31) */
	uint64_t errors_local;			/**< failed without a device status:
						 *   timeouts, cancelled, device
						 *   protocol errors; for the PF
						 *   also submits refused locally */
	uint64_t retries;			/**< EAGAIN/NORESOURCE/TRYAGAIN */
	uint64_t timeouts;
	uint64_t bytes_read;			/**< context bytes (CTX_READ) */
	uint64_t bytes_written;			/**< context bytes (CTX_WRITE) */
	uint64_t lat_min_ns;			/**< doorbell to completion;
						 *   0 when lat_count is 0 */
	uint64_t lat_max_ns;
	uint64_t lat_sum_ns;			/**< avg = lat_sum_ns / lat_count */
	uint64_t lat_count;			/**< completed commands */
};

/** Counters of VF @p vf (1..NumVFs), or of the whole PF for @p vf 0. */
VPF_API int vpf_admin_stats_get(const struct vpf_pf *pf, uint16_t vf,
				struct vpf_admin_stats *st);
/** Zero all counters of @p pf. */
VPF_API void vpf_admin_stats_reset(struct vpf_pf *pf);

#ifdef __cplusplus
}
#endif

#endif /* VPF_PF_H */
