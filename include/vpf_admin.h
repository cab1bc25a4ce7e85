/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_ADMIN_H
#define VPF_ADMIN_H

/**
 * @file
 * The admin command API of an attached PF (vpf_pf.h): the asynchronous
 * engine (submit, kick, poll, exec), request builders, the typed
 * synchronous commands of the migration and write-recording sets
 * (doc/protocol.md §4, §6) and per-VF statistics. The wire formats are in
 * vpf_spec.h.
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
 * Admin command engine (asynchronous)
 * ========================================================================= */

struct vpf_pf;
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
 * Queue @p cmd. The doorbell is rung once per batch: by vpf_admin_kick(), at
 * the end of the vpf_admin_poll() whose completion callback submitted it, or
 * by the next vpf_admin_poll(); and at once when 16 commands wait for it, so
 * that the device starts on a long batch while the rest is queued. No
 * allocation.
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

/**
 * vpf_admin_poll() that reads at most @p max completions from the used
 * ring (0: no limit, as vpf_admin_poll()); the rest wait for the next
 * call, so that one call's time is bounded. A call that read @p max
 * completions leaves the deadline and stall checks to a later call that
 * drains the ring (an answer not read yet never times out). A queue
 * recovery (a deadline passed, the device needs a reset) fails every
 * command on the ring at once: their callbacks all run in the call that
 * recovered, whatever @p max.
 * @return as vpf_admin_poll().
 */
VPF_API int vpf_admin_poll_burst(struct vpf_pf *pf, unsigned int max);

/** Recovery attempts without an answered command in between before the PF
 *  is failed (see vpf_admin_poll()). */
#define VPF_ADMIN_RECOVERY_MAX	3

/** Submit and poll until @p cmd completes (waiting for a free slot first if
 *  asynchronous commands hold all of them). @c done is called as usual.
 *  @return cmd->rc (also set on a submit failure). */
VPF_API int vpf_admin_exec(struct vpf_pf *pf, struct vpf_admin_cmd *cmd);

/** Commands outstanding now (on the queue or waiting for a retry). */
VPF_API uint32_t vpf_admin_inflight(const struct vpf_pf *pf);

/**
 * The device's concurrency on @p pf as its completions show it. A burst is
 * the commands posted from an empty ring until it is empty again; in it,
 * a command of the first command's opcode answered about when the first
 * was (within a quarter of the first one's latency, and within 1.5 times
 * it of its own doorbell) was served together with the commands that were
 * on the ring ahead of it. A burst in which a command also waited behind
 * that many (the queue was full) counts; the estimate is the median of
 * the last three such counts (the larger of two) (doc/protocol.md,
 * D-DRV.32). An estimate, never a promise: it sizes the migration job's
 * stop window (vpf_mig_opts::stop_window). Kept across queue recoveries.
 *
 * @return the estimate; 0 for a NULL @p pf or while no burst has shown the
 *   queue full (too few commands at once to tell).
 */
VPF_API uint32_t vpf_admin_concurrency(const struct vpf_pf *pf);

/** Largest data or result of one command on @p pf, in bytes: the
 *  vpf_pf_params::max_chunk it was attached with (a multiple of 8). Chunked
 *  transfers (context reads and writes, write records) size their chunks
 *  from it. 0 for a NULL @p pf. */
VPF_API uint32_t vpf_admin_max_chunk(const struct vpf_pf *pf);

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

/* ===========================================================================
 * The virtio 1.4 device-parts dialect (doc/protocol.md §10, §10.7;
 * doc/driver.md "The 1.4 dialect"; decisions D-DRV14.*)
 *
 * On a PF whose dialect is VPF_DIALECT_V14_PARTS (vpf_pf_info::dialect)
 * opcodes 0x7 and up mean what the 1.4 specification says: the draft's
 * typed calls above return -ENOTSUP there, and the calls below return
 * -ENOTSUP on a draft PF. Capabilities were negotiated at attach (and again
 * after every device re-initialisation); the object limits are in
 * vpf_pf_info.
 * ========================================================================= */

