//! Issue 16, the console's Server page lists every node of the cluster: two real nodes on
//! one PostgreSQL (the kit's `start_node`), and the page on node A lists node B, both live,
//! from the heartbeats they record; a node whose heartbeat stopped is marked stale (on both
//! engines, with the manual clock).

use twofold_server::clock::Clock;
use twofold_server::store::nodes::{self, Node};
use twofold_testkit::browser::console::{Console, ConsoleAdmin};
use twofold_testkit::browser::{Chromedriver, Scheme, Viewport};
use twofold_testkit::{now, oathtool, Engine, ServerProcess};

use super::web_admin::signed_in;
use super::web_admin_cli::{add_ops, PASSWORD};
use super::web_browser::{check, sign_in};

on_each_engine!(
    a_node_whose_heartbeat_stopped_is_marked_stale,
    the_nodes_on_the_server_page_in_a_real_browser_are_accessible,
);

/// The text of the row of node `id` on the Server page, tags removed.
fn row_of(body: &str, id: &str) -> Option<String> {
    let start = body.find(&format!("<tr id=\"node-{id}\">"))?;
    let end = start + body[start..].find("</tr>")?;
    let mut text = String::new();
    let mut in_tag = false;
    for c in body[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_server_page_on_node_a_lists_node_b() {
    if twofold_testkit::engine::postgres_url().unwrap().is_none() {
        eprintln!("no TWOFOLD_TEST_POSTGRES_URL: two nodes need PostgreSQL, not tested");
        return;
    }
    let node_a = ServerProcess::start(Engine::Postgres).await.unwrap();
    let node_b = node_a.start_node("e2e-node-2").unwrap();
    let secret = add_ops(&node_a);
    let mut console = Console::new(&node_a.url).unwrap();
    let signed = console
        .sign_in("ops", PASSWORD, &oathtool(&secret, now()).unwrap())
        .await
        .unwrap();
    assert_eq!(signed.status, 303, "{}", signed.body);

    // Node B beats at start-up; give it a few heartbeats' time to come up.
    let mut page = console.get("/admin/server").await.unwrap();
    for _ in 0..100 {
        if row_of(&page.body, "e2e-node-2").is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        page = console.get("/admin/server").await.unwrap();
    }
    assert_eq!(page.status, 200, "{}", page.body);
    let b = row_of(&page.body, "e2e-node-2").unwrap_or_else(|| panic!("{}", page.body));
    assert!(b.contains(&node_b.url), "{b}");
    assert!(b.contains(env!("CARGO_PKG_VERSION")), "{b}");
    assert!(b.contains("s ago") && b.ends_with("live"), "{b}");
    assert!(!b.contains("(this node)"), "{b}");
    let a = row_of(&page.body, "e2e-node").unwrap_or_else(|| panic!("{}", page.body));
    assert!(a.contains("(this node)") && a.contains(&node_a.url), "{a}");
    assert!(a.ends_with("live"), "{a}");
}

/// A row for a node last seen a minute ago.
async fn gone_node(server: &twofold_testkit::InProcessServer) {
    let now = server.clock.now();
    let gone = Node {
        id: "node-gone".into(),
        address: "https://gone.example".into(),
        version: "0.0.9".into(),
        started_at: now - 3_600,
        last_seen_at: now - 60,
    };
    nodes::beat(server.state.store.pool(), &gone).await.unwrap();
    twofold_server::nodes::beat(&server.state, now)
        .await
        .unwrap();
}

async fn a_node_whose_heartbeat_stopped_is_marked_stale(engine: Engine) {
    let server = twofold_testkit::InProcessServer::listening(engine, |_| {})
        .await
        .unwrap();
    let now = server.clock.now();
    gone_node(&server).await;
    let (mut console, _) = signed_in(&server).await;
    let page = console.get("/admin/server").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let stale = row_of(&page.body, "node-gone").unwrap_or_else(|| panic!("{}", page.body));
    assert!(
        stale.contains("60 s ago") && stale.ends_with("stale"),
        "{stale}"
    );
    let this = row_of(&page.body, "test-node").unwrap_or_else(|| panic!("{}", page.body));
    assert!(this.contains("0 s ago") && this.ends_with("live"), "{this}");

    // Gone for a day: forgotten at the next heartbeat.
    server.clock.advance(86_400);
    twofold_server::nodes::beat(&server.state, now)
        .await
        .unwrap();
    let left: Vec<_> = nodes::all(server.state.store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(left, vec!["test-node".to_owned()]);
}

async fn the_nodes_on_the_server_page_in_a_real_browser_are_accessible(engine: Engine) {
    let server = twofold_testkit::InProcessServer::listening(engine, |_| {})
        .await
        .unwrap();
    gone_node(&server).await;
    let admin = ConsoleAdmin::add(&server, "root").await.unwrap();
    let driver = Chromedriver::start().unwrap();
    let mut found = Vec::new();
    for scheme in Scheme::ALL {
        for viewport in Viewport::ALL {
            let page = driver.page(viewport, scheme).await.unwrap();
            page.goto(&format!("{}/admin/signin", server.url))
                .await
                .unwrap();
            sign_in(&page, &server, &admin).await;
            page.goto(&format!("{}/admin/server", server.url))
                .await
                .unwrap();
            let table = page
                .client
                .find(fantoccini::Locator::Id("nodes"))
                .await
                .unwrap();
            let text = table.text().await.unwrap();
            assert!(
                text.contains("node-gone") && text.contains("stale"),
                "{text}"
            );
            check(&page, "server-nodes", &mut found).await;
            page.close().await.unwrap();
        }
    }
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}
