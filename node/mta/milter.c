/*
 * milter.c: reputed-milter, a small mail filter (Sendmail's libmilter, as
 * Postfix and Sendmail speak it) beside reputed. A program of its own,
 * not a part of the daemon: libmilter runs one thread per SMTP session
 * and owns its own loop, which the daemon's single event loop would have
 * to hand work to and wait on; here each session's thread just blocks on
 * its DNS questions (one shared libunbound cache, resolver_unbound_sync).
 *
 * Per message: at the end of the headers, SPF of the MAIL FROM (or the
 * HELO for the null sender, RFC 7208 2.4), the PRA (RFC 4407) and its
 * Sender ID result (RFC 4406), and the client's listing in reputed's IP
 * zone (an A and a TXT query, as any DNSBL client asks). At the end of
 * the message: every Authentication-Results field that carries our
 * authserv-id (forged: only we write those) is removed, and ours is
 * inserted at the top (RFC 8601):
 *
 *   Authentication-Results: mx.isp.example;
 *	spf=pass smtp.mailfrom=a@example.com;
 *	sender-id=pass header.from=a@example.com;
 *	reputed=fail (TXT) policy.ip=192.0.2.1 policy.zone=bl.example policy.code=2
 *
 * reputed=fail means listed, pass not listed, temperror no answer.
 * --reject-listed and --reject-spf-fail reject as the policy service does.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <libmilter/mfapi.h>

#include "feeds/feeds.h"

#define MILTER_HDR_MAX	(256 * 1024)	/* header bytes kept for the PRA */
#define MILTER_FORGED_MAX 64		/* our-id fields removed per message */

/* Options, set once in main. */
static struct {
	const char	*authserv_id;
	const char	*zone;		/* reputed's IP zone, or NULL */
	bool		 reject_listed;
	bool		 reject_spf_fail;
	struct resolver	*res;		/* shared by every thread */
} opt;

/* One SMTP session (smfi_setpriv); the message part is reset per MAIL. */
struct session {
	char	 ip[INET6_ADDRSTRLEN];
	char	 helo[256];
	char	 from[SPF_DOMAIN_MAX + 66];
	char	*hdr;			/* "Name: value\n" lines */
	size_t	 hdrlen, hdrcap;
	bool	 hdr_full;
	int	 ar_seen;		/* Authentication-Results fields so far */
	int	 forged[MILTER_FORGED_MAX];	/* their indexes (1-based) */
	int	 nforged;
	char	 result[2048];		/* our field's value, made at EOH */
};

static struct session *
session_of(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static void
session_reset_message(struct session *s)
{
	s->hdrlen = 0;
	s->hdr_full = false;
	s->ar_seen = s->nforged = 0;
	s->from[0] = s->result[0] = '\0';
}

/* ---- callbacks ---- */

static sfsistat
milter_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, s->ip,
		    sizeof(s->ip));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    s->ip, sizeof(s->ip));
	smfi_setpriv(ctx, s);
	return SMFIS_CONTINUE;
}

static sfsistat
milter_helo(SMFICTX *ctx, char *helo)
{
	struct session *s = session_of(ctx);

	if (s != NULL)
		snprintf(s->helo, sizeof(s->helo), "%s", helo);
	return SMFIS_CONTINUE;
}

static sfsistat
milter_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = session_of(ctx);
	const char *a = argv[0];
	size_t len = strlen(a);

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	session_reset_message(s);
	if (len >= 2 && a[0] == '<' && a[len - 1] == '>')
		snprintf(s->from, sizeof(s->from), "%.*s", (int)(len - 2), a + 1);
	else
		snprintf(s->from, sizeof(s->from), "%s", a);
	return SMFIS_CONTINUE;
}

/* The authserv-id of an Authentication-Results value: its first token,
 * after CFWS, up to ';' or white space (RFC 8601 2.2). */
