/* Benchmark of POST /v1/redemptions over HTTP keep-alive, beside two
 * baselines measured in the same run with the same load generator:
 *   bare    a libmicrohttpd server (same flags and threads as passnumd)
 *           answering a fixed JSON body;
 *   verify  the same server doing one Ed25519 verification per request
 *           (the work no redemption can avoid).
 * Every passnumd request redeems a distinct pass and is acknowledged only
 * after its durable commit (synchronous=FULL). Prints requests/s, p50/p99
 * latency, the scaling curve (1, 8, 32, 128 clients), the mean group-commit
 * batch size, and passnumd's peak RSS (VmHWM).
 *
 * usage: bench_redeem --passnum BIN --passnumd BIN [--passes N] [--seconds S]
 *                     [--threads T] [--ledger-entries N] [--dir DIR]
 * --ledger-entries first grows the ledger to about N entries (balanced
 * "order" entries appended with lib/ledger) to measure RSS on a big log. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <sodium.h>
#include "db.h"
#include "ledger.h"

#define MAX_CLIENTS 256
#define BUF 16384

struct bench {
	const char *passnum, *passnumd, *dir;
	long passes, ledger_entries;
	int seconds, threads;
	char token[512];          /* the place's bearer token */
	char **vouchers;          /* token texts of the issued passes */
	long voucher_count, next_voucher;
};

struct result {
	long requests, errors;
	double seconds, rps;
	double p50_ms, p99_ms;
};

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_redeem: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- the load generator: epoll, keep-alive, one request in flight per
 * connection ---- */

struct conn {
	int fd;
	char out[2048];
	size_t out_len, out_sent;
	char in[BUF];
	size_t in_len;
	int64_t sent_at;
	bool busy;
};

typedef size_t (*request_fn)(struct bench *b, long index, char *out, size_t cap, bool *none);

static int
connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Whether c->in holds a whole response; sets *status. */
static bool
response_complete(struct conn *c, int *status, size_t *used)
{
	char *end, *cl;
	size_t head, length = 0;

	c->in[c->in_len] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return false;
	head = (size_t)(end - c->in) + 4;
	if ((cl = strcasestr(c->in, "\r\nContent-Length:")) != NULL && cl < end)
		length = strtoul(cl + 17, NULL, 10);
	if (c->in_len < head + length)
		return false;
	*status = atoi(c->in + 9);
	*used = head + length;
	return true;
}

static bool
conn_send_next(struct bench *b, struct conn *c, request_fn make, long *issued)
{
	bool none = false;

	c->out_len = make(b, (*issued)++, c->out, sizeof(c->out), &none);
	if (none)
		return false;
	c->out_sent = 0;
	c->sent_at = now_us();
	c->busy = true;
	while (c->out_sent < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_sent, c->out_len - c->out_sent);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			die("write");
		c->out_sent += (size_t)n;
	}
	return true;
}

static int
compare_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Runs clients connections for b->seconds against port; make builds each
 * request. */
static struct result
load(struct bench *b, int port, int clients, request_fn make)
{
	static struct conn conns[MAX_CLIENTS];
	size_t cap = 4000000, count = 0;
	int64_t *lat = malloc(cap * sizeof(*lat)), start, deadline;
	struct epoll_event ev, events[MAX_CLIENTS];
	struct result r = { 0 };
	int ep = epoll_create1(0), active = 0;
	long issued = 0;

	start = now_us();
	deadline = start + (int64_t)b->seconds * 1000000;
	for (int i = 0; i < clients; i++) {
		conns[i] = (struct conn){ .fd = connect_to(port) };
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
		if (conn_send_next(b, &conns[i], make, &issued))
			active++;
	}
	while (active > 0) {
		int n = epoll_wait(ep, events, MAX_CLIENTS, 1000);
		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;
			ssize_t got = read(c->fd, c->in + c->in_len, BUF - 1 - c->in_len);
			int status;
			size_t used;
			if (got <= 0) {
				if (got < 0 && errno == EAGAIN)
					continue;
				die("read (server closed the connection)");
			}
			c->in_len += (size_t)got;
			if (!response_complete(c, &status, &used))
				continue;
			memmove(c->in, c->in + used, c->in_len - used);
			c->in_len -= used;
			if (count < cap)
				lat[count++] = now_us() - c->sent_at;
			r.requests++;
			if (status < 200 || status > 299)
				r.errors++;
			c->busy = false;
			if (now_us() >= deadline || !conn_send_next(b, c, make, &issued))
				active--;
		}
	}
	r.seconds = (double)(now_us() - start) / 1e6;
	r.rps = (double)r.requests / r.seconds;
	qsort(lat, count, sizeof(*lat), compare_i64);
	if (count > 0) {
		r.p50_ms = (double)lat[count / 2] / 1000.0;
		r.p99_ms = (double)lat[count * 99 / 100] / 1000.0;
	}
	for (int i = 0; i < clients; i++)
		close(conns[i].fd);
	close(ep);
	free(lat);
	return r;
}

