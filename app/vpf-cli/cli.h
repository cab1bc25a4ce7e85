/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_CLI_H
#define VPF_CLI_H

/*
 * vpf-cli internals: the PF registry, the command table, argument access,
 * result/error printing.
 *
 * Threading: commands run on the main thread; telemetry handlers run on
 * DPDK's telemetry thread. Both take cli.lock around any access to a PF,
 * since a struct vpf_pf is single-owner (vpf_pf.h).
 */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vpf_mig.h"
#include "vpf_pf.h"
#include "cli_util.h"

#define CLI_MAX_PF		16
#define CLI_NAME_LEN		32
/* Most positional arguments of one command (literals not counted). */
#define CLI_MAX_ARGS		6
/* Bytes of one argument (a path, a range list), NUL included. */
#define CLI_ARG_LEN		1024

struct vpf_model;

/** What vpf-cli remembers about one VF. */
struct cli_vf {
	bool moved;		/* vpf-cli took it out of Active */
	bool migrated;		/* a migration from it completed */
	char migrated_to[CLI_NAME_LEN + 16];
	bool wr_on;		/* write recording started by vpf-cli */
	uint64_t wr_page_size;
	/* a migration to it completed (migrate, or the manual flow): the
	 * guest runs here now; `migrate` to it again needs force=yes */
	bool target;
	char target_of[CLI_NAME_LEN + 16];
	/* 1.4 dialect: the driver's record of the VF's mode (a 1.4 device
	 * cannot report it): true after a DEV_MODE_SET stop vpf-cli sent,
	 * false after a resume (doc/cli.md D-CLI14.3) */
	bool stopped14;
};

/** One attached PF. */
struct cli_pf {
	char name[CLI_NAME_LEN];
	struct vpf_pf *pf;
	struct vpf_model *model;	/* NULL unless a model */
	void *backend;			/* other backends' handle */
	void (*backend_free)(void *backend);
	uint16_t num_vfs;
	uint32_t max_chunk;		/* the PF's largest context chunk */
	struct cli_vf *vfs;		/* [1..num_vfs], index 0 unused */
	uint64_t dev_errors;		/* see cli_dev_begin() */
	struct vpf_mig *mig;		/* migration layer, see cli_pf_mig() */
};

/** Context files vpf-cli wrote, so that a manual migration is recognised
 *  (`ctx read` on a source, `ctx write` + `mode set active` on a dest). */
struct cli_ctx_file {
	char path[CLI_ARG_LEN];
	char pf[CLI_NAME_LEN];
	uint16_t vf;
};

struct cli_state {
	pthread_mutex_t lock;
	struct cli_pf *pfs[CLI_MAX_PF];
	unsigned int npf;
	bool quit;		/* `quit` was run */
	struct cli_ctx_file files[16];
	unsigned int nfiles;
	/* manual flow: destination VF -> source of the context written */
	struct {
		char dst_pf[CLI_NAME_LEN];
		uint16_t dst_vf;
		char src_pf[CLI_NAME_LEN];
		uint16_t src_vf;
		bool valid;
	} written[16];
	unsigned int nwritten;
};

extern struct cli_state cli;

/* ---- the command table -------------------------------------------------- */

/** Arguments of one command invocation. */
struct cli_args {
	const struct cli_cmd *cmd;
	unsigned int n;
	const char *name[CLI_MAX_ARGS + 2];
	const char *val[CLI_MAX_ARGS + 2];
	struct cli_kv kv;
	const char *kv_text;	/* raw key=value text, or NULL */
	/* what the command acts on, found before its handler runs
	 * (struct cli_cmd: on); NULL and 0 when it finds its own */
	struct cli_pf *p;
	uint16_t vf;
};

/** An option of a command: `key=<v>` or an optional positional. */
struct cli_opt {
	const char *name;	/* as in the syntax: "chunk=<bytes>", "<vf>" */
	const char *def;	/* the value the command uses without it */
	const char *note;	/* what that means, or NULL */
};

/**
 * What a command acts on: the arguments <pf> (and <vf>) that cli_cmd_run()
 * finds, with the usual errors, before the handler runs (a->p, a->vf).
 */
enum cli_on {
	CLI_ON_ARGS = 0,	/* nothing: the handler reads its arguments */
	CLI_ON_PF,		/* <pf> */
	CLI_ON_VF,		/* <pf> <vf>, device errors counted from here
				 * (cli_dev_begin()) */
	CLI_ON_MODEL_PF,	/* <pf>, which must be a software model */
	CLI_ON_MODEL_VF,	/* <pf> <vf> of a software model */
};

