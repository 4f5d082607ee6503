/*
 * sftp.c - SFTP transport to the WMS over libssh2.
 *
 * Owns the socket, the SSH session and the SFTP channel of one connection,
 * and the translation of libssh2 errors into WB_* codes (map_session and
 * map_sftp, the only places that look at libssh2 error numbers; in the
 * spirit of curl's sftp_libssh2_error_to_CURLE).
 *
 * Connection steps, each one refusing with one sentence naming host:port:
 *   tcp_connect (non-blocking connect + poll with the timeout)
 *   -> libssh2_session_handshake (every later call bounded by set_timeout)
 *   -> check_hostkey (pinned SHA256 fingerprint and/or known_hosts)
 *   -> authenticate (identity file or password file, both 0600)
 *   -> libssh2_sftp_init
 *
 * Only this file calls libssh2.
 *
 * Returns WB_* codes as documented in sftp.h; never exits, never follows
 * remote symlinks when listing, never overwrites a remote file by rename,
 * never logs secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/wb.h"
#include "net/sftp.h"

#define SFTP_IO_CHUNK (256 * 1024)
#define SFTP_MAX_ENTRIES 200000
#define SFTP_PASSWORD_MAX 1024

struct sftp_conn {
    int sock;
    LIBSSH2_SESSION *sess;
    LIBSSH2_SFTP *sftp;
    int dead; /* the session failed at the transport level */
    char where[300];
};

/* ssh_init_once - initialise libssh2 the first time it is needed; the reason in why on failure */
static int ssh_init_once(char *why, size_t n)
{
    static int done;
    if (done)
        return WB_OK;
    if (libssh2_init(0) != 0) {
        snprintf(why, n, "libssh2 initialisation failed");
        return WB_INTERNAL;
    }
    done = 1;
    return WB_OK;
}

/* session_text - libssh2's last error text for a session */
static const char *session_text(LIBSSH2_SESSION *s)
{
    char *msg = NULL;
    if (!s)
        return "";
    libssh2_session_last_error(s, &msg, NULL, 0);
    return msg ? msg : "";
}

/* map_session - a libssh2 session-level error code to a WB status and a sentence */
static int map_session(struct sftp_conn *c, int rc, const char *what, const char *path,
                       struct buf *err)
{
    int st;
    const char *why;
    switch (rc) {
    case LIBSSH2_ERROR_SOCKET_SEND:
    case LIBSSH2_ERROR_SOCKET_RECV:
    case LIBSSH2_ERROR_SOCKET_DISCONNECT:
    case LIBSSH2_ERROR_SOCKET_TIMEOUT:
    case LIBSSH2_ERROR_TIMEOUT:
    case LIBSSH2_ERROR_EAGAIN:
    case LIBSSH2_ERROR_BANNER_RECV:
    case LIBSSH2_ERROR_BANNER_SEND:
    case LIBSSH2_ERROR_CHANNEL_CLOSED:
    case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
    case LIBSSH2_ERROR_CHANNEL_FAILURE:
    case LIBSSH2_ERROR_PROTO:
    case LIBSSH2_ERROR_DECRYPT:
    case LIBSSH2_ERROR_INVALID_MAC:
        st = WB_TEMPFAIL;
        why = rc == LIBSSH2_ERROR_TIMEOUT || rc == LIBSSH2_ERROR_SOCKET_TIMEOUT ? "timed out"
                                                                                : "connection lost";
        c->dead = 1;
        break;
    case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
    case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
        st = WB_PERMFAIL;
        why = "authentication refused by the server";
        break;
    case LIBSSH2_ERROR_KEX_FAILURE:
    case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
    case LIBSSH2_ERROR_HOSTKEY_INIT:
    case LIBSSH2_ERROR_HOSTKEY_SIGN:
        st = WB_PERMFAIL;
        why = "no common algorithm or bad host key signature";
        c->dead = 1;
        break;
    case LIBSSH2_ERROR_FILE:
        st = WB_CONFIG;
        why = "cannot use the key file";
        break;
    case LIBSSH2_ERROR_ALLOC:
        st = WB_NOMEM;
        why = "out of memory";
        break;
    default:
        st = WB_TEMPFAIL;
        why = "SSH error";
        c->dead = 1;
        break;
    }
    if (err)
        buf_appendf(err, "%s: %s%s%s: %s (%s)", c->where, what, path ? " " : "", path ? path : "",
                    why, session_text(c->sess));
    return st;
}

