/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Glue between the command tables (cli_groups[], one display syntax per
 * command) and DPDK's cmdline library.
 *
 * cmdline has no optional tokens, so each command becomes one instance per
 * combination of its trailing optional parts (doc/protocol.md D-CLI.1):
 * `show vf <pf> [<vf>]` is two instances, `ctx read ... [chunk=<bytes>]`
 * is one without and one with a key=value token that takes the rest of the
 * line. cmdline's '?' and Tab list every instance whose first words match
 * what was typed, so the tokens an instance shares with an earlier one of
 * the same command are hidden from completion (they still parse): '?'
 * lists each command once, and where the variants part, each way on.
 * Arguments are our own
 * token types: they accept any word (so that the handler, not the parser,
 * says what is wrong with a value, with an errno) and complete PF names or
 * fixed choices. A last, catch-all instance matches any line no real
 * instance matches and explains why (unknown command, or the usage of the
 * commands it resembles); it asks cmdline_parse_check() on a context
 * without itself.
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <rte_common.h>
#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>

#include "cli.h"

enum tok_kind {
	TOK_ARG,	/* any word */
	TOK_PF,		/* any word, completes PF names */
	TOK_CHOICE,	/* any word, completes a|b|c */
	TOK_KV,		/* key=value words up to the end of the line */
	TOK_REST,	/* anything up to the end of the line */
	TOK_CATCHALL,	/* a line no other instance matches */
	TOK_LIT,	/* a literal word, hidden (cmdline's string token
			 * is used for the visible ones) */
};

struct cli_tok {
	struct cmdline_token_hdr hdr;
	enum tok_kind kind;
	char *help;		/* "<pf>", "active|stop|freeze", ... */
	char *choices;		/* "active|stop|freeze", "chunk=|bitmap=";
				 * TOK_LIT: the word */
	bool hidden;		/* never offered by '?' or Tab */
};

/* What an instance's callback needs to build struct cli_args. */
struct inst_info {
	const struct cli_cmd *cmd;
	unsigned int n;
	char *name[CLI_MAX_ARGS + 2];
	unsigned int off[CLI_MAX_ARGS + 2];
	const char *lit[CLI_MAX_ARGS + 2];	/* optional literal value */
	bool has_kv;
	unsigned int kv_off;
	char *keys[CLI_KV_MAX + 1];
};

#define SLOT_LITERAL	0
#define SLOT_ARG(i)	(STR_TOKEN_SIZE + (i) * CLI_ARG_LEN)
#define SLOT_KV		SLOT_ARG(CLI_MAX_ARGS)
_Static_assert(SLOT_KV + CLI_ARG_LEN <= CMDLINE_PARSE_RESULT_BUFSIZE,
	       "argument slots exceed cmdline's result buffer");

static cmdline_parse_ctx_t *g_ctx;	/* every instance + catch-all */
static cmdline_parse_ctx_t *g_check_ctx; /* same without the catch-all */
static unsigned int g_ninst;
static struct cmdline *g_check_cl;
static int g_last_rc;

/* cmdline's own cmdline_isendofcommand() is not exported by DPDK 22.11. */
static int
end_of_command(char c)
{
	return c == '\0' || c == '#' || c == '\n' || c == '\r';
}

/* ---- token ops ---------------------------------------------------------- */

static int
tok_parse(cmdline_parse_token_hdr_t *hdr, const char *buf, void *res,
	  unsigned int ressize)
{
	struct cli_tok *t = (struct cli_tok *)hdr;
	unsigned int len = 0, keep;

	if (buf == NULL || *buf == '\0')
		return -1;
	switch (t->kind) {
	case TOK_ARG:
	case TOK_PF:
	case TOK_CHOICE:
	case TOK_LIT:
		while (!cmdline_isendoftoken(buf[len]))
			len++;
		keep = len;
		if (t->kind == TOK_LIT && (len != strlen(t->choices) ||
					   strncmp(buf, t->choices, len) != 0))
			return -1;
		break;
	case TOK_CATCHALL: {
		/* Only when no real instance takes the line. During
		 * completion the buffer has no newline and parse_check
		 * answers 0 ("incomplete"), so this never matches there. */
		if (cmdline_parse_check(g_check_cl, buf) >= 0)
			return -1;
	}
		/* fall through */
	case TOK_KV:
	case TOK_REST:
		while (!end_of_command(buf[len]))
			len++;
		keep = len;
		while (keep > 0 && (buf[keep - 1] == ' ' || buf[keep - 1] == '\t'))
			keep--;
		break;
	default:
		return -1;
	}
	if (len == 0)
		return -1;
	if (res != NULL) {
		if (keep >= CLI_ARG_LEN || keep >= ressize)
			return -1;
		memcpy(res, buf, keep);
		((char *)res)[keep] = '\0';
	}
	return (int)len;
}

