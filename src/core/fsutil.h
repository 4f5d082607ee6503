/*
 * fsutil.h - durable file operations: atomic writes, durable renames, safe names.
 *
 * Every file the program later trusts is written through afile: open a temp
 * name with O_CREAT|O_EXCL|O_NOFOLLOW 0600, write, fflush, fsync, close,
 * rename to the final name, fsync the directory. Any failure unlinks the temp.
 * No file the program writes or moves ever replaces another one: commits and
 * moves are renameat2(RENAME_NOREPLACE) (link + unlink where the file system
 * lacks it) and fail with WB_EXISTS when the name is taken; callers choose free
 * names (spool_unique_name). The one exception is afile_open_redo, for a name
 * only one step ever writes (derived from a ledger id): a redo of that step
 * after a crash replaces what its own first attempt left.
 * ENOSPC/EFBIG map to WB_NOSPACE. SHA-256 digests come from libcrypto,
 * loaded on the first digest. Never exits; never follows symlinks.
 */
#ifndef WB_FSUTIL_H
#define WB_FSUTIL_H

#include <stdio.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/wb.h"

#define FS_NAME_MAX 200

struct afile {
    int dirfd;
    FILE *fp;
    int failed;
    int redo; /* set by afile_open_redo */
    char name[FS_NAME_MAX + 1];
    char tmp[FS_NAME_MAX + 40];
};

/* the modes of what the program creates: files the operators' group reads, directories it
 * shares with the service (setgid, so files inside keep the group); the umask still applies to
 * files, not to directories (see fs_mkdirs) */
#define FS_FILE_MODE 0640
#define FS_DIR_MODE 02770

/* afile_open - start writing dir/name through a temp file (mode FS_FILE_MODE unless mode != 0) */
enum wb_status afile_open(struct afile *af, const char *dir, const char *name, mode_t mode);
/* afile_open_redo - the same for a name only one step writes (derived from a ledger id): a redo
 * of the step after a crash replaces what its first attempt left under that name */
enum wb_status afile_open_redo(struct afile *af, const char *dir, const char *name, mode_t mode);
/* afile_write - write n bytes (errors are remembered for commit) */
enum wb_status afile_write(struct afile *af, const void *p, size_t n);
/* afile_commit - flush, fsync, close, rename into place (never over an existing file: WB_EXISTS,
 * unless opened with afile_open_redo), fsync the directory */
enum wb_status afile_commit(struct afile *af);
/* afile_abort - unlink the temp and release everything */
void afile_abort(struct afile *af);
/* afile_temp_pid - the writer's pid if name is an afile temp (".NAME.PID.SEQ.tmp"), else 0 */
long afile_temp_pid(const char *name);

/* fs_write_file - write a whole file atomically */
enum wb_status fs_write_file(const char *dir, const char *name, const void *data, size_t len);
/* fs_move - durable rename from_dir/name -> to_dir/to_name (fsyncs both dirs); fails if target
 * exists */
enum wb_status fs_move(const char *from_dir, const char *name, const char *to_dir,
                       const char *to_name);
/* fs_fsync_dir - fsync a directory */
enum wb_status fs_fsync_dir(const char *dir);
/* fs_mkdirs - mkdir -p; each directory it creates gets exactly mode (umask and setgid
 * included), and created as root its parent's owner and group */
enum wb_status fs_mkdirs(const char *path, mode_t mode);
/* fs_read_file - read a whole regular file (no symlinks) into b, bounded by b->max; on failure
 * errno says why (EISDIR for a directory, 0 for another kind of file that is not regular) */
enum wb_status fs_read_file(const char *path, struct buf *b);
/* fs_private_ok - WB_OK if st (of what at path) belongs to this user, or to root when root_ok, and
 * gives group and others none of the mode bits in deny; else WB_CONFIG with a sentence naming
 * the fix in err. The one rule for files that hold secrets (deny 077) or decide where they go:
 * the config, its directory, ca_file (deny S_IWGRP|S_IWOTH: nobody else may change them) */
struct stat;
enum wb_status fs_private_ok(const struct stat *st, const char *what, const char *path, mode_t deny,
                             int root_ok, struct buf *err);
/* fs_name_ok - 1 if name is a safe single path component for the spool */
int fs_name_ok(const char *name);
/* fs_is_temp_name - 1 for names a writer is still working on (.x, *.tmp, *.part) */
int fs_is_temp_name(const char *name);
/* fs_join - dir + "/" + name into out (bounded); WB_TOOBIG if it does not fit */
enum wb_status fs_join(char *out, size_t n, const char *dir, const char *name);
/* fs_sha256_file - hex SHA-256 of a file (65 bytes out) */
enum wb_status fs_sha256_file(const char *path, char out[65]);
/* fs_sha256_fd - hex SHA-256 of what fd reads from its offset to the end; errno tells a read
 * error */
enum wb_status fs_sha256_fd(int fd, char out[65]);
/* fs_sha256_buf - hex SHA-256 of a memory block */
enum wb_status fs_sha256_buf(const void *p, size_t n, char out[65]);

#endif