/* map_sftp - the last error of an SFTP call (session or protocol level) to a WB status */
static int map_sftp(struct sftp_conn *c, const char *what, const char *path, struct buf *err)
{
    int rc = libssh2_session_last_errno(c->sess);
    if (rc != LIBSSH2_ERROR_SFTP_PROTOCOL)
        return map_session(c, rc ? rc : LIBSSH2_ERROR_SOCKET_DISCONNECT, what, path, err);
    unsigned long fx = libssh2_sftp_last_error(c->sftp);
    int st;
    const char *why;
    switch (fx) {
    case LIBSSH2_FX_NO_SUCH_FILE:
    case LIBSSH2_FX_NO_SUCH_PATH:
        st = WB_NOTFOUND;
        why = "no such file";
        break;
    case LIBSSH2_FX_PERMISSION_DENIED:
    case LIBSSH2_FX_WRITE_PROTECT:
    case LIBSSH2_FX_LOCK_CONFLICT:
        st = WB_PERMFAIL;
        why = "permission denied";
        break;
    case LIBSSH2_FX_FILE_ALREADY_EXISTS:
        st = WB_EXISTS;
        why = "already exists";
        break;
    case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
    case LIBSSH2_FX_QUOTA_EXCEEDED:
        st = WB_NOSPACE;
        why = "no space left on the server";
        break;
    case LIBSSH2_FX_NO_CONNECTION:
    case LIBSSH2_FX_CONNECTION_LOST:
        st = WB_TEMPFAIL;
        why = "connection lost";
        c->dead = 1;
        break;
    case LIBSSH2_FX_OP_UNSUPPORTED:
        st = WB_PERMFAIL;
        why = "operation not supported by the server";
        break;
    case LIBSSH2_FX_NOT_A_DIRECTORY:
    case LIBSSH2_FX_INVALID_FILENAME:
    case LIBSSH2_FX_LINK_LOOP:
        st = WB_PERMFAIL;
        why = "not a usable path";
        break;
    default:
        st = WB_TEMPFAIL;
        why = "server failure";
        break;
    }
    if (err)
        buf_appendf(err, "%s: %s%s%s: %s (SFTP status %lu)", c->where, what, path ? " " : "",
                    path ? path : "", why, fx);
    return st;
}

/* tcp_connect - connect to host:port within timeout seconds; socket in *fd */
static int tcp_connect(const char *where, const char *host, long port, long timeout, int *fd,
                       struct buf *err)
{
    struct addrinfo hints, *res = NULL;
    char portstr[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(portstr, sizeof portstr, "%ld", port);
    int g = getaddrinfo(host, portstr, &hints, &res);
    if (g != 0) {
        buf_appendf(err, "%s: cannot resolve host: %s", where, gai_strerror(g));
        return g == EAI_AGAIN ? WB_TEMPFAIL : WB_CONFIG;
    }
    int last = ETIMEDOUT;
    *fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0) {
            last = errno;
            continue;
        }
        int fl = fcntl(s, F_GETFL, 0);
        fcntl(s, F_SETFL, fl | O_NONBLOCK);
        int ok = connect(s, ai->ai_addr, ai->ai_addrlen) == 0;
        if (!ok && errno == EINPROGRESS) {
            struct pollfd p = {.fd = s, .events = POLLOUT};
            int pr;
            do
                pr = poll(&p, 1, (int)(timeout * 1000));
            while (pr < 0 && errno == EINTR);
            if (pr == 0) {
                last = ETIMEDOUT;
            } else if (pr > 0) {
                int soerr = 0;
                socklen_t sl = sizeof soerr;
                if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                    ok = 1;
                else
                    last = soerr ? soerr : errno;
            } else {
                last = errno;
            }
        } else if (!ok) {
            last = errno;
        }
        if (ok) {
            fcntl(s, F_SETFL, fl & ~O_NONBLOCK);
            *fd = s;
            break;
        }
        close(s);
    }
    freeaddrinfo(res);
    if (*fd >= 0)
        return WB_OK;
    buf_appendf(err, "%s: cannot connect: %s", where,
                last == ETIMEDOUT ? "timed out" : strerror(last));
    return WB_TEMPFAIL;
}

