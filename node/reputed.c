/*
 * reputed.c: the daemon's main. Reads the config (or the embedded
 * default), checks it (-n, -nv), goes to the background unless -d (the
 * parent exits when the child is ready), then in this order: changes to
 * the store directory and locks the pidfile there, opens the store and
 * the node key, binds the API, DNS and peer sockets, drops to the
 * configured user, and runs one event_base until SIGTERM or SIGINT.
 * SIGHUP reloads the config. Under systemd it says READY=1, RELOADING=1
 * and STOPPING=1 as these happen (notify.c).
 *
 * Keep the privileged part short: everything that needs root (binding low
 * ports, writing a pidfile outside the directory, chown) happens before
 * daemon_drop_privileges; nothing after it does.
 *
 * Owns every subsystem handle; the subsystems borrow the store, the
 * signer and the base from here.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "node/api.h"
#include "node/api_feeds.h"
#include "node/attest.h"
#include "node/batcher.h"
#include "node/log.h"
#include "node/mailcheck.h"
#include "node/mta/api_message.h"
#include "node/mta/policy_server.h"
#include "node/node.h"
#include "node/notify.h"
#include "node/peer/peer.h"
#include "node/retention.h"
#include "node/dns/dns.h"

struct daemon {
	struct event_base *base;
	struct node_conf conf;
	char conf_path[PATH_MAX];	/* absolute, for SIGHUP; "" = embedded */
	struct store *st;
	struct signer *signer;
	uint8_t key[ED25519_KEY_LEN];	/* this node's public key */
	struct batcher *batcher;
	struct batcher_timer *batcher_timer;
	struct api *api;
	struct peers *peers;		/* NULL when peering is off */
	struct mailcheck *mailcheck;	/* NULL when sender-id is off */
	struct policy_server *policy;	/* NULL without smtpd-policy: listen */
	struct api_message *message;	/* POST /v1/reports/message */
	struct api_feeds *feeds;	/* POST /v1/feeds/... (api_feeds.c) */
	struct attest *attest;		/* the store's verifier of attested
					 * reports (attest.c) */
	unsigned char trust_fp[32];	/* its trust store's fingerprint */
	struct retention *retention;	/* the pruner */
	bool dns_running;
	int pid_fd;			/* the locked pidfile, or -1 */
	struct event *sig_hup, *sig_term, *sig_int;
	bool stopping;
	bool notify_failed;		/* a notify_send failed (logged once) */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: reputed [-dnv] [-c file]\n"
	    "  -c file  config file (default: the embedded configuration)\n"
	    "  -d       stay in the foreground, log to stderr\n"
	    "  -n       check the config and exit (-nv: print it normalised)\n"
	    "  -v       more verbose (repeat for more)\n");
	exit(2);
}

/* -n: check the config, print it with -v. */
static int
daemon_check(const char *path, int verbose)
{
	struct node_conf *c = calloc(1, sizeof(*c));
	char err[512];

	if (c == NULL)
		fatal("calloc");
	if (conf_load(c, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "reputed: %s\n", err);
		free(c);
		return 1;
	}
	if (verbose)
		conf_print(c, stdout);
	else
		fprintf(stderr, "reputed: %s: configuration OK\n", c->path);
	free(c);
	return 0;
}

/* ---- start-up ---- */

static void
daemon_enter_directory(struct daemon *d)
{
	if (mkdir(d->conf.directory, 0750) == -1 && errno != EEXIST)
		fatal("mkdir %s", d->conf.directory);
	if (chdir(d->conf.directory) == -1)
		fatal("chdir %s", d->conf.directory);
}

