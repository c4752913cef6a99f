/* log.h - one logging entry point for the library, routed by the program. */
#ifndef UCCERT_LOG_H
#define UCCERT_LOG_H

#include <stdarg.h>
#include <syslog.h>

typedef void (*uc_log_fn)(int priority, const char *msg);

/* Default: "uccert: msg" on stderr. Priorities are syslog's. */
void uc_log_set_handler(uc_log_fn fn);
void uc_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void uc_vlog(int priority, const char *fmt, va_list ap);
void uc_log_set_ident(const char *ident);
/* Messages below this priority (numerically above) are dropped. */
void uc_log_set_level(int max_priority);

#endif
