//! Two admins patching different fields of one user at the same time (issue 18): each patch
//! reads the row inside its own write transaction and holds it, so neither overwrites the
//! other's field with the value it read before. Before, the row was read outside the
//! transaction and written whole, and one of two overlapping patches was lost.

use futures_util::future::join_all;
use serde_json::{json, Value};
use twofold_testkit::{engines, InProcessServer};

/// Rounds of overlapping patches; a lost update needs only one bad interleaving.
const ROUNDS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_patches_of_different_fields_keep_both() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let server = &server;
        let (status, body) = server
            .as_admin(
                "POST",
                "/v1/admin/users",
                Some(json!({ "username": "carol" })),
            )
            .await
            .unwrap();
        assert_eq!(status.as_u16(), 201, "{body}");
        for round in 0..ROUNDS {
            let patches = [
                json!({ "first_name": format!("First {round}") }),
                json!({ "last_name": format!("Last {round}") }),
                json!({ "email": format!("carol{round}@example.org") }),
                json!({ "phone": format!("+4930123456{round:02}") }),
            ];
            let answers = join_all(patches.into_iter().map(|patch| async move {
                server
                    .as_admin("PATCH", "/v1/admin/users/carol", Some(patch))
                    .await
                    .unwrap()
            }))
            .await;
            for (status, body) in &answers {
                assert_eq!(status.as_u16(), 200, "{engine:?}: {body}");
            }
            let (_, user): (_, Value) = server
                .as_admin("GET", "/v1/admin/users/carol", None)
                .await
                .unwrap();
            let user = user.get("user").unwrap_or(&user);
            assert_eq!(
                (
                    &user["first_name"],
                    &user["last_name"],
                    &user["email"],
                    &user["phone"]
                ),
                (
                    &json!(format!("First {round}")),
                    &json!(format!("Last {round}")),
                    &json!(format!("carol{round}@example.org")),
                    &json!(format!("+4930123456{round:02}"))
                ),
                "{engine:?}, round {round}: a patch was lost"
            );
        }
    }
}