/* Loads the node key, making one on first start. */
static void
daemon_load_key(struct daemon *d)
{
	char err[256], hex[2 * ED25519_KEY_LEN + 1];

	if (access(d->conf.key_file, F_OK) == -1) {
		if (errno != ENOENT)
			fatal("%s", d->conf.key_file);
		if (signer_generate(d->conf.key_file, err, sizeof(err)) == -1)
			fatalx("%s", err);
		log_info("generated a new node key in %s/%s", d->conf.directory,
		    d->conf.key_file);
	}
	if ((d->signer = signer_load(d->conf.key_file, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	signer_public_key(d->signer, d->key);
	for (int i = 0; i < ED25519_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", d->key[i]);
	log_info("node key %s", hex);
}

/* Sets one origin's (or organisation's) trust in the store if it differs;
 * the store rescores what it reported at once. 1 changed, 0 not. */
static int
daemon_set_origin(struct daemon *d, const struct conf_origin *o)
{
	struct origin_info info;
	double trust;
	bool blocked;
	char err[256];
	int rc;

	if (o->is_org) {
		if (store_get_org(d->st, o->key, &trust, &blocked) >= 0 &&
		    trust == o->trust && blocked == o->blocked)
			return 0;
		rc = store_set_org(d->st, o->key, o->trust, o->blocked, err,
		    sizeof(err));
	} else {
		/* the operator's block only: one for equivocation or
		 * flooding is the store's, and stays */
		if (store_get_origin(d->st, o->key, &info) >= 0 &&
		    info.trust == o->trust &&
		    ((info.block & ORIGIN_BLOCK_POLICY) != 0) == o->blocked)
			return 0;
		rc = store_set_origin(d->st, o->key, o->trust, o->blocked,
		    err, sizeof(err));
	}
	if (rc == -1) {
		log_warnx("origin: %s", err);
		return 0;
	}
	return 1;
}

static bool
daemon_has_origin(const struct node_conf *c, const struct conf_origin *o)
{
	for (int i = 0; i < c->n_origins; i++)
		if (c->origins[i].is_org == o->is_org &&
		    memcmp(c->origins[i].key, o->key, ED25519_KEY_LEN) == 0)
			return true;
	return false;
}

/* Applies the origin: clauses of c; origins and organisations that were in
 * old (a reload) and are gone go back to the default trust (an
 * organisation to 1, no setting). */
static int
daemon_apply_origins(struct daemon *d, const struct node_conf *c,
    const struct node_conf *old)
{
	int changed = 0;

	for (int i = 0; i < c->n_origins; i++)
		changed += daemon_set_origin(d, &c->origins[i]);
	for (int i = 0; old != NULL && i < old->n_origins; i++) {
		struct conf_origin back = old->origins[i];
		if (daemon_has_origin(c, &back))
			continue;
		back.trust = back.is_org ? 1.0 : c->policy.default_trust;
		back.blocked = false;
		changed += daemon_set_origin(d, &back);
	}
	if (changed > 0)
		log_info("%d origin%s changed trust; their subjects rescored",
		    changed, changed == 1 ? "" : "s");
	return changed;
}

/* An attested report that did not verify: dropped (attest.c). */
static void
daemon_attest_note(void *arg, enum attest_result r, const char *why)
{
	(void)arg;
	log_info("attested report dropped (%s): %s", attest_result_name(r),
	    why);
}

/* The config's policy: clause is not the one the store's scores were
 * made under (changed while the daemon was stopped): rescore before
 * answering, as a SIGHUP would. */
static void
daemon_rescore_if_changed(struct daemon *d)
{
	char err[256];
	time_t t0 = time(NULL);

	if (!store_policy_changed(d->st))
		return;
	log_info("policy: not the one the store was scored under; rescoring");
	if (store_rescore(d->st, err, sizeof(err)) == -1)
		log_warnx("rescore: %s (the scores stay those of the old policy "
		    "until a rescore succeeds)", err);
	else
		log_info("rescored in %lld s", (long long)(time(NULL) - t0));
}

static void
daemon_open_store(struct daemon *d)
{
	struct store_options opt = { .map_size = d->conf.store_size,
	    .sync = d->conf.sync, .policy = &d->conf.policy };
	char err[256];

	if ((d->st = store_open(".", &opt, err, sizeof(err))) == NULL)
		fatalx("store %s: %s", d->conf.directory, err);
	if ((d->attest = attest_new()) == NULL)
		fatalx("out of memory");
	attest_set_note(d->attest, daemon_attest_note, NULL);
	store_set_attest(d->st, attest_store_cb, d->attest);
	daemon_apply_origins(d, &d->conf, NULL);
	daemon_rescore_if_changed(d);
}

/* The hook the peer layer takes over: a local batch was committed. */
static void
daemon_batch_committed(void *arg, const uint8_t *sb, size_t len)
{
	struct daemon *d = arg;

	log_debug("batch of %zu bytes committed", len);
	peers_batch_committed(d->peers, sb, len);
}

/* The DNSBL responder (node/dns/dns_server.c): binds before the drop. */
static void
daemon_dns_start(struct daemon *d)
{
	char err[256];

	if (d->conf.n_dns_listen == 0) {
		log_warnx("dns: no listen address; not serving the zones");
		return;
	}
	if (dns_server_start(d->base, d->st, &d->conf, err, sizeof(err)) == -1)
		fatalx("dns: %s", err);
	d->dns_running = true;
	if (api_metrics_register(d->api, dns_server_metrics, NULL) == -1)
		log_warnx("dns: no room for its metrics");
}

static void
daemon_dns_stop(struct daemon *d)
{
	if (d->dns_running)
		dns_server_stop();
	d->dns_running = false;
}

/* The node's own Sender-ID evaluation of API reports (node/mailcheck.c),
 * when sender-id: names a resolver. */
static void
daemon_mailcheck_start(struct daemon *d)
{
	const struct node_conf *c = &d->conf;
	char spec[80], err[256];

	if (c->senderid == SENDERID_OFF) {
		log_debug("sender-id: off; reports keep the results their "
		    "submitters give");
		return;
	}
	if (c->senderid == SENDERID_SYSTEM)
		snprintf(spec, sizeof(spec), "system");
	else
		snprintf(spec, sizeof(spec), "%s@%u", c->senderid_server.host,
		    c->senderid_server.port);
	if ((d->mailcheck = mailcheck_new(d->base, spec, c->senderid_timeout_ms,
	    c->senderid_inflight, c->senderid_deadline_ms, err,
	    sizeof(err))) == NULL)
		fatalx("sender-id: %s", err);
	api_set_mailcheck(d->api, d->mailcheck);
	if (api_metrics_register(d->api, mailcheck_metrics, d->mailcheck) == -1)
		log_warnx("sender-id: no room for its metrics");
	log_info("sender-id: evaluating reports over %s (%u ms per query, "
	    "%u at once)", spec, c->senderid_timeout_ms, c->senderid_inflight);
}

/* The Postfix policy service (node/mta/), when smtpd-policy: listen is set. */
static void
daemon_policy_start(struct daemon *d)
{
	char err[512];

	if (!mta_conf_enabled(&d->conf.mta))
		return;
	if ((d->policy = policy_server_start(d->base, d->st, &d->conf, err,
	    sizeof(err))) == NULL)
		fatalx("smtpd-policy: %s", err);
	if (api_metrics_register(d->api, policy_server_metrics, d->policy) == -1)
		log_warnx("smtpd-policy: no room for its metrics");
	log_info("smtpd-policy: listening on %s", d->conf.mta.listen_path[0] ?
	    d->conf.mta.listen_path : d->conf.mta.listen_host);
}

/* The peer links have bytes queued (or no longer): small batches wait. */
static void
daemon_peers_busy(void *arg, bool busy)
{
	struct daemon *d = arg;

	batcher_set_busy(d->batcher, busy, batcher_now());
}

/* server: batch-window, batch-size, batch-idle -> the batcher. */
static void
daemon_batch_policy(struct daemon *d, const struct node_conf *c)
{
	struct batcher_policy pol = { .window_ms = c->batch_window_ms,
		.max_reports = c->batch_size,
		.idle_seal = c->batch_idle_seal };

	batcher_set_policy(d->batcher, &pol, batcher_now());
}

/* The peer network (node/peer/peer.c), when peering: has a listener or peers. */
static void
daemon_peers_start(struct daemon *d)
{
	char err[512];

	if (d->conf.peer_listen.port == 0 && d->conf.n_peers == 0)
		return;
	if ((d->peers = peers_start(d->base, d->st, d->signer, &d->conf, err,
	    sizeof(err))) == NULL)
		fatalx("peering: %s", err);
	if (peers_api_attach(d->peers, d->api) == -1)
		fatalx("peering: cannot add the API routes");
	/* signed complaints and attested reports: the peer links' trust,
	 * CRLs learned from the directory included */
	if (peers_pki(d->peers) != NULL)
		api_feeds_share_pki(d->feeds, peers_pki(d->peers));
	peers_set_busy_hook(d->peers, daemon_peers_busy, d);
}

static void
daemon_write_pidfile(struct daemon *d)
{
	char buf[32];
	int n;

	d->pid_fd = open(d->conf.pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->pid_fd == -1)
		fatal("pidfile %s", d->conf.pidfile);
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) == -1)
		fatalx("pidfile %s is locked: another reputed runs on %s",
		    d->conf.pidfile, d->conf.directory);
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(d->pid_fd, 0) == -1 || write(d->pid_fd, buf, (size_t)n) != n)
		fatal("pidfile %s", d->conf.pidfile);
}

/* ---- privileges ---- */

static uid_t chown_uid;
static gid_t chown_gid;

static int
daemon_chown_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	if (lchown(path, chown_uid, chown_gid) == -1)
		log_warn("chown %s", path);
	return 0;
}

