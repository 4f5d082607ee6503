/*
 * sftp.h - SFTP transport to the WMS (libssh2): connect, verify, list, move bytes.
 *
 * Owns one SSH session per struct sftp_conn: the TCP socket (connected with a
 * timeout), the host key check (OpenSSH known_hosts and/or a pinned
 * "SHA256:base64" fingerprint), user authentication (public key from the
 * identity file, or a password file when auth = password; both must be mode
 * 0600 or stricter) and the SFTP channel. Every operation runs under the
 * remote's timeout.
 *
 * Error contract: libssh2 errors are translated here, once, into WB_* codes
 * plus one sentence in err naming host:port: refused/reset/timed-out/lost
 * connections -> WB_TEMPFAIL; authentication failure, unknown or changed host
 * key, permission denied -> WB_PERMFAIL; no such file -> WB_NOTFOUND; target
 * exists -> WB_EXISTS; local write errors -> their errno status (ENOSPC ->
 * WB_NOSPACE); a file that changed under us -> WB_AGAIN. Never exits.
 *
 * Never: follows a symlink when listing (lstat semantics), overwrites a
 * remote file on rename, talks to a host whose key was not verified, logs a
 * password or key material.
 */
#ifndef WB_SFTP_H
#define WB_SFTP_H

#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"

struct sftp_conn;

struct sftp_entry {
    char name[256];
    long long size;  /* -1 if the server did not say */
    long long mtime; /* seconds since the epoch, -1 if unknown */
    int is_regular;
    int is_symlink;
    int is_dir;
};

/* sftp_connect - TCP connect, handshake, host key check, auth, SFTP channel */
enum wb_status sftp_connect(struct sftp_conn **out, const struct wb_remote *r, struct buf *err);
/* sftp_disconnect - close the SFTP channel and the session (NULL is fine) */
void sftp_disconnect(struct sftp_conn *c);
/* sftp_list - entries of dir (lstat semantics, without "." and ".."); caller frees *out */
enum wb_status sftp_list(struct sftp_conn *c, const char *dir, struct sftp_entry **out, size_t *n,
                         struct buf *err);
/* sftp_download - copy a remote file to out; with expect, refuse it unless still the same file */
enum wb_status sftp_download(struct sftp_conn *c, const char *remote_path,
                             const struct sftp_entry *expect, FILE *out, long long *bytes,
                             struct buf *err);
/* sftp_upload - copy in to remote_path (created or truncated), fsync on the server if offered */
enum wb_status sftp_upload(struct sftp_conn *c, FILE *in, const char *remote_path, long long *bytes,
                           struct buf *err);
/* sftp_rename - rename from -> to; WB_EXISTS if to exists (never overwrites) */
enum wb_status sftp_rename(struct sftp_conn *c, const char *from, const char *to, struct buf *err);
/* sftp_remove - unlink a remote file */
enum wb_status sftp_remove(struct sftp_conn *c, const char *path, struct buf *err);
/* sftp_stat - lstat a remote path */
enum wb_status sftp_stat(struct sftp_conn *c, const char *path, struct sftp_entry *out,
                         struct buf *err);
/* sftp_check - connect, verify, authenticate and list remote_dir; one line in msg */
enum wb_status sftp_check(const struct wb_remote *r, struct buf *msg);

/* sftp_secret_file_ok - WB_OK if path is a regular file not accessible by group/others */
enum wb_status sftp_secret_file_ok(const char *path, const char *what, struct buf *err);
/* sftp_fingerprint_fmt - "SHA256:" + unpadded base64 of a 32-byte digest */
void sftp_fingerprint_fmt(const unsigned char digest[32], char out[64]);
/* sftp_fingerprint_eq - compare two "SHA256:..." texts, ignoring base64 '=' padding */
int sftp_fingerprint_eq(const char *a, const char *b);

#endif
