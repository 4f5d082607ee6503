/*
 * sftp_xfer.h - the SFTP pull and push jobs between the WMS and the spool.
 *
 *   pull: remote_dir/NAME --download to in/<flow>/.NAME.*.tmp, verify size,
 *         fsync, rename--> in/<flow>/NAME --ledger_remote_mark--> then the
 *         remote file is deleted or renamed into archive_dir
 *   push: out/<flow>/NAME --upload--> remote_dir/.NAME.part --verify size,
 *         rename (never over an existing file)--> remote_dir/NAME
 *         --spool_mark_sent--> sent/<flow>/NAME
 *
 * Owns the choice of which remote entries are complete and safe to take
 * (sftp_xfer_select) and the bounded in-job retries (3 attempts with
 * backoff) for transient errors. Error contract: WB_OK, or the status of the
 * first problem with one sentence in err: WB_TEMPFAIL (network, after the
 * retries), WB_NOSPACE (local disk full; nothing half-written is left),
 * WB_PERMFAIL/WB_EXISTS (needs an operator: refused key, remote name taken).
 * Never exits, never follows a remote symlink, never overwrites a remote
 * file, never deletes a remote file before its copy is durable in in/ and
 * recorded in the ledger.
 */
#ifndef WB_SFTP_XFER_H
#define WB_SFTP_XFER_H

#include "core/buf.h"
#include "core/conf.h"
#include "net/sftp.h"
#include "spool/ledger.h"
#include "spool/spool.h"

struct sftp_pull_stats {
    long listed;     /* entries in the final listing */
    long taken;      /* files downloaded into in/<flow>/ */
    long duplicates; /* already taken before: only cleaned up on the server */
    long waiting;    /* not complete yet (young, growing, no done marker) */
    long refused;    /* unsafe names, symlinks, non-regular files */
    long failed;     /* files that could not be taken this time */
    long long bytes;
};

struct sftp_push_stats {
    long sent;    /* files uploaded and renamed into place */
    long already; /* found complete on the server (earlier run), just marked sent */
    long failed;
    long long bytes;
};

enum sftp_verdict {
    SFTP_TAKE = 0,
    SFTP_SKIP,   /* not ours: ".", pattern mismatch, done marker itself */
    SFTP_WAIT,   /* not complete yet: temp name, young, changing, no marker */
    SFTP_REFUSE, /* unsafe: bad name, symlink, not a regular file (warned) */
};

/* sftp_xfer_select - verdict for one entry of the latest listing; *why says why not taken */
int sftp_xfer_select(const struct wb_remote *r, const struct sftp_entry *e,
                     const struct sftp_entry *prev, int have_marker, long long now,
                     const char **why);
/* sftp_pull - take complete files from remote_dir into in/<lane>/ (its flow and account) */
int sftp_pull(const struct wb_config *cfg, const struct wb_remote *r, struct spool *sp,
              struct ledger *lg, struct sftp_pull_stats *st, struct buf *err);
/* sftp_push - upload every complete file of out/<lane>/ (its flow and account) to remote_dir */
int sftp_push(const struct wb_config *cfg, const struct wb_remote *r, struct spool *sp,
              struct sftp_push_stats *st, struct buf *err);

#endif
