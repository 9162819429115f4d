//! The registry against what an attacker and a clumsy user tried (hardening, round two): times
//! outside a JavaScript `Date`'s range, a registry already holding one, imports of models the
//! loader refuses, the loser of a write race, reading a page of a long history, and an import at
//! the event limit (exactly the limit is taken, one event more is refused and nothing is lost).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/store_contract.rs"]
mod store_contract;

use mlops_loop::registry::{
    block_on, history_key, Actor, Cause, Event, MemStore, Registry, Stage, Store, StoreError,
    HISTORY_RUN, MAX_EVENTS, MAX_IMPORT_BYTES, MAX_TIME_MS,
};
use mlops_loop::Error;
use store_contract::{sample, Racing};

fn cause(t: f64) -> Cause {
    Cause::new(Actor::User, "test", t)
}

/// v1 and v2 registered, v1 in production: 3 events at times 1, 2, 3.
fn small() -> (MemStore, Registry<MemStore>) {
    let s = MemStore::new();
    let reg = block_on(Registry::open(s.clone())).expect("open");
    block_on(reg.register(&sample("1.0.0", 1, 0.71), &cause(1.0))).expect("v1");
    block_on(reg.register(&sample("1.1.0", 2, 0.72), &cause(2.0))).expect("v2");
    block_on(reg.promote(1, &cause(3.0))).expect("promote");
    (s, reg)
}

#[test]
fn times_outside_a_js_date_are_refused_on_every_write_naming_the_value() {
    let (s, reg) = small();
    let before = s.snapshot();
    for t in [1e308, MAX_TIME_MS + 1.0, f64::INFINITY, -1.0] {
        let e = block_on(reg.promote(2, &cause(t))).expect_err("refused");
        let msg = e.to_string();
        assert!(
            matches!(e, Error::Invalid { field: "time", .. }),
            "{t}: {msg}"
        );
        assert!(msg.contains("8.64e15"), "{t}: says the range: {msg}");
        assert_eq!(s.snapshot(), before, "{t}: nothing written");
    }
    let e = block_on(reg.promote(2, &cause(1e308))).expect_err("refused");
    assert!(
        e.to_string().contains("= 1e308"),
        "the value as people read it: {e}"
    );
    // The end of the range itself is a valid time.
    block_on(reg.promote(2, &cause(MAX_TIME_MS))).expect("the last valid time");
}

#[test]
fn an_import_with_a_time_past_a_js_date_is_refused_naming_the_event() {
    let (_, reg) = small();
    let mut doc: serde_json::Value =
        serde_json::from_str(&block_on(reg.export_json()).expect("export")).expect("json");
    doc["history"][2]["time"] = serde_json::json!(8_640_000_000_000_001u64);
    let (s2, reg2) = small();
    let before = s2.snapshot();
    let e = block_on(reg2.import_json(&doc.to_string())).expect_err("refused");
    let msg = e.to_string();
    assert!(matches!(e, Error::Malformed { .. }), "{msg}");
    assert!(
        msg.contains("history[2]") && msg.contains("8640000000000001"),
        "{msg}"
    );
    assert_eq!(s2.snapshot(), before);
}

/// What an older build's import left behind: the last event (and the state) at a time past the
/// end of a JavaScript `Date`.
fn holding_a_bad_time() -> (MemStore, Registry<MemStore>) {
    let (s, reg) = small();
    let bad = 8_640_000_000_000_001.0;
    let key = history_key(3);
    let mut e: Event = serde_json::from_slice(&s.snapshot()[&key]).expect("event");
    e.time = bad;
    s.corrupt(&key, &serde_json::to_vec(&e).expect("json"));
    let mut st = block_on(reg.state()).expect("state");
    st.last_time = Some(bad);
    s.corrupt("state", &serde_json::to_vec(&st).expect("json"));
    (s, reg)
}

