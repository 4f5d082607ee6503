/*
 * test_net_spapi_doc.c - document downloads against a canned loopback HTTP
 * peer (a forked child answering by path, keep-alive): plain and multi-member
 * GZIP documents land complete; a GZIP bomb over the session's cap, corrupt or
 * truncated GZIP, a persistent 500 and an expired URL leave no file and no
 * temp file behind; uploads stream the file. Never touches anything outside
 * its own temp directory; kills the child it started.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "net/spapi.h"

struct blob {
    unsigned char *p;
    size_t n;
};

static struct blob gz_multi, gz_bomb, gz_trunc;
static int port;
static pid_t child = -1;
static char dir[64];
static char upload_seen[128];

/* gz - gzip n bytes of src into a new blob */
static struct blob gz(const void *src, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    struct blob b = {malloc(deflateBound(&z, n) + 64), 0};
    assert_non_null(b.p);
    z.next_in = (unsigned char *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = b.p;
    z.avail_out = (uInt)(deflateBound(&z, n) + 64);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    b.n = z.total_out;
    deflateEnd(&z);
    return b;
}

/* send_all - write everything or give up */
static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

/* reply - one HTTP/1.1 response with a body */
static void reply(int fd, int status, const char *ctype, const void *body, size_t n)
{
    char h[256];
    int k = snprintf(h, sizeof h,
                     "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "x-amzn-RequestId: test-1\r\n\r\n",
                     status, ctype, n);
    send_all(fd, h, (size_t)k);
    send_all(fd, body, n);
}

/* serve_one - answer one request by path; 0 when the peer closed */
static int serve_one(int fd)
{
    char req[16384];
    size_t got = 0;
    char *end = NULL;
    while (!end) {
        if (got + 1 >= sizeof req)
            return 0;
        ssize_t r = read(fd, req + got, sizeof req - 1 - got);
        if (r <= 0)
            return 0;
        got += (size_t)r;
        req[got] = '\0';
        end = strstr(req, "\r\n\r\n");
    }
    size_t body = 0;
    char *cl = strcasestr(req, "\r\nContent-Length:");
    if (cl)
        body = strtoul(cl + 17, NULL, 10);
    size_t have = got - (size_t)(end + 4 - req);
    FILE *up = NULL;
    if (strncmp(req, "PUT /up/", 8) == 0)
        up = fopen(upload_seen, "w");
    if (up)
        fwrite(end + 4, 1, have, up);
    while (have < body) {
        char tmp[4096];
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r <= 0)
            break;
        if (up)
            fwrite(tmp, 1, (size_t)r, up);
        have += (size_t)r;
    }
    if (up)
        fclose(up);
    char method[8], path[512];
    if (sscanf(req, "%7s %511s", method, path) != 2)
        return 0;
    char json[2048];
    if (strcmp(path, "/auth/o2/token") == 0) {
        const char *t =
            "{\"access_token\":\"Atza|t\",\"token_type\":\"bearer\",\"expires_in\":3600}";
        reply(fd, 200, "application/json", t, strlen(t));
    } else if (strncmp(path, "/feeds/2021-06-30/documents/", 28) == 0) {
        const char *id = path + 28;
        snprintf(json, sizeof json,
                 "{\"feedDocumentId\":\"%s\",\"url\":\"http://127.0.0.1:%d/dl/%s?sig=s\"%s}", id,
                 port, id, strncmp(id, "gz", 2) == 0 ? ",\"compressionAlgorithm\":\"GZIP\"" : "");
        reply(fd, 200, "application/json", json, strlen(json));
    } else if (strncmp(path, "/dl/gzmulti", 11) == 0) {
        reply(fd, 200, "application/octet-stream", gz_multi.p, gz_multi.n);
    } else if (strncmp(path, "/dl/gzbomb", 10) == 0) {
        reply(fd, 200, "application/octet-stream", gz_bomb.p, gz_bomb.n);
    } else if (strncmp(path, "/dl/gztrunc", 11) == 0) {
        reply(fd, 200, "application/octet-stream", gz_trunc.p, gz_trunc.n);
    } else if (strncmp(path, "/dl/gzbad", 9) == 0) {
        reply(fd, 200, "application/octet-stream", "this is not gzip at all", 23);
    } else if (strncmp(path, "/dl/plain", 9) == 0) {
        reply(fd, 200, "text/plain", "plain report\n", 13);
    } else if (strncmp(path, "/dl/fail", 8) == 0) {
        reply(fd, 500, "text/plain", "boom", 4);
    } else if (strncmp(path, "/dl/expired", 11) == 0) {
        const char *x = "<Error><Code>AccessDenied</Code></Error>";
        reply(fd, 403, "application/xml", x, strlen(x));
    } else if (strncmp(path, "/up/", 4) == 0) {
        reply(fd, 200, "text/plain", "", 0);
    } else {
        const char *e = "{\"errors\":[{\"code\":\"NotFound\",\"message\":\"Resource not found\"}]}";
        reply(fd, 404, "application/json", e, strlen(e));
    }
    return 1;
}