/* ---- requests ---- */

static size_t
request_fixed(struct bench *b, long index, char *out, size_t cap, bool *none)
{
	const char *body = "{\"vouchers\":[\"x\"],\"service\":\"atelier\",\"idempotency_key\":\"k\"}";

	(void)b;
	(void)index;
	*none = false;
	return (size_t)snprintf(out, cap, "POST /v1/redemptions HTTP/1.1\r\nHost: bench\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
}

static size_t
request_redeem(struct bench *b, long index, char *out, size_t cap, bool *none)
{
	char body[512];
	long v = b->next_voucher++;

	(void)index;
	*none = v >= b->voucher_count;
	if (*none)
		return 0;
	snprintf(body, sizeof(body), "{\"vouchers\":[\"%s\"],\"service\":\"atelier\","
	    "\"idempotency_key\":\"bench-%ld\"}", b->vouchers[v], v);
	return (size_t)snprintf(out, cap, "POST /v1/redemptions HTTP/1.1\r\nHost: bench\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	    b->token, strlen(body), body);
}

/* ---- the baseline servers ---- */

static uint8_t verify_pk[32], verify_sig[64];
static const uint8_t verify_msg[47] = "passnum-voucher-v1 twenty-nine bytes of a pass";
static int verify_each;

static enum MHD_Result
bare_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **con_cls)
{
	static const char body[] = "{\"id\":1,\"receipt\":{\"entry\":{\"seq\":1}}}";
	struct MHD_Response *resp;
	enum MHD_Result rc;

	(void)cls, (void)url, (void)method, (void)version, (void)data;
	if (*con_cls == NULL) {
		*con_cls = conn;
		return MHD_YES;
	}
	if (*size > 0) {
		*size = 0;
		return MHD_YES;
	}
	if (verify_each && crypto_sign_verify_detached(verify_sig, verify_msg, sizeof(verify_msg),
	    verify_pk) != 0)
		abort();
	resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	rc = MHD_queue_response(conn, 201, resp);
	MHD_destroy_response(resp);
	return rc;
}

static struct result
run_bare(struct bench *b, int verify, int clients)
{
	struct MHD_Daemon *d;
	struct result r;
	int port;

	verify_each = verify;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ITC, 0, NULL, NULL, bare_access, NULL,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)b->threads,
	    MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
	if (d == NULL)
		die("MHD_start_daemon");
	port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
	r = load(b, port, clients, request_fixed);
	MHD_stop_daemon(d);
	return r;
}

/* ---- passnumd ---- */

static int
run(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0) {
		fprintf(stderr, "bench_redeem: failed (%d): %s\n", rc, cmd);
		exit(1);
	}
	return 0;
}