/* Gives the store directory to the user, then becomes that user. */
static void
daemon_drop_privileges(struct daemon *d)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return;
	if (d->conf.username[0] == '\0') {
		log_warnx("running as root: set server: username to drop "
		    "privileges");
		return;
	}
	if ((pw = getpwnam(d->conf.username)) == NULL)
		fatalx("unknown user %s", d->conf.username);
	chown_uid = pw->pw_uid;
	chown_gid = pw->pw_gid;
	if (nftw(".", daemon_chown_cb, 16, FTW_PHYS) == -1)
		fatal("chown %s", d->conf.directory);
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("cannot drop privileges to %s", d->conf.username);
	if (setuid(0) == 0)
		fatalx("still root after dropping privileges");
	log_info("running as %s", d->conf.username);
}

/* ---- reload ---- */

/* Keeps, in n, the settings a reload cannot change; logs each. */
static void
daemon_keep_static(const struct node_conf *o, struct node_conf *n)
{
#define KEEP(field, what) do {						\
	if (memcmp(&o->field, &n->field, sizeof(o->field)) != 0) {	\
		log_warnx("reload: %s changed; restart to apply it", what); \
		memcpy(&n->field, &o->field, sizeof(o->field));		\
	}								\
} while (0)
	KEEP(directory, "server: directory");
	KEEP(username, "server: username");
	KEEP(pidfile, "server: pidfile");
	KEEP(key_file, "server: key-file");
	KEEP(cert_file, "server: cert-file");
	KEEP(sync, "server: sync");
	KEEP(store_size, "server: store-size");
	if (o->n_dns_listen != n->n_dns_listen ||
	    memcmp(o->dns_listen, n->dns_listen, sizeof(o->dns_listen)) != 0) {
		log_warnx("reload: dns: listen changed; restart to apply it");
		memcpy(n->dns_listen, o->dns_listen, sizeof(o->dns_listen));
		n->n_dns_listen = o->n_dns_listen;
	}
	KEEP(dns_threads, "dns: threads");
	KEEP(api_listen, "api: listen");
	KEEP(api_socket, "api: socket");
	KEEP(peer_listen, "peering: listen");
	/* Peers, pins, anchors and the CRL are peers_reload's. */
	/* The resolver is made once, at start-up (mailcheck_new). */
	KEEP(senderid, "sender-id: resolver");
	KEEP(senderid_server, "sender-id: resolver");
	KEEP(senderid_timeout_ms, "sender-id: timeout");
	KEEP(senderid_deadline_ms, "sender-id: deadline");
	KEEP(senderid_inflight, "sender-id: max-inflight");
	KEEP(mta, "smtpd-policy");
