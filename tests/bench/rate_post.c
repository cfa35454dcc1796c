/*
 * rate_post.c: offers single-report POST /v1/reports requests to a reputed
 * API at a fixed rate, over keep-alive connections, each request answered
 * after its commit. Prints what was offered and answered, and the answer
 * time (p50, p99). The bench reads the daemon's batch counters around it.
 *
 *   rate_post PORT RATE SECONDS [CONNECTIONS] [FIRST_OCTET]
 *
 * A request is sent when its time has come and a connection is free; if
 * none is free the request waits (counted as late), so the rate achieved
 * is printed beside the rate offered.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256

struct conn {
	int fd;
	bool busy;
	double sent_at;
	char buf[4096];
	size_t have;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
conn_open(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void
conn_send(struct conn *c, uint64_t i, int octet)
{
	char body[128], req[512];
	int blen, rlen;

	blen = snprintf(body, sizeof(body),
	    "{\"ip\":\"%d.%u.%u.%u\",\"category\":\"spam\"}", octet,
	    (unsigned)(i >> 16) & 255, (unsigned)(i >> 8) & 255,
	    (unsigned)i & 255);
	rlen = snprintf(req, sizeof(req),
	    "POST /v1/reports HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
	    blen, body);
	if (write(c->fd, req, (size_t)rlen) != rlen) {
		perror("write");
		exit(1);
	}
	c->busy = true;
	c->sent_at = now_s();
	c->have = 0;
}

/* 1 when a whole answer is in c->buf (status in *status), else 0. */
static int
conn_answer(struct conn *c, int *status)
{
	char *end, *cl;
	size_t hdr, body = 0;

	c->buf[c->have] = '\0';
	if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
		return 0;
	hdr = (size_t)(end - c->buf) + 4;
	if ((cl = strcasestr(c->buf, "content-length:")) != NULL && cl < end)
		body = strtoul(cl + 15, NULL, 10);
	if (c->have < hdr + body)
		return 0;
	*status = atoi(c->buf + 9);
	return 1;
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
	static struct conn conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS];
	int port, nconn, octet, status;
	double rate, secs, t0, t, *lat;
	uint64_t due, sent = 0, ok = 0, bad = 0, late = 0;
	size_t nlat = 0, cap;

	if (argc < 4) {
		fprintf(stderr, "usage: rate_post PORT RATE SECONDS "
		    "[CONNECTIONS] [FIRST_OCTET]\n");
		return 2;
	}
	port = atoi(argv[1]);
	rate = atof(argv[2]);
	secs = atof(argv[3]);
	nconn = argc > 4 ? atoi(argv[4]) : 32;
	octet = argc > 5 ? atoi(argv[5]) : 10;
	if (nconn < 1 || nconn > MAX_CONNS || rate <= 0 || secs <= 0)
		return 2;
	cap = (size_t)(rate * secs) + 16;
	if ((lat = malloc(cap * sizeof(*lat))) == NULL)
		return 1;
	for (int k = 0; k < nconn; k++)
		conns[k].fd = conn_open(port);
	t0 = now_s();
	for (;;) {
		int busy = 0, timeout;
		t = now_s();
		due = t - t0 < secs ? (uint64_t)((t - t0) * rate) + 1 :
		    (uint64_t)(secs * rate);
		for (int k = 0; k < nconn && sent < due; k++)
			if (!conns[k].busy)
				conn_send(&conns[k], sent++, octet);
		if (sent < due)
			late++;
		for (int k = 0; k < nconn; k++) {
			pfd[k].fd = conns[k].busy ? conns[k].fd : -1;
			pfd[k].events = POLLIN;
			busy += conns[k].busy;
		}
		if (busy == 0 && sent >= (uint64_t)(secs * rate))
			break;
		if (t - t0 > secs + 10)
			break;
		timeout = sent < due || sent < (uint64_t)(secs * rate) ? 1 : 100;
		if (poll(pfd, (nfds_t)nconn, timeout) == -1 && errno != EINTR)
			return 1;
		for (int k = 0; k < nconn; k++) {
			struct conn *c = &conns[k];
			ssize_t n;
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(c->fd, c->buf + c->have,
			    sizeof(c->buf) - 1 - c->have);
			if (n <= 0) {
				fprintf(stderr, "connection closed\n");
				return 1;
			}
			c->have += (size_t)n;
			if (!conn_answer(c, &status))
				continue;
			c->busy = false;
			if (status == 200) {
				ok++;
				if (nlat < cap)
					lat[nlat++] = now_s() - c->sent_at;
			} else
				bad++;
		}
	}
	t = now_s() - t0;
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	printf("offered %.0f reports/s for %.0f s: %llu sent, %llu answered "
	    "200 (%.0f/s), %llu refused, %llu waits for a free connection, "
	    "answer p50 %.2f ms p99 %.2f ms\n", rate, secs,
	    (unsigned long long)sent, (unsigned long long)ok, (double)ok / t,
	    (unsigned long long)bad, (unsigned long long)late,
	    nlat ? lat[nlat / 2] * 1000 : 0,
	    nlat ? lat[(size_t)((double)nlat * 0.99)] * 1000 : 0);
	return 0;
}
