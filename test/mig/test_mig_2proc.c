/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The source half and the destination half in two processes (fork): the
 * child is the destination with its own model PF, the parent the source.
 * They talk over a socketpair, a named Unix socket (bind, listen, connect
 * in a temporary directory) and a pair of FIFOs; the child sends its
 * VFs' digests back through a pipe, and they must equal the source's
 * before the migration. A destination killed with SIGKILL in the middle
 * of the precopy rounds leaves every source VF running with its digest
 * unchanged. alarm() ends a test that hangs.
 *
 * The child never returns into cmocka: it reports through its exit code
 * and the pipe.
 */

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vpf_mig_job.h"
#include "vpf_mig_xport.h"
#include "mig_harness.h"

#define NP	4
#define QP	2
#define SEED	41

enum link_kind {
	L_SOCKETPAIR,
	L_UNIX,
	L_FIFO,
};

struct proc {
	enum link_kind kind;
	char dir[64];
	char path[96];		/* Unix socket, or FIFO src->dst */
	char path2[96];		/* FIFO dst->src */
	int sv[2];
	int lfd;		/* listening socket */
	int res[2];		/* child -> parent: rc and digests */
	pid_t pid;
	bool stall;		/* the child stops reading after HELLO */
};

static const uint16_t SV[NP] = { 1, 2, 3, 4 };
static const uint16_t DV[NP] = { 4, 3, 2, 1 };

static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Open a FIFO end, waiting (bounded by the alarm) for the other side. */
static int
fifo_open(const char *path, int flags)
{
	for (;;) {
		int fd = open(path, flags | O_NONBLOCK);

		if (fd >= 0 || errno != ENXIO)
			return fd;
		usleep(1000);
	}
}

/* The child's transport descriptors (read, write). */
static int
child_fds(struct proc *pr, int *rfd, int *wfd)
{
	struct sockaddr_un sa;
	int fd;

	switch (pr->kind) {
	case L_SOCKETPAIR:
		close(pr->sv[0]);
		*rfd = *wfd = pr->sv[1];
		return 0;
	case L_UNIX:
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", pr->path);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return -1;
		*rfd = *wfd = fd;
		return 0;
	default:
		/* Writer first: once the parent's open for writing returns
		 * (it waits for this reader), its read end has a writer and
		 * never sees a spurious end of file. */
		*wfd = fifo_open(pr->path2, O_WRONLY);
		/* A FIFO read end without a writer reads as end of file:
		 * opened blocking, it waits for the parent's writer. */
		*rfd = open(pr->path, O_RDONLY);
		return *rfd < 0 || *wfd < 0 ? -1 : 0;
	}
}

/* The destination process: its own model PF (the source's seed), the
 * destination half, then rc and digests to the parent. */
static void __attribute__((noreturn))
child(struct proc *pr)
{
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct vpf_mig_fd_xport fx;
	struct vpf_mig_pair p[NP];
	struct vpf_mig_opts o;
	struct vpf_mig_job *job;
	struct vpf_model *m;
	struct vpf_pf *pf;
	struct vpf_mig *mig;
	uint8_t dg[NP][32];
	int rfd, wfd, rc;
	unsigned int i;

	alarm(30);
	close(pr->res[0]);
	vpf_model_params_init(&mp);
	mp.name = "dst";
	mp.num_vfs = NP;
	mp.num_qp = QP;
	mp.seed = SEED;
	mp.guest_mem_size = MEM;
	mp.dialect = harness_dialect();		/* the source's */
	m = vpf_model_create(&mp);
	vpf_pf_params_init(&pp);
	pp.name = "dst";
	pf = m ? vpf_pf_attach(&vpf_model_ops, m, &pp) : NULL;
	mig = pf ? vpf_mig_attach(pf, NULL) : NULL;
	if (mig == NULL || child_fds(pr, &rfd, &wfd) ||
	    vpf_mig_xport_fd_init(&fx, rfd, wfd))
		_exit(2);
	if (pr->stall) {
		/* A destination that hangs: read nothing, until killed. */
		for (;;)
			pause();
	}
	memset(p, 0, sizeof(p));
	for (i = 0; i < NP; i++) {
		p[i].dst = mig;
		p[i].dst_vf = DV[i];
	}
	vpf_mig_opts_init(&o);
	if (vpf_mig_job_start_dest(&o, p, NP, &fx.x, &job))
		_exit(3);
	while (!vpf_mig_job_done(job))
		vpf_mig_job_poll(job, 0);
	rc = vpf_mig_job_finish(job, NULL);
	for (i = 0; i < NP; i++)
		if (vpf_model_digest(m, DV[i], dg[i]))
			_exit(4);
	if (write_all(pr->res[1], &rc, sizeof(rc)) ||
	    write_all(pr->res[1], dg, sizeof(dg)))
		_exit(5);
	vpf_mig_detach(mig);
	vpf_pf_detach(pf);
	vpf_model_destroy(m);
	_exit(0);
}

