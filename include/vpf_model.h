/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MODEL_H
#define VPF_MODEL_H

/**
 * @file
 * vpf: software virtio PF model (libvpf_model).
 *
 * A strict, deterministic virtio-net SR-IOV PF behind the same backend ops
 * table as real hardware (vpf_model_ops, with the struct vpf_model as the
 * @c dev handle). It enforces every protocol rule of doc/protocol.md (§9
 * names where, with its decisions D-MOD.n in §8.3) and trusts nothing the
 * driver writes. Used by the tests, the CLI demo, vpf-bench and embedders' CI.
 *
 * Threading: by default the model is synchronous: it processes the admin
 * queue inside the doorbell write (bar_write on the notify region) and in
 * vpf_pf_ops::poll. With a timing model (service_time_us > 0 or threaded)
 * a device thread processes commands asynchronously (vpf_pf_ops::poll then
 * publishes the completions whose time has come, without waiting for the
 * model's lock); the functions here are then safe to call from the
 * driver's thread (the model locks itself).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_backend.h"
#include "vpf_common.h"
#include "vpf_pf.h"
#include "vpf_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vpf_model;

/** The backend ops table; pass the struct vpf_model * as @c dev. */
VPF_API extern const struct vpf_pf_ops vpf_model_ops;

/* Capabilities that can be switched off per instance (vpf_model_params::off),
 * so that the driver's refusals can be tested. */
#define VPF_MODEL_OFF_ADMIN_VQ		(1u << 0)  /**< no VIRTIO_F_ADMIN_VQ offered */
#define VPF_MODEL_OFF_ADMIN_QUEUE	(1u << 1)  /**< admin_queue_num reads 0 */
#define VPF_MODEL_OFF_LONG_COMMON_CFG	(1u << 2)  /**< common cfg cap length 0x38 */
#define VPF_MODEL_OFF_CAP_LIST		(1u << 3)  /**< capability list loops */
#define VPF_MODEL_OFF_FEATURES_OK	(1u << 4)  /**< FEATURES_OK never sticks */
#define VPF_MODEL_OFF_RESET		(1u << 5)  /**< status never reads 0 after reset */
#define VPF_MODEL_OFF_SR_IOV		(1u << 6)  /**< no SR-IOV capability / feature */
#define VPF_MODEL_OFF_RING_RESET	(1u << 7)  /**< no VIRTIO_F_RING_RESET */
#define VPF_MODEL_OFF_FIELDS_QUERY	(1u << 8)  /**< no DEV_CTX_FIELDS_QUERY (0xc) */
#define VPF_MODEL_OFF_WRITE_RECORD	(1u << 9)  /**< no write recording (0xf-0x12) */
#define VPF_MODEL_OFF_VF_ENABLE		(1u << 10) /**< VF Enable clear, NumVFs 0 */
#define VPF_MODEL_V14_DIALECT		(1u << 11) /**< LIST_QUERY reports 1.4 parts */
#define VPF_MODEL_OFF_CAP_BOUNDS	(1u << 12) /**< a virtio cap points past its BAR */
/** Dialect 1.4 only: the self group's LIST_QUERY and LIST_USE fail with
 *  INVALID_GROUP (a device of the Linux kind; doc/protocol.md §10.7). */
#define VPF_MODEL_OFF_SELF_LIST		(1u << 13)

