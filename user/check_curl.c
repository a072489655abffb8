// SPDX-License-Identifier: MIT
/* The easy-handle setup and error mapping the HTTP(S) and gRPC checks share. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "check_curl.h"
#include "log.h"

#define USER_AGENT "xlb-health/" XLB_VERSION
/* libcurl's smallest receive buffer (CURL_MIN_READ_SIZE, not in curl.h) */
#define CHECK_RECV_BUFFER 1024L

/* CURLOPT_WRITEFUNCTION: keeps the first body_cap bytes, reads the rest
 * away so the server sees a normal end of the exchange. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xlb_curl_probe *p = arg;
	size_t n = size * nmemb, room = p->body_cap - p->body_len;

	if (room) {
		memcpy(p->body + p->body_len, data, n < room ? n : room);
		p->body_len += n < room ? n : room;
	}
	return n;
}

/* CURLOPT_SOCKOPTFUNCTION, before connect. TCP_QUICKACK 0 lets the
 * handshake's last ACK ride on the request instead of going alone (HAProxy's
 * tcp-smart-connect). A zero linger ends the connection with a RST once the
 * answer is in, as HAProxy's checks do: no TIME_WAIT at either end, and
 * neither xlbd's FIN nor the ACK of it. A refusal costs those packets, not
 * the check. */
static int on_socket(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct linger abort_on_close = {.l_onoff = 1, .l_linger = 0};
	int off = 0;

	(void)arg;
	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKOPT_OK;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof(off));
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
	return CURL_SOCKOPT_OK;
}

/* The URL names what Host and SNI should say: the sni option, else the
 * host option (when it is a bare name), else the address itself. */
static void url_name(const struct xlb_health_target *t, const char *addr, char *buf, size_t len)
{
	const struct xlb_check_spec *s = &t->conf.spec;

	if (s->sni[0])
		snprintf(buf, len, "%s", s->sni);
	else if (s->host[0] && !strchr(s->host, ':'))
		snprintf(buf, len, "%s", s->host);
	else
		snprintf(buf, len, t->conf.family == XLB_AF_INET6 ? "[%s]" : "%s", addr);
}

static int set_target(struct xlb_curl_probe *p, const char *path)
{
	const struct xlb_health_target *t = p->t;
	const struct xlb_check_spec *s = &t->conf.spec;
	char addr[XLB_ADDRSTRLEN], lit[XLB_ADDRSTRLEN + 2], name[XLB_CHECK_NAME_LEN];
	char line[XLB_CHECK_NAME_LEN + XLB_ADDRSTRLEN + 32];
	unsigned int port = xlb_health_target__check_port(t);
	struct curl_slist *l;

	if (xlb_addr__format(t->conf.family, &t->conf.addr, addr, sizeof(addr)))
		return -EINVAL;
	snprintf(lit, sizeof(lit), t->conf.family == XLB_AF_INET6 ? "[%s]" : "%s", addr);
	url_name(t, addr, name, sizeof(name));
	snprintf(p->url, sizeof(p->url), "%s://%s:%u%s", s->tls ? "https" : "http", name, port,
		 path);
	if (curl_easy_setopt(p->easy, CURLOPT_URL, p->url) != CURLE_OK)
		return -ENOMEM;
	if (strcmp(name, lit)) {
		/* the address is given, never resolved from the name */
		snprintf(line, sizeof(line), "%s:%u:%s:%u", name, port, lit, port);
		l = curl_slist_append(p->connect_to, line);
		if (!l)
			return -ENOMEM;
		p->connect_to = l;
		if (curl_easy_setopt(p->easy, CURLOPT_CONNECT_TO, p->connect_to) != CURLE_OK)
			return -ENOMEM;
	}
	if (s->host[0] && strcmp(s->host, name)) {
		snprintf(line, sizeof(line), "Host: %s", s->host);
		return xlb_curl_probe__header(p, line);
	}
	return 0;
}