/* Runs a CLI command and returns its first stdout line (static buffer). */
static const char *
run_line(const char *cmd)
{
	static char line[512];
	FILE *p = popen(cmd, "r");

	if (p == NULL || fgets(line, sizeof(line), p) == NULL)
		die(cmd);
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void
setup_home(struct bench *b)
{
	static char cmd[65536];
	char pn[4200];
	const long money = (b->passes + 10) * 10;

	snprintf(pn, sizeof(pn), "%s --home %s/home", b->passnum, b->dir);
	snprintf(cmd, sizeof(cmd),
	    "set -e; %1$s init --operator Bench --origin bench.example/ledger >/dev/null;"
	    " %1$s funder add Bench >/dev/null; %1$s funder order 1 %2$ld --ref B1 >/dev/null;"
	    " %1$s service add atelier Atelier >/dev/null;"
	    " %1$s place add EPN --siret 12345678200002 --commune 93048 --iban FR7630006000011234567890189"
	    " --type epn --services atelier >/dev/null; %1$s place label 1 >/dev/null;"
	    " %1$s campaign create --funder 1 --name Bench --value 10 --last-day 2099-12-31 >/dev/null;"
	    " mkdir -p %3$s/out; %1$s batch issue --campaign 1 --count %4$ld --out %3$s/out --format csv >/dev/null",
	    pn, money, b->dir, b->passes);
	run(cmd);
	/* Every client of the load generator comes from 127.0.0.1: lift the
	 * per-address connection cap (64 by default, docs/security.md) above the
	 * largest client count, as an operator behind one proxy address would. */
	snprintf(cmd, sizeof(cmd), "echo 'connections-per-address = 1024' >> %s/home/passnumd.conf", b->dir);
	run(cmd);
	snprintf(cmd, sizeof(cmd), "%s token create --role place --id 1", pn);
	memcpy(b->token, run_line(cmd), sizeof(b->token));
}

static void
load_vouchers(struct bench *b)
{
	char cmd[4200], line[1024];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cat %s/out/batch-*.csv", b->dir);
	if ((f = popen(cmd, "r")) == NULL)
		die("csv");
	b->vouchers = calloc((size_t)b->passes + 1, sizeof(char *));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tok = strchr(line, ','), *end;
		if (tok == NULL || (tok = strchr(tok + 1, ',')) == NULL || strncmp(tok + 1, "PN1:", 4) != 0)
			continue;
		tok++;
		end = strchr(tok, ',');
		*end = '\0';
		if (b->voucher_count < b->passes)
			b->vouchers[b->voucher_count++] = strdup(tok);
	}
	pclose(f);
}

/* Appends about n balanced entries to the home's ledger, 10,000 per
 * transaction (for the RSS measure on a big log). */
static int
grow_work(struct db *db, void *ctx, struct error *e)
{
	struct merkle_state *cache = ctx;

	for (int i = 0; i < 10000; i++) {
		struct ledger_entry entry;
		memset(&entry, 0, sizeof(entry));
		entry.time = 1804845600;
		snprintf(entry.kind, sizeof(entry.kind), "order");
		snprintf(entry.reference, sizeof(entry.reference), "bench-%d", i);
		if (ledger_post(&entry, ACCOUNT_FUNDER_ORDERS, 1, 1, e) != 0 ||
		    ledger_post(&entry, ACCOUNT_FUNDER_BALANCE, 1, -1, e) != 0 ||
		    ledger_append(db, &entry, cache, e) != 0)
			return -1;
	}
	return 0;
}

static void
grow_ledger(struct bench *b)
{
	char path[4200];
	struct merkle_state cache;
	struct error e;
	struct db *db;

	snprintf(path, sizeof(path), "%s/home/passnum.db", b->dir);
	if (db_open(&db, path, DB_OPEN_EXISTING, &e) != 0) {
		fprintf(stderr, "bench_redeem: %s\n", e.message);
		exit(1);
	}
	merkle_state_init(&cache);
	cache.size = UINT64_MAX;
	for (long n = 0; n < b->ledger_entries; n += 10000)
		if (db_write(db, DB_BUSY_DEFAULT, grow_work, &cache, &e) != 0) {
			fprintf(stderr, "bench_redeem: %s\n", e.message);
			exit(1);
		}
	db_close(db);
}

