/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands: help, quit.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <rte_common.h>
#include <cmdline.h>

#include "cli_cmds.h"

/* ---- help --------------------------------------------------------------- */

/* Every command under its area's header, as testpmd's help does. */
static void
help_all(void)
{
	const struct cli_cmd *cmd;
	unsigned int g, c;

	CLI_FOREACH_CMD(g, c, cmd) {
		if (c == 0)
			printf("%s[%s] %s\n", g ? "\n" : "",
			       cli_groups[g]->name, cli_groups[g]->title);
		printf("%-62s %s\n", cmd->syntax, cmd->help);
	}
	printf("\nTab completes, '?' lists what may come next, "
	       "'help <command>' explains one and its defaults.\n");
}

/* Does @p syntax start with the words of @p topic? */
static bool
topic_match(const char *syntax, const char *topic)
{
	size_t tl = strlen(topic);

	return strncmp(syntax, topic, tl) == 0 &&
	       (syntax[tl] == ' ' || syntax[tl] == '\0');
}

static int
cmd_help(struct cli_args *a)
{
	const char *topic = cli_arg(a, "topic");
	const struct cli_cmd *cmd;
	const struct cli_opt *o;
	unsigned int g, c, shown = 0;

	if (topic == NULL) {
		help_all();
		return 0;
	}
	CLI_FOREACH_CMD(g, c, cmd) {
		if (!topic_match(cmd->syntax, topic))
			continue;
		printf("%s\n    %s\n", cmd->syntax, cmd->help);
		for (o = cmd->opts; o != NULL && o->name != NULL; o++)
			printf("    %-18s default: %s%s%s%s\n", o->name, o->def,
			       o->note ? " (" : "", o->note ? o->note : "",
			       o->note ? ")" : "");
		shown++;
	}
	if (shown == 0)
		return cli_fail(-ENOENT, "no command starts with '%s'", topic);
	return 0;
}

/* ---- quit --------------------------------------------------------------- */

/* What leaving would do to each VF outside Active (as cli_pf_leave()
 * does it). @return how many VFs are outside Active. */
static unsigned int
quit_preview(void)
{
	unsigned int i, n = 0;
	uint16_t vf;

	for (i = 0; i < cli.npf; i++) {
		struct cli_pf *p = cli.pfs[i];

		for (vf = 1; vf <= p->num_vfs; vf++) {
			struct cli_vf *v = &p->vfs[vf];
			uint8_t mode;

			if (cli_vf_mode(p, vf, &mode) < 0 ||
			    mode == VPF_DEV_MODE_ACTIVE)
				continue;
			n++;
			printf("quit: %s vf %u: %s: %s\n", p->name, vf,
			       vpf_dev_mode_name(mode),
			       v->migrated ? "migrated, will be left as is" :
			       v->moved ? "will be restored to active "
					  "(a partial context is discarded)" :
			       "not moved by vpf-cli, will be left as is");
		}
	}
	return n;
}

/* y/N from the terminal (raw: cmdline's settings). Anything but y or Y,
 * Ctrl-C, Ctrl-D or a signal is no. */
static bool
quit_confirm(void)
{
	char c, ans[8] = "";
	size_t k = 0;

	printf("Leave now? [y/N] ");
	fflush(stdout);
	for (;;) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		ssize_t n;

		if (cli_signal != 0 || poll(&pfd, 1, -1) < 0)
			break;
		n = read(0, &c, 1);
		if (n <= 0 || c == 3 || c == 4) {
			if (n < 0 && errno == EINTR && cli_signal == 0)
				continue;
			break;
		}
		if (c == '\r' || c == '\n')
			break;
		if (c >= ' ' && c < 127) {
			if (k < sizeof(ans) - 1)
				ans[k++] = c;
			putchar(c);
			fflush(stdout);
		}
	}
	printf("\n");
	return strcasecmp(ans, "y") == 0 || strcasecmp(ans, "yes") == 0;
}

static int
cmd_quit(struct cli_args *a)
{
	RTE_SET_USED(a);
	/* At the prompt, leaving with VFs outside Active changes them (or
	 * leaves a guest stopped): ask (doc/protocol.md D-CLI.8). A script
	 * (-f) never asks. */
	if (cli_interactive != NULL && quit_preview() > 0 && !quit_confirm()) {
		printf("quit: not confirmed; nothing changed\n");
		return 0;
	}
	cli.quit = true;
	if (cli_interactive != NULL)
		cmdline_quit(cli_interactive);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct cli_opt help_opts[] = {
	{ "<topic...>", "none", "every command, by area" },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "help [<topic...>]", "list the commands by area, or explain those "
	  "that start with <topic> and their defaults", cmd_help, help_opts,
	  CLI_ON_ARGS },
	{ "quit", "leave (VFs vpf-cli moved are put back to active; at the "
	  "prompt, asks first when a VF is outside active)", cmd_quit, NULL,
	  CLI_ON_ARGS },
};

const struct cli_cmd_group cli_group_general = {
	"general", "help and leaving", cmds, RTE_DIM(cmds)
};
