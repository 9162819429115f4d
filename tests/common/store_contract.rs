//! The store contract: one suite every [`Store`] backend must pass, natively (memory, file) and in
//! headless Chromium (IndexedDB). Include it with
//! `#[path = "common/store_contract.rs"] mod store_contract;` and call
//! [`run_contract`] with an async factory that returns a fresh, empty store each call; clones of
//! a store must share its records (two handles = two tabs).
//!
//! Each check asserts values someone could get wrong; a failing check panics with its name.
#![allow(dead_code)]

use mlops_loop::registry::{
    model_hash, Actor, Batch, Cause, Change, Evidence, Lineage, Metric, NewVersion, Registry,
    Stage, Store, StoreError,
};
use mlops_loop::Error;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

/// The names of the checks, in the order [`run_contract`] runs them.
pub const CHECKS: &[&str] = &[
    "round_trip",
    "absent_keys",
    "prefix_listing",
    "atomic_batch",
    "precondition_conflict",
    "two_handles_cannot_lose_an_update",
    "chapter_scenario",
    "aliases",
    "production_at",
    "two_registries_interleaved",
    "corrupt_records",
    "faults_leave_state_unchanged",
    "import_validation",
    "migration_from_schema_1",
];

/// Run every check on a fresh store from `make`; returns the names of the checks that ran to
/// the end, in order (a check that fails panics). Callers compare it with [`CHECKS`], so a check
/// listed but not run (or run but not listed) fails the contract.
pub async fn run_contract<S, F, Fut>(make: F) -> Vec<&'static str>
where
    S: Store + Clone + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let mut ran = Vec::with_capacity(CHECKS.len());
    macro_rules! check {
        ($($name:ident),* $(,)?) => {$(
            $name(make().await).await;
            ran.push(stringify!($name));
        )*};
    }
    check!(
        round_trip,
        absent_keys,
        prefix_listing,
        atomic_batch,
        precondition_conflict,
        two_handles_cannot_lose_an_update,
        chapter_scenario,
        aliases,
        production_at,
        two_registries_interleaved,
        corrupt_records,
        faults_leave_state_unchanged,
        import_validation,
        migration_from_schema_1,
    );
    ran
}

// ---------------------------------------------------------------- helpers

/// A store wrapper whose next commit fails with a chosen error (a quota, an abort) before
/// reaching the backend: what a registry sees when IndexedDB refuses a transaction.
#[derive(Clone)]
pub struct Faulty<S> {
    /// The real store.
    pub inner: S,
    next: std::rc::Rc<RefCell<Option<StoreError>>>,
}

impl<S> Faulty<S> {
    /// Wrap `inner` with no fault armed.
    pub fn new(inner: S) -> Self {
        Faulty {
            inner,
            next: Default::default(),
        }
    }
    /// Make the next commit fail with `e`.
    pub fn arm(&self, e: StoreError) {
        *self.next.borrow_mut() = Some(e);
    }
}

impl<S: Store> Store for Faulty<S> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key).await
    }
    async fn keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.inner.keys(prefix).await
    }
    async fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let fault = self.next.borrow_mut().take();
        match fault {
            Some(e) => Err(e),
            None => self.inner.commit(batch).await,
        }
    }
}

type Rival = Pin<Box<dyn Future<Output = ()>>>;

/// A store wrapper that lets a rival (another tab) run just before its next commit: the
/// registry above has read `meta` and computed its batch, then the rival commits first.
pub struct Racing<S> {
    /// The real store, shared with the rival.
    pub inner: S,
    rival: RefCell<Option<Rival>>,
}

impl<S> Racing<S> {
    /// Wrap `inner`; the rival runs before the next commit.
    pub fn new(inner: S, rival: Rival) -> Self {
        Racing {
            inner,
            rival: RefCell::new(Some(rival)),
        }
    }
}

impl<S: Store> Store for Racing<S> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key).await
    }
    async fn keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.inner.keys(prefix).await
    }
    async fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let rival = self.rival.borrow_mut().take();
        if let Some(r) = rival {
            r.await;
        }
        self.inner.commit(batch).await
    }
}

/// A small model the loader accepts (one tree: a root split on feature 0 at 0.5, leaves 0.5 and
/// -0.25), whose JSON depends on `label` and `seed` (so hashes differ): `random_state` is a hash
/// of the label, `init_raw` the seed.
pub fn sample_model_json(label: &str, seed: u64) -> String {
    let fnv = label.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let hex = |v: f64| format!("0x{:016x}", v.to_bits());
    let lr = hex(0.1);
    format!(
        concat!(
            r#"{{"format":"mlops-loop/gbm","format_version":1,"n_features":3,"classes":[0,1],"#,
            r#""params":{{"n_estimators":1,"learning_rate":"{lr}","max_depth":3,"#,
            r#""min_samples_split":2,"min_samples_leaf":1,"random_state":{rs}}},"#,
            r#""learning_rate":"{lr}","init_raw":"{init}","trees":[{{"children_left":[1,-1,-1],"#,
            r#""children_right":[2,-1,-1],"feature":[0,-2,-2],"threshold":["{half}","{m2}","{m2}"],"#,
            r#""value":["{zero}","{half}","{quarter}"]}}]}}"#
        ),
        lr = lr,
        rs = fnv,
        init = hex(seed as f64),
        half = hex(0.5),
        m2 = hex(-2.0),
        zero = hex(0.0),
        quarter = hex(-0.25),
    )
}