static int set_tls(struct xlb_curl_probe *p)
{
	const struct xlb_check_spec *s = &p->t->conf.spec;
	long verify = s->insecure ? 0L : 1L;
	CURLcode rc = CURLE_OK;

	if (!s->tls)
		return 0;
	/* the minimum version: TLS 1.2 or anything newer */
	rc |= curl_easy_setopt(p->easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	rc |= curl_easy_setopt(p->easy, CURLOPT_SSL_VERIFYPEER, verify);
	/* 2 is "the name must match"; 1 is no longer accepted */
	rc |= curl_easy_setopt(p->easy, CURLOPT_SSL_VERIFYHOST, verify * 2);
	if (s->ca_file[0])
		rc |= curl_easy_setopt(p->easy, CURLOPT_CAINFO, s->ca_file);
	/* a full handshake every check, verification included, even on an
	 * easy handle that checked the same server before */
	rc |= curl_easy_setopt(p->easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	return rc == CURLE_OK ? 0 : -EINVAL;
}

int xlb_curl_probe__init(struct xlb_curl_probe *p, struct xlb_health_target *t, const char *path,
			 size_t body_cap, void (*done)(struct xlb_curl_req *req, CURLcode rc))
{
	long timeout_ms = (long)(t->conf.spec.timeout_ns / XLB_NSEC_PER_MSEC);
	CURLcode rc = CURLE_OK;
	int err;

	memset(p, 0, sizeof(*p));
	p->t = t;
	p->req.done = done;
	p->body_cap = body_cap;
	p->body = malloc(body_cap);
	p->easy = xlb_curl_loop__easy(t->h->curl);
	if ((body_cap && !p->body) || !p->easy)
		return -ENOMEM;
	if (timeout_ms < 1)
		timeout_ms = 1;
	rc |= curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(p->easy, CURLOPT_FRESH_CONNECT, 1L);
	rc |= curl_easy_setopt(p->easy, CURLOPT_FORBID_REUSE, 1L);
	rc |= curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	/* "*": no proxy for any host, so libcurl neither reads http_proxy and
	 * friends in xlbd's environment nor searches no_proxy each check */
	rc |= curl_easy_setopt(p->easy, CURLOPT_NOPROXY, "*");
	/* Targets are addresses, never resolved; cached, each would stay a
	 * minute in the multi's DNS cache, which libcurl walks whole at every
	 * connect: 5,000 targets made that walk most of the engine's CPU. */
	rc |= curl_easy_setopt(p->easy, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	rc |= curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	rc |= curl_easy_setopt(p->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	rc |= curl_easy_setopt(p->easy, CURLOPT_USERAGENT, USER_AGENT);
	rc |= curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->errbuf);
	rc |= curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
	/* a health answer fits libcurl's smallest receive buffer; at its 16 KiB
	 * default, each check's buffer went through malloc's slow bins */
	rc |= curl_easy_setopt(p->easy, CURLOPT_BUFFERSIZE, CHECK_RECV_BUFFER);
	rc |= curl_easy_setopt(p->easy, CURLOPT_SOCKOPTFUNCTION, on_socket);
	if (rc != CURLE_OK)
		return -EINVAL;
	err = set_target(p, path);
	if (err)
		return err;
	return set_tls(p);
}

int xlb_curl_probe__header(struct xlb_curl_probe *p, const char *line)
{
	struct curl_slist *l = curl_slist_append(p->headers, line);

	if (!l)
		return -ENOMEM;
	p->headers = l;
	return 0;
}

int xlb_curl_probe__start(struct xlb_curl_probe *p)
{
	int err;

	if (p->headers && curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->headers) != CURLE_OK)
		return -EINVAL;
	err = xlb_curl_loop__add(p->t->h->curl, p->easy, &p->req);
	if (err)
		return err;
	p->added = true;
	return 0;
}

void xlb_curl_probe__fini(struct xlb_curl_probe *p)
{
	if (p->added)
		xlb_curl_loop__remove(p->t->h->curl, p->easy);
	p->added = false;
	if (p->easy)
		xlb_curl_loop__put(p->t->h->curl, p->easy);
	p->easy = NULL;
	curl_slist_free_all(p->headers);
	curl_slist_free_all(p->connect_to);
	p->headers = NULL;
	p->connect_to = NULL;
	free(p->body);
	p->body = NULL;
}

bool xlb_curl_probe__failed(struct xlb_curl_probe *p, CURLcode rc, struct xlb_check_result *r)
{
	long os_errno = 0;

	if (rc == CURLE_OK)
		return false;
	if (curl_easy_getinfo(p->easy, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK)
		os_errno = 0;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		xlb_check_result__set(r, XLB_CR_TIMEOUT, 0, "timeout");
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		if (os_errno)
			xlb_check_result__errno(r, (int)os_errno);
		else
			xlb_check_result__set(r, XLB_CR_CONNECT, 0, "curl: %s",
					      curl_easy_strerror(rc));
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		xlb_check_result__set(r, XLB_CR_TLS_VERIFY, rc, "tls: certificate verify failed");
		break;
	case CURLE_SSL_CONNECT_ERROR:
		xlb_check_result__set(r, XLB_CR_TLS_HANDSHAKE, rc, "tls: handshake failed");
		break;
	case CURLE_SSL_CACERT_BADFILE:
		xlb_check_result__set(r, XLB_CR_ERROR, rc, "tls: cannot read the CA file");
		break;
	case CURLE_GOT_NOTHING:
		xlb_check_result__set(r, XLB_CR_EMPTY_REPLY, rc, "empty reply");
		break;
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		xlb_check_result__set(r, XLB_CR_PROTOCOL, rc, "http2 error");
		break;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
		xlb_check_result__set(r, XLB_CR_PROTOCOL, rc, "protocol error");
		break;
	default:
		xlb_check_result__set(r, XLB_CR_ERROR, rc, "curl: %s", curl_easy_strerror(rc));
		break;
	}
	xlb_check_result__output(r, p->errbuf, strlen(p->errbuf));
	return true;
}