static pid_t
start_passnumd(struct bench *b, int *port)
{
	int out[2];
	pid_t pid;
	char line[256], home[4200], threads[16];
	FILE *f;

	snprintf(home, sizeof(home), "%s/home", b->dir);
	snprintf(threads, sizeof(threads), "%d", b->threads);
	if (pipe(out) != 0)
		die("pipe");
	if ((pid = fork()) == 0) {
		dup2(out[1], 1);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl(b->passnumd, b->passnumd, "--home", home, "--listen", "127.0.0.1:0", "--threads",
		    threads, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	if (fgets(line, sizeof(line), f) == NULL || strrchr(line, ':') == NULL)
		die("passnumd did not start");
	*port = atoi(strrchr(line, ':') + 1);
	return pid;
}

/* Reads "name value" lines of /metrics for the batch-size sum and count. */
static void
batch_stats(int port, double *sum, double *count)
{
	char cmd[256], line[512];
	FILE *p;

	*sum = *count = 0;
	snprintf(cmd, sizeof(cmd), "curl -s http://127.0.0.1:%d/metrics", port);
	if ((p = popen(cmd, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), p) != NULL) {
		if (strncmp(line, "passnumd_commit_batch_size_sum ", 31) == 0)
			*sum = atof(line + 31);
		if (strncmp(line, "passnumd_commit_batch_size_count ", 33) == 0)
			*count = atof(line + 33);
	}
	pclose(p);
}

static long
peak_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = atol(line + 6);
	fclose(f);
	return kib;
}

static void
print_result(const char *what, int clients, struct result r, double batch)
{
	printf("%-8s clients=%-4d requests=%-7ld errors=%-4ld %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms",
	    what, clients, r.requests, r.errors, r.rps, r.p50_ms, r.p99_ms);
	if (batch > 0)
		printf("  mean batch %.1f", batch);
	printf("\n");
	fflush(stdout);
}

static struct result
run_passnumd(struct bench *b, int port, int clients, double *batch)
{
	double s0, c0, s1, c1;
	struct result r;

	batch_stats(port, &s0, &c0);
	r = load(b, port, clients, request_redeem);
	batch_stats(port, &s1, &c1);
	*batch = c1 > c0 ? (s1 - s0) / (c1 - c0) : 0;
	return r;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_redeem --passnum BIN --passnumd BIN [--passes N] [--seconds S]"
	    " [--threads T] [--ledger-entries N] [--dir DIR]\n");
	exit(2);
}

static void
parse(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "passnum", required_argument, NULL, 'p' }, { "passnumd", required_argument, NULL, 'd' },
		{ "passes", required_argument, NULL, 'n' }, { "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' }, { "dir", required_argument, NULL, 'D' },
		{ "ledger-entries", required_argument, NULL, 'l' }, { NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': b->passnum = optarg; break;
		case 'd': b->passnumd = optarg; break;
		case 'n': b->passes = atol(optarg); break;
		case 's': b->seconds = atoi(optarg); break;
		case 't': b->threads = atoi(optarg); break;
		case 'D': b->dir = optarg; break;
		case 'l': b->ledger_entries = atol(optarg); break;
		default: usage();
		}
	}
	if (b->passnum == NULL || b->passnumd == NULL)
		usage();
}

int
main(int argc, char **argv)
{
	struct bench b = { .passes = 150000, .seconds = 5, .threads = 2 };
	static const int scale[] = { 1, 8, 32, 128 };
	char tmp[] = "/tmp/bench-redeem.XXXXXX";
	uint8_t sk[64];
	double batch;
	int port;
	pid_t pid;

	parse(&b, argc, argv);
	if (sodium_init() < 0)
		die("sodium_init");
	signal(SIGPIPE, SIG_IGN);
	if (b.dir == NULL && (b.dir = mkdtemp(tmp)) == NULL)
		die("mkdtemp");
	setenv("PASSNUM_NOW", "", 1);
	crypto_sign_keypair(verify_pk, sk);
	crypto_sign_detached(verify_sig, NULL, verify_msg, sizeof(verify_msg), sk);

	printf("# bench_redeem: %d server thread(s), %d s per run, home %s\n", b.threads, b.seconds, b.dir);
	setup_home(&b);
	load_vouchers(&b);
	if (b.ledger_entries > 0)
		grow_ledger(&b);
	printf("# %ld passes issued\n", b.voucher_count);
	for (size_t i = 0; i < sizeof(scale) / sizeof(scale[0]); i++)
		print_result("bare", scale[i], run_bare(&b, 0, scale[i]), 0);
	for (size_t i = 0; i < sizeof(scale) / sizeof(scale[0]); i++)
		print_result("verify", scale[i], run_bare(&b, 1, scale[i]), 0);
	pid = start_passnumd(&b, &port);
	for (size_t i = 0; i < sizeof(scale) / sizeof(scale[0]); i++) {
		struct result r = run_passnumd(&b, port, scale[i], &batch);
		print_result("passnumd", scale[i], r, batch);
	}
	printf("# passnumd peak RSS %ld KiB; %ld passes redeemed\n", peak_rss_kib(pid), b.next_voucher);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return 0;
}