/**
 * A command: display syntax (doc/cli.md), from which the cmdline instances
 * are generated, a one-line help, what each option defaults to, what it
 * acts on, and the handler. Syntax: `word` literal; `a|b|c` one of (any
 * word accepted, completed from the list); `<name>` argument; `[...]`
 * optional (trailing); `[key=<v>]` key=value options (trailing, any order).
 */
struct cli_cmd {
	const char *syntax;
	const char *help;
	/* 0 or a negative errno; prints its own result lines */
	int (*fn)(struct cli_args *a);
	/* the options' defaults, for `help <command>`; NULL-terminated */
	const struct cli_opt *opts;
	enum cli_on on;
};

/** The commands of one area (one cli_cmds_<area>.c), as `help` groups
 *  them. */
struct cli_cmd_group {
	const char *name;	/* "ctx" */
	const char *title;	/* the header `help` prints */
	const struct cli_cmd *cmds;
	unsigned int n;
};

/** Every area, in the order `help` lists them. */
extern const struct cli_cmd_group *const cli_groups[];
extern const unsigned int cli_ngroups;

/** Walk every command of every group: @p g and @p c are loop variables
 *  (unsigned int), @p cmd the command (const struct cli_cmd *). */
#define CLI_FOREACH_CMD(g, c, cmd)					\
	for ((g) = 0; (g) < cli_ngroups; (g)++)				\
		for ((c) = 0; (c) < cli_groups[(g)]->n &&			\
		     ((cmd) = &cli_groups[(g)]->cmds[(c)], 1); (c)++)

/** Value of argument @p name (as in the syntax, without <>), or NULL. */
const char *cli_arg(const struct cli_args *a, const char *name);

/** Find what @p cmd acts on (its `on`) into @p a, then run its handler:
 *  0, or the negative errno already reported. Called with cli.lock held. */
int cli_cmd_run(const struct cli_cmd *cmd, struct cli_args *a);

/** The signal (SIGINT, SIGTERM, SIGHUP) received, or 0. A running command
 *  polls it and stops at the next safe point ("cancelled: ..."). */
extern volatile sig_atomic_t cli_signal;
/** "SIGINT", "SIGTERM", "SIGHUP". */
const char *cli_signal_name(int sig);

/** Where errors come from: "line 7" in script mode, "" interactively. */
extern char cli_where[32];
/** The interactive cmdline, if any (for `quit`). */
extern struct cmdline *cli_interactive;
/** Result of the last command run through cmdline. */
int cli_last_rc(void);

/* ---- errors ------------------------------------------------------------- */

/**
 * Report a failure of the running command: "error: <cmd>: <text>: <ERRNO>"
 * plus the device status and qualifier when @p dev says so. Returns @p err.
 */
int cli_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Report a failed vpf call on @p p: uses vpf_last_error() and, when the
 * device answered with an error, its status and qualifier.
 */
int cli_fail_dev(struct cli_pf *p, int err, const char *what);

/** If @p p's device answered a command with an error since
 *  cli_dev_begin(), write " (device status S, qualifier Q)" to @p dev. */
bool cli_dev_status(struct cli_pf *p, char *dev, size_t len);

/** Report @p text with an optional device suffix from cli_dev_status(). */
int cli_fail_text(int err, const char *dev, const char *text);

/**
 * cli_fail_dev() for admin command @p op on VF @p vf, followed by a
 * `hint:` line on stderr when the refusal has a usual cause and a usual
 * fix (the VF is in the wrong mode, recording already on, opcode not
 * enabled, ...). Returns @p err.
 */
int cli_fail_op(struct cli_pf *p, uint16_t vf, uint8_t op, int err,
		const char *what);

/** Print "hint: <text>" on stderr (after an error line). */
void cli_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Snapshot the device error counters of @p p before a call, so that
 *  cli_fail_dev() can tell a device error from a local refusal. */
void cli_dev_begin(struct cli_pf *p);

/** Commands counted in @p st, all opcodes. */
uint64_t cli_stats_cmds(const struct vpf_admin_stats *st);
/** Errors the device answered, counted in @p st, all statuses. */
uint64_t cli_stats_dev_errors(const struct vpf_admin_stats *st);

/* ---- PF registry -------------------------------------------------------- */

struct cli_pf *cli_pf_find(const char *name);
/** 0 when a PF named @p name can be attached (no PF has that name and
 *  there is room for one more), or the reported negative errno. */
int cli_pf_can_add(const char *name);
/** Register an attached PF as @p name (with @p m for a model, or another
 *  backend's handle and how to free it); NULL when out of memory. */
struct cli_pf *cli_pf_add(const char *name, struct vpf_pf *pf,
			  struct vpf_model *m, void *backend,
			  void (*backend_free)(void *backend),
			  uint32_t max_chunk);
