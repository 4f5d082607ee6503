/*
 * spool.h - the spool: one directory per state, a state change is one rename.
 *
 *   (WMS/SFTP) --write tmp+rename--> in/<flow>/NAME
 *   in/<flow>/NAME   --spool_claim-->    work/<flow>/NAME[.N]  (only complete files)
 *   work/<flow>/NAME --spool_finish-->   done/<date>/<flow>/NAME
 *   work/<flow>/NAME --spool_reject-->   reject/<flow>/NAME (+ NAME.reason)
 *   work/<flow>/NAME --spool_unclaim-->  in/<flow>/NAME      (recovery, transport errors)
 *   reject/<flow>/NAME --spool_requeue--> in/<flow>/NAME
 *   any --spool_hold--> hold/NAME ; our unreadable files --spool_corrupt--> corrupt/NAME
 *   out/<flow>/NAME --spool_mark_sent--> sent/<flow>/NAME
 *   .NAME.PID.SEQ.tmp of a dead writer --spool_sweep_temps--> (removed, at start-up; in in/
 *                                                  only when that pid no longer runs)
 *
 * <flow> is a lane: "FLOW" for the default seller account, "ACCOUNT/FLOW" for a named one
 * (in/ACCOUNT/FLOW/NAME, done/<date>/ACCOUNT/FLOW/NAME ...; flows/flow.h flow_lane): one subtree
 * per seller, and a flow directory holds only files.
 *
 * Every transition is a durable rename (fs_move: rename + fsync of both
 * directories) that never replaces an existing file: a state dir that already
 * holds the name gets the file under a free one (spool_unique_name), so no
 * file ever blocks or replaces another of the same name. Names from outside are
 * checked with fs_name_ok and never contain '/'. Returns WB_* codes; never exits.
 */
#ifndef WB_SPOOL_H
#define WB_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "core/fsutil.h"
#include "core/wb.h"

/* longest name the spool gives a file: room for its ".reason" within FS_NAME_MAX */
#define SPOOL_NAME_MAX (FS_NAME_MAX - 7)

enum spool_state {
    SP_IN,
    SP_WORK,
    SP_FEEDS,
    SP_REPORTS,
    SP_OUT,
    SP_SENT,
    SP_DONE,
    SP_REJECT,
    SP_HOLD,
    SP_CORRUPT,
    SP_NSTATES
};

struct spool {
    char *root;
};

struct spool_entry {
    char name[256];
    long long size;
    time_t mtime;
    long mtime_ns; /* nanoseconds of mtime: files of one second keep their arrival order */
    time_t ctime;  /* inode change time: a writer cannot set it */
};

/* spool_state_name - directory name of a state ("in", "work", ...) */
const char *spool_state_name(enum spool_state st);
/* spool_attach - remember the root and create nothing (commands that only read); moves
 * still create their target directory */
int spool_attach(struct spool *s, const char *root);
/* spool_open - remember the root and create the state directories */
enum wb_status spool_open(struct spool *s, const char *root);
/* spool_close - release */
void spool_close(struct spool *s);
/* spool_dir - path of a state dir of a lane (flow: "FLOW" or "ACCOUNT/FLOW", may be NULL);
 * WB_BADARG for anything else */
enum wb_status spool_dir(const struct spool *s, enum spool_state st, const char *flow, char *out,
                         size_t n);
/* spool_ensure_flow - create in/ work/ out/ sent/ reject/ hold/ for a lane */
enum wb_status spool_ensure_flow(const struct spool *s, const char *flow);
/* spool_list - regular files of a state dir, sorted by mtime then name (skips temp names) */
enum wb_status spool_list(const struct spool *s, enum spool_state st, const char *flow,
                          struct spool_entry **out, size_t *n);
/* spool_ready - 1 if an in/ entry is complete: not a temp name, its mtime settle seconds old;
 * a file whose mtime lies in the future settles by its change time instead (ctime) */
int spool_ready(const struct spool_entry *e, long settle_seconds, time_t now);
/* spool_claim - in/<flow>/name -> work/<flow>/<free name> (name, or name.N while an earlier
 * file of that name is still in work/); the name it got goes to claimed */
enum wb_status spool_claim(const struct spool *s, const char *flow, const char *name, char *claimed,
                           size_t n);