static bool
ar_is_ours(const char *v)
{
	size_t n = strlen(opt.authserv_id);

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	return strncasecmp(v, opt.authserv_id, n) == 0 &&
	    (v[n] == ';' || v[n] == ' ' || v[n] == '\t' || v[n] == '\r' ||
	    v[n] == '\n' || v[n] == '\0');
}

static void
hdr_add(struct session *s, const char *name, const char *value)
{
	size_t need = strlen(name) + strlen(value) + 4;

	if (s->hdr_full || s->hdrlen + need > MILTER_HDR_MAX) {
		s->hdr_full = true;
		return;
	}
	if (s->hdrlen + need > s->hdrcap) {
		size_t cap = s->hdrcap ? s->hdrcap * 2 : 8192;
		while (cap < s->hdrlen + need)
			cap *= 2;
		char *p = realloc(s->hdr, cap);
		if (p == NULL) {
			s->hdr_full = true;
			return;
		}
		s->hdr = p;
		s->hdrcap = cap;
	}
	s->hdrlen += (size_t)snprintf(s->hdr + s->hdrlen, s->hdrcap - s->hdrlen,
	    "%s: %s\n", name, value);
}

static sfsistat
milter_header(SMFICTX *ctx, char *name, char *value)
{
	struct session *s = session_of(ctx);

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	if (strcasecmp(name, "Authentication-Results") == 0) {
		s->ar_seen++;
		if (ar_is_ours(value) && s->nforged < MILTER_FORGED_MAX)
			s->forged[s->nforged++] = s->ar_seen;
	}
	hdr_add(s, name, value);
	return SMFIS_CONTINUE;
}

/* ---- the results ---- */

/* Appends to s->result; the values a and b come from outside (or from
 * clean()) and are kept to printable ASCII, the format is ours. */