/// A small model version whose model JSON depends on `label` (so hashes differ).
pub fn sample(label: &str, seed: u64, auc: f64) -> NewVersion {
    let model_json = sample_model_json(label, seed);
    NewVersion {
        label: label.to_string(),
        model_hash: model_hash(&model_json),
        model_json,
        lineage: Lineage {
            data_fingerprint: format!("fp{seed:010}"),
            seed: seed.to_string(),
            drift: "10.0".to_string(),
            rows: 20_000,
            params: serde_json::json!({"n_estimators": 100, "max_depth": 3, "learning_rate": 0.1}),
            code_version: "0.1.0".to_string(),
            build_id: "0.1.0+test".to_string(),
        },
        metrics: vec![Metric {
            name: "auc".to_string(),
            value: auc,
            dataset: format!("holdout of fp{seed:010}"),
        }],
    }
}

fn user(reason: &str, t: f64) -> Cause {
    Cause::new(Actor::User, reason, t)
}

fn is_conflict(e: &Error) -> bool {
    matches!(e, Error::Store(StoreError::Conflict(_)))
}

async fn all<S: Store>(s: &S) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    for k in s.keys("").await.expect("keys") {
        let v = s.get(&k).await.expect("get");
        out.push((k, v));
    }
    out
}

// ---------------------------------------------------------------- byte-level checks

async fn round_trip<S: Store>(s: S) {
    let bytes: Vec<u8> = (0..=255u8).collect();
    s.commit(
        Batch::new()
            .put("a", bytes.clone())
            .put("b", b"{\"x\":1}".to_vec()),
    )
    .await
    .expect("round_trip: commit");
    assert_eq!(
        s.get("a").await.expect("get"),
        Some(bytes),
        "round_trip: binary value"
    );
    assert_eq!(s.get("b").await.expect("get"), Some(b"{\"x\":1}".to_vec()));
    s.commit(Batch::new().put("a", b"second".to_vec()))
        .await
        .expect("round_trip: overwrite");
    assert_eq!(s.get("a").await.expect("get"), Some(b"second".to_vec()));
    s.commit(Batch::new().put("e", Vec::new()))
        .await
        .expect("empty value");
    assert_eq!(
        s.get("e").await.expect("get"),
        Some(Vec::new()),
        "round_trip: empty value is not absent"
    );
    s.commit(Batch::new().delete("a")).await.expect("delete");
    assert_eq!(s.get("a").await.expect("get"), None, "round_trip: deleted");
}

async fn absent_keys<S: Store>(s: S) {
    assert_eq!(s.get("nothing").await.expect("get"), None);
    assert!(
        s.keys("").await.expect("keys").is_empty(),
        "absent_keys: new store is empty"
    );
    assert!(s.keys("p/").await.expect("keys").is_empty());
    s.commit(Batch::new().delete("nothing"))
        .await
        .expect("absent_keys: deleting an absent key is not an error");
}

async fn prefix_listing<S: Store>(s: S) {
    s.commit(
        Batch::new()
            .put("history/00000002", b"2".to_vec())
            .put("history/00000010", b"10".to_vec())
            .put("history/00000001", b"1".to_vec())
            .put("historyX", b"x".to_vec())
            .put("meta", b"m".to_vec())
            .put("version/00000001", b"v".to_vec()),
    )
    .await
    .expect("prefix_listing: commit");
    assert_eq!(
        s.keys("history/").await.expect("keys"),
        vec!["history/00000001", "history/00000002", "history/00000010"],
        "prefix_listing: sorted, prefix-only"
    );
    assert_eq!(s.keys("").await.expect("keys").len(), 6);
    assert_eq!(
        s.keys("version/").await.expect("keys"),
        vec!["version/00000001"]
    );
    assert!(s.keys("zzz").await.expect("keys").is_empty());
    let scanned = s.scan("history/").await.expect("scan");
    assert_eq!(
        scanned,
        vec![
            ("history/00000001".to_string(), b"1".to_vec()),
            ("history/00000002".to_string(), b"2".to_vec()),
            ("history/00000010".to_string(), b"10".to_vec()),
        ],
        "prefix_listing: scan gives keys and values, sorted"
    );
    assert!(s.scan("nothing/").await.expect("scan").is_empty());
}

