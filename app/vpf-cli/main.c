/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli: testpmd-like CLI for manual migration steps.
 *
 *   vpf-cli [EAL options] -- [options]
 *
 * Without EAL options it supplies its own (--no-huge --no-pci, one lcore, a
 * file prefix unique to the process, quiet EAL logs), so that `vpf-cli`
 * alone works and two instances can run at once.
 */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <cmdline.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>

#include "vpf_common.h"
#include "vpf_vfio.h"
#include "cli.h"

#define EXIT_USAGE	2

volatile sig_atomic_t cli_signal;
static char rundir[PATH_MAX];

/* The runtime directory of our own prefix, named as EAL names it (root:
 * /var/run, else $XDG_RUNTIME_DIR or /tmp; then dpdk/<prefix>), so that it
 * is removed also when rte_eal_init() fails after creating it. */
static void
rundir_name(const char *prefix)
{
	const char *base = "/var/run";

	if (getuid() != 0) {
		base = getenv("XDG_RUNTIME_DIR");
		if (base == NULL)
			base = "/tmp";
	}
	if ((size_t)snprintf(rundir, sizeof(rundir), "%s/dpdk/%s", base,
			     prefix) >= sizeof(rundir))
		rundir[0] = '\0';
}

/* atexit: empty the directory (the prefix is this process's own, so
 * whatever is in it is ours: telemetry sockets, if their own handler did
 * not run) and remove it. */
static void
remove_rundir(void)
{
	char path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	if (rundir[0] == '\0')
		return;
	d = opendir(rundir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", rundir, de->d_name);
			(void)unlink(path);
		}
		closedir(d);
	}
	(void)rmdir(rundir);
}

static void
on_signal(int sig)
{
	cli_signal = sig;
}

const char *
cli_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "signal";
	}
}

static void
usage(FILE *out)
{
	fputs(
"usage: vpf-cli [EAL options] -- [options]\n"
"\n"
"Options:\n"
"  -i, --interactive     interactive prompt (default when stdin is a terminal)\n"
"  -f, --file FILE       run the commands of FILE ('-': stdin), then exit\n"
"                        (with -i: then prompt)\n"
"  --model SPEC          attach a software PF model; SPEC is\n"
"                        name=<n>[,vfs=<n>][,vqs=<n>][,seed=<n>]\n"
"                        [,dialect=seed-2023|1.4][,bdf=<a>][,service_us=<n>]\n"
"                        [,concurrency=<n>][,act_us=<n>]; repeatable (the\n"
"                        last three: a timed model, doc/model.md)\n"
"  --vfio BDF            attach the PF at BDF through VFIO; repeatable\n"
"  --vfio-vf-token UUID  VF token for --vfio PFs (also given to EAL)\n"
"  --dialect D           dialect of the models attached without dialect=\n"
"                        (the two default ones, --model, pf attach model):\n"
"                        seed-2023 (default) or 1.4\n"
"  --journal DIR         journal of migrated VFs (default $VPF_JOURNAL_DIR,\n"
"                        else " VPF_MIG_JOURNAL_DIR_DEFAULT "; '' for none: a\n"
"                        restarted vpf-cli then cannot tell VFs that\n"
"                        migrated away and resumes none)\n"
"  -h, --help            this text\n"
"\n"
"Without --model/--vfio, two models are attached: src and dst, 4 VFs each.\n"
"Without EAL options, vpf-cli uses --no-huge --no-pci, one lcore, a file\n"
"prefix vpf-cli-<pid> and quiet EAL logs.\n"
"\n"
"Exit status: 0 every command succeeded; 1 a command or start-up failed;\n"
"2 usage error. Type 'help' at the prompt for the commands.\n", out);
}

struct app_opts {
	bool interactive;
	const char *file;
	const char *models[CLI_MAX_PF];
	unsigned int nmodels;
	const char *vfio[CLI_MAX_PF];
	unsigned int nvfio;
	const char *vf_token;
};

