//! The writer thread with its group commit, and the checkpoint thread, as the `sqlite` module's
//! documentation describes them.
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

use phonelogin_core::store::{StoreError, StoreResult};
use rusqlite::{Connection, Params};
use tokio::sync::oneshot;

use super::{SqliteStore, exec, is_busy};

/// The most jobs one transaction takes from the queue.
const BATCH: usize = 256;
/// How often the checkpoint thread copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// Every how many checkpoints the WAL starts over (see [`checkpoint_loop`]).
const RESTART_EVERY: u32 = 4;

impl SqliteStore {
    /// Runs `job` on the writer inside a transaction; the answer comes once that transaction
    /// committed. An `Err` from the job rolls back what the job wrote (and only that).
    pub(super) async fn write<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (answer, answered) = oneshot::channel();
        let job = Pending { job: Some(job), result: None, answer };
        self.jobs.send(Box::new(job)).map_err(|_| writer_stopped())?;
        answered.await.map_err(|_| writer_stopped())?
    }

    /// Runs one statement on the writer (see [`write`](Self::write)); the number of rows it
    /// changed.
    pub(super) async fn execute(&self, sql: &'static str, params: impl Params + Send + 'static) -> StoreResult<usize> {
        self.write(move |c| exec(c, sql, params)).await
    }
}

fn writer_stopped() -> StoreError {
    StoreError("the SQLite writer thread has stopped".into())
}

/// A queued write: run inside the batch's transaction, answered after its commit.
pub(super) trait Job: Send {
    /// Runs the job; true when it succeeded (its savepoint is kept).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller: the job's result when the batch committed, else the commit's error.
    fn answer(self: Box<Self>, committed: StoreResult<()>);
}

struct Pending<F, T> {
    job: Option<F>,
    result: Option<StoreResult<T>>,
    answer: oneshot::Sender<StoreResult<T>>,
}

impl<F, T> Job for Pending<F, T>
where
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
    T: Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(job) = self.job.take() else { return false };
        let result = job(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, committed: StoreResult<()>) {
        let Self { result, answer, .. } = *self;
        let result = committed.and_then(|()| {
            // No result: the job panicked (or never ran).
            result.unwrap_or_else(|| Err(StoreError("the write failed inside the SQLite writer".into())))
        });
        // The caller may have gone (a dropped request): nothing to tell then.
        let _ = answer.send(result);
    }
}

/// The writer thread: one batch after the other until the store is dropped.
pub(super) fn write_loop(conn: &Connection, queue: &mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let committed = run_batch(conn, &mut batch);
        if let Err(e) = &committed {
            tracing::error!(jobs = batch.len(), "SQLite write batch failed: {}", e.0);
        }
        for job in batch {
            job.answer(committed.clone());
        }
    }
}

/// The checkpoint thread, until the store is dropped: every [`CHECKPOINT_EVERY`] a PASSIVE
/// checkpoint (it waits for nobody and nobody waits for it: the bulk of the copying and the
/// syncs), and every [`RESTART_EVERY`] of those a RESTART, which copies the little written since
/// and makes the writer start the WAL over (under steady writes a PASSIVE checkpoint never
/// catches up with the writer, and the WAL would grow without end). The writer waits only for
/// that short RESTART.
pub(super) fn checkpoint_loop(conn: &Connection, stop: &mpsc::Receiver<()>) {
    let mut round = 0u32;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        round = round.wrapping_add(1);
        let mut done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        if round.is_multiple_of(RESTART_EVERY) {
            done = done.and_then(|()| conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())));
        }
        if let Err(e) = done.or_else(|e| if is_busy(&e) { Ok(()) } else { Err(e) }) {
            tracing::warn!("SQLite checkpoint failed: {e}");
        }
    }
}

/// Runs a batch in one transaction, each job in its own savepoint; `Ok` once it committed.
fn run_batch(conn: &Connection, batch: &mut [Box<dyn Job>]) -> StoreResult<()> {
    exec(conn, "BEGIN IMMEDIATE", [])?;
    let ran = batch.iter_mut().try_for_each(|job| run_job(conn, job.as_mut()));
    match ran.and_then(|()| exec(conn, "COMMIT", [])) {
        Ok(_) => Ok(()),
        Err(e) => {
            if !conn.is_autocommit() {
                // Best effort: if even this fails, the next BEGIN reports the trouble.
                let _ = exec(conn, "ROLLBACK", []);
            }
            Err(e)
        }
    }
}

/// Runs one job in a savepoint, released when the job succeeded, rolled back when it failed or
/// panicked. `Err` when the transaction itself is gone (SQLite rolls back the whole transaction
/// on some errors, e.g. a full disk): then the batch fails.
fn run_job(conn: &Connection, job: &mut dyn Job) -> StoreResult<()> {
    exec(conn, "SAVEPOINT job", [])?;
    let ok = catch_unwind(AssertUnwindSafe(|| job.run(conn))).unwrap_or_else(|_| {
        tracing::error!("a SQLite write panicked; its changes are rolled back");
        false
    });
    if conn.is_autocommit() {
        return Err(StoreError("SQLite rolled back the write transaction".into()));
    }
    if !ok {
        exec(conn, "ROLLBACK TO job", [])?;
    }
    exec(conn, "RELEASE job", []).map(drop)
}

