/*
 * null_dns.c: the ceiling of the DNS bench. A UDP responder that looks
 * nothing up: it turns each query into an NXDOMAIN reply (the query with
 * QR, AA and RCODE 3 set) and sends it back, with the same I/O as
 * reputed's workers (recvmmsg and sendmmsg, 32 at a time). Whatever a real
 * server spends on top of this is its lookups and its answers; what this
 * one spends is the kernel's and dnsperf's.
 *
 *   null_dns PORT      (127.0.0.1; runs until killed)
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH	32
#define MSG_MAX	512

static void
reply_all(int fd)
{
	static uint8_t buf[BATCH][MSG_MAX];
	struct mmsghdr m[BATCH];
	struct iovec io[BATCH];
	struct sockaddr_in peer[BATCH];
	int n;
	do {
		memset(m, 0, sizeof(m));
		for (int i = 0; i < BATCH; i++) {
			io[i].iov_base = buf[i];
			io[i].iov_len = MSG_MAX;
			m[i].msg_hdr.msg_iov = &io[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = &peer[i];
			m[i].msg_hdr.msg_namelen = sizeof(peer[i]);
		}
		n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			if (m[i].msg_len >= 12) {
				buf[i][2] = (uint8_t)(buf[i][2] | 0x84);
				buf[i][3] = 3;
			}
			io[i].iov_len = m[i].msg_len;
		}
		if (n > 0)
			sendmmsg(fd, m, (unsigned)n, MSG_DONTWAIT);
	} while (n == BATCH);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int size = 4 << 20;
	if (argc != 2) {
		fprintf(stderr, "usage: null_dns PORT\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("null_dns");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, -1) > 0)
			reply_all(fd);
	}
}