#[test]
fn a_registry_already_holding_a_bad_time_opens_and_says_which_record() {
    let (s, _) = holding_a_bad_time();
    let reg = block_on(Registry::open(s.clone())).expect("it still opens");
    // The versions and production stay right.
    assert_eq!(block_on(reg.production()).expect("production"), Some(1));
    assert_eq!(block_on(reg.list()).expect("list").len(), 2);
    assert_eq!(block_on(reg.get(2)).expect("v2").label, "1.1.0");
    // Reading the history names the record and the value.
    for e in [
        block_on(reg.history()).expect_err("history"),
        block_on(reg.history_page(None, 50)).expect_err("the last page"),
    ] {
        match &e {
            Error::Store(StoreError::Corrupt { key, reason }) => {
                assert_eq!(key, "history/00000003");
                assert!(reason.contains("8640000000000001"), "{reason}");
            }
            other => panic!("expected Corrupt naming history/00000003, got {other}"),
        }
    }
    // The events before it still read.
    let (total, page) = block_on(reg.history_page(Some(1), 2)).expect("first page");
    assert_eq!((total, page.len()), (3, 2));
    // A write is refused naming the record, not as "earlier than the last event".
    let before = s.snapshot();
    let e = block_on(reg.promote(2, &cause(4.0))).expect_err("no new event");
    let msg = e.to_string();
    assert!(
        msg.contains("history/00000003") && msg.contains("8640000000000001"),
        "{msg}"
    );
    assert!(!msg.contains("earlier than"), "{msg}");
    assert_eq!(s.snapshot(), before);
    // Erasing, or importing a good export, makes it writable again.
    block_on(reg.erase_all()).expect("erase");
    block_on(reg.register(&sample("2.0.0", 3, 0.7), &cause(5.0))).expect("writable");
}

/// A model JSON the loader refuses, with its hash recomputed so only the loader can tell.
fn hostile_models() -> Vec<(&'static str, String, &'static str)> {
    let good: serde_json::Value =
        serde_json::from_str(&store_contract::sample_model_json("x", 1)).expect("json");
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        f(&mut v);
        v.to_string()
    };
    vec![
        (
            "a cycle",
            edit(&|v| {
                let t = &mut v["trees"][0];
                t["children_left"][1] = 0.into();
                t["children_right"][1] = 2.into();
                t["feature"][1] = 0.into();
                t["threshold"][1] = "0x3ff0000000000000".into();
            }),
            "forward-only",
        ),
        (
            "a NaN threshold",
            edit(&|v| v["trees"][0]["threshold"][0] = "0x7ff8000000000000".into()),
            "not finite",
        ),
        (
            "a child index of 99999",
            edit(&|v| v["trees"][0]["children_left"][0] = 99999.into()),
            "99999",
        ),
    ]
}

#[test]
fn imports_validate_every_model_as_loading_does_even_in_production() {
    let (_, reg) = small();
    let export = block_on(reg.export_json()).expect("export");
    for (what, model, needle) in hostile_models() {
        // The loader itself refuses it.
        assert!(
            mlops_loop::gbm::GbmModel::from_json(&model).is_err(),
            "{what}"
        );
        // v1 is the production version of the export.
        let mut doc: serde_json::Value = serde_json::from_str(&export).expect("json");
        doc["versions"][0]["model_json"] = model.clone().into();
        doc["versions"][0]["model_hash"] = mlops_loop::registry::model_hash(&model).into();
        let (s, target) = small();
        let before = s.snapshot();
        let e = block_on(target.import_json(&doc.to_string())).expect_err(what);
        let msg = e.to_string();
        assert!(matches!(e, Error::Malformed { .. }), "{what}: {msg}");
        assert!(
            msg.contains("version 1") && msg.contains("model_json") && msg.contains(needle),
            "{what}: {msg}"
        );
        assert_eq!(s.snapshot(), before, "{what}: nothing written");
        // Registering it is refused the same way.
        let mut new = sample("9.9.9", 9, 0.7);
        new.model_hash = mlops_loop::registry::model_hash(&model);
        new.model_json = model;
        let e = block_on(target.register(&new, &cause(10.0))).expect_err(what);
        assert!(e.to_string().contains(needle), "{what}: {e}");
    }
}

#[test]
fn the_loser_of_a_write_race_is_told_the_registry_changed_under_it() {
    let s = MemStore::new();
    let base = block_on(Registry::open(s.clone())).expect("open");
    block_on(base.register(&sample("1.0.0", 1, 0.71), &cause(1.0))).expect("v1");
    block_on(base.register(&sample("1.1.0", 2, 0.72), &cause(2.0))).expect("v2");
    // Another writer promotes v2 at t = 20 between our read and our commit at t = 10.
    let rival_reg = base.clone();
    let rival = Box::pin(async move {
        rival_reg
            .promote(2, &cause(20.0))
            .await
            .expect("the rival wins");
    });
    let racing = Racing::new(s.clone(), rival);
    let reg = block_on(Registry::open(racing)).expect("open");
    let e = block_on(reg.promote(1, &cause(10.0))).expect_err("lost the race");
    let msg = e.to_string();
    assert!(
        matches!(e, Error::Store(StoreError::Conflict(_))),
        "a conflict: {msg}"
    );
    assert!(
        msg.contains("changed under") && msg.contains("#3"),
        "says the registry changed under it, and what: {msg}"
    );
    assert!(!msg.contains("earlier than"), "{msg}");
    assert_eq!(block_on(base.production()).expect("prod"), Some(2));
    // The same time given by hand, without a race, is the caller's own mistake.
    let e = block_on(base.promote(1, &cause(10.0))).expect_err("earlier");
    assert!(e.to_string().contains("earlier than"), "{e}");
}