static int
choice_count(const char *choices)
{
	int n = 1;

	if (choices == NULL)
		return 0;
	for (; *choices; choices++)
		if (*choices == '|')
			n++;
	return n;
}

static int
tok_complete_get_nb(cmdline_parse_token_hdr_t *hdr)
{
	struct cli_tok *t = (struct cli_tok *)hdr;

	/* "completable" with no element: never listed, like the catch-all */
	if (t->hidden)
		return 1;
	switch (t->kind) {
	case TOK_PF:
		return (int)cli.npf;
	case TOK_CHOICE:
	case TOK_KV:
		return choice_count(t->choices);
	case TOK_CATCHALL:
		/* "completable" with no element: never listed */
		return 1;
	default:
		return 0;
	}
}

static int
tok_complete_get_elt(cmdline_parse_token_hdr_t *hdr, int idx, char *dst,
		     unsigned int size)
{
	struct cli_tok *t = (struct cli_tok *)hdr;
	const char *p;
	size_t len;

	if (idx < 0 || size == 0 || t->hidden)
		return -1;
	switch (t->kind) {
	case TOK_PF:
		if ((unsigned int)idx >= cli.npf)
			return -1;
		if (strlen(cli.pfs[idx]->name) >= size)
			return -1;
		strcpy(dst, cli.pfs[idx]->name);
		return 0;
	case TOK_CHOICE:
	case TOK_KV:
		p = t->choices;
		while (idx-- > 0) {
			p = strchr(p, '|');
			if (p == NULL)
				return -1;
			p++;
		}
		len = strcspn(p, "|");
		if (len >= size)
			return -1;
		memcpy(dst, p, len);
		dst[len] = '\0';
		return 0;
	default:
		return -1;
	}
}

static int
tok_get_help(cmdline_parse_token_hdr_t *hdr, char *dst, unsigned int size)
{
	struct cli_tok *t = (struct cli_tok *)hdr;

	if (size > 0)
		snprintf(dst, size, "%s", t->help ? t->help : "");
	return 0;
}

static struct cmdline_token_ops cli_tok_ops = {
	.parse = tok_parse,
	.complete_get_nb = tok_complete_get_nb,
	.complete_get_elt = tok_complete_get_elt,
	.get_help = tok_get_help,
};

/* ---- instance callback -------------------------------------------------- */

const char *
cli_arg(const struct cli_args *a, const char *name)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->name[i], name) == 0)
			return a->val[i];
	return NULL;
}

/*
 * At the prompt, cmdline keeps the terminal raw: Ctrl-C is a byte that
 * clears the line. While a command runs nobody reads the terminal, so the
 * terminal's own signal keys are switched on for that time: Ctrl-C sends
 * SIGINT, which cancels the command (cli_signal), and the prompt comes
 * back. Quit and suspend keys stay off: their default actions would end
 * or stop the process without the restore.
 */
static bool
tty_signals(bool on, struct termios *saved)
{
	struct termios t;

	if (!on) {
		(void)tcsetattr(0, TCSANOW, saved);
		return true;
	}
	if (tcgetattr(0, saved) < 0)
		return false;
	t = *saved;
	t.c_lflag |= ISIG;
	t.c_cc[VQUIT] = _POSIX_VDISABLE;
	t.c_cc[VSUSP] = _POSIX_VDISABLE;
	return tcsetattr(0, TCSANOW, &t) == 0;
}

