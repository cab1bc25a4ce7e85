/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands: mig state|save|load|complete|abort|adopt, one VF through the
 * PF's migration layer (vpf_mig.h, doc/migration.md), the way a VFIO-based
 * hypervisor drives it; and the rules that keep the manual commands (mode,
 * ctx, wr) and the migration layer from contradicting each other
 * (doc/protocol.md D-CLI.9 - D-CLI.14).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_mig.h"
#include "vpf_model.h"
#include "cli_cmds.h"

/* Bytes moved between the migration layer and the file per call. */
#define MIG_IO_BUF		(64u << 10)
/* Longest stream `mig load` takes (precopy rounds included). */
#define MIG_STREAM_MAX		(UINT64_C(1) << 30)
/* How long a FIFO's peer may take to come, or to move a byte (wait=). */
#define MIG_WAIT_DEFAULT_S	60u
#define MIG_WAIT_MAX_S		3600u

/* ---- the migration layer and vpf-cli's record --------------------------- */

static const char *
state_name(enum vpf_mig_state s)
{
	return vpf_mig_state_name(s);
}

/* "src vf 2", or "source src vf 2" with a role. */
static void
vf_name(char *buf, size_t len, const char *role, const struct cli_pf *p,
	uint16_t vf)
{
	snprintf(buf, len, "%s%s%s vf %u", role ? role : "", role ? " " : "",
		 p->name, vf);
}

int
cli_mig_vf_ready(struct cli_pf *p, struct vpf_mig *m, uint16_t vf,
		 const char *role, bool need_running)
{
	struct vpf_mig_vf_info in;
	uint8_t mode, want;
	char who[CLI_NAME_LEN + 32];
	int rc;

	vf_name(who, sizeof(who), role, p, vf);
	rc = vpf_mig_vf_info_get(m, vf, &in);
	if (rc < 0)
		return cli_fail(rc, "%s: %s", who, vpf_last_error());
	if (in.busy)
		return cli_fail(-EBUSY, "%s: an operation of the migration "
				"layer is running on it", who);
	if (in.state == VPF_MIG_STATE_ERROR)
		return cli_fail(-EIO, "%s is in ERROR under mig (%s): "
				"'mig abort %s %u' first", who,
				vpf_mig_vf_error(m, vf)[0] ?
				vpf_mig_vf_error(m, vf) : "a failed step",
				p->name, vf);
	if (need_running && in.state != VPF_MIG_STATE_RUNNING)
		return cli_fail(-EBUSY, "%s is in %s under mig%s: 'mig abort "
				"%s %u%s' first", who, state_name(in.state),
				in.complete ? " (it migrated away: the guest "
				"runs elsewhere)" : "", p->name, vf,
				in.complete ? " force=yes" : "");
	/* The device must be in the mode the layer has it in: a manual
	 * command, or a reset, may have moved it (D-CLI.10). */
	cli_dev_begin(p);
	rc = cli_vf_mode(p, vf, &mode);
	if (rc < 0) {
		char what[64];

		snprintf(what, sizeof(what), "DEV_MODE_GET (%s)",
			 role ? role : "mig");
		return cli_fail_dev(p, rc, what);
	}
	/* A 1.4 device is running or stopped: the layer's Stop and Freeze
	 * are both "stopped" there (D-MIG14.2). */
	want = cli_mode_fold(p, vpf_mig_state_mode(in.state));
	mode = cli_mode_fold(p, mode);
	if (mode == want)
		return 0;
	if (in.state == VPF_MIG_STATE_RUNNING)
		return cli_fail(-EBUSY, "%s is in %s, not active (moved by "
				"hand, outside mig: 'mode set %s %u active' or "
				"'mig abort %s %u' first)", who,
				vpf_dev_mode_name(mode), p->name, vf, p->name,
				vf);
	return cli_fail(-EBUSY, "%s is in %s on the device but in %s (%s) "
			"under mig: it changed outside mig; 'mig abort %s "
			"%u%s' puts both back to running", who,
			vpf_dev_mode_name(mode), state_name(in.state),
			vpf_dev_mode_name(want), p->name, vf,
			in.complete ? " force=yes" : "");
}

void
cli_mig_note(struct cli_pf *p, uint16_t vf, const char *how)
{
	struct cli_vf *v = &p->vfs[vf];
	struct vpf_mig_vf_info in;

	if (p->mig == NULL || vpf_mig_vf_info_get(p->mig, vf, &in) < 0)
		return;
	if (in.state == VPF_MIG_STATE_RUNNING) {
		/* running here: nothing to restore, nothing migrated away */
		v->moved = false;
		v->migrated = false;
		return;
	}
	v->moved = true;
	if (how != NULL) {
		/* left as is at exit (D-CLI.12) */
		v->migrated = true;
		snprintf(v->migrated_to, sizeof(v->migrated_to), "%s", how);
	}
}

/* Which manual commands change a VF's mode, context or recording; they
 * bypass the migration layer. */
static const char *const manual_cmds[] = {
	"mode set ", "ctx read ", "ctx write ", "ctx discard ", "wr start ",
	"wr read ", "wr stop ", "parts get ", "parts set ", "parts obj ",
};