#[test]
fn a_page_of_the_history_reads_the_same_from_single_events_and_from_runs() {
    // 2,501 events: by writes (one record each), then the same through an import (runs).
    let s = MemStore::new();
    let reg = block_on(Registry::open(s.clone())).expect("open");
    block_on(reg.register(&sample("1.0.0", 1, 0.7), &cause(0.0))).expect("v1");
    for i in 0..2500u32 {
        let c = cause(f64::from(i + 1));
        if i % 2 == 0 {
            block_on(reg.set_alias("a", 1, &c)).expect("alias");
        } else {
            block_on(reg.remove_alias("a", &c)).expect("remove");
        }
    }
    let all = block_on(reg.history()).expect("history");
    assert_eq!(all.len(), 2501);
    assert_eq!(block_on(s.keys("history/")).expect("keys").len(), 2501);
    let export = block_on(reg.export_json()).expect("export");
    let s2 = MemStore::new();
    let reg2 = block_on(Registry::open(s2.clone())).expect("open");
    let summary = block_on(reg2.import_json(&export)).expect("import");
    assert_eq!(summary.events, 2501);
    // An import writes runs of HISTORY_RUN events, keyed by their first event.
    assert_eq!(
        block_on(s2.keys("history/")).expect("keys"),
        vec![history_key(1), history_key(1001), history_key(2001)]
    );
    assert_eq!(HISTORY_RUN, 1000);
    assert_eq!(block_on(reg2.history()).expect("history"), all);
    assert_eq!(block_on(reg2.export_json()).expect("export"), export);
    for r in [&reg, &reg2] {
        for (from, count) in [
            (None, 50),
            (Some(1), 50),
            (Some(990), 20),
            (Some(1000), 1),
            (Some(1001), 1000),
            (Some(2480), 50),
            (Some(5000), 10),
        ] {
            let (total, page) = block_on(r.history_page(from, count)).expect("page");
            assert_eq!(total, 2501);
            let first = from.unwrap_or(2501 - count + 1).min(2501 - count + 1) as usize;
            assert_eq!(page, all[first - 1..first - 1 + count as usize], "{from:?}");
        }
    }
    // Appending to an imported history adds a one-event record after the runs.
    block_on(reg2.set_alias("b", 1, &cause(3000.0))).expect("append");
    let (total, page) = block_on(reg2.history_page(None, 3)).expect("page");
    assert_eq!(total, 2502);
    assert_eq!(page[..2], all[2499..]);
    assert_eq!(page[2].seq, 2502);
    // A damaged run is reported by its key, and the pages it does not hold still read.
    s2.corrupt(&history_key(1001), b"[{\"seq\":1001}]");
    let e = block_on(reg2.history_page(Some(1500), 10)).expect_err("damaged run");
    assert!(e.to_string().contains("history/00001001"), "{e}");
    assert_eq!(
        block_on(reg2.history_page(Some(1), 10)).expect("page 1").1,
        all[..10]
    );
    assert_eq!(block_on(reg2.history_page(None, 3)).expect("last").1, page);
}