/** Model parameters; initialise with vpf_model_params_init(). */
struct vpf_model_params {
	const char *name;		/**< for messages; copied */
	uint16_t num_vfs;		/**< TotalVFs = NumVFs, VF Enable set (default 4) */
	uint16_t num_qp;		/**< queue pairs per VF (default 2) */
	uint16_t vq_size;		/**< VF queue size (default 256) */
	uint64_t seed;			/**< workload PRNG seed (default 1) */
	uint16_t admin_queue_size;	/**< default 512 */
	uint64_t guest_mem_size;	/**< per VF, bytes (default 1 GiB at GPA 0) */
	uint32_t off;			/**< VPF_MODEL_OFF_* */
	/* timing model (0: synchronous and deterministic) */
	bool threaded;			/**< process the admin queue in a device thread */
	uint32_t service_time_us;	/**< per command (implies threaded) */
	uint32_t concurrency;		/**< commands worked on at once (default 1) */
	uint32_t activation_us_per_field; /**< cost of leaving Freeze per field
					   *   that differs from the previously
					   *   applied/written context */
	uint32_t reset_us;		/**< a device reset (status 0) takes this
					 *   long: status keeps reading its old
					 *   value until then (default 0) */
	uint32_t transfer_ns_per_kib;	/**< added to the service time of a
					 *   DEV_CTX_READ / DEV_CTX_WRITE per KiB
					 *   of result buffer posted / data
					 *   written (0: none) */
	/** Synthetic PCI address "dddd:bb:dd.f" the model reports as its
	 *  identity (vpf_pf_identity()); copied. NULL: one unique in this
	 *  process and unlikely in others: "dddd:bb:00.0" with domain
	 *  0x8000 | (process id & 0x7fff) and an even bus from a counter of
	 *  the models this process created (two buses per model, so that no
	 *  VF of one model has the address of another model or its VFs). Every model also draws a random 64-bit
	 *  instance number at creation (getrandom), so a new model never
	 *  shares a migration journal with an old one, whatever its
	 *  address. */
	const char *bdf;
	/** Admin command dialect: VPF_DIALECT_DRAFT_2023 (default;
	 *  VPF_DIALECT_UNKNOWN means the same) or VPF_DIALECT_V14_PARTS, the
	 *  virtio 1.4 device parts (doc/model.md "The 1.4 dialect"). */
	enum vpf_dialect dialect;
	/** 1.4: device-parts objects of each kind the device supports at
	 *  once per PF (VIRTIO_DEV_PARTS_CAP; defaults 4 and 4, at most 255
	 *  each, at least 1 in all). */
	uint8_t parts_get_limit;
	uint8_t parts_set_limit;	/**< see parts_get_limit */
	/** Timing model: the device thread polls while it has nothing to
	 *  do (yielding its CPU after each look) instead of sleeping, so a
	 *  doorbell or a due time never waits for a thread to wake up. It
	 *  takes a CPU for the model's lifetime: only for a benchmark that
	 *  gives the device threads CPUs the driver does not use
	 *  (doc/model.md "Timing model"). An admin queue doorbell rung
	 *  while the thread holds the model's lock then does not wait for
	 *  it: it is posted, visible from its own time (doc/model.md
	 *  "Doorbells that do not wait"). Default false. */
	bool idle_poll;
};

/** Fill @p p with the defaults. */
VPF_API void vpf_model_params_init(struct vpf_model_params *p);

/** Create a model PF. NULL with errno (EINVAL, ENOMEM) on failure. */
VPF_API struct vpf_model *vpf_model_create(const struct vpf_model_params *p);

/** Destroy a model (stops its device thread). NULL is a no-op. */
VPF_API void vpf_model_destroy(struct vpf_model *m);

/** Name given at creation. */
VPF_API const char *vpf_model_name(const struct vpf_model *m);

/** The model's identity: its synthetic PCI address (vpf_model_params::bdf
 *  or the default, "dddd:bb:dd.f", 13 bytes with the NUL) and
 *  @p instance (may be NULL), the random number drawn at creation.
 *  @return 0, -EINVAL, -ENOSPC when @p len is too small. */
VPF_API int vpf_model_identity(const struct vpf_model *m, char *addr,
			       size_t len, uint64_t *instance);

/* -------------------------------------------------------------------------
 * Simulated workload ("guest") and observability
 * ---------------------------------------------------------------------- */

/**
 * Advance VF @p vf's simulated guest by @p ops deterministic operations
 * (queue index moves, descriptors taken and returned, config changes, page
 * writes). In Active everything happens; in Stop the device reads no ring
 * or descriptor and writes no page: the guest's notifications are latched
 * and only its register writes (MSI-X re-routing) change the state; in
 * Freeze nothing changes. The first step in Active first takes what was
 * latched in Stop (also with @p ops 0). -EINVAL for a bad VF.
 */