int
cli_mig_manual_ok(const struct cli_cmd *cmd, struct cli_pf *p, uint16_t vf)
{
	struct vpf_mig_vf_info in;
	unsigned int i;
	size_t wl;

	if (p == NULL || p->mig == NULL || vf == 0)
		return 0;
	for (i = 0; i < RTE_DIM(manual_cmds); i++)
		if (strncmp(cmd->syntax, manual_cmds[i],
			    strlen(manual_cmds[i])) == 0)
			break;
	if (i == RTE_DIM(manual_cmds))
		return 0;
	if (vpf_mig_vf_info_get(p->mig, vf, &in) < 0 ||
	    in.state == VPF_MIG_STATE_RUNNING)
		return 0;
	wl = strlen(manual_cmds[i]) - 1;
	if (in.complete)
		return cli_fail(-EBUSY, "%s vf %u migrated away (%s under "
				"mig; the guest runs elsewhere): %.*s would "
				"act behind mig; 'mig abort %s %u force=yes' "
				"first if the destination does not run it",
				p->name, vf, state_name(in.state), (int)wl,
				cmd->syntax, p->name, vf);
	return cli_fail(-EBUSY, "%s vf %u is in %s under mig: %.*s would act "
			"behind mig; 'mig abort %s %u' first", p->name, vf,
			state_name(in.state), (int)wl, cmd->syntax, p->name,
			vf);
}

/* The layer of a->p (reported when it cannot be had). */
static int
mig_of(struct cli_pf *p, struct vpf_mig **m)
{
	*m = cli_pf_mig(p);
	return *m == NULL ? -EIO : 0;
}

static int
opt_force(const struct cli_args *a, bool *force)
{
	return cli_opt_force(a, force);
}

/* A destination that runs a guest (a migration to it completed) or is
 * about to (ctx write of another VF's context) is refused unless
 * force=yes, as `migrate` does. */
int
cli_mig_dst_free(struct cli_pf *d, uint16_t dvf, bool force)
{
	char from[CLI_NAME_LEN + 16];

	if (force)
		return 0;
	if (d->vfs[dvf].target)
		return cli_fail(-EBUSY, "destination %s vf %u is the target "
				"of a completed migration (from %s): the guest "
				"runs there; force=yes to overwrite it",
				d->name, dvf, d->vfs[dvf].target_of);
	if (cli_manual_target(d, dvf, from, sizeof(from)))
		return cli_fail(-EBUSY, "destination %s vf %u is the target "
				"of a migration in progress (a context of %s "
				"was written to it with ctx write); force=yes "
				"to overwrite it", d->name, dvf, from);
	return 0;
}

/* ---- mig state ---------------------------------------------------------- */

static void
print_state(struct cli_pf *p, struct vpf_mig *m, uint16_t vf)
{
	struct vpf_mig_vf_info in;

	if (vpf_mig_vf_info_get(m, vf, &in) < 0)
		return;
	printf("state: %s\n", state_name(in.state));
	printf("mode: %s\n", in.state == VPF_MIG_STATE_ERROR ? "unknown" :
	       cli_mode_name(p, vpf_mig_state_mode(in.state)));
	printf("complete: %s\n", cli_yes_no(in.complete));
}

static int
cmd_mig_state(struct cli_args *a)
{
	const char *want = cli_arg(a, "vfio-state");
	enum vpf_mig_state from, to, path[VPF_MIG_PATH_MAX];
	struct cli_pf *p = a->p;
	struct vpf_mig_vf_info in;
	struct vpf_mig *m;
	int rc, n, i;

	if ((rc = mig_of(p, &m)) < 0)
		return rc;
	if (want == NULL) {
		uint8_t mode;

		print_state(p, m, a->vf);
		(void)vpf_mig_vf_info_get(m, a->vf, &in);
		if (in.state != VPF_MIG_STATE_ERROR &&
		    cli_vf_mode(p, a->vf, &mode) == 0 &&
		    cli_mode_fold(p, mode) !=
		    cli_mode_fold(p, vpf_mig_state_mode(in.state)))
			printf("note: the device has %s vf %u in %s: it was "
			       "moved outside mig (mig commands refuse it "
			       "until it is back)\n", p->name, a->vf,
			       vpf_dev_mode_name(mode));
		return 0;
	}
	if (vpf_mig_state_parse(want, &to) < 0)
		return cli_fail(-EINVAL, "bad state '%s' (RUNNING, STOP, "
				"STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, "
				"PRE_COPY_P2P)", want);
	rc = cli_mig_vf_ready(p, m, a->vf, NULL, false);
	if (rc < 0)
		return rc;
	(void)vpf_mig_vf_info_get(m, a->vf, &in);
	from = in.state;
	n = vpf_mig_path(from, to, path, RTE_DIM(path));
	if (n < 0)
		return cli_fail(n == -EPERM ? -EPERM : n, "no way from %s to "
				"%s (ERROR is left only by 'mig abort')",
				state_name(from), state_name(to));
	/* Leaving Freeze resumes a source that migrated away: the guest
	 * would run twice (D-CLI.13). */
	if (n > 0 && (in.complete || p->vfs[a->vf].migrated) &&
	    vpf_mig_state_mode(to) != VPF_DEV_MODE_FREEZE)
		return cli_fail(-EBUSY, "%s vf %u migrated away (to %s): "
				"resuming it would run the guest twice; 'mig "
				"abort %s %u force=yes' if the destination does "
				"not run it", p->name, a->vf,
				p->vfs[a->vf].migrated ?
				p->vfs[a->vf].migrated_to : "elsewhere",
				p->name, a->vf);
	printf("from: %s\n", state_name(from));
	if (n > 0) {
		printf("path:");
		for (i = 0; i < n; i++)
			printf(" %s", state_name(path[i]));
		printf("\n");
	}
	cli_dev_begin(p);
	vpf_error_clear();
	rc = vpf_mig_set_state(m, a->vf, to);
	cli_mig_note(p, a->vf, NULL);
	print_state(p, m, a->vf);
	if (rc < 0) {
		/* a single word: vpf's sentence alone, which names the VF */
		cli_fail_dev(p, rc, "set_state");
		cli_hint("'mig abort %s %u' takes %s vf %u back to running "
			 "with its state unchanged", p->name, a->vf, p->name,
			 a->vf);
		return rc;
	}
	return 0;
}

