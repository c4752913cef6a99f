/* log.c - library logging, routed to stderr or to the daemon's syslog,
 * control bytes escaped. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "util.h"

static uc_log_fn handler;
static const char *ident = "uccert";
static int max_priority = LOG_INFO;

void uc_log_set_handler(uc_log_fn fn)
{
	handler = fn;
}

void uc_log_set_ident(const char *name)
{
	ident = name;
}

void uc_log_set_level(int p)
{
	max_priority = p;
}

void uc_vlog(int priority, const char *fmt, va_list ap)
{
	char msg[1024];

	if (priority > max_priority)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* paths, subjects and errors carry bytes from certificates and file
	 * names: none reaches a terminal, a log file or syslog raw */
	char *safe = uc_escape(msg);
	if (handler)
		handler(priority, safe);
	else
		fprintf(stderr, "%s: %s\n", ident, safe);
	free(safe);
}

void uc_log(int priority, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	uc_vlog(priority, fmt, ap);
	va_end(ap);
}