async fn atomic_batch<S: Store>(s: S) {
    let mut b = Batch::new();
    for i in 0..50u8 {
        b = b.put(format!("r/{i:02}"), vec![i; 7]);
    }
    b = b.put("r/00", b"later write wins".to_vec()).delete("r/49");
    s.commit(b).await.expect("atomic_batch: commit");
    let keys = s.keys("r/").await.expect("keys");
    assert_eq!(
        keys.len(),
        49,
        "atomic_batch: 50 puts, one deleted later in the batch"
    );
    assert_eq!(
        s.get("r/00").await.expect("get"),
        Some(b"later write wins".to_vec())
    );
    assert_eq!(s.get("r/48").await.expect("get"), Some(vec![48; 7]));
}

async fn precondition_conflict<S: Store>(s: S) {
    s.commit(
        Batch::new()
            .expect("meta", None)
            .put("meta", b"1".to_vec())
            .put("x", b"a".to_vec()),
    )
    .await
    .expect("precondition: absent as expected");
    let e = s
        .commit(Batch::new().expect("meta", None).put("x", b"b".to_vec()))
        .await
        .expect_err("precondition: meta exists now");
    assert!(matches!(e, StoreError::Conflict(_)), "precondition: {e:?}");
    let e = s
        .commit(
            Batch::new()
                .expect("meta", Some(b"0".to_vec()))
                .put("x", b"c".to_vec())
                .put("y", b"c".to_vec()),
        )
        .await
        .expect_err("precondition: wrong bytes");
    assert!(matches!(e, StoreError::Conflict(_)), "precondition: {e:?}");
    assert_eq!(
        s.get("x").await.expect("get"),
        Some(b"a".to_vec()),
        "precondition: nothing written"
    );
    assert_eq!(
        s.get("y").await.expect("get"),
        None,
        "precondition: nothing written"
    );
    s.commit(
        Batch::new()
            .expect("meta", Some(b"1".to_vec()))
            .put("meta", b"2".to_vec()),
    )
    .await
    .expect("precondition: right bytes");
    assert_eq!(s.get("meta").await.expect("get"), Some(b"2".to_vec()));
}

async fn two_handles_cannot_lose_an_update<S: Store + Clone>(a: S) {
    let b = a.clone();
    a.commit(Batch::new().put("meta", b"r0".to_vec()))
        .await
        .expect("seed");
    let seen_a = a.get("meta").await.expect("get");
    let seen_b = b.get("meta").await.expect("get");
    a.commit(
        Batch::new()
            .expect("meta", seen_a)
            .put("meta", b"r1".to_vec())
            .put("from", b"a".to_vec()),
    )
    .await
    .expect("first writer wins");
    let e = b
        .commit(
            Batch::new()
                .expect("meta", seen_b)
                .put("meta", b"r1".to_vec())
                .put("from", b"b".to_vec()),
        )
        .await
        .expect_err("second writer must not overwrite");
    assert!(matches!(e, StoreError::Conflict(_)));
    assert_eq!(
        b.get("from").await.expect("get"),
        Some(b"a".to_vec()),
        "two handles: b sees a's write"
    );
}

// ---------------------------------------------------------------- registry checks