#undef KEEP
}

/* New zones, RRL and EDNS size to the DNS server; if it refuses them, n
 * keeps the old ones, so the next reload compares with what is served. */
static void
daemon_reload_zones(struct daemon *d, struct node_conf *n)
{
	bool same = d->conf.n_zones == n->n_zones &&
	    memcmp(d->conf.zones, n->zones, sizeof(n->zones)) == 0 &&
	    d->conf.rrl_limit == n->rrl_limit &&
	    d->conf.edns_size == n->edns_size;

	if (same)
		return;
	log_info("reload: zones %d -> %d, rrl-limit %u -> %u",
	    d->conf.n_zones, n->n_zones, d->conf.rrl_limit, n->rrl_limit);
	char err[256];
	if (d->dns_running && dns_server_reload(n, err, sizeof(err)) == -1) {
		log_warnx("reload: dns: %s (keeping the old zones)", err);
		memcpy(n->zones, d->conf.zones, sizeof(n->zones));
		n->n_zones = d->conf.n_zones;
		n->rrl_limit = d->conf.rrl_limit;
		n->edns_size = d->conf.edns_size;
	}
}

/* Anchors or CRLs that say something else now: the attested reports
 * are verified again (a signer newly anchored counts, one revoked from
 * before its batch no longer does). */
