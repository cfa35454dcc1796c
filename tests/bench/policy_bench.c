/*
 * policy_bench.c: a Postfix policy client for benchmarks. Sends the
 * requests of a file (each ended by an empty line, as on the wire) over C
 * connections at once, one request in flight per connection as Postfix
 * does, for S seconds after a warm-up pass over every request, and prints
 * the rate and the latency percentiles. The requests carry no instance
 * attribute: each gets a new one. The server is a TCP address, or a
 * command started C times with the protocol on its stdin and stdout (how
 * Postfix's spawn(8) runs policyd-spf). The server's CPU time (the -p
 * process, or the commands started) gives requests per CPU second, a
 * figure a busy shared machine disturbs less than the rate.
 *
 *   policy_bench -c CONNS -s SECONDS -f REQUESTS [-p PID] tcp HOST:PORT
 *   policy_bench -c CONNS -s SECONDS -f REQUESTS cmd PROGRAM ARGS...
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_CONNS	256
#define BENCH_BUF	8192

struct conn {
	int	 wfd, rfd;
	pid_t	 pid;
	char	 buf[BENCH_BUF];
	size_t	 len;
	double	 sent;		/* when the request in flight went out */
};

static char **reqs;		/* requests, each with its empty line */
static size_t nreqs, next_req;
static double *lat;		/* latencies of the timed phase, seconds */
static size_t nlat, caplat;
static unsigned long actions[4];	/* PREPEND, DUNNO, reject/defer, other */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
load(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, *p, *end;
	size_t len = 0;

	if (f == NULL || getdelim(&text, &len, '\0', f) == -1) {
		perror(path);
		exit(1);
	}
	fclose(f);
	for (p = text; (end = strstr(p, "\n\n")) != NULL; p = end + 2) {
		reqs = realloc(reqs, (nreqs + 1) * sizeof(*reqs));
		reqs[nreqs++] = strndup(p, (size_t)(end + 2 - p));
	}
	if (nreqs == 0) {
		fprintf(stderr, "%s: no requests\n", path);
		exit(1);
	}
}