VPF_API int vpf_model_guest_step(struct vpf_model *m, uint16_t vf,
				 uint32_t ops);

/** Digest of VF @p vf's migratable state: exactly what a Freeze context
 *  carries (doc/protocol.md §4.4, §5); in dialect 1.4 exactly its device
 *  parts, a PARTS_GET ALL result (§10.3). Equal digests <=> identical
 *  state. */
VPF_API int vpf_model_digest(struct vpf_model *m, uint16_t vf,
			     uint8_t digest[32]);

/** Format a digest as 64 lowercase hex characters plus NUL. */
VPF_API void vpf_model_digest_hex(const uint8_t digest[32], char hex[65]);

/** Current mode of VF @p vf as the device sees it (no admin command). */
VPF_API int vpf_model_vf_mode(struct vpf_model *m, uint16_t vf,
			      uint8_t *mode);

/**
 * Ground truth: pages VF @p vf wrote since write recording started (or was
 * last restarted), as a bitmap over [addr, addr + len) of @p page_size
 * pages, u64 words, LSB first. @p pages receives the number of set bits.
 */
VPF_API int vpf_model_dirty_bitmap(struct vpf_model *m, uint16_t vf,
				   uint64_t addr, uint64_t len,
				   uint64_t page_size, uint64_t *bitmap,
				   uint64_t *pages);

/**
 * Whether write recording is on for VF @p vf as the device sees it (started
 * and not stopped since; no admin command), e.g. to check that a driver
 * stopped it. @return 0, or -EINVAL (no such VF, NULL @p on).
 */
VPF_API int vpf_model_wr_recording(struct vpf_model *m, uint16_t vf,
				   bool *on);

/** Number of pages VF @p vf wrote since write recording started. */
VPF_API int vpf_model_dirty_count(struct vpf_model *m, uint16_t vf,
				  uint64_t *pages);

/**
 * Build VF @p vf's current (Freeze-style) context into @p buf of @p cap
 * bytes without any admin command, e.g. to compare with what the driver
 * read. @p len receives its length (the needed size with -ENOSPC).
 */
VPF_API int vpf_model_vf_ctx(struct vpf_model *m, uint16_t vf, void *buf,
			     size_t cap, size_t *len);

/** Version of the guest ring state vpf_model_guest_ring_export() writes. */
#define VPF_MODEL_GUEST_RING_VERSION	1u
/** Bytes of a guest ring state for @p nvq queues: a 16-byte header, then 8
 *  bytes per queue. */
#define VPF_MODEL_GUEST_RING_SIZE(nvq)	(16u + 8u * (size_t)(nvq))

/**
 * Dialect 1.4: export VF @p vf's guest-side ring state, what guest memory
 * holds and a hypervisor moves as RAM (ring positions are not device
 * parts): per queue the driver's avail index and the used index. Meant for
 * a stopped VF (whose taken buffers were all written back); on a running one
 * it is a snapshot. Layout (little-endian): `"VPFGRING"`, le16 version,
 * le16 number of queues, le32 reserved; per queue le16 avail_idx, le16
 * used_idx, le16 queue size, le16 reserved.
 * @param len receives the length (the size needed with -ENOSPC).
 * @return 0, -EINVAL, -ENOTSUP (draft dialect), -ENOSPC.
 */
VPF_API int vpf_model_guest_ring_export(struct vpf_model *m, uint16_t vf,
					void *buf, size_t cap, size_t *len);

/**
 * Dialect 1.4: import a guest ring state exported by
 * vpf_model_guest_ring_export() (from this or another model) into VF
 * @p vf, which must be stopped: the device then continues each queue from
 * those indices when it is resumed; buffers made available and not used
 * are taken then. The bytes are untrusted: wrong magic, version, queue
 * count, length, or more buffers outstanding than the queue's size (the
 * size in force on the VF, after any PARTS_SET) are refused.
 * @return 0, -EINVAL (bad state or VF), -EBUSY (VF running), -ENOTSUP.
 */