static void
proc_setup(struct proc *pr, enum link_kind kind)
{
	struct sockaddr_un sa;

	memset(pr, 0, sizeof(*pr));
	pr->kind = kind;
	pr->lfd = -1;
	snprintf(pr->dir, sizeof(pr->dir), "/tmp/vpf-2proc-XXXXXX");
	assert_non_null(mkdtemp(pr->dir));
	assert_int_equal(pipe(pr->res), 0);
	switch (kind) {
	case L_SOCKETPAIR:
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pr->sv), 0);
		break;
	case L_UNIX:
		snprintf(pr->path, sizeof(pr->path), "%s/mig.sock", pr->dir);
		pr->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(pr->lfd >= 0);
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", pr->path);
		assert_int_equal(bind(pr->lfd, (struct sockaddr *)&sa,
				      sizeof(sa)), 0);
		assert_int_equal(listen(pr->lfd, 1), 0);
		break;
	default:
		snprintf(pr->path, sizeof(pr->path), "%s/to-dst", pr->dir);
		snprintf(pr->path2, sizeof(pr->path2), "%s/to-src", pr->dir);
		assert_int_equal(mkfifo(pr->path, 0600), 0);
		assert_int_equal(mkfifo(pr->path2, 0600), 0);
		break;
	}
}

/* Fork the destination; the parent's transport descriptors. */
static void
proc_start(struct proc *pr, int *rfd, int *wfd)
{
	pr->pid = fork();
	assert_true(pr->pid >= 0);
	if (pr->pid == 0)
		child(pr);
	close(pr->res[1]);
	switch (pr->kind) {
	case L_SOCKETPAIR:
		close(pr->sv[1]);
		*rfd = *wfd = pr->sv[0];
		break;
	case L_UNIX:
		*rfd = *wfd = accept(pr->lfd, NULL, NULL);
		assert_true(*rfd >= 0);
		break;
	default:
		/* Our read end first (the child's writer waits for it), then
		 * our write end, which waits for the child's reader: by then
		 * the child's writer is open too. */
		*rfd = fifo_open(pr->path2, O_RDONLY);
		*wfd = fifo_open(pr->path, O_WRONLY);
		assert_true(*rfd >= 0 && *wfd >= 0);
		break;
	}
}

static void
proc_end(struct proc *pr, int rfd, int wfd)
{
	close(rfd);
	if (wfd != rfd)
		close(wfd);
	if (pr->lfd >= 0)
		close(pr->lfd);
	close(pr->res[0]);
	if (pr->path[0])
		unlink(pr->path);
	if (pr->path2[0])
		unlink(pr->path2);
	rmdir(pr->dir);
}