/* b64_nopad - standard base64 of n bytes without '=' padding into out */
static void b64_nopad(const unsigned char *p, size_t n, char *out, size_t outsz)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < outsz; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = tbl[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = tbl[v & 63];
    }
    out[o] = '\0';
}

/* sftp_fingerprint_fmt - "SHA256:" + unpadded base64 of a 32-byte digest */
void sftp_fingerprint_fmt(const unsigned char digest[32], char out[64])
{
    memcpy(out, "SHA256:", 8);
    b64_nopad(digest, 32, out + 7, 64 - 7);
}

/* fp_len - length of a fingerprint text without trailing '=' padding */
static size_t fp_len(const char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == '=')
        n--;
    return n;
}

/* sftp_fingerprint_eq - compare two "SHA256:..." texts, ignoring base64 '=' padding */
int sftp_fingerprint_eq(const char *a, const char *b)
{
    size_t na = fp_len(a), nb = fp_len(b);
    return na == nb && strncmp(a, b, na) == 0;
}

/* key_type_name - printable name of a libssh2 host key type */
static const char *key_type_name(int type)
{
    switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
        return "RSA";
    case LIBSSH2_HOSTKEY_TYPE_DSS:
        return "DSA";
#ifdef LIBSSH2_HOSTKEY_TYPE_ECDSA_256
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
        return "ECDSA";
#endif
#ifdef LIBSSH2_HOSTKEY_TYPE_ED25519
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
        return "ED25519";
#endif
    default:
        return "unknown";
    }
}

/* known_key_bits - the knownhost type bits for a session host key type */
static int known_key_bits(int type)
{
    switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
        return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
        return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
#ifdef LIBSSH2_HOSTKEY_TYPE_ECDSA_256
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
#endif
#ifdef LIBSSH2_HOSTKEY_TYPE_ED25519
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
        return LIBSSH2_KNOWNHOST_KEY_ED25519;
#endif
    default:
        return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
    }
}

/* method_for_known - the hostkey method name for a known_hosts key type, NULL if none */
static const char *method_for_known(int bits)
{
    switch (bits & LIBSSH2_KNOWNHOST_KEY_MASK) {
    case LIBSSH2_KNOWNHOST_KEY_SSHRSA:
        return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
    case LIBSSH2_KNOWNHOST_KEY_SSHDSS:
        return "ssh-dss";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_256:
        return "ecdsa-sha2-nistp256";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_384:
        return "ecdsa-sha2-nistp384";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_521:
        return "ecdsa-sha2-nistp521";
    case LIBSSH2_KNOWNHOST_KEY_ED25519:
        return "ssh-ed25519";
    default:
        return NULL;
    }
}

/* prefer_known_hostkey - ask for the key type known_hosts holds for this host (as curl does) */
static void prefer_known_hostkey(LIBSSH2_SESSION *s, const struct wb_remote *r)
{
    if (!r->known_hosts || !*r->known_hosts)
        return;
    LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);
    if (!kh)
        return;
    char bracket[300];
    snprintf(bracket, sizeof bracket, "[%s]:%ld", r->host, r->port);
    if (libssh2_knownhost_readfile(kh, r->known_hosts, LIBSSH2_KNOWNHOST_FILE_OPENSSH) >= 0) {
        struct libssh2_knownhost *prev = NULL, *k;
        while (libssh2_knownhost_get(kh, &k, prev) == 0) {
            prev = k;
            if (!k->name)
                continue;
            if ((r->port == 22 && strcmp(k->name, r->host) == 0) || strcmp(k->name, bracket) == 0) {
                const char *m = method_for_known(k->typemask);
                if (m)
                    libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, m);
                break;
            }
        }
    }
    libssh2_knownhost_free(kh);
}