VPF_API int vpf_model_guest_ring_import(struct vpf_model *m, uint16_t vf,
					const void *buf, size_t len);

/**
 * Dialect 1.4: what a hypervisor does with guest memory between two hosts,
 * for model PFs: export VF @p src_vf's guest ring state from @p src and
 * import it into the stopped VF @p dst_vf of @p dst (the same model
 * allowed). Both models must have the same number of queues.
 * @return 0, or as vpf_model_guest_ring_export() / _import().
 */
VPF_API int vpf_model_guest_ring_move(struct vpf_model *src, uint16_t src_vf,
				      struct vpf_model *dst, uint16_t dst_vf);

/**
 * Dialect 1.4: build VF @p vf's parts now (what PARTS_GET ALL would return)
 * into @p buf of @p cap bytes without any admin command, e.g. to compare
 * with what a driver read. @p len receives the length (the size needed
 * with -ENOSPC).
 * @return 0, -EINVAL, -ENOTSUP (draft dialect: vpf_model_vf_ctx()),
 *   -ENOSPC.
 */
VPF_API int vpf_model_vf_parts(struct vpf_model *m, uint16_t vf, void *buf,
			       size_t cap, size_t *len);

/** Per-model counters. */
struct vpf_model_stats {
	uint64_t cmds[VPF_ADMIN_OP_MAX + 1];	/**< processed, by opcode */
	uint64_t errors;			/**< completed with status != OK */
	uint64_t dma_faults;			/**< DMA outside mapped regions */
	uint64_t notifies;			/**< doorbell writes */
	uint64_t resets;			/**< device resets */
	uint64_t activations;			/**< contexts applied */
	uint64_t fields_applied_diff;		/**< fields that differed */
	uint64_t protocol_errors;		/**< driver errors seen by the
						 *   device (PF only) */
	uint64_t cmds_dropped;			/**< in-flight commands a reset
						 *   dropped (PF only) */
	uint64_t ring_reads;			/**< reads of a VF queue's avail
						 *   ring or descriptors by the
						 *   device (Active only) */
	uint64_t dma_writes;			/**< writes into VF guest memory
						 *   (buffers, used ring; Active
						 *   only) */
	uint64_t notifies_latched;		/**< VF driver notifications
						 *   held in Stop */
};

/** Counters of VF @p vf, or of the whole PF for @p vf 0. */
VPF_API int vpf_model_stats_get(struct vpf_model *m, uint16_t vf,
				struct vpf_model_stats *st);

/**
 * Surprise removal: from now on config space and BAR reads return all-ones,
 * writes are dropped and no command completes (doc/protocol.md §3.6: the
 * driver must fail with ENODEV, never spin). Irreversible; destroy the model after.
 */
VPF_API void vpf_model_surprise_remove(struct vpf_model *m);

/** True after a fatal device error (DMA fault, ...): DEVICE_NEEDS_RESET. */
VPF_API bool vpf_model_needs_reset(struct vpf_model *m);

/** Description of the last DMA fault or driver protocol error the device
 *  saw ("" if none). The text may change when the device records the next
 *  one; copy it before driving the model further from another thread. */
VPF_API const char *vpf_model_last_fault(struct vpf_model *m);

/* -------------------------------------------------------------------------
 * Fault injection
 * ---------------------------------------------------------------------- */

/** Fault kinds (doc/model.md, Faults; `model fault` in the CLI uses these
 *  names). */