/* ---- mig complete, mig abort -------------------------------------------- */

static int
cmd_mig_complete(struct cli_args *a)
{
	struct cli_pf *p = a->p;
	struct vpf_mig_vf_info in;
	struct vpf_mig *m;
	int rc;

	if ((rc = mig_of(p, &m)) < 0)
		return rc;
	rc = cli_mig_vf_ready(p, m, a->vf, NULL, false);
	if (rc < 0)
		return rc;
	(void)vpf_mig_vf_info_get(m, a->vf, &in);
	if (in.state != VPF_MIG_STATE_STOP)
		return cli_fail(-EPERM, "%s vf %u is in %s: a completed "
				"migration leaves its source in STOP (after "
				"'mig save' read the whole stream)", p->name,
				a->vf, state_name(in.state));
	vpf_error_clear();
	rc = vpf_mig_mark_complete(m, a->vf);
	if (rc < 0)
		return cli_fail(rc, "%s vf %u: %s", p->name, a->vf,
				vpf_last_error());
	cli_mig_note(p, a->vf, "a destination (mig complete)");
	printf("complete: yes\n");
	printf("state: %s\n", state_name(in.state));
	return 0;
}

static int
cmd_mig_abort(struct cli_args *a)
{
	struct cli_pf *p = a->p;
	struct vpf_mig_vf_info in;
	struct vpf_mig *m;
	uint8_t mode = VPF_DEV_MODE_ACTIVE;
	bool force, recover = false;
	int rc;

	if ((rc = opt_force(a, &force)) < 0 || (rc = mig_of(p, &m)) < 0)
		return rc;
	rc = vpf_mig_vf_info_get(m, a->vf, &in);
	if (rc < 0)
		return cli_fail(rc, "%s", vpf_last_error());
	if (in.busy)
		return cli_fail(-EBUSY, "%s vf %u: an operation of the "
				"migration layer is running on it", p->name,
				a->vf);
	if (!force && (in.complete || p->vfs[a->vf].migrated))
		return cli_fail(-EBUSY, "%s vf %u migrated away (to %s): "
				"resuming it would run the guest twice; "
				"force=yes if the destination does not run it",
				p->name, a->vf, p->vfs[a->vf].migrated ?
				p->vfs[a->vf].migrated_to : "elsewhere");
	cli_dev_begin(p);
	if (cli_vf_mode(p, a->vf, &mode) == 0 && in.state ==
	    VPF_MIG_STATE_RUNNING && mode != VPF_DEV_MODE_ACTIVE)
		recover = true;	/* left outside active by hand or by a
				 * process that died: the way back */
	vpf_error_clear();
	rc = recover ? vpf_mig_recover(m, a->vf) : vpf_mig_abort(m, a->vf);
	cli_mig_note(p, a->vf, NULL);
	if (rc < 0) {
		print_state(p, m, a->vf);
		return cli_fail_dev(p, rc, "abort");
	}
	p->vfs[a->vf].moved = false;
	p->vfs[a->vf].migrated = false;
	printf("aborted: %s\n", recover ? "recovered (discard, active)" :
	       in.state == VPF_MIG_STATE_RUNNING ? "nothing to abort" :
	       state_name(in.state));
	print_state(p, m, a->vf);
	return 0;
}

/* The operator knows the guest runs on this destination (or is to run
 * there) with what it loaded: vpf_mig_adopt(), never a reset. */
static int
cmd_mig_adopt(struct cli_args *a)
{
	struct cli_pf *p = a->p;
	struct vpf_mig_vf_info in;
	struct vpf_mig *m;
	int rc;

	if ((rc = mig_of(p, &m)) < 0)
		return rc;
	rc = vpf_mig_vf_info_get(m, a->vf, &in);
	if (rc < 0)
		return cli_fail(rc, "%s", vpf_last_error());
	cli_dev_begin(p);
	vpf_error_clear();
	rc = vpf_mig_adopt(m, a->vf);
	cli_mig_note(p, a->vf, NULL);
	if (rc < 0) {
		print_state(p, m, a->vf);
		return cli_fail_dev(p, rc, "adopt");
	}
	if (in.state != VPF_MIG_STATE_RUNNING) {
		p->vfs[a->vf].target = true;
		snprintf(p->vfs[a->vf].target_of,
			 sizeof(p->vfs[a->vf].target_of), "a stream (mig adopt)");
	}
	printf("adopted: %s\n", in.state == VPF_MIG_STATE_RUNNING ?
	       "nothing to adopt (running)" : state_name(in.state));
	print_state(p, m, a->vf);
	return 0;
}

/* ---- mig save, mig load: the stream through a file or a FIFO ------------ */

/* One `mig save` or `mig load`. */
struct mig_io {
	struct cli_pf *p;
	uint16_t vf;
	struct vpf_mig *m;
	const char *path;
	struct cli_stream st;
	uint8_t *buf;
	unsigned int wait_s;
	double t0;
	double last;		/* last progress line */
	uint64_t bytes;		/* stream bytes moved */
	const char *where;	/* the phase, for a failure or a cancel */
	uint32_t rounds;
	bool model_digest;	/* a model: digest before (load) */
	char digest0[65];
	/* format=linux (save) or a Linux record stream detected (load): the
	 * vpf stream goes through this converter (D-LNX.1, D-LNX.6) */
	struct vpf_mig_linux_conv *conv;
	int out_rc;		/* the converter's output failed: the stream
				 * (save) or the layer (load) */
	bool linux_fmt;
};

static bool
io_cancel(void *arg)
{
	RTE_SET_USED(arg);
	return cli_cancelled();
}

static double
io_elapsed(const struct mig_io *io)
{
	return cli_now() - io->t0;
}