static void
open_tcp(struct conn *c, const char *spec)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strrchr(spec, ':');
	int one = 1;

	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	inet_pton(AF_INET, host, &sa.sin_addr);
	c->wfd = c->rfd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c->wfd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror(spec);
		exit(1);
	}
	setsockopt(c->wfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
open_cmd(struct conn *c, char **argv)
{
	int in[2], out[2];

	/* close-on-exec: a child must not hold another child's stdin open */
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    (c->pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->wfd = in[1];
	c->rfd = out[0];
}

/* Each request goes out with an instance of its own (one message each),
 * so a server that answers a message's second recipient from memory
 * (both do) still evaluates every request. */
static void
send_next(struct conn *c)
{
	static char out[BENCH_BUF];
	const char *r = reqs[next_req % nreqs];
	size_t len, off = 0;

	len = (size_t)snprintf(out, sizeof(out), "%.*sinstance=b%zu\n\n",
	    (int)strlen(r) - 1, r, next_req++);
	c->sent = now();
	while (off < len) {
		ssize_t n = write(c->wfd, out + off, len - off);
		if (n <= 0) {
			perror("write");
			exit(1);
		}
		off += (size_t)n;
	}
}

static void
count_action(const char *a)
{
	if (strncasecmp(a, "action=prepend", 14) == 0)
		actions[0]++;
	else if (strncasecmp(a, "action=dunno", 12) == 0)
		actions[1]++;
	else if (a[7] == '4' || a[7] == '5' || strncasecmp(a, "action=defer", 12) == 0)
		actions[2]++;
	else
		actions[3]++;
}

/* Reads what came; true when a whole answer did. */
static int
receive(struct conn *c, int timed)
{
	ssize_t n = read(c->rfd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	char *end;

	if (n <= 0) {
		fprintf(stderr, "the server closed a connection\n");
		exit(1);
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if ((end = strstr(c->buf, "\n\n")) == NULL)
		return 0;
	if (timed) {
		if (nlat == caplat) {
			caplat = caplat ? caplat * 2 : 65536;
			lat = realloc(lat, caplat * sizeof(*lat));
		}
		lat[nlat++] = now() - c->sent;
		count_action(c->buf);
	}
	c->len -= (size_t)(end + 2 - c->buf);
	memmove(c->buf, end + 2, c->len);
	return 1;
}

static void
run(struct conn *cs, int nc, double seconds, size_t count, int timed)
{
	struct pollfd pfd[BENCH_MAX_CONNS];
	double stop = now() + seconds;
	size_t done = 0;

	for (int i = 0; i < nc; i++) {
		pfd[i].fd = cs[i].rfd;
		pfd[i].events = POLLIN;
		send_next(&cs[i]);
	}
	for (;;) {
		if (poll(pfd, (nfds_t)nc, 1000) <= 0)
			continue;
		for (int i = 0; i < nc; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP)) ||
			    !receive(&cs[i], timed))
				continue;
			done++;
			if ((timed && now() >= stop) || (!timed && done >= count)) {
				/* let the others answer, so nothing is left */
				for (int j = 0; j < nc; j++)
					if (j != i)
						while (!receive(&cs[j], 0))
							;
				return;
			}
			send_next(&cs[i]);
		}
	}
}

/* CPU seconds (user + system) a process has used, from /proc. */
static double
cpu_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		    &ut, &st);
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The server's CPU: the -p process, or every child started. */
static double
server_cpu(const struct conn *cs, int nc, pid_t server)
{
	double t = server > 0 ? cpu_of(server) : 0;

	for (int i = 0; i < nc; i++)
		if (cs[i].pid > 0)
			t += cpu_of(cs[i].pid);
	return t;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static struct conn cs[BENCH_MAX_CONNS];
	int nc = 1, ch;
	double seconds = 5, t0, elapsed, cpu0, cpu;
	pid_t server = 0;
	const char *file = NULL;

	while ((ch = getopt(argc, argv, "+c:s:f:p:")) != -1) {
		switch (ch) {
		case 'p': server = (pid_t)atoi(optarg); break;
		case 'c': nc = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'f': file = optarg; break;
		default: goto usage;
		}
	}
	if (file == NULL || nc < 1 || nc > BENCH_MAX_CONNS || optind + 2 > argc)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	load(file);
	for (int i = 0; i < nc; i++) {
		if (strcmp(argv[optind], "tcp") == 0)
			open_tcp(&cs[i], argv[optind + 1]);
		else
			open_cmd(&cs[i], argv + optind + 1);
	}
	run(cs, nc, 0, nreqs, 0);		/* warm-up: every request once */
	t0 = now();
	cpu0 = server_cpu(cs, nc, server);
	run(cs, nc, seconds, 0, 1);
	elapsed = now() - t0;
	cpu = server_cpu(cs, nc, server) - cpu0;
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	printf("%zu requests in %.2f s over %d connections: %.0f requests/s, "
	    "latency p50 %.0f us, p99 %.0f us, max %.0f us; answers: %lu "
	    "prepend, %lu dunno, %lu reject/defer, %lu other\n", nlat, elapsed,
	    nc, (double)nlat / elapsed, lat[nlat / 2] * 1e6,
	    lat[(size_t)((double)nlat * 0.99)] * 1e6, lat[nlat - 1] * 1e6,
	    actions[0], actions[1], actions[2], actions[3]);
	if (cpu > 0)
		printf("  server CPU %.2f s: %.0f requests per CPU second\n", cpu,
		    (double)nlat / cpu);
	fflush(stdout);
	for (int i = 0; i < nc; i++) {
		close(cs[i].wfd);
		if (cs[i].pid > 0)
			waitpid(cs[i].pid, NULL, 0);
	}
	return 0;
usage:
	fprintf(stderr, "usage: policy_bench -c CONNS -s SECONDS -f REQUESTS "
	    "tcp HOST:PORT | cmd PROGRAM ARGS...\n");
	return 2;
}