static void
daemon_reload_attest(struct daemon *d)
{
	unsigned char fp[32];
	uint64_t relays;
	char err[256];

	api_feeds_trust_fingerprint(d->feeds, fp);
	if (memcmp(fp, d->trust_fp, sizeof(fp)) == 0)
		return;
	memcpy(d->trust_fp, fp, sizeof(fp));
	if (store_attest_recheck(d->st, &relays, err, sizeof(err)) == -1)
		log_warnx("reload: attested reports: %s", err);
	else
		log_info("reload: trust anchors or CRLs changed: the attested "
		    "reports of %llu origin%s verified again",
		    (unsigned long long)relays, relays == 1 ? "" : "s");
}

/* A changed policy: clause means every score is recomputed under it. */
static void
daemon_reload_policy(struct daemon *d, const struct node_conf *n)
{
	char err[256];

	if (memcmp(&d->conf.policy, &n->policy, sizeof(n->policy)) == 0)
		return;
	log_info("reload: policy changed; rescoring");
	store_set_policy(d->st, &n->policy);
	if (store_rescore(d->st, err, sizeof(err)) == -1)
		log_warnx("reload: rescore: %s", err);
}

/* Peers, pins, trust anchors and the CRL to the peer layer; if it refuses
 * them, n keeps the old ones and the peer layer is unchanged. */
static void
daemon_reload_peering(struct daemon *d, struct node_conf *n)
{
	const struct node_conf *o = &d->conf;
	char err[512];
	int rc = 0;

	if (d->peers == NULL && (n->n_peers > 0 || n->n_anchors > 0 ||
	    n->crl_file[0] != '\0')) {
		snprintf(err, sizeof(err), "peering was off at start; restart "
		    "to apply it");
		rc = -1;
	} else
		rc = peers_reload(d->peers, n, err, sizeof(err));
	if (rc == 0)
		return;
	log_warnx("reload: peering: %s (keeping the old peers, anchors and "
	    "CRL)", err);
	memcpy(n->peers, o->peers, sizeof(n->peers));
	n->n_peers = o->n_peers;
	memcpy(n->anchors, o->anchors, sizeof(n->anchors));
	n->n_anchors = o->n_anchors;
	memcpy(n->crl_file, o->crl_file, sizeof(n->crl_file));
}

static void
daemon_reload(struct daemon *d)
{
	struct node_conf *n = calloc(1, sizeof(*n));
	char err[512];

	if (n == NULL) {
		log_warn("reload");
		return;
	}
	if (conf_load(n, d->conf_path[0] ? d->conf_path : NULL, err,
	    sizeof(err)) == -1) {
		log_warnx("reload refused: %s", err);
		free(n);
		return;
	}
	daemon_keep_static(&d->conf, n);
	daemon_reload_peering(d, n);
	api_feeds_reload(d->feeds, n);
	daemon_reload_attest(d);
	daemon_reload_zones(d, n);
	daemon_reload_policy(d, n);
	daemon_batch_policy(d, n);
	if (daemon_apply_origins(d, n, &d->conf) == 0)
		log_debug("reload: origins unchanged");
	if (n->verbosity != d->conf.verbosity) {
		log_info("reload: verbosity %d -> %d", d->conf.verbosity,
		    n->verbosity);
		log_setverbose(log_getverbose() + n->verbosity - d->conf.verbosity);
	}
	if (strcmp(n->name, d->conf.name) != 0)
		log_info("reload: name %s -> %s", d->conf.name, n->name);
	api_set_name(d->api, n->name);
	d->conf = *n;
	free(n);
	log_info("reloaded %s", d->conf.path);
}