/* At most one line a second while bytes flow (never one per chunk). */
static void
io_tick(struct mig_io *io, const char *verb)
{
	double now = cli_now();

	if (now - io->last < 1.0)
		return;
	io->last = now;
	printf("progress: %s=%" PRIu64 " elapsed-s=%.1f\n", verb, io->bytes,
	       now - io->t0);
	fflush(stdout);
}

static int
opt_wait(const struct cli_args *a, unsigned int *wait_s)
{
	const char *s = cli_kv_get(&a->kv, "wait");
	uint64_t v;

	*wait_s = MIG_WAIT_DEFAULT_S;
	if (s == NULL)
		return 0;
	if (cli_parse_range(s, false, 1, MIG_WAIT_MAX_S, &v) < 0)
		return cli_fail(-EINVAL, "bad wait '%s' (seconds, 1..%u)", s,
				MIG_WAIT_MAX_S);
	*wait_s = (unsigned int)v;
	return 0;
}

static bool
is_fifo(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISFIFO(st.st_mode);
}

static void
digest_hex(struct cli_pf *p, uint16_t vf, char hex[65])
{
	uint8_t d[32];

	hex[0] = '\0';
	if (p->model != NULL && vpf_model_digest(p->model, vf, d) == 0)
		vpf_model_digest_hex(d, hex);
}

/* A stream call failed with @p rc: the sentence. */
static int
io_stream_fail(struct mig_io *io, int rc, const char *verb)
{
	return cli_fail(rc, "cannot %s '%s'%s%s", verb, io->path,
			io->st.why[0] ? ": " : "", io->st.why);
}

static int
io_cancelled(const char *cmd)
{
	return cli_fail(-ECANCELED, "%s cancelled by %s", cmd,
			cli_signal_name(cli_signal));
}

/* The source back to running after a failed or cancelled save; the
 * sentence of where it is. */
static const char *
save_undo(struct mig_io *io)
{
	enum vpf_mig_state s = VPF_MIG_STATE_ERROR;

	if (vpf_mig_abort(io->m, io->vf) == 0)
		(void)vpf_mig_get_state(io->m, io->vf, &s);
	else
		(void)vpf_mig_get_state(io->m, io->vf, &s);
	cli_mig_note(io->p, io->vf, NULL);
	return s == VPF_MIG_STATE_RUNNING ? "running (active)" :
	       s == VPF_MIG_STATE_ERROR ? "in ERROR ('mig abort' again)" :
	       "NOT running ('mig abort' again)";
}

/* format=linux: the converter's records go to the file as they are
 * final (a precopy round's at once, the final one after END). */
static int
save_linux_out(const void *buf, size_t len, void *arg)
{
	struct mig_io *io = arg;
	int rc = cli_stream_write(&io->st, buf, len);

	if (rc < 0) {
		io->out_rc = rc;
		return rc;
	}
	io->bytes += len;
	return 0;
}

/* Pull everything the layer has and write it out. */
static int
save_pump(struct mig_io *io, int *stream_rc)
{
	int rc;

	for (;;) {
		size_t got = 0;

		rc = vpf_mig_save_read(io->m, io->vf, io->buf, MIG_IO_BUF,
				       &got);
		if (rc < 0 || got == 0)
			return rc;
		if (io->conv != NULL) {
			rc = vpf_mig_linux_conv_feed(io->conv, io->buf, got);
			if (rc < 0) {
				if (io->out_rc)
					*stream_rc = io->out_rc;
				return rc;
			}
			io_tick(io, "sent");
			continue;
		}
		rc = cli_stream_write(&io->st, io->buf, got);
		if (rc < 0) {
			*stream_rc = rc;
			return rc;
		}
		io->bytes += got;
		io_tick(io, "sent");
	}
}

/* Save steps; 0, or the failure (a stream failure in *@p stream_rc). */
static int
save_run(struct mig_io *io, uint32_t precopy, int *stream_rc)
{
	uint64_t before;
	uint32_t r;
	int rc;

	for (r = 1; r <= precopy; r++) {
		if (cli_cancelled())
			return -ECANCELED;
		io->where = "precopy";
		io->rounds = r - 1;
		before = io->bytes;
		rc = r == 1 ? vpf_mig_set_state(io->m, io->vf,
						VPF_MIG_STATE_PRE_COPY) :
			vpf_mig_precopy_round(io->m, io->vf);
		if (rc == 0)
			rc = save_pump(io, stream_rc);
		if (rc < 0)
			return rc;
		io->rounds = r;
		printf("progress: precopy round %u: bytes=%" PRIu64
		       " elapsed-s=%.3f\n", r, io->bytes - before,
		       io_elapsed(io));
		fflush(stdout);
	}
	if (cli_cancelled())
		return -ECANCELED;
	io->where = "stop-copy";
	before = io->bytes;
	rc = vpf_mig_set_state(io->m, io->vf, VPF_MIG_STATE_STOP_COPY);
	if (rc == 0)
		rc = save_pump(io, stream_rc);
	if (rc < 0)
		return rc;
	printf("progress: stop-copy: bytes=%" PRIu64 " elapsed-s=%.3f\n",
	       io->bytes - before, io_elapsed(io));
	fflush(stdout);
	/* format=linux: the layer's stream ended with END, so the final
	 * record is out; the converter confirms the stream was whole. */
	if (io->conv != NULL && (rc = vpf_mig_linux_conv_finish(io->conv)) < 0)
		return rc;
	/* The whole stream is out: from here on the reader may apply it,
	 * so nothing undoes the save any more (a cancel is too late). */
	io->where = "stop";
	return vpf_mig_set_state(io->m, io->vf, VPF_MIG_STATE_STOP);
}

static bool
pf_is_v14(struct cli_pf *p)
{
	struct vpf_pf_info in;

	return vpf_pf_info_get(p->pf, &in) == 0 &&
	       in.dialect == VPF_DIALECT_V14_PARTS;
}

