/*
 * fsutil.c - atomic writes (temp + fsync + rename + dir fsync), durable moves,
 * safe name checks and digests. Returns WB_* codes, never exits, opens every
 * file with O_NOFOLLOW so a planted symlink is refused rather than followed.
 * The digests are libcrypto's SHA-256; only this file calls libcrypto.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"

/* move_noreplace - rename fd1/name to fd2/to_name unless to_name exists (WB_EXISTS then);
 * a file system without RENAME_NOREPLACE gets link + unlink, which never replaces either */
static int move_noreplace(int fd1, const char *name, int fd2, const char *to_name)
{
    if (renameat2(fd1, name, fd2, to_name, RENAME_NOREPLACE) == 0)
        return WB_OK;
    if (errno != EINVAL && errno != ENOSYS)
        return wb_errno_status(errno);
    if (linkat(fd1, name, fd2, to_name, 0) != 0 || unlinkat(fd1, name, 0) != 0)
        return wb_errno_status(errno);
    return WB_OK;
}

/* afile_open - start writing dir/name through a temp file */
enum wb_status afile_open(struct afile *af, const char *dir, const char *name, mode_t mode)
{
    static unsigned seq;
    memset(af, 0, sizeof *af);
    af->dirfd = -1;
    if (!fs_name_ok(name) && !(name[0] == '.' && fs_name_ok(name + 1)))
        return WB_BADARG;
    snprintf(af->name, sizeof af->name, "%s", name);
    snprintf(af->tmp, sizeof af->tmp, ".%s.%ld.%u.tmp", name, (long)getpid(), seq++);
    af->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (af->dirfd < 0)
        return wb_errno_status(errno);
    int fd = openat(af->dirfd, af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    mode ? mode : FS_FILE_MODE);
    if (fd < 0) {
        int e = errno;
        close(af->dirfd);
        af->dirfd = -1;
        if (wb_errno_status(e) == WB_NOSPACE)
            log_error("file=%s event=create-failed status=nospace error=\"%s\"", name, strerror(e));
        return wb_errno_status(e);
    }
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        int e = errno;
        close(fd);
        unlinkat(af->dirfd, af->tmp, 0);
        close(af->dirfd);
        af->dirfd = -1;
        return wb_errno_status(e);
    }
    return WB_OK;
}

/* afile_open_redo - afile_open for a name only one step ever writes (derived from a ledger
 * id): when the step is redone after a crash, commit replaces what its first attempt left */
enum wb_status afile_open_redo(struct afile *af, const char *dir, const char *name, mode_t mode)
{
    int rc = afile_open(af, dir, name, mode);
    af->redo = 1;
    return rc;
}

/* afile_write - write n bytes (errors are remembered for commit) */
enum wb_status afile_write(struct afile *af, const void *p, size_t n)
{
    if (af->failed)
        return af->failed;
    if (n && fwrite(p, 1, n, af->fp) != n)
        af->failed = wb_errno_status(errno ? errno : EIO);
    return af->failed;
}

/* afile_commit - flush, fsync, close, rename into place, fsync the directory */
enum wb_status afile_commit(struct afile *af)
{
    int rc = af->failed;
    if (!af->fp)
        return WB_BADARG;
    if (rc == WB_OK && (fflush(af->fp) != 0 || ferror(af->fp)))
        rc = wb_errno_status(errno ? errno : EIO);
    if (rc == WB_OK && fsync(fileno(af->fp)) != 0)
        rc = wb_errno_status(errno);
    if (fclose(af->fp) != 0 && rc == WB_OK)
        rc = wb_errno_status(errno);
    af->fp = NULL;
    if (rc == WB_OK)
        rc = move_noreplace(af->dirfd, af->tmp, af->dirfd, af->name);
    /* a step redone after a crash replaces only what its own cut-short attempt left */
    if (rc == WB_EXISTS && af->redo && renameat(af->dirfd, af->tmp, af->dirfd, af->name) == 0)
        rc = WB_OK;
    if (rc == WB_NOSPACE)
        log_error("file=%s event=write-failed status=nospace error=\"no space left on the device;"
                  " the partial temp file was removed and nothing took its place\"",
                  af->name);
    if (rc != WB_OK) {
        unlinkat(af->dirfd, af->tmp, 0);
    } else if (fsync(af->dirfd) != 0) {
        rc = wb_errno_status(errno);
    }
    close(af->dirfd);
    af->dirfd = -1;
    return rc;
}

