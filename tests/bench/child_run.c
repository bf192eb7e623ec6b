#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "child_run.h"

double
child_run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
child_run(const char *name, const char *program, const char *out, const char *const args[],
    struct child_run *r)
{
	struct rusage ru;
	double t0;
	int status;
	pid_t pid;

	fflush(stdout);
	t0 = child_run_now();
	if ((pid = fork()) < 0) {
		fprintf(stderr, "%s: fork failed\n", name);
		exit(1);
	}
	if (pid == 0) {
		const char *argv[32] = { program };
		size_t n = 1;

		if (freopen(out != NULL ? out : "/dev/null", "w", stdout) == NULL)
			_exit(127);
		for (; args[n - 1] != NULL && n < 31; n++)
			argv[n] = args[n - 1];
		argv[n] = NULL;
		execv(program, (char *const *)argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: %s %s %s failed\n", name, program, args[0] != NULL ? args[0] : "",
		    args[0] != NULL && args[1] != NULL ? args[1] : "");
		exit(1);
	}
	r->wall = child_run_now() - t0;
	r->rss_kib = ru.ru_maxrss;
	r->cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