/* format=vpf|linux; *@p linux_fmt says which. */
static int
opt_format(const struct cli_args *a, struct cli_pf *p, bool *linux_fmt)
{
	const char *s = cli_kv_get(&a->kv, "format");

	*linux_fmt = false;
	if (s == NULL || strcmp(s, "vpf") == 0)
		return 0;
	if (strcmp(s, "linux") != 0)
		return cli_fail(-EINVAL, "bad format '%s' (vpf or linux)", s);
	/* Linux's own stream carries the virtio 1.4 device parts; this
	 * PF's contexts are the draft dialect's (D-CLI.14). */
	if (!pf_is_v14(p))
		return cli_fail(-ENOTSUP, "format=linux needs the virtio 1.4 "
				"dialect (device parts); %s speaks seed-2023, "
				"whose contexts travel in vpf's stream only "
				"(format=vpf)", p->name);
	*linux_fmt = true;
	return 0;
}

/* A save that failed or was cancelled before its last byte: the source
 * is put back (save_undo()) and the reason reported. */
static int
save_failed(struct mig_io *io, int rc, int stream_rc, bool fifo)
{
	struct cli_pf *p = io->p;
	const char *fate;
	bool cancelled = rc == -ECANCELED && cli_cancelled();
	char why[256];

	/* the reason first: the abort overwrites the sentences */
	snprintf(why, sizeof(why), "%s", stream_rc ? io->st.why :
		 vpf_mig_vf_error(io->m, io->vf)[0] ?
		 vpf_mig_vf_error(io->m, io->vf) : vpf_last_error());
	cli_stream_close(&io->st);
	fate = save_undo(io);
	free(io->buf);
	vpf_mig_linux_conv_free(io->conv);
	io->conv = NULL;
	printf("status: %s\n", cancelled ? "cancelled" : "failed");
	printf("elapsed-s: %.3f\n", io_elapsed(io));
	if (cancelled) {
		printf("cancelled: mig save %s vf %u after %.3f s (in "
		       "%s, %u precopy rounds done); source %s vf %u "
		       "%s; '%s' %s\n", p->name, io->vf,
		       io_elapsed(io), io->where, io->rounds, p->name,
		       io->vf, fate, io->path, fifo ?
		       "cut short (its reader applies nothing)" :
		       "not written");
		return io_cancelled("mig save");
	}
	if (stream_rc)
		return cli_fail(rc, "mig save %s vf %u failed in %s: "
				"cannot write '%s': %s; source %s", p->name,
				io->vf, io->where, io->path, why[0] ? why :
				strerror(-rc), fate);
	return cli_fail(rc, "mig save %s vf %u failed in %s: %s; "
			"source %s", p->name, io->vf, io->where, why,
			fate);
}

static int
cmd_mig_save(struct cli_args *a)
{
	struct mig_io io = {
		.p = a->p, .vf = a->vf, .path = cli_arg(a, "file"),
		.where = "waiting for a reader",
	};
	struct cli_pf *p = a->p;
	struct vpf_mig_linux_stats lst = { 0 };
	const char *opt;
	char dg[65];
	uint32_t precopy = 0;
	uint64_t v;
	bool fifo;
	int rc, stream_rc = 0;

	io.st.fd = -1;
	if ((opt = cli_kv_get(&a->kv, "precopy")) != NULL) {
		if (cli_parse_range(opt, false, 0, 1000, &v) < 0)
			return cli_fail(-EINVAL, "bad precopy '%s' (rounds, "
					"0..1000)", opt);
		precopy = (uint32_t)v;
	}
	if ((rc = opt_format(a, p, &io.linux_fmt)) < 0 ||
	    (rc = opt_wait(a, &io.wait_s)) < 0 || (rc = mig_of(p, &io.m)) < 0)
		return rc;
	rc = cli_mig_vf_ready(p, io.m, io.vf, NULL, true);
	if (rc < 0)
		return rc;
	if (p->vfs[io.vf].wr_on)
		return cli_fail(-EBUSY, "write recording started with 'wr "
				"start' is on: 'wr stop' first");
	io.buf = malloc(MIG_IO_BUF);
	if (io.buf == NULL)
		return cli_fail(-ENOMEM, "out of memory");
	if (io.linux_fmt) {
		io.conv = vpf_mig_linux_conv_new(VPF_MIG_LINUX_TO, NULL,
						 save_linux_out, &io);
		if (io.conv == NULL) {
			free(io.buf);
			return cli_fail(-ENOMEM, "%s", vpf_last_error());
		}
	}
	io.t0 = io.last = cli_now();
	fifo = is_fifo(io.path);
	if (fifo) {
		printf("waiting: for a reader of '%s' (at most %u s)\n",
		       io.path, io.wait_s);
		fflush(stdout);
	}
	/* Nothing is asked of the device before the stream has a reader:
	 * an unwritable file or nobody at the FIFO leaves the VF as it
	 * was. */
	rc = cli_stream_open_write(&io.st, io.path, io.wait_s * 1000u,
				   io_cancel, NULL);
	if (rc < 0) {
		free(io.buf);
		vpf_mig_linux_conv_free(io.conv);
		if (rc != -ECANCELED)
			return io_stream_fail(&io, rc, "write");
		printf("status: cancelled\n");
		printf("cancelled: mig save %s vf %u after %.3f s (waiting "
		       "for a reader); source %s vf %u untouched (running)\n",
		       p->name, io.vf, io_elapsed(&io), p->name, io.vf);
		return io_cancelled("mig save");
	}
	printf("mig save: %s vf %u -> '%s' (%s, precopy %u)\n", p->name,
	       io.vf, io.path, fifo ? "fifo" : "file", precopy);
	fflush(stdout);
	cli_dev_begin(p);
	vpf_error_clear();
	rc = save_run(&io, precopy, &stream_rc);
	if (rc == 0)
		rc = stream_rc = cli_stream_commit(&io.st);
	if (rc < 0 && strcmp(io.where, "stop") != 0)
		return save_failed(&io, rc, stream_rc, fifo);
	free(io.buf);
	if (io.conv != NULL)
		vpf_mig_linux_conv_stats(io.conv, &lst);
	vpf_mig_linux_conv_free(io.conv);
	if (rc < 0) {
		/* STOP_COPY -> STOP cannot fail on the device (same mode);
		 * if it did, the stream is out anyway: say so, undo nothing */
		cli_stream_close(&io.st);
		cli_mig_note(p, io.vf, "a stream (mig save, unconfirmed)");
		printf("status: failed\n");
		return cli_fail_dev(p, rc, "STOP_COPY -> STOP after the whole "
				    "stream was written");
	}
	cli_mig_note(p, io.vf, "a stream (mig save, unconfirmed)");
	printf("status: ok\n");
	printf("saved: %" PRIu64 "\n", io.bytes);
	printf("file: %s\n", io.path);
	printf("format: %s\n", io.linux_fmt ? "linux" : "vpf");
	if (io.linux_fmt)
		printf("linux-records: %u\n", lst.records_out);
	printf("precopy-rounds: %u\n", io.rounds);
	printf("state: %s\n", state_name(VPF_MIG_STATE_STOP));
	printf("elapsed-s: %.3f\n", io_elapsed(&io));
	digest_hex(p, io.vf, dg);
	if (dg[0])
		printf("digest: %s\n", dg);
	if (cli_cancelled())
		printf("note: %s came after the whole stream was written: too "
		       "late to cancel\n", cli_signal_name(cli_signal));
	printf("next: 'mig complete %s %u' once the destination runs, 'mig "
	       "abort %s %u' to resume here\n", p->name, io.vf, p->name,
	       io.vf);
	return 0;
}

