/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Transports and the framed link the halves talk through (mig_half.h):
 * the file-descriptor transport (vpf_mig_xport_fd_init()), the link's
 * send queue and receive buffer over any transport, and what both halves
 * share (polling their PFs, failing a pair).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mig_half.h"

/* ---------------------------------------------------------------------------
 * File-descriptor transport
 * ------------------------------------------------------------------------- */

/* write() to a pipe or FIFO whose reader is gone raises SIGPIPE: block it
 * for the call and consume the one the call raised, unless one was
 * pending already (then it is not ours to take). */
static ssize_t
write_nosigpipe(int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t n;
	int e;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, buf, len);
	e = errno;
	if (n < 0 && e == EPIPE && !was_pending) {
		const struct timespec zero = { 0, 0 };

		(void)sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}

static ssize_t
fd_send(void *ctx, const void *buf, size_t len)
{
	struct vpf_mig_fd_xport *fx = ctx;
	ssize_t n;

	if (fx->wfd < 0)
		return -EBADF;
	if (fx->wsock)
		n = send(fx->wfd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	else
		n = write_nosigpipe(fx->wfd, buf, len);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return errno == ECONNRESET ? -EPIPE : -errno;
}

static ssize_t
fd_recv(void *ctx, void *buf, size_t len)
{
	struct vpf_mig_fd_xport *fx = ctx;
	ssize_t n;

	if (fx->rfd < 0)
		return -EBADF;
	n = read(fx->rfd, buf, len);
	if (n > 0)
		return n;
	if (n == 0)
		return len ? -ENODATA : 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return errno == ECONNRESET ? -EPIPE : -errno;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return vpf_error(-errno, "fd %d: fcntl: %s", fd,
				 strerror(errno));
	return 0;
}

int
vpf_mig_xport_fd_init(struct vpf_mig_fd_xport *fx, int rfd, int wfd)
{
	struct stat st;
	int rc;

	if (fx == NULL || (rfd < 0 && wfd < 0))
		return vpf_error(-EINVAL, "fd transport: no descriptor");
	memset(fx, 0, sizeof(*fx));
	fx->rfd = rfd < 0 ? -1 : rfd;
	fx->wfd = wfd < 0 ? -1 : wfd;
	if (rfd >= 0 && (rc = set_nonblock(rfd)) != 0)
		return rc;
	if (wfd >= 0 && wfd != rfd && (rc = set_nonblock(wfd)) != 0)
		return rc;
	if (wfd >= 0 && fstat(wfd, &st) == 0 && S_ISSOCK(st.st_mode))
		fx->wsock = true;
	fx->x.send = fd_send;
	fx->x.recv = fd_recv;
	fx->x.ctx = fx;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Link
 * ------------------------------------------------------------------------- */

int
mig_link_init(struct mig_link *l, const struct vpf_mig_xport *x)
{
	memset(l, 0, sizeof(*l));
	if (x == NULL || x->send == NULL || x->recv == NULL)
		return vpf_error(-EINVAL, "transport without send/recv");
	l->x = *x;
	l->in = malloc(MIG_WIRE_FRAME_MAX);
	if (l->in == NULL || mig_buf_reserve(&l->out, 64u << 10))
		return vpf_error(-ENOMEM, "out of memory");
	return 0;
}

void
mig_link_fini(struct mig_link *l)
{
	free(l->in);
	l->in = NULL;
	mig_buf_free(&l->out);
}

int
mig_link_fail(struct mig_link *l, int rc, const char *fmt, ...)
{
	va_list ap;

	if (l->err)
		return l->err;
	l->err = rc;
	va_start(ap, fmt);
	vsnprintf(l->why, sizeof(l->why), fmt, ap);
	va_end(ap);
	return rc;
}

int
mig_link_put(struct mig_link *l, const struct mig_wire_frame *f)
{
	size_t before = l->out.len;
	int rc;

	if (l->err)
		return l->err;
	rc = mig_wire_encode(&l->out, f, l->tx_seq);
	if (rc)
		return mig_link_fail(l, rc, "%s", vpf_last_error());
	l->tx_seq++;
	l->queued += l->out.len - before;
	return 0;
}

int
mig_link_pair_msg(struct mig_link *l, uint16_t type, uint32_t pair, int err,
		  uint64_t t_ns, const char *reason)
{
	struct mig_wire_frame f;

	memset(&f, 0, sizeof(f));
	f.type = type;
	f.pair = pair;
	f.err = (uint32_t)(err < 0 ? -err : err);
	f.t_ns = t_ns;
	if (reason)
		snprintf(f.reason, sizeof(f.reason), "%s", reason);
	return mig_link_put(l, &f);
}

int
mig_link_flush(struct mig_link *l)
{
	int calls = 0, i;

	if (l->err)
		return l->err;
	/* Bounded: a transport that keeps taking bytes ends with the queue. */
	for (i = 0; i < 64 && mig_link_unsent(l) > 0; i++) {
		ssize_t n = l->x.send(l->x.ctx, l->out.p + l->out.off,
				      mig_link_unsent(l));

		if (n < 0)
			return mig_link_fail(l, (int)n, "transport: send: %s",
					     strerror((int)-n));
		if (n == 0)
			break;
		if ((size_t)n > mig_link_unsent(l))
			return mig_link_fail(l, -EIO, "transport: send took %zd bytes of %zu",
					     n, mig_link_unsent(l));
		l->out.off += (size_t)n;
		l->sent += (uint64_t)n;
		calls++;
	}
	if (calls)
		l->t_tx = vpf_now_ns();
	if (l->out.off == l->out.len) {
		l->out.off = l->out.len = 0;
	} else if (l->out.off >= (256u << 10) &&
		   l->out.off >= l->out.len - l->out.off) {
		/* A queue never drained whole must not grow for ever: move
		 * what is left to the front (at most as many bytes as were
		 * taken since). */
		memmove(l->out.p, l->out.p + l->out.off,
			l->out.len - l->out.off);
		l->out.len -= l->out.off;
		l->out.off = 0;
	}
	return calls;
}

/* One receive into the free end of l->in (bytes of a partial frame move
 * to the front first). @return the bytes received, 0 (nothing now, or no
 * room: a whole frame waits to be decoded), or the link's error; the
 * peer's end sets l->eof (0). */
static ssize_t
link_recv(struct mig_link *l)
{
	ssize_t n;

	if (l->in_off) {
		memmove(l->in, l->in + l->in_off, l->in_len - l->in_off);
		l->in_len -= l->in_off;
		l->in_off = 0;
	}
	if (l->in_len == MIG_WIRE_FRAME_MAX)
		return 0;
	n = l->x.recv(l->x.ctx, l->in + l->in_len,
		      MIG_WIRE_FRAME_MAX - l->in_len);
	if (n == -ENODATA) {
		l->eof = true;
		return 0;
	}
	if (n < 0)
		return mig_link_fail(l, (int)n, "transport: receive: %s",
				     strerror((int)-n));
	if (n == 0)
		return 0;
	if ((size_t)n > MIG_WIRE_FRAME_MAX - l->in_len)
		return mig_link_fail(l, -EIO, "transport: receive returned %zd bytes",
				     n);
	l->in_len += (size_t)n;
	l->t_rx = vpf_now_ns();
	return n;
}

int
mig_link_next(struct mig_link *l, struct mig_wire_frame *f)
{
	bool partial = false;
	char why[160];
	ssize_t n;
	int rc, i;

	if (l->err || l->rx_err)
		return l->err ? l->err : l->rx_err;
	for (i = 0; i < 4; i++) {
		/* Frames are decoded where they lie; the bytes of a partial
		 * one move to the front only before a receive. */
		rc = mig_wire_decode(l->in + l->in_off, l->in_len - l->in_off,
				     l->rx_seq, f, why, sizeof(why));
		if (rc < 0) {
			l->rx_err = rc;
			snprintf(l->why, sizeof(l->why),
				 "bad frame from the peer: %.160s", why);
			return rc;
		}
		if (rc > 0) {
			l->in_off += (size_t)rc;
			l->rx_seq++;
			if (f->type != MIG_W_PING)
				return 1;
			/* The peer is alive (t_rx); nothing for the half. */
			l->pings_rx++;
			continue;
		}
		if (l->eof) {
			partial = l->in_len > l->in_off;
			break;
		}
		n = link_recv(l);
		if (n < 0)
			return (int)n;
		if (n == 0 && !l->eof)
			return 0;
	}
	/* (After PINGs the loop may end with whole frames left: not an
	 * error, the next call takes them.) */
	if (partial)
		return mig_link_fail(l, -EPIPE,
				     "the peer closed the transport in the middle of a frame (%zu bytes of it received)",
				     l->in_len - l->in_off);
	return 0;
}

void
mig_link_watch(struct mig_link *l, const char *peer, uint32_t timeout_ms)
{
	uint64_t now = vpf_now_ns();

	l->peer = peer;
	l->timeout_ns = (uint64_t)(timeout_ms ? timeout_ms :
				   VPF_MIG_PEER_TIMEOUT_MS_DEFAULT) * 1000000ull;
	l->t_rx = l->t_tx = now;
}

int
mig_link_tick(struct mig_link *l)
{
	uint64_t now = vpf_now_ns();
	struct mig_wire_frame f;

	if (l->err)
		return l->err;
	if (l->timeout_ns == 0)
		return 0;
	/* Keep-alive: a quarter of the timeout without a byte going out
	 * (and nothing waiting to) is a PING, so that a peer with nothing
	 * to say (loading, a long precopy read) is not taken for dead. */
	if (l->ping && mig_link_unsent(l) == 0 &&
	    now - l->t_tx >= l->timeout_ns / 4) {
		memset(&f, 0, sizeof(f));
		f.type = MIG_W_PING;
		if (mig_link_put(l, &f) == 0) {
			l->pings_tx++;
			/* The next one a quarter later, also when the
			 * transport takes nothing now. */
			l->t_tx = now;
		}
	}
	if (mig_link_rx_down(l) || now - l->t_rx < l->timeout_ns)
		return l->err;
	/* The poll may have stopped receiving at its budget: whatever
	 * arrived meanwhile counts. */
	if (link_recv(l) != 0 || l->eof || l->in_len == MIG_WIRE_FRAME_MAX)
		return l->err;
	return mig_link_fail(l, -ETIMEDOUT,
			     "no data from the %s for %" PRIu64 " ms (it neither answers nor closes the transport)",
			     l->peer ? l->peer : "peer",
			     (uint64_t)(l->timeout_ns / 1000000u));
}

/* ---------------------------------------------------------------------------
 * Both halves
 * ------------------------------------------------------------------------- */

unsigned int
mig_half_poll_migs(struct vpf_mig **migs, unsigned int n, unsigned int budget)
{
	unsigned int used = 0, i, handled;

	for (i = 0; i < n && used < budget; i++) {
		int rc = mig_poll_budget(migs[i], budget - used, &handled);

		if (rc < 0)
			mig_fail_all(migs[i], rc);
		used += handled;
	}
	return used;
}

int
mig_half_op_begin(struct mig_vf *v, const void *job, vpf_mig_done_t done,
		  void *arg)
{
	const void *was = v->m->acting;
	int rc;

	v->m->acting = job;
	rc = mig_op_begin(v, done, arg);
	v->m->acting = was;
	return rc;
}

void
mig_half_add_mig(struct vpf_mig **migs, unsigned int *n, struct vpf_mig *m)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (migs[i] == m)
			return;
	migs[(*n)++] = m;
}

void
mig_half_who(char *out, size_t n, const char *side, const struct vpf_pf *pf,
	     uint16_t vf, const char *why)
{
	char who[48];
	size_t l;

	char vfs[16];
	size_t lv;

	l = (size_t)snprintf(who, sizeof(who), "%s VF %u", vpf_pf_name(pf), vf);
	lv = (size_t)snprintf(vfs, sizeof(vfs), "VF %u: ", vf);
	if (l < sizeof(who) && strncmp(why, who, l) == 0 && why[l] == ':')
		snprintf(out, n, "%s %.200s", side, why);
	else if (strncmp(why, vfs, lv) == 0)
		snprintf(out, n, "%s %s: %.200s", side, who, why + lv);
	else
		snprintf(out, n, "%s %s: %.200s", side, who, why);
}

void
mig_half_pair_fail(struct vpf_mig_pair *p, enum vpf_mig_phase ph, int rc,
		   const char *why)
{
	size_t n;

	if (p->rc)
		return;
	p->rc = rc ? rc : -EIO;
	p->failed_phase = ph;
	n = strnlen(why, sizeof(p->error) - 1);
	memcpy(p->error, why, n);
	p->error[n] = '\0';
	VPF_LOG(mig, ERR, "pair failed in %s: %s", vpf_mig_phase_name(ph),
		why);
}
