/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpfd: the PF owner as a service (doc/vpfd.md). EAL, the PFs of the
 * command line, then one loop on the main lcore: it polls the admin
 * queues while a request or a job has work and sleeps in epoll when there
 * is none. SIGTERM, SIGINT and SIGHUP end it cleanly: VFs restored as the
 * journal says, the socket removed.
 */

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "vpf_common.h"
#include "cli_util.h"
#include "vpfd.h"

#define EXIT_USAGE	2

static struct vpfd daemon_state;

static void
on_signal(int sig)
{
	daemon_state.stop = sig;
}

static void
usage(FILE *out)
{
	fputs(
"usage: vpfd [EAL options] -- [options]\n"
"\n"
"Options:\n"
"  -s, --socket PATH     JSON-RPC Unix socket (default " VPFD_SOCKET_DEFAULT "),\n"
"                        mode 0600, with the lock file PATH.lock\n"
"  --model SPEC          own a software PF model; SPEC is\n"
"                        name=<n>[,vfs=<n>][,vqs=<n>][,seed=<n>]\n"
"                        [,dialect=seed-2023|1.4][,bdf=DDDD:BB:DD.F]\n"
"                        [,service_us=<n>][,concurrency=<n>][,act_us=<n>];\n"
"                        repeatable (the last three: a timed model)\n"
"  --vfio BDF            own the PF at BDF through VFIO; repeatable\n"
"  --journal DIR         journal of migrated VFs (default $VPF_JOURNAL_DIR,\n"
"                        else " VPF_MIG_JOURNAL_DIR_DEFAULT ")\n"
"  --listen tcp:HOST:PORT  also serve TCP (HOST empty: 127.0.0.1); needs\n"
"                        --token-file: clients call auth {token} first\n"
"  --token-file FILE     the access token (first line, >= 16 characters,\n"
"                        the file readable by its owner only)\n"
"  -q, --quiet           no log lines\n"
"  -h, --help            this text\n"
"\n"
"Without EAL options, vpfd uses --no-huge --no-pci, one lcore, a file\n"
"prefix vpfd-<pid> and quiet EAL logs. Stop it with SIGTERM.\n"
"Exit status: 0 clean shutdown; 1 start-up failed; 2 usage error.\n", out);
}

struct app_opts {
	struct vpfd_opts o;
	const char *models[VPFD_MAX_PF];
	unsigned int nmodels;
	const char *vfio[VPFD_MAX_PF];
	unsigned int nvfio;
};

/* @return 0, 1 (--help) or -1 (usage error, printed). */
static int
parse_args(int argc, char **argv, struct app_opts *a)
{
	enum { OPT_MODEL = 256, OPT_VFIO, OPT_JOURNAL, OPT_LISTEN, OPT_TOKEN };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "vfio", required_argument, NULL, OPT_VFIO },
		{ "journal", required_argument, NULL, OPT_JOURNAL },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "token-file", required_argument, NULL, OPT_TOKEN },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->o.socket_path = optarg;
			break;
		case OPT_MODEL:
		case OPT_VFIO:
			if (a->nmodels + a->nvfio == VPFD_MAX_PF) {
				fprintf(stderr, "vpfd: at most %d PFs\n",
					VPFD_MAX_PF);
				return -1;
			}
			if (c == OPT_MODEL)
				a->models[a->nmodels++] = optarg;
			else
				a->vfio[a->nvfio++] = optarg;
			break;
		case OPT_JOURNAL:
			a->o.journal_dir = optarg;
			break;
		case OPT_LISTEN:
			a->o.listen = optarg;
			break;
		case OPT_TOKEN:
			a->o.token_file = optarg;
			break;
		case 'q':
			a->o.quiet = true;
			break;
		case 'h':
			return 1;
		case ':':
			fprintf(stderr, "vpfd: option '%s' needs a value\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "vpfd: unknown option '%s'\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vpfd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (a->o.listen != NULL && a->o.token_file == NULL) {
		fprintf(stderr, "vpfd: --listen needs --token-file FILE\n");
		return -1;
	}
	return 0;
}

struct eal_args {
	char *argv[40];
	int argc;
	char prefix[64];
	char lcore[16];
};