static void
two_proc(enum link_kind kind)
{
	struct opt op = { .vfs = NP, .qp = QP, .seed = SEED };
	struct vpf_mig_fd_xport fx;
	struct vpf_mig_pair p[NP];
	struct vpf_mig_result res;
	struct vpf_mig_opts o;
	struct vpf_mig_job *job;
	uint8_t ds[NP][32], dg[NP][32];
	struct side s;
	struct proc pr;
	int rfd, wfd, rc, st;
	unsigned int i;

	alarm(60);
	side_up(&s, "src", &op);
	for (i = 0; i < NP; i++) {
		assert_int_equal(vpf_model_guest_step(s.model, SV[i], 80 + i), 0);
		digest(&s, SV[i], ds[i]);
	}
	proc_setup(&pr, kind);
	proc_start(&pr, &rfd, &wfd);
	assert_int_equal(vpf_mig_xport_fd_init(&fx, rfd, wfd), 0);
	memset(p, 0, sizeof(p));
	for (i = 0; i < NP; i++) {
		p[i].src = s.mig;
		p[i].src_vf = SV[i];
	}
	vpf_mig_opts_init(&o);
	o.precopy_rounds = 1;
	assert_int_equal(vpf_mig_job_start_source(&o, p, NP, &fx.x, &job), 0);
	while (!vpf_mig_job_done(job))
		vpf_mig_job_poll(job, 0);
	rc = vpf_mig_job_finish(job, &res);
	if (rc) {
		char why[256];

		snprintf(why, sizeof(why), "%s", vpf_last_error());
		waitpid(pr.pid, &st, 0);
		fail_msg("source: %s (destination process: status 0x%x)", why,
			 st);
	}
	assert_int_equal(res.ok, NP);
	assert_int_equal(read_all(pr.res[0], &rc, sizeof(rc)), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(read_all(pr.res[0], dg, sizeof(dg)), 0);
	assert_int_equal(waitpid(pr.pid, &st, 0), pr.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (i = 0; i < NP; i++) {
		assert_memory_equal(dg[i], ds[i], 32);
		assert_int_equal(vfstate(&s, SV[i]), VPF_MIG_STATE_STOP);
		assert_int_equal(mode(&s, SV[i]), dmode(VPF_DEV_MODE_FREEZE));
		assert_true(p[i].downtime_ns > 0);
	}
	proc_end(&pr, rfd, wfd);
	side_down(&s);
	alarm(0);
}

static void
test_2proc_socketpair(void **state)
{
	(void)state;
	two_proc(L_SOCKETPAIR);
}

static void
test_2proc_unix_socket(void **state)
{
	(void)state;
	two_proc(L_UNIX);
}

static void
test_2proc_fifo(void **state)
{
	(void)state;
	two_proc(L_FIFO);
}

struct killer {
	struct proc *pr;
	bool killed;
};

/* After the first precopy round: the destination dies. */
static int
kill_progress(const struct vpf_mig_progress *p, void *arg)
{
	struct killer *k = arg;
	int st;

	if (p->phase == VPF_MIG_PHASE_PRECOPY && p->round == 1 && !k->killed) {
		kill(k->pr->pid, SIGKILL);
		waitpid(k->pr->pid, &st, 0);
		k->killed = true;
	}
	return 0;
}

static void
killed(enum link_kind kind, bool stall)
{
	struct opt op = { .vfs = NP, .qp = QP, .seed = SEED };
	struct vpf_mig_fd_xport fx;
	struct vpf_mig_pair p[NP];
	struct vpf_mig_result res;
	struct vpf_mig_opts o;
	struct vpf_mig_job *job;
	uint8_t ds[NP][32];
	struct killer k;
	struct side s;
	struct proc pr;
	int rfd, wfd, rc;
	unsigned int i;

	alarm(60);
	side_up(&s, "src", &op);
	for (i = 0; i < NP; i++) {
		assert_int_equal(vpf_model_guest_step(s.model, SV[i], 60 + i), 0);
		digest(&s, SV[i], ds[i]);
	}
	proc_setup(&pr, kind);
	pr.stall = stall;
	proc_start(&pr, &rfd, &wfd);
	assert_int_equal(vpf_mig_xport_fd_init(&fx, rfd, wfd), 0);
	memset(p, 0, sizeof(p));
	for (i = 0; i < NP; i++) {
		p[i].src = s.mig;
		p[i].src_vf = SV[i];
	}
	vpf_mig_opts_init(&o);
	o.precopy_rounds = 3;
	k.pr = &pr;
	k.killed = false;
	o.progress = kill_progress;
	o.arg = &k;
	assert_int_equal(vpf_mig_job_start_source(&o, p, NP, &fx.x, &job), 0);
	if (stall) {
		/* Nothing comes back: the job waits for the verdicts until
		 * the destination dies. */
		for (i = 0; i < 200; i++)
			vpf_mig_job_poll(job, 0);
		assert_false(vpf_mig_job_done(job));
		kill(pr.pid, SIGKILL);
		waitpid(pr.pid, &rc, 0);
		k.killed = true;
	}
	while (!vpf_mig_job_done(job))
		vpf_mig_job_poll(job, 0);
	rc = vpf_mig_job_finish(job, &res);
	assert_true(k.killed);
	assert_true(rc < 0);
	assert_int_not_equal(rc, -ENOTCONN);
	assert_int_equal(res.ok, 0);
	for (i = 0; i < NP; i++) {
		assert_true(p[i].rc < 0);
		assert_running(&s, SV[i]);
		assert_digest(&s, SV[i], ds[i]);
		/* (1.4: 5 operations may leave a VF's parts unchanged) */
		assert_guest_runs(&s, SV[i], v14() ? 50 : 5);
	}
	proc_end(&pr, rfd, wfd);
	side_down(&s);
	alarm(0);
}

static void
test_2proc_killed_in_precopy(void **state)
{
	(void)state;
	killed(L_UNIX, false);
	killed(L_SOCKETPAIR, false);
	killed(L_FIFO, false);
}

static void
test_2proc_killed_stalled(void **state)
{
	(void)state;
	killed(L_UNIX, true);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_2proc_socketpair),
	cmocka_unit_test(test_2proc_unix_socket),
	cmocka_unit_test(test_2proc_fifo),
	cmocka_unit_test(test_2proc_killed_in_precopy),
	cmocka_unit_test(test_2proc_killed_stalled)
)