#[test]
fn a_schema_2_store_opens_as_it_is_and_only_meta_changes() {
    let (s, reg) = small();
    let st = block_on(reg.state()).expect("state");
    s.corrupt("meta", br#"{"schema":2,"revision":5}"#);
    let before = s.snapshot();
    let reg = block_on(Registry::open(s.clone())).expect("open a schema-2 store");
    let after = s.snapshot();
    assert_eq!(after["meta"], br#"{"schema":3,"revision":6}"#.to_vec());
    for (k, v) in &before {
        if k != "meta" {
            assert_eq!(after.get(k), Some(v), "{k} unchanged");
        }
    }
    assert_eq!(block_on(reg.state()).expect("state"), st);
    assert_eq!(block_on(reg.history()).expect("history").len(), 3);
    block_on(reg.promote(2, &cause(4.0))).expect("writable");
    assert_eq!(
        block_on(reg.state()).expect("state").stage(1),
        Stage::Archived
    );
}

/// An export of `events` events, written as text (quick even for a million): version 1
/// registered at time 0, then alias changes ("a" set, removed, ...) at times 1, 2, ..., and with
/// `production` a last event promoting version 1. The history ends with the alias removed, so
/// without `production` `events` must be odd.
fn long_export(events: u64, production: bool) -> String {
    let s = MemStore::new();
    let reg = block_on(Registry::open(s)).expect("open");
    block_on(reg.register(&sample("1.0.0", 1, 0.7), &cause(0.0))).expect("v1");
    let one: serde_json::Value =
        serde_json::from_str(&block_on(reg.export_json()).expect("export")).expect("json");
    let alias_changes = if production { events - 1 } else { events };
    assert_eq!(
        alias_changes % 2,
        1,
        "the alias changes end with it removed"
    );
    let mut history = String::with_capacity(events as usize * 120);
    history.push_str(&one["history"][0].to_string());
    for seq in 2..=events {
        let change = if seq > alias_changes {
            r#"{"kind":"promote","version":1,"from":"None","replaced":null}"#
        } else if seq % 2 == 0 {
            r#"{"kind":"set_alias","alias":"a","version":1,"previous":null}"#
        } else {
            r#"{"kind":"remove_alias","alias":"a","previous":1}"#
        };
        history.push_str(&format!(
            r#",{{"seq":{seq},"time":{},"change":{change},"actor":"user","reason":""}}"#,
            seq - 1
        ));
    }
    let stages = if production {
        r#"{"1":"Production"}"#
    } else {
        "{}"
    };
    format!(
        r#"{{"format":{},"schema":{},"versions":{},"history":[{history}],"stages":{stages},"aliases":{{}}}}"#,
        one["format"], one["schema"], one["versions"]
    )
}

#[test]
fn an_import_of_exactly_the_event_limit_is_taken_and_one_more_is_refused() {
    // The byte cap holds a registry at the event limit.
    let at_limit = long_export(MAX_EVENTS, true);
    assert!(
        at_limit.len() <= MAX_IMPORT_BYTES,
        "{} events are {} bytes, over the {MAX_IMPORT_BYTES}-byte cap",
        MAX_EVENTS,
        at_limit.len()
    );
    // One event over the limit: refused, naming the count and the limit; nothing is lost.
    let (s, reg) = small();
    let before = s.snapshot();
    let over = long_export(MAX_EVENTS + 1, false);
    let e = block_on(reg.import_json(&over)).expect_err("one event over the limit");
    assert!(
        e.to_string().contains(&format!(
            "{} events, the limit is {MAX_EVENTS}",
            MAX_EVENTS + 1
        )),
        "{e}"
    );
    drop(over);
    assert_eq!(s.snapshot(), before, "a refused import changed the store");
    // Exactly the limit: taken, and the history pages from either end.
    let summary = block_on(reg.import_json(&at_limit)).expect("exactly the limit");
    drop(at_limit);
    assert_eq!((summary.versions, summary.events), (1, MAX_EVENTS));
    assert_eq!(block_on(reg.production()).expect("production"), Some(1));
    let (total, last) = block_on(reg.history_page(None, 50)).expect("last page");
    assert_eq!(total, MAX_EVENTS);
    assert_eq!(
        last.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (MAX_EVENTS - 49..=MAX_EVENTS).collect::<Vec<_>>()
    );
    assert!(last[49].change.describe().contains("promote"), "{last:?}");
    let (_, first) = block_on(reg.history_page(Some(1), 50)).expect("first page");
    assert_eq!(first[0].seq, 1);
    assert_eq!(first[49].seq, 50);
    assert_eq!(
        block_on(s.keys("history/")).expect("keys").len() as u64,
        MAX_EVENTS.div_ceil(HISTORY_RUN)
    );
    // The history is full: the next change is refused, saying so, and nothing is written.
    let full = s.snapshot();
    let e = block_on(reg.set_alias("b", 1, &cause(MAX_EVENTS as f64))).expect_err("full");
    assert!(e.to_string().contains("the history is full"), "{e}");
    assert_eq!(s.snapshot(), full);
}

#[test]
fn a_change_reads_back_every_kind_and_refuses_what_the_tagged_enum_refused() {
    use mlops_loop::registry::Change;
    let all = [
        Change::Register {
            version: 1,
            label: "1.0.0".into(),
        },
        Change::Transition {
            version: 2,
            from: Stage::None,
            to: Stage::Staging,
        },
        Change::Promote {
            version: 2,
            from: Stage::Staging,
            replaced: Some(1),
        },
        Change::Promote {
            version: 1,
            from: Stage::None,
            replaced: None,
        },
        Change::Rollback {
            from: Some(2),
            to: 1,
            to_was: Stage::Archived,
        },
        Change::Rollback {
            from: None,
            to: 1,
            to_was: Stage::Archived,
        },
        Change::SetAlias {
            alias: "champion".into(),
            version: 3,
            previous: Some(2),
        },
        Change::SetAlias {
            alias: "a\"b".into(),
            version: 3,
            previous: None,
        },
        Change::RemoveAlias {
            alias: "champion".into(),
            previous: 3,
        },
    ];
    for c in &all {
        let text = serde_json::to_string(c).expect("json");
        assert_eq!(&serde_json::from_str::<Change>(&text).expect(&text), c);
    }
    // The keys in any order; a missing optional field is None.
    let c: Change =
        serde_json::from_str(r#"{"replaced":null,"version":4,"from":"None","kind":"promote"}"#)
            .expect("any order");
    assert_eq!(
        c,
        Change::Promote {
            version: 4,
            from: Stage::None,
            replaced: None
        }
    );
    let c: Change = serde_json::from_str(r#"{"kind":"set_alias","alias":"a","version":1}"#)
        .expect("previous left out");
    assert!(matches!(c, Change::SetAlias { previous: None, .. }));
    for (bad, says) in [
        (r#"{"version":1,"label":"x"}"#, "missing field `kind`"),
        (
            r#"{"kind":"launch","version":1}"#,
            "unknown variant `launch`",
        ),
        (
            r#"{"kind":"register","version":1}"#,
            "missing field `label`",
        ),
        (
            r#"{"kind":"register","version":1,"label":"x","alias":"a"}"#,
            "unknown field `alias`",
        ),
        (
            r#"{"kind":"register","version":1,"label":"x","extra":1}"#,
            "unknown field `extra`",
        ),
        (
            r#"{"kind":"register","version":1,"version":2,"label":"x"}"#,
            "duplicate field `version`",
        ),
        (
            r#"{"kind":"register","version":-1,"label":"x"}"#,
            "`version`",
        ),
        (
            r#"{"kind":"register","version":1.5,"label":"x"}"#,
            "`version`",
        ),
        (
            r#"{"kind":"register","version":4294967296,"label":"x"}"#,
            "`version`",
        ),
        (r#"{"kind":"register","version":1,"label":7}"#, "`label`"),
        (
            r#"{"kind":"transition","version":1,"from":"Live","to":"None"}"#,
            "unknown variant `Live`",
        ),
        (
            r#"{"kind":"rollback","from":"Production","to":1,"to_was":"None"}"#,
            "`from`",
        ),
        (
            r#"{"kind":"remove_alias","alias":"a","previous":null}"#,
            "`previous`",
        ),
        (r#"{"kind":1}"#, "`kind`"),
        (r#"[1,2]"#, "a change"),
    ] {
        let e = serde_json::from_str::<Change>(bad).expect_err(bad);
        assert!(e.to_string().contains(says), "{bad}: {e}");
    }
}

/// Version `v`'s record with its `model_hash` replaced: what a hand-edited registry file holds.
fn forge(s: &MemStore, v: u32) {
    let key = mlops_loop::registry::version_key(v);
    let mut rec: serde_json::Value =
        serde_json::from_slice(&block_on(s.get(&key)).expect("get").expect("record"))
            .expect("json");
    rec["model_hash"] = serde_json::json!("0".repeat(64));
    block_on(s.commit(mlops_loop::registry::Batch::new().put(&key, rec.to_string().into_bytes())))
        .expect("write");
}

#[test]
fn a_forged_version_is_never_put_into_production() {
    // Promote: v2's record does not match its hash.
    let (s, reg) = small();
    forge(&s, 2);
    let before = s.snapshot();
    let e = block_on(reg.promote(2, &cause(4.0))).expect_err("refused");
    assert!(
        matches!(&e, Error::Store(StoreError::Corrupt { .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains("version/00000002"), "{e}");
    assert!(e.to_string().contains("model_hash"), "{e}");
    assert_eq!(s.snapshot(), before, "nothing written");
    assert_eq!(block_on(reg.production()).expect("read"), Some(1));

    // Rollback: v1 was in production before v2; v1's record is then forged.
    let (s, reg) = small();
    block_on(reg.promote(2, &cause(4.0))).expect("promote v2");
    forge(&s, 1);
    let before = s.snapshot();
    let e = block_on(reg.rollback(&cause(5.0))).expect_err("refused");
    assert!(e.to_string().contains("version/00000001"), "{e}");
    assert_eq!(s.snapshot(), before, "nothing written");
    assert_eq!(block_on(reg.production()).expect("read"), Some(2));

    // An unknown version keeps its own message.
    let (_, reg) = small();
    let e = block_on(reg.promote(7, &cause(4.0))).expect_err("refused");
    assert!(e.to_string().contains("no such version"), "{e}");
}