async fn chapter_scenario<S: Store>(s: S) {
    let reg = Registry::open(s).await.expect("open");
    let v1 = reg
        .register(
            &sample("1.0.0", 42, 0.7105),
            &Cause::new(Actor::Orchestrator, "week 0 model", 1000.0),
        )
        .await
        .expect("register 1.0.0");
    assert_eq!(v1, 1);
    reg.promote(1, &Cause::new(Actor::User, "first model", 1001.0))
        .await
        .expect("promote 1");
    let v2 = reg
        .register(
            &sample("1.1.0", 43, 0.706),
            &Cause::new(Actor::RetrainGate, "drift", 2000.0),
        )
        .await
        .expect("register 1.1.0");
    assert_eq!(v2, 2);
    let evidence = Evidence {
        ks_p: Some(1.2e-19),
        ks_d: Some(0.0871),
        auc_current: Some(0.703),
        auc_candidate: Some(0.706),
        margin: Some(0.002),
        dataset: Some("week 6 labelled".to_string()),
        note: None,
    };
    let ev = reg
        .promote(
            2,
            &Cause::new(
                Actor::PromotionGate,
                "candidate beats production by the margin",
                2001.0,
            )
            .with_evidence(evidence.clone()),
        )
        .await
        .expect("promote 2");
    assert_eq!(
        ev.change,
        Change::Promote {
            version: 2,
            from: Stage::None,
            replaced: Some(1)
        }
    );
    let st = reg.state().await.expect("state");
    assert_eq!(
        st.stage(1),
        Stage::Archived,
        "the old production is archived in the same batch"
    );
    assert_eq!(st.stage(2), Stage::Production);
    assert_eq!(reg.production().await.expect("prod"), Some(2));
    let rb = reg
        .rollback(&Cause::new(Actor::Canary, "canary error rate", 3000.0))
        .await
        .expect("rollback");
    assert_eq!(
        rb.change,
        Change::Rollback {
            from: Some(2),
            to: 1,
            to_was: Stage::Archived
        }
    );
    let st = reg.state().await.expect("state");
    assert_eq!(
        (st.stage(1), st.stage(2)),
        (Stage::Production, Stage::Archived)
    );
    let h = reg.history().await.expect("history");
    assert_eq!(h.len(), 5);
    assert_eq!(
        h[3].evidence.as_ref(),
        Some(&evidence),
        "the promotion keeps its evidence"
    );
    assert_eq!(
        h[3].evidence
            .as_ref()
            .and_then(|e| e.ks_p)
            .map(f64::to_bits),
        Some(1.2e-19f64.to_bits())
    );
    assert_eq!(h[3].actor, Actor::PromotionGate);
    assert_eq!(h[4].actor, Actor::Canary);
    let e = reg
        .rollback(&user("again", 3001.0))
        .await
        .expect_err("no production before 1");
    assert!(
        matches!(
            e,
            Error::Invalid {
                field: "rollback",
                ..
            }
        ),
        "{e}"
    );
    let m = reg.get(2).await.expect("get 2");
    assert_eq!(m.label, "1.1.0");
    assert_eq!(m.metrics[0].value.to_bits(), 0.706f64.to_bits());
    assert_eq!(m.lineage.drift, "10.0", "drift kept as typed");
    assert_eq!(m.created_at, 2000.0);
    // Time never goes backwards.
    let e = reg
        .archive(2, &user("late", 10.0))
        .await
        .expect_err("time before last event");
    assert!(matches!(e, Error::Invalid { field: "time", .. }), "{e}");
    // Labels are unique; bad hashes are refused.
    let e = reg
        .register(&sample("1.0.0", 9, 0.5), &user("dup", 4000.0))
        .await
        .expect_err("dup label");
    assert!(matches!(e, Error::Invalid { field: "label", .. }), "{e}");
    let mut bad = sample("2.0.0", 9, 0.5);
    bad.model_hash = model_hash("something else");
    let e = reg
        .register(&bad, &user("bad hash", 4000.0))
        .await
        .expect_err("bad hash");
    assert!(
        matches!(
            e,
            Error::Invalid {
                field: "model_hash",
                ..
            }
        ),
        "{e}"
    );
    let list = reg.list().await.expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].stage, Stage::Production);
}

async fn aliases<S: Store>(s: S) {
    let reg = Registry::open(s).await.expect("open");
    for (i, l) in ["a", "b", "c"].iter().enumerate() {
        reg.register(&sample(l, i as u64, 0.6), &user("r", i as f64))
            .await
            .expect("register");
    }
    reg.set_alias("champion", 1, &user("", 10.0))
        .await
        .expect("alias");
    reg.set_alias("challenger", 2, &user("", 11.0))
        .await
        .expect("alias");
    let ev = reg
        .set_alias("champion", 3, &user("", 12.0))
        .await
        .expect("move alias");
    assert_eq!(
        ev.change,
        Change::SetAlias {
            alias: "champion".into(),
            version: 3,
            previous: Some(1)
        },
        "one version per alias: moving it records where it was"
    );
    assert_eq!(reg.alias("champion").await.expect("alias"), Some(3));
    assert_eq!(
        reg.list().await.expect("list")[0].aliases,
        Vec::<String>::new()
    );
    assert_eq!(
        reg.list().await.expect("list")[2].aliases,
        vec!["champion".to_string()]
    );
    for bad in ["", "Champion", "v3", "1abc", "a b", &"x".repeat(65)] {
        let e = reg
            .set_alias(bad, 1, &user("", 13.0))
            .await
            .expect_err("bad alias name");
        assert!(
            matches!(e, Error::Invalid { field: "alias", .. }),
            "{bad:?}: {e}"
        );
    }
    let e = reg
        .set_alias("x", 9, &user("", 13.0))
        .await
        .expect_err("unknown version");
    assert!(
        matches!(
            e,
            Error::Invalid {
                field: "version",
                ..
            }
        ),
        "{e}"
    );
    reg.remove_alias("challenger", &user("", 14.0))
        .await
        .expect("remove");
    let e = reg
        .remove_alias("challenger", &user("", 15.0))
        .await
        .expect_err("gone");
    assert!(matches!(e, Error::Invalid { field: "alias", .. }), "{e}");
    assert_eq!(reg.alias("challenger").await.expect("alias"), None);
}

