/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_XPORT_H
#define VPF_MIG_XPORT_H

/**
 * @file
 * vpf: migration halves, transports and the cross-host compatibility
 * descriptor (doc/migration.md, "Transports and halves", "Wire format",
 * "Pre-flight across hosts").
 *
 * A migration between two processes or two hosts runs a **source half**
 * next to the source PF and a **destination half** next to the
 * destination PF. The halves exchange bytes only through a transport
 * (struct vpf_mig_xport): framed messages, each with a length and a
 * CRC-32C, carrying a compatibility descriptor per VF, the destination's
 * verdict, the VF's migration stream (the VPFMIG stream of vpf_mig.h) and
 * the outcome. Both halves are jobs (vpf_mig_job.h): start, poll with a
 * budget, cancel, finish.
 *
 * Failure semantics: a broken transport (the peer dies, the stream is cut
 * or corrupt) leaves every source VF running (aborted, state unchanged)
 * and every destination VF with nothing applied, except after the commit
 * point: once the source has handed a VF's whole stream to the transport
 * and no answer comes back, the destination may run the guest already.
 * That pair fails with -ENOTCONN and its source VF stays stopped (STOP),
 * journaled as migrated away so that neither vpf_mig_detach() nor a
 * restarted owner resumes it: the operator resumes it (vpf_mig_abort())
 * only if the destination does not run the guest.
 *
 * A peer that goes silent without closing the transport is a broken
 * transport too, after vpf_mig_opts::peer_timeout_ms without a byte from
 * it (-ETIMEDOUT; pairs past the commit point -ENOTCONN as above). Each
 * half sends a PING frame when it has sent nothing for a quarter of its
 * timeout, so a peer that is slow but polls its job stays connected.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vpf_common.h"
#include "vpf_mig.h"
#include "vpf_mig_job.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * Transports
 * ========================================================================= */

/** Peer timeout of a half when vpf_mig_opts::peer_timeout_ms is 0. */
#define VPF_MIG_PEER_TIMEOUT_MS_DEFAULT	30000u

/**
 * A byte transport between the two halves: a reliable, ordered byte
 * stream (a socket, a pipe pair, ...). Both callbacks are non-blocking and
 * may move fewer bytes than asked.
 */
struct vpf_mig_xport {
	/**
	 * Send up to @p len bytes of @p buf.
	 * @return the bytes taken (0: nothing now, try later), or a negative
	 *   errno (-EPIPE: the peer is gone).
	 */
	ssize_t (*send)(void *ctx, const void *buf, size_t len);
	/**
	 * Receive up to @p len bytes into @p buf.
	 * @return the bytes received (0: nothing now), -ENODATA at the peer's
	 *   orderly end (end of file), or another negative errno.
	 */
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
	/** Passed to both callbacks. */
	void *ctx;
};

/**
 * The built-in file-descriptor transport: a pipe pair, a FIFO pair, a
 * Unix or TCP socket, a file (one direction). Fill it with
 * vpf_mig_xport_fd_init() and pass @c x to a half.
 */
struct vpf_mig_fd_xport {
	struct vpf_mig_xport x;	/**< the transport to pass to a half */
	int rfd;		/**< read side (-1: none) */
	int wfd;		/**< write side (-1: none) */
	bool wsock;		/**< @c wfd is a socket (send(MSG_NOSIGNAL)) */
};

/**
 * Make a transport of file descriptors @p rfd (read) and @p wfd (write):
 * the same socket twice, two ends of two pipes, -1 for a direction not
 * used. Both are set O_NONBLOCK. The descriptors stay the caller's (not
 * closed by vpf).
 *
 * No SIGPIPE: a socket is written with send(MSG_NOSIGNAL); a pipe or FIFO
 * with SIGPIPE blocked in the calling thread for the write, and a SIGPIPE
 * the write raised is consumed, so a reader that went away is -EPIPE and
 * never kills the process.
 *
 * @return 0, or -EINVAL (both -1, NULL) / -errno from fcntl().
 */
VPF_API int vpf_mig_xport_fd_init(struct vpf_mig_fd_xport *fx, int rfd,
				  int wfd);

/* ===========================================================================
 * Halves
 * ========================================================================= */

/**
 * Start the source half of a migration of @p n pairs over transport @p x.
 * Only @c src and @c src_vf of each pair are used; pair i here is pair i
 * of the destination half. The options are those of vpf_mig_migrate();
 * precopy_rounds and precopy_to_dst travel to the destination in the
 * first message. The halves always run the compatibility pre-flight
 * (@c no_preflight is ignored): across hosts it is the only check before
 * the source stops. @c serial and @c stream_chunk do not apply: pairs run
 * together, and stream bytes travel in frames of up to 256 KiB.
 *
 * The job: sends HELLO, a compatibility descriptor per pair (read while
 * the source runs), waits for the destination's verdicts (refused pairs
 * fail, their sources keep running), runs the precopy rounds and
 * stop-copy sending each VF's stream, and waits for each pair's result:
 * activated (the source goes to STOP and is marked complete) or failed
 * (the source is aborted: running, state unchanged). No byte from the
 * destination for @c peer_timeout_ms fails the link (-ETIMEDOUT).
 *
 * Each vpf_mig_job_poll() unit is one admin completion or one frame sent
 * or received. Results (vpf_mig_job_finish()) are as vpf_mig_migrate()'s;
 * a pair's @c downtime_ns runs from its Freeze to the activation time the
 * destination reports (its CLOCK_MONOTONIC; taken as the arrival of the
 * result when that time is not between the two, e.g. across hosts).
 *
 * @p x (copied) and its @c ctx, @p pairs and o->ranges must stay valid
 * until vpf_mig_job_finish().
 * @return 0, or a negative errno (-EINVAL, -EBUSY, -EPERM, -ENOTSUP,
 *   -ERANGE, -ENOMEM) with nothing sent.
 */