/* spool_unclaim - work/<flow>/name -> in/<flow>/<free name> */
enum wb_status spool_unclaim(const struct spool *s, const char *flow, const char *name);
/* spool_finish - work/<flow>/name -> done/<today>/<flow>/name (adds a suffix if taken) */
enum wb_status spool_finish(const struct spool *s, const char *flow, const char *name);
/* spool_reject_file - work/<flow>/name -> reject/<flow>/name with a .reason file */
enum wb_status spool_reject_file(const struct spool *s, const char *flow, const char *name,
                                 const char *code, const char *reason);
/* spool_odd_cb - an entry of in/<flow>/ that is not a safely named regular file: the name
 * as found (raw bytes), and the name it was given in reject/ (NULL when it was left alone:
 * no regular file, a stale temp name (status WB_AGAIN), or status says why the move failed) */
typedef void (*spool_odd_cb)(void *arg, const char *name, const char *moved_to, int status);

/* spool_sweep_odd - in/<flow>/: a regular file whose name cannot be handled safely (leading
 * '-', control characters, backslash, too long) and unchanged for settle_seconds is renamed to
 * reject/<flow>/unsafe-name-<inode>.csv (or a free variant: hard links share the inode) with a
 * .reason (E_FILE_NAME), so it is seen and can be requeued; a move that fails is reported and
 * the sweep goes on; an entry that is no regular file (symlink, fifo, socket, device, directory) is
 * never opened, followed or moved, only reported. Temp names (leading '.', .tmp, .part ...) are
 * left to their writer, and reported once unchanged for SPOOL_STALE_TEMP_SECONDS (a writer that
 * died, or a name like "..csv" that is never taken in). */
#define SPOOL_STALE_TEMP_SECONDS 3600
enum wb_status spool_sweep_odd(const struct spool *s, const char *flow, long settle_seconds,
                               time_t now, spool_odd_cb cb, void *arg);
/* spool_write_reason - write reject/<flow>/<name>.reason */
enum wb_status spool_write_reason(const struct spool *s, const char *flow, const char *name,
                                  const char *code, const char *reason);
/* spool_read_reason - the code and reason lines of <st>/<flow>/<name>.reason (reject/, or hold/
 * where a held reject keeps it; bounded copies, "" when absent); WB_NOTFOUND without one */
enum wb_status spool_read_reason(const struct spool *s, enum spool_state st, const char *flow,
                                 const char *name, char *code, size_t cn, char *reason, size_t rn);
/* spool_drop - remove <from>/<flow>/name (and a reject's .reason) for good (an operator's drop,
 * recorded by the caller); WB_NOTFOUND when it is not there */
enum wb_status spool_drop(const struct spool *s, enum spool_state from, const char *flow,
                          const char *name);
/* spool_requeue - reject/<flow>/name (or hold/name) -> in/<flow>/name, dropping its .reason */
enum wb_status spool_requeue(const struct spool *s, const char *flow, const char *name);
/* spool_hold - in|reject/<flow>/name -> hold/<flow>/name */
enum wb_status spool_hold(const struct spool *s, enum spool_state from, const char *flow,
                          const char *name);
/* spool_corrupt - move one of our own unreadable files to corrupt/ */
enum wb_status spool_corrupt(const struct spool *s, enum spool_state from, const char *flow,
                             const char *name);
/* spool_mark_sent - out/<flow>/name -> sent/<flow>/name */
enum wb_status spool_mark_sent(const struct spool *s, const char *flow, const char *name);
/* spool_sweep_temps - remove temp files a killed writer of ours left (caller holds the lock) */
enum wb_status spool_sweep_temps(const struct spool *s, long *removed);
/* spool_derive_name - name (without its last extension when drop_ext) + suffix; when that is
 * longer than SPOOL_NAME_MAX bytes, the part before the extension is cut (never inside a UTF-8
 * sequence), so every name the spool derives fits with its ".reason" */
enum wb_status spool_derive_name(const char *name, int drop_ext, const char *suffix, char *out,
                                 size_t n);
/* spool_unique_name - a name free in dir, with its NAME.reason free too: base, base.1, base.2
 * ..., each cut by spool_derive_name to fit SPOOL_NAME_MAX */
enum wb_status spool_unique_name(const char *dir, const char *base, char *out, size_t n);

#endif