/* check_hostkey - verify the offered host key against the pin and/or known_hosts */
static int check_hostkey(struct sftp_conn *c, const struct wb_remote *r, struct buf *err)
{
    size_t klen = 0;
    int ktype = 0;
    const char *key = libssh2_session_hostkey(c->sess, &klen, &ktype);
    const char *hash = libssh2_hostkey_hash(c->sess, LIBSSH2_HOSTKEY_HASH_SHA256);
    if (!key || !hash) {
        buf_appendf(err, "%s: server offered no usable host key", c->where);
        return WB_PERMFAIL;
    }
    char fp[64];
    sftp_fingerprint_fmt((const unsigned char *)hash, fp);
    const char *tname = key_type_name(ktype);
    int have_pin = r->fingerprint && *r->fingerprint;
    int have_kh = r->known_hosts && *r->known_hosts;
    if (!have_pin && !have_kh) {
        buf_appendf(err,
                    "%s: host key not verified: neither known_hosts nor fingerprint is "
                    "configured (server offered %s %s)",
                    c->where, tname, fp);
        return WB_CONFIG;
    }
    if (have_pin && !sftp_fingerprint_eq(r->fingerprint, fp)) {
        buf_appendf(err,
                    "%s: host key does NOT match the pinned fingerprint %s (server offered %s "
                    "%s); refusing to connect",
                    c->where, r->fingerprint, tname, fp);
        return WB_PERMFAIL;
    }
    if (!have_kh)
        return WB_OK;
    LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->sess);
    if (!kh)
        return WB_NOMEM;
    int rc = WB_OK;
    if (libssh2_knownhost_readfile(kh, r->known_hosts, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
        buf_appendf(err, "%s: cannot read known_hosts file %s", c->where, r->known_hosts);
        rc = WB_CONFIG;
        goto out;
    }
    struct libssh2_knownhost *found = NULL;
    int chk = libssh2_knownhost_checkp(kh, r->host, (int)r->port, key, klen,
                                       LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
                                           known_key_bits(ktype),
                                       &found);
    switch (chk) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
        break;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
        buf_appendf(err,
                    "%s: host key CHANGED: server offered %s %s which differs from %s; "
                    "refusing to connect",
                    c->where, tname, fp, r->known_hosts);
        rc = WB_PERMFAIL;
        break;
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
        buf_appendf(err,
                    "%s: host key unknown: server offered %s %s which is not in %s; "
                    "refusing to connect",
                    c->where, tname, fp, r->known_hosts);
        rc = WB_PERMFAIL;
        break;
    default:
        buf_appendf(err, "%s: host key check failed (server offered %s %s)", c->where, tname, fp);
        rc = WB_PERMFAIL;
        break;
    }
out:
    libssh2_knownhost_free(kh);
    return rc;
}

/* sftp_secret_file_ok - WB_OK if path is a regular file not accessible by group/others */
enum wb_status sftp_secret_file_ok(const char *path, const char *what, struct buf *err)
{
    struct stat st;
    if (!path || !*path) {
        buf_appendf(err, "no %s file configured", what);
        return WB_CONFIG;
    }
    if (stat(path, &st) != 0) {
        buf_appendf(err, "%s file %s: %s", what, path, strerror(errno));
        return WB_CONFIG;
    }
    if (!S_ISREG(st.st_mode)) {
        buf_appendf(err, "%s file %s is not a regular file", what, path);
        return WB_CONFIG;
    }
    if (st.st_mode & 077) {
        buf_appendf(err,
                    "%s file %s has mode %04o: it must not be accessible by group or others "
                    "(chmod 600 it)",
                    what, path, (unsigned)(st.st_mode & 07777));
        return WB_PERMFAIL;
    }
    return WB_OK;
}

/* read_password - first line of the password file into pw (bounded) */
static int read_password(const char *path, char *pw, size_t n, struct buf *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        buf_appendf(err, "password file %s: %s", path, strerror(errno));
        return WB_CONFIG;
    }
    ssize_t k;
    do
        k = read(fd, pw, n - 1);
    while (k < 0 && errno == EINTR);
    close(fd);
    if (k <= 0) {
        buf_appendf(err, "password file %s is empty or unreadable", path);
        return WB_CONFIG;
    }
    pw[k] = '\0';
    pw[strcspn(pw, "\r\n")] = '\0';
    return WB_OK;
}

