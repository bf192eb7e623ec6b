/* Timing the real CLI in a child process, shared by the benchmarks that
 * measure whole commands (bench_report, bench_takeover). */
#ifndef PASSNUM_BENCH_CHILD_RUN_H
#define PASSNUM_BENCH_CHILD_RUN_H

/* What one run cost: wall seconds, CPU seconds (user + system: on a
 * shared, loaded machine the wall time mostly measures the others), peak
 * RSS. */
struct child_run {
	double wall, cpu;
	long rss_kib;
};

/* Monotonic seconds. */
double child_run_now(void);

/* Runs program with args (NULL-ended, at most 30), its stdout to out (NULL:
 * /dev/null), waits for it and fills *r. A failed start or a non-zero exit
 * ends the benchmark: "NAME: program ARGS[0] ARGS[1] failed" on stderr,
 * exit 1 (name: the benchmark's). */
void child_run(const char *name, const char *program, const char *out,
    const char *const args[], struct child_run *r);

#endif