static void
res_add(struct session *s, const char *fmt, const char *a, const char *b)
{
	char ca[512], cb[512];
	size_t n = strlen(s->result);

	snprintf(ca, sizeof(ca), "%s", a);
	snprintf(cb, sizeof(cb), "%s", b);
	for (char *c = ca; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	for (char *c = cb; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	snprintf(s->result + n, sizeof(s->result) - n, fmt, ca, cb);
}

static void
clean(char *t, bool comment)
{
	for (; *t; t++)
		if ((unsigned char)*t < 0x20 || (unsigned char)*t > 0x7e ||
		    *t == ';' || *t == '"' || (comment && (*t == '(' ||
		    *t == ')' || *t == '\\')) || (!comment && *t == ' '))
			*t = '?';
}

static enum spf_result
milter_spf(struct session *s)
{
	struct spf_request req = {
		.ip = s->ip, .sender = s->from, .helo = s->helo,
		.receiver = opt.authserv_id,
		.scope = s->from[0] ? SPF_SCOPE_MFROM : SPF_SCOPE_HELO,
	};
	struct spf_outcome out;
	char err[128], who[SPF_DOMAIN_MAX + 80];

	if (spf_run_sync(opt.res, &req, &out, err, sizeof(err)) == -1)
		out.result = SPF_PERMERROR;
	snprintf(who, sizeof(who), "%s", s->from[0] ? s->from : s->helo);
	clean(who, false);
	res_add(s, "spf=%s %s", spf_result_name(out.result),
	    s->from[0] ? "smtp.mailfrom=" : "smtp.helo=");
	res_add(s, "%s%s", who, "");
	return out.result;
}

static void
milter_senderid(struct session *s)
{
	struct pra_result pra;
	struct spf_outcome out;
	char err[128], field[40];

	if (s->hdr_full || s->hdrlen == 0 ||
	    senderid_check_sync(opt.res, s->ip, s->helo, s->hdr, s->hdrlen,
	    &pra, &out, err, sizeof(err)) == -1) {
		res_add(s, ";\n\tsender-id=%s%s", "temperror", "");
		return;
	}
	res_add(s, ";\n\tsender-id=%s%s", spf_result_name(out.result), "");
	if (pra.status != PRA_FOUND)
		return;
	snprintf(field, sizeof(field), "%s", pra.field);
	for (char *c = field; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	clean(pra.addr, false);
	res_add(s, " header.%s=%s", field, pra.addr);
}

struct dnsbl_answer {
	enum dns_status	 status;
	int		 code;		/* 127.0.0.code; 0: not listed */
	char		 txt[256];
};

static void
milter_a_cb(void *arg, const struct dns_answer *ans)
{
	struct dnsbl_answer *d = arg;

	d->status = ans->status;
	if (ans->status == DNS_ANSWER && ans->count > 0 && ans->rr[0].len == 4 &&
	    ans->rr[0].data[0] == 127)
		d->code = ans->rr[0].data[3];
}

static void
milter_txt_cb(void *arg, const struct dns_answer *ans)
{
	struct dnsbl_answer *d = arg;

	if (ans->status == DNS_ANSWER && ans->count > 0)
		snprintf(d->txt, sizeof(d->txt), "%.*s",
		    (int)(ans->rr[0].len < 255 ? ans->rr[0].len : 255),
		    (const char *)ans->rr[0].data);
}

/* "1.2.0.192.ZONE" or the nibbles of an IPv6 address. */
static int
dnsbl_name(const char *ip, char *out, size_t outlen)
{
	uint8_t a[16];
	size_t n = 0;

	if (inet_pton(AF_INET, ip, a) == 1)
		return snprintf(out, outlen, "%u.%u.%u.%u.%s", a[3], a[2], a[1],
		    a[0], opt.zone) < (int)outlen ? 0 : -1;
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	for (int i = 15; i >= 0 && n + 4 < outlen; i--)
		n += (size_t)snprintf(out + n, outlen - n, "%x.%x.", a[i] & 15,
		    a[i] >> 4);
	return snprintf(out + n, outlen - n, "%s", opt.zone) <
	    (int)(outlen - n) ? 0 : -1;
}

/* Returns the listing code (0: not listed, -1: no answer). */
static int
milter_reputed(struct session *s, char *txt, size_t txtlen)
{
	struct dnsbl_answer d = { DNS_TEMPFAIL, 0, "" };
	char name[512], code[8];

	if (opt.zone == NULL || dnsbl_name(s->ip, name, sizeof(name)) == -1)
		return -1;
	resolver_query(opt.res, name, DNS_T_A, milter_a_cb, &d);
	if (d.code > 0)
		resolver_query(opt.res, name, DNS_T_TXT, milter_txt_cb, &d);
	clean(d.txt, true);
	snprintf(txt, txtlen, "%s", d.txt);
	snprintf(code, sizeof(code), "%d", d.code);
	if (d.status == DNS_TEMPFAIL) {
		res_add(s, ";\n\treputed=temperror policy.zone=%s%s", opt.zone, "");
		return -1;
	}
	res_add(s, ";\n\treputed=%s%s", d.code ? "fail" : "pass", "");
	if (d.code && d.txt[0])
		res_add(s, " (%s)%s", d.txt, "");
	res_add(s, " policy.ip=%s policy.zone=%s", s->ip, opt.zone);
	if (d.code)
		res_add(s, " policy.code=%s%s", code, "");
	return d.code;
}

static sfsistat
milter_eoh(SMFICTX *ctx)
{
	struct session *s = session_of(ctx);
	char txt[256], reply[400];
	enum spf_result spf;
	int code;

	if (s == NULL || s->ip[0] == '\0')
		return SMFIS_CONTINUE;
	snprintf(s->result, sizeof(s->result), "%s;\n\t", opt.authserv_id);
	spf = milter_spf(s);
	milter_senderid(s);
	code = milter_reputed(s, txt, sizeof(txt));
	if (opt.reject_listed && code > 0) {
		snprintf(reply, sizeof(reply), "Service unavailable; client host "
		    "[%s] blocked using %s%s%s", s->ip, opt.zone, txt[0] ? "; " :
		    "", txt);
		smfi_setreply(ctx, "554", "5.7.1", reply);
		return SMFIS_REJECT;
	}
	if (opt.reject_spf_fail && spf == SPF_FAIL) {
		smfi_setreply(ctx, "550", "5.7.23", "SPF fail: not authorized");
		return SMFIS_REJECT;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
milter_eom(SMFICTX *ctx)
{
	struct session *s = session_of(ctx);

	if (s == NULL || s->result[0] == '\0')
		return SMFIS_CONTINUE;
	/* the highest index first, so the lower ones keep their numbers */
	for (int i = s->nforged - 1; i >= 0; i--)
		if (smfi_chgheader(ctx, "Authentication-Results", s->forged[i],
		    NULL) != MI_SUCCESS)
			syslog(LOG_WARNING, "could not remove a forged "
			    "Authentication-Results field");
	if (smfi_insheader(ctx, 0, "Authentication-Results", s->result) !=
	    MI_SUCCESS)
		syslog(LOG_WARNING, "could not add Authentication-Results");
	return SMFIS_CONTINUE;
}

static sfsistat
milter_abort(SMFICTX *ctx)
{
	struct session *s = session_of(ctx);

	if (s != NULL)
		session_reset_message(s);
	return SMFIS_CONTINUE;
}

static sfsistat
milter_close(SMFICTX *ctx)
{
	struct session *s = session_of(ctx);

	if (s != NULL) {
		free(s->hdr);
		free(s);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc milter_desc = {
	.xxfi_name = "reputed-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_connect = milter_connect,
	.xxfi_helo = milter_helo,
	.xxfi_envfrom = milter_envfrom,
	.xxfi_header = milter_header,
	.xxfi_eoh = milter_eoh,
	.xxfi_eom = milter_eom,
	.xxfi_abort = milter_abort,
	.xxfi_close = milter_close,
};

/* ---- main ---- */

static void
usage(void)
{
	fprintf(stderr, "usage: reputed-milter -s SOCKET --authserv-id ID "
	    "[--resolver HOST:PORT]\n"
	    "           [--zone ZONE --zone-server HOST:PORT] [--timeout MS] "
	    "[--reject-listed] [--reject-spf-fail]\n"
	    "  SOCKET: inet:PORT@127.0.0.1 or unix:/path (libmilter's syntax)\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "authserv-id", required_argument, NULL, 'a' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "zone", required_argument, NULL, 'z' },
		{ "zone-server", required_argument, NULL, 'Z' },
		{ "timeout", required_argument, NULL, 't' },
		{ "reject-listed", no_argument, NULL, 'L' },
		{ "reject-spf-fail", no_argument, NULL, 'F' },
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *resolver = NULL, *zone_server = NULL;
	unsigned timeout = 2000;
	char err[256];
	int c;

	while ((c = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': opt.authserv_id = optarg; break;
		case 'r': resolver = optarg; break;
		case 'z': opt.zone = optarg; break;
		case 'Z': zone_server = optarg; break;
		case 't': timeout = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'L': opt.reject_listed = true; break;
		case 'F': opt.reject_spf_fail = true; break;
		case 's': sock = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || sock == NULL || opt.authserv_id == NULL ||
	    strchr(opt.authserv_id, ';') || strchr(opt.authserv_id, ' ') ||
	    (opt.zone != NULL) != (zone_server != NULL))
		usage();
	openlog("reputed-milter", LOG_PID | LOG_PERROR, LOG_MAIL);
	if ((opt.res = resolver_unbound_sync_new(resolver, opt.zone,
	    zone_server, timeout, err, sizeof(err))) == NULL) {
		fprintf(stderr, "reputed-milter: resolver: %s\n", err);
		return 1;
	}
	if (smfi_setconn((char *)sock) == MI_FAILURE ||
	    smfi_register(milter_desc) == MI_FAILURE ||
	    smfi_opensocket(true) == MI_FAILURE) {
		fprintf(stderr, "reputed-milter: cannot listen on %s\n", sock);
		return 1;
	}
	fprintf(stderr, "reputed-milter: listening on %s\n", sock);
	c = smfi_main();
	resolver_free(opt.res);
	return c == MI_SUCCESS ? 0 : 1;
}