/** 1.4 opcodes (same numbers as some draft opcodes, other meanings). */
#define VPF_ADMIN_V14_OP_CAP_ID_LIST_QUERY	0x07	/**< self group */
#define VPF_ADMIN_V14_OP_DEVICE_CAP_GET		0x08	/**< self group */
#define VPF_ADMIN_V14_OP_DRIVER_CAP_SET		0x09	/**< self group */
#define VPF_ADMIN_V14_OP_RESOURCE_OBJ_CREATE	0x0a
#define VPF_ADMIN_V14_OP_RESOURCE_OBJ_MODIFY	0x0b	/**< never sent */
#define VPF_ADMIN_V14_OP_RESOURCE_OBJ_QUERY	0x0c	/**< never sent */
#define VPF_ADMIN_V14_OP_RESOURCE_OBJ_DESTROY	0x0d
#define VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET	0x0e
#define VPF_ADMIN_V14_OP_DEV_PARTS_GET		0x0f
#define VPF_ADMIN_V14_OP_DEV_PARTS_SET		0x10
#define VPF_ADMIN_V14_OP_DEV_MODE_SET		0x11
/** The SR-IOV group opcodes vpf needs from a 1.4 device (D-DRV14.3). */
#define VPF_ADMIN_V14_OPS_PARTS \
	(VPF_ADMIN_OP_BIT(0x0a) | VPF_ADMIN_OP_BIT(0x0d) | \
	 VPF_ADMIN_OP_BIT(0x0e) | VPF_ADMIN_OP_BIT(0x0f) | \
	 VPF_ADMIN_OP_BIT(0x10) | VPF_ADMIN_OP_BIT(0x11))
/** The self group's capability opcodes. */
#define VPF_ADMIN_V14_OPS_CAP \
	(VPF_ADMIN_OP_BIT(0x07) | VPF_ADMIN_OP_BIT(0x08) | \
	 VPF_ADMIN_OP_BIT(0x09))
/** Status EEXIST (the 1.4 text names it without a number: D-DRV14.7). */
#define VPF_ADMIN_V14_STATUS_EEXIST		17
/** Capability id of VIRTIO_DEV_PARTS_CAP (data: u8 get_limit, u8 set_limit). */
#define VPF_ADMIN_V14_CAP_DEV_PARTS		0x0000
/** DEV_MODE_SET flag: stopped. */
#define VPF_ADMIN_V14_MODE_STOPPED		(1u << 0)
/** How often a PARTS_GET that failed ENOMEM (the state grew after SIZE) is
 *  sized and sent again before the read fails (D-DRV14.9). */
#define VPF_ADMIN_V14_ENOMEM_RETRIES		4

/** Name of a 1.4 opcode ("DEV_PARTS_GET", ...). Never NULL. */
VPF_API const char *vpf_admin_v14_opcode_name(uint16_t opcode);

/** A device-parts object of one VF, as the driver's allocator sees it. */
struct vpf_admin_v14_obj {
	uint32_t id;		/**< 0 .. get_limit + set_limit - 1 */
	uint16_t vf;		/**< the VF that created it */
	uint8_t kind;		/**< VPF_PARTS_OBJ_GET or VPF_PARTS_OBJ_SET */
	uint8_t valid;		/**< 1 while the handle names an id */
	uint32_t gen;		/**< device generation (a reset destroys all) */
};

/**
 * RESOURCE_OBJ_CREATE of a device-parts object of @p kind for VF @p vf:
 * an id is taken from the PF's allocator (one id space for both kinds,
 * live objects counted per kind against the negotiated limits, D-DRV14.5)
 * and created on the device. On any failure the id is given back (or kept
 * out of use when the device may hold it, D-DRV14.6, D-DRV14.8).
 * @return 0; -ENOSPC no id left for that kind (nothing sent); -EIO the
 *   device answered EEXIST for an id the driver never gave out; the errno
 *   of a device status; -ENOTSUP on a draft PF.
 */
