/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_HALF_H
#define VPF_MIG_HALF_H

/*
 * What the source half (mig_half_src.c) and the destination half
 * (mig_half_dst.c) share: the framed link over a transport (mig_xport.c)
 * and the compatibility descriptor (mig_desc.c, compared in
 * mig_preflight.c). Internal.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_mig_xport.h"
#include "mig_job.h"
#include "mig_vf.h"
#include "mig_wire.h"

/* ---------------------------------------------------------------------------
 * Link: frames over a transport (mig_xport.c)
 * ------------------------------------------------------------------------- */

/* After a cancel, or once a half has nothing left but to tell the peer,
 * how long it waits for the transport to take its last frames and (source)
 * for the results of pairs past the commit point. */
#define MIG_LINK_LINGER_NS	(5ull * 1000000000ull)
/* A source stops framing stream bytes while this much is unsent. */
#define MIG_LINK_OUT_HIGH	(1u << 20)

struct mig_link {
	struct vpf_mig_xport x;
	struct mig_buf out;		/* encoded, not yet taken (off: taken) */
	uint64_t queued;		/* bytes ever queued */
	uint64_t sent;			/* bytes the transport took */
	uint8_t *in;			/* MIG_WIRE_FRAME_MAX bytes */
	size_t in_len;			/* bytes in @c in */
	size_t in_off;			/* bytes of it decoded */
	uint32_t tx_seq;
	uint32_t rx_seq;
	bool eof;			/* the peer's orderly end */
	/* Peer timeout (mig_link_watch()): no byte from the peer for
	 * timeout_ns fails the link with -ETIMEDOUT; PINGs keep an idle
	 * direction alive for the peer. */
	const char *peer;		/* "source", "destination" */
	uint64_t timeout_ns;		/* 0: none */
	uint64_t t_rx;			/* last byte received (or watch start) */
	uint64_t t_tx;			/* last byte the transport took */
	bool ping;			/* the peer takes PING frames */
	uint64_t pings_tx;
	uint64_t pings_rx;
	int err;			/* broken: negative errno */
	int rx_err;			/* a bad frame came: nothing more is
					 * read, but frames still go out */
	char why[192];			/* why broken */
};

int mig_link_init(struct mig_link *l, const struct vpf_mig_xport *x);
void mig_link_fini(struct mig_link *l);
/* Queue frame @p f. @return 0 or -ENOMEM / -EINVAL (and the link is
 * broken). */
int mig_link_put(struct mig_link *l, const struct mig_wire_frame *f);
/* Hand queued bytes to the transport until it takes no more. @return
 * the number of send calls that moved bytes, or the link's error. */
int mig_link_flush(struct mig_link *l);
/* The next frame received: 1 with @p f filled (its pointers valid until
 * the next call; PINGs are taken here, never returned), 0 when none is
 * complete now (eof may be set), or a
 * negative errno (l->why says why): the link's error, or a bad frame
 * (l->rx_err; frames may still be sent). */
int mig_link_next(struct mig_link *l, struct mig_wire_frame *f);
/* Watch peer @p peer ("destination", ...): from now on, no byte from it
 * for @p timeout_ms (0: VPF_MIG_PEER_TIMEOUT_MS_DEFAULT) fails the link in
 * mig_link_tick(). */
void mig_link_watch(struct mig_link *l, const char *peer,
		    uint32_t timeout_ms);
/* Once per poll, after receiving: queue a PING when l->ping and nothing
 * went out for a quarter of the timeout; fail the link with -ETIMEDOUT
 * (l->why: "no data from the <peer> for N ms") when nothing came in for
 * the whole timeout and nothing is waiting to be received. @return 0 or
 * the link's error. */
int mig_link_tick(struct mig_link *l);
/* Mark the link broken with @p rc (first error wins). @return l->err. */
int mig_link_fail(struct mig_link *l, int rc, const char *fmt, ...)
	VPF_PRINTF(3, 4);
static inline size_t
mig_link_unsent(const struct mig_link *l)
{
	return l->out.len - l->out.off;
}

/* The peer ended the stream and every frame of it was taken. */
static inline bool
mig_link_ended(const struct mig_link *l)
{
	return l->eof && l->in_len == l->in_off;
}

/* Nothing more comes from the peer: the transport broke, a bad frame
 * came, or the peer ended the stream. */
static inline bool
mig_link_rx_down(const struct mig_link *l)
{
	return l->err || l->rx_err || mig_link_ended(l);
}

/* Frames of one pair. */
int mig_link_pair_msg(struct mig_link *l, uint16_t type, uint32_t pair,
		      int err, uint64_t t_ns, const char *reason);

/* ---------------------------------------------------------------------------
 * Descriptor (mig_desc.c) and its comparison (mig_preflight.c)
 * ------------------------------------------------------------------------- */

/* The descriptor of source VF @p v, after a pre-flight read of it. */
void mig_desc_from_vf(const struct mig_vf *v, struct vpf_mig_desc *d);
/* Its bytes into @p buf (@p cap bytes). @return the length, or -ENOSPC
 * (needed length in *@p need). */
int mig_desc_write(const struct vpf_mig_desc *d, uint8_t *buf, size_t cap,
		   size_t *need);
/* Compare source descriptor @p sd with destination VF @p d (after a
 * pre-flight read of @p d): device type, dialect, features, queue count,
 * field lists. @return 0, or -EPROTO with out->reason (no side prefix). */
int mig_desc_compare(const struct vpf_mig_desc *sd, const struct mig_vf *d,
		     struct vpf_mig_compat *out);

/* The prefix of a message about @p v on side @p side ("source",
 * "destination"): "destination dst VF 2". */
void mig_side_name(const struct mig_vf *v, const char *side, char *out,
		   size_t n);

/* ---------------------------------------------------------------------------
 * Both halves
 * ------------------------------------------------------------------------- */

/* Poll the @p n handles @p migs for at most @p budget admin completions
 * in all (vpf_mig_poll_burst()). @return the completions handled. */
unsigned int mig_half_poll_migs(struct vpf_mig **migs, unsigned int n,
				unsigned int budget);
/* mig_op_begin() on @p v, a VF job @p job owns (mig_vf::owner). */
int mig_half_op_begin(struct mig_vf *v, const void *job, vpf_mig_done_t done,
		      void *arg);
/* @p m joins @p migs (of *@p n) unless it is there already. */
void mig_half_add_mig(struct vpf_mig **migs, unsigned int *n,
		      struct vpf_mig *m);
/* "<side> <pf> VF <vf>: <why>" into @p out, without naming the PF and
 * VF twice when @p why starts with them. */
void mig_half_who(char *out, size_t n, const char *side,
		  const struct vpf_pf *pf, uint16_t vf, const char *why);
/* A pair's failure in @p p (first one wins); logged. */
void mig_half_pair_fail(struct vpf_mig_pair *p, enum vpf_mig_phase ph,
			int rc, const char *why);

#endif /* VPF_MIG_HALF_H */