/* authenticate - public key or password login as configured */
static int authenticate(struct sftp_conn *c, const struct wb_remote *r, struct buf *err)
{
    const char *auth = r->auth && *r->auth ? r->auth : "publickey";
    unsigned ulen = (unsigned)strlen(r->user);
    int rc;
    if (strcmp(auth, "publickey") == 0) {
        struct buf why;
        buf_init(&why, 1024);
        rc = sftp_secret_file_ok(r->identity, "identity", &why);
        if (rc != WB_OK) {
            buf_appendf(err, "%s: %s", c->where, buf_str(&why));
            buf_free(&why);
            return rc;
        }
        buf_free(&why);
        rc =
            libssh2_userauth_publickey_fromfile_ex(c->sess, r->user, ulen, NULL, r->identity, NULL);
        if (rc == 0)
            return WB_OK;
        if (rc == LIBSSH2_ERROR_FILE) {
            buf_appendf(err, "%s: cannot load identity file %s (%s)", c->where, r->identity,
                        session_text(c->sess));
            return WB_CONFIG;
        }
        if (rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED || rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED) {
            buf_appendf(err, "%s: server refused public key %s for user %s", c->where, r->identity,
                        r->user);
            return WB_PERMFAIL;
        }
        return map_session(c, rc, "public key login", NULL, err);
    }
    if (strcmp(auth, "password") == 0) {
        struct buf why;
        buf_init(&why, 1024);
        rc = sftp_secret_file_ok(r->password_file, "password", &why);
        if (rc != WB_OK) {
            buf_appendf(err, "%s: %s", c->where, buf_str(&why));
            buf_free(&why);
            return rc;
        }
        buf_free(&why);
        char pw[SFTP_PASSWORD_MAX];
        if ((rc = read_password(r->password_file, pw, sizeof pw, err)) != WB_OK)
            return rc;
        rc = libssh2_userauth_password_ex(c->sess, r->user, ulen, pw, (unsigned)strlen(pw), NULL);
        explicit_bzero(pw, sizeof pw);
        if (rc == 0)
            return WB_OK;
        if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PASSWORD_EXPIRED) {
            buf_appendf(err, "%s: server refused the password for user %s", c->where, r->user);
            return WB_PERMFAIL;
        }
        return map_session(c, rc, "password login", NULL, err);
    }
    buf_appendf(err, "%s: unknown auth method '%s' (publickey or password)", c->where, auth);
    return WB_CONFIG;
}

/* sftp_connect - TCP connect, handshake, host key check, auth, SFTP channel */
enum wb_status sftp_connect(struct sftp_conn **out, const struct wb_remote *r, struct buf *err)
{
    *out = NULL;
    if (!r->host || !*r->host || !r->user || !*r->user) {
        buf_appendf(err, "remote %s: host and user are required", r->name ? r->name : "?");
        return WB_CONFIG;
    }
    char why[300];
    int rc = ssh_init_once(why, sizeof why);
    if (rc != WB_OK) {
        buf_appends(err, why);
        return rc;
    }
    struct sftp_conn *c = calloc(1, sizeof *c);
    if (!c)
        return WB_NOMEM;
    c->sock = -1;
    snprintf(c->where, sizeof c->where, "%s:%ld", r->host, r->port);
    long timeout = r->timeout > 0 ? r->timeout : 30;
    if ((rc = tcp_connect(c->where, r->host, r->port, timeout, &c->sock, err)) != WB_OK)
        goto fail;
    c->sess = libssh2_session_init();
    if (!c->sess) {
        rc = WB_NOMEM;
        goto fail;
    }
    libssh2_session_set_blocking(c->sess, 1);
    libssh2_session_set_timeout(c->sess, timeout * 1000);
    prefer_known_hostkey(c->sess, r);
    int hr = libssh2_session_handshake(c->sess, c->sock);
    if (hr != 0) {
        rc = map_session(c, hr, "SSH handshake", NULL, err);
        goto fail;
    }
    if ((rc = check_hostkey(c, r, err)) != WB_OK)
        goto fail;
    if ((rc = authenticate(c, r, err)) != WB_OK)
        goto fail;
    c->sftp = libssh2_sftp_init(c->sess);
    if (!c->sftp) {
        rc = map_session(c, libssh2_session_last_errno(c->sess), "starting SFTP", NULL, err);
        if (rc == WB_OK)
            rc = WB_TEMPFAIL;
        goto fail;
    }
    *out = c;
    return WB_OK;
fail:
    sftp_disconnect(c);
    return rc;
}