VPF_API int vpf_admin_v14_obj_create(struct vpf_pf *pf, uint16_t vf,
				     uint8_t kind,
				     struct vpf_admin_v14_obj *obj);
/**
 * RESOURCE_OBJ_DESTROY. An object of an earlier device generation (the
 * device was reset since: it holds no objects) is released without a
 * command. ENXIO from the device counts as destroyed. @p obj is invalid
 * afterwards whatever the outcome; an id whose destruction failed stays out
 * of use until the device is next reset (D-DRV14.8).
 */
VPF_API int vpf_admin_v14_obj_destroy(struct vpf_pf *pf,
				      struct vpf_admin_v14_obj *obj);
/** Ids in use on @p pf now, GET and SET objects, and ids kept out of use;
 *  any pointer may be NULL. @return 0 or -EINVAL / -ENOTSUP. */
VPF_API int vpf_admin_v14_obj_usage(const struct vpf_pf *pf, uint32_t *get,
				    uint32_t *set, uint32_t *quarantined);
/** Copy up to @p max live objects into @p out; @return how many there are
 *  in all (may exceed @p max), or a negative errno. */
VPF_API int vpf_admin_v14_obj_list(const struct vpf_pf *pf,
				   struct vpf_admin_v14_obj *out, uint32_t max);

/** DEV_PARTS_METADATA_GET SIZE (a GET object): the largest total size of
 *  all the VF's parts now. */
VPF_API int vpf_admin_v14_meta_size(struct vpf_pf *pf,
				    const struct vpf_admin_v14_obj *obj,
				    uint32_t *size);
/** DEV_PARTS_METADATA_GET COUNT. */
VPF_API int vpf_admin_v14_meta_count(struct vpf_pf *pf,
				     const struct vpf_admin_v14_obj *obj,
				     uint32_t *count);
/**
 * DEV_PARTS_METADATA_GET LIST into @p buf (@p cap bytes, at most
 * max_chunk): `le32 count; le32 reserved;` then count part headers,
 * checked with vpf_parts_meta_list_check() before it is handed up. COUNT is
 * asked first to size the result; ENOMEM (more parts since) is retried as
 * PARTS_GET's (D-DRV14.9). @p len receives the result's length.
 */
VPF_API int vpf_admin_v14_meta_list(struct vpf_pf *pf,
				    const struct vpf_admin_v14_obj *obj,
				    void *buf, uint32_t cap, uint32_t *count,
				    uint32_t *len);
/**
 * DEV_PARTS_GET ALL with a GET object: METADATA_GET SIZE, then PARTS_GET
 * with a result buffer of that size (rounded up to 8); on ENOMEM SIZE is
 * asked again and the read repeated, at most
 * VPF_ADMIN_V14_ENOMEM_RETRIES times (D-DRV14.9). The result is validated
 * (vpf_parts_validate(), VPF_PARTS_F_CARRY) before it is handed up.
 * @return 0 with @p len set; -ENOSPC SIZE exceeds @p cap or max_chunk
 *   (nothing read); -EIO a result that is not a valid parts set or longer
 *   than SIZE said; -ENOMEM still too small after the retries.
 */
VPF_API int vpf_admin_v14_parts_get(struct vpf_pf *pf,
				    const struct vpf_admin_v14_obj *obj,
				    void *buf, uint32_t cap, uint32_t *len);
/**
 * DEV_PARTS_SET with a SET object: @p parts (@p len bytes) is validated
 * (VPF_PARTS_F_CARRY) and sent after the object header, zero-padded to 8.
 * @return 0; -EBADMSG a malformed set (nothing sent); -EINVAL too large for
 *   max_chunk; the errno of a device status.
 */
VPF_API int vpf_admin_v14_parts_set(struct vpf_pf *pf,
				    const struct vpf_admin_v14_obj *obj,
				    const void *parts, uint32_t len);
