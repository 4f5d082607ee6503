/*
 * test_net_sftp.c - SFTP transport checks that need no server: secret file
 * modes, fingerprint text, configuration refusals and connection failures
 * mapped to the right status with one sentence.
 * Never opens a connection outside 127.0.0.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/wb.h"
#include "net/sftp.h"

static char dir[256];

/* setup_dir - a private scratch directory */
static int setup_dir(void **state)
{
    (void)state;
    const char *t = getenv("WB_TMP");
    snprintf(dir, sizeof dir, "%s/netsftp.XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

/* teardown_dir - remove the scratch directory */
static int teardown_dir(void **state)
{
    (void)state;
    const char *names[] = {"key600", "key644", "key640", "pw"};
    char p[512];
    for (size_t i = 0; i < WB_ARRAY_LEN(names); i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

/* make_file - dir/name with a mode */
static void make_file(const char *name, mode_t mode, char *out, size_t n)
{
    assert_int_equal(fs_write_file(dir, name, "secret\n", 7), WB_OK);
    snprintf(out, n, "%s/%s", dir, name);
    assert_int_equal(chmod(out, mode), 0);
}

/* test_secret_modes - 0600 accepted; group or other bits refused with the mode named */
static void test_secret_modes(void **state)
{
    (void)state;
    char p[512];
    struct buf err;
    buf_init(&err, 1024);
    make_file("key600", 0600, p, sizeof p);
    assert_int_equal(sftp_secret_file_ok(p, "identity", &err), WB_OK);
    make_file("key644", 0644, p, sizeof p);
    assert_int_equal(sftp_secret_file_ok(p, "identity", &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "0644"));
    assert_non_null(strstr(buf_str(&err), "key644"));
    buf_reset(&err);
    make_file("key640", 0640, p, sizeof p);
    assert_int_equal(sftp_secret_file_ok(p, "password", &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "password file"));
    buf_reset(&err);
    assert_int_equal(sftp_secret_file_ok(dir, "identity", &err), WB_CONFIG);
    buf_reset(&err);
    assert_int_equal(sftp_secret_file_ok("/nonexistent/key", "identity", &err), WB_CONFIG);
    buf_reset(&err);
    assert_int_equal(sftp_secret_file_ok("", "identity", &err), WB_CONFIG);
    buf_free(&err);
}

/* test_fingerprint - OpenSSH style SHA256 text; '=' padding ignored when comparing */
static void test_fingerprint(void **state)
{
    (void)state;
    /* SHA-256 of the empty string */
    static const unsigned char d[32] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
                                        0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
                                        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
                                        0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    char fp[64];
    sftp_fingerprint_fmt(d, fp);
    assert_string_equal(fp, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
    assert_true(sftp_fingerprint_eq(fp, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
    assert_false(sftp_fingerprint_eq(fp, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV"));
    assert_false(sftp_fingerprint_eq(fp, "SHA256:47DEQ"));
}

/* remote_for - a remote config aimed at 127.0.0.1:port */
static void remote_for(struct wb_remote *r, long port)
{
    memset(r, 0, sizeof *r);
    r->name = "t";
    r->host = "127.0.0.1";
    r->port = port;
    r->user = "nobody";
    r->identity = "";
    r->auth = "publickey";
    r->known_hosts = "";
    r->fingerprint = "";
    r->remote_dir = ".";
    r->timeout = 2;
}

/* closed_port - a loopback port with nothing listening */
static long closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
    close(s);
    return ntohs(a.sin_port);
}

/* test_connect_refused - nothing listening: WB_TEMPFAIL naming host:port */
static void test_connect_refused(void **state)
{
    (void)state;
    struct wb_remote r;
    remote_for(&r, closed_port());
    struct sftp_conn *c = NULL;
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(sftp_connect(&c, &r, &err), WB_TEMPFAIL);
    assert_null(c);
    assert_non_null(strstr(buf_str(&err), "127.0.0.1:"));
    assert_non_null(strstr(buf_str(&err), "refused"));
    buf_free(&err);
}

/* test_banner_timeout - a peer that accepts but never speaks SSH times out as WB_TEMPFAIL */
static void test_banner_timeout(void **state)
{
    (void)state;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 1), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
    struct wb_remote r;
    remote_for(&r, ntohs(a.sin_port));
    r.timeout = 1;
    struct sftp_conn *c = NULL;
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(sftp_connect(&c, &r, &err), WB_TEMPFAIL);
    assert_null(c);
    assert_non_null(strstr(buf_str(&err), "handshake"));
    close(s);
    buf_free(&err);
}

/* test_config_refusals - missing host/user, unknown auth, unresolvable host */
static void test_config_refusals(void **state)
{
    (void)state;
    struct wb_remote r;
    struct sftp_conn *c = NULL;
    struct buf msg;
    buf_init(&msg, 1024);
    remote_for(&r, 22);
    r.user = "";
    assert_int_equal(sftp_connect(&c, &r, &msg), WB_CONFIG);
    remote_for(&r, 22);
    r.host = "no-such-host.invalid";
    buf_reset(&msg);
    int rc = sftp_check(&r, &msg);
    assert_true(rc == WB_CONFIG || rc == WB_TEMPFAIL);
    assert_non_null(strstr(buf_str(&msg), "remote t:"));
    assert_null(strchr(buf_str(&msg), '\n'));
    buf_free(&msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_modes),    cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_connect_refused), cmocka_unit_test(test_banner_timeout),
        cmocka_unit_test(test_config_refusals),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