VPF_API int vpf_mig_job_start_source(const struct vpf_mig_opts *o,
				     struct vpf_mig_pair *pairs,
				     unsigned int n,
				     const struct vpf_mig_xport *x,
				     struct vpf_mig_job **job);

/**
 * Start the destination half of a migration of @p n pairs over transport
 * @p x. Only @c dst and @c dst_vf of each pair are used. Of @p o only
 * @c chunk, @c progress, @c cancel, @c before_resume, @c peer_timeout_ms
 * and @c arg are used; the rest comes from the source.
 *
 * The job: checks each pair's descriptor against its VF (pre-flight read
 * while the VF runs, then the comparison of vpf_mig_desc_check()), moves
 * accepted VFs to RESUMING and says so, loads their streams (every check
 * of vpf_mig_load_write()), activates each VF once its final context is
 * written, and reports the outcome per pair. A broken transport, an
 * ABORT from the source or a cancel aborts every pair not yet being
 * activated (nothing applied). A pair's @c downtime_ns is 0 here (the
 * source measures it); @c t_active_ns is its activation, since the start.
 * @return as vpf_mig_job_start_source().
 */
VPF_API int vpf_mig_job_start_dest(const struct vpf_mig_opts *o,
				   struct vpf_mig_pair *pairs, unsigned int n,
				   const struct vpf_mig_xport *x,
				   struct vpf_mig_job **job);

/* ===========================================================================
 * Compatibility descriptor (pre-flight across hosts)
 * ========================================================================= */

/** Descriptor magic: the 8 bytes "VPFDSC\r\n". */
#define VPF_MIG_DESC_MAGIC	"VPFDSC\r\n"
/** Descriptor format version written and read. */
#define VPF_MIG_DESC_VERSION	1
/** Fixed part of a descriptor; 16 bytes per field and a CRC follow. */
#define VPF_MIG_DESC_FIXED	72u
/** Largest descriptor (the longest field list). */
#define VPF_MIG_DESC_MAX	(VPF_MIG_DESC_FIXED + 16u * VPF_MIG_FIELDS_MAX + 4u)
/** Descriptor flag: the source has DEV_CTX_FIELDS_QUERY (the list is
 *  its answer; without it the list is empty and fields are not checked). */
#define VPF_MIG_DESC_F_FIELDS	1u

/** What a source VF's descriptor says (vpf_mig_desc_parse()). */
struct vpf_mig_desc {
	uint16_t version;
	uint16_t flags;			/**< VPF_MIG_DESC_F_* */
	uint16_t vendor_id;		/**< source PF's PCI ids */
	uint16_t device_id;
	uint16_t src_vf;
	uint16_t num_queues;		/**< of the source VF's context */
	uint8_t dialect;		/**< enum vpf_dialect of the source PF */
	uint32_t chunk;			/**< source's device chunk */
	uint64_t pf_features;		/**< source PF's offered features */
	uint64_t features[2];		/**< the context's DEV_FEATURES */
	uint64_t ctx_estimate;		/**< source SIZE_GET(freeze) */
	uint32_t nfields;		/**< entries in @c fields */
	/** The source's FIELDS_QUERY list, wire format, pointing into the
	 *  parsed buffer (NULL when @c nfields is 0). */
	const struct vpf_admin_ctx_field_info *fields;
};

/**
 * Export the compatibility descriptor of source VF @p vf: runs the
 * pre-flight read (FIELDS_QUERY, SIZE_GET(freeze), the running context
 * read and discarded; the VF keeps running) and writes the descriptor
 * (layout in doc/migration.md) into @p buf.
 * @param len receives the descriptor's length (also when @p cap is too
 *   small: then -ENOSPC).
 * @return 0; -EPERM when the VF is not running; -ENOSPC; -EINVAL; a
 *   device error.
 */
VPF_API int vpf_mig_desc_export(struct vpf_mig *m, uint16_t vf, void *buf,
				size_t cap, size_t *len);

/**
 * Parse a descriptor: untrusted bytes, pure, no device. @p out->fields
 * points into @p buf.
 * @return 0; -EBADMSG (magic, checksum, length, reserved bytes);
 *   -EPROTONOSUPPORT (version, flags); -EINVAL (NULL).
 */
VPF_API int vpf_mig_desc_parse(const void *buf, size_t len,
			       struct vpf_mig_desc *out);

/**
 * Check a source's descriptor against destination VF @p dst_vf before the
 * source stops: the destination's pre-flight read (it must be running),
 * then the comparison of vpf_mig_check_compat(): device type, dialect,
 * feature bits, queue count and the FIELDS_QUERY lists. A refusal's
 * reason names the side, the PF and the VF ("destination dst VF 2: ...").
 * @param out filled (may be NULL).
 * @return 0 compatible (warnings possible); -EPROTO incompatible;
 *   -EPERM for a destination VF that is not running; -EBADMSG or
 *   -EPROTONOSUPPORT for a bad descriptor; a device error.
 */
VPF_API int vpf_mig_desc_check(struct vpf_mig *dst, uint16_t dst_vf,
			       const void *desc, size_t len,
			       struct vpf_mig_compat *out);

#ifdef __cplusplus
}
#endif

#endif /* VPF_MIG_XPORT_H */