/** Whether @p p speaks the virtio 1.4 device-parts dialect. */
bool cli_pf_v14(const struct cli_pf *p);
/** @p mode as @p p's device has it: a 1.4 device is running or stopped,
 *  so the migration layer's Freeze is Stop there (D-MIG14.2). */
uint8_t cli_mode_fold(const struct cli_pf *p, uint8_t mode);
/** The name of cli_mode_fold(@p p, @p mode). */
const char *cli_mode_name(const struct cli_pf *p, uint8_t mode);
/**
 * The mode of VF @p vf: on a draft PF DEV_MODE_GET; on a 1.4 PF, whose
 * device cannot report it, the driver's record (active unless vpf-cli
 * stopped it: D-CLI14.3), and *@p recorded is set (may be NULL).
 * @return 0 or the negative errno of the command (not reported).
 */
int cli_mode_get(struct cli_pf *p, uint16_t vf, uint8_t *mode,
		 bool *recorded);
/**
 * Set VF @p vf's mode: DEV_MODE_SET on a draft PF; on a 1.4 PF DEV_MODE_SET
 * with or without STOPPED for stop and active (freeze: -ENOTSUP, nothing
 * sent, vpf_last_error() says why), and the driver's record follows.
 * @return 0 or the negative errno (not reported).
 */
int cli_mode_set(struct cli_pf *p, uint16_t vf, uint8_t mode);
/** Find PF and VF (1..num_vfs) or report the error. */
int cli_pf_vf(const struct cli_args *a, const char *pfkey, const char *vfkey,
	      struct cli_pf **pp, uint16_t *vf);
/** Create the model PF @p s describes and attach it. */
int cli_pf_attach_model(const struct cli_model_spec *s);
/** Attach a PF through VFIO (vpf-cli built with libvpf_vfio). */
int cli_pf_attach_vfio(const char *bdf, const char *name, const char *token);
/** Detach, reporting/restoring VFs (see cli_pf_leave()). */
void cli_pf_detach(struct cli_pf *p);
/** Report VFs outside Active; restore those vpf-cli moved (unless
 *  migrated). Prints `exit:` lines. */
void cli_pf_leave(struct cli_pf *p, const char *why);
/** Report VFs found outside Active right after an attach (left by a
 *  process that died mid-migration) with the way back; changes nothing.
 *  @return how many were found. */
unsigned int cli_pf_report_found(struct cli_pf *p);
/**
 * Attach @p p's migration layer with the attach scan and the journal, as
 * an owner starting on a device another may have left (`pf reattach`,
 * `pf attach vfio`), and print one `attach:` line per VF found outside
 * Active or with a stale journal entry: migrated away (left stopped), left
 * mid-migration (resumed when @p resume), ... Falls back to
 * cli_pf_report_found() when the PF has no migration layer.
 * @return how many VFs were reported.
 */
unsigned int cli_pf_attach_scan(struct cli_pf *p, bool resume);
/** Drop the driver without restoring anything and attach it again to the
 *  same device, as a restarted vpf-cli would (models and VFIO PFs), then
 *  cli_pf_attach_scan(). */
int cli_pf_reattach(struct cli_pf *p, bool resume);
/** Whether the PF's journal lists VF @p vf as migrated away: 1 yes, 0 no,
 *  -1 unknown (no migration layer or no usable journal). */
int cli_pf_journal_has(struct cli_pf *p, uint16_t vf);
/** The journal directory (--journal): NULL for the library's default
 *  ($VPF_JOURNAL_DIR, else VPF_MIG_JOURNAL_DIR_DEFAULT), "" for none. */
extern const char *cli_journal_dir;
/** The dialect of a model attached without dialect= (--dialect; the
 *  draft's by default): the two default models, --model and
 *  `pf attach model`. */
extern enum vpf_dialect cli_model_dialect;
/** The PF's migration layer (vpf_mig.h), attached at its first use and
 *  kept until the PF is detached or re-attached; NULL (reported) when it
 *  cannot be attached. Every `mig` and `migrate` command goes through it. */
struct vpf_mig *cli_pf_mig(struct cli_pf *p);

/* ---- cmdline glue ------------------------------------------------------- */

struct cmdline;
/** Build the cmdline instances from cli_cmds[]; returns the context. */
void *cli_cmdline_ctx(void);
void cli_cmdline_free(void);
/** Parse and run one line; 0 or negative errno (also for parse errors). */
int cli_run_line(struct cmdline *cl, const char *line);
/** Print usage lines of the commands whose syntax starts like @p line. */
void cli_usage_for(const char *line, FILE *out);

/* ---- telemetry ---------------------------------------------------------- */

int cli_telemetry_init(void);

#endif /* VPF_CLI_H */