/** DEV_MODE_SET: stop (@p stopped) or resume VF @p vf (8-byte data). */
VPF_API int vpf_admin_v14_mode_set(struct vpf_pf *pf, uint16_t vf,
				   bool stopped);

/* ---------------------------------------------------------------------------
 * Capabilities and objects for tools (vpf-cli's `cap` and `parts obj`;
 * D-CLI14.1, D-CLI14.2 in doc/cli.md). Synchronous, self group member 0.
 * ------------------------------------------------------------------------- */

/** Most bytes of one capability's data vpf reads or writes. */
#define VPF_ADMIN_V14_CAP_DATA_MAX	64u

/**
 * CAP_ID_LIST_QUERY: the capability ids the device supports, as a bitmap
 * of ids 0..63 (bit n: id n) in @p ids.
 * @return 0; -ENOTSUP on a draft PF; -EIO a result under 8 bytes; the
 *   errno of a device status.
 */
VPF_API int vpf_admin_v14_cap_list(struct vpf_pf *pf, uint64_t *ids);

/**
 * DEVICE_CAP_GET of capability @p id: what the device offers. The result
 * (at most VPF_ADMIN_V14_CAP_DATA_MAX bytes are posted) is copied to
 * @p buf, at most @p cap bytes; @p len receives the bytes the device wrote.
 * @return 0; -ENOSPC the device wrote more than @p cap (the first @p cap
 *   bytes copied); -EIO a device-parts result under 2 bytes; -ENOTSUP on
 *   a draft PF; the errno of a device status (ENXIO: unknown id).
 */
VPF_API int vpf_admin_v14_cap_get(struct vpf_pf *pf, uint16_t id, void *buf,
				  uint32_t cap, uint32_t *len);

/**
 * DRIVER_CAP_SET of capability @p id to @p len bytes of @p val (at most
 * VPF_ADMIN_V14_CAP_DATA_MAX; sent after the 8-byte id header, padded
 * with zeros to a multiple of 8). For the device-parts capability
 * (VPF_ADMIN_V14_CAP_DEV_PARTS: `u8 get_limit; u8 set_limit`, exactly 2
 * bytes) it is refused with -EBUSY while any object is live or any id
 * blocked, and once the device took it the allocator uses the new limits
 * (its ids are 0 .. get + set - 1 of them) until the next negotiation: a
 * device reset or re-initialisation takes the device's limits again
 * (D-CLI14.2).
 * @return 0; -EINVAL bad length; -EBUSY; -ENOTSUP on a draft PF; the errno
 *   of a device status (the device refuses limits above its own).
 */
VPF_API int vpf_admin_v14_cap_set(struct vpf_pf *pf, uint16_t id,
				  const void *val, uint32_t len);

/**
 * As vpf_admin_v14_obj_create(), at id @p id chosen by the caller instead
 * of the allocator's next (D-CLI14.1).
 * @return 0; -EINVAL @p id outside 0 .. get + set - 1; -EEXIST @p id is a
 *   live object (nothing sent); -EBUSY @p id is blocked until the next
 *   device reset; -ENOSPC no object of @p kind left; as
 *   vpf_admin_v14_obj_create() otherwise.
 */
VPF_API int vpf_admin_v14_obj_create_id(struct vpf_pf *pf, uint16_t vf,
					uint8_t kind, uint32_t id,
					struct vpf_admin_v14_obj *obj);

/** Request builder for DEV_MODE_SET (asynchronous use). */
VPF_API void vpf_admin_v14_prep_mode_set(struct vpf_admin_cmd *c, uint16_t vf,
					 bool stopped);

/* ---------------------------------------------------------------------------
 * Single commands for callers that pipeline them themselves (a migration
 * job keeping an object across rounds). Each builder fills @p c (its
 * callback and arg left as they are); submit with vpf_admin_submit(). The
 * *_done() calls keep the allocator right and must see every CREATE's and
 * DESTROY's completion rc; on an unknown outcome they keep the object
 * (destroy it), as vpf_admin_v14_xfer does (D-DRV14.6).
 * ------------------------------------------------------------------------- */