/* sftp_disconnect - close the SFTP channel and the session (NULL is fine) */
void sftp_disconnect(struct sftp_conn *c)
{
    if (!c)
        return;
    if (c->sftp) /* also when dead: it frees the pending-request lists */
        libssh2_sftp_shutdown(c->sftp);
    if (c->sess) {
        if (!c->dead)
            libssh2_session_disconnect(c->sess, "wmsbridge done");
        libssh2_session_free(c->sess);
    }
    if (c->sock >= 0)
        close(c->sock);
    free(c);
}

/* attrs_to_entry - fill an entry from SFTP attributes */
static void attrs_to_entry(const LIBSSH2_SFTP_ATTRIBUTES *a, struct sftp_entry *e)
{
    e->size = (a->flags & LIBSSH2_SFTP_ATTR_SIZE) ? (long long)a->filesize : -1;
    e->mtime = (a->flags & LIBSSH2_SFTP_ATTR_ACMODTIME) ? (long long)a->mtime : -1;
    e->is_regular = 0;
    e->is_symlink = 0;
    e->is_dir = 0;
    if (a->flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) {
        e->is_dir = LIBSSH2_SFTP_S_ISDIR(a->permissions) ? 1 : 0;
        e->is_regular = LIBSSH2_SFTP_S_ISREG(a->permissions) ? 1 : 0;
        e->is_symlink = LIBSSH2_SFTP_S_ISLNK(a->permissions) ? 1 : 0;
    }
}

/* usable - WB_TEMPFAIL if the connection already failed */
static int usable(struct sftp_conn *c, struct buf *err)
{
    if (c && c->sftp && !c->dead)
        return WB_OK;
    buf_appendf(err, "%s: connection is no longer usable", c ? c->where : "sftp");
    return WB_TEMPFAIL;
}

/* sftp_list - entries of dir (lstat semantics, without "." and ".."); caller frees *out */
enum wb_status sftp_list(struct sftp_conn *c, const char *dir, struct sftp_entry **out, size_t *n,
                         struct buf *err)
{
    *out = NULL;
    *n = 0;
    int rc = usable(c, err);
    if (rc != WB_OK)
        return rc;
    LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_opendir(c->sftp, dir);
    if (!h)
        return map_sftp(c, "opening directory", dir, err);
    size_t cap = 64, cnt = 0;
    int too_long = 0;
    struct sftp_entry *v = malloc(cap * sizeof *v);
    char *name = malloc(4096);
    if (!v || !name) {
        rc = WB_NOMEM;
        goto out;
    }
    for (;;) {
        LIBSSH2_SFTP_ATTRIBUTES a;
        memset(&a, 0, sizeof a);
        int k = libssh2_sftp_readdir_ex(h, name, 4096, NULL, 0, &a);
        if (k == 0)
            break;
        if (k == LIBSSH2_ERROR_BUFFER_TOO_SMALL && ++too_long < 1000) {
            log_warn("remote=%s dir=%s event=refused reason=\"name longer than 4095 bytes\"",
                     c->where, dir);
            continue;
        }
        if (k < 0) {
            rc = map_sftp(c, "reading directory", dir, err);
            goto out;
        }
        size_t nl = (size_t)k;
        if (nl >= sizeof v->name || memchr(name, '\0', nl)) {
            log_warn("remote=%s dir=%s event=refused reason=\"name too long or holds NUL\"",
                     c->where, dir);
            continue;
        }
        name[nl] = '\0';
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (cnt == SFTP_MAX_ENTRIES) {
            buf_appendf(err, "%s: directory %s holds more than %d entries", c->where, dir,
                        SFTP_MAX_ENTRIES);
            rc = WB_TOOBIG;
            goto out;
        }
        if (cnt == cap) {
            struct sftp_entry *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                rc = WB_NOMEM;
                goto out;
            }
            v = nv;
            cap *= 2;
        }
        memcpy(v[cnt].name, name, nl + 1);
        attrs_to_entry(&a, &v[cnt]);
        cnt++;
    }