static void
inst_cb(void *result, struct cmdline *cl, void *data)
{
	const struct inst_info *ii = data;
	struct cli_args a;
	struct termios saved;
	bool interactive, tty;
	char err[256];
	unsigned int i;
	int rc;

	memset(&a, 0, sizeof(a));
	a.cmd = ii->cmd;
	a.n = ii->n;
	for (i = 0; i < ii->n; i++) {
		a.name[i] = ii->name[i];
		a.val[i] = ii->lit[i] ? ii->lit[i] :
			(const char *)result + ii->off[i];
	}
	if (ii->has_kv) {
		a.kv_text = (const char *)result + ii->kv_off;
		rc = cli_kv_parse(a.kv_text, " \t",
				  (const char *const *)ii->keys, &a.kv, err,
				  sizeof(err));
		if (rc < 0) {
			g_last_rc = cli_fail(rc, "%s", err);
			return;
		}
	}
	interactive = cli_interactive != NULL && cl == cli_interactive;
	tty = interactive && tty_signals(true, &saved);
	pthread_mutex_lock(&cli.lock);
	g_last_rc = cli_cmd_run(ii->cmd, &a);
	pthread_mutex_unlock(&cli.lock);
	if (tty)
		tty_signals(false, &saved);
	/* At the prompt, Ctrl-C during a command cancelled that command
	 * only; the session goes on. (A SIGINT at the idle prompt comes from
	 * kill and ends the session; scripts end on any signal.) */
	if (interactive && cli_signal == SIGINT)
		cli_signal = 0;
	fflush(stdout);
}

/* Leading literal words of a syntax that @p line starts with (0: none). */
static unsigned int
literal_prefix_match(const char *syntax, const char *line)
{
	unsigned int words = 0;

	for (;;) {
		size_t sl, ll;

		syntax += strspn(syntax, " ");
		line += strspn(line, " \t");
		sl = strcspn(syntax, " ");
		ll = strcspn(line, " \t\r\n#");
		if (sl == 0 || ll == 0 || strchr("<[", *syntax) ||
		    memchr(syntax, '|', sl) != NULL)
			return words;
		if (sl != ll || strncmp(syntax, line, sl) != 0)
			return words;
		words++;
		syntax += sl;
		line += ll;
	}
}

void
cli_usage_for(const char *line, FILE *out)
{
	const struct cli_cmd *cmd;
	unsigned int g, c, best = 0, m;

	CLI_FOREACH_CMD(g, c, cmd) {
		m = literal_prefix_match(cmd->syntax, line);
		if (m > best)
			best = m;
	}
	if (best == 0)
		return;
	CLI_FOREACH_CMD(g, c, cmd)
		if (literal_prefix_match(cmd->syntax, line) == best)
			fprintf(out, "usage: %s\n", cmd->syntax);
}

static void
catchall_cb(void *result, struct cmdline *cl, void *data)
{
	const char *line = (const char *)result + SLOT_ARG(0);
	char word[64];
	size_t wl;
	int rc;

	RTE_SET_USED(cl);
	RTE_SET_USED(data);
	wl = strcspn(line, " \t");
	snprintf(word, sizeof(word), "%.*s", (int)RTE_MIN(wl, sizeof(word) - 1),
		 line);
	/* cmdline needs the newline to parse */
	{
		char buf[CLI_ARG_LEN + 2];

		snprintf(buf, sizeof(buf), "%s\n", line);
		rc = cmdline_parse_check(g_check_cl, buf);
	}
	if (rc == CMDLINE_PARSE_BAD_ARGS) {
		g_last_rc = cli_fail(-EINVAL, "bad arguments");
		fflush(stdout);
		cli_usage_for(line, stderr);
	} else if (rc == CMDLINE_PARSE_AMBIGUOUS) {
		g_last_rc = cli_fail(-EINVAL, "ambiguous command");
	} else {
		g_last_rc = cli_fail(-EINVAL,
				     "unknown command '%s' (try 'help')", word);
	}
}

/* ---- building the instances -------------------------------------------- */

struct elem {
	enum { E_LIT, E_ARG, E_KV } type;
	bool optional;
	char word[64];		/* literal or display text */
	char name[32];		/* argument name */
	enum tok_kind kind;
	const char *choices;	/* completion list of a TOK_CHOICE */
};

/* Completion list of `model fault` kinds (vpf_model.h names). */
static const char fault_kinds[] =
	"hang|delay|eagain|einval|flr|reset|dma|bad-id|bad-len|dup|clear";
/* Completion list of `mig state` targets (vpf_mig_state_name()). */
static const char vfio_states[] =
	"RUNNING|STOP|STOP_COPY|RESUMING|RUNNING_P2P|PRE_COPY|PRE_COPY_P2P";

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		fprintf(stderr, "vpf-cli: out of memory\n");
		exit(1);
	}
	return p;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		fprintf(stderr, "vpf-cli: out of memory\n");
		exit(1);
	}
	return p;
}

/* Split a syntax into elements; all key=value options are folded into one
 * E_KV element (keys in @p keys, "chunk=|bitmap="). */