/* The activating MODE_SET got no usable answer and the mode could not be
 * read back: the VF may run the guest. Undoing it now could overwrite the
 * migrated state (1.4: set its own parts back under the running guest),
 * so it is left in ERROR for the operator, with both ways out
 * (doc/migration.md "Failures", D-MIG.15). */
static int
load_unknown(struct mig_io *io, int rc)
{
	struct cli_pf *p = io->p;

	cli_mig_note(p, io->vf, NULL);
	printf("status: unknown\n");
	printf("received: %" PRIu64 "\n", io->st.bytes);
	printf("state: %s\n", state_name(VPF_MIG_STATE_ERROR));
	printf("elapsed-s: %.3f\n", io_elapsed(io));
	cli_hint("'mig adopt %s %u' if the guest runs there (keep the source "
		 "stopped: 'mig complete'), 'mig abort %s %u' if it does not",
		 p->name, io->vf, p->name, io->vf);
	return cli_fail(rc, "mig load %s vf %u: activation outcome unknown: "
			"%s; left in ERROR, nothing undone", p->name, io->vf,
			vpf_mig_vf_error(io->m, io->vf)[0] ?
			vpf_mig_vf_error(io->m, io->vf) : vpf_last_error());
}

/* The destination back to running with nothing applied; the sentence. */
static const char *
load_undo(struct mig_io *io)
{
	enum vpf_mig_state s = VPF_MIG_STATE_ERROR;
	char now[65];

	(void)vpf_mig_abort(io->m, io->vf);
	(void)vpf_mig_get_state(io->m, io->vf, &s);
	cli_mig_note(io->p, io->vf, NULL);
	if (s != VPF_MIG_STATE_RUNNING)
		return s == VPF_MIG_STATE_ERROR ?
		       "in ERROR, nothing applied ('mig abort' again)" :
		       "in STOP, nothing applied ('mig abort' again)";
	if (!io->model_digest)
		return "running (active), nothing applied";
	/* a model says whether that holds */
	digest_hex(io->p, io->vf, now);
	return strcmp(now, io->digest0) == 0 ?
	       "running (active), nothing applied (digest unchanged)" :
	       "running (active), but its digest CHANGED";
}

/* A Linux record stream: the converter's vpf stream goes to the layer. */
static int
load_linux_out(const void *buf, size_t len, void *arg)
{
	struct mig_io *io = arg;
	int rc = vpf_mig_load_write(io->m, io->vf, buf, len);

	if (rc < 0)
		io->out_rc = rc;
	return rc;
}

/* The stream's first bytes say its format (D-LNX.6): vpf's own stream
 * goes to the layer as it is; Linux records go through a converter whose
 * header carries this PF's ids and this VF (Linux's records name no
 * source). Anything else goes to the layer, which says what is wrong. */
static int
load_detect(struct mig_io *io, const uint8_t *head, size_t len)
{
	struct vpf_mig_linux_id id;
	struct vpf_pf_info in;

	if (vpf_mig_format_detect(head, len) != VPF_MIG_FORMAT_LINUX)
		return 0;
	io->linux_fmt = true;
	printf("format: linux\n");
	fflush(stdout);
	if (vpf_pf_info_get(io->p->pf, &in) < 0 ||
	    in.dialect != VPF_DIALECT_V14_PARTS)
		return vpf_error(-EPROTO, "'%s' holds Linux virtio-vfio-pci "
				 "migration records, which carry virtio 1.4 "
				 "device parts; %s speaks seed-2023 (draft "
				 "contexts) and cannot load them", io->path,
				 io->p->name);
	memset(&id, 0, sizeof(id));
	id.vendor_id = in.vendor_id;
	id.device_id = in.device_id;
	id.vf = io->vf;
	io->conv = vpf_mig_linux_conv_new(VPF_MIG_LINUX_FROM, &id,
					  load_linux_out, io);
	return io->conv == NULL ? -ENOMEM : 0;
}