out:
    free(name);
    libssh2_sftp_closedir(h);
    if (rc != WB_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n = cnt;
    return WB_OK;
}

/* sftp_stat - lstat a remote path */
enum wb_status sftp_stat(struct sftp_conn *c, const char *path, struct sftp_entry *out,
                         struct buf *err)
{
    int rc = usable(c, err);
    if (rc != WB_OK)
        return rc;
    LIBSSH2_SFTP_ATTRIBUTES a;
    memset(&a, 0, sizeof a);
    if (libssh2_sftp_stat_ex(c->sftp, path, (unsigned)strlen(path), LIBSSH2_SFTP_LSTAT, &a) != 0)
        return map_sftp(c, "stat", path, err);
    memset(out, 0, sizeof *out);
    const char *base = strrchr(path, '/');
    snprintf(out->name, sizeof out->name, "%s", base ? base + 1 : path);
    attrs_to_entry(&a, out);
    return WB_OK;
}

/* sftp_download - copy a remote file to out; with expect, refuse it unless still the same file */
enum wb_status sftp_download(struct sftp_conn *c, const char *remote_path,
                             const struct sftp_entry *expect, FILE *out, long long *bytes,
                             struct buf *err)
{
    *bytes = 0;
    int rc = usable(c, err);
    if (rc != WB_OK)
        return rc;
    LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open(c->sftp, remote_path, LIBSSH2_FXF_READ, 0);
    if (!h)
        return map_sftp(c, "opening", remote_path, err);
    if (expect) {
        LIBSSH2_SFTP_ATTRIBUTES a;
        struct sftp_entry e;
        memset(&a, 0, sizeof a);
        if (libssh2_sftp_fstat(h, &a) != 0) {
            rc = map_sftp(c, "fstat", remote_path, err);
            goto out;
        }
        attrs_to_entry(&a, &e);
        if (!e.is_regular || e.size != expect->size || e.mtime != expect->mtime) {
            buf_appendf(err, "%s: %s changed since it was listed (or is not a regular file)",
                        c->where, remote_path);
            rc = WB_AGAIN;
            goto out;
        }
    }
    char *chunk = malloc(SFTP_IO_CHUNK);
    if (!chunk) {
        rc = WB_NOMEM;
        goto out;
    }
    for (;;) {
        ssize_t k = libssh2_sftp_read(h, chunk, SFTP_IO_CHUNK);
        if (k == 0)
            break;
        if (k < 0) {
            rc = map_sftp(c, "reading", remote_path, err);
            break;
        }
        if (fwrite(chunk, 1, (size_t)k, out) != (size_t)k) {
            int e = errno ? errno : EIO;
            buf_appendf(err, "%s: %s: local write failed: %s", c->where, remote_path, strerror(e));
            rc = wb_errno_status(e);
            if (rc == WB_OK || rc == WB_NOTFOUND)
                rc = WB_IOERR;
            break;
        }
        *bytes += k;
    }
    free(chunk);
out:
    libssh2_sftp_close_handle(h);
    return rc;
}

