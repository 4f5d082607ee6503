/*
 * spapi_doc.c - SP-API documents: upload to and download from presigned URLs.
 *
 * Owns the streaming of feed documents (PUT from a file, no access token) and
 * of result and report documents (GET, gunzip bounded by the session's document cap, into
 * an afile committed only when complete: temp + fsync + rename). Retries 5xx,
 * 429 and transport errors with the session's backoff; a refused presigned URL
 * (403, it expires after 5 minutes) is WB_TEMPFAIL so the caller starts over.
 * Never logs or returns a presigned URL; never exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "net/spapi.h"
#include "net/spapi_impl.h"

/* open_upload - open a regular file for streaming, with its size */
static FILE *open_upload(const char *path, long long *size, struct buf *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        buf_appendf(err, "upload: %s is not a readable regular file: %s", path,
                    fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        buf_appendf(err, "upload: %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    *size = (long long)st.st_size;
    return f;
}

/* presigned_verdict - status of a presigned URL transfer to WB_OK / retry (-1) / a failure */
static int presigned_verdict(long status)
{
    if (status >= 200 && status < 300)
        return WB_OK;
    if (status == 429 || status == 408 || status >= 500)
        return -1;
    if (status == 403)
        return WB_TEMPFAIL; /* the URL expired (5 min): the caller starts over */
    return WB_PERMFAIL;
}

/* spapi_upload - PUT a file to a presigned URL (no access token) */
enum wb_status spapi_upload(struct spapi *s, const char *url, const char *content_type,
                            const char *path, struct buf *err)
{
    if (!spapi_url_allowed(url)) {
        buf_appendf(err, "upload: URL is not https");
        return WB_BADARG;
    }
    if (!spapi_content_type_ok(content_type)) {
        buf_appendf(err, "upload: content type is empty or has control characters");
        return WB_BADARG;
    }
    long long size = 0;
    FILE *f = open_upload(path, &size, err);
    if (!f)
        return WB_NOINPUT;
    char ct[256];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    const char *hdrs[] = {ct, NULL};
    struct buf resp, herr;
    buf_init(&resp, SPAPI_ERRBODY_MAX);
    buf_init(&herr, 1024);
    struct http_resp rs;
    memset(&rs, 0, sizeof rs);
    int attempt = 0, rc;
    long long t0 = clock_mono_ms();
    s->st.calls++;
    for (;;) {
        buf_reset(&resp);
        buf_reset(&herr);
        struct http_req rq = {.method = "PUT",
                              .url = url,
                              .headers = hdrs,
                              .upload = f,
                              .upload_len = size,
                              .resp = &resp,
                              .timeout_s = s->transfer_timeout_s};
        rc = http_request(s->http, &rq, &rs, &herr);
        s->st.requests++;
        if (rc == WB_OK) {
            int v = presigned_verdict(rs.status);
            if (v == WB_OK)
                break;
            buf_appendf(&herr, "HTTP %ld", rs.status);
            if (v != -1) {
                buf_appendf(err, "upload: %s%s", buf_str(&herr),
                            v == WB_TEMPFAIL ? " (URL refused, it may have expired)" : "");
                rc = v;
                break;
            }
            rc = WB_TEMPFAIL;
        }
        if (rc != WB_TEMPFAIL) {
            buf_appendf(err, "upload: %s", buf_str(&herr));
            break;
        }
        if ((rc = spapi_backoff(s, &attempt, rs.retry_after_ms, "upload", buf_str(&herr), err)) !=
            WB_OK)
            break;
    }
    fclose(f);
    log_msg(rc == WB_OK ? LOG_INFO_L : LOG_WARN_L,
            "op=upload status=%ld bytes=%lld attempts=%d ms=%lld result=%s", rs.status, size,
            attempt + 1, clock_mono_ms() - t0, wb_status_str(rc));
    buf_free(&resp);
    buf_free(&herr);
    return rc;
}

struct dl {
    struct afile *af;
    int gzip;
    int zinit;
    int zend; /* the last gzip member ended */
    z_stream z;
    long long out; /* bytes written */
    long long max;
    int fail; /* WB_* of the first sink failure */
};

/* dl_write - write decoded bytes to the afile within the size cap */
static int dl_write(struct dl *d, const void *p, size_t n)
{
    if (d->out + (long long)n > d->max) {
        d->fail = WB_TOOBIG;
        return WB_TOOBIG;
    }
    d->out += (long long)n;
    int rc = afile_write(d->af, p, n);
    if (rc != WB_OK)
        d->fail = rc;
    return rc;
}

/* dl_sink - body bytes of a document: gunzip (bounded) or copy into the afile */
static int dl_sink(void *arg, const void *p, size_t n)
{
    struct dl *d = arg;
    if (!d->gzip)
        return dl_write(d, p, n);
    unsigned char out[65536];
    d->z.next_in = (unsigned char *)(uintptr_t)p;
    d->z.avail_in = (uInt)n;
    while (d->z.avail_in > 0) {
        if (d->zend) { /* another gzip member follows */
            if (inflateReset(&d->z) != Z_OK)
                return d->fail = WB_PERMFAIL;
            d->zend = 0;
        }
        d->z.next_out = out;
        d->z.avail_out = sizeof out;
        int zr = inflate(&d->z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            return d->fail = WB_PERMFAIL;
        size_t got = sizeof out - d->z.avail_out;
        if (got && dl_write(d, out, got) != WB_OK)
            return d->fail;
        if (zr == Z_STREAM_END)
            d->zend = 1;
        else if (zr == Z_BUF_ERROR && got == 0)
            break;
    }
    return WB_OK;
}

/* download - fetch a presigned document URL into dest_dir/dest_name atomically */
static int download(struct spapi *s, const char *op, const char *doc_id, const char *url, int gzip,
                    const char *dest_dir, const char *dest_name, struct buf *err)
{
    struct buf errbody, herr;
    buf_init(&errbody, SPAPI_ERRBODY_MAX);
    buf_init(&herr, 1024);
    struct http_resp rs;
    memset(&rs, 0, sizeof rs);
    int attempt = 0, rc;
    long long t0 = clock_mono_ms();
    struct dl d;
    for (;;) {
        struct afile af;
        memset(&d, 0, sizeof d);
        buf_reset(&errbody);
        buf_reset(&herr);
        if ((rc = afile_open_redo(&af, dest_dir, dest_name, 0)) != WB_OK) {
            buf_appendf(err, "%s: cannot create %s in %s: %s", op, dest_name, dest_dir,
                        wb_status_str(rc));
            break;
        }
        d.af = &af;
        d.gzip = gzip;
        d.max = s->doc_max;
        if (gzip) {
            if (inflateInit2(&d.z, 15 + 16) != Z_OK) {
                afile_abort(&af);
                rc = WB_NOMEM;
                break;
            }
            d.zinit = 1;
        }
        struct http_req rq = {.method = "GET",
                              .url = url,
                              .resp = &errbody,
                              .sink = dl_sink,
                              .sink_arg = &d,
                              .timeout_s = s->transfer_timeout_s};
        rc = http_request(s->http, &rq, &rs, &herr);
        s->st.requests++;
        if (d.zinit)
            inflateEnd(&d.z);
        int v = rc;
        if (rc == WB_OK) {
            v = presigned_verdict(rs.status);
            if (v == WB_OK && gzip && !d.zend) {
                buf_appendf(err, "%s: doc_id=%s: gzip document is truncated or corrupt", op,
                            doc_id);
                v = WB_PERMFAIL;
            } else if (v == -1 || v != WB_OK) {
                buf_appendf(&herr, "HTTP %ld", rs.status);
                if (v != -1)
                    buf_appendf(err, "%s: doc_id=%s: download %s%s", op, doc_id, buf_str(&herr),
                                v == WB_TEMPFAIL ? " (URL refused, it may have expired)" : "");
            }
        } else if (rc == WB_PERMFAIL && d.fail == WB_PERMFAIL) {
            buf_appendf(err, "%s: doc_id=%s: gzip document is corrupt", op, doc_id);
        } else if (rc == WB_TOOBIG) {
            buf_appendf(err, "%s: doc_id=%s: document is larger than %lld bytes", op, doc_id,
                        s->doc_max);
        } else if (rc != WB_TEMPFAIL) {
            buf_appendf(err, "%s: doc_id=%s: %s", op, doc_id, buf_str(&herr));
        }
        if (v == WB_OK) {
            rc = afile_commit(&af);
            if (rc != WB_OK)
                buf_appendf(err, "%s: writing %s/%s failed: %s", op, dest_dir, dest_name,
                            wb_status_str(rc));
            break;
        }
        afile_abort(&af);
        if (v != -1 && v != WB_TEMPFAIL) {
            rc = v;
            break;
        }
        if (v == WB_TEMPFAIL && rc == WB_OK) { /* presigned URL refused */
            rc = WB_TEMPFAIL;
            break;
        }
        if ((rc = spapi_backoff(s, &attempt, rs.retry_after_ms, op, buf_str(&herr), err)) != WB_OK)
            break;
    }
    log_msg(rc == WB_OK ? LOG_INFO_L : LOG_WARN_L,
            "doc_id=%s op=%s_download status=%ld gzip=%d bytes=%lld attempts=%d ms=%lld "
            "result=%s",
            doc_id, op, rs.status, gzip, d.out, attempt + 1, clock_mono_ms() - t0,
            wb_status_str(rc));
    buf_free(&errbody);
    buf_free(&herr);
    return rc;
}

/* get_document - getFeedDocument / getReportDocument, then download */
static int get_document(struct spapi *s, const char *op, const char *prefix, const char *idkey,
                        const char *doc_id, const char *dest_dir, const char *dest_name,
                        struct buf *err)
{
    if (!dest_dir || !dest_name || !fs_name_ok(dest_name)) {
        buf_appendf(err, "%s: unsafe destination file name", op);
        return WB_BADARG;
    }
    char id[SPAPI_ID_MAX + 1];
    struct buf resp, url;
    buf_init(&resp, SPAPI_RESP_MAX);
    buf_init(&url, 16 * 1024);
    int gzip = 0;
    int rc = spapi_call_id(s, op, "GET", prefix, "doc", doc_id, &resp, err);
    if (rc == WB_OK)
        rc = spapi_parse_document(buf_str(&resp), resp.len, idkey, id, sizeof id, &url, &gzip, err);
    if (rc == WB_OK && strcmp(id, doc_id) != 0) {
        buf_appendf(err, "%s: answer is about another document", op);
        rc = WB_PERMFAIL;
    }
    if (rc == WB_OK && !spapi_url_allowed(buf_str(&url))) {
        buf_appendf(err, "%s: doc_id=%s: download URL is not https", op, doc_id);
        rc = WB_PERMFAIL;
    }
    if (rc == WB_OK)
        rc = download(s, op, doc_id, buf_str(&url), gzip, dest_dir, dest_name, err);
    if (url.data)
        explicit_bzero(url.data, url.cap);
    buf_free(&url);
    buf_free(&resp);
    return rc;
}

/* spapi_get_feed_document - getFeedDocument, download, gunzip, write atomically */
enum wb_status spapi_get_feed_document(struct spapi *s, const char *doc_id, const char *dest_dir,
                                       const char *dest_name, struct buf *err)
{
    return get_document(s, "getFeedDocument", "/feeds/2021-06-30/documents", "feedDocumentId",
                        doc_id, dest_dir, dest_name, err);
}

/* spapi_get_report_document - getReportDocument, download, gunzip, write atomically */
enum wb_status spapi_get_report_document(struct spapi *s, const char *doc_id, const char *dest_dir,
                                         const char *dest_name, struct buf *err)
{
    return get_document(s, "getReportDocument", "/reports/2021-06-30/documents", "reportDocumentId",
                        doc_id, dest_dir, dest_name, err);
}