/* setup - canned documents, temp dir, and the forked peer */
static int setup(void **state)
{
    (void)state;
    gz_multi = gz("hello ", 6);
    struct blob second = gz("world\n", 6);
    gz_multi.p = realloc(gz_multi.p, gz_multi.n + second.n);
    memcpy(gz_multi.p + gz_multi.n, second.p, second.n);
    gz_multi.n += second.n;
    free(second.p);
    size_t big = 4 << 20;
    char *zeros = calloc(1, big);
    gz_bomb = gz(zeros, big);
    free(zeros);
    gz_trunc = gz("a longer text that will be cut in the middle of its stream", 58);
    gz_trunc.n /= 2;
    snprintf(dir, sizeof dir, "/tmp/wbdocXXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(upload_seen, sizeof upload_seen, "%s/.uploaded", dir);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 8), 0);
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        for (;;) {
            int fd = accept(ls, NULL, NULL);
            if (fd < 0)
                _exit(0);
            while (serve_one(fd))
                ;
            close(fd);
        }
    }
    close(ls);
    return 0;
}

/* teardown - stop the peer, remove the temp dir */
static int teardown(void **state)
{
    (void)state;
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    free(gz_multi.p);
    free(gz_bomb.p);
    free(gz_trunc.p);
    return 0;
}

/* session - a session on the canned peer */
static struct spapi *session(void)
{
    static char ep[64], lwa[96];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", port);
    snprintf(lwa, sizeof lwa, "http://127.0.0.1:%d/auth/o2/token", port);
    struct wb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.sp_api_endpoint = ep;
    cfg.lwa_endpoint = lwa;
    cfg.marketplace_ids = "A1F83G8C2ARO7P";
    cfg.ca_file = "";
    cfg.tls_verify = 1;
    cfg.http_timeout = 5;
    cfg.retry_max = 2;
    cfg.retry_base_ms = 1;
    cfg.retry_cap_ms = 5;
    struct lwa_creds c = {"id", "secret", "refresh"};
    struct spapi *s;
    struct buf err;
    buf_init(&err, 1024);
    setenv("WB_TEST_INSECURE", "1", 1); /* the canned peer speaks plain http on loopback */
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_OK);
    buf_free(&err);
    return s;
}

/* entries - files in the temp dir other than the upload record */
static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
        else if (strstr(e->d_name, ".tmp"))
            n += 100; /* a temp file left behind */
    if (d)
        closedir(d);
    return n;
}

/* content - the whole file dir/name */
static void content(const char *name, struct buf *b)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    buf_reset(b);
    assert_int_equal(fs_read_file(p, b), WB_OK);
}

/* test_documents - good documents land whole; bad ones leave nothing */
static void test_documents(void **state)
{
    (void)state;
    struct spapi *s = session();
    struct buf err, b;
    buf_init(&err, 4096);
    buf_init(&b, 1 << 20);
    assert_int_equal(spapi_get_feed_document(s, "gzmulti", dir, "multi.txt", &err), WB_OK);
    content("multi.txt", &b);
    assert_string_equal(buf_str(&b), "hello world\n");
    assert_int_equal(spapi_get_feed_document(s, "plain", dir, "plain.txt", &err), WB_OK);
    content("plain.txt", &b);
    assert_string_equal(buf_str(&b), "plain report\n");
    assert_int_equal(entries(), 2);
    spapi_set_doc_max(s, 1 << 20); /* the bomb inflates to 4 MiB */
    buf_reset(&err);
    assert_int_equal(spapi_get_feed_document(s, "gzbomb", dir, "bomb.txt", &err), WB_TOOBIG);
    assert_non_null(strstr(buf_str(&err), "larger than"));
    buf_reset(&err);
    assert_int_equal(spapi_get_feed_document(s, "gzbad", dir, "bad.txt", &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "corrupt"));
    buf_reset(&err);
    assert_int_equal(spapi_get_feed_document(s, "gztrunc", dir, "trunc.txt", &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "truncated"));
    buf_reset(&err);
    assert_int_equal(spapi_get_feed_document(s, "failing", dir, "fail.txt", &err), WB_TEMPFAIL);
    assert_non_null(strstr(buf_str(&err), "gave up after 3 attempts"));
    buf_reset(&err);
    assert_int_equal(spapi_get_feed_document(s, "expired", dir, "exp.txt", &err), WB_TEMPFAIL);
    assert_non_null(strstr(buf_str(&err), "expired"));
    assert_null(strstr(buf_str(&err), "sig="));
    buf_reset(&err);
    assert_int_equal(spapi_get_feed_document(s, "../x", dir, "x.txt", &err), WB_BADARG);
    assert_int_equal(entries(), 2);
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_int_equal(st.refreshes, 1);
    spapi_close(s);
    buf_free(&err);
    buf_free(&b);
}

/* test_upload - the file is streamed as the PUT body */
static void test_upload(void **state)
{
    (void)state;
    struct spapi *s = session();
    struct buf err, b;
    buf_init(&err, 4096);
    buf_init(&b, 1 << 20);
    char src[128], url[128];
    snprintf(src, sizeof src, "%s/feed.xml", dir);
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    for (int i = 0; i < 20000; i++)
        fprintf(f, "<Message>%d</Message>\n", i);
    fclose(f);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/up/doc1?sig=s", port);
    assert_int_equal(spapi_upload(s, url, "text/xml; charset=UTF-8", src, &err), WB_OK);
    struct buf want;
    buf_init(&want, 1 << 20);
    assert_int_equal(fs_read_file(src, &want), WB_OK);
    assert_int_equal(fs_read_file(upload_seen, &b), WB_OK);
    assert_int_equal(b.len, want.len);
    assert_memory_equal(b.data, want.data, want.len);
    unlink(src);
    spapi_close(s);
    buf_free(&err);
    buf_free(&b);
    buf_free(&want);
}

/* main - run the group */
int main(void)
{
    log_setup("test_net_spapi_doc", LOG_ERROR_L, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_upload),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