/* ---- signals and the loop ---- */

/* The result of a notify_send: a failure is logged once, not per call. */
static void
daemon_notify(struct daemon *d, int rc)
{
	if (rc == -1 && !d->notify_failed) {
		log_warn("NOTIFY_SOCKET %s", getenv("NOTIFY_SOCKET"));
		d->notify_failed = true;
	}
}

static void
daemon_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct daemon *d = arg;
	struct timeval grace = { 0, 200000 };

	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading the configuration");
		daemon_notify(d, notify_reloading());
		daemon_reload(d);
		daemon_notify(d, notify_send("READY=1"));
		return;
	}
	if (d->stopping)
		return;
	d->stopping = true;
	log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	daemon_notify(d, notify_send("STOPPING=1"));
	/* Reports still under Sender-ID evaluation are answered 503 now,
	 * while the loop can still send it. */
	if (d->mailcheck != NULL)
		mailcheck_cancel(d->mailcheck);
	/* Commit what is queued now, so the answers go out in the grace. */
	batcher_flush(d->batcher, batcher_now(), true);
	event_base_loopexit(d->base, &grace);
}

static void
daemon_signals(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	d->sig_hup = evsignal_new(d->base, SIGHUP, daemon_signal_cb, d);
	d->sig_term = evsignal_new(d->base, SIGTERM, daemon_signal_cb, d);
	d->sig_int = evsignal_new(d->base, SIGINT, daemon_signal_cb, d);
	if (d->sig_hup == NULL || d->sig_term == NULL || d->sig_int == NULL ||
	    evsignal_add(d->sig_hup, NULL) == -1 ||
	    evsignal_add(d->sig_term, NULL) == -1 ||
	    evsignal_add(d->sig_int, NULL) == -1)
		fatalx("cannot install signal handlers");
}

/* What to try next, with the addresses this node really uses. */
static void
daemon_hints(const struct daemon *d)
{
	const struct node_conf *c = &d->conf;
	const char *ipzone = NULL;

	for (int i = 0; i < c->n_zones && ipzone == NULL; i++)
		if (c->zones[i].kind == ZONE_IP)
			ipzone = c->zones[i].name;
	log_info("ready: store in %s, API on %s@%u", c->directory,
	    c->api_listen.host, c->api_listen.port);
	if (ipzone != NULL && c->n_dns_listen > 0)
		log_info("try: dig @%s -p %u 2.0.0.127.%s A +short",
		    c->dns_listen[0].host, c->dns_listen[0].port, ipzone);
	log_info("try: curl -s -d '{\"ip\":\"192.0.2.1\",\"category\":\"spam\"}' "
	    "http://%s:%u/v1/reports", c->api_listen.host, c->api_listen.port);
	log_info("try: reputectl --api %s:%u query 192.0.2.1",
	    c->api_listen.host, c->api_listen.port);
}