async fn production_at<S: Store>(s: S) {
    let reg = Registry::open(s).await.expect("open");
    for (i, l) in ["a", "b", "c"].iter().enumerate() {
        reg.register(&sample(l, i as u64, 0.6), &user("r", 100.0 * i as f64))
            .await
            .expect("register");
    }
    reg.promote(1, &user("", 1000.0)).await.expect("p1");
    reg.promote(2, &user("", 2000.0)).await.expect("p2");
    reg.transition(3, Stage::Staging, &user("", 2500.0))
        .await
        .expect("stage 3");
    reg.promote(3, &user("", 3000.0)).await.expect("p3");
    reg.rollback(&user("", 4000.0)).await.expect("rb -> 2");
    reg.rollback(&user("", 5000.0)).await.expect("rb -> 1");
    reg.archive(1, &user("", 6000.0))
        .await
        .expect("archive the production version");
    let want = [
        (0.0, None),
        (999.0, None),
        (1000.0, Some(1)),
        (1999.9, Some(1)),
        (2000.0, Some(2)),
        (2999.0, Some(2)),
        (3000.0, Some(3)),
        (4000.0, Some(2)),
        (5000.0, Some(1)),
        (6000.0, None),
        (1e12, None),
    ];
    for (t, p) in want {
        assert_eq!(
            reg.production_at(t).await.expect("production_at"),
            p,
            "production_at({t})"
        );
    }
    // After archiving production by hand, rollback restores the last production version.
    reg.rollback(&user("", 7000.0))
        .await
        .expect("rb -> 1 again");
    assert_eq!(reg.production().await.expect("prod"), Some(1));
    let st = reg.state().await.expect("state");
    assert_eq!(st.stage(2), Stage::Archived);
    assert_eq!(st.stage(3), Stage::Archived);
}

async fn two_registries_interleaved<S: Store + Clone + 'static>(s: S) {
    // Tab B registers between tab A's read and tab A's commit; A retries and keeps both.
    let reg_b = Registry::open(s.clone()).await.expect("open b");
    let b_store = s.clone();
    let rival: Rival = Box::pin(async move {
        let b = Registry::open(b_store).await.expect("rival open");
        b.register(&sample("from-b", 2, 0.6), &user("tab b", 10.0))
            .await
            .expect("rival register");
    });
    let reg_a = Registry::open(Racing::new(s.clone(), rival))
        .await
        .expect("open a");
    let v = reg_a
        .register(&sample("from-a", 1, 0.6), &user("tab a", 11.0))
        .await
        .expect("a retries after the conflict");
    assert_eq!(v, 2, "a re-read and took the next number");
    let labels = reg_b.state().await.expect("state").labels;
    assert_eq!(
        labels,
        vec!["from-b".to_string(), "from-a".to_string()],
        "no update lost"
    );
    assert_eq!(reg_b.history().await.expect("history").len(), 2);

    // Without retries, the loser gets a typed Conflict and writes nothing.
    let b_store = s.clone();
    let rival: Rival = Box::pin(async move {
        let b = Registry::open(b_store).await.expect("rival open");
        b.promote(1, &user("tab b promotes 1", 20.0))
            .await
            .expect("rival promote");
    });
    let reg_a = Registry::open(Racing::new(s.clone(), rival))
        .await
        .expect("open a")
        .with_retries(0);
    let e = reg_a
        .promote(2, &user("tab a promotes 2", 21.0))
        .await
        .expect_err("conflict");
    assert!(is_conflict(&e), "{e}");
    assert_eq!(
        reg_b.production().await.expect("prod"),
        Some(1),
        "b's promotion stands"
    );
    assert_eq!(reg_b.history().await.expect("history").len(), 3);

    // With retries, the loser recomputes on the new state: promoting 2 now archives 1.
    let b_store = s.clone();
    let rival: Rival = Box::pin(async move {
        let b = Registry::open(b_store).await.expect("rival open");
        b.set_alias("champion", 1, &user("tab b alias", 30.0))
            .await
            .expect("rival alias");
    });
    let reg_a = Registry::open(Racing::new(s, rival)).await.expect("open a");
    let ev = reg_a
        .promote(2, &user("tab a promotes 2", 31.0))
        .await
        .expect("retry");
    assert_eq!(
        ev.change,
        Change::Promote {
            version: 2,
            from: Stage::None,
            replaced: Some(1)
        }
    );
    assert_eq!(
        reg_b.alias("champion").await.expect("alias"),
        Some(1),
        "b's alias stands"
    );
    assert_eq!(reg_b.production().await.expect("prod"), Some(2));
}