/* sftp_upload - copy in to remote_path (created or truncated), fsync on the server if offered */
enum wb_status sftp_upload(struct sftp_conn *c, FILE *in, const char *remote_path, long long *bytes,
                           struct buf *err)
{
    *bytes = 0;
    int rc = usable(c, err);
    if (rc != WB_OK)
        return rc;
    LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open(
        c->sftp, remote_path, LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0640);
    if (!h)
        return map_sftp(c, "creating", remote_path, err);
    char *chunk = malloc(SFTP_IO_CHUNK);
    if (!chunk) {
        libssh2_sftp_close_handle(h);
        return WB_NOMEM;
    }
    for (;;) {
        size_t k = fread(chunk, 1, SFTP_IO_CHUNK, in);
        if (k == 0) {
            if (ferror(in)) {
                buf_appendf(err, "%s: %s: local read failed: %s", c->where, remote_path,
                            strerror(errno ? errno : EIO));
                rc = WB_IOERR;
            }
            break;
        }
        size_t done = 0;
        while (done < k) {
            ssize_t w = libssh2_sftp_write(h, chunk + done, k - done);
            if (w <= 0) {
                rc = map_sftp(c, "writing", remote_path, err);
                break;
            }
            done += (size_t)w;
        }
        if (rc != WB_OK)
            break;
        *bytes += (long long)k;
    }
    free(chunk);
    if (rc == WB_OK) {
        int f = libssh2_sftp_fsync(h);
        if (f != 0 && !(f == LIBSSH2_ERROR_SFTP_PROTOCOL &&
                        libssh2_sftp_last_error(c->sftp) == LIBSSH2_FX_OP_UNSUPPORTED))
            rc = map_sftp(c, "fsync", remote_path, err);
    }
    if (libssh2_sftp_close_handle(h) != 0 && rc == WB_OK)
        rc = map_sftp(c, "closing", remote_path, err);
    return rc;
}

/* sftp_rename - rename from -> to; WB_EXISTS if to exists (never overwrites) */
enum wb_status sftp_rename(struct sftp_conn *c, const char *from, const char *to, struct buf *err)
{
    struct sftp_entry e;
    struct buf tmp;
    buf_init(&tmp, 1024);
    int rc = sftp_stat(c, to, &e, &tmp);
    buf_free(&tmp);
    if (rc == WB_OK) {
        buf_appendf(err, "%s: cannot rename %s: %s already exists (never overwritten)", c->where,
                    from, to);
        return WB_EXISTS;
    }
    if (rc != WB_NOTFOUND) {
        if ((rc = usable(c, err)) != WB_OK)
            return rc;
    }
    /* no OVERWRITE flag: SFTP v3 servers (OpenSSH) refuse to replace an existing target */
    if (libssh2_sftp_rename_ex(c->sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to),
                               LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE) != 0) {
        rc = map_sftp(c, "renaming", from, err);
        if (rc != WB_NOTFOUND && !c->dead) {
            buf_init(&tmp, 1024);
            if (sftp_stat(c, to, &e, &tmp) == WB_OK) {
                buf_appendf(err, "; %s already exists (never overwritten)", to);
                rc = WB_EXISTS;
            }
            buf_free(&tmp);
        }
        return rc;
    }
    return WB_OK;
}

/* sftp_remove - unlink a remote file */
enum wb_status sftp_remove(struct sftp_conn *c, const char *path, struct buf *err)
{
    int rc = usable(c, err);
    if (rc != WB_OK)
        return rc;
    if (libssh2_sftp_unlink(c->sftp, path) != 0)
        return map_sftp(c, "removing", path, err);
    return WB_OK;
}

/* sftp_check - connect, verify, authenticate and list remote_dir; one line in msg */
enum wb_status sftp_check(const struct wb_remote *r, struct buf *msg)
{
    struct sftp_conn *c = NULL;
    struct buf err;
    buf_init(&err, 2048);
    int rc = sftp_connect(&c, r, &err);
    if (rc == WB_OK) {
        struct sftp_entry *v = NULL;
        size_t n = 0;
        const char *dir = r->remote_dir && *r->remote_dir ? r->remote_dir : ".";
        rc = sftp_list(c, dir, &v, &n, &err);
        if (rc == WB_OK)
            buf_appendf(msg, "remote %s: ok: %s@%s:%ld %s (%zu entries)", r->name, r->user, r->host,
                        r->port, dir, n);
        free(v);
        sftp_disconnect(c);
    }
    if (rc != WB_OK)
        buf_appendf(msg, "remote %s: %s: %s", r->name ? r->name : "?", wb_status_str(rc),
                    buf_str(&err));
    buf_free(&err);
    return rc;
}
