//! The chapter's scenario through the registry, with the book's real models: retrain triggered,
//! 1.1.0 promoted, 1.0.0 archived, rollback restores 1.0.0; the history carries the evidence.
//! Expected values: tests/fixtures/book_output.txt and the oracle's `book` section (numpy 2.4.6,
//! scipy 1.17.1, scikit-learn 1.9.1).
#![cfg(not(target_arch = "wasm32"))]

use mlops_loop::orchestrator::record_chapter;
use mlops_loop::registry::{block_on, Actor, Cause, Change, MemStore, Registry, Stage};
use mlops_loop::serving::{ChurnRequest, ServedBy, Service};

#[test]
fn chapter_decisions_through_the_registry() -> mlops_loop::Result<()> {
    let reg = block_on(Registry::open(MemStore::new()))?;
    let run = block_on(record_chapter(&reg))?;

    // roc_auc_score(y_test, GradientBoostingClassifier(random_state=42).fit(...)) on seed 1.
    assert_eq!(run.auc_v1.to_bits(), 0.7135674911042409f64.to_bits());
    // ks_2samp(make_data(1, 0.0).days_since_login, make_data(2, 10).days_since_login)
    let ks_p = run.retrain.evidence.ks_p.expect("ks_p");
    assert_eq!(ks_p.to_bits(), 1.191647509223885e-19f64.to_bits());
    let ks_d = run.retrain.evidence.ks_d.expect("ks_d");
    assert_eq!(ks_d.to_bits(), 0.12133333333333333f64.to_bits());
    assert!(run.retrain.decision, "retrain triggered: True");

    let promotion = run.promotion.as_ref().expect("gate 2 ran");
    let cur = promotion.evidence.auc_current.expect("auc_current");
    let cand = promotion.evidence.auc_candidate.expect("auc_candidate");
    assert_eq!(cur.to_bits(), 0.7028904741980965f64.to_bits());
    assert_eq!(cand.to_bits(), 0.7061030609482354f64.to_bits());
    assert_eq!(promotion.evidence.margin, Some(0.0));
    assert!(promotion.decision, "promote: True");

    let v1 = run.v1;
    let v2 = run.v2.expect("1.1.0 registered");
    let state = block_on(reg.state())?;
    assert_eq!(state.labels, vec!["1.0.0".to_string(), "1.1.0".to_string()]);
    assert_eq!(state.stage(v2), Stage::Production);
    assert_eq!(state.stage(v1), Stage::Archived);
    let m1 = block_on(reg.get(v1))?;
    assert_eq!(m1.lineage.data_fingerprint, "cf0f14ace53e");
    assert_eq!(m1.metrics[0].value.to_bits(), run.auc_v1.to_bits());
    let m2 = block_on(reg.get(v2))?;
    assert_eq!(m2.lineage.data_fingerprint, "d8f6e5f38cea");
    assert_eq!(m2.lineage.drift, "10");
    // The candidate's AUC on its own split (oracle: candidate_auc_own_split).
    assert_eq!(
        m2.metrics[0].value.to_bits(),
        0.6879815407707847f64.to_bits()
    );

    // The service serves 1.1.0; rollback restores 1.0.0 in the registry and the service.
    let mut service = block_on(Service::from_registry(&reg, 1))?;
    assert_eq!(service.stable().label, "1.1.0");
    let req = ChurnRequest {
        request_id: 7,
        spend_per_active_day: 5.0,
        is_recent: 0,
        days_since_login: 60.0,
    };
    let before = service.predict(&req)?;
    assert_eq!(before.model_version, v2);
    assert_eq!(before.served_by, ServedBy::Stable);
    let ev = block_on(reg.rollback(&Cause::new(Actor::User, "roll back", 3.0e9)))?;
    assert_eq!(
        ev.change,
        Change::Rollback {
            from: Some(v2),
            to: v1,
            to_was: Stage::Archived
        }
    );
    assert_eq!(service.rollback()?, v1);
    let after = service.predict(&req)?;
    assert_eq!(after.model_label, "1.0.0");
    let state = block_on(reg.state())?;
    assert_eq!(state.production(), Some(v1));
    assert_eq!(state.stage(v2), Stage::Archived);
    let reloaded = block_on(Service::from_registry(&reg, 1))?;
    assert_eq!(reloaded.stable().model.model_hash(), m1.model_hash);

    // History: register, promote, register (gate 1 with KS evidence), promote (gate 2 with
    // both AUCs and the margin), rollback.
    let h = block_on(reg.history())?;
    assert_eq!(h.len(), 5);
    assert_eq!(h[2].actor, Actor::RetrainGate);
    assert!(matches!(h[2].change, Change::Register { version, .. } if version == v2));
    let e = h[2].evidence.as_ref().expect("gate 1 evidence");
    assert_eq!(e.ks_p.map(f64::to_bits), Some(ks_p.to_bits()));
    assert_eq!(e.ks_d.map(f64::to_bits), Some(ks_d.to_bits()));
    assert_eq!(
        e.dataset.as_deref(),
        Some("reference cf0f14ace53e vs live d8f6e5f38cea")
    );
    assert_eq!(h[3].actor, Actor::PromotionGate);
    assert_eq!(
        h[3].change,
        Change::Promote {
            version: v2,
            from: Stage::None,
            replaced: Some(v1)
        }
    );
    let e = h[3].evidence.as_ref().expect("gate 2 evidence");
    assert_eq!(e.auc_current.map(f64::to_bits), Some(cur.to_bits()));
    assert_eq!(e.auc_candidate.map(f64::to_bits), Some(cand.to_bits()));
    assert_eq!(e.margin, Some(0.0));
    assert_eq!(e.dataset.as_deref(), Some("make_data(3, 10) 4f5d70530ac3"));
    assert!(h[3].reason.contains("promote"), "{}", h[3].reason);
    assert!(matches!(h[4].change, Change::Rollback { .. }));
    Ok(())
}