async fn corrupt_records<S: Store + Clone>(s: S) {
    let reg = Registry::open(s.clone()).await.expect("open");
    for (i, l) in ["a", "b", "c"].iter().enumerate() {
        reg.register(&sample(l, i as u64, 0.6), &user("r", i as f64))
            .await
            .expect("register");
    }
    reg.promote(2, &user("", 10.0)).await.expect("promote");
    let good_1 = s
        .get("version/00000001")
        .await
        .expect("get")
        .expect("present");
    let good_2 = s
        .get("version/00000002")
        .await
        .expect("get")
        .expect("present");
    // A version record that is not JSON: only that version is unreadable.
    s.commit(Batch::new().put("version/00000001", b"{not json".to_vec()))
        .await
        .expect("corrupt");
    let e = reg.get(1).await.expect_err("corrupt version");
    match &e {
        Error::Store(StoreError::Corrupt { key, .. }) => assert_eq!(key, "version/00000001"),
        other => panic!("corrupt_records: expected Corrupt naming the key, got {other}"),
    }
    assert_eq!(reg.get(2).await.expect("others readable").label, "b");
    assert_eq!(reg.list().await.expect("list still works").len(), 3);
    assert_eq!(reg.history().await.expect("history still works").len(), 4);
    let e = reg
        .export_json()
        .await
        .expect_err("an export is complete or refused");
    assert!(e.to_string().contains("version/00000001"), "{e}");
    let e = reg
        .repair()
        .await
        .expect_err("repair checks every version record");
    assert!(e.to_string().contains("version/00000001"), "{e}");
    s.commit(Batch::new().put("version/00000001", good_1))
        .await
        .expect("restore");
    // Valid JSON, wrong content: the model no longer matches its hash.
    let tampered = String::from_utf8(good_2.clone())
        .expect("utf8")
        .replace("0xbfd0000000000000", "0xbfd0000000000001");
    s.commit(Batch::new().put("version/00000002", tampered.into_bytes()))
        .await
        .expect("tamper");
    let e = reg.get(2).await.expect_err("tampered model");
    assert!(
        e.to_string().contains("version/00000002") && e.to_string().contains("model_hash"),
        "{e}"
    );
    s.commit(Batch::new().put("version/00000002", good_2))
        .await
        .expect("restore");
    // A corrupt history event.
    let good_h = s
        .get("history/00000002")
        .await
        .expect("get")
        .expect("present");
    s.commit(Batch::new().put("history/00000002", b"[1,2,3]".to_vec()))
        .await
        .expect("corrupt");
    let e = reg.history().await.expect_err("corrupt event");
    assert!(e.to_string().contains("history/00000002"), "{e}");
    assert!(reg.production_at(100.0).await.is_err());
    s.commit(Batch::new().put("history/00000002", good_h))
        .await
        .expect("restore");
    // A corrupt state: mutations refuse and change nothing; repair rebuilds it from history.
    let before = all(&s).await;
    s.commit(Batch::new().put("state", b"\xff\xfe".to_vec()))
        .await
        .expect("corrupt state");
    let e = reg
        .promote(3, &user("", 20.0))
        .await
        .expect_err("state is corrupt");
    assert!(
        matches!(&e, Error::Store(StoreError::Corrupt { key, .. }) if key == "state"),
        "{e}"
    );
    assert_eq!(
        reg.get(3)
            .await
            .expect("versions readable without state")
            .label,
        "c"
    );
    // A state that parses but breaks an invariant (two Production versions).
    let two = br#"{"labels":["a","b","c"],"stages":{"1":"Production","2":"Production"},"aliases":{},"trail":[],"events":4,"last_time":10.0}"#;
    s.commit(Batch::new().put("state", two.to_vec()))
        .await
        .expect("corrupt state");
    let e = reg.state().await.expect_err("two productions");
    assert!(
        e.to_string().contains("state") && e.to_string().contains("Production"),
        "{e}"
    );
    reg.repair().await.expect("repair from history");
    let after = all(&s).await;
    let strip = |v: Vec<(String, Option<Vec<u8>>)>| -> Vec<(String, Option<Vec<u8>>)> {
        v.into_iter().filter(|(k, _)| k != "meta").collect()
    };
    assert_eq!(
        strip(after),
        strip(before),
        "repair gives back the same state record"
    );
    assert_eq!(reg.production().await.expect("prod"), Some(2));
    // A corrupt meta: reported by name, never a panic.
    s.commit(Batch::new().put("meta", b"null".to_vec()))
        .await
        .expect("corrupt meta");
    let e = reg.state().await.expect_err("corrupt meta");
    assert!(
        matches!(&e, Error::Store(StoreError::Corrupt { key, .. }) if key == "meta"),
        "{e}"
    );
    let e = Registry::open(s.clone()).await.expect_err("cannot open");
    assert!(e.to_string().contains("meta"), "{e}");
    // A newer schema is refused, not misread.
    s.commit(Batch::new().put("meta", br#"{"schema":4,"revision":9}"#.to_vec()))
        .await
        .expect("newer");
    let e = Registry::open(s).await.expect_err("newer schema");
    assert!(matches!(e, Error::Unsupported(_)), "{e}");
}

async fn faults_leave_state_unchanged<S: Store + Clone>(s: S) {
    let f = Faulty::new(s.clone());
    let reg = Registry::open(f.clone()).await.expect("open");
    reg.register(&sample("a", 1, 0.6), &user("", 1.0))
        .await
        .expect("register");
    reg.register(&sample("b", 2, 0.6), &user("", 2.0))
        .await
        .expect("register");
    reg.promote(1, &user("", 3.0)).await.expect("promote");
    let before = all(&s).await;
    for fault in [
        StoreError::Quota("QuotaExceededError (injected)".into()),
        StoreError::Aborted("transaction aborted mid-promotion (injected)".into()),
        StoreError::Io("disk gone (injected)".into()),
    ] {
        f.arm(fault.clone());
        let e = reg.promote(2, &user("", 4.0)).await.expect_err("fault");
        assert_eq!(e, Error::Store(fault.clone()), "the registry reports why");
        assert_eq!(
            all(&s).await,
            before,
            "a failed promotion leaves the store as it was"
        );
        f.arm(fault.clone());
        assert!(reg
            .register(&sample("c", 3, 0.6), &user("", 4.0))
            .await
            .is_err());
        f.arm(fault.clone());
        assert!(reg
            .import_json(&reg.export_json().await.expect("export"))
            .await
            .is_err());
        f.arm(fault);
        assert!(reg.erase_all().await.is_err());
        assert_eq!(
            all(&s).await,
            before,
            "failed writes leave the store as it was"
        );
    }
    reg.promote(2, &user("", 5.0))
        .await
        .expect("then it goes through");
    assert_eq!(reg.production().await.expect("prod"), Some(2));
}

async fn import_validation<S: Store + Clone>(s: S) {
    let reg = Registry::open(s.clone()).await.expect("open");
    reg.register(&sample("a", 1, 0.6), &user("", 1.0))
        .await
        .expect("register");
    reg.register(&sample("b", 2, 0.7), &user("", 2.0))
        .await
        .expect("register");
    reg.promote(1, &user("", 3.0)).await.expect("promote");
    reg.promote(2, &user("", 4.0)).await.expect("promote");
    reg.set_alias("champion", 2, &user("", 5.0))
        .await
        .expect("alias");
    let export = reg.export_json().await.expect("export");
    let before = all(&s).await;
    let v: serde_json::Value = serde_json::from_str(&export).expect("export is JSON");
    let edit = |f: &dyn Fn(&mut serde_json::Value)| -> String {
        let mut x = v.clone();
        f(&mut x);
        x.to_string()
    };
    let hostile: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("not json", "registry!".to_string()),
        ("truncated", export[..export.len() / 2].to_string()),
        ("deep nesting", "[".repeat(100_000)),
        (
            "huge",
            " ".repeat(mlops_loop::registry::MAX_IMPORT_BYTES + 1),
        ),
        ("wrong format", edit(&|x| x["format"] = "other".into())),
        ("schema 3", edit(&|x| x["schema"] = 3.into())),
        ("unknown field", edit(&|x| x["extra"] = 1.into())),
        (
            "two productions",
            edit(&|x| x["stages"]["1"] = "Production".into()),
        ),
        (
            "alias to a missing version",
            edit(&|x| x["aliases"]["champion"] = 7.into()),
        ),
        (
            "version renumbered",
            edit(&|x| x["versions"][1]["version"] = 5.into()),
        ),
        (
            "hash mismatch",
            edit(&|x| x["versions"][0]["model_hash"] = "00".repeat(32).into()),
        ),
        (
            "event missing",
            edit(&|x| {
                if let Some(h) = x["history"].as_array_mut() {
                    h.remove(2);
                }
            }),
        ),
        (
            "time backwards",
            edit(&|x| x["history"][4]["time"] = 0.5.into()),
        ),
        (
            "negative version",
            edit(&|x| x["versions"][0]["version"] = (-1).into()),
        ),
        (
            "NaN-like metric",
            edit(&|x| x["versions"][0]["metrics"][0]["value"] = "NaN".into()),
        ),
        (
            "promote a ghost",
            edit(&|x| x["history"][2]["change"]["version"] = 9.into()),
        ),
        (
            "label mismatch",
            edit(&|x| x["versions"][0]["label"] = "zzz".into()),
        ),
        (
            "bad alias name",
            edit(&|x| x["history"][4]["change"]["alias"] = "V1".into()),
        ),
        (
            "control chars",
            edit(&|x| x["history"][0]["reason"] = "a\u{0}b".into()),
        ),
    ];
    for (name, text) in &hostile {
        let e = reg.import_json(text).await.expect_err(name);
        assert!(matches!(e, Error::Malformed { .. }), "import {name}: {e}");
        assert_eq!(
            all(&s).await,
            before,
            "a rejected import ({name}) changes nothing"
        );
    }
    // A valid import replaces everything, in one batch; export → import → export is the identity.
    reg.erase_all().await.expect("erase");
    assert_eq!(reg.list().await.expect("list").len(), 0);
    assert_eq!(reg.history().await.expect("history").len(), 0);
    let summary = reg.import_json(&export).await.expect("import");
    assert_eq!((summary.versions, summary.events), (2, 5));
    assert_eq!(
        reg.export_json().await.expect("export"),
        export,
        "round trip"
    );
    assert_eq!(reg.production().await.expect("prod"), Some(2));
    // Importing over a bigger registry removes the extra records.
    reg.register(&sample("c", 3, 0.6), &user("", 9.0))
        .await
        .expect("register");
    reg.import_json(&export).await.expect("import");
    assert_eq!(
        s.get("version/00000003").await.expect("get"),
        None,
        "extra version removed"
    );
    // The imported history is one run of 5 events, in one record at its first event's key.
    assert_eq!(
        s.keys("history/").await.expect("keys"),
        vec!["history/00000001".to_string()]
    );
}

async fn migration_from_schema_1<S: Store + Clone>(s: S) {
    let m1 = r#"{"kind":"gbm","trees":[1]}"#;
    let m2 = r#"{"kind":"gbm","trees":[2]}"#;
    let lineage = r#"{"data_fingerprint":"3f2a9c1b7e4d","seed":"42","drift":"0","rows":20000,"params":{"n_estimators":100},"code_version":"0.0.9","build_id":"0.0.9"}"#;
    let version = |n: u32, label: &str, model: &str, stage: &str, t: f64| {
        format!(
            r#"{{"version":{n},"label":"{label}","model_json":{},"model_hash":"{}","lineage":{lineage},"metrics":[{{"name":"auc","value":0.7105,"dataset":"holdout"}}],"created_at":{t},"stage":"{stage}"}}"#,
            serde_json::to_string(model).expect("json"),
            model_hash(model)
        )
    };
    let ev = |t: f64, v: u32, from: &str, to: &str| {
        format!(
            r#"{{"time":{t},"version":{v},"from":{from},"to":"{to}","actor":"user","reason":"v1 event"}}"#
        )
    };
    let v1 = Batch::new()
        .put("meta", br#"{"schema":1,"revision":7}"#.to_vec())
        .put(
            "version/00000001",
            version(1, "1.0.0", m1, "Archived", 10.0).into_bytes(),
        )
        .put(
            "version/00000002",
            version(2, "1.1.0", m2, "Production", 20.0).into_bytes(),
        )
        .put("history/00000001", ev(10.0, 1, "null", "None").into_bytes())
        .put(
            "history/00000002",
            ev(11.0, 1, "\"None\"", "Production").into_bytes(),
        )
        .put("history/00000003", ev(20.0, 2, "null", "None").into_bytes())
        .put(
            "history/00000004",
            ev(21.0, 1, "\"Production\"", "Archived").into_bytes(),
        )
        .put(
            "history/00000005",
            ev(21.0, 2, "\"None\"", "Production").into_bytes(),
        );
    s.commit(v1.clone()).await.expect("write a schema-1 store");
    let reg = Registry::open(s.clone()).await.expect("open migrates");
    let meta = s.get("meta").await.expect("get").expect("meta");
    assert_eq!(
        meta,
        br#"{"schema":3,"revision":8}"#.to_vec(),
        "the current schema, revision bumped"
    );
    let st = reg.state().await.expect("state");
    assert_eq!(st.labels, vec!["1.0.0".to_string(), "1.1.0".to_string()]);
    assert_eq!(
        (st.stage(1), st.stage(2)),
        (Stage::Archived, Stage::Production)
    );
    assert!(st.aliases.is_empty());
    assert_eq!(reg.get(2).await.expect("get").model_json, m2);
    let h = reg.history().await.expect("history");
    assert_eq!(h.len(), 5);
    assert_eq!(
        h[1].change,
        Change::Promote {
            version: 1,
            from: Stage::None,
            replaced: None
        }
    );
    assert_eq!(
        h[3].change,
        Change::Transition {
            version: 1,
            from: Stage::Production,
            to: Stage::Archived
        }
    );
    assert_eq!(reg.production_at(15.0).await.expect("at"), Some(1));
    // The migrated registry works like any other: aliases exist now, and rollback finds 1.
    reg.set_alias("champion", 2, &user("", 30.0))
        .await
        .expect("alias");
    reg.rollback(&user("", 31.0)).await.expect("rollback to 1");
    assert_eq!(reg.production().await.expect("prod"), Some(1));
    // A schema-1 store whose records disagree with its history is not migrated: nothing written.
    let bad = s.clone();
    reg.erase_all().await.expect("erase");
    for k in bad.keys("").await.expect("keys") {
        bad.commit(Batch::new().delete(k)).await.expect("clear");
    }
    let mut v1_bad = v1;
    v1_bad.writes.push(mlops_loop::registry::Write::Put(
        "version/00000001".into(),
        version(1, "1.0.0", m1, "Staging", 10.0).into_bytes(),
    ));
    bad.commit(v1_bad)
        .await
        .expect("write a bad schema-1 store");
    let before = all(&bad).await;
    let e = Registry::open(bad.clone())
        .await
        .expect_err("stage disagrees with history");
    assert!(e.to_string().contains("version/00000001"), "{e}");
    assert_eq!(all(&bad).await, before, "a failed migration writes nothing");
}
