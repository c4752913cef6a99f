/* check_core.c - runs every Check suite of the core library.
 *
 * Exit status: 0 when every test passed. Check's usual environment applies:
 * CK_RUN_SUITE=cert, CK_RUN_CASE=..., CK_EXCLUDE_TAGS=known-bug,
 * CK_FORK=no (for a debugger), CK_VERBOSITY=verbose. */
#include <config.h>

#include <stdlib.h>

#include "check.h"
#include "log.h"

int main(void)
{
	SRunner *sr;
	int failed;

	/* Keys before Check forks: generating an RSA key per test would
	 * dominate the run time. */
	tk_init_keys();
	tk_init_tmp();
	/* The scanner logs unknown units; tests that care install a handler. */
	uc_log_set_level(LOG_ERR);

	sr = srunner_create(cert_suite());
	srunner_add_suite(sr, clock_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, catalog_suite());
	srunner_add_suite(sr, scan_suite());
	srunner_add_suite(sr, jsonw_suite());
	srunner_add_suite(sr, alerts_suite());
	srunner_add_suite(sr, idmap_suite());
	srunner_add_suite(sr, escape_suite());
	srunner_add_suite(sr, manifest_suite());
	srunner_add_suite(sr, certapi_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tk_cleanup_tmp();
	tk_free_keys();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