#[cfg(test)]
mod tests {
    //! The writer's batches, seen from inside: jobs queued while the writer is busy share the
    //! next transaction, each in its savepoint, and hear back only once it committed.
    use std::pin::Pin;
    use std::sync::mpsc as std_mpsc;

    use futures::FutureExt;

    use super::*;
    use crate::err;
    use crate::sqlite::one;

    type Write<'a> = Pin<Box<dyn Future<Output = StoreResult<()>> + 'a>>;

    async fn open() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&format!("sqlite://{}/store.db", dir.path().display())).await.unwrap();
        (dir, store)
    }

    fn insert(c: &Connection, jti: &str) -> StoreResult<()> {
        exec(c, "INSERT INTO used_jtis (client_id, jti, expires_at) VALUES ('c', ?1, 0)", [jti]).map(drop)
    }

    fn stored(store: &SqliteStore, jti: &str) -> bool {
        store.read(|c| one(c, "SELECT jti FROM used_jtis WHERE jti = ?1", [jti], |_| Ok(()))).unwrap().is_some()
    }

    /// Runs `writes` as one batch: a first job holds the writer until all of them are queued.
    async fn one_batch<'a>(store: &'a SqliteStore, writes: Vec<Write<'a>>) -> Vec<StoreResult<()>> {
        let (started, has_started) = std_mpsc::channel();
        let (release, released) = std_mpsc::channel::<()>();
        let mut holding = Box::pin(store.write(move |_| {
            started.send(()).map_err(err)?;
            released.recv().map_err(err)
        }));
        assert!((&mut holding).now_or_never().is_none(), "the holding job is queued");
        has_started.recv().unwrap();
        let mut writes = writes;
        for write in &mut writes {
            assert!(write.as_mut().now_or_never().is_none(), "queued behind the holding job");
        }
        release.send(()).unwrap();
        holding.await.unwrap();
        futures::future::join_all(writes).await
    }

    #[tokio::test]
    async fn a_failing_or_panicking_job_rolls_back_only_itself_and_answers_come_after_the_commit() {
        let (dir, store) = open().await;
        let path = dir.path().join("store.db");
        let outcomes = one_batch(
            &store,
            vec![
                Box::pin(store.write(|c| insert(c, "first"))),
                Box::pin(store.write(|c| {
                    insert(c, "failed")?;
                    Err(StoreError("refused".into()))
                })),
                Box::pin(store.write(|c| {
                    insert(c, "panicked")?;
                    panic!("a bug inside a write job")
                })),
                Box::pin(store.write(move |c| {
                    insert(c, "last")?;
                    // In the batch's open transaction: "first" is written, and no other
                    // connection sees it yet.
                    let outside = Connection::open(&path).map_err(err)?;
                    let seen =
                        |conn: &Connection| one(conn, "SELECT 1 FROM used_jtis WHERE jti = 'first'", [], |_| Ok(()));
                    assert!(seen(c)?.is_some() && seen(&outside)?.is_none(), "one uncommitted transaction");
                    Ok(())
                })),
            ],
        )
        .await;
        assert!(outcomes[0].is_ok() && outcomes[3].is_ok(), "{outcomes:?}");
        assert_eq!(outcomes[1].as_ref().unwrap_err().0, "refused");
        assert!(outcomes[2].is_err(), "the panic is an error to its caller");
        assert!(stored(&store, "first") && stored(&store, "last"));
        assert!(!stored(&store, "failed") && !stored(&store, "panicked"));
        store.write(|c| insert(c, "after")).await.expect("the writer goes on after a panic");
    }

    #[tokio::test]
    async fn a_failed_commit_fails_every_job_of_its_batch() {
        let (_dir, store) = open().await;
        let outcomes = one_batch(
            &store,
            vec![
                Box::pin(store.write(|c| insert(c, "neighbour"))),
                // A foreign key checked at COMMIT only: this job succeeds, the COMMIT fails.
                Box::pin(store.write(|c| {
                    exec(c, "PRAGMA defer_foreign_keys = ON", [])?;
                    exec(c, "INSERT INTO user_codes (user_id, code_hash) VALUES ('nobody', 'h')", []).map(drop)
                })),
            ],
        )
        .await;
        for outcome in &outcomes {
            assert!(outcome.as_ref().unwrap_err().0.contains("FOREIGN KEY"), "{outcome:?}");
        }
        assert!(!stored(&store, "neighbour"), "nothing of the batch was committed");
        store.write(|c| insert(c, "after")).await.expect("the next batch commits");
        assert!(stored(&store, "after"));
    }

    #[tokio::test]
    async fn a_stopped_writer_is_an_error_not_a_hang() {
        let (_dir, mut store) = open().await;
        let (jobs, queue) = mpsc::channel();
        drop(queue);
        store.jobs = jobs;
        let e = store.write(|c| insert(c, "lost")).await.unwrap_err();
        assert_eq!(e.0, writer_stopped().0);
    }
}