/* @return 0, 1 (--help given) or -1 (usage error, printed). */
static int
parse_app_args(int argc, char **argv, struct app_opts *o)
{
	enum { OPT_MODEL = 256, OPT_VFIO, OPT_VF_TOKEN, OPT_JOURNAL,
	       OPT_DIALECT };
	static const struct option longopts[] = {
		{ "interactive", no_argument, NULL, 'i' },
		{ "file", required_argument, NULL, 'f' },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "vfio", required_argument, NULL, OPT_VFIO },
		{ "vfio-vf-token", required_argument, NULL, OPT_VF_TOKEN },
		{ "journal", required_argument, NULL, OPT_JOURNAL },
		{ "dialect", required_argument, NULL, OPT_DIALECT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":if:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->interactive = true;
			break;
		case 'f':
			o->file = optarg;
			break;
		case OPT_MODEL:
			if (o->nmodels + o->nvfio == CLI_MAX_PF) {
				fprintf(stderr, "vpf-cli: at most %d PFs\n",
					CLI_MAX_PF);
				return -1;
			}
			o->models[o->nmodels++] = optarg;
			break;
		case OPT_VFIO: {
			char norm[VPF_PCI_BDF_LEN];

			if (o->nmodels + o->nvfio == CLI_MAX_PF) {
				fprintf(stderr, "vpf-cli: at most %d PFs\n",
					CLI_MAX_PF);
				return -1;
			}
			/* a malformed address is a usage error, like a
			 * malformed --model SPEC, not a failed attach */
			if (vpf_pci_bdf_parse(optarg, norm) < 0) {
				fprintf(stderr, "vpf-cli: --vfio %s: not a PCI "
					"address (dddd:bb:dd.f): EINVAL\n",
					optarg);
				return -1;
			}
			o->vfio[o->nvfio++] = optarg;
			break;
		}
		case OPT_VF_TOKEN:
			o->vf_token = optarg;
			break;
		case OPT_JOURNAL:
			cli_journal_dir = optarg;
			break;
		case OPT_DIALECT:
			/* before any --model is attached: they come after
			 * the whole command line is read */
			if (cli_parse_dialect(optarg, &cli_model_dialect) < 0) {
				fprintf(stderr, "vpf-cli: --dialect %s: not "
					"seed-2023 or 1.4\n", optarg);
				return -1;
			}
			break;
		case 'h':
			return 1;
		case ':':
			fprintf(stderr, "vpf-cli: option '%s' needs a value\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "vpf-cli: unknown option '%s'\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vpf-cli: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

/* --model name=<n>[,vfs=<n>][,vqs=<n>][,seed=<n>][,dialect=<d>][,bdf=<a>]
 * @return 0, EXIT_USAGE (bad SPEC) or 1 (attach failed). */
static int
attach_model_spec(const char *spec)
{
	struct cli_model_spec ms = { .dialect = cli_model_dialect };
	struct cli_kv kv;
	char err[256];

	if (cli_kv_parse(spec, ",", cli_model_keys, &kv, err, sizeof(err)) < 0 ||
	    cli_model_spec_get(&kv, true, &ms, err, sizeof(err)) < 0) {
		fprintf(stderr, "vpf-cli: --model %s: %s: EINVAL\n", spec, err);
		return EXIT_USAGE;
	}
	return cli_pf_attach_model(&ms) < 0 ? 1 : 0;
}

/* "$$" in a script line is the process id, as in sh: a shipped script
 * (demo.cmd) names files of its own, so that two runs at once do not
 * collide. @return the line to run (@p line itself when it has no "$$",
 * else a malloc()ed copy), or NULL when out of memory. */
static char *
expand_pid(char *line)
{
	char pid[16], *out, *o;
	const char *p;
	size_t n = 0, plen;

	for (p = strstr(line, "$$"); p != NULL; p = strstr(p + 2, "$$"))
		n++;
	if (n == 0)
		return line;
	plen = (size_t)snprintf(pid, sizeof(pid), "%d", (int)getpid());
	out = malloc(strlen(line) + n * plen + 1);
	if (out == NULL)
		return NULL;
	for (o = out, p = line; *p != '\0';) {
		if (p[0] == '$' && p[1] == '$') {
			memcpy(o, pid, plen);
			o += plen;
			p += 2;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* Run the commands of @p path. @return number of failed commands, or -1
 * if the file cannot be opened. */
static int
run_script(struct cmdline *cl, const char *path)
{
	char *line = NULL, failed_lines[256] = "";
	size_t cap = 0;
	unsigned int lineno = 0, ncmd = 0, nfail = 0;
	ssize_t n;
	FILE *in;

	if (strcmp(path, "-") == 0) {
		in = stdin;
	} else {
		in = fopen(path, "r");
		if (in == NULL) {
			fprintf(stderr, "vpf-cli: cannot open '%s': %s: %s\n",
				path, cli_errno_name(errno), strerror(errno));
			return -1;
		}
	}
	while (!cli_signal && !cli.quit && (n = getline(&line, &cap, in)) >= 0) {
		char *p = line, *nul, *x;
		int rc;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		/* A NUL byte would silently cut the line short (the rest of a
		 * command, or all of it, lost): fail the line instead. */
		nul = memchr(line, '\0', (size_t)n);
		if (nul != NULL) {
			ssize_t i;

			printf("vpf> ");
			for (i = 0; i < n; i++) {
				if (line[i] != '\0')
					putchar(line[i]);
				else
					fputs("\\0", stdout);
			}
			printf("\n");
			fflush(stdout);
			snprintf(cli_where, sizeof(cli_where), "line %u", lineno);
			rc = cli_fail(-EINVAL, "NUL byte at column %zu (a "
				      "binary file?): line not run",
				      (size_t)(nul - line) + 1);
		} else {
			p += strspn(p, " \t");
			if (*p == '\0')
				continue;
			if (*p == '#') {
				/* comments narrate a script: show them */
				printf("%s\n", p);
				continue;
			}
			snprintf(cli_where, sizeof(cli_where), "line %u", lineno);
			x = expand_pid(p);
			if (x == NULL) {
				rc = cli_fail(-ENOMEM, "out of memory");
			} else {
				printf("vpf> %s\n", x);
				fflush(stdout);
				rc = cli_run_line(cl, x);
				if (x != p)
					free(x);
			}
		}
		cli_where[0] = '\0';
		ncmd++;
		if (rc < 0) {
			nfail++;
			snprintf(failed_lines + strlen(failed_lines),
				 sizeof(failed_lines) - strlen(failed_lines),
				 "%s%u", failed_lines[0] ? " " : "", lineno);
		}
		fflush(stdout);
	}
	free(line);
	if (in != stdin)
		fclose(in);
	if (nfail) {
		fflush(stdout);
		fprintf(stderr, "vpf-cli: %s: %u of %u commands failed (lines %s)\n",
			strcmp(path, "-") ? path : "stdin", nfail, ncmd,
			failed_lines);
	}
	return (int)nfail;
}

static void
run_interactive(void)
{
	struct cmdline *cl;

	cl = cmdline_stdin_new(cli_cmdline_ctx(), "vpf> ");
	if (cl == NULL) {
		fprintf(stderr, "vpf-cli: cannot start the prompt\n");
		return;
	}
	cli_interactive = cl;
	while (!cli_signal && !cli.quit) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		int rc;

		/* poll() so that SIGINT/SIGTERM (no SA_RESTART) end the wait */
		rc = poll(&pfd, 1, -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		rc = cmdline_poll(cl);
		if (rc < 0 || rc == RDLINE_EXITED)
			break;
	}
	printf("\n");
	cli_interactive = NULL;
	cmdline_stdin_exit(cl);
}

static void
leave_all(const char *why)
{
	pthread_mutex_lock(&cli.lock);
	while (cli.npf > 0) {
		struct cli_pf *p = cli.pfs[cli.npf - 1];

		cli_pf_leave(p, why);
		cli_pf_detach(p);
	}
	pthread_mutex_unlock(&cli.lock);
}

/* EAL's arguments. Each string the array points to lives in @p e. */
struct eal_args {
	char *argv[32];
	int argc;
	char prefix[64];	/* --file-prefix=vpf-cli-<pid>, or "" */
	char lcore[16];
	char token_opt[128];
};

/* The caller's EAL options (before "--", argv[1..dd-1]), with the VF token
 * passed on unless given. */
static void
eal_args_given(struct eal_args *e, char **argv, int dd,
	       const struct app_opts *o)
{
	bool has_token = false;
	int i;

	for (i = 1; i < dd && e->argc < (int)RTE_DIM(e->argv) - 2; i++) {
		if (strncmp(argv[i], "--vfio-vf-token", 15) == 0)
			has_token = true;
		e->argv[e->argc++] = argv[i];
	}
	/* EAL needs the VF token to open a PF whose VFs are in use
	 * (doc/hardware.md); pass --vfio-vf-token on unless given. */
	if (o->vf_token != NULL && !has_token) {
		snprintf(e->token_opt, sizeof(e->token_opt),
			 "--vfio-vf-token=%s", o->vf_token);
		e->argv[e->argc++] = e->token_opt;
	}
}

/* vpf-cli's own EAL options, so that `vpf-cli` alone works and two
 * instances can run at once. */
static void
eal_args_own(struct eal_args *e, const struct app_opts *o)
{
	snprintf(e->prefix, sizeof(e->prefix), "--file-prefix=vpf-cli-%d",
		 (int)getpid());
	snprintf(e->lcore, sizeof(e->lcore), "%d", cli_first_cpu());
	/* --no-shconf: no shared config files, so nothing is left in the
	 * runtime directory but telemetry's sockets. For --vfio PFs,
	 * anonymous memory is DMA-mapped with IOVA = VA (an IOMMU is
	 * required anyway; doc/hardware.md). */
	e->argv[e->argc++] = "--no-huge";
	e->argv[e->argc++] = "--no-shconf";
	if (o->nvfio > 0) {
		e->argv[e->argc++] = "--iova-mode=va";
		e->argv[e->argc++] = "-m";
		e->argv[e->argc++] = "256";
	}
	e->argv[e->argc++] = "--no-pci";
	e->argv[e->argc++] = "-l";
	e->argv[e->argc++] = e->lcore;
	e->argv[e->argc++] = e->prefix;
	e->argv[e->argc++] = "--log-level=lib.*:error";
	if (o->vf_token != NULL) {
		snprintf(e->token_opt, sizeof(e->token_opt),
			 "--vfio-vf-token=%s", o->vf_token);
		e->argv[e->argc++] = e->token_opt;
	}
}

/* Before EAL: a signal from here on is a flag, never the default action
 * (which would leave the runtime directory, and VFs moved). SIGHUP is an
 * ssh drop: restore as SIGTERM does. SIGPIPE is ignored so that printing
 * to a closed terminal or pipe cannot kill the process in the middle of
 * the restore. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a signal ends a blocking read */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The PFs of the command line, or the two default models. @return the
 * exit status so far. */
static int
attach_initial(const struct app_opts *o)
{
	unsigned int i;
	int status = 0;

	for (i = 0; i < o->nmodels && status == 0; i++)
		status = attach_model_spec(o->models[i]);
	for (i = 0; i < o->nvfio && status == 0; i++)
		if (cli_pf_attach_vfio(o->vfio[i], NULL, o->vf_token) < 0)
			status = 1;
	if (status == 0 && o->nmodels == 0 && o->nvfio == 0) {
		struct cli_model_spec src = { .name = "src", .vfs = 4,
					      .seed = 1,
					      .dialect = cli_model_dialect };
		struct cli_model_spec dst = src;

		dst.name = "dst";
		dst.seed = 2;
		if (cli_pf_attach_model(&src) < 0 ||
		    cli_pf_attach_model(&dst) < 0)
			status = 1;
	}
	return status;
}

/* The command file (or piped stdin), then the prompt if there is one.
 * @return the exit status. */
static int
run_session(const struct app_opts *o)
{
	struct cmdline *cl = NULL;
	int rc, status = 0;

	if (o->file != NULL || (!o->interactive && !isatty(0))) {
		cl = cmdline_new(cli_cmdline_ctx(), "vpf> ", -1, -1);
		if (cl == NULL) {
			fprintf(stderr, "vpf-cli: cmdline_new failed\n");
			status = 1;
		}
	}
	if (cl != NULL) {
		rc = run_script(cl, o->file ? o->file : "-");
		if (rc < 0)
			status = EXIT_USAGE;
		else if (rc > 0)
			status = 1;
		cmdline_free(cl);
	}
	if (status != EXIT_USAGE && !cli.quit && !cli_signal &&
	    (o->interactive || (o->file == NULL && isatty(0))))
		run_interactive();
	return status;
}

int
main(int argc, char **argv)
{
	struct eal_args eal = { .argc = 0 };
	int app_argc, dd = -1, i, rc, status;
	char **app_argv;
	struct app_opts o;
	bool eal_given;

	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	eal_given = dd > 1;
	app_argv = dd >= 0 ? &argv[dd] : argv;
	app_argc = dd >= 0 ? argc - dd : argc;
	/* app_argv[0] plays the program name for getopt */
	rc = parse_app_args(app_argc, app_argv, &o);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : EXIT_USAGE;
	}

	/* EAL logs go to stderr (not stdout, which carries results, and
	 * not syslog). */
	rte_openlog_stream(stderr);
	eal.argv[eal.argc++] = argv[0];
	if (eal_given)
		eal_args_given(&eal, argv, dd, &o);
	else
		eal_args_own(&eal, &o);
	eal.argv[eal.argc] = NULL;
	/* With our own prefix, remove its runtime directory at exit, on
	 * every path from here (EAL failure included). This handler is
	 * registered before EAL's: it runs after telemetry's atexit handler
	 * unlinked the sockets. */
	if (!eal_given) {
		rundir_name(eal.prefix + strlen("--file-prefix="));
		atexit(remove_rundir);
	}
	catch_signals();
	rc = rte_eal_init(eal.argc, eal.argv);
	if (rc < 0) {
		fprintf(stderr, "vpf-cli: EAL initialisation failed: %s: %s\n",
			cli_errno_name(rte_errno), rte_strerror(rte_errno));
		return 1;
	}

	if (!eal_given)
		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());

	cli_cmdline_ctx();
	status = attach_initial(&o);
	if (status == 0 && cli_telemetry_init() < 0)
		fprintf(stderr, "vpf-cli: telemetry endpoints not registered\n");
	if (status == 0)
		status = run_session(&o);

	if (cli_signal) {
		fflush(stdout);
		fprintf(stderr, "vpf-cli: %s received\n",
			cli_signal_name(cli_signal));
		/* 128+n whatever came before (doc/cli.md): a caller must
		 * be able to tell "interrupted" from "a command failed". */
		status = 128 + cli_signal;
	}
	leave_all("exit");
	cli_cmdline_free();
	rte_eal_cleanup();
	return status;
}