enum vpf_model_fault_kind {
	VPF_MODEL_FAULT_NONE = 0,
	VPF_MODEL_FAULT_HANG,	 /**< never complete the command */
	VPF_MODEL_FAULT_DELAY,	 /**< complete after param microseconds
				  *   (default 1000) */
	VPF_MODEL_FAULT_EAGAIN,	 /**< fail with EAGAIN/TRYAGAIN, no side effect
				  *   (param VPF_ADMIN_SQ_NORESOURCE: that
				  *   qualifier instead) */
	VPF_MODEL_FAULT_EINVAL,	 /**< fail with param = status<<16 | qualifier,
				  *   or EINVAL/INVALID_FIELD when 0; on a
				  *   CTX_WRITE it drops the partial write
				  *   as any refusal does (not with status
				  *   EAGAIN or ENOMEM) */
	VPF_MODEL_FAULT_FLR,	 /**< FLR in progress for param us (default
				  *   2000): delays MODE_SET, CTX_READ and
				  *   CTX_WRITE of the VF, not an error */
	VPF_MODEL_FAULT_RESET,	 /**< device reset in progress for param us
				  *   (default 2000); PF-wide with vf 0 */
	VPF_MODEL_FAULT_DMA,	 /**< DMA fault: DEVICE_NEEDS_RESET */
	VPF_MODEL_FAULT_BAD_ID,	 /**< used id out of range */
	VPF_MODEL_FAULT_BAD_LEN, /**< used len larger than posted */
	VPF_MODEL_FAULT_DUP,	 /**< duplicate completion */
	VPF_MODEL_FAULT_MAX
};

/** Fault kind from its CLI name ("hang", "bad-id", ...); -EINVAL if none. */
VPF_API int vpf_model_fault_parse(const char *name,
				  enum vpf_model_fault_kind *kind);
/** CLI name of a fault kind. */
VPF_API const char *vpf_model_fault_name(enum vpf_model_fault_kind kind);

/**
 * The next @p count commands addressed to VF @p vf (0: any command of the
 * PF, including LIST_*) get fault @p kind; @p param as the kind says
 * (0 picks a sensible default). A later call replaces the VF's fault.
 */
VPF_API int vpf_model_fault_inject(struct vpf_model *m, uint16_t vf,
				   enum vpf_model_fault_kind kind,
				   uint32_t count, uint32_t param);

/**
 * Like vpf_model_fault_inject(), but every command addressed to VF @p vf
 * (0: any command of the PF) during the next @p ms milliseconds (0: 1 ms)
 * gets fault @p kind: a fault lasts for the next N commands or for N
 * milliseconds. A later call replaces the VF's fault.
 */
VPF_API int vpf_model_fault_inject_for(struct vpf_model *m, uint16_t vf,
				       enum vpf_model_fault_kind kind,
				       uint32_t ms, uint32_t param);

/**
 * Aim a fault at one admin opcode: the next @p count (0: 1) commands
 * addressed to VF @p vf (0: any command of the PF) whose opcode is
 * @p opcode (VPF_ADMIN_OP_*, or the 1.4 dialect's number) get fault
 * @p kind; @p param as for vpf_model_fault_inject(). Commands with another
 * opcode pass untouched and do not use the fault up, so a test can hit,
 * say, the DEV_WRITE_RECORDS_STOP of an abort and nothing before it. It is
 * the VF's fault like any other: a later call of any of these replaces it.
 * @return 0, or -EINVAL (no such VF, bad kind).
 */
VPF_API int vpf_model_fault_inject_op(struct vpf_model *m, uint16_t vf,
				      uint16_t opcode,
				      enum vpf_model_fault_kind kind,
				      uint32_t count, uint32_t param);

/** Remove all pending faults. */
VPF_API void vpf_model_fault_clear(struct vpf_model *m);

/* -------------------------------------------------------------------------
 * Config-space dump (for libpci's dump access method, `lspci -xxxx` format)
 * ---------------------------------------------------------------------- */

/**
 * Write the model's 4 KiB config space as `lspci -xxxx` would print it,
 * preceded by a header line naming @p bdf ("0000:3b:00.0"), to @p path.
 */
VPF_API int vpf_model_dump_config(struct vpf_model *m, const char *bdf,
				  const char *path);

#ifdef __cplusplus
}
#endif

#endif /* VPF_MODEL_H */