/* @p len stream bytes to the layer, through the converter if any. */
static int
load_put(struct mig_io *io, const void *buf, size_t len)
{
	if (io->conv != NULL)
		return vpf_mig_linux_conv_feed(io->conv, buf, len);
	return vpf_mig_load_write(io->m, io->vf, buf, len);
}

/* Feed the stream to the layer until its end. */
static int
load_run(struct mig_io *io, int *stream_rc)
{
	uint8_t head[VPF_MIG_FORMAT_DETECT_LEN];
	size_t hlen = 0;
	bool detected = false;
	int rc;

	io->where = "resuming";
	rc = vpf_mig_set_state(io->m, io->vf, VPF_MIG_STATE_RESUMING);
	if (rc < 0)
		return rc;
	io->where = "the stream";
	for (;;) {
		size_t got = 0, off = 0;

		rc = cli_stream_read(&io->st, io->buf, MIG_IO_BUF, &got);
		if (rc < 0) {
			*stream_rc = rc;
			return rc;
		}
		if (got == 0)
			break;
		if (io->bytes + got > MIG_STREAM_MAX) {
			snprintf(io->st.why, sizeof(io->st.why), "longer than "
				 "%" PRIu64 " bytes", MIG_STREAM_MAX);
			*stream_rc = -EFBIG;
			return -EFBIG;
		}
		if (!detected) {
			/* gather the first bytes (a FIFO's reads may be
			 * short) until they tell the format */
			off = RTE_MIN(got, sizeof(head) - hlen);
			memcpy(head + hlen, io->buf, off);
			hlen += off;
			io->bytes += off;
			if (vpf_mig_format_detect(head, hlen) ==
			    VPF_MIG_FORMAT_NEED_MORE)
				continue;
			detected = true;
			if ((rc = load_detect(io, head, hlen)) < 0 ||
			    (rc = load_put(io, head, hlen)) < 0)
				return rc;
		}
		if (got > off && (rc = load_put(io, io->buf + off,
						 got - off)) < 0)
			return rc;
		io->bytes += got - off;
		io_tick(io, "received");
	}
	/* a stream shorter than the detection needs: the layer says so */
	if (!detected && hlen > 0 &&
	    (rc = vpf_mig_load_write(io->m, io->vf, head, hlen)) < 0)
		return rc;
	if (cli_cancelled())
		return -ECANCELED;
	/* Linux records: the last one, held back, goes out as the final
	 * parts set with END (D-LNX.3). */
	if (io->conv != NULL && (rc = vpf_mig_linux_conv_finish(io->conv)) < 0)
		return rc;
	/* RESUMING -> STOP checks that the stream was complete (D-7.4),
	 * STOP -> RUNNING applies it. */
	io->where = "activation";
	return vpf_mig_set_state(io->m, io->vf, VPF_MIG_STATE_RUNNING);
}