static void
daemon_start(struct daemon *d)
{
	char err[512];

	if ((d->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	daemon_enter_directory(d);
	daemon_write_pidfile(d);	/* locked: one daemon per directory */
	daemon_open_store(d);
	daemon_load_key(d);
	if ((d->batcher = batcher_new(d->st, d->signer, err, sizeof(err))) == NULL)
		fatalx("batcher: %s", err);
	batcher_set_committed(d->batcher, daemon_batch_committed, d);
	daemon_batch_policy(d, &d->conf);
	if ((d->batcher_timer = batcher_attach(d->batcher, d->base)) == NULL)
		fatalx("batcher: cannot add its timer");
	if ((d->api = api_start(d->base, &d->conf, d->st, d->batcher, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((d->retention = retention_start(d->base, d->st, d->api)) == NULL)
		fatalx("prune: cannot start its timer");
	daemon_mailcheck_start(d);
	daemon_policy_start(d);
	if ((d->feeds = api_feeds_attach(d->api, &d->conf, d->attest)) == NULL)
		fatalx("api: no room for the /v1/feeds routes");
	if ((d->message = api_message_attach(d->api, &d->conf)) == NULL)
		fatalx("api: no room for /v1/reports/message");
	daemon_dns_start(d);
	daemon_peers_start(d);
	api_feeds_trust_fingerprint(d->feeds, d->trust_fp);
	daemon_signals(d);
	daemon_drop_privileges(d);
}

static void
daemon_stop(struct daemon *d)
{
	int rounds = 0;

	/* Reports still being evaluated are answered 503 (not stored). */
	api_set_mailcheck(d->api, NULL);
	mailcheck_free(d->mailcheck);
	policy_server_stop(d->policy);
	while (batcher_deadline(d->batcher) != 0 && rounds++ < 64)
		if (batcher_flush(d->batcher, batcher_now(), true) == -1)
			break;
	/* peers_stop still services the links: tell the batcher no more */
	peers_set_busy_hook(d->peers, NULL, NULL);
	batcher_detach(d->batcher_timer);
	batcher_free(d->batcher);
	if (d->peers != NULL)
		api_feeds_share_pki(d->feeds, NULL);
	peers_stop(d->peers);
	retention_stop(d->retention);
	api_stop(d->api);
	api_feeds_free(d->feeds);
	api_message_free(d->message);
	daemon_dns_stop(d);
	store_close(d->st);
	attest_free(d->attest);
	signer_free(d->signer);
	event_free(d->sig_hup);
	event_free(d->sig_term);
	event_free(d->sig_int);
	event_base_free(d->base);
	if (unlink(d->conf.pidfile) == -1)
		log_warn("unlink %s", d->conf.pidfile);
	close(d->pid_fd);
	log_info("stopped");
}

/* Goes to the background. The parent waits until the child says it is
 * ready (exit 0) or dies during start-up (exit 1), so `reputed -c FILE`
 * fails visibly when, say, a port is taken; until then the child logs to
 * stderr as well. Returns the child's end of the pipe. */
static int
daemon_detach(void)
{
	int fds[2];
	char c;
	pid_t pid;

	if (pipe(fds) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0) {
		close(fds[1]);
		exit(read(fds[0], &c, 1) == 1 ? 0 : 1);
	}
	close(fds[0]);
	if (setsid() == -1)
		fatal("setsid");
	return fds[1];
}

/* Start-up went well: release the parent, leave the terminal, log to
 * syslog from now on. */
static void
daemon_ready(int fd, int verbosity)
{
	int null = open("/dev/null", O_RDWR);

	if (write(fd, "1", 1) != 1)
		log_warn("start-up pipe");
	close(fd);
	if (null != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	log_init(0, verbosity, "reputed");
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	const char *path = NULL;
	int ch, foreground = 0, check = 0, verbose = 0, ready_fd = -1;
	char err[512];

	while ((ch = getopt(argc, argv, "c:dnvh")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'd': foreground = 1; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (check)
		return daemon_check(path, verbose);
	if (conf_load(&d.conf, path, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (path != NULL && realpath(path, d.conf_path) == NULL)
		fatal("%s", path);
	log_init(1, d.conf.verbosity + verbose, "reputed");
	if (!foreground)
		ready_fd = daemon_detach();
	d.pid_fd = -1;
	daemon_start(&d);
	daemon_hints(&d);
	if (!foreground)
		daemon_ready(ready_fd, d.conf.verbosity + verbose);
	/* under systemd (Type=notify, run with -d): serving from now on */
	daemon_notify(&d, notify_send("READY=1\nSTATUS=serving"));
	event_base_dispatch(d.base);
	daemon_stop(&d);
	return 0;
}