static void
eal_args_build(struct eal_args *e, char **argv, int dd, bool vfio)
{
	int i;

	e->argv[e->argc++] = argv[0];
	if (dd > 1) {
		for (i = 1; i < dd && e->argc < (int)RTE_DIM(e->argv) - 1; i++)
			e->argv[e->argc++] = argv[i];
	} else {
		snprintf(e->prefix, sizeof(e->prefix),
			 "--file-prefix=vpfd-%d", (int)getpid());
		snprintf(e->lcore, sizeof(e->lcore), "%d", cli_first_cpu());
		e->argv[e->argc++] = "--no-huge";
		e->argv[e->argc++] = "--no-shconf";
		if (vfio) {
			e->argv[e->argc++] = "--iova-mode=va";
			e->argv[e->argc++] = "-m";
			e->argv[e->argc++] = "256";
		}
		e->argv[e->argc++] = "--no-pci";
		e->argv[e->argc++] = "--no-telemetry";
		e->argv[e->argc++] = "-l";
		e->argv[e->argc++] = e->lcore;
		e->argv[e->argc++] = e->prefix;
		e->argv[e->argc++] = "--log-level=lib.*:error";
	}
	e->argv[e->argc] = NULL;
}

/* Signals only interrupt the loop's wait (epoll_pwait unblocks them):
 * a request being served is never cut in the middle, and EAL's threads,
 * created with them blocked, never take them. */
static void
catch_signals(sigset_t *blocked)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(blocked);
	sigaddset(blocked, SIGINT);
	sigaddset(blocked, SIGTERM);
	sigaddset(blocked, SIGHUP);
	sigprocmask(SIG_BLOCK, blocked, NULL);
}

static int
attach_all(struct vpfd *d, const struct app_opts *a)
{
	char err[256];
	unsigned int i;

	for (i = 0; i < a->nmodels; i++)
		if (vpfd_model_spec(d, a->models[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "vpfd: --model %s: %s\n", a->models[i],
				err);
			return -1;
		}
	for (i = 0; i < a->nvfio; i++)
		if (vpfd_pf_attach_vfio(d, a->vfio[i], NULL, NULL) < 0) {
			fprintf(stderr, "vpfd: --vfio %s: %s\n", a->vfio[i],
				vpf_last_error());
			return -1;
		}
	return 0;
}

static void
run(struct vpfd *d)
{
	while (!d->stop) {
		bool busy = vpfd_jobs_active(d);

		if (vpfd_serve(d, busy ? 0 : -1) < 0)
			break;
		if (busy)
			vpfd_jobs_poll(d);
	}
}

int
main(int argc, char **argv)
{
	struct vpfd *d = &daemon_state;
	struct eal_args eal = { .argc = 0 };
	int dd = -1, i, rc, status = 0;
	struct app_opts a;
	sigset_t blocked;
	char rundir[PATH_MAX] = "";

	setvbuf(stderr, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	memset(&a, 0, sizeof(a));
	vpfd_opts_init(&a.o);
	rc = parse_args(dd >= 0 ? argc - dd : argc, dd >= 0 ? &argv[dd] : argv,
			&a);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : EXIT_USAGE;
	}
	vpfd_init(d, &a.o);
	catch_signals(&blocked);
	rte_openlog_stream(stderr);
	eal_args_build(&eal, argv, dd, a.nvfio > 0);
	if (rte_eal_init(eal.argc, eal.argv) < 0) {
		fprintf(stderr, "vpfd: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	/* the socket first: a second daemon on the same socket must fail
	 * before it touches any PF */
	rc = vpfd_listen(d);
	if (rc < 0) {
		fprintf(stderr, "vpfd: cannot serve %s: %s\n",
			a.o.socket_path, strerror(-rc));
		status = 1;
	}
	if (status == 0 && attach_all(d, &a) < 0)
		status = 1;
	if (status == 0) {
		vpfd_log(d, "serving %s%s%s (%u PFs)", a.o.socket_path,
			 a.o.listen ? " and " : "", a.o.listen ? a.o.listen : "",
			 d->npf);
		run(d);
		if (d->stop > 1)
			vpfd_log(d, "%s: shutting down", strsignal(d->stop));
	}
	vpfd_fini(d);
	/* our own prefix's runtime directory (empty: no shared config, no
	 * telemetry) goes with us */
	if (dd <= 1)
		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (rundir[0] != '\0')
		(void)rmdir(rundir);
	return status;
}