/** Take an id for a @p kind object of VF @p vf (no command). -ENOSPC when
 *  the kind is used up; release it with vpf_admin_v14_obj_destroy_done()
 *  (rc 0) if it is never created. */
VPF_API int vpf_admin_v14_obj_alloc(struct vpf_pf *pf, uint16_t vf,
				    uint8_t kind,
				    struct vpf_admin_v14_obj *obj);
/** RESOURCE_OBJ_CREATE of @p obj (24 bytes, in c->inline_data). */
VPF_API void vpf_admin_v14_prep_obj_create(struct vpf_admin_cmd *c,
					   const struct vpf_admin_v14_obj *obj);
/** Account the CREATE's completion @p rc: returns what to report (EEXIST
 *  becomes -EIO, D-DRV14.7). When it returns < 0 and obj->valid is still
 *  1, the object may exist: destroy it. */
VPF_API int vpf_admin_v14_obj_create_done(struct vpf_pf *pf,
					  struct vpf_admin_v14_obj *obj,
					  int rc);
/** RESOURCE_OBJ_DESTROY of @p obj (in c->inline_data). */
VPF_API void vpf_admin_v14_prep_obj_destroy(struct vpf_admin_cmd *c,
					    const struct vpf_admin_v14_obj *obj);
/** Account the DESTROY's completion @p rc (ENXIO counts as destroyed; an
 *  object of an earlier device generation is released whatever @p rc). */
VPF_API int vpf_admin_v14_obj_destroy_done(struct vpf_pf *pf,
					   struct vpf_admin_v14_obj *obj,
					   int rc);
/** Whether @p obj names a live object of the device's current generation
 *  (false after a device reset: nothing to destroy). */
VPF_API bool vpf_admin_v14_obj_live(const struct vpf_pf *pf,
				    const struct vpf_admin_v14_obj *obj);
/** DEV_PARTS_METADATA_GET of @p type (VPF_PARTS_META_*) into @p res of
 *  @p res_len bytes (8 for SIZE and COUNT). */
VPF_API void vpf_admin_v14_prep_meta_get(struct vpf_admin_cmd *c,
					 const struct vpf_admin_v14_obj *obj,
					 uint8_t type, void *res,
					 uint32_t res_len);
/** DEV_PARTS_GET ALL into @p buf of @p len bytes (size it from SIZE,
 *  rounded up to 8). Check the result with vpf_admin_v14_parts_check()
 *  before use; ENOMEM means: SIZE again (D-DRV14.9). */
VPF_API void vpf_admin_v14_prep_parts_get_all(struct vpf_admin_cmd *c,
					      const struct vpf_admin_v14_obj *obj,
					      void *buf, uint32_t len);
/** Validate a PARTS_GET result of VF @p vf (@p len = min(result_written,
 *  result_len)): 0, or -EIO with the malformation in vpf_last_error(). */
VPF_API int vpf_admin_v14_parts_check(struct vpf_pf *pf, uint16_t vf,
				      const void *buf, uint32_t len);
/** Build DEV_PARTS_SET data for @p obj into @p out (@p cap bytes): the
 *  object header, @p parts validated, zero padding to 8; @p dlen receives
 *  its length. -EBADMSG malformed, -EINVAL too large. */
VPF_API int vpf_admin_v14_parts_set_build(struct vpf_pf *pf,
					  const struct vpf_admin_v14_obj *obj,
					  const void *parts, uint32_t len,
					  void *out, size_t cap,
					  uint32_t *dlen);
/** DEV_PARTS_SET with @p data built by vpf_admin_v14_parts_set_build()
 *  (it must stay valid while the command is in flight). */
VPF_API void vpf_admin_v14_prep_parts_set(struct vpf_admin_cmd *c,
					  const struct vpf_admin_v14_obj *obj,
					  const void *data, uint32_t dlen);