static unsigned int
split_syntax(const char *syntax, struct elem *e, unsigned int max, char *keys,
	     size_t keyslen)
{
	const char *p = syntax;
	unsigned int n = 0, kv = UINT32_MAX;

	keys[0] = '\0';
	while (*p) {
		char w[64];
		size_t len;
		bool opt = false;
		const char *lt, *gt;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		snprintf(w, sizeof(w), "%.*s", (int)RTE_MIN(len, sizeof(w) - 1), p);
		p += len;
		if (w[0] == '[' && w[strlen(w) - 1] == ']') {
			opt = true;
			memmove(w, w + 1, strlen(w));
			w[strlen(w) - 1] = '\0';
		}
		if (strchr(w, '=') != NULL && w[0] != '<') {
			/* key=<v> option */
			size_t kl = strcspn(w, "=");

			if (kv == UINT32_MAX) {
				if (n == max)
					break;
				kv = n++;
				memset(&e[kv], 0, sizeof(e[kv]));
				e[kv].type = E_KV;
				e[kv].optional = true;
				e[kv].kind = TOK_KV;
				snprintf(e[kv].name, sizeof(e[kv].name), "options");
			}
			snprintf(keys + strlen(keys), keyslen - strlen(keys),
				 "%s%.*s=", keys[0] ? "|" : "", (int)kl, w);
			snprintf(e[kv].word + strlen(e[kv].word),
				 sizeof(e[kv].word) - strlen(e[kv].word),
				 "%s[%s]", e[kv].word[0] ? " " : "", w);
			continue;
		}
		if (n == max)
			break;
		memset(&e[n], 0, sizeof(e[n]));
		e[n].optional = opt;
		snprintf(e[n].word, sizeof(e[n].word), "%s", w);
		lt = strchr(w, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		if (lt != NULL && gt != NULL) {
			e[n].type = E_ARG;
			snprintf(e[n].name, sizeof(e[n].name), "%.*s",
				 (int)(gt - lt - 1), lt + 1);
			if (strstr(e[n].name, "...") != NULL) {
				e[n].kind = TOK_REST;
				e[n].name[strcspn(e[n].name, ".")] = '\0';
			} else if (strcmp(e[n].name, "kind") == 0) {
				e[n].kind = TOK_CHOICE;
				e[n].choices = fault_kinds;
			} else if (strcmp(e[n].name, "vfio-state") == 0) {
				e[n].kind = TOK_CHOICE;
				e[n].choices = vfio_states;
			} else if (strcmp(e[n].name, "pf") == 0 ||
				   strstr(e[n].name, "-pf") != NULL) {
				e[n].kind = TOK_PF;
			} else {
				e[n].kind = TOK_ARG;
			}
		} else if (strchr(w, '|') != NULL) {
			e[n].type = E_ARG;
			e[n].kind = TOK_CHOICE;
			snprintf(e[n].name, sizeof(e[n].name), "choice");
			e[n].choices = e[n].word;
		} else {
			e[n].type = E_LIT;
			/* Literal words of the command table are short; a
			 * longer one would be a table bug, cut visibly. */
			if (snprintf(e[n].name, sizeof(e[n].name), "%s", w) >=
			    (int)sizeof(e[n].name))
				e[n].name[sizeof(e[n].name) - 2] = '~';
		}
		n++;
	}
	return n;
}

static struct cli_tok *
new_tok(enum tok_kind kind, const char *help, const char *choices,
	unsigned int offset)
{
	struct cli_tok *t = xcalloc(1, sizeof(*t));

	t->hdr.ops = &cli_tok_ops;
	t->hdr.offset = offset;
	t->kind = kind;
	t->help = xstrdup(help);
	t->choices = choices ? xstrdup(choices) : NULL;
	return t;
}

static cmdline_parse_token_hdr_t *
new_literal(const char *word)
{
	cmdline_parse_token_string_t *t = xcalloc(1, sizeof(*t));

	t->hdr.ops = &cmdline_token_string_ops;
	t->hdr.offset = SLOT_LITERAL;
	t->string_data.str = xstrdup(word);
	return &t->hdr;
}

/* Most tokens of one instance, and instances of one command. */
#define INST_TOKENS_MAX		(CLI_MAX_ARGS + 8)
#define CMD_INSTS_MAX		32

/* The elements that instance (@p nopt_pos optional positionals, with or
 * without the key=value options) of a command is made of, in token order.
 * @return how many. */
static unsigned int
inst_elems(const struct elem *e, unsigned int ne, unsigned int nopt_pos,
	   bool with_kv, unsigned int *seq)
{
	unsigned int i, n = 0, opt_seen = 0;

	for (i = 0; i < ne; i++) {
		if (e[i].type == E_KV) {
			if (with_kv)
				seq[n++] = i;
			continue;
		}
		if (e[i].optional && opt_seen++ >= nopt_pos)
			continue;
		seq[n++] = i;
	}
	return n;
}

/* The key=value keys of an instance ("chunk=|bitmap=" -> chunk, bitmap). */
static void
inst_keys(struct inst_info *ii, const char *keys)
{
	char *k, *save = NULL, *dup;
	unsigned int nk = 0;

	ii->has_kv = true;
	ii->kv_off = SLOT_KV;
	dup = xstrdup(keys);
	for (k = strtok_r(dup, "|", &save); k && nk < CLI_KV_MAX;
	     k = strtok_r(NULL, "|", &save)) {
		ii->keys[nk] = xstrdup(k);
		ii->keys[nk][strlen(k) - 1] = '\0'; /* '=' */
		nk++;
	}
	free(dup);
}

/* One instance: the elements @p seq, the tokens @p hidden marks kept out
 * of '?' and Tab. */
static cmdline_parse_inst_t *
new_inst(const struct cli_cmd *cmd, const struct elem *e, const char *keys,
	 const unsigned int *seq, unsigned int ntok, const bool *hidden)
{
	cmdline_parse_inst_t *inst;
	struct inst_info *ii;
	unsigned int j, nargs = 0;
	char help[256];

	inst = xcalloc(1, sizeof(*inst) + (ntok + 1) * sizeof(inst->tokens[0]));
	ii = xcalloc(1, sizeof(*ii));
	ii->cmd = cmd;
	for (j = 0; j < ntok; j++) {
		const struct elem *el = &e[seq[j]];
		struct cli_tok *t;

		if (el->type == E_LIT && !hidden[j]) {
			inst->tokens[j] = new_literal(el->word);
		} else if (el->type == E_LIT) {
			t = new_tok(TOK_LIT, el->word, el->word, SLOT_LITERAL);
			t->hidden = true;
			inst->tokens[j] = &t->hdr;
		} else if (el->type == E_KV) {
			inst_keys(ii, keys);
			t = new_tok(TOK_KV, el->word, keys, SLOT_KV);
			t->hidden = hidden[j];
			inst->tokens[j] = &t->hdr;
			continue;
		} else {
			ii->name[ii->n] = xstrdup(el->name);
			ii->off[ii->n] = SLOT_ARG(nargs);
			t = new_tok(el->kind, el->word,
				    el->kind == TOK_CHOICE ? el->choices : NULL,
				    SLOT_ARG(nargs));
			t->hidden = hidden[j];
			inst->tokens[j] = &t->hdr;
			ii->n++;
			nargs++;
			continue;
		}
		if (el->optional) {
			/* an optional literal is an argument set to itself */
			ii->name[ii->n] = xstrdup(el->name);
			ii->lit[ii->n] = ii->name[ii->n];
			ii->n++;
		}
	}
	inst->tokens[ntok] = NULL;
	snprintf(help, sizeof(help), "%s: %s", cmd->syntax, cmd->help);
	inst->help_str = xstrdup(help);
	inst->f = inst_cb;
	inst->data = ii;
	return inst;
}

/* Does an earlier instance of the command (@p seqs, @p lens, @p nv of
 * them) have the same elements as @p seq up to and including token @p j? */
static bool
shared_prefix(unsigned int seqs[][INST_TOKENS_MAX], const unsigned int *lens,
	      unsigned int nv, const unsigned int *seq, unsigned int j)
{
	unsigned int v;

	for (v = 0; v < nv; v++)
		if (lens[v] > j &&
		    memcmp(seqs[v], seq, (j + 1) * sizeof(*seq)) == 0)
			return true;
	return false;
}

static void
ctx_add(cmdline_parse_inst_t *inst, unsigned int *n, unsigned int *cap)
{
	if (*n + 2 >= *cap) {
		*cap *= 2;
		g_ctx = realloc(g_ctx, *cap * sizeof(*g_ctx));
		if (g_ctx == NULL) {
			fprintf(stderr, "vpf-cli: out of memory\n");
			exit(1);
		}
	}
	g_ctx[(*n)++] = inst;
}

/* The instances of @p cmd: one per prefix of its optional positionals,
 * each with and without its key=value options. */
static void
add_cmd(const struct cli_cmd *cmd, unsigned int *n, unsigned int *cap)
{
	unsigned int seqs[CMD_INSTS_MAX][INST_TOKENS_MAX];
	unsigned int lens[CMD_INSTS_MAX];
	bool hidden[INST_TOKENS_MAX];
	struct elem e[INST_TOKENS_MAX];
	char keys[128];
	unsigned int ne, i, j, k, nopt = 0, nv = 0;
	bool kv = false;

	ne = split_syntax(cmd->syntax, e, RTE_DIM(e), keys, sizeof(keys));
	for (i = 0; i < ne; i++) {
		if (e[i].type == E_KV)
			kv = true;
		else if (e[i].optional)
			nopt++;
	}
	for (i = 0; i <= nopt; i++) {
		for (k = 0; k < (kv ? 2u : 1u) && nv < CMD_INSTS_MAX; k++) {
			lens[nv] = inst_elems(e, ne, i, k == 1, seqs[nv]);
			for (j = 0; j < lens[nv]; j++)
				hidden[j] = shared_prefix(seqs, lens, nv,
							  seqs[nv], j);
			ctx_add(new_inst(cmd, e, keys, seqs[nv], lens[nv],
					 hidden), n, cap);
			nv++;
		}
	}
}

void *
cli_cmdline_ctx(void)
{
	static cmdline_parse_inst_t *catchall;
	const struct cli_cmd *cmd;
	unsigned int g, c, cap = 8, n = 0;

	if (g_ctx != NULL)
		return g_ctx;
	g_ctx = xcalloc(cap, sizeof(*g_ctx));
	CLI_FOREACH_CMD(g, c, cmd)
		add_cmd(cmd, &n, &cap);
	g_ninst = n;
	g_check_ctx = xcalloc(n + 1, sizeof(*g_check_ctx));
	memcpy(g_check_ctx, g_ctx, n * sizeof(*g_ctx));
	g_check_cl = cmdline_new(g_check_ctx, "", -1, -1);
	if (g_check_cl == NULL) {
		fprintf(stderr, "vpf-cli: cmdline_new failed\n");
		exit(1);
	}

	catchall = xcalloc(1, sizeof(*catchall) + 2 * sizeof(catchall->tokens[0]));
	catchall->tokens[0] = &new_tok(TOK_CATCHALL, "<command>", NULL,
				       SLOT_ARG(0))->hdr;
	catchall->f = catchall_cb;
	catchall->help_str = "";
	g_ctx[n] = catchall;
	g_ctx[n + 1] = NULL;
	return g_ctx;
}

static void
free_tok(cmdline_parse_token_hdr_t *h)
{
	if (h->ops == &cli_tok_ops) {
		struct cli_tok *t = (struct cli_tok *)h;

		free(t->help);
		free(t->choices);
		free(t);
	} else {
		cmdline_parse_token_string_t *t = (cmdline_parse_token_string_t *)h;

		free((char *)(uintptr_t)t->string_data.str);
		free(t);
	}
}

void
cli_cmdline_free(void)
{
	unsigned int i, j;

	if (g_ctx == NULL)
		return;
	for (i = 0; g_ctx[i] != NULL; i++) {
		cmdline_parse_inst_t *inst = g_ctx[i];
		struct inst_info *ii = inst->data;

		for (j = 0; inst->tokens[j] != NULL; j++)
			free_tok(inst->tokens[j]);
		if (i < g_ninst) {
			for (j = 0; j < ii->n; j++)
				free(ii->name[j]);
			for (j = 0; ii->keys[j] != NULL; j++)
				free(ii->keys[j]);
			free(ii);
			free((char *)(uintptr_t)inst->help_str);
		}
		free(inst);
	}
	cmdline_free(g_check_cl);
	g_check_cl = NULL;
	free(g_check_ctx);
	free(g_ctx);
	g_ctx = NULL;
}

int
cli_run_line(struct cmdline *cl, const char *line)
{
	char buf[CLI_ARG_LEN + 2];
	int ret;

	if (strlen(line) >= CLI_ARG_LEN)
		return cli_fail(-E2BIG, "line longer than %d bytes",
				CLI_ARG_LEN - 1);
	snprintf(buf, sizeof(buf), "%s\n", line);
	g_last_rc = 0;
	ret = cmdline_parse(cl, buf);
	if (ret < 0)	/* not reached: the catch-all takes every line */
		return cli_fail(-EINVAL, "cannot parse the line");
	return g_last_rc;
}

int
cli_last_rc(void)
{
	return g_last_rc;
}