/* afile_abort - unlink the temp and release everything */
void afile_abort(struct afile *af)
{
    if (af->fp) {
        fclose(af->fp);
        af->fp = NULL;
    }
    if (af->dirfd >= 0) {
        unlinkat(af->dirfd, af->tmp, 0);
        close(af->dirfd);
        af->dirfd = -1;
    }
}

/* fs_write_file - write a whole file atomically */
enum wb_status fs_write_file(const char *dir, const char *name, const void *data, size_t len)
{
    struct afile af;
    int rc = afile_open(&af, dir, name, 0);
    if (rc != WB_OK)
        return rc;
    afile_write(&af, data, len);
    return afile_commit(&af);
}

/* fs_fsync_dir - fsync a directory */
enum wb_status fs_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wb_errno_status(errno);
    int rc = fsync(fd) == 0 ? WB_OK : wb_errno_status(errno);
    close(fd);
    return rc;
}

/* fs_move - durable rename from_dir/name -> to_dir/to_name; fails if target exists */
enum wb_status fs_move(const char *from_dir, const char *name, const char *to_dir,
                       const char *to_name)
{
    int fd1 = open(from_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd1 < 0)
        return wb_errno_status(errno);
    int fd2 = open(to_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd2 < 0) {
        int e = errno;
        close(fd1);
        return wb_errno_status(e);
    }
    int rc = WB_OK;
    struct stat st;
    if (fstatat(fd1, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        rc = wb_errno_status(errno);
    else if (!S_ISREG(st.st_mode))
        rc = WB_PERMFAIL;
    else
        rc = move_noreplace(fd1, name, fd2, to_name);
    if (rc == WB_OK && (fsync(fd2) != 0 || fsync(fd1) != 0))
        rc = wb_errno_status(errno);
    close(fd1);
    close(fd2);
    return rc;
}

/* mkdir_one - create one directory with exactly mode whatever the umask (setgid included: the spool
 * is shared by the service and its operators' group, whoever creates a directory); created as
 * root, it belongs to its parent's owner and group, so root never leaves a directory the
 * service cannot write */
static int mkdir_one(const char *path, mode_t mode)
{
    if (mkdir(path, mode & 0777) != 0)
        return errno == EEXIST ? WB_OK : wb_errno_status(errno);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return wb_errno_status(errno);
    struct stat up;
    int rc = WB_OK;
    if (geteuid() == 0 && (fstatat(fd, "..", &up, 0) != 0 || fchown(fd, up.st_uid, up.st_gid) != 0))
        rc = wb_errno_status(errno);
    if (rc == WB_OK && fchmod(fd, mode) != 0)
        rc = wb_errno_status(errno);
    close(fd);
    return rc;
}

/* fs_mkdirs - mkdir -p; the directories it creates get exactly mode (see mkdir_one) */
enum wb_status fs_mkdirs(const char *path, mode_t mode)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return WB_TOOBIG;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir_one(tmp, mode);
        if (rc != WB_OK)
            return rc;
        *p = '/';
    }
    return mkdir_one(tmp, mode);
}

/* fs_read_file - read a whole regular file (no symlinks) into b, bounded by b->max */
enum wb_status fs_read_file(const char *path, struct buf *b)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? WB_NOINPUT : wb_errno_status(errno);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : 0; /* errno 0: not a regular file */
        close(fd);
        errno = e;
        return WB_NOINPUT;
    }
    char chunk[65536];
    int rc = WB_OK;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = wb_errno_status(errno);
            break;
        }
        if (n == 0)
            break;
        if ((rc = buf_append(b, chunk, (size_t)n)) != WB_OK)
            break;
    }
    close(fd);
    if (rc == WB_OK && !b->data)
        rc = buf_append(b, "", 0);
    return rc;
}