/* ---------------------------------------------------------------------------
 * Pipelined parts transfers: one object's whole life per VF, many VFs at once
 * ------------------------------------------------------------------------- */

/** What a transfer does. */
enum vpf_admin_v14_xfer_kind {
	VPF_ADMIN_V14_XFER_GET = 0,	/**< CREATE(GET), SIZE, PARTS_GET ALL,
					 *   DESTROY */
	VPF_ADMIN_V14_XFER_SET = 1,	/**< CREATE(SET), PARTS_SET, DESTROY */
};

/**
 * One VF's parts transfer, driven by completion callbacks through the
 * engine (EAGAIN retries, deadlines and recovery included), so that the
 * transfers of many VFs are in flight together. The object it creates is
 * destroyed on every path: success, device error, a malformed result,
 * vpf_admin_v14_xfer_cancel(), a command cancelled by queue recovery (the
 * device may still hold it) ; after a device reset (vpf_pf_reset(),
 * re-initialisation) nothing is left to destroy (D-DRV14.10).
 *
 * Fill the request part, vpf_admin_v14_xfer_start() it, then call
 * vpf_admin_v14_xfer_poll() until it says all are done (or use
 * vpf_admin_v14_xfer_run()). Members after @c rc are private.
 */
struct vpf_admin_v14_xfer {
	/* request */
	uint16_t vf;
	uint8_t kind;			/**< enum vpf_admin_v14_xfer_kind */
	void *buf;			/**< GET: where the parts go */
	uint32_t cap;			/**< GET: bytes at @c buf */
	const void *parts;		/**< SET: the parts set */
	uint32_t parts_len;		/**< SET: its length */
	/* result */
	uint32_t len;			/**< GET: bytes of parts read */
	int rc;				/**< 0 or negative errno, final when
					 *   vpf_admin_v14_xfer_done() */
	/* private */
	struct vpf_admin_cmd cmd;
	struct vpf_admin_v14_obj obj;
	struct vpf_pf *pf;
	uint32_t size;
	uint8_t state;
	uint8_t enomem_left;
	uint8_t destroy_left;
	uint8_t cancel;
	uint8_t pending;		/* submit refused for now: retry */
	uint8_t meta[8];
	uint8_t *setbuf;		/* SET: object header + parts + pad */
	uint32_t setlen;
};

/** Start @p x on @p pf (queues its first command; no allocation except a
 *  SET transfer's command buffer). @return 0 or a negative errno (then
 *  @p x is done with that rc and nothing was sent). */
VPF_API int vpf_admin_v14_xfer_start(struct vpf_pf *pf,
				     struct vpf_admin_v14_xfer *x);
/** Ask @p x to stop: its next step is the destruction of its object (a
 *  command in flight completes first). */
VPF_API void vpf_admin_v14_xfer_cancel(struct vpf_admin_v14_xfer *x);
/** True once @p x finished (its object destroyed or never created). */
VPF_API bool vpf_admin_v14_xfer_done(const struct vpf_admin_v14_xfer *x);
/**
 * Poll @p pf once and resubmit the steps of @p xs that the engine refused
 * for lack of a slot or buffer. @return how many of the @p n transfers are
 * not done yet, or a negative errno (the PF is unusable: every transfer
 * is then finished with it).
 */
VPF_API int vpf_admin_v14_xfer_poll(struct vpf_pf *pf,
				    struct vpf_admin_v14_xfer *xs, uint32_t n);
/** Start the @p n transfers and poll until all are done. @return 0 when
 *  all succeeded, else the rc of the first that failed. */
VPF_API int vpf_admin_v14_xfer_run(struct vpf_pf *pf,
				   struct vpf_admin_v14_xfer *xs, uint32_t n);
/** Release what a finished SET transfer allocated. */
VPF_API void vpf_admin_v14_xfer_fini(struct vpf_admin_v14_xfer *x);

#ifdef __cplusplus
}
#endif

#endif /* VPF_ADMIN_H */