static int
cmd_mig_load(struct cli_args *a)
{
	struct mig_io io = {
		.p = a->p, .vf = a->vf, .path = cli_arg(a, "file"),
		.where = "opening",
	};
	struct cli_pf *p = a->p;
	enum vpf_mig_state s = VPF_MIG_STATE_ERROR;
	struct vpf_mig_linux_stats lst = { 0 };
	const char *fate;
	char dg[65], warn[256] = "";
	bool force;
	int rc, stream_rc = 0;

	io.st.fd = -1;
	if ((rc = opt_force(a, &force)) < 0 || (rc = opt_wait(a, &io.wait_s)) < 0 ||
	    (rc = mig_of(p, &io.m)) < 0)
		return rc;
	rc = cli_mig_vf_ready(p, io.m, io.vf, "destination", true);
	if (rc < 0 || (rc = cli_mig_dst_free(p, io.vf, force)) < 0)
		return rc;
	if (p->vfs[io.vf].wr_on)
		return cli_fail(-EBUSY, "write recording started with 'wr "
				"start' is on: 'wr stop' first");
	rc = cli_stream_open_read(&io.st, io.path, 0, io_cancel, NULL);
	if (rc < 0)
		return io_stream_fail(&io, rc, "read");
	io.st.wait_ms = io.wait_s * 1000u;
	io.buf = malloc(MIG_IO_BUF);
	if (io.buf == NULL) {
		cli_stream_close(&io.st);
		return cli_fail(-ENOMEM, "out of memory");
	}
	digest_hex(p, io.vf, io.digest0);
	io.model_digest = io.digest0[0] != '\0';
	io.t0 = io.last = cli_now();
	printf("mig load: '%s' -> %s vf %u (%s)\n", io.path, p->name, io.vf,
	       io.st.fifo ? "fifo" : "file");
	if (io.st.fifo)
		printf("waiting: for a writer of '%s' (at most %u s)\n",
		       io.path, io.wait_s);
	fflush(stdout);
	cli_dev_begin(p);
	vpf_error_clear();
	rc = load_run(&io, &stream_rc);
	cli_stream_close(&io.st);
	free(io.buf);
	if (io.conv != NULL) {
		vpf_mig_linux_conv_stats(io.conv, &lst);
		if (vpf_mig_linux_conv_warning(io.conv) != NULL)
			snprintf(warn, sizeof(warn), "%s",
				 vpf_mig_linux_conv_warning(io.conv));
	}
	vpf_mig_linux_conv_free(io.conv);
	io.conv = NULL;
	if (rc < 0)
		(void)vpf_mig_get_state(io.m, io.vf, &s);
	if (rc < 0 && strcmp(io.where, "activation") == 0 &&
	    s == VPF_MIG_STATE_ERROR)
		return load_unknown(&io, rc);
	/* A failed activation whose outcome the device told late may still
	 * have applied the context (doc/migration.md, Failures): then the
	 * guest runs here, and undoing it is not the CLI's call. */
	if (rc < 0 && !(strcmp(io.where, "activation") == 0 &&
			s == VPF_MIG_STATE_RUNNING)) {
		bool cancelled = rc == -ECANCELED && cli_cancelled();
		char why[256];

		snprintf(why, sizeof(why), "%s", stream_rc ? io.st.why :
			 vpf_mig_vf_error(io.m, io.vf)[0] ?
			 vpf_mig_vf_error(io.m, io.vf) : vpf_last_error());
		fate = load_undo(&io);
		printf("status: %s\n", cancelled ? "cancelled" : "failed");
		printf("received: %" PRIu64 "\n", io.st.bytes);
		printf("elapsed-s: %.3f\n", io_elapsed(&io));
		if (cancelled) {
			printf("cancelled: mig load %s vf %u after %.3f s (in "
			       "%s) at byte %" PRIu64 "; destination %s vf %u "
			       "%s\n", p->name, io.vf, io_elapsed(&io),
			       io.where, io.st.bytes, p->name, io.vf, fate);
			return io_cancelled("mig load");
		}
		if (stream_rc)
			return cli_fail(rc, "mig load %s vf %u failed in %s: "
					"cannot read '%s': %s; destination %s",
					p->name, io.vf, io.where, io.path,
					why[0] ? why : strerror(-rc), fate);
		return cli_fail(rc, "mig load %s vf %u failed in %s: %s; "
				"destination %s", p->name, io.vf, io.where, why,
				fate);
	}
	cli_mig_note(p, io.vf, NULL);
	p->vfs[io.vf].target = true;
	snprintf(p->vfs[io.vf].target_of, sizeof(p->vfs[io.vf].target_of),
		 "a stream (mig load)");
	printf("status: ok\n");
	printf("loaded: %" PRIu64 "\n", io.bytes);
	printf("file: %s\n", io.path);
	if (io.linux_fmt) {
		printf("linux-records: %u\n", lst.records_in);
		if (lst.skipped)
			printf("linux-skipped: %u (unknown tags flagged "
			       "optional)\n", lst.skipped);
		if (lst.warnings)
			printf("warning: %u Linux record%s: %s\n",
			       lst.warnings, lst.warnings == 1 ? "" : "s",
			       warn);
	}
	printf("state: %s\n", state_name(VPF_MIG_STATE_RUNNING));
	printf("elapsed-s: %.3f\n", io_elapsed(&io));
	digest_hex(p, io.vf, dg);
	if (dg[0])
		printf("digest: %s\n", dg);
	if (rc < 0) {
		printf("note: the activation reported a failure but %s vf %u "
		       "runs the context (the device said so when asked)\n",
		       p->name, io.vf);
	}
	if (cli_cancelled())
		printf("note: %s came after %s vf %u was being activated: too "
		       "late to cancel\n", cli_signal_name(cli_signal),
		       p->name, io.vf);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct cli_opt state_opts[] = {
	{ "<vfio-state>", "none", "print the state; with one, walk there" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt save_opts[] = {
	{ "precopy=<rounds>", "0", "no precopy round; 0..1000" },
	{ "format=vpf|linux", "vpf", "vpf's checksummed stream; linux: Linux "
	  "virtio-vfio-pci's records (the virtio 1.4 dialect only)" },
	{ "wait=<s>", "60", "how long a FIFO's reader may take to come or to "
	  "take bytes; 1..3600" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt load_opts[] = {
	{ "force=yes|no", "no", "a destination that received a migration is "
	  "refused" },
	{ "wait=<s>", "60", "how long a FIFO's writer may take to come or to "
	  "send bytes; 1..3600" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt abort_opts[] = {
	{ "force=yes|no", "no", "a source that migrated away is not resumed" },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "mig state <pf> <vf> [<vfio-state>]",
	  "the VF's VFIO migration state -> state: RUNNING|STOP|...; with "
	  "a state, walk there through VFIO's arcs (path:)",
	  cmd_mig_state, state_opts, CLI_ON_VF },
	{ "mig save <pf> <vf> <file> [precopy=<rounds>] [format=vpf|linux] "
	  "[wait=<s>]",
	  "write the VF's migration stream to a file or a FIFO as it is "
	  "produced (precopy rounds, then stop-copy) -> saved: <bytes>; the "
	  "source is left in STOP; Ctrl-C resumes it", cmd_mig_save,
	  save_opts, CLI_ON_VF },
	{ "mig load <pf> <vf> <file> [force=yes|no] [wait=<s>]",
	  "feed a migration stream from a file or a FIFO as it arrives, then "
	  "resume -> loaded: <bytes>; a bad or cut stream applies nothing; "
	  "Linux virtio-vfio-pci records are recognised and converted "
	  "(format: linux)",
	  cmd_mig_load, load_opts, CLI_ON_VF },
	{ "mig complete <pf> <vf>",
	  "the source migrated away (the destination runs): never resumed, "
	  "also not at exit", cmd_mig_complete, NULL, CLI_ON_VF },
	{ "mig abort <pf> <vf> [force=yes|no]",
	  "back to RUNNING with the state unchanged, partial state dropped",
	  cmd_mig_abort, abort_opts, CLI_ON_VF },
	{ "mig adopt <pf> <vf>",
	  "a destination whose activation outcome is unknown (ERROR after "
	  "mig load) runs the guest: resume it with what it loaded, nothing "
	  "dropped", cmd_mig_adopt, NULL, CLI_ON_VF },
};

const struct cli_cmd_group cli_group_mig = {
	"mig", "one VF through the migration layer, step by step (vpf_mig.h)",
	cmds, RTE_DIM(cmds)
};
