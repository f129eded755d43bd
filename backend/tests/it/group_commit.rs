//! The store's write path (issue 17): `Store::write` answers after its work committed, a
//! job that fails leaves none of its writes while the other jobs of its batch keep theirs,
//! and on SQLite, where one task commits many requests' work at once, the jobs run one after
//! the other (a read-modify-write loses no update).

use futures_util::future::join_all;
use twofold_server::error::Error;
use twofold_server::store::state;
use twofold_testkit::{engines, Engine, InProcessServer};

#[tokio::test]
async fn a_failed_job_leaves_nothing_and_the_others_of_its_batch_commit() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let store = server.state.store.clone();
        let jobs = (0..64).map(|i| {
            let store = store.clone();
            async move {
                store
                    .write(move |conn| {
                        Box::pin(async move {
                            state::set(&mut *conn, &format!("gc-{i}"), "written").await?;
                            if i % 4 == 0 {
                                return Err(Error::Internal(format!("job {i} refused")));
                            }
                            Ok(i)
                        })
                    })
                    .await
            }
        });
        let answers = join_all(jobs).await;
        for (i, answer) in answers.into_iter().enumerate() {
            let stored = state::get(store.pool(), &format!("gc-{i}")).await.unwrap();
            if i % 4 == 0 {
                assert!(
                    matches!(&answer, Err(Error::Internal(m)) if m == &format!("job {i} refused")),
                    "{engine}: job {i}: {answer:?}"
                );
                assert_eq!(
                    stored, None,
                    "{engine}: job {i} failed but its write stayed"
                );
            } else {
                assert_eq!(answer.ok(), Some(i), "{engine}: job {i}");
                assert_eq!(stored.as_deref(), Some("written"), "{engine}: job {i}");
            }
        }
    }
}

#[tokio::test]
async fn sqlite_jobs_run_one_after_the_other_and_lose_no_update() {
    let server = InProcessServer::start(Engine::Sqlite, |_| {})
        .await
        .unwrap();
    let store = server.state.store.clone();
    let jobs = (0..100).map(|_| {
        let store = store.clone();
        async move {
            store
                .write(|conn| {
                    Box::pin(async move {
                        // Read, then write what was read plus one: two jobs interleaved
                        // would both read the same value and one increment would be lost.
                        let seen = state::get(&mut *conn, "gc-counter").await?;
                        let next = seen.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + 1;
                        state::set(&mut *conn, "gc-counter", &next.to_string()).await?;
                        Ok(next)
                    })
                })
                .await
        }
    });
    let mut seen: Vec<u64> = join_all(jobs)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (1..=100).collect::<Vec<u64>>());
    let stored = state::get(store.pool(), "gc-counter").await.unwrap();
    assert_eq!(stored.as_deref(), Some("100"));
}