/* fs_private_ok - owner this user (or root) and no mode bit of deny: see fsutil.h */
enum wb_status fs_private_ok(const struct stat *st, const char *what, const char *path, mode_t deny,
                             int root_ok, struct buf *err)
{
    if (st->st_uid != geteuid() && !(root_ok && st->st_uid == 0)) {
        buf_appendf(err, "%s %s is owned by uid %ld, not by this user (uid %ld)%s", what, path,
                    (long)st->st_uid, (long)geteuid(), root_ok ? " or root" : "");
        return WB_CONFIG;
    }
    if (!(st->st_mode & deny))
        return WB_OK;
    unsigned mode = (unsigned)(st->st_mode & 07777);
    if (deny & (S_IRGRP | S_IROTH))
        buf_appendf(err, "%s %s has mode %04o; it must be 0600 or stricter (chmod 600 %s)", what,
                    path, mode, path);
    else
        buf_appendf(err,
                    "%s %s has mode %04o; group or others can change it, and with it where "
                    "the credentials go (chmod go-w %s)",
                    what, path, mode, path);
    return WB_CONFIG;
}

/* fs_name_ok - 1 if name is a safe single path component for the spool */
int fs_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > FS_NAME_MAX)
        return 0;
    if (name[0] == '-' || name[0] == '.')
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

/* afile_temp_pid - see fsutil.h */
long afile_temp_pid(const char *name)
{
    size_t n = strlen(name);
    if (n < 9 || name[0] != '.' || strcmp(name + n - 4, ".tmp") != 0)
        return 0;
    const char *p = name + n - 4; /* walk back over SEQ, then PID */
    while (p > name && isdigit((unsigned char)p[-1]))
        p--;
    if (p == name + n - 4 || p[-1] != '.')
        return 0;
    const char *pid_end = --p;
    while (p > name && isdigit((unsigned char)p[-1]))
        p--;
    if (p == pid_end || pid_end - p > 18 || p - 1 <= name + 1 || p[-1] != '.')
        return 0; /* no PID, or no NAME before it */
    long pid = 0;
    for (; p < pid_end; p++)
        pid = pid * 10 + (*p - '0');
    return pid;
}

/* fs_is_temp_name - 1 for names a writer is still working on (.x, *.tmp, *.part) */
int fs_is_temp_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || name[0] == '.')
        return 1;
    static const char *const suffixes[] = {".tmp", ".part", ".filepart", ".partial", "~"};
    for (size_t i = 0; i < WB_ARRAY_LEN(suffixes); i++) {
        size_t k = strlen(suffixes[i]);
        if (n >= k && strcasecmp(name + n - k, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}

/* fs_join - dir + "/" + name into out (bounded) */
enum wb_status fs_join(char *out, size_t n, const char *dir, const char *name)
{
    int k = snprintf(out, n, "%s/%s", dir, name);
    return (k < 0 || (size_t)k >= n) ? WB_TOOBIG : WB_OK;
}

/* hexify - 32 digest bytes to 64 hex chars + NUL */
static void hexify(const unsigned char *d, char out[65])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

/* fs_sha256_buf - hex SHA-256 of a memory block */
enum wb_status fs_sha256_buf(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_Digest(p, n, d, &dl, EVP_sha256(), NULL);
    hexify(d, out);
    return WB_OK;
}

/* fs_sha256_fd - hex SHA-256 of what fd reads from its offset to the end (65 bytes out); on a
 * read error errno is the read's */
enum wb_status fs_sha256_fd(int fd, char out[65])
{
    int rc = WB_OK;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return WB_NOMEM;
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    char chunk[65536];
    int err = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            rc = wb_errno_status(err);
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(ctx, chunk, (size_t)n);
    }
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_DigestFinal_ex(ctx, d, &dl);
    EVP_MD_CTX_free(ctx);
    if (rc == WB_OK)
        hexify(d, out);
    errno = err;
    return rc;
}

/* fs_sha256_file - hex SHA-256 of a file (65 bytes out) */
enum wb_status fs_sha256_file(const char *path, char out[65])
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return wb_errno_status(errno);
    int rc = fs_sha256_fd(fd, out);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}
