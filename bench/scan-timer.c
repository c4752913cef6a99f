/* scan-timer - time uc_scan on a configuration: a cold scan (new scanner,
 * nothing cached) and rescans of the unchanged tree, best of N rounds.
 * Also times the floor of any rescan that checks every file: readdir and
 * one fstatat per file, nothing else.
 * Prints "cold|rescan|floor <seconds> <files or certificates>". */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "scan.h"
#include "settings.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* readdir + fstatat of every file of every unit directory; returns files */
static size_t stat_walk(const struct uc_settings *s)
{
	size_t n = 0;
	for (size_t c = 0; c < s->nclusters; c++) {
		for (size_t i = 0; i < s->clusters[c].nnodes; i++) {
			DIR *top = opendir(s->clusters[c].nodes[i].cert_dir);
			struct dirent *u, *f;
			while (top && (u = readdir(top))) {
				if (u->d_name[0] == '.')
					continue;
				int fd = openat(dirfd(top), u->d_name, O_RDONLY | O_DIRECTORY);
				DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
				while (d && (f = readdir(d))) {
					struct stat st;
					if (f->d_name[0] != '.' && fstatat(dirfd(d), f->d_name, &st, 0) == 0)
						n++;
				}
				if (d)
					closedir(d);
			}
			if (top)
				closedir(top);
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	struct uc_diag diag = { 0 };
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	double best_cold = 1e9, best_re = 1e9;
	size_t n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: scan-timer CONFIG [ROUNDS]\n");
		return 64;
	}
	struct uc_settings *s = uc_settings_load(argv[1], &diag);
	if (!s) {
		for (size_t i = 0; i < diag.nerrors; i++)
			fprintf(stderr, "%s\n", diag.errors[i]);
		return 2;
	}
	for (int r = 0; r < rounds; r++) {
		struct uc_scanner *sc = uc_scanner_new();
		double t0 = now_s();
		struct uc_inventory *inv = uc_scan(sc, s, uc_now());
		double t1 = now_s();
		n = inv->nrecords;
		uc_inventory_free(inv);
		if (t1 - t0 < best_cold)
			best_cold = t1 - t0;
		for (int k = 0; k < 3; k++) {
			t0 = now_s();
			inv = uc_scan(sc, s, uc_now());
			t1 = now_s();
			uc_inventory_free(inv);
			if (t1 - t0 < best_re)
				best_re = t1 - t0;
		}
		uc_scanner_free(sc);
	}
	double best_floor = 1e9;
	size_t files = 0;
	for (int r = 0; r < 3 * rounds; r++) {
		double t0 = now_s();
		files = stat_walk(s);
		double t1 = now_s();
		if (t1 - t0 < best_floor)
			best_floor = t1 - t0;
	}
	printf("cold %.6f %zu\nrescan %.6f %zu\nfloor %.6f %zu\n", best_cold, n,
	       best_re, n, best_floor, files);
	uc_settings_free(s);
	uc_diag_free(&diag);
	return 0;
}
